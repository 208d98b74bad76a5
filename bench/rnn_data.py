"""Exports the peers' sine data (shared/bench/peers/common.py `sine_data`) for dl's side of the
lstm_sine and gru_sine workloads, and makes the token data of the sentiment_bilstm workload.

    ~/.venvs/dl-peers/bin/python bench/rnn_data.py [OUT_DIR]     (default: bench/data)

common.sine_data(): 4000 training and 1000 test windows of 50 noisy sine values (seed 0), the
target the next value. Written as CSV with a header x0…x49,y (one window per row; dl loads it
with `target=y shape=50x1`, as (50 steps, 1 feature) sequences), about 2.5 MB, generated at
bench time and not committed (bench/data/.gitignore):
  sine_train.csv (4000 rows)   sine_test.csv (1000 rows)
  sent_train.csv (7073 rows)   sent_test.csv (1768 rows)
The token data has the size of examples/sentiment.dl's reviews (8841 texts, 80/20 split,
40 ids each from a vocabulary of 2000, id 0 the padding, texts of 6–40 tokens padded at the
front): ids drawn Zipf-like (numpy seed 0), label 1 when the text's 60 "positive" ids
outnumber its 60 "negative" ones (ties by the first such word), columns t0…t39,y. Both dl
(bench/sentiment_bilstm.dl) and PyTorch (bench/rnn_torch.py) read these files.
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


def token_data(n=8841, length=40, vocab=2000, seed=0):
    """(ids (n, length) int, labels (n,)) as described at the top."""
    import numpy as np
    rng = np.random.default_rng(seed)
    ranks = np.arange(1, vocab - 1)
    p = 1.0 / ranks ** 1.05
    p /= p.sum()
    polarity = np.zeros(vocab, dtype=np.int64)
    words = rng.choice(np.arange(20, 600), size=120, replace=False)
    polarity[words[:60]], polarity[words[60:]] = 1, -1
    ids = np.zeros((n, length), dtype=np.int64)
    labels = np.zeros(n, dtype=np.int64)
    for i in range(n):
        k = int(rng.integers(6, length + 1))
        text = rng.choice(ranks + 1, size=k, p=p)
        ids[i, length - k:] = text
        s = polarity[text]
        total = int(s.sum())
        first = s[s != 0]
        labels[i] = 1 if total > 0 or (total == 0 and len(first) and first[0] > 0) else 0
    return ids, labels


def write_tokens(path, ids, labels):
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        fh.write(",".join([f"t{i}" for i in range(ids.shape[1])] + ["y"]) + "\n")
        for row, y in zip(ids, labels):
            fh.write(",".join(str(int(v)) for v in row) + f",{int(y)}\n")
    os.replace(tmp, path)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "data")
    os.makedirs(out, exist_ok=True)
    xtr, xte, ytr, yte = C.sine_data()
    write(os.path.join(out, "sine_train.csv"), xtr, ytr)
    write(os.path.join(out, "sine_test.csv"), xte, yte)
    print(f"wrote {out}/sine_train.csv {xtr.shape}, sine_test.csv {xte.shape}")
    ids, labels = token_data()
    cut = 7073
    write_tokens(os.path.join(out, "sent_train.csv"), ids[:cut], labels[:cut])
    write_tokens(os.path.join(out, "sent_test.csv"), ids[cut:], labels[cut:])
    print(f"wrote {out}/sent_train.csv ({cut}, 40), sent_test.csv ({len(ids) - cut}, 40);"
          f" positive share {labels.mean():.3f}")


if __name__ == "__main__":
    main()
