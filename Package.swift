// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "dl",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "dl", targets: ["dl"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    // Reads .npz archives (zip of .npy members): zlib inflate and CRC-32.
    .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    // Writes ONNX models (the runtime library only; the onnx.proto code is generated once
    // and committed in Sources/ModelExport/Generated, so no build runs the protoc plugin).
    .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
  ],
  targets: [
    // C libraries
    .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
                   providers: [.apt(["libopenblas-dev"])]),
    .systemLibrary(name: "CLibEdit", path: "Sources/CLibEdit", pkgConfig: "libedit",
                   providers: [.apt(["libedit-dev"])]),
    .target(name: "CEditLine", dependencies: ["CLibEdit"], path: "Sources/CEditLine"),
    // Direct one-channel convolution kernels: AVX2 + FMA chosen at run time, baseline fallback.
    .target(name: "CConvKernels", dependencies: ["CSIMDLevel"], path: "Sources/CConvKernels"),
    // CPU vector-level detection shared by the C kernel targets below, and the floating-point
    // mode (subnormals flushed) that Autograd's FloatMode sets.
    .target(name: "CSIMDLevel", path: "Sources/CSIMDLevel"),
    // Optimizer updates (Adam): AVX-512 / AVX2 chosen at run time, subnormals flushed.
    .target(name: "COptimizerKernels", dependencies: ["CSIMDLevel"], path: "Sources/COptimizerKernels"),
    // LSTM and GRU cell passes (forward and backward): AVX-512 / AVX2 / scalar chosen at run
    // time, bit-identical across the three.
    .target(name: "CRecurrentKernels", dependencies: ["CSIMDLevel"], path: "Sources/CRecurrentKernels"),

    // Layers, bottom to top: Autograd -> NeuralNet -> DLang -> Notebook -> dl
    .target(name: "Autograd", dependencies: ["COpenBLAS", "CConvKernels", "CRecurrentKernels", "CSIMDLevel"],
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),
    // Release: no dynamic exclusivity checks in the training loop (they cost ~5% of a tiny
    // step; exclusivity is a property of the code, checked in debug builds and tests).
    .target(name: "NeuralNet", dependencies: [
              "Autograd", "COptimizerKernels",
              .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]),
    .target(name: "TermPlot"),
    // Export of a trained model to other engines: ONNX (protobuf) and a PyTorch script.
    .target(name: "ModelExport", dependencies: [
              "NeuralNet", "Autograd", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]),
    .target(name: "DLang", dependencies: ["NeuralNet", "TermPlot", "ModelExport"]),
    .target(name: "Notebook", dependencies: ["DLang", "TermPlot", "CEditLine", "CLibEdit"]),
    .executableTarget(name: "dl", dependencies: [
      "Notebook", .product(name: "ArgumentParser", package: "swift-argument-parser"),
    ]),
    .executableTarget(name: "DLBench", dependencies: ["Autograd", "NeuralNet", "COpenBLAS"],
                      path: "bench/DLBench"),

    .testTarget(name: "AutogradTests", dependencies: ["Autograd", "COpenBLAS", "CRecurrentKernels"],
                resources: [.copy("Fixtures")]),
    .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "COptimizerKernels"], exclude: ["Fixtures"]),
    .testTarget(name: "TermPlotTests", dependencies: ["TermPlot"]),
    .testTarget(name: "ModelExportTests", dependencies: [
                  "ModelExport", "NeuralNet", "Autograd",
                  .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                ]),
    .testTarget(name: "DLangTests", dependencies: ["DLang"], exclude: ["Parse", "ErrorScripts"]),
    .testTarget(name: "NotebookTests", dependencies: ["Notebook"], exclude: ["Golden"]),
  ]
)
