#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Autograd

// Engine benchmark: matmul forward+backward against raw sgemm, tiny-op overhead, one XOR
// training step (the peers' rnn_overhead workload) and the peers' two CNN workloads. Usage:
//   DLBench [--json PATH] [--quick] [--sizes 256,512,...] [--only matmul|tiny|xor|cnn|convops]
//           [--workload cnn_digits|cnn_mnistlike] [--epochs N] [--data DIR] [--unfused]
// Whole run about a minute on 2 cores (the CNN section is most of it).

// Like dl: pick the fast OpenBLAS kernel for this CPU (a user's OPENBLAS_CORETYPE wins).
KernelSelection.reexecIfNeeded()

let usage = """
  usage: DLBench [--json PATH] [--quick] [--sizes N,N,...] [--only matmul|tiny|xor|cnn|convops]
                 [--workload cnn_digits|cnn_mnistlike] [--epochs N] [--data DIR] [--unfused]
  """
var jsonPath: String? = nil
var quick = false
var sizes = [256, 512, 1024, 2048]
var only: String? = nil
var cnnWorkloads = ["cnn_digits", "cnn_mnistlike"]
var cnnEpochs: Int? = nil
var cnnDataDir = "bench/data"
var cnnFused = true
var argi = 1
let argv = CommandLine.arguments
while argi < argv.count {
  switch argv[argi] {
  case "--json" where argi + 1 < argv.count: jsonPath = argv[argi + 1]; argi += 1
  case "--quick": quick = true
  case "--sizes" where argi + 1 < argv.count:
    let parsed = argv[argi + 1].split(separator: ",").compactMap { Int($0) }
    guard !parsed.isEmpty, parsed.allSatisfy({ $0 > 0 }) else { printError(usage); exit(2) }
    sizes = parsed; argi += 1
  case "--only" where argi + 1 < argv.count && ["matmul", "tiny", "xor", "cnn", "convops"].contains(argv[argi + 1]):
    only = argv[argi + 1]; argi += 1
  case "--workload" where argi + 1 < argv.count && cnnWorkloads.contains(argv[argi + 1]):
    cnnWorkloads = [argv[argi + 1]]; only = "cnn"; argi += 1
  case "--epochs" where argi + 1 < argv.count:
    guard let e = Int(argv[argi + 1]), e > 0 else { printError(usage); exit(2) }
    cnnEpochs = e; argi += 1
  case "--data" where argi + 1 < argv.count: cnnDataDir = argv[argi + 1]; argi += 1
  case "--unfused": cnnFused = false
  case "-h", "--help": print(usage); exit(0)
  default: printError("DLBench: unknown argument \(argv[argi])\n\(usage)"); exit(2)
  }
  argi += 1
}

// Targets.
let matmulTargetRatio = 0.90, matmulTargetSize = 1024
let tinyOpTargetMicros = 1.0
let xorTargetMicros = 20.0
let torchXORMicros = 398.0  // shared/bench/README.md, rnn_overhead, this kind of machine

func verdict(_ ok: Bool) -> String { ok ? "PASS" : "MISS" }

let tStart = now()
print("DLBench — dl engine benchmark")
print("OpenBLAS kernel: \(BLAS.coreName) (\(KernelSelection.origin)), threads: \(BLAS.threads)")

// --- matmul
var matmuls: [MatmulResult] = []
if only == nil || only == "matmul" {
  print("")
  print("matmul forward+backward through the tape (6n³ flops/step) vs three raw cblas_sgemm,")
  print("GFLOP/s (medians; ratio = median of paired samples)")
  print(pad("n", 6) + pad("engine", 10) + pad("raw", 10) + pad("ratio", 8) + pad("faults/step", 13)
        + "  target")
  for n in sizes {
    // Samples of about 1 GFLOP (10–30 ms here) so that the load rarely changes between the
    // two samples of a pair; more rounds where they are cheap.
    let work = 6 * Double(n) * Double(n) * Double(n)
    let reps = max(1, Int(1e9 / work))
    let rounds = quick ? 5 : (n >= 2048 ? 7 : 31)
    let r = benchMatmul(n: n, rounds: rounds, reps: reps)
    matmuls.append(r)
    let target = n == matmulTargetSize
      ? "≥" + fmt(matmulTargetRatio * 100, 0) + "% " + verdict(r.ratio >= matmulTargetRatio) : ""
    print(pad(String(n), 6) + pad(fmt(r.engineGFLOPs), 10) + pad(fmt(r.rawGFLOPs), 10)
          + pad(fmt(r.ratio * 100, 0) + "%", 8) + pad(fmt(r.faultsPerStep, 0), 13) + "  " + target)
  }
}

