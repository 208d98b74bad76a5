#!/usr/bin/env python3
"""Writes examples/data/sine.csv: a noisy sine wave, one time step per row.

    value[t] = sin(2*pi*t / 30) + noise[t],   t = 0 .. 1499,   noise ~ N(0, 0.08^2)

with Python's own generator seeded with 0 (random.Random(0).gauss), so the file is the same
on every run and every machine (Python 3.2+). Only the standard library is needed:

    python3 examples/data/make_sine.py            # writes examples/data/sine.csv
    python3 examples/data/make_sine.py OUT.csv    # writes OUT.csv

It also prints two reference figures for the last 20 % of the series (the part that
`split wave 0.8 shuffle=false` leaves for testing): the mean squared error of persistence
(predicting each value by the one before it) and of the noise alone (the error of a model
that knew the clean sine exactly).
"""
import math
import os
import random
import sys

ROWS = 1500
PERIOD = 30
NOISE = 0.08
SEED = 0


def series():
    rng = random.Random(SEED)
    clean = [math.sin(2 * math.pi * t / PERIOD) for t in range(ROWS)]
    noisy = [round(c + rng.gauss(0, NOISE), 6) for c in clean]
    return clean, noisy


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "sine.csv")
    clean, noisy = series()
    with open(out, "w", newline="\n") as f:
        f.write("value\n")
        for v in noisy:
            f.write(f"{v:.6f}\n")
    start = int(ROWS * 0.8)
    test = range(start + 1, ROWS)
    persistence = sum((noisy[t] - noisy[t - 1]) ** 2 for t in test) / len(test)
    floor = sum((noisy[t] - clean[t]) ** 2 for t in test) / len(test)
    print(f"wrote {out}: {ROWS} rows")
    print(f"last 20%: persistence MSE {persistence:.4f}, noise MSE {floor:.4f}, "
          f"variance {sum((noisy[t] - sum(noisy[start:]) / (ROWS - start)) ** 2 for t in range(start, ROWS)) / (ROWS - start):.4f}")


if __name__ == "__main__":
    main()
