"""Deterministic test features, bit-identical to scripts/hash-features.ts.

u[i, j] = (lowbias32(seed * 0x9E3779B9 + i * dim + j) + 0.5) / 2**32   (uint32 arithmetic)
f[i, j] = scale * ((u[i, j] - 0.5) + 0.5 * (u[i, j-1] - 0.5)) + shift * ((j % 5) / 5), as float32
"""
import numpy as np


def lowbias32(x):
    x = x.astype(np.uint32)
    x ^= x >> np.uint32(16)
    x *= np.uint32(0x7FEB352D)
    x ^= x >> np.uint32(15)
    x *= np.uint32(0x846CA68B)
    x ^= x >> np.uint32(16)
    return x


def hash_features(seed, n, dim, scale=1.0, shift=0.0):
    with np.errstate(over="ignore"):
        base = np.uint32((seed * 0x9E3779B9) & 0xFFFFFFFF)
        idx = (np.arange(n * dim, dtype=np.uint64) + np.uint64(base)) & np.uint64(0xFFFFFFFF)
        h = lowbias32(idx.astype(np.uint32))
    u = (h.astype(np.float64) + 0.5) / 4294967296.0
    u = u.reshape(n, dim) - 0.5
    prev = np.zeros_like(u)
    prev[:, 1:] = u[:, :-1]
    f = scale * (u + 0.5 * prev) + shift * ((np.arange(dim) % 5) / 5.0)
    return f.astype(np.float32)
