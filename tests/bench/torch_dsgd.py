"""Eager PyTorch D-SGD of bench_device.c's configurations, for scripts/gpu-check.sh: n agents on a
ring (weights 1/3), lsq-nc (f_i(x) = (1/2)(a_i.x - b_i)^2 + lam sum x^2/(1+x^2), one sample per agent,
batch 1), the local step then the gossip, written as one would in PyTorch (whole-state tensor ops, no
custom kernels). Prints one line per configuration, "= n=N x d=D PREC: torch R it/s" (the format of
bench_device's lines, which gpu-check.sh pairs with them), or why it was skipped.
Usage: python3 tests/bench/torch_dsgd.py [--small]   (--small: bench_device's default sizes)"""
import sys
import time

import torch


def run(n, d, dtype, steps):
    name = f"n={n} x d={d} {'f32' if dtype == torch.float32 else 'f64'}"
    dev = torch.device("cuda")
    g = torch.Generator(device=dev).manual_seed(7)
    lr, lam = 0.01, 1e-3

    def step(X, A, b):
        z = (A * X).sum(1) - b                          # margins, one sample per agent
        G = z[:, None] * A + lam * 2 * X / (1 + X * X) ** 2
        Y = X - lr * G                                  # local step
        return (Y + torch.roll(Y, 1, 0) + torch.roll(Y, -1, 0)) / 3  # ring gossip

    try:
        A = torch.randn(n, d, device=dev, dtype=dtype, generator=g)
        b = torch.randn(n, device=dev, dtype=dtype, generator=g)
        X = torch.zeros(n, d, device=dev, dtype=dtype)
        X = step(X, A, b)
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(steps):
            X = step(X, A, b)
        torch.cuda.synchronize()
        dt = time.perf_counter() - t0
        print(f"= {name}: torch {steps / dt:.4g} it/s", flush=True)
    except torch.cuda.OutOfMemoryError:
        print(f"= {name}: torch skipped, does not fit on the GPU", flush=True)
    finally:
        A = b = X = None
        torch.cuda.empty_cache()


if __name__ == "__main__":
    if "--small" in sys.argv[1:]:
        run(64, 20000, torch.float32, 5)
        run(20000, 10, torch.float64, 5)
    else:
        run(1024, 100000, torch.float32, 50)
        run(1024, 1000000, torch.float32, 20)
        run(1000000, 100, torch.float32, 20)
        run(1000000, 100, torch.float64, 20)
