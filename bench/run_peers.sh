#!/usr/bin/env bash
# dl beside PyTorch, interleaved in one time window (speeds on these machines drift by up to
# 40% between runs: only same-window ratios mean anything), by sections:
#   xor   DLBench's XOR step beside PyTorch's rnn_overhead workload; each round and the median
#         ratio torch µs / dl µs
#   rnn   bench/run_rnn.sh: lstm_sine, gru_sine, sentiment_bilstm, dl and PyTorch alternating,
#         s/epoch ratios per round and their median, peak RSS, the load of each round
#   cnn   bench/run_cnn.sh: cnn_digits and cnn_mnistlike, the same way (issue 8's workloads)
#   data  bench/run_data.sh: mlp_wide beside Keras and the sgemm peak, CSV parsing beside
#         pandas.read_csv, streaming a 2 GB CSV beside the same rows in memory (issue 11's)
#
#   bash bench/run_peers.sh                  # every section (data takes ~10 minutes)
#   SECTIONS=rnn ROUNDS=5 bash bench/run_peers.sh
#
# Env: SECTIONS ("xor rnn cnn data"), ROUNDS (3), PEERS_PY (default $HOME/.venvs/dl-peers/bin/python, see
#      shared/bench/README.md for its setup), SHARED_BENCH (default ../shared/bench beside the
#      repository, else /work/shared/bench).
#
# It runs shared/bench/peers/bench_torch.py directly rather than peers/run_all.sh: run_all.sh
# writes its results, log and summary next to itself, inside shared/, which is read-only
# for the project (and it also reruns the sgemm and numpy steps each time). Python is told
# not to write __pycache__ there either.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PEERS_PY:-$HOME/.venvs/dl-peers/bin/python}"
SHARED_BENCH="${SHARED_BENCH:-}"
if [ -z "$SHARED_BENCH" ]; then
  for d in "$repo/../shared/bench" /work/shared/bench; do
    [ -f "$d/peers/bench_torch.py" ] && { SHARED_BENCH="$(cd "$d" && pwd)"; break; }
  done
fi
if [ ! -x "$PY" ]; then
  echo "run_peers: no peer python at $PY (see shared/bench/README.md to set it up); skipped" >&2
  exit 0
fi
if [ -z "$SHARED_BENCH" ] || [ ! -f "$SHARED_BENCH/peers/bench_torch.py" ]; then
  echo "run_peers: shared/bench/peers/bench_torch.py not found; skipped" >&2
  exit 0
fi

cd "$repo"
SECTIONS="${SECTIONS:-xor rnn cnn data}"
for section in $SECTIONS; do
  case "$section" in xor|rnn|cnn|data) ;; *) echo "run_peers: unknown section '$section' (xor, rnn, cnn, data)" >&2; exit 64 ;; esac
done
if [[ " $SECTIONS " == *" rnn "* ]]; then
  echo "== rnn: bench/run_rnn.sh"
  ROUNDS="${ROUNDS:-3}" PY="$PY" PEERS="$SHARED_BENCH/peers" bash "$repo/bench/run_rnn.sh"
fi
if [[ " $SECTIONS " == *" cnn "* ]]; then
  echo "== cnn: bench/run_cnn.sh"
  ROUNDS="${ROUNDS:-3}" PY="$PY" PEERS="$SHARED_BENCH/peers" bash "$repo/bench/run_cnn.sh"
fi
if [[ " $SECTIONS " == *" data "* ]]; then
  echo "== data: bench/run_data.sh"
  ROUNDS="${ROUNDS:-3}" PY="$PY" PEERS="$SHARED_BENCH/peers" bash "$repo/bench/run_data.sh"
fi
[[ " $SECTIONS " == *" xor "* ]] || exit 0
echo "== xor: DLBench --only xor beside bench_torch.py rnn_overhead"
swift build -c release --product DLBench >/dev/null
bin="$repo/.build/release/DLBench"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

for r in $(seq 1 "${ROUNDS:-3}"); do
  "$bin" --only xor --json "$tmp/dl-$r.json" > /dev/null
  PYTHONDONTWRITEBYTECODE=1 BENCH_THREADS="${BENCH_THREADS:-2}" \
    "$PY" "$SHARED_BENCH/peers/bench_torch.py" rnn_overhead < /dev/null > "$tmp/torch-$r.json" \
    2> "$tmp/torch-$r.log" || { echo "run_peers: bench_torch.py failed:" >&2; cat "$tmp/torch-$r.log" >&2; exit 1; }
done

python3 - "$tmp" "${ROUNDS:-3}" <<'PY'
import json, statistics, sys
d, rounds = sys.argv[1], int(sys.argv[2])
ratios = []
print(f"{'round':>5} {'dl µs':>9} {'torch µs':>10} {'torch/dl':>9} {'torch other-CPU %':>18}")
for r in range(1, rounds + 1):
    dl = json.load(open(f"{d}/dl-{r}.json"))
    t = json.loads(open(f"{d}/torch-{r}.json").read().strip().splitlines()[-1])
    dus, tus = dl["xor"]["step_us"], t["us_per_step_median"]
    ratios.append(tus / dus)
    print(f"{r:>5} {dus:>9.2f} {tus:>10.1f} {tus / dus:>9.0f} {t.get('other_cpu_pct', float('nan')):>18}")
print(f"median ratio torch/dl on the XOR step: {statistics.median(ratios):.0f}x "
      f"(kernel {dl['kernel']}, {dl['threads']} threads)")
PY
