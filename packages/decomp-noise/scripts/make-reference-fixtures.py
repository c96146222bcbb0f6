#!/usr/bin/env python3
"""Reference values for @vsd/decomp-noise tests.

Re-implements the *published* formulas in numpy float64 (diffusers itself is
not installed here): diffusers scheduling_ddpm.py (linear, scaled_linear,
squaredcos_cap_v2 via betas_for_alpha_bar, sigmoid, rescale_zero_terminal_snr),
k-diffusion sampling.py::get_sigmas_karras, the Min-SNR-gamma weights of
diffusers' train_text_to_image.py, FlowMatchEulerDiscreteScheduler's static
shift, and the paper forms of the continuous schedules (REFERENCES.md §1).
It also reruns the DDPM tables the way diffusers does (torch float32
linspace/cumprod) and records the largest relative gap to float64, so the
tests can state how far upstream's float32 arithmetic is from the exact values.

Usage: /usr/bin/python3 packages/decomp-noise/scripts/make-reference-fixtures.py
Writes packages/decomp-noise/src/__fixtures__/reference.json.
"""
import json
import math
import os

import numpy as np
from scipy.special import ndtri, expit

T = 1000
IDX = [0, 1, 10, 100, 250, 499, 500, 750, 900, 998, 999]


def betas_for_alpha_bar(fn, n, max_beta=0.999):
    return np.array([min(1 - fn((i + 1) / n) / fn(i / n), max_beta) for i in range(n)], dtype=np.float64)


def ddpm_betas(kind, b0=1e-4, b1=0.02, n=T):
    if kind == "linear":
        return np.linspace(b0, b1, n, dtype=np.float64)
    if kind == "scaled_linear":
        return np.linspace(b0 ** 0.5, b1 ** 0.5, n, dtype=np.float64) ** 2
    if kind == "sigmoid":
        return expit(np.linspace(-6, 6, n)) * (b1 - b0) + b0
    if kind == "squaredcos_cap_v2":
        return betas_for_alpha_bar(lambda t: math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2, n)
    if kind == "laplace_paper":
        # Paper form, returning abar = sigmoid(lambda) (the fix of REFERENCES 6.1).
        def abar(t):
            if t < 0.5:
                lam = -0.5 * math.log(2 * t) if t > 0 else math.inf
            else:
                lam = 0.5 * math.log(2 - 2 * t) if t < 1 else -math.inf
            return float(expit(lam))
        return betas_for_alpha_bar(abar, n)
    raise ValueError(kind)


def diffusers_laplace_alpha_bar(t):
    # diffusers betas_for_alpha_bar(alpha_transform_type="laplace"), as published:
    # returns sqrt(snr/(1+snr)) = alpha where abar is expected.
    lmb = -0.5 * math.copysign(1, 0.5 - t) * math.log(1 - 2 * math.fabs(0.5 - t) + 1e-6)
    snr = math.exp(lmb)
    return math.sqrt(snr / (1 + snr))


def ztsnr(abar):
    r = np.sqrt(abar)
    r0, rT = r[0], r[-1]
    r = (r - rT) * r0 / (r0 - rT)
    return r ** 2


def torch_float32_alphas_cumprod(kind, b0=1e-4, b1=0.02):
    import torch
    if kind == "linear":
        betas = torch.linspace(b0, b1, T, dtype=torch.float32)
    elif kind == "scaled_linear":
        betas = torch.linspace(b0 ** 0.5, b1 ** 0.5, T, dtype=torch.float32) ** 2
    elif kind == "squaredcos_cap_v2":
        betas = torch.tensor(ddpm_betas("squaredcos_cap_v2"), dtype=torch.float32)
    else:
        raise ValueError(kind)
    return torch.cumprod(1.0 - betas, dim=0).double().numpy()


def karras(n, smin, smax, rho=7.0):
    ramp = np.linspace(0, 1, n)
    s = (smax ** (1 / rho) + ramp * (smin ** (1 / rho) - smax ** (1 / rho))) ** rho
    return np.concatenate([s, [0.0]])


def shift(s, sh):
    return sh * s / (1 + (sh - 1) * s)


def flow_single(steps, sh):
    return np.concatenate([shift(np.linspace(1, 1 / T, steps), sh), [0.0]])


def flow_diffusers_static(steps, sh):
    # FlowMatchEulerDiscreteScheduler as published (static shift): __init__ stores the
    # shifted sigma_min, set_timesteps linspaces to it and shifts again (diffusers #13243).
    sig = np.linspace(1, T, T)[::-1] / T
    sig = shift(sig, sh)
    smax, smin = sig[0], sig[-1]
    ts = np.linspace(smax * T, smin * T, steps)
    s = shift(ts / T, sh)
    return np.concatenate([s, [0.0]])


def min_snr(snr, gamma, pred):
    m = np.minimum(snr, gamma)
    if pred == "epsilon":
        return m / snr
    if pred == "x0":
        return m
    return m / (snr + 1)


def lst(a):
    return [float(x) for x in a]


