#!/usr/bin/env bash
# Builds the libFuzzer targets into .build-fuzz/ (ignored by git):
#   .build-fuzz/fuzz-frontend   script lexer → parser → checker (fuzz/FrontEndFuzz.swift)
#   .build-fuzz/fuzz-csv        CSV loader and dataset operations (fuzz/CSVFuzz.swift)
#   .build-fuzz/fuzz-binary     .npy, IDX and .npz loaders (fuzz/BinaryFuzz.swift)
#
# SwiftPM is not used: a fuzzer executable needs libFuzzer's main, which the normal package
# build must not require. Instead each library module is compiled with swiftc, whole-module,
# -O (bounds and overflow checks kept, unlike the release engine's -Ounchecked) and
# -enable-testing (the targets use internal entry points), with -sanitize=fuzzer (coverage
# instrumentation for libFuzzer). The loaders read bytes through unsafe buffer pointers, whose
# subscripts are not bounds-checked at -O, so the CSV and binary targets also get AddressSanitizer
# (-sanitize=fuzzer,address). The front end is safe Swift only: without ASan it runs about
# twice as fast. Each sanitizer set is built in its own folder, .build-fuzz/<set>/.
# NeuralNet's dependency ZIPFoundation is compiled the same way from SwiftPM's checkout (Swift 5
# language mode, as its package declares), with its CZlib module map.
set -euo pipefail
cd "$(dirname "$0")/.."

out=.build-fuzz
blas_cflags=$(pkg-config --cflags openblas)
blas_libs="$(pkg-config --libs openblas) $(pkg-config --libs zlib)"
zip_dir=.build/checkouts/ZIPFoundation/Sources
[ -d "$zip_dir/ZIPFoundation" ] || swift package resolve

# flags SANITIZERS: the swiftc flags shared by every compile of that set.
flags() {
  local dir="$out/${1//,/-}"
  common=(-swift-version 6 -O -g -enable-testing -parse-as-library -sanitize="$1"
          -I "$dir" -I Sources/COpenBLAS -I "$zip_dir/CZLib")
  for flag in $blas_cflags; do common+=(-Xcc "$flag"); done
  set_dir=$dir
  sanitizers=$1
  mkdir -p "$dir"
}

# zipfoundation: compiles SwiftPM's checkout of ZIPFoundation into the current set.
zipfoundation() {
  local object="$set_dir/ZIPFoundation.o" sources
  mapfile -t sources < <(find "$zip_dir/ZIPFoundation" -name '*.swift' | sort)
  if [ -f "$object" ] && [ -z "$(find "$zip_dir/ZIPFoundation" -newer "$object")" ]; then return; fi
  echo "fuzz/build.sh: compiling ZIPFoundation (${#sources[@]} files) with -sanitize=$sanitizers"
  local flags=("${common[@]}")
  flags[1]=5  # -swift-version 5
  swiftc "${flags[@]}" -Xcc -D_GNU_SOURCE=1 -module-name ZIPFoundation -wmo -c "${sources[@]}" \
    -o "$object" -emit-module -emit-module-path "$set_dir/ZIPFoundation.swiftmodule" 2>&1 \
    | { grep -v "warning:" || true; }
  [ "${PIPESTATUS[0]}" -eq 0 ]
}

# module NAME DEPENDENCY…: compiles Sources/NAME/**/*.swift into NAME.o and NAME.swiftmodule
# of the current set, unless the object is newer than every source and every dependency's.
module() {
  local name=$1; shift
  local sources deps=()
  mapfile -t sources < <(find "Sources/$name" -name '*.swift' | sort)
  for d in "$@"; do deps+=("$set_dir/$d.o"); done
  local object="$set_dir/$name.o"
  if [ -f "$object" ] && [ -z "$(find "Sources/$name" "${deps[@]}" -newer "$object")" ]; then
    return
  fi
  echo "fuzz/build.sh: compiling $name (${#sources[@]} files) with -sanitize=$sanitizers"
  swiftc "${common[@]}" -module-name "$name" -wmo -c "${sources[@]}" -o "$object" \
    -emit-module -emit-module-path "$set_dir/$name.swiftmodule"
}

# target NAME SOURCE MODULE…: links one fuzz executable from the current set's modules.
target() {
  local name=$1 source=$2; shift 2
  local objects=()
  for m in "$@"; do objects+=("$set_dir/$m.o"); done
  if [ -f "$out/$name" ] && [ -z "$(find "$source" "${objects[@]}" -newer "$out/$name")" ]; then
    return
  fi
  echo "fuzz/build.sh: linking $out/$name"
  # gold warns about every local ASan symbol it cannot export: noise.
  # shellcheck disable=SC2086
  swiftc "${common[@]}" -module-name "${name//-/_}" "$source" "${objects[@]}" \
    -o "$out/$name" $blas_libs 2>&1 | { grep -v "warning: Cannot export local symbol" || true; }
  [ "${PIPESTATUS[0]}" -eq 0 ]
}

flags fuzzer
module TermPlot
module Autograd
zipfoundation
module NeuralNet Autograd ZIPFoundation
module DLang NeuralNet TermPlot
target fuzz-frontend fuzz/FrontEndFuzz.swift TermPlot Autograd ZIPFoundation NeuralNet DLang

flags fuzzer,address
module Autograd
zipfoundation
module NeuralNet Autograd ZIPFoundation
target fuzz-csv fuzz/CSVFuzz.swift Autograd ZIPFoundation NeuralNet
target fuzz-binary fuzz/BinaryFuzz.swift Autograd ZIPFoundation NeuralNet
