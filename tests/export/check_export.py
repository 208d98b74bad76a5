#!/usr/bin/env python3
"""Real-client check of dl's exports: every example's models, exported, rerun elsewhere.

For each examples/*.dl, runs the script with the release dl with two lines per model it
declares added at the end, `export M "….onnx"` and `export M "….py"` (dl writes a training
script for a model it fitted, or cross-validated or searched; a predict-only script for a
model it never compiled), then:
  * ONNX: an encoder–decoder's FILE.encoder.onnx runs once, then FILE.decoder.onnx step by
    step on the decoder inputs of dl's greedy decoding (in the sample), each step's
    distribution compared with dl's as below; greedy decoding in onnxruntime alone must give
    dl's tokens. Every other model: loads it in onnxruntime, runs it on the sample inputs dl wrote beside it
    and compares with dl's outputs: |onnx − dl| <= 1e-5 · max(1, |dl|) everywhere (NaN where
    dl has NaN).
  * PyTorch (when torch imports), for every script:
    - `--predict`: the nn.Module with dl's weights, in inference mode, on the sample in the
      data file (predict_x); its saved outputs must equal dl's (dl_output) as ONNX's must (an
      encoder–decoder's at its real target steps; skipped where dl's outputs are NaN, weights
      that overflow float32).
    - a training script runs for one epoch from dl's weights (`--epochs 1 --no-shuffle`); the
      loss of dl's weights on the whole data and on the first batch (and the class-weighted
      first-batch loss, under class_weight) must equal dl's within 1e-4 · max(1, |dl|), and
      the epoch's loss must be finite. One script runs under `torchrun --nproc_per_node=2`
      (DistributedDataParallel, gloo).
    - a script of a fit with early_stopping also runs for up to 30 epochs: it must stop exactly
      where dl's rule applied to its printed losses says (or run them all), and say that it
      restored the best epoch's weights when the fit did.
    - a predict-only script (a model dl never compiled) must refuse to train: a non-zero exit
      saying the model was never compiled.

Usage: check_export.py [--dl PATH] [--torch-python PATH] [--keep DIR]
Prints one line per check and closes with 'export: N passed, M failed'.
"""
import argparse
import json
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ONNX_TOL = 1e-5
LOSS_TOL = 1e-4


