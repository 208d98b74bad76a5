import NeuralNet

/// A fit's `early_stopping`, for the generated script: the same rule as dl's `EarlyStopping`
/// (Keras'), on the same monitored value.
public struct TorchEarlyStopping: Sendable, Equatable {
  /// The value watched: `loss` or `val_loss`.
  public var monitor: String
  public var patience: Int
  public var minDelta: Double
  /// Whether the best epoch's weights are put back when training ends.
  public var restoreBest: Bool
  /// Epochs (1-based) before which nothing is monitored.
  public var startFrom: Int

  /// The settings.
  public init(monitor: String, patience: Int, minDelta: Double = 0, restoreBest: Bool = true, startFrom: Int = 0) {
    self.monitor = monitor
    self.patience = patience
    self.minDelta = minDelta
    self.restoreBest = restoreBest
    self.startFrom = startFrom
  }

  /// The settings of dl's callback.
  public init(_ e: EarlyStopping) {
    self.init(monitor: e.monitor, patience: e.patience, minDelta: e.minDelta, restoreBest: e.restoreBest,
              startFrom: e.startFrom)
  }

  /// The values the script computes each epoch, so the ones it can watch.
  static let monitors = ["loss", "val_loss"]
}

/// Python text of the script's training helpers that follow dl's own arithmetic where
/// PyTorch's built-ins differ.
enum TorchTraining {
  /// `make_early_stopping()`'s body.
  static func earlyStoppingCode(_ e: TorchEarlyStopping?) throws -> String {
    guard let e else { return "return None  # the fit did not stop early" }
    guard TorchEarlyStopping.monitors.contains(e.monitor) else {
      throw ExportError("early_stopping monitors \(e.monitor), which the PyTorch script does not compute",
                        hint: "the script follows loss and val_loss: fit with early_stopping(monitor=val_loss) to export it")
    }
    let py = { (b: Bool) in b ? "True" : "False" }
    return "return EarlyStopping(monitor=\"\(e.monitor)\", patience=\(e.patience), min_delta=\(e.minDelta), "
      + "restore_best=\(py(e.restoreBest)), start_from=\(e.startFrom))"
  }

  /// dl's `EarlyStopping` in Python.
  static let earlyStoppingClass = """
  class EarlyStopping:
      \"\"\"dl's early_stopping (Keras' rule, loss-like values falling): after `patience` epochs
      without an improvement larger than `min_delta`, from epoch `start_from` on, training stops;
      with `restore_best`, the best epoch's weights are put back at the end.\"\"\"

      def __init__(self, monitor, patience, min_delta, restore_best, start_from):
          self.monitor, self.patience, self.min_delta = monitor, patience, min_delta
          self.restore_best, self.start_from = restore_best, start_from
          self.best, self.best_epoch, self.wait, self.stopped, self.best_state = math.inf, 0, 0, 0, None

      def should_stop(self, epoch, logs, net):
          \"\"\"After epoch `epoch` (1-based) with values `logs`: whether to stop.\"\"\"
          v = logs.get(self.monitor)
          if epoch <= self.start_from or v is None:
              return False
          if self.restore_best and self.best_state is None:
              self.best_state, self.best_epoch = self.snapshot(net), epoch
          self.wait += 1
          if v < self.best - self.min_delta:
              self.best, self.best_epoch, self.wait = v, epoch, 0
              if self.restore_best:
                  self.best_state = self.snapshot(net)
              return False
          if self.wait >= self.patience and epoch > 1:
              self.stopped = epoch
              return True
          return False

      @staticmethod
      def snapshot(net):
          return {k: t.detach().clone() for k, t in net.state_dict().items()}

      def finish(self, net, rank):
          if self.stopped and rank == 0:
              print(f"Epoch {self.stopped}: early stopping", flush=True)
          if self.restore_best and self.best_state is not None:
              if rank == 0:
                  print(f"Restoring model weights from the end of the best epoch: {self.best_epoch}.", flush=True)
              net.load_state_dict(self.best_state)
  """

  /// dl's Adam (Keras'): ε is added to √v after the bias correction went into the rate;
  /// `torch.optim.Adam` adds it to √v̂, a different step wherever v is small.
  static let adamClass = """
  class KerasAdam(torch.optim.Optimizer):
      \"\"\"dl's Adam, as Keras': m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
      w −= lr_t·m / (√v + ε) with lr_t = lr·√(1−β2^t) / (1−β1^t). (torch.optim.Adam divides by
      √v/√(1−β2^t) + ε instead: the same rule only when ε is negligible.)\"\"\"

      def __init__(self, params, lr, betas, eps):
          super().__init__(params, dict(lr=lr, betas=betas, eps=eps))

      @torch.no_grad()
      def step(self, closure=None):
          for group in self.param_groups:
              (b1, b2), eps = group["betas"], group["eps"]
              for p in group["params"]:
                  if p.grad is None:
                      continue
                  s = self.state[p]
                  if not s:
                      s["step"], s["exp_avg"], s["exp_avg_sq"] = torch.tensor(0.0), torch.zeros_like(p), torch.zeros_like(p)
                  s["step"] += 1
                  t = s["step"].item()
                  s["exp_avg"].mul_(b1).add_(p.grad, alpha=1 - b1)
                  s["exp_avg_sq"].mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
                  lr_t = group["lr"] * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
                  p.addcdiv_(s["exp_avg"], s["exp_avg_sq"].sqrt().add_(eps), value=-lr_t)
  """

  /// dl's RMSprop (Keras 3's): ε inside the square root; `torch.optim.RMSprop` adds it outside.
  static let rmspropClass = """
  class KerasRMSprop(torch.optim.Optimizer):
      \"\"\"dl's RMSprop, as Keras 3's: v = ρ·v + (1−ρ)·g²; w −= lr·g / √(v + ε).
      (torch.optim.RMSprop divides by √v + ε.)\"\"\"

      def __init__(self, params, lr, rho, eps):
          super().__init__(params, dict(lr=lr, rho=rho, eps=eps))

      @torch.no_grad()
      def step(self, closure=None):
          for group in self.param_groups:
              rho, eps = group["rho"], group["eps"]
              for p in group["params"]:
                  if p.grad is None:
                      continue
                  s = self.state[p]
                  if not s:
                      s["step"], s["square_avg"] = torch.tensor(0.0), torch.zeros_like(p)
                  s["step"] += 1
                  s["square_avg"].mul_(rho).addcmul_(p.grad, p.grad, value=1 - rho)
                  p.addcdiv_(p.grad, (s["square_avg"] + eps).sqrt(), value=-group["lr"])
  """
}
