#!/usr/bin/python3
"""PyTorch (CPU) reference of the many-agents benchmark (bench_agents.py): the same run as
ref_agents_numpy.py — `topomix sim --algo dsgd --problem lsq-nc --topology ring -n N --dim D
--samples M --batch B`, lsq-nc with λ = 1e-3, γ = 0.1, x(0) = 0, the ring's Metropolis weights,
B rows per agent drawn uniformly with replacement from its contiguous shard of M synthetic samples
(a ~ N(0, I), b = aᵀx* + 0.1 ε) — in float64 tensors under torch.inference_mode().

  kernels   torch.randint for the draws, one index_select gather of the n·B sampled rows into an
            (n, B, d) tensor, torch.bmm for the margins, einsum for the gradient sums, and the
            gossip as torch.sparse.mm with W a coalesced COO tensor ("sparse", faster than CSR
            in 1.13) or, for the ring alone, three rolled copies ("roll"); with --gossip auto
            (default) a short pilot of each picks the faster one

Usage: ref_agents_torch.py N D M B [--iters T | --seconds S] [--threads K] [--gossip auto|sparse|roll]
       (without --threads, short pilots pick the faster of 1 thread and all CPUs)
       ref_agents_torch.py --check
Only the iteration loop is timed (not the import, data generation or W's construction). Prints
`info: ...` and one line
  result: ips=<iterations/s> iters=<T> gossip=<kind> threads=<K> pilot_<kind>_<K>t=<it/s> ...
          loss=<f(x̄) at the end> setup_s=<data generation seconds>
Without torch it prints `result: unavailable (...)` and exits 0, so that a benchmark goes on.
--check compares one step with a per-agent loop over the definition (exit 1 beyond 1e-12).
"""
import os
import sys
import time

import ref_agents_cli
try:
    import torch
except ImportError as e:  # the benchmark goes on without this reference
    print(f"result: unavailable (no PyTorch: {e}; Debian's python3-torch provides it)")
    sys.exit(0)

LAMBDA = 1e-3
LR = 0.1
NOISE = 0.1


def make_data(n, m, d, seed=1):
    """A (n·m, d) and y (n·m) in float64: agent i's shard is rows i·m … i·m + m − 1."""
    g = torch.Generator().manual_seed(seed)
    xstar = torch.randn(d, generator=g, dtype=torch.float64) / d ** 0.5
    a = torch.randn(n * m, d, generator=g, dtype=torch.float64)
    y = a @ xstar + NOISE * torch.randn(n * m, generator=g, dtype=torch.float64)
    return a, y


def ring_metropolis(n):
    """The ring's Metropolis weights (1/3 on i−1, i, i+1) as a coalesced sparse COO tensor."""
    i = torch.arange(n)
    idx = torch.stack([torch.repeat_interleave(i, 3), torch.stack([(i - 1) % n, i, (i + 1) % n], 1).reshape(-1)])
    return torch.sparse_coo_tensor(idx, torch.full((3 * n,), 1.0 / 3.0, dtype=torch.float64), (n, n)).coalesce()


def step(x, a, y, w, gen, m, batch, base, gossip):
    """One D-SGD iteration of every agent; returns the new state."""
    n, d = x.shape
    rows = (base + torch.randint(0, m, (n, batch), generator=gen)).view(-1)
    ab = a.index_select(0, rows).view(n, batch, d)
    r = (torch.bmm(ab, x.unsqueeze(2)).view(n, batch) - y.index_select(0, rows).view(n, batch)) * (1.0 / batch)
    g = torch.einsum("nb,nbd->nd", r, ab)
    g += (2.0 * LAMBDA) * x / (1.0 + x * x) ** 2
    v = x - LR * g
    if gossip == "roll":
        return (torch.roll(v, 1, 0) + v + torch.roll(v, -1, 0)) * (1.0 / 3.0)
    return torch.sparse.mm(w, v)


