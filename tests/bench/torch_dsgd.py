"""Eager PyTorch D-SGD of bench_device.c's configurations, for scripts/gpu-check.sh: n agents on a
ring (weights 1/3), lsq-nc (f_i(x) = (1/2)(a_i.x - b_i)^2 + lam sum x^2/(1+x^2), one sample per agent,
batch 1), the local step then the gossip, written as one would in PyTorch (whole-state tensor ops, no
custom kernels). Prints iterations/s per configuration."""
import time

import torch


def run(n, d, dtype, steps):
    dev = torch.device("cuda")
    g = torch.Generator(device=dev).manual_seed(7)
    try:
        A = torch.randn(n, d, device=dev, dtype=dtype, generator=g)
        b = torch.randn(n, device=dev, dtype=dtype, generator=g)
        X = torch.zeros(n, d, device=dev, dtype=dtype)
    except torch.cuda.OutOfMemoryError:
        print(f"torch n={n} x d={d}: skipped, does not fit")
        return
    lr, lam = 0.01, 1e-3

    def step(X):
        z = (A * X).sum(1) - b                          # margins, one sample per agent
        G = z[:, None] * A + lam * 2 * X / (1 + X * X) ** 2
        Y = X - lr * G                                  # local step
        return (Y + torch.roll(Y, 1, 0) + torch.roll(Y, -1, 0)) / 3  # ring gossip

    X = step(X)
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        X = step(X)
    torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    print(f"torch n={n} x d={d} {'f32' if dtype == torch.float32 else 'f64'}: {steps / dt:.4g} it/s")
    del A, b, X
    torch.cuda.empty_cache()


if __name__ == "__main__":
    run(1024, 100000, torch.float32, 50)
    run(1024, 1000000, torch.float32, 20)
    run(1000000, 100, torch.float32, 20)
    run(1000000, 100, torch.float64, 20)
