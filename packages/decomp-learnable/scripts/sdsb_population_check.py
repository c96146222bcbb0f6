"""Independent numpy reference for src/sdsb/gaussian-ipf.ts (populationSdsb).

A reference tool only (not a dependency): run `python3 scripts/sdsb_population_check.py`
from packages/decomp-learnable. Unlike the TypeScript version, which propagates
moments step by step, this builds each chain's full joint covariance over all
N + 1 positions and conditions on it with block formulas. The reciprocal
projection is built by sampling-free moment algebra of
x_k = (1 - tau_k) x_0 + tau_k x_N + sqrt(v_k (V - v_k) / V) xi.
Prints covariance error, mean error and W2 of B's data side after the
flow-matching init and after each IPF iteration, and F's prior side.
"""
import numpy as np
from scipy.linalg import sqrtm

I = np.eye(2)
PRIOR = (np.zeros(2), np.eye(2))
TARGET = (np.array([2.0, -1.0]), np.array([[1.5, 0.9], [0.9, 1.0]]))


def joint(m_start, c_start, kernels):
    """Means and full joint covariance of x_{i+1} = A_i x_i + c_i + sqrt(q_i) xi, in visiting order."""
    n = len(kernels)
    mean = [m_start]
    cov = np.zeros((2 * (n + 1), 2 * (n + 1)))
    cov[:2, :2] = c_start
    for i, (a, c, q) in enumerate(kernels):
        mean.append(a @ mean[i] + c)
        prev = cov[2 * i:2 * i + 2, :2 * (i + 1)]
        cov[2 * i + 2:2 * i + 4, :2 * (i + 1)] = a @ prev
        cov[:2 * (i + 1), 2 * i + 2:2 * i + 4] = (a @ prev).T
        cov[2 * i + 2:2 * i + 4, 2 * i + 2:2 * i + 4] = a @ cov[2 * i:2 * i + 2, 2 * i:2 * i + 2] @ a.T + (q if np.ndim(q) == 2 else q * I)
    return mean, cov


def blk(c, i, j):
    return c[2 * i:2 * i + 2, 2 * j:2 * j + 2]


def conditional(my, mx, cyx, vx):
    a = cyx @ np.linalg.inv(vx)
    return a, my - a @ mx


def bridge_regression(m0, c00, mN, cNN, c0N, tau, var, endpoint):
    """E[endpoint | x_k] = a x_k + c under the reciprocal projection, and Cov(endpoint | x_k)."""
    mk = (1 - tau) * m0 + tau * mN
    vk = (1 - tau) ** 2 * c00 + tau ** 2 * cNN + tau * (1 - tau) * (c0N + c0N.T) + var * I
    if endpoint == "x0":
        cyx, cyy = (1 - tau) * c00 + tau * c0N, c00
        a, c = conditional(m0, mk, cyx, vk)
    else:
        cyx, cyy = (1 - tau) * c0N.T + tau * cNN, cNN
        a, c = conditional(mN, mk, cyx, vk)
    return a, c, cyy - a @ cyx.T


def w2(m1, c1, m2, c2):
    r = sqrtm(c2)
    cross = np.real(sqrtm(r @ c1 @ r))
    return np.sqrt(max(0.0, np.sum((m1 - m2) ** 2) + np.trace(c1 + c2 - 2 * cross)))


