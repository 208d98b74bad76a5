#!/usr/bin/env bash
# mlp_digits beside PyTorch: ROUNDS (default 3) alternating runs of
#   dl bench/mlp_digits.dl                                  (release build)
#   shared/bench/peers/bench_torch.py mlp_digits            (peer venv)
# Prints seconds per epoch of each (median of epochs 2..30, as the peers measure it), the
# ratio PyTorch/dl per round and its median, and each one's peak RSS (/usr/bin/time -v).
#
#   bash bench/run_mlp_digits.sh                 # builds dl (release) first
#   DL=/path/to/dl ROUNDS=5 bash bench/run_mlp_digits.sh
#
# dl's s/epoch comes from its per-epoch lines (verbose=2: "Epoch 3/30 - 45/45 - 0s -
# 305us/step"): steps × time per step. Its wall time / 30 (from `time fit`) is printed too.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
PY=${PY:-$HOME/.venvs/dl-peers/bin/python}
PEERS=${PEERS:-../shared/bench/peers}
if [ ! -x "$PY" ]; then echo "skipped: no peer venv at $PY (see shared/bench/README.md)"; exit 0; fi
if [ ! -f "$PEERS/bench_torch.py" ]; then echo "skipped: no $PEERS/bench_torch.py"; exit 0; fi
if [ ! -x /usr/bin/time ]; then echo "needs /usr/bin/time: apt-get install -y time"; exit 1; fi
if [ -z "${DL:-}" ]; then
  swift build -c release --product dl >/dev/null
  DL=.build/release/dl
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# median of the numbers on stdin
median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) {print "nan"} else if (NR%2) {print v[(NR+1)/2]} else {print (v[NR/2]+v[NR/2+1])/2}}'; }
peak_mb() { awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$1"; }

printf "%-6s %14s %14s %14s %8s %12s %12s %10s\n" round "dl s/epoch" "dl wall/30" "torch s/epoch" "ratio" "dl RSS MB" "torch RSS MB" "other CPU"
ratios=()
for r in $(seq 1 "$ROUNDS"); do
  /usr/bin/time -v -o "$tmp/dl.time" "$DL" bench/mlp_digits.dl >"$tmp/dl.out" 2>&1
  dl_epoch=$(awk '/^Epoch [0-9]+\/[0-9]+ - / {
      split($2, e, "/"); if (e[1] == 1) next
      split($4, s, "/"); t = $8; sub("/step", "", t)
      if (t ~ /us$/) { sub("us", "", t); t /= 1e6 } else if (t ~ /ms$/) { sub("ms", "", t); t /= 1e3 } else { sub("s", "", t) }
      print s[1] * t }' "$tmp/dl.out" | median)
  dl_wall=$(awk '/^Wall time:/ { v = $3; if ($4 == "ms") v /= 1e3; if ($4 == "µs") v /= 1e6; printf "%.6f", v / 30 }' "$tmp/dl.out")
  /usr/bin/time -v -o "$tmp/pt.time" "$PY" "$PEERS/bench_torch.py" mlp_digits >"$tmp/pt.out" 2>"$tmp/pt.err"
  pt_epoch=$("$PY" -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])["sec_per_epoch"])' "$tmp/pt.out")
  # The share of the machine other processes used during PyTorch's run (peers' measure).
  other=$("$PY" -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]).get("other_cpu_pct"))' "$tmp/pt.out")
  ratio=$(awk -v a="$pt_epoch" -v b="$dl_epoch" 'BEGIN { printf "%.1f", a / b }')
  ratios+=("$ratio")
  printf "%-6s %14.6f %14.6f %14.6f %7sx %12s %12s %9s%%\n" "$r" "$dl_epoch" "$dl_wall" "$pt_epoch" "$ratio" \
    "$(peak_mb "$tmp/dl.time")" "$(peak_mb "$tmp/pt.time")" "$other"
done
echo "median ratio (PyTorch s/epoch ÷ dl s/epoch): $(printf '%s\n' "${ratios[@]}" | median)x  (target ≥ 5x)"
echo "dl test $(grep '^loss:' "$tmp/dl.out" | tail -1)"
