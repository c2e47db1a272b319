#!/usr/bin/env python3
"""The local statistic's per-observation update in vectorized NumPy, for comparison with
`ggmwatch bench --suite stream` (issue "Scale"): the same sparse reference (about 5 nonzeros per
row, diagonally dominant), window 50, the standardized entries E updated by the rank-2 term of the
whitened observation entering and the one leaving, and max |E| read at every step.

Two NumPy forms are timed: the full p x p matrix (two outer products, an absolute maximum: what a
NumPy user would write) and the packed upper triangle (the same p(p+1)/2 entries ggmwatch keeps,
through precomputed index arrays). Usage: python3 scripts/numpy-local-update.py [p ...]
"""
import sys
import time

import numpy as np


def reference(p, seed):
    rng = np.random.default_rng(seed)
    probability = min(1.0, 4.0 / max(p - 1, 1))
    omega = np.zeros((p, p))
    iu = np.triu_indices(p, 1)
    mask = rng.random(len(iu[0])) < probability
    i, j = iu[0][mask], iu[1][mask]
    v = rng.choice([-1.0, 1.0], size=len(i)) * (0.2 + 0.2 * rng.random(len(i)))
    omega[i, j] = v
    omega[j, i] = v
    omega[np.arange(p), np.arange(p)] = 1 + np.abs(omega).sum(1)
    return omega


def run(p, window=50, steps=400, seed=1):
    omega = reference(p, seed)
    rng = np.random.default_rng(seed + 1)
    chol = np.linalg.cholesky(omega)
    x = np.linalg.solve(chol.T, rng.standard_normal((p, window + steps))).T
    z = x @ omega                                        # whitened rows
    a = 1 / np.sqrt(np.sqrt(window) * np.diag(omega))
    zs = z * a                                           # z' = a * z
    # E of the first full window: off the support sum z'_u z'_v; on it (c - w Omega) / (sqrt(w) V)
    sd = np.sqrt(np.outer(np.diag(omega), np.diag(omega)) + omega ** 2)
    full = zs[:window].T @ zs[:window]
    support = omega != 0
    c = z[:window].T @ z[:window]
    full[support] = ((c - window * omega) / (np.sqrt(window) * sd))[support]
    correction = np.where(support, 1 / (np.sqrt(window) * sd) / np.outer(a, a) - 1, 0.0)
    iu = np.triu_indices(p)
    packed = full[iu].copy()
    correction_packed = correction[iu]

    def full_step(t, e):
        n, o = zs[t], zs[t - window]
        d = np.outer(n, n) - np.outer(o, o)
        e += d + correction * d
        return np.abs(e).max()

    def packed_step(t, e):
        n, o = zs[t], zs[t - window]
        d = n[iu[0]] * n[iu[1]] - o[iu[0]] * o[iu[1]]
        e += d + correction_packed * d
        return np.abs(e).max()

    results = {}
    for name, step, state in (("full p x p", full_step, full), ("packed upper triangle", packed_step, packed)):
        e = state.copy()
        start = time.perf_counter()
        for t in range(window, window + steps):
            step(t, e)
        results[name] = steps / (time.perf_counter() - start)
    return results


if __name__ == "__main__":
    for p in [int(a) for a in sys.argv[1:]] or [100, 452]:
        for name, rate in run(p).items():
            print(f"p = {p}: NumPy {name}: {rate:,.0f} windows/s")