def read_safetensors(path):
    """The tensors (float32) and metadata of a safetensors file."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        body = f.read()
    meta = header.pop("__metadata__", {})
    out = {}
    for name, info in header.items():
        a, b = info["data_offsets"]
        out[name] = np.frombuffer(body[a:b], dtype=np.float32).reshape(info["shape"])
    return out, meta


def export_examples(dl, tmp):
    """Runs every example with export lines added; returns the exported stems and failures."""
    failures = []
    for script in sorted(os.listdir(os.path.join(ROOT, "examples"))):
        if not script.endswith(".dl"):
            continue
        stem = script[:-3]
        text = open(os.path.join(ROOT, "examples", script)).read()
        models = re.findall(r"^\s*model\s+(\w+)", text, re.M)
        exports = []
        for m in models:
            # An encoder–decoder model is written as FILE.encoder.onnx and FILE.decoder.onnx.
            exports.append(f'export {m} "{tmp}/{stem}_{m}.onnx"')
            exports.append(f'export {m} "{tmp}/{stem}_{m}.py"')
        if not exports:
            continue
        # The exports go before a `reset` or `exit` (which end the models), else at the end.
        end = re.search(r"^\s*(reset|exit)\b", text, re.M)
        cut = end.start() if end else len(text)
        path = os.path.join(tmp, script)
        with open(path, "w") as f:
            f.write(text[:cut].rstrip("\n") + "\n" + "\n".join(exports) + "\n" + text[cut:])
        r = subprocess.run([dl, path], cwd=ROOT, capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            failures.append(f"{script}: dl exited {r.returncode}: {(r.stderr or r.stdout)[-800:]}")
    return failures


def compare(got, want):
    """Whether got matches want (|got − want| <= 1e-5 · max(1, |want|), NaN where want has
    NaN), and the largest difference."""
    nan_want, nan_got = np.isnan(want), np.isnan(got)
    finite = ~nan_want
    diff = float(np.max(np.abs(got[finite] - want[finite]), initial=0.0))
    ok = bool(np.array_equal(nan_want, nan_got)) and bool(
        np.all(np.abs(got[finite] - want[finite]) <= ONNX_TOL * np.maximum(1, np.abs(want[finite]))))
    return ok, diff


def check_seq2seq(tmp, name, ort):
    """An encoder–decoder's two graphs: the encoder once, then the decoder step by step on
    the decoder inputs of dl's greedy decoding, each step's distribution against dl's; and
    greedy decoding in onnxruntime alone gives dl's tokens."""
    stem = name[:-len(".encoder.onnx")]
    sample, meta = read_safetensors(os.path.join(tmp, stem + ".sample.safetensors"))
    src, dec, want = sample["source"], sample["decoder_input"], sample["output"]
    enc = ort.InferenceSession(os.path.join(tmp, name), providers=["CPUExecutionProvider"])
    step = ort.InferenceSession(os.path.join(tmp, stem + ".decoder.onnx"), providers=["CPUExecutionProvider"])
    outs = dict(zip([o.name for o in enc.get_outputs()], enc.run(None, {"source": src})))
    inputs = {i.name: i for i in step.get_inputs()}

    def first_state():
        s = {k: v for k, v in outs.items() if k in inputs}
        for k, i in inputs.items():  # later recurrent layers start from zeros
            if k not in s and k != "token":
                s[k] = np.zeros((len(src), i.shape[1]), np.float32)
        return s

    def run(state, token):
        feed = dict(state, token=token.reshape(-1, 1).astype(np.float32))
        got = dict(zip([o.name for o in step.get_outputs()], step.run(None, feed)))
        nxt = dict(state)
        for k, v in got.items():
            if k.startswith("next_") or ".next_" in k:
                nxt[k.replace("next_", "")] = v
        return got["output"], nxt

    state, worst, ok = first_state(), 0.0, True
    for k in range(dec.shape[1]):
        probs, state = run(state, dec[:, k])
        good, diff = compare(probs, want[:, k])
        ok, worst = ok and good, max(worst, diff)
    # Greedy decoding in onnxruntime alone, from the start token.
    start, end = float(meta.get("dl.start_id", 2)), float(meta.get("dl.end_id", 3))
    state, token, done = first_state(), np.full(len(src), start, np.float32), np.zeros(len(src), bool)
    same = True
    for k in range(dec.shape[1]):
        probs, state = run(state, token)
        token = probs.argmax(-1).astype(np.float32)
        if k + 1 < dec.shape[1]:
            same = same and bool(np.all(np.where(done, True, token == np.where(dec[:, k + 1] == 0, end, dec[:, k + 1]))))
        done |= token == end
    line = (f"onnx {stem}.encoder/decoder.onnx: {len(src)} sources, {dec.shape[1]} decoder steps, "
            f"max |onnx - dl| = {worst:.2e}; greedy tokens {'as dl' if same else 'DIFFER from dl'}")
    return ok and same, line, worst


def check_onnx(tmp):
    import onnxruntime as ort
    results, worst = [], 0.0
    for name in sorted(os.listdir(tmp)):
        if name.endswith(".encoder.onnx"):
            ok, line, diff = check_seq2seq(tmp, name, ort)
            results.append((ok, line))
            worst = max(worst, diff)
            continue
        if not name.endswith(".onnx") or name.endswith(".decoder.onnx"):
            continue
        sample, _ = read_safetensors(os.path.join(tmp, name[:-5] + ".sample.safetensors"))
        x, want = sample["input"], sample["output"]
        sess = ort.InferenceSession(os.path.join(tmp, name), providers=["CPUExecutionProvider"])
        got = sess.run(None, {"input": x})[0]
        if got.shape != want.shape:
            results.append((False, f"onnx {name}: shape {got.shape}, dl {want.shape}"))
            continue
        nan_want, nan_got = np.isnan(want), np.isnan(got)
        finite = ~nan_want
        diff = float(np.max(np.abs(got[finite] - want[finite]), initial=0.0))
        ok = bool(np.array_equal(nan_want, nan_got)) and bool(
            np.all(np.abs(got[finite] - want[finite]) <= ONNX_TOL * np.maximum(1, np.abs(want[finite]))))
        if finite.any():
            worst = max(worst, diff)
        note = f" ({int(nan_want.sum())} NaN outputs, as dl's)" if nan_want.any() else ""
        results.append((ok, f"onnx {name}: {x.shape[0]} samples, max |onnx - dl| = {diff:.2e}{note}"))
    return results, worst


