#!/usr/bin/python3
"""NumPy side of the dense-eig benchmark: numpy.linalg.eigvalsh (LAPACK dsyevd, eigenvalues only) on
a random symmetric, nearly doubly stochastic n x n matrix (the kind bench_dense.c builds).

Usage: bench_dense.py N [RUNS]   (RUNS defaults to 3)
Prints one line: seconds=<median> core=<OpenBLAS kernels> numpy=<version> maxabs=<max |lambda|>

       bench_dense.py eigvalsh FILE.mtx [RUNS]
numpy.linalg.eigvalsh on the dense W - J of the W in FILE.mtx, the largest |eigenvalue|.

       bench_dense.py gram FILE.mtx [RUNS]
beta = ||W - J||_2 of the W in FILE.mtx by SciPy's eigh subset on the Gram matrix: the top
eigenvalue of (W - J)^T (W - J) (dense product, then LAPACK dsyevr with an index range).

       bench_dense.py eigsh FILE.mtx [RUNS]
rho(W - J) of a symmetric W by scipy.sparse.linalg.eigsh on the operator x -> W x - mean(x),
with our parameters: k = 1, which = 'LM', ncv = 32, tol = 1e-12, eigenvalues only.
These print: seconds=<median> core=<kernels> numpy=<version> maxabs=<value> cpu=<least CPU time>
The kernels are OpenBLAS's choice unless OPENBLAS_CORETYPE is set in the environment.
"""
import ctypes
import statistics
import sys
import time

import numpy as np


def openblas_core():
    """The kernel set of the OpenBLAS that NumPy loaded, or 'unknown'."""
    libs = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            if "openblas" in path and ".so" in path:
                libs.add(path)
    for path in sorted(libs):
        try:
            fn = ctypes.CDLL(path).openblas_get_corename
        except (OSError, AttributeError):
            continue
        fn.restype = ctypes.c_char_p
        return fn().decode()
    return "unknown"


def matrix(n, seed=1):
    """Entries U(0,1), symmetric, then symmetric Sinkhorn scaling D B D (row sums near 1)."""
    rng = np.random.default_rng(seed)
    b = rng.random((n, n))
    b = np.triu(b) + np.triu(b, 1).T
    x = np.ones(n)
    for _ in range(10):
        x = np.sqrt(x / (b @ x))
    return x[:, None] * b * x[None, :]


def from_file(mode, path, runs):
    import scipy.io
    import scipy.linalg
    import scipy.sparse.linalg as sla

    w = scipy.io.mmread(path).tocsr()
    n = w.shape[0]
    times, cpu, value = [], [], 0.0
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        if mode == "eigvalsh":
            lam = np.linalg.eigvalsh(w.toarray() - 1.0 / n)
            value = float(max(abs(lam[0]), abs(lam[-1])))
        elif mode == "gram":
            d = w.toarray() - 1.0 / n
            g = d.T @ d
            value = float(np.sqrt(scipy.linalg.eigh(g, subset_by_index=[n - 1, n - 1], eigvals_only=True)[0]))
        else:
            op = sla.LinearOperator((n, n), matvec=lambda x: w @ x - x.mean(), dtype=float)
            value = float(abs(sla.eigsh(op, k=1, which="LM", ncv=32, tol=1e-12, return_eigenvectors=False)[0]))
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    print(f"seconds={statistics.median(times):.6f} core={openblas_core()} numpy={np.__version__} "
          f"maxabs={value:.17g} cpu={min(cpu):.6f}")


def main():
    if len(sys.argv) >= 3 and sys.argv[1] in ("eigvalsh", "gram", "eigsh"):
        from_file(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 3)
        return
    if len(sys.argv) < 2:
        sys.exit("usage: bench_dense.py N [RUNS]")
    n = int(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    w = matrix(n)
    times, maxabs = [], 0.0
    for _ in range(runs):
        t0 = time.perf_counter()
        lam = np.linalg.eigvalsh(w)
        times.append(time.perf_counter() - t0)
        maxabs = max(abs(lam[0]), abs(lam[-1]))
    print(f"seconds={statistics.median(times):.6f} core={openblas_core()} numpy={np.__version__} "
          f"maxabs={maxabs:.17g}")


if __name__ == "__main__":
    main()
