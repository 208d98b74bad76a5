#!/usr/bin/env bash
# The data benchmarks of issue 11, dl beside the peers in one time window, runs alternated:
#   1. mlp_wide (bench/mlp_wide.dl vs Keras' bench_keras.py mlp_wide) beside the raw sgemm peak
#      of the same run (DLBench --only matmul: three cblas_sgemm at n=2048, the engine's ceiling);
#   2. CSV parsing: bench/csv_parse.dl vs pandas.read_csv on the same 32-column file (MB/s);
#   3. streaming: one epoch over a generated CSV of >= 2 GB (bench/stream/stream_big.dl) with its
#      peak RSS, beside the same model on 400,000 rows of the same generator in memory; for two
#      models: 32→64→4 (stream_big.dl, parsing costs more than training) and 32→256→256→4
#      (stream_big_256.dl, training costs more).
# Data is generated under /tmp/dl-bench-data (never committed; delete it afterwards: ~2.2 GB).
# Env: ROUNDS (2), PY (peer venv python), PEERS (../shared/bench/peers), SECTIONS ("wide csv stream"),
#      BIG_ROWS (7600000 rows of 32 features ≈ 2.1 GB), STREAM_MODELS ('"" _256': the file
#      suffixes of the stream/memory script pairs to run).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-2}
PY=${PY:-$HOME/.venvs/dl-peers/bin/python}
PEERS=${PEERS:-../shared/bench/peers}
SECTIONS=${SECTIONS:-"wide csv stream"}
DATA=/tmp/dl-bench-data
mkdir -p "$DATA"
if [ ! -x /usr/bin/time ]; then echo "needs /usr/bin/time: apt-get install -y time"; exit 1; fi
if [ -z "${DL:-}" ]; then swift build -c release --product dl >/dev/null; DL=.build/release/dl; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
load() { uptime | sed 's/.*load average: //'; }
peak_mb() { awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$1"; }
wall_s() { awk '/^Wall time:/ { v = $3; if ($4 == "ms") v /= 1e3; if ($4 == "µs") v /= 1e6; print v }' "$1" | tail -1; }
gcc -O2 -o "$DATA/gen_csv" bench/stream/gen_csv.c

if [[ " $SECTIONS " == *" wide "* ]]; then
  [ -f "$DATA/wide_x.npy" ] || PYTHONDONTWRITEBYTECODE=1 "$PY" -c "
import sys, numpy as np; sys.path.insert(0, '$PEERS'); import common as C
X, _, y, _ = C.wide_data(); np.save('$DATA/wide_x.npy', X); np.save('$DATA/wide_y.npy', y)"
  swift build -c release --product DLBench >/dev/null
  echo "== mlp_wide: samples/s (epochs 2-3), sgemm peak GFLOP/s of the same round"
  for r in $(seq 1 "$ROUNDS"); do
    peak=$(.build/release/DLBench --only matmul --sizes 2048 --quick | awk '$1 == 2048 { print $3 }')
    l1=$(load)
    /usr/bin/time -v -o "$tmp/dl.time" "$DL" bench/mlp_wide.dl > "$tmp/dl.out" 2>&1
    # Median of the per-epoch `time fit` wall times after the first (two values: their mean).
    dl_sps=$(awk '/^Wall time:/ { v = $3; if ($4 == "ms") v /= 1e3; t[++n] = v }
        END { if (n >= 3) printf "%.0f", 60000 / ((t[2] + t[3]) / 2) }' "$tmp/dl.out")
    l2=$(load)
    PYTHONDONTWRITEBYTECODE=1 /usr/bin/time -v -o "$tmp/k.time" "$PY" "$PEERS/bench_keras.py" mlp_wide > "$tmp/k.out" 2> "$tmp/k.err" || true
    k_sps=$("$PY" -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])["samples_per_sec"])' "$tmp/k.out" 2>/dev/null || echo nan)
    gflops=$(awk -v s="$dl_sps" 'BEGIN { printf "%.1f", s * 6 * (784*1024 + 1024*1024 + 1024*10) / 1e9 }')
    echo "round $r: dl $dl_sps samples/s ($gflops GFLOP/s, RSS $(peak_mb "$tmp/dl.time") MB, load $l1) | keras $k_sps samples/s (RSS $(peak_mb "$tmp/k.time") MB, load $l2) | sgemm peak $peak GFLOP/s"
    awk -v a="$dl_sps" -v b="$k_sps" -v g="$gflops" -v p="$peak" 'BEGIN { printf "  dl/keras %.2fx (target >= 1.5x), dl/sgemm peak %.0f%% (target >= 60%%)\n", a / b, 100 * g / p }'
  done