def loss_pair(text, label):
    m = re.search(label + r": (\S+)(?: \(dl: (\S+)\))?", text)
    return (float(m.group(1)), float(m.group(2))) if m and m.group(2) else None


def check_predict(tmp, name, python, env):
    """`--predict` on the data file's sample against dl's outputs; the largest difference."""
    data, _ = read_safetensors(os.path.join(tmp, name[:-3] + ".data.safetensors"))
    out_path = os.path.join(tmp, name[:-3] + ".predictions.safetensors")
    r = subprocess.run([python, os.path.join(tmp, name), "--predict", "--out", out_path],
                       capture_output=True, text=True, timeout=600, env=env)
    if r.returncode != 0 or not os.path.exists(out_path):
        return False, f"torch {name} --predict: exited {r.returncode} | " + (r.stderr or r.stdout)[-600:].replace("\n", " / "), 0.0
    got, want = read_safetensors(out_path)[0]["output"], data["dl_output"]
    if got.shape != want.shape:
        return False, f"torch {name} --predict: shape {got.shape}, dl {want.shape}", 0.0
    if np.isnan(want).any():
        # dl's weights overflow float32 here (vanishing.dl's boom): which outputs come out NaN
        # and which 0 depends on the order of the operations, so there is nothing to compare.
        return True, (f"torch {name} --predict: skipped ({int(np.isnan(want).sum())} of {want.size} of dl's "
                      "outputs are NaN: its weights overflow float32)"), 0.0
    note = ""
    if "predict_y" in data:
        # An encoder–decoder: the real target steps only. At padded steps (target id 0) dl's
        # masked decoder and the script's packed one differ, and neither the loss nor greedy
        # decoding reads them.
        real = data["predict_y"] != 0
        got, want = got[real], want[real]
        note = f", {int(real.sum())} real target steps"
    ok, diff = compare(got, want)
    return ok, f"torch {name} --predict: {len(data['predict_x'])} samples{note}, max |torch - dl| = {diff:.2e}", diff


def early_stop_epoch(losses, monitor, patience, min_delta, start_from):
    """Where dl's early stopping stops on these epochs' values (1-based), or None."""
    best, wait = math.inf, 0
    for epoch, logs in enumerate(losses, 1):
        v = logs.get(monitor)
        if epoch <= start_from or v is None:
            continue
        wait += 1
        if v < best - min_delta:
            best, wait = v, 0
        elif wait >= patience and epoch > 1:
            return epoch
    return None


def check_early_stopping(tmp, name, python, env):
    """A fit with early_stopping: up to 30 epochs, stopping where dl's rule says."""
    text = open(os.path.join(tmp, name)).read()
    m = re.search(r'return EarlyStopping\(monitor="(\w+)", patience=(\d+), min_delta=(\S+), '
                  r'restore_best=(\w+), start_from=(\d+)\)', text)
    if not m:
        return None
    monitor, patience, delta, restore, start = m.group(1), int(m.group(2)), float(m.group(3)), m.group(4) == "True", int(m.group(5))
    r = subprocess.run([python, os.path.join(tmp, name), "--epochs", "30", "--no-shuffle",
                        "--out", os.path.join(tmp, name[:-3] + ".es.pt")],
                       capture_output=True, text=True, timeout=900, env=env)
    losses = [{"loss": float(e.group(1)), **({"val_loss": float(e.group(2))} if e.group(2) else {})}
              for e in re.finditer(r"epoch \d+/30: loss (\S+)(?: val_loss (\S+))?", r.stdout)]
    stopped = re.search(r"Epoch (\d+): early stopping", r.stdout)
    want = early_stop_epoch(losses, monitor, patience, delta, start)
    got = int(stopped.group(1)) if stopped else None
    ok = r.returncode == 0 and got == want and len(losses) == (got or 30)
    ok = ok and (not restore or "Restoring model weights from the end of the best epoch" in r.stdout)
    tail = "" if ok else " | " + (r.stderr or r.stdout)[-600:].replace("\n", " / ")
    return ok, (f"torch {name} early_stopping(monitor={monitor}, patience={patience}): "
                f"{len(losses)} epochs, stopped at {got} (dl's rule on its losses: {want})"
                f"{', best weights restored' if restore else ''}{tail}")


