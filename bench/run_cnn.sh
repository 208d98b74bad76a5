#!/usr/bin/env bash
# The peers' two CNN workloads, dl beside PyTorch, interleaved in one time window (speeds on
# these machines drift by up to 40% between runs: only same-window ratios mean anything).
#
#   bash bench/run_cnn.sh                      # ROUNDS=3 of cnn_digits and cnn_mnistlike
#   ROUNDS=5 WORKLOADS=cnn_mnistlike bash bench/run_cnn.sh
#
# Each round runs, for each workload, one after the other, each under /usr/bin/time -v:
#   DLBench --workload W        dl's engine: the network on Autograd ops (bench/DLBench)
#   dl bench/W.dl               the same network in the language (when dl has conv layers)
#   bench_torch.py W            shared/bench/peers, the peer venv
# and prints s/epoch and samples/s of each (median of the epochs after the first, the peers'
# rule), the ratios PyTorch s/epoch ÷ dl s/epoch, and each process's peak RSS; then the
# median ratio per workload. Targets (issue 8): cnn_digits ≥ 2×, cnn_mnistlike ≥ 1.5×, peak
# RSS ≤ 150 MB.
#
# Env: ROUNDS (3), WORKLOADS ("cnn_digits cnn_mnistlike"), PY (the peer python, default
#      $HOME/.venvs/dl-peers/bin/python), PEERS (shared/bench/peers), DL (a dl binary; default:
#      build .build/release/dl), DL_SIDE (auto | bench | script | both; auto = both when `dl`
#      accepts conv2d layers, else the DLBench engine only), BENCH_THREADS (2), BASELINE (a
#      DLBench binary built from another commit: also run each round, `--unfused`, as the
#      "before" column, e.g. the engine before this branch; see bench/FIGURES-cnn.md),
#      BASELINE_ARGS (flags for BASELINE, default --unfused; set it empty for the fused net),
#      BASELINE_DL (a dl binary built from another commit: also run bench/W.dl with it each
#      round, the script's "before" column).
#
# The data is the peers' own (common.py), exported as .npy by bench/cnn_data.py into
# bench/data: the digits files are committed; the 31 MB of random 28×28 images are written on
# the first run. Nothing is written into shared/ (Python is told not to write __pycache__).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
WORKLOADS=${WORKLOADS:-"cnn_digits cnn_mnistlike"}
PY=${PY:-$HOME/.venvs/dl-peers/bin/python}
PEERS=${PEERS:-}
if [ -z "$PEERS" ]; then
  for d in ../shared/bench/peers /work/shared/bench/peers; do
    [ -f "$d/bench_torch.py" ] && { PEERS="$(cd "$d" && pwd)"; break; }
  done
fi
export BENCH_THREADS=${BENCH_THREADS:-2} PYTHONDONTWRITEBYTECODE=1
if [ ! -x "$PY" ]; then echo "run_cnn: skipped: no peer venv at $PY (see shared/bench/README.md)"; exit 0; fi
if [ -z "$PEERS" ] || [ ! -f "$PEERS/bench_torch.py" ]; then echo "run_cnn: skipped: no shared/bench/peers/bench_torch.py"; exit 0; fi
if [ ! -x /usr/bin/time ]; then echo "run_cnn: needs /usr/bin/time: apt-get install -y time"; exit 1; fi

[ -f bench/data/mnistlike_x.npy ] && [ -f bench/data/digits_train_x.npy ] || \
  PEERS="$PEERS" "$PY" bench/cnn_data.py bench/data
swift build -c release --product DLBench >/dev/null
if [ -z "${DL:-}" ]; then
  swift build -c release --product dl >/dev/null
  DL=.build/release/dl
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Does this dl know the image layers? A four-line model either builds (exit 0) or is a
# located error (exit 65).
side=${DL_SIDE:-auto}
if [ "$side" = auto ]; then
  if printf 'model probe {\n  input 8x8x1\n  conv2d 2 3x3 relu\n  maxpool 2x2\n}\n' | "$DL" >/dev/null 2>&1; then
    side=both
  else
    side=bench
    echo "run_cnn: $DL has no conv2d layers yet: dl's side is DLBench's cnn section (DL_SIDE=both once it has)"
  fi
fi

for r in $(seq 1 "$ROUNDS"); do
  for w in $WORKLOADS; do
    if [ "$side" = bench ] || [ "$side" = both ]; then
      /usr/bin/time -v -o "$tmp/bench-$w-$r.time" .build/release/DLBench --workload "$w" \
        --json "$tmp/bench-$w-$r.json" >"$tmp/bench-$w-$r.out" 2>&1 \
        || { echo "run_cnn: DLBench failed:"; cat "$tmp/bench-$w-$r.out"; exit 1; }
    fi
    if [ -n "${BASELINE:-}" ]; then
      # shellcheck disable=SC2086
      /usr/bin/time -v -o "$tmp/base-$w-$r.time" "$BASELINE" --workload "$w" ${BASELINE_ARGS---unfused} \
        --json "$tmp/base-$w-$r.json" >"$tmp/base-$w-$r.out" 2>&1 \
        || { echo "run_cnn: BASELINE failed:"; cat "$tmp/base-$w-$r.out"; exit 1; }
    fi
    if [ "$side" = script ] || [ "$side" = both ]; then
      /usr/bin/time -v -o "$tmp/dl-$w-$r.time" "$DL" "bench/$w.dl" >"$tmp/dl-$w-$r.out" 2>&1 \
        || { echo "run_cnn: dl bench/$w.dl failed:"; tail -5 "$tmp/dl-$w-$r.out"; exit 1; }
    fi
    if [ -n "${BASELINE_DL:-}" ]; then
      /usr/bin/time -v -o "$tmp/basedl-$w-$r.time" "$BASELINE_DL" "bench/$w.dl" >"$tmp/basedl-$w-$r.out" 2>&1 \
        || { echo "run_cnn: BASELINE_DL bench/$w.dl failed:"; tail -5 "$tmp/basedl-$w-$r.out"; exit 1; }
    fi
    /usr/bin/time -v -o "$tmp/torch-$w-$r.time" "$PY" "$PEERS/bench_torch.py" "$w" </dev/null \
      >"$tmp/torch-$w-$r.json" 2>"$tmp/torch-$w-$r.log" \
      || { echo "run_cnn: bench_torch.py failed:"; cat "$tmp/torch-$w-$r.log"; exit 1; }
  done
