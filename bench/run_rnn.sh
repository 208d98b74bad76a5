#!/usr/bin/env bash
# The recurrent workloads, dl beside PyTorch, interleaved in one time window (speeds on these
# machines drift between runs: only same-window ratios mean anything).
#
#   bash bench/run_rnn.sh                      # ROUNDS=3 of lstm_sine, gru_sine, sentiment_bilstm
#   ROUNDS=5 WORKLOADS=gru_sine bash bench/run_rnn.sh
#
# Each round prints the load average (`uptime`), then runs, for each workload, one after the
# other, each under /usr/bin/time -v:
#   dl bench/W.dl               lstm_sine, gru_sine: LSTM(64) or GRU(64) → dense 1, Adam, mse,
#                               batch 64, 10 epochs; sentiment_bilstm: embedding 2000×32 →
#                               bidirectional LSTM 32 → dense 1 sigmoid, batch 64, 5 epochs
#   PyTorch                     bench_torch.py W (shared/bench/peers) for the peers' two;
#                               bench/rnn_torch.py W for sentiment_bilstm (the peers lack it)
# and prints s/epoch and samples/s of each (median of the epochs after the first, the peers'
# rule; dl's scripts time each epoch as one `time fit … epochs=1`), the ratio PyTorch s/epoch
# ÷ dl s/epoch, each process's peak RSS and the round's load average; then the median ratio
# per workload. Targets (issue 9): lstm_sine ≥ 1.5×, gru_sine ≥ 2×, peak RSS ≤ 150 MB
# (sentiment_bilstm: no target, reported).
#
# Env: ROUNDS (3), WORKLOADS ("lstm_sine gru_sine sentiment_bilstm"), PY (the peer python, default
#      $HOME/.venvs/dl-peers/bin/python), PEERS (shared/bench/peers), DL (a dl binary; default:
#      build .build/release/dl), BENCH_THREADS (2).
#
# The data is the peers' own (common.sine_data), exported as CSV by bench/rnn_data.py into
# bench/data on the first run. Nothing is written into shared/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
WORKLOADS=${WORKLOADS:-"lstm_sine gru_sine sentiment_bilstm"}
PY=${PY:-$HOME/.venvs/dl-peers/bin/python}
PEERS=${PEERS:-}
if [ -z "$PEERS" ]; then
  for d in ../shared/bench/peers /work/shared/bench/peers; do
    [ -f "$d/bench_torch.py" ] && { PEERS="$(cd "$d" && pwd)"; break; }
  done
fi
export BENCH_THREADS=${BENCH_THREADS:-2} PYTHONDONTWRITEBYTECODE=1
if [ ! -x "$PY" ]; then echo "run_rnn: skipped: no peer venv at $PY (see shared/bench/README.md)"; exit 0; fi
if [ -z "$PEERS" ] || [ ! -f "$PEERS/bench_torch.py" ]; then echo "run_rnn: skipped: no shared/bench/peers/bench_torch.py"; exit 0; fi
if [ ! -x /usr/bin/time ]; then echo "run_rnn: needs /usr/bin/time: apt-get install -y time"; exit 1; fi

[ -f bench/data/sine_train.csv ] && [ -f bench/data/sine_test.csv ] && [ -f bench/data/sent_train.csv ] \
  && [ -f bench/data/sent_test.csv ] || \
  PEERS="$PEERS" "$PY" bench/rnn_data.py bench/data
if [ -z "${DL:-}" ]; then
  swift build -c release --product dl >/dev/null
  DL=.build/release/dl
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for r in $(seq 1 "$ROUNDS"); do
  echo "round $r: $(uptime)"
  uptime | sed 's/.*load average: //' >"$tmp/load-$r"
  for w in $WORKLOADS; do
    if [ "$w" = sentiment_bilstm ]; then torch=(bench/rnn_torch.py "$w"); else torch=("$PEERS/bench_torch.py" "$w"); fi
    /usr/bin/time -v -o "$tmp/dl-$w-$r.time" "$DL" "bench/$w.dl" >"$tmp/dl-$w-$r.out" 2>&1 \
      || { echo "run_rnn: dl bench/$w.dl failed:"; tail -5 "$tmp/dl-$w-$r.out"; exit 1; }
    /usr/bin/time -v -o "$tmp/torch-$w-$r.time" env PEERS="$PEERS" "$PY" "${torch[@]}" </dev/null \
      >"$tmp/torch-$w-$r.json" 2>"$tmp/torch-$w-$r.log" \
      || { echo "run_rnn: PyTorch's $w failed:"; cat "$tmp/torch-$w-$r.log"; exit 1; }
  done
done

python3 - "$tmp" "$ROUNDS" "$WORKLOADS" <<'PY'
import json, os, re, statistics, sys
d, rounds, workloads = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
SAMPLES = {"lstm_sine": 4000, "gru_sine": 4000, "sentiment_bilstm": 7073}
TARGET = {"lstm_sine": 1.5, "gru_sine": 2.0}

def rss(path):
    if not os.path.exists(path): return None
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(path).read())
    return int(m.group(1)) / 1024 if m else None

def dl_epoch(path):
    """Median over epochs ≥ 2 of the `time fit … epochs=1` wall times (one per epoch); the
    test loss (and accuracy) of `evaluate`."""
    text = open(path).read()
    unit = {"µs": 1e-6, "ms": 1e-3, "s": 1}
    per = [float(m.group(1)) * unit[m.group(2)]
           for m in re.finditer(r"^Wall time: ([\d.]+) (µs|ms|s)$", text, re.M)][1:]
    loss = re.findall(r"^(loss: [^\nE]*)", text, re.M)
    return (statistics.median(per) if per else None), (loss[-1] if loss else None)

def f(x, spec): return format(x, spec) if x is not None else "-"

for w in workloads:
    print(f"\n{w}: s/epoch (samples/s), peak RSS MB; ratio = PyTorch s/epoch ÷ dl s/epoch")
    print(f"{'round':>5} {'dl':>17} {'PyTorch':>17} {'ratio':>6} {'RSS dl':>7} {'RSS torch':>10}  load (1, 5, 15 min)")
    ratios = []
    for r in range(1, rounds + 1):
        s, test = dl_epoch(f"{d}/dl-{w}-{r}.out")
        t = json.loads(open(f"{d}/torch-{w}-{r}.json").read().strip().splitlines()[-1])
        ts = t["sec_per_epoch"]
        if s: ratios.append(ts / s)
        cell = lambda x: f"{f(x, '.3f')} ({f(SAMPLES[w] / x if x else None, '.0f')})"
        load = open(f"{d}/load-{r}").read().strip()
        print(f"{r:>5} {cell(s):>17} {cell(ts):>17} {f(ts / s if s else None, '.2f'):>6}"
              f" {f(rss(f'{d}/dl-{w}-{r}.time'), '.1f'):>7} {f(rss(f'{d}/torch-{w}-{r}.time'), '.1f'):>10}  {load}")
    metric = "test_mse" if "test_mse" in t else "test_acc"
    print(f"  test (last round): dl {test}; PyTorch {metric} {t.get(metric)}")
    if ratios:
        m = statistics.median(ratios)
        goal = (f"target ≥ {TARGET[w]}x: {'PASS' if m >= TARGET[w] else 'MISS'}" if w in TARGET
                else "no target")
        print(f"  median ratio: {m:.2f}x ({goal})")
PY
