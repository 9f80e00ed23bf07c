#!/usr/bin/python3
"""gen_newsgroups.py — a synthetic stand-in for 20 Newsgroups as tf-idf LIBSVM files.

LancBiO's (and stocBiO's, hypertorch's) per-feature regularisation experiment uses the
20 Newsgroups corpus as scikit-learn's fetch_20newsgroups_vectorized gives it: 130,107 tf-idf
features, rows normalised to unit length, about 0.1% of the entries non-zero, 20 classes; its
11,314 training documents split in halves (5657 train, 5657 validation) and 7532 test
documents. The corpus cannot be downloaded here, so this script draws documents with the same
shape and statistics:

  - a vocabulary of --features words with Zipf-Mandelbrot frequencies (p ~ 1/(rank + 2.7)^1.07),
    the ranks scattered over the feature indices;
  - per class, topic words (mid-frequency ranks) shared with the classes of its group of
    newsgroups (8% of its tokens) and its own (5%), so that the classes overlap as the
    newsgroups do;
  - per document, a number of distinct words drawn log-normally around density x features (the
    number of tokens drawn is calibrated per class to give it), term counts from the draws;
  - tf-idf as scikit-learn's TfidfTransformer: raw counts times idf = ln((1 + N)/(1 + df)) + 1,
    with df counted over train + validation (the corpus's training split), rows scaled to unit
    Euclidean norm.

It writes DIR/train.svm, DIR/val.svm and DIR/test.svm (".svm.gz" with --gzip): one document a
line, "label idx:value ...", labels 0..19 (as scikit-learn's target; --one-based-labels for
1..20 as the LIBSVM site's news20), feature indices 1-based and increasing. The same seed gives
the same files byte for byte. Needs only NumPy (Debian: python3-numpy). The full size takes
seconds to a minute (doc/data.md lists measured times).

  examples/gen_newsgroups.py --out data/news                     # full size
  examples/gen_newsgroups.py --out /tmp/n --features 5000 --docs 300 --test-docs 200
"""
import argparse
import gzip
import os
import sys
import time

import numpy as np

CLASSES = 20
# The newsgroups' hierarchy (alt.atheism, comp.* x5, misc.forsale, rec.* x4, sci.* x4,
# soc.religion.christian, talk.politics.* x3, talk.religion.misc): classes of a group share
# topic words, so that they are confused with each other more than with the rest.
GROUPS = [0, 1, 1, 1, 1, 1, 2, 3, 3, 3, 3, 4, 4, 4, 4, 0, 5, 5, 5, 0]
GROUP_SHARE = 0.08    # fraction of a document's tokens drawn from its group's topic words
CLASS_SHARE = 0.05    # ... and from its class's own topic words
ZIPF_S, ZIPF_Q = 1.07, 2.7
DOC_SIGMA = 0.8       # log-normal spread of the distinct words per document


