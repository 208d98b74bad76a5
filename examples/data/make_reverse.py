#!/usr/bin/env python3
"""Writes reverse.csv: digit strings and their reversal, for examples/reverse.dl.

Each row is `src,tgt`: a string of 4 to 10 digits (length uniform, digits uniform, drawn by
Python's random.Random(0)), written with a space between digits, and the same digits in
reverse order. Strings repeat rarely (10^4 and up of each length); a row is kept only the
first time its source appears, so a split of the rows never puts the same string in both
parts. Standard library only; running it again writes the same bytes.

usage: python3 examples/data/make_reverse.py [ROWS] [OUT]
"""
import random
import sys

rows = int(sys.argv[1]) if len(sys.argv) > 1 else 6000
out = sys.argv[2] if len(sys.argv) > 2 else "examples/data/reverse.csv"
rng = random.Random(0)
seen = set()
lines = ["src,tgt"]
while len(lines) - 1 < rows:
    n = rng.randint(4, 10)
    digits = [str(rng.randint(0, 9)) for _ in range(n)]
    src = " ".join(digits)
    if src in seen:
        continue
    seen.add(src)
    lines.append(src + "," + " ".join(reversed(digits)))
with open(out, "w", newline="\n") as f:
    f.write("\n".join(lines) + "\n")