def check_torch(tmp, python, ddp_done):
    results, worst = [], 0.0
    env = dict(os.environ, OMP_NUM_THREADS="1")
    for name in sorted(os.listdir(tmp)):
        if not name.endswith(".py"):
            continue
        ok, line, diff = check_predict(tmp, name, python, env)
        results.append((ok, line))
        worst = max(worst, diff)
        data, meta = read_safetensors(os.path.join(tmp, name[:-3] + ".data.safetensors"))
        if "x" not in data:  # never compiled in dl: the script must refuse to train
            r = subprocess.run([python, os.path.join(tmp, name), "--epochs", "1"],
                               capture_output=True, text=True, timeout=600, env=env)
            refused = r.returncode != 0 and "was never compiled in dl" in r.stderr
            results.append((refused, f"torch {name}: training refused (never compiled in dl)" if refused
                            else f"torch {name}: training NOT refused: exit {r.returncode} {r.stderr[-300:]}"))
            continue
        if not math.isfinite(float(meta.get("dl.loss", "nan"))):
            results.append((True, f"torch {name}: training skipped (dl's weights give a non-finite loss)"))
            continue
        cmd = [python, os.path.join(tmp, name), "--epochs", "1", "--no-shuffle",
               "--out", os.path.join(tmp, name[:-3] + ".pt")]
        if not ddp_done:
            torchrun = os.path.join(os.path.dirname(python), "torchrun")
            cmd = [torchrun, "--nproc_per_node=2", "--master_port=29517"] + cmd[1:]
            ddp_done = True
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
        out = r.stdout
        checks = [loss_pair(out, r"loss before training \(dl's weights\)"),
                  loss_pair(out, r"first batch loss \(dl's weights\)")]
        if "first batch weighted loss" in out:  # a fit with class_weight
            checks.append(loss_pair(out, r"first batch weighted loss \(dl's weights\)"))
        epoch = re.search(r"epoch 1/1: loss (\S+)", out)
        ok = r.returncode == 0 and all(checks) and epoch is not None and math.isfinite(float(epoch.group(1)))
        ok = ok and all(abs(a - b) <= LOSS_TOL * max(1, abs(b)) for a, b in checks)
        how = "torchrun x2" if "torchrun" in cmd[0] else "python"
        detail = ", ".join(f"{a:.6f} vs dl {b:.6f}" for a, b in filter(None, checks))
        tail = "" if ok else " | " + (r.stderr or out)[-600:].replace("\n", " / ")
        results.append((ok, f"torch {name} ({how}): loss {detail}; epoch 1 "
                        f"{epoch.group(1) if epoch else '?'}{tail}"))
        early = check_early_stopping(tmp, name, python, env)
        if early:
            results.append(early)
    return results, worst


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dl", default=os.path.join(ROOT, ".build/release/dl"))
    p.add_argument("--torch-python", default=None)
    p.add_argument("--keep", default=None)
    args = p.parse_args()
    tmp = args.keep or tempfile.mkdtemp(prefix="dl-export-")
    os.makedirs(tmp, exist_ok=True)
    results = [(False, f) for f in export_examples(args.dl, tmp)]
    onnx_results, worst = check_onnx(tmp)
    results += onnx_results
    torch_worst = None
    if args.torch_python:
        torch_results, torch_worst = check_torch(tmp, args.torch_python, ddp_done=False)
        results += torch_results
    else:
        print("torch: not available here; the PyTorch scripts were written but not run")
    for ok, line in results:
        print(("ok   " if ok else "FAIL ") + line)
    print(f"largest ONNX prediction difference: {worst:.2e}")
    if torch_worst is not None:
        print(f"largest PyTorch --predict difference: {torch_worst:.2e}")
    exported = sorted({n.rsplit(".", 1)[0] for n in os.listdir(tmp) if n.endswith(".py")})
    print(f"models exported to a PyTorch script: {len(exported)}")
    passed = sum(ok for ok, _ in results)
    print(f"export: {passed} passed, {len(results) - passed} failed")
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if passed == len(results) and results else 1


if __name__ == "__main__":
    sys.exit(main())