out = {"T": T, "indices": IDX, "ddpm": {}, "float32Gap": {}}
for name, kind, b0, b1 in [
    ("linear", "linear", 1e-4, 0.02),
    ("scaled_linear", "scaled_linear", 1e-4, 0.02),
    ("scaled_linear_sd", "scaled_linear", 0.00085, 0.012),
    ("squaredcos_cap_v2", "squaredcos_cap_v2", 1e-4, 0.02),
    ("sigmoid", "sigmoid", 1e-4, 0.02),
    ("laplace", "laplace_paper", 1e-4, 0.02),
]:
    ab = np.cumprod(1 - ddpm_betas(kind, b0, b1))
    entry = {"betaStart": b0, "betaEnd": b1, "alphasCumprod": lst(ab[IDX]), "snr": lst((ab / (1 - ab))[IDX])}
    if kind in ("linear", "scaled_linear"):
        z = ztsnr(ab)
        entry["ztsnrAlphasCumprod"] = lst(z[IDX])
    out["ddpm"][name] = entry
    if kind in ("linear", "scaled_linear", "squaredcos_cap_v2"):
        f32 = torch_float32_alphas_cumprod(kind, b0, b1)
        out["float32Gap"][name] = float(np.max(np.abs(f32 - ab) / ab))

out["diffusersLaplaceMidpoint"] = {
    "alphaBar": diffusers_laplace_alpha_bar(0.5),
    "logSnr": math.log(diffusers_laplace_alpha_bar(0.5) / (1 - diffusers_laplace_alpha_bar(0.5))),
}

out["karras"] = [
    {"n": 18, "sigmaMin": 0.002, "sigmaMax": 80.0, "rho": 7.0, "sigmas": lst(karras(18, 0.002, 80.0))},
    {"n": 10, "sigmaMin": 0.0292, "sigmaMax": 14.6146, "rho": 7.0, "sigmas": lst(karras(10, 0.0292, 14.6146))},
    {"n": 5, "sigmaMin": 0.1, "sigmaMax": 10.0, "rho": 3.0, "sigmas": lst(karras(5, 0.1, 10.0, 3.0))},
]

snrs = [1e-4, 0.01, 0.5, 1.0, 4.9, 5.0, 5.1, 100.0, 1e4]
out["minSnr"] = {
    "gamma": 5.0,
    "snr": snrs,
    **{p: lst(min_snr(np.array(snrs), 5.0, p)) for p in ("epsilon", "x0", "v")},
}

out["flow"] = [
    {"steps": s, "shift": sh, "sigmas": lst(flow_single(s, sh)), "diffusersStatic": lst(flow_diffusers_static(s, sh))}
    for s, sh in [(28, 3.0), (10, 1.0), (50, 6.0)]
]

tg = [1e-4, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.9999]
lin = lambda t: -np.log(np.expm1(0.1 * t + 0.5 * 19.9 * t * t))
a, b = math.atan(math.exp(-15 / 2)), math.atan(math.exp(15 / 2))
cos_tr = lambda t: -2 * np.log(np.tan(a + t * (b - a)))
f = lambda t: np.cos((t + 0.008) / 1.008 * np.pi / 2) ** 2
cos_iddpm = lambda t: np.log(f(t) / (f(0) - f(t)))
lap = lambda t: np.where(np.array(t) < 0.5, -0.5 * np.log(2 * np.array(t)), 0.5 * np.log(2 - 2 * np.array(t)))
lap2 = lambda t: np.where(np.array(t) < 0.5, 1.5 - 2.5 * np.log(2 * np.array(t)), 1.5 + 2.5 * np.log(2 - 2 * np.array(t)))
lognorm = lambda t: 0.0 + 2.0 * ndtri(1 - np.array(t))  # m = 0, s = 1 -> N(0, 4)
edm = lambda t: 2.4 + 2.4 * ndtri(1 - np.array(t))
flow3 = lambda t: -2 * np.log(np.array(t) / (1 - np.array(t))) - 2 * np.log(3.0)
a0 = np.sqrt(0.00085); b_ = np.sqrt(0.012) - a0
q_sl = lambda t: 1000 * ((a0 + b_ * t) ** 3 - a0 ** 3) / (3 * b_)
sl = lambda t: -np.log(np.expm1(q_sl(np.array(t))))
vs, ve = expit(-3.0), expit(3.0)
rin = lambda t: np.log((ve - expit(np.array(t) * 6 - 3)) / (expit(np.array(t) * 6 - 3) - vs))
tt = np.array(tg)
out["continuous"] = {
    "t": tg,
    "linear": lst(lin(tt)),
    "scaled_linear": lst(sl(tt)),
    "cosine": lst(cos_tr(tt)),
    "cosine_iddpm": lst(cos_iddpm(tt)),
    "sigmoid_rin": lst(rin(tt)),
    "laplace": lst(lap(tt)),
    "laplace_mu1.5_b2.5": lst(lap2(tt)),
    "logit_normal": lst(lognorm(tt)),
    "edm": lst(edm(tt)),
    "flow_shift3": lst(flow3(tt)),
}

path = os.path.join(os.path.dirname(__file__), "..", "src", "__fixtures__", "reference.json")
with open(path + ".tmp", "w") as fh:
    json.dump(out, fh, indent=1)
os.replace(path + ".tmp", path)
print("float32 gap (max relative |abar_f32 - abar_f64| / abar):", out["float32Gap"])
print("diffusers laplace midpoint:", out["diffusersLaplaceMidpoint"])
print("wrote", os.path.normpath(path))
