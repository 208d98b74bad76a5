/// The training parts of a script, as Python text: nil for a model dl never compiled (the
/// script then only predicts).
struct TrainingCode {
  var loss: String
  var fused: Bool
  var optimizer: String
  /// The optimizer's class when dl's rule is not PyTorch's built-in one (`KerasAdam`).
  var optimizerClass: String?
  var clipping: [String]
  var schedule: String
  var target: String
  var penalty: [String]
  var weightedLoss: String?
  /// `make_early_stopping()`'s body.
  var earlyStopping: String
}

/// The text around the generated module: imports, helpers, the training loop.
enum Template {
  static func indent(_ lines: [String], _ n: Int) -> String {
    let pad = String(repeating: " ", count: n)
    return lines.map { pad + $0 }.joined(separator: "\n")
  }

  // swiftlint:disable:next function_parameter_count
  static func script(plan: TorchTrainingPlan, inputShape: [Int], modules: [String], forward: [String],
                     signature: String = "x", inputs: [String] = ["return (x,)"],
                     trainInputs: [String] = ["return inputs(x, y)"], load: [String], training: TrainingCode?) -> String {
    let name = plan.modelName
    let fused = training?.fused ?? false
    let validation: String
    switch plan.validation {
    case .none: validation = "None"
    case .fraction(let f): validation = "\(f)  # the last fraction of the samples, as dl's validation=\(f)"
    case .tensors: validation = "\"tensors\"  # val_x and val_y in the data file"
    }
    let shape = "(" + inputShape.map(String.init).joined(separator: ", ") + (inputShape.count == 1 ? ",)" : ")")
    return """
    #!/usr/bin/env python3
    \(training == nil ? predictDoc(plan) : trainDoc(plan))
    import argparse
    import math
    import os
    import sys

    import torch
    import torch.distributed as dist
    import torch.nn as nn
    import torch.nn.functional as F
    from safetensors import safe_open
    from safetensors.torch import load_file, save_file
    from torch.nn.parallel import DistributedDataParallel
    from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

    HERE = os.path.dirname(os.path.abspath(__file__))
    WEIGHTS = os.path.join(HERE, "\(plan.weightsFile)")
    DATA = os.path.join(HERE, "\(plan.dataFile)")
    \(training == nil ? "OPTIMIZER = None  # never compiled in dl: no optimizer state" : "OPTIMIZER = os.path.join(HERE, \"\(plan.optimizerFile)\")  # dl's optimizer state")
    EPOCHS, BATCH, SHUFFLE = \(plan.epochs), \(plan.batchSize), \(plan.shuffle ? "True" : "False")
    INPUT_SHAPE = \(shape)  # one sample
    FUSED = \(fused ? "True" : "False")  # the loss reads the last layer's logits, as dl's fused head
    VALIDATION = \(validation)
    START_EPOCH = \(plan.initialEpoch)  # the epochs dl trained the model for
    NAME = "\(name)"
    \(training == nil ? "TRAINABLE = False  # never compiled in dl: no loss or optimizer to train with" : "TRAINABLE = True")


    def _gates(t, order, units):
        \"\"\"Keras' gate blocks of the last axis in PyTorch's order.\"\"\"
        return torch.cat([t[..., i * units:(i + 1) * units] for i in order], -1)


    def _compact(x, mask):
        \"\"\"Each sequence's real steps moved to the front, in order, and their counts: dl's
        padded steps keep the state, as a packed sequence of the real steps does.\"\"\"
        steps = torch.arange(x.shape[1], 0, -1, device=x.device, dtype=x.dtype)
        order = torch.argsort(mask * steps, dim=1, descending=True, stable=True)
        x = x.gather(1, order[:, :, None].expand_as(x))
        return x, mask.sum(1).long().clamp(min=1).cpu()


    class Network(nn.Module):
        \"\"\"dl's model block `\(name)`.\"\"\"

        def __init__(self):
            super().__init__()
    \(indent(modules.isEmpty ? ["pass"] : modules, 8))

        def forward(self, \(signature), logits=False):
    \(indent(forward, 8))

        @torch.no_grad()
        def load_dl_weights(self, path):
            \"\"\"Copies dl's tensors (Keras layouts) into the modules.\"\"\"
            w = load_file(path) if isinstance(path, str) else path
    \(indent(load.isEmpty ? ["pass"] : load, 8))


    \(training.map(trainingSection) ?? "")
    def inputs(x, y):
        \"\"\"The network's inputs for samples x with targets y.\"\"\"
    \(indent(inputs, 4))


    def train_inputs(net, x, y):
        \"\"\"The network's inputs for a training batch.\"\"\"
    \(indent(trainInputs, 4))


    \(predictSection)


    def main():
        p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        p.add_argument("--epochs", type=int, default=EPOCHS)
        p.add_argument("--batch", type=int, default=BATCH)
        p.add_argument("--no-shuffle", action="store_true")
        p.add_argument("--start-epoch", type=int, default=START_EPOCH)
        p.add_argument("--out", default=None,
                       help="the trained state_dict (default NAME.trained.pt), or the predictions (NAME.predictions.safetensors)")
        p.add_argument("--predict", nargs="?", const="", default=None, metavar="FILE.npy",
                       help="no training: the outputs on the data file's sample (or on FILE.npy) in inference mode")
        args = p.parse_args()
        if args.predict is not None:
            return predict(args.predict, args.out or os.path.join(HERE, NAME + ".predictions.safetensors"))
        if not TRAINABLE:
            sys.exit(f"dl's model `{NAME}` was never compiled in dl, so there is no loss or optimizer to train it "
                     "with: this script only predicts (--predict). Compile and fit it in dl, then export it again.")
        train(args)


    if __name__ == "__main__":
        main()

    """
  }