// --- tiny op
var tinies: [TinyOpResult] = []
if only == nil || only == "tiny" {
  print("")
  print("tiny op a + b (both require grad), µs per op (medians; recording includes dropping the")
  print("tape's records)")
  print(pad("elements", 10) + pad("recording", 11) + pad("no-grad", 9) + "  target")
  for e in [1, 4] {
    let r = benchTinyOp(elements: e, batches: quick ? 11 : 41, perBatch: 2000)
    tinies.append(r)
    print(pad(String(e), 10) + pad(fmt(r.recordingMicros, 3), 11) + pad(fmt(r.noGradMicros, 3), 9)
          + "  ≤" + fmt(tinyOpTargetMicros, 0) + " µs "
          + verdict(r.recordingMicros <= tinyOpTargetMicros))
  }
}

// --- XOR
var xor: XORResult? = nil
var xorSequential: XORResult? = nil
if only == nil || only == "xor" {
  let r = benchXOR(batches: quick ? 11 : 41, perBatch: 200)
  xor = r
  print("")
  print("XOR training step (2-8-1 tanh, BCE with logits, Adam lr 0.01, batch 4), µs per step")
  print("  dl: \(fmt(r.microsPerStep, 2)) µs (median)   target ≤\(fmt(xorTargetMicros, 0)) µs "
        + verdict(r.microsPerStep <= xorTargetMicros)
        + "   PyTorch reference \(fmt(torchXORMicros, 0)) µs (×\(fmt(torchXORMicros / r.microsPerStep, 0)))")
  print("  after \(r.steps) steps: loss \(r.finalLoss), accuracy \(fmt(r.accuracy * 100, 0))%")
  do {
    let s = try benchXORSequential(batches: quick ? 11 : 41, perBatch: 200)
    xorSequential = s
    print("  dl Model.trainOnBatch (Keras Adam, sigmoid + BCE fused): \(fmt(s.microsPerStep, 2)) µs (median)   "
          + verdict(s.microsPerStep <= xorTargetMicros)
          + "   PyTorch reference ×\(fmt(torchXORMicros / s.microsPerStep, 0))")
    print("  after \(s.steps) steps: loss \(s.finalLoss), accuracy \(fmt(s.accuracy * 100, 0))%")
  } catch {
    print("  Model step failed: \(error)")
  }
}

// --- conv / pool ops alone (not in the default run: `--only convops`)
var convOps: [(String, [ConvOpResult])] = []
if only == "convops" {
  print("")
  print("conv2d / maxpool forward and backward alone at the CNN workloads' training shapes,")
  print("ms (medians); GFLOP/s = 2 × multiply-adds / time; raw = the op's cblas_sgemm calls alone")
  print(pad("op", 34, left: false) + pad("fwd ms", 9) + pad("GFLOP/s", 9) + pad("raw ms", 9)
        + pad("bwd ms", 9) + pad("GFLOP/s", 9) + pad("raw ms", 9))
  for name in cnnWorkloads {
    let spec = name == "cnn_digits" ? CNNSpec.digits : CNNSpec.mnistlike
    let rs = benchConvOps(spec, rounds: quick ? 5 : (name == "cnn_digits" ? 201 : 21), fused: cnnFused)
    convOps.append((name, rs))
    print("\(name), batch \(spec.batch)")
    for r in rs {
      let gf = { (macs: Int, ms: Double) in macs > 0 ? fmt(2 * Double(macs) / ms / 1e6) : "" }
      let raw = r.rawGemmMillis.map { (fmt($0.0, 3), fmt($0.1, 3)) } ?? ("", "")
      print(pad("  " + r.label, 34, left: false) + pad(fmt(r.forwardMillis, 3), 9)
            + pad(gf(r.forwardMACs, r.forwardMillis), 9) + pad(raw.0, 9)
            + pad(fmt(r.backwardMillis, 3), 9) + pad(gf(r.backwardMACs, r.backwardMillis), 9)
            + pad(raw.1, 9))
    }
    let total = rs.reduce(0) { $0 + $1.forwardMillis + $1.backwardMillis }
    print("  total \(fmt(total, 3)) ms per step")
  }
}

// --- CNN
var cnns: [CNNResult] = []
var peak = Double.nan
if only == nil || only == "cnn" {
  peak = sgemmPeak()
  print("")
  print("CNN training on Autograd ops (\(cnnFused ? "fused conv + bias + relu" : "conv2d, then relu"); "
        + "Adam lr 0.001; s/epoch = median after the first epoch)")
  print("  sgemm peak (best 1024³ cblas_sgemm): \(fmt(peak)) GFLOP/s")
  print(pad("workload", 15, left: false) + pad("epochs", 7) + pad("s/epoch", 10) + pad("ms/step", 9)
        + pad("samples/s", 11) + pad("GFLOP/s", 9) + pad("% peak", 8) + pad("loss", 9) + pad("test acc", 10))
  for name in cnnWorkloads {
    let spec = name == "cnn_digits" ? CNNSpec.digits : CNNSpec.mnistlike
    let epochs = cnnEpochs ?? (quick ? Swift.min(spec.epochs, 3) : spec.epochs)
    let data = loadCNNData(spec, dir: cnnDataDir, limit: quick && name == "cnn_mnistlike" ? 2048 : nil)
    let r = benchCNN(spec, data: data, epochs: epochs, fused: cnnFused)
    cnns.append(r)
    print(pad(name, 15, left: false) + pad(String(epochs), 7) + pad(fmt(r.secPerEpoch, 4), 10)
          + pad(fmt(r.msPerStep, 3), 9) + pad(fmt(r.samplesPerSec, 0), 11) + pad(fmt(r.gflops), 9)
          + pad(fmt(r.gflops / peak * 100), 8) + pad(fmt(r.finalLoss, 4), 9)
          + pad(r.testAccuracy.map { fmt($0, 4) } ?? "-", 10))
    print("  data: \(r.origin), \(r.samples) samples, \(r.stepsPerEpoch) steps/epoch")
  }
  print("  peak RSS of this process: \(fmt(peakRSSMegabytes())) MB")
}

