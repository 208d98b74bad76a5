#!/usr/bin/env python3
"""Writes addition.csv: sums written as characters and their results, for examples/addition.dl.

Each row is `src,tgt`: two whole numbers a and b from 0 to 99 written digit by digit with a
space between characters and a `+` between the numbers (`4 7 + 8` for 47 + 8), and their sum
written the same way (`5 5`). The rows are distinct pairs (a, b), drawn without repetition by
Python's random.Random(0) from the 10,000 possible, so a split of the rows never tests a sum
the model was trained on. Standard library only; running it again writes the same bytes.

usage: python3 examples/data/make_addition.py [ROWS] [OUT]
"""
import random
import sys

rows = int(sys.argv[1]) if len(sys.argv) > 1 else 6000
out = sys.argv[2] if len(sys.argv) > 2 else "examples/data/addition.csv"
if not 1 <= rows <= 10000:
    sys.exit("ROWS must be 1 to 10000 (there are 10,000 pairs of numbers below 100)")
rng = random.Random(0)
pairs = rng.sample([(a, b) for a in range(100) for b in range(100)], rows)


def chars(n):
    return " ".join(str(n))


lines = ["src,tgt"]
for a, b in pairs:
    lines.append(chars(a) + " + " + chars(b) + "," + chars(a + b))
with open(out, "w", newline="\n") as f:
    f.write("\n".join(lines) + "\n")