def loss_at_mean(x, a, y):
    xbar = x.mean(0)
    res = a @ xbar - y
    return float(0.5 * (res * res).mean() + LAMBDA * (xbar * xbar / (1.0 + xbar * xbar)).sum())


def check():
    n, d, m, batch = 7, 5, 6, 3
    a, y = make_data(n, m, d, seed=3)
    w = ring_metropolis(n)
    x = torch.randn(n, d, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    base = (torch.arange(n) * m)[:, None]
    worst = 0.0
    for gossip in ("sparse", "roll"):
        got = step(x, a, y, w, torch.Generator().manual_seed(5), m, batch, base, gossip)
        idx = torch.randint(0, m, (n, batch), generator=torch.Generator().manual_seed(5))
        v = torch.empty_like(x)
        for i in range(n):
            g = torch.zeros(d, dtype=torch.float64)
            for b in range(batch):
                row = a[i * m + idx[i, b]]
                g += (row @ x[i] - y[i * m + idx[i, b]]) * row / batch
            g += 2.0 * LAMBDA * x[i] / (1.0 + x[i] ** 2) ** 2
            v[i] = x[i] - LR * g
        want = torch.stack([(v[(i - 1) % n] + v[i] + v[(i + 1) % n]) / 3.0 for i in range(n)])
        err = float((got - want).abs().max() / want.abs().max())
        print(f"check: torch {gossip} gossip, relative difference {err:.2e}")
        worst = max(worst, err)
    return 0 if worst <= 1e-12 else 1


def rate(x, a, y, w, gen, m, batch, base, gossip, iters):
    return ref_agents_cli.rate(step, x, iters, a, y, w, gen, m, batch, base, gossip)


def main():
    o = ref_agents_cli.parse(__doc__, "ref_agents_torch.py", lambda ap: ap.add_argument(
        "--threads", type=int, default=0, help="torch.set_num_threads (default: the faster of 1 and all)"))
    if o.threads > 0:
        torch.set_num_threads(o.threads)
    with torch.inference_mode():
        if o.check:
            sys.exit(check())
        n, d, m, batch = o.N, o.D, o.M, o.B
        print(f"info: torch {torch.__version__} (default {torch.get_num_threads()} threads), float64, "
              f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '(unset)')}")
        t0 = time.perf_counter()
        a, y = make_data(n, m, d)
        w = ring_metropolis(n)
        setup = time.perf_counter() - t0
        gen = torch.Generator().manual_seed(2)
        base = (torch.arange(n) * m)[:, None]
        x = torch.zeros(n, d, dtype=torch.float64)
        x, pilot = rate(x, a, y, w, gen, m, batch, base, "sparse", 2)  # warm-up
        # pilots of each gossip and, without --threads, of 1 and of all CPUs (on a shared machine
        # torch's OpenMP team can lose 5× to a busy neighbour): the faster pair is timed
        pilots = {}
        for nthr in [o.threads] if o.threads > 0 else sorted({1, os.cpu_count() or 1}):
            torch.set_num_threads(nthr)
            for kind in ("sparse", "roll"):
                if o.gossip in ("auto", kind):
                    k = max(2, min(200, int(0.25 * pilot)))
                    x, pilots[(kind, nthr)] = rate(x, a, y, w, gen, m, batch, base, kind, k)
        gossip, nthr = max(pilots, key=pilots.get)
        torch.set_num_threads(nthr)
        iters = o.iters if o.iters > 0 else max(3, int(o.seconds * pilots[(gossip, nthr)]))
        x, ips = rate(x, a, y, w, gen, m, batch, base, gossip, iters)
        shown = " ".join(f"pilot_{k}_{t}t={v:.4g}" for (k, t), v in sorted(pilots.items()))
        print(f"result: ips={ips:.6g} iters={iters} gossip={gossip} threads={nthr} {shown} "
              f"loss={loss_at_mean(x, a, y):.8g} setup_s={setup:.3f}")


if __name__ == "__main__":
    main()