def vocabulary(rng, d):
    """Per class, the word probabilities (indexed by feature) of its documents' tokens."""
    rank = np.arange(d, dtype=np.float64)
    bg = 1.0 / (rank + ZIPF_Q) ** ZIPF_S
    bg /= bg.sum()
    # topic words: from the ranks past the most common words, Zipf-weighted within the topic
    k = max(10, min(1000, d // 100))
    lo = min(50, d // 10)
    hi = max(lo + k, d // 2)
    tw = 1.0 / (np.arange(k) + 1.0) ** 0.8
    tw /= tw.sum()
    word_of_rank = rng.permutation(d)
    group_topic = [rng.choice(np.arange(lo, hi), size=k, replace=False)
                   for _ in range(max(GROUPS) + 1)]
    probs = np.empty((CLASSES, d))
    for c in range(CLASSES):
        topic = rng.choice(np.arange(lo, hi), size=k, replace=False)
        p = (1 - GROUP_SHARE - CLASS_SHARE) * bg
        p[group_topic[GROUPS[c]]] += GROUP_SHARE * tw
        p[topic] += CLASS_SHARE * tw
        probs[c, word_of_rank] = p  # by feature index
    return probs


def calibrate(probs, umax):
    """Per class, a grid of token counts L and the expected distinct words E[U](L) they give."""
    grid = np.unique(np.round(np.geomspace(1, max(4.0, 40.0 * umax), 80)))
    eu = np.empty((probs.shape[0], grid.size))
    for c in range(probs.shape[0]):
        lg = np.log1p(-probs[c])
        eu[c] = [-np.expm1(L * lg).sum() for L in grid]
    return grid, eu


def draw_split(rng, probs, cdfs, grid, eu, n, density, class_w):
    """n documents: labels, and the sorted unique (doc, feature) pairs with their counts."""
    d = probs.shape[1]
    labels = rng.choice(CLASSES, size=n, p=class_w)
    target = density * d * np.exp(DOC_SIGMA * rng.standard_normal(n) - DOC_SIGMA ** 2 / 2)
    target = np.clip(target, 1.0, 0.5 * d)
    tokens = np.empty(n, dtype=np.int64)
    for c in range(CLASSES):
        m = labels == c
        tokens[m] = np.interp(target[m], eu[c], grid)  # eu[c] increases with L
    tokens = np.maximum(1, np.round(tokens)).astype(np.int64)
    doc = np.repeat(np.arange(n, dtype=np.int64), tokens)
    u = rng.random(doc.size)
    word = np.empty(doc.size, dtype=np.int64)
    for c in range(CLASSES):  # inverse-CDF draws from the class's word distribution
        m = labels[doc] == c
        word[m] = np.minimum(np.searchsorted(cdfs[c], u[m], side="right"), d - 1)
    keys, counts = np.unique(doc * d + word, return_counts=True)
    return labels, keys // d, keys % d, counts.astype(np.float64)


def write_svm(path, labels, doc, feat, val, one_based_labels, use_gzip):
    n = labels.size
    rowptr = np.searchsorted(doc, np.arange(n + 1))
    items = [f"{j}:{v:.9g}" for j, v in zip((feat + 1).tolist(), val.tolist())]
    lab = (labels + (1 if one_based_labels else 0)).tolist()
    lines = [f"{lab[i]} " + " ".join(items[rowptr[i]:rowptr[i + 1]]) + "\n" for i in range(n)]
    text = "".join(lines)
    if use_gzip:
        with gzip.open(path + ".gz", "wt", compresslevel=6) as f:
            f.write(text)
    else:
        with open(path, "w") as f:
            f.write(text)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="output directory (created if missing)")
    ap.add_argument("--features", type=int, default=130107, help="vocabulary size d")
    ap.add_argument("--docs", type=int, default=5657,
                    help="documents in the training split and in the validation split")
    ap.add_argument("--test-docs", type=int, default=7532, help="documents in the test split")
    ap.add_argument("--density", type=float, default=0.001,
                    help="mean fraction of non-zero features a document (before the floor of 1)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--gzip", action="store_true", help="write .svm.gz")
    ap.add_argument("--one-based-labels", action="store_true", help="labels 1..20, not 0..19")
    a = ap.parse_args(argv)
    if a.features < 2 * CLASSES or a.docs < 1 or a.test_docs < 1 or not 0 < a.density <= 0.5:
        ap.error("need --features >= 40, --docs >= 1, --test-docs >= 1, 0 < --density <= 0.5")
    t0 = time.time()
    rng = np.random.default_rng(a.seed)
    probs = vocabulary(rng, a.features)
    cdfs = np.cumsum(probs, axis=1)
    cdfs /= cdfs[:, -1:]
    grid, eu = calibrate(probs, 0.5 * a.features)
    class_w = rng.dirichlet(np.full(CLASSES, 50.0))  # mildly unequal, as the newsgroups are
    sizes = {"train": a.docs, "val": a.docs, "test": a.test_docs}
    splits = {s: draw_split(rng, probs, cdfs, grid, eu, n, a.density, class_w)
              for s, n in sizes.items()}
    # idf over the corpus's training split (train + validation), as a fitted TfidfTransformer
    n_fit = a.docs * 2
    df = sum(np.bincount(splits[s][2], minlength=a.features) for s in ("train", "val"))
    idf = np.log((1.0 + n_fit) / (1.0 + df)) + 1.0
    os.makedirs(a.out, exist_ok=True)
    nnz = 0
    for s, (labels, doc, feat, counts) in splits.items():
        val = counts * idf[feat]
        norm = np.sqrt(np.bincount(doc, weights=val * val, minlength=labels.size))
        val /= norm[doc]
        write_svm(os.path.join(a.out, s + ".svm"), labels, doc, feat, val, a.one_based_labels,
                  a.gzip)
        nnz += doc.size
    ndocs = sum(sizes.values())
    print(f"gen_newsgroups: {ndocs} documents (train {a.docs}, val {a.docs}, test "
          f"{a.test_docs}), {a.features} features, {nnz} non-zeros ({nnz / ndocs:.1f} a "
          f"document, density {nnz / ndocs / a.features:.4%}), {time.time() - t0:.1f} s "
          f"-> {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