done

python3 - "$tmp" "$ROUNDS" "$WORKLOADS" <<'PY'
import json, os, re, statistics, sys
d, rounds, workloads = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
SAMPLES = {"cnn_digits": 1437, "cnn_mnistlike": 10000}
TARGET = {"cnn_digits": 2.0, "cnn_mnistlike": 1.5}

def rss(path):
    if not os.path.exists(path): return None
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(path).read())
    return int(m.group(1)) / 1024 if m else None

def last_json(path):
    return json.loads(open(path).read().strip().splitlines()[-1])

def dl_script_epoch(path):
    """Median over epochs ≥ 2 of steps × time per step, from `verbose=2` epoch lines."""
    if not os.path.exists(path): return None, None
    text = open(path).read()
    per = []
    for m in re.finditer(r"^Epoch (\d+)/(\d+) - (\d+)/\d+ - \S+ - ([\d.]+)(us|ms|s)/step", text, re.M):
        if int(m.group(1)) == 1 and int(m.group(2)) > 1: continue
        t = float(m.group(4)) * {"us": 1e-6, "ms": 1e-3, "s": 1}[m.group(5)]
        per.append(int(m.group(3)) * t)
    acc = re.findall(r"^loss: \S+ - accuracy: (\S+)", text, re.M)
    return (statistics.median(per) if per else None), (acc[-1] if acc else None)

def f(x, spec): return format(x, spec) if x is not None else "-"

for w in workloads:
    n = SAMPLES[w]
    print(f"\n{w}: s/epoch (samples/s), peak RSS MB; ratio = PyTorch s/epoch ÷ dl s/epoch")
    print(f"{'round':>5} {'DLBench':>17} {'dl script':>17} {'PyTorch':>17} {'×DLBench':>9} {'×script':>8}"
          f" {'RSS DLBench':>12} {'RSS script':>11} {'RSS torch':>10} {'torch other-CPU %':>18}"
          + (f" {'baseline':>17} {'after/before':>13}" if os.path.exists(f"{d}/base-{w}-1.json") else ""))
    rb, rs, rbase, rbdl = [], [], [], []
    for r in range(1, rounds + 1):
        bench = script = None
        bj = f"{d}/bench-{w}-{r}.json"
        if os.path.exists(bj):
            bench = json.load(open(bj))["cnn"][0]["sec_per_epoch"]
        script, acc = dl_script_epoch(f"{d}/dl-{w}-{r}.out")
        t = last_json(f"{d}/torch-{w}-{r}.json")
        ts = t["sec_per_epoch"]
        if bench: rb.append(ts / bench)
        if script: rs.append(ts / script)
        cell = lambda s: f"{f(s, '.4f')} ({f(n / s if s else None, '.0f')})" if s else "-"
        print(f"{r:>5} {cell(bench):>17} {cell(script):>17} {cell(ts):>17}"
              f" {f(ts / bench if bench else None, '.2f'):>9} {f(ts / script if script else None, '.2f'):>8}"
              f" {f(rss(f'{d}/bench-{w}-{r}.time'), '.1f'):>12} {f(rss(f'{d}/dl-{w}-{r}.time'), '.1f'):>11}"
              f" {f(rss(f'{d}/torch-{w}-{r}.time'), '.1f'):>10} {str(t.get('other_cpu_pct')):>18}", end="")
        bp = f"{d}/base-{w}-{r}.json"
        if os.path.exists(bp):
            base = json.load(open(bp))["cnn"][0]["sec_per_epoch"]
            if bench: rbase.append(base / bench)
            print(f" {cell(base):>17} {f(base / bench if bench else None, '.2f'):>13}", end="")
        bdl, _ = dl_script_epoch(f"{d}/basedl-{w}-{r}.out")
        if bdl:
            if script: rbdl.append(bdl / script)
            print(f"  script before {cell(bdl)}, ×script before {ts / bdl:.2f},"
                  f" after/before {f(bdl / script if script else None, '.2f')}", end="")
        print()
    if rbase:
        print(f"  median speed-up of DLBench over the baseline (its s/epoch ÷ DLBench's): {statistics.median(rbase):.2f}x")
    if rbdl:
        print(f"  median speed-up of the dl script over BASELINE_DL's: {statistics.median(rbdl):.2f}x")
    tgt = TARGET[w]
    for name, rr in (("DLBench", rb), ("dl script", rs)):
        if rr:
            m = statistics.median(rr)
            print(f"  median ratio, {name}: {m:.2f}x (target ≥ {tgt}x: {'PASS' if m >= tgt else 'MISS'})")
    if w == "cnn_digits":
        accs = []
        if os.path.exists(f"{d}/bench-{w}-{rounds}.json"):
            accs.append(f"DLBench {json.load(open(f'{d}/bench-{w}-{rounds}.json'))['cnn'][0].get('test_acc', float('nan')):.4f}")
        if acc: accs.append(f"dl script {acc}")
        accs.append(f"PyTorch {t.get('test_acc', float('nan')):.4f}")
        print("  test accuracy (last round): " + ", ".join(accs))
PY
