#!/usr/bin/python3
"""SciPy side of the sparse-gap benchmark: the second eigenvalue of a symmetric W read from a Matrix
Market file, by scipy.sparse.linalg.eigsh on L = I - W, with shift-invert (sigma = -1e-8, SuperLU)
and, when asked, without it (which='SA', the two smallest: 0 and the gap).

Usage: bench_sparse_gap.py FILE.mtx MODE [RUNS]   (MODE: sigma or plain; RUNS defaults to 3)
Prints one line: seconds=<median> gap=<1 - lambda_2> scipy=<version>
"""
import statistics
import sys
import time

import scipy
import scipy.io
import scipy.sparse as sp
import scipy.sparse.linalg as sla


def main():
    path, mode = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    W = sp.csc_matrix(scipy.io.mmread(path))
    L = (sp.identity(W.shape[0], format="csc") - W).tocsc()
    times, gap = [], float("nan")
    for _ in range(runs):
        t0 = time.perf_counter()
        if mode == "sigma":
            vals = sla.eigsh(L, k=2, sigma=-1e-8, which="LM", tol=1e-12, return_eigenvectors=False)
        else:
            vals = sla.eigsh(L, k=2, which="SA", tol=1e-12, return_eigenvectors=False)
        times.append(time.perf_counter() - t0)
        gap = sorted(vals)[1]
    print(f"seconds={statistics.median(times):.6g} gap={gap:.17g} scipy={scipy.__version__}")


if __name__ == "__main__":
    main()
