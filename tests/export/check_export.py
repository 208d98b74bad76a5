#!/usr/bin/env python3
"""Real-client check of dl's exports: every example's models, exported, rerun elsewhere.

For each examples/*.dl, runs the script with the release dl with one `export M "….onnx"`
line per model it declares added at the end (and `export M "….py"` per model it compiles
and fits), then:
  * ONNX: an encoder–decoder's FILE.encoder.onnx runs once, then FILE.decoder.onnx step by
    step on the decoder inputs of dl's greedy decoding (in the sample), each step's
    distribution compared with dl's as below; greedy decoding in onnxruntime alone must give
    dl's tokens. Every other model: loads it in onnxruntime, runs it on the sample inputs dl wrote beside it
    and compares with dl's outputs: |onnx − dl| <= 1e-5 · max(1, |dl|) everywhere (NaN where
    dl has NaN).
  * PyTorch (when torch imports): runs each exported script for one epoch from dl's weights
    (`--epochs 1 --no-shuffle`); the loss of dl's weights on the whole data and on the first
    batch (and the class-weighted first-batch loss, under class_weight) must equal dl's within
    1e-4 · max(1, |dl|), and the epoch's loss must be finite.
    One script also runs under `torchrun --nproc_per_node=2` (DistributedDataParallel, gloo).

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
        fitted = set(re.findall(r"^\s*fit\s+(\w+)", text, re.M))
        exports = []
        for m in models:
            # An encoder–decoder model is written as FILE.encoder.onnx and FILE.decoder.onnx.
            exports.append(f'export {m} "{tmp}/{stem}_{m}.onnx"')
            if m in fitted:
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


def check_torch(tmp, python, ddp_done):
    results = []
    for name in sorted(os.listdir(tmp)):
        if not name.endswith(".py"):
            continue
        _, meta = read_safetensors(os.path.join(tmp, name[:-3] + ".data.safetensors"))
        if not math.isfinite(float(meta.get("dl.loss", "nan"))):
            results.append((True, f"torch {name}: skipped (dl's weights give a non-finite loss)"))
            continue
        cmd = [python, os.path.join(tmp, name), "--epochs", "1", "--no-shuffle",
               "--out", os.path.join(tmp, name[:-3] + ".pt")]
        env = dict(os.environ, OMP_NUM_THREADS="1")
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
    return results


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
    if args.torch_python:
        results += check_torch(tmp, args.torch_python, ddp_done=False)
    else:
        print("torch: not available here; the PyTorch scripts were written but not run")
    for ok, line in results:
        print(("ok   " if ok else "FAIL ") + line)
    print(f"largest ONNX prediction difference: {worst:.2e}")
    passed = sum(ok for ok, _ in results)
    print(f"export: {passed} passed, {len(results) - passed} failed")
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if passed == len(results) and results else 1


if __name__ == "__main__":
    sys.exit(main())