let elapsed = now() - tStart
print("")
print("total \(fmt(elapsed, 1)) s")

if let path = jsonPath {
  var fields: [(String, JSON)] = [
    ("kernel", .string(BLAS.coreName)),
    ("kernel_origin", .string(KernelSelection.origin)),
    ("threads", .int(BLAS.threads)),
  ]
  var targets: [(String, JSON)] = []
  if !matmuls.isEmpty {
    fields.append(("matmul", .array(matmuls.map { r in
      .object([("n", .int(r.n)), ("engine_gflops", .number(r.engineGFLOPs)),
               ("raw_gflops", .number(r.rawGFLOPs)), ("ratio", .number(r.ratio)),
               ("page_faults_per_step", .number(r.faultsPerStep))])
    })))
    if let m = matmuls.first(where: { $0.n == matmulTargetSize }) {
      targets.append(("matmul_1024_ratio", .object([
        ("target", .number(matmulTargetRatio)), ("value", .number(m.ratio)),
        ("pass", .bool(m.ratio >= matmulTargetRatio))])))
    }
  }
  if !tinies.isEmpty {
    fields.append(("tiny_op", .array(tinies.map { r in
      .object([("elements", .int(r.elements)), ("recording_us", .number(r.recordingMicros)),
               ("no_grad_us", .number(r.noGradMicros))])
    })))
    let worst = tinies.map(\.recordingMicros).max()!
    targets.append(("tiny_op_us", .object([
      ("target", .number(tinyOpTargetMicros)), ("value", .number(worst)),
      ("pass", .bool(worst <= tinyOpTargetMicros))])))
  }
  if let r = xor {
    fields.append(("xor", .object([
      ("step_us", .number(r.microsPerStep)), ("steps", .int(r.steps)),
      ("final_loss", .number(Double(r.finalLoss))), ("accuracy", .number(r.accuracy)),
      ("torch_reference_step_us", .number(torchXORMicros)),
      ("sequential_step_us", .number(xorSequential?.microsPerStep ?? .nan))])))
    targets.append(("xor_step_us", .object([
      ("target", .number(xorTargetMicros)), ("value", .number(r.microsPerStep)),
      ("pass", .bool(r.microsPerStep <= xorTargetMicros))])))
  }
  if !cnns.isEmpty {
    fields.append(("sgemm_peak_gflops", .number(peak)))
    fields.append(("cnn", .array(cnns.map { r in
      var o: [(String, JSON)] = [
        ("workload", .string(r.spec.name)), ("fused", .bool(r.fused)),
        ("epochs", .int(r.epochTimes.count)), ("samples", .int(r.samples)),
        ("batch", .int(r.spec.batch)), ("sec_per_epoch", .number(r.secPerEpoch)),
        ("ms_per_step", .number(r.msPerStep)), ("samples_per_sec", .number(r.samplesPerSec)),
        ("train_gflops", .number(r.gflops)), ("peak_fraction", .number(r.gflops / peak)),
        ("final_train_loss", .number(r.finalLoss)),
        ("epoch_times", .array(r.epochTimes.map { .number($0) })), ("data", .string(r.origin))]
      if let a = r.testAccuracy { o.append(("test_acc", .number(a))) }
      return .object(o)
    })))
    fields.append(("peak_rss_mb", .number(peakRSSMegabytes())))
  }
  for (name, rs) in convOps {
    fields.append(("convops_" + name, .array(rs.map { r in
      .object([("op", .string(r.label)), ("forward_ms", .number(r.forwardMillis)),
               ("backward_ms", .number(r.backwardMillis)),
               ("raw_gemm_forward_ms", .number(r.rawGemmMillis?.0 ?? .nan)),
               ("raw_gemm_backward_ms", .number(r.rawGemmMillis?.1 ?? .nan))])
    })))
  }
  fields.append(("targets", .object(targets)))
  fields.append(("seconds", .number(elapsed)))
  do {
    try writeAtomically(JSON.object(fields).text + "\n", to: path)
    print("wrote \(path)")
  } catch {
    printError("DLBench: \(error)")
    exit(1)
  }
}
