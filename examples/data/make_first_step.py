#!/usr/bin/env python3
"""Writes examples/data/first_step.csv: sequences whose label is decided by their FIRST step.

Each row is one sequence of 50 time steps with one feature, x0 … x49, then its label:

    x0       = +1 or -1 (a fair coin)          label = 1 if x0 > 0 else 0
    x1 … x49 ~ N(0, 1) noise, rounded to 3 decimals

So everything a model needs is in step 0, and the 49 steps after it are distractors: a
recurrent layer must carry one bit through 49 updates of its state, and the gradient that
teaches it to must travel back through all of them (backpropagation through time). The
generator is Python's own, seeded with 0 (random.Random(0)), so the file is the same on every
run and every machine (Python 3.2+). Only the standard library is needed:

    python3 examples/data/make_first_step.py            # writes examples/data/first_step.csv
    python3 examples/data/make_first_step.py OUT.csv    # writes OUT.csv

Load it with `load "examples/data/first_step.csv" target=label shape=50x1`.
"""
import os
import random
import sys

ROWS = 1000
STEPS = 50
SEED = 0


def rows():
    rng = random.Random(SEED)
    for _ in range(ROWS):
        first = 1.0 if rng.random() < 0.5 else -1.0
        rest = [round(rng.gauss(0, 1), 3) for _ in range(STEPS - 1)]
        yield [first] + rest, 1 if first > 0 else 0


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "first_step.csv")
    positives = 0
    with open(out, "w", newline="\n") as f:
        f.write(",".join(f"x{t}" for t in range(STEPS)) + ",label\n")
        for values, label in rows():
            positives += label
            f.write(",".join(f"{v:.3f}" for v in values) + f",{label}\n")
    print(f"wrote {out}: {ROWS} sequences of {STEPS} steps, {positives} labelled 1")


if __name__ == "__main__":
    main()
