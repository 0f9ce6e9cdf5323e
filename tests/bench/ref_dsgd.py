#!/usr/bin/python3
"""NumPy + scipy.sparse side of the sim-dsgd benchmark: a straightforward D-SGD run, the way a
researcher would write it, on the problem and data that bench_sim.c gives the C engine.

  problem   non-convex logistic regression (docs/definitions.md §8): per agent, the mean over a
            minibatch of log(1 + exp(-b aᵀx)), plus λ Σ_k x_k²/(1 + x_k²), λ = 1e-3
  data      synthetic, the distribution of tmx_data_synth with hetero 0, noise 0.1: a ~ N(0, I_d),
            planted x* ~ N(0, I/d), b = sign(aᵀx* + 0.1 ε) (0 → +1); m samples per agent,
            contiguous shards (not bit-identical to the C generator: same shape and distribution)
  algorithm D-SGD, adapt-then-combine: x_i ← Σ_j w_ij (x_j − γ g_j), γ = 0.1, x_i(0) = 0, W the
            ring's Metropolis weights as a scipy.sparse CSR matrix, X an n × d array, minibatch
            rows drawn uniformly with replacement by numpy's Generator
  kernels   fancy indexing gathers the sampled rows, batched matmul does the dot products and the
            gradient sums, W @ X (scipy.sparse) the gossip

Usage: ref_dsgd.py N D M B ITERS RUNS [WARMUP]
Prints `info: ...` lines (versions, the BLAS NumPy loaded and its kernels) and one line
  result: ips=<median iterations/s> best=<...> runs=<...> gather=<share> grad=<share>
          gossip=<share> loss=<f(x̄) at the end> setup_s=<data generation seconds>
Iterations/s is the median over RUNS timed runs of ITERS iterations each, after WARMUP (3)
iterations; the shares come from one more run of min(ITERS, 20) iterations timed phase by phase.
OPENBLAS_CORETYPE is taken from the environment unchanged.
"""
import contextlib
import ctypes
import io
import os
import statistics
import sys
import time

import numpy as np
import scipy
import scipy.sparse as sp

LAMBDA = 1e-3
LR = 0.1
NOISE = 0.1


def openblas_info():
    """(kernel set, threads) of the OpenBLAS NumPy loaded, or ('unknown', '?')."""
    libs = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            if len(fields) >= 6 and "openblas" in fields[-1] and ".so" in fields[-1]:
                libs.add(fields[-1])
    for path in sorted(libs):
        try:
            lib = ctypes.CDLL(path)
            core = lib.openblas_get_corename
        except (OSError, AttributeError):
            continue
        core.restype = ctypes.c_char_p
        threads = "?"
        with contextlib.suppress(AttributeError):
            threads = str(lib.openblas_get_num_threads())
        return core().decode(), threads, path
    return "unknown", "?", ",".join(sorted(libs)) or "none found"


def numpy_blas_config():
    """The BLAS NumPy was built against, from numpy.show_config() (first 'libraries' line)."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        np.show_config()
    for line in buf.getvalue().splitlines():
        if "libraries" in line:
            return line.strip()
    return "?"


def make_data(n, m, d, seed=1):
    """A (n, m, d) and b (n, m): agent i's shard is A[i], b[i]."""
    rng = np.random.default_rng(seed)
    xstar = rng.standard_normal(d) / np.sqrt(d)
    a = rng.standard_normal((n * m, d))
    z = a @ xstar + NOISE * rng.standard_normal(n * m)
    b = np.where(z >= 0.0, 1.0, -1.0)
    return a.reshape(n, m, d), b.reshape(n, m)


def ring_metropolis(n):
    """Metropolis–Hastings weights of the undirected ring, CSR: w_ij = 1/(1 + max(deg_i, deg_j))
    on edges, w_ii = 1 − Σ_j w_ij (1/3 everywhere for n ≥ 3)."""
    edges = {(i, (i + 1) % n) for i in range(n) if (i + 1) % n != i}
    edges |= {(j, i) for i, j in edges}
    deg = np.zeros(n)
    for i, _ in edges:
        deg[i] += 1
    rows, cols, vals = [], [], []
    for i, j in sorted(edges):
        rows.append(i)
        cols.append(j)
        vals.append(1.0 / (1.0 + max(deg[i], deg[j])))
    w = sp.csr_matrix((vals, (rows, cols)), shape=(n, n))
    diag = 1.0 - np.asarray(w.sum(axis=1)).ravel()
    return (w + sp.diags(diag)).tocsr()