def population(target, gammas, iterations, pairs="bridge", full_variance=False, fm_clock="tau"):
    """full_variance (terminal, bridge pairs): the step's noise is the exact discrete
    Markov projection's, bridge variance + w^2 Cov(endpoint | x_k), instead of the
    bridge variance alone (what a mean-predicting network can do).
    fm_clock (terminal/flow): "tau" interpolates flow matching at t = tau_k (as the
    TypeScript code); "k/N" at t = k/N while the step uses tau (the mismatch)."""
    g = np.asarray(gammas, float)
    n = len(g)
    v = np.concatenate([[0.0], np.cumsum(2 * g)])
    big_v = v[-1]
    previous = target == "previous"
    clock = np.arange(n + 1) / n if previous else v / big_v
    (m0, s0), (m1, s1) = PRIOR, TARGET

    def b_bridge(k, a, c, resid=None):  # step from k towards x_N = a x + c
        d = v[k + 1] - v[k]
        w = d / (big_v - v[k])
        q = d * (big_v - v[k + 1]) / (big_v - v[k]) * I
        return I + w * (a - I), w * c, q + (w * w * resid if full_variance and resid is not None else 0)

    def f_bridge(k, a, c, resid=None):  # step from k towards x_0 = a x + c
        d = v[k] - v[k - 1]
        w = d / v[k]
        q = d * v[k - 1] / v[k] * I
        return I + w * (a - I), w * c, q + (w * w * resid if full_variance and resid is not None else 0)

    kernels = []
    for k in range(n):
        t = k / n if fm_clock == "k/N" else clock[k]
        vt = (1 - t) ** 2 * s0 + t * t * s1
        a, c = conditional(m1 - m0, (1 - t) * m0 + t * m1, t * s1 - (1 - t) * s0, vt)
        if previous:
            kernels.append((I + a / n, c / n, 2 * g[k] if k < n - 1 else 0.0))
        else:
            kernels.append(b_bridge(k, I + (1 - t) * a, (1 - t) * c))
    mb, cb = joint(m0, s0, kernels)
    data, prior = [(mb[n], blk(cb, n, n))], []
    for _ in range(iterations):
        f = {}
        for k in range(1, n + 1):
            if previous:
                a, c = conditional(mb[k - 1], mb[k], blk(cb, k - 1, k), blk(cb, k, k))
                f[k] = (a, c, 2 * g[k - 1] if k > 1 else 0.0)
            elif pairs == "trajectory":
                f[k] = f_bridge(k, *conditional(mb[0], mb[k], blk(cb, 0, k), blk(cb, k, k)))
            else:
                var = v[k] * (big_v - v[k]) / big_v
                f[k] = f_bridge(k, *bridge_regression(mb[0], blk(cb, 0, 0), mb[n], blk(cb, n, n), blk(cb, 0, n), clock[k], var, "x0"))
        mf, cf = joint(m1, s1, [f[n - i] for i in range(n)])  # visiting i = position n - i
        prior.append((mf[n], blk(cf, n, n)))
        kernels = []
        for k in range(n):
            i = n - k
            if previous:
                a, c = conditional(mf[i - 1], mf[i], blk(cf, i - 1, i), blk(cf, i, i))
                kernels.append((a, c, 2 * g[k] if k < n - 1 else 0.0))
            elif pairs == "trajectory":
                kernels.append(b_bridge(k, *conditional(mf[0], mf[i], blk(cf, 0, i), blk(cf, i, i))))
            else:
                var = v[k] * (big_v - v[k]) / big_v
                kernels.append(b_bridge(k, *bridge_regression(mf[n], blk(cf, n, n), mf[0], blk(cf, 0, 0), blk(cf, n, 0), clock[k], var, "xN")))
        mb, cb = joint(m0, s0, kernels)
        data.append((mb[n], blk(cb, n, n)))
    return data, prior


def report(name, target, gammas, iterations, pairs="bridge", full_variance=False, fm_clock="tau"):
    data, prior = population(target, gammas, iterations, pairs, full_variance, fm_clock)
    cov = [np.linalg.norm(c - TARGET[1]) for _, c in data]
    mean = [np.linalg.norm(m - TARGET[0]) for m, _ in data]
    w = [w2(m, c, *TARGET) for m, c in data]
    pc = [np.linalg.norm(c - PRIOR[1]) for _, c in prior]
    f = lambda xs: " ".join(f"{x:.4f}" for x in xs)
    print(f"{name}: cov {f(cov)} | W2 {f(w)} | max mean err {max(mean):.1e} | F prior cov {f(pc)}")


if __name__ == "__main__":
    ramp = np.concatenate([np.linspace(1e-4, 1e-3, 8), np.linspace(1e-3, 1e-4, 8)])
    for target in ["previous", "terminal"]:
        for g in [0.02, 0.03]:
            report(f"{target} g={g} N=8", target, [g] * 8, 3)
    report("terminal g=0.02 N=8 trajectory pairs", "terminal", [0.02] * 8, 3, "trajectory")
    report("terminal g=0.02 N=8, 40 iterations (last 2)", "terminal", [0.02] * 8, 40)
    report("terminal g=0.03 N=8, 40 iterations", "terminal", [0.03] * 8, 40)
    report("terminal g=0.02 N=8, exact discrete step variance, 40 iterations", "terminal", [0.02] * 8, 40, full_variance=True)
    report("terminal ramp 1e-4..1e-3 N=16, 10 iterations", "terminal", ramp, 10)
    report("terminal ramp 1e-4..1e-3 N=16, flow matching at k/N", "terminal", ramp, 3, fm_clock="k/N")
    report("previous ramp 1e-4..1e-3 N=16", "previous", ramp, 3)
    report("terminal ramp 2e-3..2e-2 N=16, 10 iterations", "terminal", 20 * ramp, 10)
    report("previous ramp 2e-3..2e-2 N=16, 10 iterations", "previous", 20 * ramp, 10)