fi

if [[ " $SECTIONS " == *" csv "* ]]; then
  [ -f "$DATA/parse.csv" ] || "$DATA/gen_csv" 400000 32 2 > "$DATA/parse.csv"
  mb=$(awk -v b="$(stat -c %s "$DATA/parse.csv")" 'BEGIN { printf "%.1f", b / 1e6 }')
  echo "== CSV parsing: $mb MB, 400,000 rows × 33 columns"
  for r in $(seq 1 "$ROUNDS"); do
    l1=$(load)
    taskset -c 0 "$DL" bench/csv_parse.dl > "$tmp/p.out" 2>&1
    dl_s=$(wall_s "$tmp/p.out")
    l2=$(load)
    pd_s=$(PYTHONDONTWRITEBYTECODE=1 taskset -c 0 "$PY" -c "
import time, pandas as pd
t = time.perf_counter(); pd.read_csv('$DATA/parse.csv'); print(time.perf_counter() - t)")
    awk -v m="$mb" -v a="$dl_s" -v b="$pd_s" -v l1="$l1" -v l2="$l2" 'BEGIN {
      printf "round %d: dl %.0f MB/s (%.2f s, load %s) | pandas.read_csv %.0f MB/s (%.2f s, load %s)\n", '"$r"', m / a, a, l1, m / b, b, l2 }'
  done
fi

if [[ " $SECTIONS " == *" stream "* ]]; then
  [ -f "$DATA/parse.csv" ] || "$DATA/gen_csv" 400000 32 2 > "$DATA/parse.csv"
  [ -f "$DATA/big.csv" ] || "$DATA/gen_csv" "${BIG_ROWS:-7600000}" 32 1 > "$DATA/big.csv"
  gb=$(awk -v b="$(stat -c %s "$DATA/big.csv")" 'BEGIN { printf "%.2f", b / 1e9 }')
  rows=$(($(wc -l < "$DATA/big.csv") - 1))
  echo "== streaming: big.csv $gb GB ($rows rows) vs 400,000 rows in memory, rows/s of one epoch"
  for model in ${STREAM_MODELS:-"" _256}; do
  echo "-- model: bench/stream/stream_big$model.dl beside bench/stream/memory_small$model.dl"
  for r in $(seq 1 "$ROUNDS"); do
    l1=$(load)
    /usr/bin/time -v -o "$tmp/m.time" "$DL" bench/stream/memory_small$model.dl > "$tmp/m.out" 2>&1
    m_rs=$(awk -v s="$(wall_s "$tmp/m.out")" 'BEGIN { printf "%.0f", 400000 / s }')
    l2=$(load)
    /usr/bin/time -v -o "$tmp/s.time" "$DL" bench/stream/stream_big$model.dl > "$tmp/s.out" 2>&1
    s_rs=$(awk -v s="$(wall_s "$tmp/s.out")" -v n="$rows" 'BEGIN { printf "%.0f", n / s }')
    echo "round $r: stream $s_rs rows/s, peak RSS $(peak_mb "$tmp/s.time") MB (load $l2) | in memory $m_rs rows/s, peak RSS $(peak_mb "$tmp/m.time") MB (load $l1)"
    awk -v a="$s_rs" -v b="$m_rs" 'BEGIN { printf "  stream/memory throughput %.2f (target >= 0.80), RSS target <= 200 MB\n", a / b }'
    grep -E "^Epoch|accuracy" "$tmp/s.out" | tail -1
  done
  done
fi
