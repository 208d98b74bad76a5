#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/build.sh) and runs each for FUZZ_RUNS inputs (default
# 1,000,000), one after the other. `make fuzz` runs this.
#
#   FUZZ_RUNS=100000 fuzz/run.sh          shorter runs
#   fuzz/run.sh csv                        only the named targets (frontend, csv, binary)
#
# The working corpus of each target is kept in .build-fuzz/corpus/NAME (ignored by git, grows
# across runs); the seeds are copied into .build-fuzz/seeds/NAME from examples/, the parse and
# error-script tests, fuzz/corpus/ and ../shared/data when it exists. Nothing in the source
# tree is written. A crash stops the run with the reproducer in .build-fuzz/crashes/NAME/:
# minimise it with `.build-fuzz/fuzz-NAME -minimize_crash=1 -runs=10000 FILE`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=.build-fuzz
runs=${FUZZ_RUNS:-1000000}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(frontend csv binary)

fuzz/build.sh

# seeds NAME FILES…: a fresh seed folder holding copies of the files that exist.
seeds() {
  local dir="$out/seeds/$1"; shift
  rm -rf "$dir"; mkdir -p "$dir"
  local f
  for f in "$@"; do [ -f "$f" ] && cp "$f" "$dir/"; done
  return 0
}
shopt -s nullglob
seeds frontend examples/*.dl Tests/DLangTests/Parse/*.dl Tests/DLangTests/ErrorScripts/*.dl \
  fuzz/corpus/frontend/* grammar/*
seeds csv examples/data/*.csv Tests/DLangTests/ErrorScripts/data/*.csv fuzz/corpus/csv/* \
  ../shared/data/*.csv
seeds binary fuzz/corpus/binary/* Tests/NeuralNetTests/Fixtures/arrays/* ../shared/data/*.npy \
  ../shared/data/*-ubyte

for name in "${targets[@]}"; do
  case $name in
    frontend) options=(-dict=fuzz/dl.dict -max_len=1024) ;;
    csv) options=(-dict=fuzz/csv.dict -max_len=4096) ;;
    binary) options=(-max_len=2048) ;;
    *) echo "unknown fuzz target '$name' (frontend, csv, binary)" >&2; exit 64 ;;
  esac
  mkdir -p "$out/corpus/$name" "$out/crashes/$name"
  echo "fuzz/run.sh: $name, $runs inputs"
  start=$(date +%s)
  "$out/fuzz-$name" "${options[@]}" -runs="$runs" -timeout=30 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$root/$out/crashes/$name/" \
    "$out/corpus/$name" "$out/seeds/$name"
  echo "fuzz/run.sh: $name done in $(( $(date +%s) - start )) s"
done
