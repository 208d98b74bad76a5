"""Exports the peers' sine data (shared/bench/peers/common.py `sine_data`) for dl's side of the
lstm_sine and gru_sine workloads.

    ~/.venvs/dl-peers/bin/python bench/rnn_data.py [OUT_DIR]     (default: bench/data)

common.sine_data(): 4000 training and 1000 test windows of 50 noisy sine values (seed 0), the
target the next value. Written as CSV with a header x0…x49,y (one window per row; dl loads it
with `target=y shape=50x1`, as (50 steps, 1 feature) sequences), about 2.5 MB, generated at
bench time and not committed (bench/data/.gitignore):
  sine_train.csv (4000 rows)   sine_test.csv (1000 rows)
Nothing is written into shared/ (no __pycache__ either).
"""
import os
import sys

sys.dont_write_bytecode = True
here = os.path.dirname(os.path.abspath(__file__))
peers = os.environ.get("PEERS") or os.path.join(here, "..", "..", "shared", "bench", "peers")
if not os.path.isfile(os.path.join(peers, "common.py")):
    peers = "/work/shared/bench/peers"
sys.path.insert(0, peers)
import common as C  # noqa: E402


def write(path, x, y):
    tmp = path + ".tmp"
    steps = x.shape[1]
    with open(tmp, "w") as fh:
        fh.write(",".join([f"x{i}" for i in range(steps)] + ["y"]) + "\n")
        for row, target in zip(x[:, :, 0], y[:, 0]):
            fh.write(",".join(repr(float(v)) for v in row) + "," + repr(float(target)) + "\n")
    os.replace(tmp, path)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "data")
    os.makedirs(out, exist_ok=True)
    xtr, xte, ytr, yte = C.sine_data()
    write(os.path.join(out, "sine_train.csv"), xtr, ytr)
    write(os.path.join(out, "sine_test.csv"), xte, yte)
    print(f"wrote {out}/sine_train.csv {xtr.shape}, sine_test.csv {xte.shape}")


if __name__ == "__main__":
    main()
