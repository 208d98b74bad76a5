"""PyTorch's side of the recurrent workloads shared/bench/peers/bench_torch.py does not have.

    ~/.venvs/dl-peers/bin/python bench/rnn_torch.py sentiment_bilstm [DATA_DIR]

sentiment_bilstm: bench/data/sent_{train,test}.csv (bench/rnn_data.py), nn.Embedding(2000, 32)
→ nn.LSTM(32, 32, bidirectional) → the final state of each direction, concatenated (Keras'
Bidirectional(LSTM) without return_sequences) → nn.Linear(64, 1), BCE with logits, Adam 1e-3,
batch 64, 5 epochs: bench/sentiment_bilstm.dl's model. The training loop, thread settings and
the JSON line are the peers' (bench_torch.fit, common.median_after_warmup, peak RSS), so the
figures compare with run_rnn.sh's other workloads. Nothing is written into shared/.
"""
import os
import sys
import time

sys.dont_write_bytecode = True
here = os.path.dirname(os.path.abspath(__file__))
peers = os.environ.get("PEERS") or os.path.join(here, "..", "..", "shared", "bench", "peers")
if not os.path.isfile(os.path.join(peers, "bench_torch.py")):
    peers = "/work/shared/bench/peers"
sys.path.insert(0, peers)
import bench_torch as BT  # noqa: E402  (sets the thread counts, marks the import RSS)
import common as C  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402


class BiLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(2000, 32)
        self.rnn = nn.LSTM(32, 32, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(64, 1)

    def forward(self, x):
        _, (h, _) = self.rnn(self.emb(x))
        return self.fc(torch.cat([h[0], h[1]], dim=1))


def load(path):
    a = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.int64)
    return torch.from_numpy(a[:, :-1].copy()), torch.from_numpy(a[:, -1:].astype(np.float32))


def run(w, data):
    if w != "sentiment_bilstm":
        raise SystemExit(f"unknown workload {w}; this script has sentiment_bilstm")
    torch.manual_seed(0)
    xtr, ytr = load(os.path.join(data, "sent_train.csv"))
    xte, yte = load(os.path.join(data, "sent_test.csv"))
    m = BiLSTM()
    times, loss = BT.fit(m, nn.BCEWithLogitsLoss(), xtr, ytr, C.ep(5), 64)
    with torch.no_grad():
        m.eval()
        acc = ((m(xte) > 0).float() == yte).float().mean().item()
    spe = C.median_after_warmup(times)
    return {"framework": "pytorch", "workload": w, "threads": C.THREADS, "epochs": len(times),
            "sec_per_epoch": round(spe, 6), "first_epoch_sec": round(times[0], 6),
            "samples_per_sec": round(len(xtr) / spe, 1), "epoch_times": [round(t, 4) for t in times],
            "final_train_loss": loss, "test_acc": acc, "peak_rss_mb": round(C.peak_rss_mb(), 1),
            "torch": torch.__version__, "date": time.strftime("%Y-%m-%dT%H:%M:%S")}


if __name__ == "__main__":
    C.emit(run(sys.argv[1] if len(sys.argv) > 1 else "sentiment_bilstm",
               sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "data")))
