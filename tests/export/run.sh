#!/usr/bin/env bash
# The real-client check of `export` (tests/export/check_export.py), run by `make test`.
# onnxruntime and numpy: the peer environment's when it has them, else a small virtual
# environment made once in .build/export-venv from PyPI. The PyTorch scripts are run where
# torch imports (the peer environment ~/.venvs/dl-peers, or TORCH_PYTHON).
set -euo pipefail
cd "$(dirname "$0")/../.."
peer="${DL_PEERS:-$HOME/.venvs/dl-peers}/bin/python"
has() { [ -x "$1" ] && "$1" -c "import $2" >/dev/null 2>&1; }
if has "$peer" "onnxruntime, numpy"; then
  python="$peer"
else
  venv=.build/export-venv
  if ! has "$venv/bin/python" "onnxruntime, numpy"; then
    echo "export check: making $venv with onnxruntime and numpy from PyPI"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check onnxruntime numpy
  fi
  python="$venv/bin/python"
fi
torch_python="${TORCH_PYTHON:-}"
if [ -z "$torch_python" ] && has "$peer" "torch, safetensors"; then torch_python="$peer"; fi
exec "$python" tests/export/check_export.py ${torch_python:+--torch-python "$torch_python"} "$@"
