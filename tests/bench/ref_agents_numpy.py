#!/usr/bin/python3
"""Vectorised NumPy + scipy.sparse reference of the many-agents benchmark (bench_agents.py): the run
of `topomix sim --algo dsgd --problem lsq-nc --topology ring -n N --dim D --samples M --batch B`,
written the way a researcher would vectorise it over the agents.

  problem   lsq-nc (docs/definitions.md §8): per agent, the mean over a minibatch of
            ½ (aᵀx − b)², plus λ Σ_k x_k²/(1 + x_k²), λ = 1e-3 (topomix's default --reg)
  data      the distribution of topomix's synthetic regression data (hetero 0, noise 0.1):
            a ~ N(0, I_d), planted x* ~ N(0, I/d), b = aᵀx* + 0.1 ε; M samples per agent in
            contiguous shards (other draws of the same distribution, not topomix's bytes)
  algorithm D-SGD, adapt-then-combine: x_i ← Σ_j w_ij (x_j − γ g_j), γ = 0.1 (topomix's default
            --lr), x_i(0) = 0, W the ring's Metropolis weights (1/3 on i−1, i, i+1); each agent
            draws B rows of its shard uniformly with replacement per iteration
  kernels   one gather (np.take: 8 ms against fancy indexing's 21 ms at n = 10⁵, d = 10, B = 4) of the n·B sampled rows
            into an (n, B, d) array, batched einsum for the margins and the gradient sums (faster
            than np.matmul on these tiny matrices), and W @ X with W a scipy.sparse CSR
            matrix ("sparse") or, for the ring alone, three rolled copies of X ("roll"); with
            --gossip auto (default) a short pilot of each picks the faster one

Usage: ref_agents_numpy.py N D M B [--iters T | --seconds S] [--gossip auto|sparse|roll] [--check]
Only the iteration loop is timed (not the imports, data generation or W's construction). Prints
`info: ...` and one line
  result: ips=<iterations/s> iters=<T> gossip=<kind> pilot_sparse=<it/s> pilot_roll=<it/s>
          loss=<f(x̄) at the end> setup_s=<data generation seconds>
--check instead compares one vectorised step with a per-agent loop over the definition on a
small ring (exit status 1 when they differ by more than 1e-12 relative).
"""
import os
import sys
import time

import ref_agents_cli
import numpy as np
import scipy
import scipy.sparse as sp

LAMBDA = 1e-3
LR = 0.1
NOISE = 0.1


def make_data(n, m, d, seed=1):
    """A (n·m, d) and y (n·m): agent i's shard is rows i·m … i·m + m − 1."""
    rng = np.random.default_rng(seed)
    xstar = rng.standard_normal(d) / np.sqrt(d)
    a = rng.standard_normal((n * m, d))
    y = a @ xstar + NOISE * rng.standard_normal(n * m)
    return a, y


def ring_metropolis(n):
    """The ring's Metropolis weights as CSR: 1/3 on i−1, i, i+1 (n ≥ 3)."""
    i = np.arange(n)
    rows = np.repeat(i, 3)
    cols = np.stack([(i - 1) % n, i, (i + 1) % n], axis=1).ravel()
    return sp.csr_matrix((np.full(3 * n, 1.0 / 3.0), (rows, cols)), shape=(n, n))


def step(x, a, y, w, rng, m, batch, base, gossip):
    """One D-SGD iteration of every agent; returns the new state."""
    n = x.shape[0]
    rows = base + rng.integers(0, m, size=(n, batch))      # (n, B) global row numbers
    ab = np.take(a, rows, axis=0)                          # (n, B, d) gathered rows
    r = (np.einsum("nbd,nd->nb", ab, x) - np.take(y, rows)) * (1.0 / batch)   # residuals / B
    g = np.einsum("nb,nbd->nd", r, ab)                     # Σ_b r_b a_b
    g += (2.0 * LAMBDA) * x / (1.0 + x * x) ** 2           # the regulariser's gradient
    v = x - LR * g
    if gossip == "roll":
        return (np.roll(v, 1, axis=0) + v + np.roll(v, -1, axis=0)) * (1.0 / 3.0)
    return w @ v


def loss_at_mean(x, a, y):
    """f(x̄) = (1/(n m)) Σ ½ (aᵀx̄ − b)² + λ Σ x̄²/(1 + x̄²)."""
    xbar = x.mean(axis=0)
    res = a @ xbar - y
    return 0.5 * np.mean(res * res) + LAMBDA * np.sum(xbar * xbar / (1.0 + xbar * xbar))


def check():
    """One vectorised step against a per-agent loop over the definition, same draws."""
    n, d, m, batch = 7, 5, 6, 3
    a, y = make_data(n, m, d, seed=3)
    w = ring_metropolis(n)
    x = np.random.default_rng(4).standard_normal((n, d))
    base = (np.arange(n) * m)[:, None]
    worst = 0.0
    for gossip in ("sparse", "roll"):
        got = step(x, a, y, w, np.random.default_rng(5), m, batch, base, gossip)
        idx = np.random.default_rng(5).integers(0, m, size=(n, batch))
        v = np.empty_like(x)
        for i in range(n):
            g = np.zeros(d)
            for b in range(batch):
                row = a[i * m + idx[i, b]]
                g += (row @ x[i] - y[i * m + idx[i, b]]) * row / batch
            g += 2.0 * LAMBDA * x[i] / (1.0 + x[i] ** 2) ** 2
            v[i] = x[i] - LR * g
        want = np.array([(v[(i - 1) % n] + v[i] + v[(i + 1) % n]) / 3.0 for i in range(n)])
        err = np.max(np.abs(got - want)) / np.max(np.abs(want))
        print(f"check: numpy {gossip} gossip, relative difference {err:.2e}")
        worst = max(worst, err)
    return 0 if worst <= 1e-12 else 1


def rate(x, a, y, w, rng, m, batch, base, gossip, iters):
    return ref_agents_cli.rate(step, x, iters, a, y, w, rng, m, batch, base, gossip)


def main():
    o = ref_agents_cli.parse(__doc__, "ref_agents_numpy.py")
    if o.check:
        sys.exit(check())
    n, d, m, batch = o.N, o.D, o.M, o.B
    print(f"info: numpy {np.__version__}, scipy {scipy.__version__}, float64, "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    t0 = time.perf_counter()
    a, y = make_data(n, m, d)
    w = ring_metropolis(n)
    setup = time.perf_counter() - t0
    rng = np.random.default_rng(2)
    base = (np.arange(n) * m)[:, None]
    x = np.zeros((n, d))
    x, pilot = rate(x, a, y, w, rng, m, batch, base, "sparse", 2)  # warm-up
    pilots = {}
    for kind in ("sparse", "roll"):
        if o.gossip in ("auto", kind):
            k = max(2, min(200, int(0.25 * pilot)))
            x, pilots[kind] = rate(x, a, y, w, rng, m, batch, base, kind, k)
    gossip = max(pilots, key=pilots.get)
    iters = o.iters if o.iters > 0 else max(3, int(o.seconds * pilots[gossip]))
    x, ips = rate(x, a, y, w, rng, m, batch, base, gossip, iters)
    print(f"result: ips={ips:.6g} iters={iters} gossip={gossip} "
          f"pilot_sparse={pilots.get('sparse', float('nan')):.4g} pilot_roll={pilots.get('roll', float('nan')):.4g} "
          f"loss={loss_at_mean(x, a, y):.8g} setup_s={setup:.3f}")


if __name__ == "__main__":
    main()
