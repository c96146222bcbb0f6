"""Writes src/fid/__fixtures__/pytorch-fid.json: FID values from pytorch-fid's method.

`calculate_frechet_distance` below follows mseitzer/pytorch-fid
src/pytorch_fid/fid_score.py (scipy.linalg.sqrtm of Σ1Σ2, eps retry when non-finite,
real part when the imaginary diagonal is < 1e-3); statistics as its
`calculate_activation_statistics` (np.mean, np.cov(rowvar=False)).
Rank-deficient cases (N <= d) instead use an independent exact route: with
A = Xc1/sqrt(n1-1), B = Xc2/sqrt(n2-1), tr sqrt(Σ1Σ2) = nuclear norm of A Bᵀ.

Run: /usr/bin/python3 packages/eval/scripts/make-fid-fixtures.py
"""
import json
import os
import sys

import numpy as np
from scipy import linalg

sys.path.insert(0, os.path.dirname(__file__))
from hash_features import hash_features  # noqa: E402


def calculate_frechet_distance(mu1, sigma1, mu2, sigma2, eps=1e-6):
    diff = mu1 - mu2
    covmean, _ = linalg.sqrtm(sigma1.dot(sigma2), disp=False)
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError("Imaginary component")
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def stats(x):
    return np.mean(x, axis=0), np.cov(x, rowvar=False)


def nuclear_route(x1, x2):
    a = (x1 - x1.mean(0)) / np.sqrt(len(x1) - 1)
    b = (x2 - x2.mean(0)) / np.sqrt(len(x2) - 1)
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    tr_sqrt = np.linalg.svd(a @ b.T, compute_uv=False).sum()
    diff = x1.astype(np.float64).mean(0) - x2.astype(np.float64).mean(0)
    return float(diff @ diff + (a * a).sum() + (b * b).sum() - 2 * tr_sqrt)


CASES = [
    dict(name="d64", dim=64, nA=500, nB=600, seedA=1, seedB=2, scaleB=1.3, shiftB=0.2, route="pytorch-fid"),
    dict(name="d256", dim=256, nA=1000, nB=900, seedA=3, seedB=4, scaleB=0.8, shiftB=0.1, route="pytorch-fid"),
    dict(name="d2048", dim=2048, nA=2500, nB=2600, seedA=5, seedB=6, scaleB=1.1, shiftB=0.05, route="pytorch-fid"),
    dict(name="d64-rank-deficient", dim=64, nA=40, nB=30, seedA=7, seedB=8, scaleB=1.2, shiftB=0.1, route="nuclear-norm"),
]

out = []
for c in CASES:
    xa = hash_features(c["seedA"], c["nA"], c["dim"])
    xb = hash_features(c["seedB"], c["nB"], c["dim"], c["scaleB"], c["shiftB"])
    if c["route"] == "pytorch-fid":
        m1, s1 = stats(xa)
        m2, s2 = stats(xb)
        value = calculate_frechet_distance(m1, s1, m2, s2)
    else:
        value = nuclear_route(xa, xb)
    out.append({**c, "expected": value, "checksumA": float(xa.astype(np.float64).sum())})
    print(c["name"], value, file=sys.stderr)

path = os.path.join(os.path.dirname(__file__), "..", "src", "fid", "__fixtures__", "pytorch-fid.json")
with open(path + ".tmp", "w") as f:
    json.dump({"generator": "packages/eval/scripts/make-fid-fixtures.py", "numpy": np.__version__,
               "cases": out}, f, indent=2)
os.replace(path + ".tmp", path)
