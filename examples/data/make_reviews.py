#!/usr/bin/env python3
"""Writes examples/data/reviews.csv (columns review,label) from the PyPI package vaderSentiment.

The reviews are the human-rated review snippets of C.J. Hutto and Eric Gilbert's VADER
evaluation data ("VADER: A Parsimonious Rule-based Model for Sentiment Analysis of Social
Media Text", ICWSM 2014), as the vaderSentiment 3.3.2 source distribution (MIT License,
Copyright (c) 2016 C.J. Hutto) ships them in additional_resources/hutto_ICWSM_2014.tar.gz:
amazonReviewSnippets_GroundTruth.txt (3,708 product-review sentences) and
movieReviewSnippets_GroundTruth.txt (10,605 movie-review sentences). Each line there is
`id <TAB> mean rating <TAB> sentence`, the rating being the mean of 20 people's scores from
-4 (extremely negative) to +4 (extremely positive).

This script keeps the sentences whose mean rating is at least THRESHOLD (1.5) away from
neutral, so that every row is clearly positive or clearly negative (as the UCI "Sentiment
Labelled Sentences" set selects its sentences), labels them `positive` (rating > 0) or
`negative`, writes each on one line (runs of white space become one space), amazon first,
then movies, in the files' order. Only the standard library is needed:

    python3 examples/data/make_reviews.py                      # fetches the sdist with pip
    python3 examples/data/make_reviews.py vaderSentiment-3.3.2.tar.gz [OUT.csv]

Without a file it runs `python3 -m pip download --no-deps --no-binary :all:
vaderSentiment==3.3.2` into a temporary directory. The archive's SHA-256 is printed next to
the one this file was made from.
"""
import csv
import hashlib
import io
import os
import subprocess
import sys
import tarfile
import tempfile

VERSION = "3.3.2"
SDIST = f"vaderSentiment-{VERSION}.tar.gz"
SDIST_SHA256 = "5d7c06e027fc8b99238edb0d53d970cf97066ef97654009890b83703849632f9"
INNER = f"vaderSentiment-{VERSION}/additional_resources/hutto_ICWSM_2014.tar.gz"
FILES = ["hutto_ICWSM_2014/amazonReviewSnippets_GroundTruth.txt",
         "hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt"]
THRESHOLD = 1.5


def fetch(directory):
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                    "--no-build-isolation", "--no-binary", ":all:", "-d", directory,
                    f"vaderSentiment=={VERSION}"], check=True)
    return os.path.join(directory, SDIST)


def reviews(sdist):
    with tarfile.open(sdist) as outer:
        inner = outer.extractfile(INNER).read()
    with tarfile.open(fileobj=io.BytesIO(inner)) as t:
        for name in FILES:
            for line in t.extractfile(name).read().decode("utf-8").splitlines():
                parts = line.split("\t")
                if len(parts) < 3:
                    continue
                rating, text = float(parts[1]), " ".join(parts[2].split())
                if abs(rating) >= THRESHOLD and text:
                    yield text, "positive" if rating > 0 else "negative"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "reviews.csv")
    with tempfile.TemporaryDirectory() as tmp:
        sdist = sys.argv[1] if len(sys.argv) > 1 else fetch(tmp)
        with open(sdist, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        rows = list(reviews(sdist))
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["review", "label"])
        writer.writerows(rows)
    counts = {l: sum(1 for _, x in rows if x == l) for l in ("negative", "positive")}
    same = ("the one reviews.csv was made from" if digest == SDIST_SHA256
            else f"NOT the one reviews.csv was made from ({SDIST_SHA256})")
    print(f"{os.path.basename(sdist)} sha256 {digest}: {same}")
    print(f"wrote {out}: {len(rows)} reviews, " + ", ".join(f"{n} {l}" for l, n in counts.items()))


if __name__ == "__main__":
    main()
