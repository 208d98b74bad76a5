#!/usr/bin/env bash
# examples/cnn_digits.dl's test accuracy over seeds 0..N-1 (dl, release build), beside the same
# model in Keras (bench/cnn_digits_seeds.py, when the peer python is there).
# Env: SEEDS (20), PEERS_PY (default $HOME/.venvs/dl-peers/bin/python).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
n="${SEEDS:-20}"
swift build -c release --product dl >/dev/null
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
accs=()
for s in $(seq 0 $((n - 1))); do
  sed -e "s/^seed 0$/seed $s/" -e '/^show\|^confusion\|^summary/d' examples/cnn_digits.dl > "$tmp/s.dl"
  a="$(.build/release/dl "$tmp/s.dl" 2>/dev/null | grep -E '^loss: .* - accuracy: ' | tail -1 | sed 's/.*accuracy: //')"
  echo "dl seed $s: test accuracy $a"
  accs+=("$a")
done
printf '%s\n' "${accs[@]}" | python3 -c '
import statistics, sys
v = [float(l) for l in sys.stdin if l.strip()]
print(f"dl: median {statistics.median(v):.4f}, min {min(v):.4f}, max {max(v):.4f}, "
      f"{sum(x < 0.97 for x in v)} of {len(v)} below 0.97")'
PY="${PEERS_PY:-$HOME/.venvs/dl-peers/bin/python}"
if [ -x "$PY" ]; then
  PYTHONDONTWRITEBYTECODE=1 "$PY" bench/cnn_digits_seeds.py 0 "$n" 2>/dev/null
else
  echo "cnn_digits_seeds: no peer python at $PY; Keras side skipped" >&2
fi
