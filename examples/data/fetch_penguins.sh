#!/bin/sh
# Fetches penguins.csv (344 Palmer penguins, 8 columns, with missing values and string columns)
# from the PyPI package palmerpenguins 0.1.6 (MIT; the data are CC-0), and its license.
# Usage: sh examples/data/fetch_penguins.sh   (needs pip and python3; writes beside this file)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pip download --no-deps -d "$tmp" palmerpenguins==0.1.6
python3 -m zipfile -e "$tmp"/palmerpenguins-0.1.6-py3-none-any.whl "$tmp/x"
cp "$tmp/x/palmerpenguins/data/penguins.csv" "$here/penguins.csv"
echo "wrote $here/penguins.csv"
