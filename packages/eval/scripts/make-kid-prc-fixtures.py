"""Writes src/kid/__fixtures__/numpy-kid-prc.json: numpy references for KID and precision/recall.

KID: clean-fid `kernel_distance` form (unbiased MMD², kernel (xᵀy/d + 1)³, cross term over
all pairs) on the full sets (nA = nB, one "subset" = everything, so no random draw).
Precision/recall: Kynkäänniemi et al. 2019 as torch-fidelity metric_prc.py: radius =
(k+1)-th smallest distance within the own set (self included), k = 3.

Run: /usr/bin/python3 packages/eval/scripts/make-kid-prc-fixtures.py
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from hash_features import hash_features  # noqa: E402


def mmd_unbiased(x, y):
    d = x.shape[1]
    m, n = len(x), len(y)
    kxx = (x @ x.T / d + 1) ** 3
    kyy = (y @ y.T / d + 1) ** 3
    kxy = (x @ y.T / d + 1) ** 3
    return float((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
                 - 2 * kxy.sum() / (m * n))


def dists(a, b):
    return np.sqrt(np.maximum(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1), 0))


def prc(real, gen, k=3):
    rr = np.sort(dists(real, real), axis=1)[:, k]
    rg = np.sort(dists(gen, gen), axis=1)[:, k]
    precision = float((dists(gen, real) <= rr[None, :]).any(axis=1).mean())
    recall = float((dists(real, gen) <= rg[None, :]).any(axis=1).mean())
    return precision, recall


cases = []
for name, dim, n_a, n_b, sa, sb, scale, shift in [("d16", 16, 300, 300, 21, 22, 1.4, 0.15), ("d48", 48, 200, 200, 23, 24, 0.9, 0.05)]:
    xa = hash_features(sa, n_a, dim).astype(np.float64)
    xb = hash_features(sb, n_b, dim, scale, shift).astype(np.float64)
    p, r = prc(xa, xb)
    cases.append(dict(name=name, dim=dim, nA=n_a, nB=n_b, seedA=sa, seedB=sb, scaleB=scale, shiftB=shift,
                      mmd=mmd_unbiased(xa, xb), precision=p, recall=r))
    print(cases[-1], file=sys.stderr)

path = os.path.join(os.path.dirname(__file__), "..", "src", "kid", "__fixtures__", "numpy-kid-prc.json")
os.makedirs(os.path.dirname(path), exist_ok=True)
with open(path + ".tmp", "w") as f:
    json.dump({"generator": "packages/eval/scripts/make-kid-prc-fixtures.py", "cases": cases}, f, indent=2)
os.replace(path + ".tmp", path)