def gradients(x, a, b, idx, agents, timer=None):
    """Stochastic gradients of all agents: G[i] = ∇ of agent i's minibatch loss at x[i]."""
    t0 = time.perf_counter()
    ab = a[agents, idx]                                  # (n, B, d): gathered copy of the rows
    bb = b[agents, idx]                                  # (n, B)
    t1 = time.perf_counter()
    z = np.matmul(ab, x[:, :, None])[:, :, 0]            # (n, B) batched dot products
    s = -bb / (1.0 + np.exp(bb * z))                     # d/dz log(1 + e^{−bz})
    g = np.matmul(s[:, None, :], ab)[:, 0, :] / idx.shape[1]
    g += LAMBDA * 2.0 * x / (1.0 + x * x) ** 2           # regulariser
    if timer is not None:
        timer[0] += t1 - t0
        timer[1] += time.perf_counter() - t1
    return g


def step(x, a, b, w, rng, batch, agents, timer=None):
    idx = rng.integers(0, a.shape[1], size=(a.shape[0], batch))
    g = gradients(x, a, b, idx, agents, timer)
    t0 = time.perf_counter()
    x = w @ (x - LR * g)                                 # x_i ← Σ_j w_ij (x_j − γ g_j)
    if timer is not None:
        timer[2] += time.perf_counter() - t0
    return x


def loss_at_mean(x, a, b):
    """f(x̄) = (1/n) Σ_i mean over shard i of log(1 + e^{−b aᵀx̄}) + λ Σ x̄²/(1 + x̄²)."""
    xbar = x.mean(axis=0)
    z = a.reshape(-1, a.shape[2]) @ xbar
    data = np.logaddexp(0.0, -b.ravel() * z).mean()
    return data + LAMBDA * np.sum(xbar * xbar / (1.0 + xbar * xbar))


def main():
    if len(sys.argv) < 7:
        sys.exit("usage: ref_dsgd.py N D M B ITERS RUNS [WARMUP]")
    n, d, m, batch, iters, runs = (int(v) for v in sys.argv[1:7])
    warmup = int(sys.argv[7]) if len(sys.argv) > 7 else 3
    core, threads, lib = openblas_info()
    print(f"info: numpy {np.__version__}, scipy {scipy.__version__}; BLAS loaded: {lib}, kernels {core}, "
          f"{threads} threads; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}; "
          f"numpy.show_config: {numpy_blas_config()}")
    np.seterr(over="ignore")

    t0 = time.perf_counter()
    a, b = make_data(n, m, d)
    w = ring_metropolis(n)
    setup = time.perf_counter() - t0
    rng = np.random.default_rng(2)
    agents = np.arange(n)[:, None]
    x = np.zeros((n, d))

    for _ in range(warmup):
        x = step(x, a, b, w, rng, batch, agents)
    rates = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for _ in range(iters):
            x = step(x, a, b, w, rng, batch, agents)
        rates.append(iters / (time.perf_counter() - t0))
    timer = [0.0, 0.0, 0.0]
    for _ in range(min(iters, 20)):
        x = step(x, a, b, w, rng, batch, agents, timer)
    total = sum(timer)
    loss = loss_at_mean(x, a, b)
    print(f"result: ips={statistics.median(rates):.6g} best={max(rates):.6g} runs={runs} "
          f"all={','.join(f'{r:.4g}' for r in rates)} "
          f"gather={timer[0] / total:.3f} grad={timer[1] / total:.3f} gossip={timer[2] / total:.3f} "
          f"loss={loss:.10g} setup_s={setup:.3f} core={core} threads={threads}")


if __name__ == "__main__":
    main()