  /// `predict(source, out_path)`: the network's outputs in inference mode.
  static let predictSection = """
  def predict(source, out_path):
      \"\"\"The network's outputs in inference mode, saved as the tensor `output` of a safetensors
      file: on the data file's sample (predict_x, the inputs of dl's outputs dl_output) or on the
      inputs in an .npy file.\"\"\"
      data = load_file(DATA)
      if source:
          import numpy as np
          x, y = torch.from_numpy(np.load(source)).float(), None
      else:
          x, y = data["predict_x"], data.get("predict_y")
      net = Network()
      net.load_dl_weights(WEIGHTS)
      net.eval()
      with torch.no_grad():
          out = net(*inputs(x, y))
      save_file({"output": out.contiguous()}, out_path)
      print(f"predicted {len(x)} samples: output {tuple(out.shape)}, saved to {out_path}")
      if not source and "dl_output" in data:
          print(f"max |torch - dl| on the sample: {(out - data['dl_output']).abs().max().item():.2e}")
  """

  static func trainDoc(_ plan: TorchTrainingPlan) -> String {
    let name = plan.modelName
    return """
    \"\"\"Trains dl's model `\(name)` with PyTorch, on one process or many.

    Written by dl (`export \(name) "…py"`). The network is the model block as an nn.Module
    (images stay NHWC, as in dl); it starts from dl's weights in \(plan.weightsFile) (dl's
    `save` format, safetensors) and trains on \(plan.dataFile) (\(plan.dataNote)), with
    dl's loss (weight penalties and class weights included), optimizer, clipping,
    learning-rate schedule (continued from dl's epochs), validation data and early stopping.

        python \(plan.scriptFile)                      # one process
        torchrun --nproc_per_node=4 \(plan.scriptFile)   # 4 processes (gloo on CPU, nccl on GPU)
        python \(plan.scriptFile) --predict            # dl's weights on the data file's sample, no training

    Options: --epochs E (default \(plan.epochs)), --batch B (per process, default
    \(plan.batchSize)), --no-shuffle, --start-epoch S (where the schedule starts, default
    \(plan.initialEpoch): dl's epochs), --out FILE (the trained state_dict, default beside the
    script), --predict [FILE.npy]. Before training it prints the loss of dl's weights on the
    data (inference mode) and dl's own figure for it.
    \"\"\"
    """
  }

  static func predictDoc(_ plan: TorchTrainingPlan) -> String {
    let name = plan.modelName
    return """
    \"\"\"Runs dl's model `\(name)` with PyTorch (inference only: it was never compiled in dl).

    Written by dl (`export \(name) "…py"`). The network is the model block as an nn.Module
    (images stay NHWC, as in dl) with dl's weights from \(plan.weightsFile) (dl's `save`
    format, safetensors). dl never compiled `\(name)`, so there is no loss or optimizer to
    train it with: training is refused; compile and fit it in dl, then export it again.

        python \(plan.scriptFile) --predict            # the sample in \(plan.dataFile), against dl's outputs
        python \(plan.scriptFile) --predict in.npy     # your own inputs (N, sample shape…), float32

    The outputs are saved as the tensor `output` of a safetensors file (--out FILE, default
    beside the script).
    \"\"\"
    """
  }

