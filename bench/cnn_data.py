"""Exports the peers' CNN data sets (shared/bench/peers/common.py) as .npy for dl's side.

    ~/.venvs/dl-peers/bin/python bench/cnn_data.py [OUT_DIR]     (default: bench/data)

cnn_digits: common.digits_images_split() (scikit-learn digits, train_test_split with
random_state=0, pixels / 16, NHWC 8x8x1). The pixels are the integers 0..16 before the
division, so they are written as uint8 0..16 (the models rescale by 1/16 as their first
layer, as the contract CNN does) and the files are small enough to commit:
  digits_train_x.npy (1437, 8, 8, 1) uint8   digits_train_y.npy (1437,) uint8
  digits_test_x.npy  (360, 8, 8, 1)  uint8   digits_test_y.npy  (360,)  uint8
cnn_mnistlike: common.mnistlike_data() (10000 uniform random 28x28x1 float32, seed 0, random
labels). Those are not integers: 31 MB of float32, generated at bench time, not committed:
  mnistlike_x.npy (10000, 28, 28, 1) float32  mnistlike_y.npy (10000,) uint8
Nothing is written into
shared/ (no __pycache__ either).
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
import numpy as np  # noqa: E402


def save(out, name, a):
    path = os.path.join(out, name)
    tmp = path + ".tmp"
    np.save(tmp, a, allow_pickle=False)
    os.replace(tmp + ".npy", path)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "data")
    os.makedirs(out, exist_ok=True)
    xtr, xte, ytr, yte = C.digits_images_split()
    for name, x in (("train", xtr), ("test", xte)):
        raw = np.rint(x * 16)
        assert np.array_equal(raw / 16, x.astype(np.float64)) and raw.min() >= 0 and raw.max() <= 16
        save(out, f"digits_{name}_x.npy", raw.astype(np.uint8))
    save(out, "digits_train_y.npy", ytr.astype(np.uint8))
    save(out, "digits_test_y.npy", yte.astype(np.uint8))
    x, y = C.mnistlike_data()
    save(out, "mnistlike_x.npy", np.ascontiguousarray(x, dtype=np.float32))
    save(out, "mnistlike_y.npy", y.astype(np.uint8))
    print(f"wrote {out}: digits {xtr.shape}/{xte.shape}, mnistlike {x.shape}")


if __name__ == "__main__":
    main()
