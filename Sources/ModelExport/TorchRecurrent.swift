import Autograd
import NeuralNet

/// The recurrent layers as `nn.RNN`, `nn.LSTM` and `nn.GRU` (batch_first). Gates: PyTorch's
/// LSTM is i, f, g, o like Keras' i, f, c, o; its GRU is r, z, n where Keras' is z, r, h
/// (reordered on load), Keras' `reset_after` being PyTorch's GRU. Under a mask the real steps
/// are moved to the front (`_compact`) and packed, which is what dl's "padded steps keep the
/// state" computes.
enum TorchRecurrent {
  static func module(_ cell: RecurrentCell) -> String {
    switch cell { case .simple: return "nn.RNN"; case .lstm: return "nn.LSTM"; case .gru: return "nn.GRU" }
  }

  /// Keras' gate blocks in PyTorch's order.
  static func order(_ cell: RecurrentCell) -> String {
    switch cell { case .simple: return "(0,)"; case .lstm: return "(0, 1, 2, 3)"; case .gru: return "(1, 0, 2)" }
  }

  static func code(_ directions: [Recurrent], merge: MergeMode, name: String,
                   _ c: TorchLayerContext) throws -> TorchLayerCode {
    guard let first = directions.first else { throw ExportError("\(name) has no direction") }
    let (cell, u, f) = (first.cell, first.units, c.input.last ?? 0)
    var extra = ""
    switch (cell, first.cellActivation) {
    case (.simple, .tanh): extra = ", nonlinearity='tanh'"
    case (.simple, .relu): extra = ", nonlinearity='relu'"
    case (_, .tanh): break
    default:
      throw ExportError("\(name): PyTorch's \(module(cell)) has no activation=\(first.cellActivation.rawValue)",
                        hint: "the PyTorch export takes tanh recurrent layers (and relu SimpleRNN)")
    }
    if c.masked && first.returnSequences {
      throw ExportError("\(name) returns sequences under a mask (mask_zero): the PyTorch export "
                        + "takes masked recurrent layers that return their last output only")
    }
    let d = directions.count
    var code = TorchLayerCode()
    code.modules = ["\(c.attribute) = \(module(cell))(\(f), \(u), batch_first=True\(extra)"
                    + (d == 2 ? ", bidirectional=True)" : ")")]
    let hidden = cell == .lstm ? "h[0]" : "h"
    if c.masked {
      code.forward = ["x, lengths = _compact(x, mask)",
                      "_, h = \(c.attribute)(nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))",
                      "mask = None"]
    } else {
      code.forward = ["out, h = \(c.attribute)(x)"]
    }
    let merged: (String, String) -> String = { a, b in
      switch merge {
      case .concat: return "torch.cat([\(a), \(b)], -1)"
      case .sum: return "\(a) + \(b)"
      case .mul: return "\(a) * \(b)"
      case .ave: return "(\(a) + \(b)) / 2"
      }
    }
    if first.returnSequences {
      code.forward.append(d == 1 ? "x = out" : "x = " + merged("out[..., :\(u)]", "out[..., \(u):]"))
    } else {
      code.forward.append(d == 1 ? "x = \(hidden)[0]" : "x = " + merged("\(hidden)[0]", "\(hidden)[1]"))
    }
    for (i, layer) in directions.enumerated() {
      let suffix = i == 0 ? "_l0" : "_l0_reverse"
      let key = d == 1 ? name : "\(name).\(layer.name)"
      let o = order(cell)
      code.load += [
        "\(c.attribute).weight_ih\(suffix).copy_(_gates(w[\"\(key).kernel\"], \(o), \(u)).T)",
        "\(c.attribute).weight_hh\(suffix).copy_(_gates(w[\"\(key).recurrent_kernel\"], \(o), \(u)).T)",
      ]
      if cell == .gru {
        code.load += ["\(c.attribute).bias_ih\(suffix).copy_(_gates(w[\"\(key).bias\"][0], \(o), \(u)))",
                      "\(c.attribute).bias_hh\(suffix).copy_(_gates(w[\"\(key).bias\"][1], \(o), \(u)))"]
      } else {
        code.load += ["\(c.attribute).bias_ih\(suffix).copy_(_gates(w[\"\(key).bias\"], \(o), \(u)))",
                      "\(c.attribute).bias_hh\(suffix).zero_()"]
      }
    }
    return code
  }
}