  /// The loss, optimizer, schedule and early stopping of a compiled model.
  static func trainingSection(_ t: TrainingCode) -> String {
    var parts: [String] = []
    if let c = t.optimizerClass { parts.append(c) }
    if t.earlyStopping.hasPrefix("return EarlyStopping(") { parts.append(TorchTraining.earlyStoppingClass) }
    let body = """
    def loss_fn(out, y):
        \(t.target)
        return \(t.loss)


    \(t.weightedLoss ?? "train_loss_fn = loss_fn  # no class weights")


    def penalty(net):
        \"\"\"The weight penalties dl adds to the loss: l1·Σ|w| + l2·Σw² of each layer that sets them.\"\"\"
    \(indent(t.penalty, 4))


    def make_optimizer(params):
        return \(t.optimizer)


    def make_scheduler(optimizer, start):
        \"\"\"dl's learning-rate schedule, stepped once per epoch (None: a constant rate); `start` is
        the number of epochs already trained, where dl's schedule goes on from.\"\"\"
        \(t.schedule)


    def make_early_stopping():
        \"\"\"The fit's early_stopping, checked after each epoch (None: every epoch runs).\"\"\"
        \(t.earlyStopping)


    def load_optimizer_state(net, optimizer):
        \"\"\"dl's optimizer state (Adam's moments, RMSprop's mean square, SGD's velocity), so the
        training goes on where dl's stopped. Each buffer goes through load_dl_weights, which puts
        it in the module's layout as it does the weights.\"\"\"
        if not os.path.exists(OPTIMIZER):
            return
        state = load_file(OPTIMIZER)
        with safe_open(OPTIMIZER, "pt") as f:
            steps = int((f.metadata() or {}).get("dl.iterations", "0"))
        if steps == 0 or not state:
            return
        like = {k: torch.zeros_like(t) for k, t in load_file(WEIGHTS).items() if t.is_floating_point()}
        buffers = {}
        for slot in sorted({k.split(":", 1)[0] for k in state}):
            w = dict(like)
            w.update({k.split(":", 1)[1]: t for k, t in state.items() if k.startswith(slot + ":")})
            copy = Network()
            with torch.no_grad():
                for p in copy.parameters():
                    p.zero_()  # a buffer dl has none of (PyTorch's second LSTM bias) starts at 0
            copy.load_dl_weights(w)
            buffers[slot] = [p.detach() for p in copy.parameters()]
        group = optimizer.param_groups[0]
        for i, p in enumerate(net.parameters()):
            s = optimizer.state[p]
            if "m" in buffers:  # Adam
                s["step"] = torch.tensor(float(steps))
                s["exp_avg"], s["exp_avg_sq"] = buffers["m"][i].clone().to(p.device), buffers["v"][i].clone().to(p.device)
            elif "rms" in buffers:  # RMSprop
                s["step"] = torch.tensor(float(steps))
                s["square_avg"] = buffers["rms"][i].clone().to(p.device)
            elif "velocity" in buffers and group.get("momentum", 0):
                # dl's velocity v = momentum·v − lr·g; PyTorch's buffer b = momentum·b + g.
                s["momentum_buffer"] = (-buffers["velocity"][i] / group["lr"]).to(p.device)


    def clip(model):
    \(indent(t.clipping.isEmpty ? ["pass"] : t.clipping, 4))


    def mean_loss(net, x, y, batch=32):
        \"\"\"The loss over (x, y) in inference mode, weight penalties included, by batches of 32
        (as dl's evaluate).\"\"\"
        net.eval()
        device = next(net.parameters()).device
        total = 0.0
        with torch.no_grad():
            for i in range(0, len(x), batch):
                xb, yb = x[i:i + batch].to(device), y[i:i + batch].to(device)
                total += loss_fn(net(*inputs(xb, yb), logits=FUSED), yb).item() * len(xb)
            return total / len(x) + float(penalty(net))


    def train(args):
        \"\"\"Trains on the data file, on one process or as one of torchrun's.\"\"\"
        args.out = args.out or os.path.join(HERE, NAME + ".trained.pt")
        distributed = "RANK" in os.environ
        cuda = torch.cuda.is_available()
        if distributed:
            dist.init_process_group("nccl" if cuda else "gloo")
        rank = dist.get_rank() if distributed else 0
        world = dist.get_world_size() if distributed else 1
        device = torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}" if cuda else "cpu")
        torch.manual_seed(0)

        data = load_file(DATA)
        x, y = data["x"], data["y"]
        with safe_open(DATA, "pt") as f:
            meta = f.metadata() or {}
        dl_loss, dl_first = meta.get("dl.loss"), meta.get("dl.first_batch_loss")
        net = Network()
        net.load_dl_weights(WEIGHTS)
        if rank == 0:
            print(f"loss before training (dl's weights): {mean_loss(net, x, y):.6f}"
                  + (f" (dl: {float(dl_loss):.6f})" if dl_loss else ""), flush=True)
            first = mean_loss(net, x[:args.batch], y[:args.batch])
            print(f"first batch loss (dl's weights): {first:.6f}"
                  + (f" (dl: {float(dl_first):.6f})" if dl_first else ""), flush=True)
            if train_loss_fn is not loss_fn:
                net.eval()
                with torch.no_grad():
                    xb, yb = x[:args.batch], y[:args.batch]
                    weighted = (train_loss_fn(net(*inputs(xb, yb), logits=FUSED), yb) + penalty(net)).item()
                dl_weighted = meta.get("dl.first_batch_weighted_loss")
                print(f"first batch weighted loss (dl's weights): {weighted:.6f}"
                      + (f" (dl: {float(dl_weighted):.6f})" if dl_weighted else ""), flush=True)
        vx = vy = None
        if VALIDATION == "tensors":
            vx, vy = data["val_x"], data["val_y"]
        elif VALIDATION:
            split = math.ceil(len(x) * (1 - VALIDATION))
            x, vx, y, vy = x[:split], x[split:], y[:split], y[split:]
        net.to(device)
        model = DistributedDataParallel(net, device_ids=[device.index] if cuda else None) if distributed else net

        shuffle = SHUFFLE and not args.no_shuffle
        dataset = TensorDataset(x, y)
        sampler = DistributedSampler(dataset, num_replicas=world, rank=rank, shuffle=shuffle) if distributed else None
        loader = DataLoader(dataset, batch_size=args.batch, sampler=sampler,
                            shuffle=shuffle and sampler is None)
        optimizer = make_optimizer(model.parameters())
        load_optimizer_state(net, optimizer)
        scheduler = make_scheduler(optimizer, args.start_epoch)
        early = make_early_stopping()
        for epoch in range(args.epochs):
            if sampler is not None:
                sampler.set_epoch(epoch)
            model.train()
            total = torch.zeros(2, device=device)
            for i, (xb, yb) in enumerate(loader):
                xb, yb = xb.to(device), yb.to(device)
                loss = train_loss_fn(model(*train_inputs(net, xb, yb), logits=FUSED), yb) + penalty(net)
                if epoch == 0 and i == 0 and rank == 0:
                    print(f"first training batch loss: {loss.item():.6f}", flush=True)
                optimizer.zero_grad()
                loss.backward()
                clip(model)
                optimizer.step()
                total += torch.tensor([loss.item() * len(xb), len(xb)], device=device)
            if distributed:
                dist.all_reduce(total)
            epoch_loss = (total[0] / total[1]).item()
            val_loss = mean_loss(net, vx, vy) if vx is not None else None
            if rank == 0:
                print(f"epoch {epoch + 1}/{args.epochs}: loss {epoch_loss:.6f}"
                      + (f" val_loss {val_loss:.6f}" if val_loss is not None else "")
                      + f" lr {optimizer.param_groups[0]['lr']:.6g}", flush=True)
            if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                scheduler.step(val_loss if val_loss is not None else epoch_loss)  # dl's monitor
            elif scheduler is not None:
                scheduler.step()
            if early is not None and early.should_stop(epoch + 1, {"loss": epoch_loss, "val_loss": val_loss}, net):
                break  # every process decides alike: the same losses, all-reduced or on the same weights
        if early is not None:
            early.finish(net, rank)
        if rank == 0:
            torch.save(net.state_dict(), args.out)
            print(f"saved {args.out}")
        if distributed:
            dist.destroy_process_group()

    """
    return (parts + [body]).joined(separator: "\n\n")
  }
}
