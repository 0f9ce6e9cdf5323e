#!/usr/bin/python3
"""Interoperability of topomix's Matrix Market files with scipy.io.

    /usr/bin/python3 scipy_roundtrip.py PATH_TO_topomix

1. For several topologies, `topomix topo NAME ... --format mtx` must be read by scipy.io.mmread
   and give a doubly stochastic matrix (numpy, absolute tolerance 1e-12).
2. Random symmetric doubly stochastic matrices written by scipy.io.mmwrite (a sparse matrix:
   `coordinate`; a dense ndarray: `array`) must be accepted by `topomix topo file:PATH`: its JSON
   reports the right n, nnz and doubly_stochastic, and its `--format mtx` output, read back by
   scipy, equals the original to 1e-15 relative.

Exit 0 when every check passes, 1 otherwise, 77 (meson: SKIP) without numpy or scipy.
"""
import json
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import scipy.io
    import scipy.sparse
except ImportError as exc:  # pragma: no cover - depends on the host
    print(f"SKIP: numpy/scipy cannot be imported ({exc})")
    sys.exit(77)

if len(sys.argv) != 2:
    print("usage: scipy_roundtrip.py PATH_TO_topomix", file=sys.stderr)
    sys.exit(2)
TOPOMIX = sys.argv[1]

failures = 0


def check(ok, what, detail=""):
    global failures
    print(f"{'ok  ' if ok else 'FAIL'} {what}" + (f": {detail}" if detail and not ok else ""))
    if not ok:
        failures += 1
    return ok


def topomix(*args):
    """Runs topomix; returns stdout, or None (and records a failure) on a nonzero exit."""
    proc = subprocess.run([TOPOMIX, *args], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        check(False, "topomix " + " ".join(args), f"exit {proc.returncode}: {proc.stderr.strip()}")
        return None
    return proc.stdout


def mmread_text(text, path):
    with open(path, "w") as f:
        f.write(text)
    m = scipy.io.mmread(path)
    return m.toarray() if scipy.sparse.issparse(m) else np.asarray(m)


# Row and column sums of a valid mixing matrix are 1. The tolerance is absolute: topomix writes
# %.17g (exact), so what remains is the rounding of the weights themselves and of numpy's sums,
# a few ulps times n ≤ 12 — far below 1e-12; a wrong weight would be off by ~1e-2 or more.
ATOL = 1e-12

TOPOLOGIES = [
    ("ring", "-n", "7"),
    ("exp", "-n", "12"),
    ("torus", "-n", "12"),
    ("er", "-n", "10", "--seed", "3"),
    ("onepeer-exp", "-n", "8", "--step", "2"),
    ("base-k", "-n", "10", "--k", "2"),
]

with tempfile.TemporaryDirectory(prefix="topomix-scipy.") as tmp:
    print(f"# topomix: {TOPOMIX}; scipy {scipy.__version__}, numpy {np.__version__}")

    # ---- 1. topomix → scipy -----------------------------------------------------------------
    for args in TOPOLOGIES:
        label = "topo " + " ".join(args)
        out = topomix("topo", *args, "--format", "mtx")
        if out is None:
            continue
        try:
            W = mmread_text(out, os.path.join(tmp, "topo.mtx"))
        except Exception as exc:  # scipy could not parse it
            check(False, f"{label}: scipy.io.mmread reads the output", repr(exc))
            continue
        n = int(args[args.index("-n") + 1])
        check(W.shape == (n, n), f"{label}: scipy reads a {n} x {n} matrix", f"shape {W.shape}")
        check(bool((W >= 0).all()), f"{label}: entries are nonnegative", f"min {W.min()}")
        rows = np.abs(W.sum(axis=1) - 1).max()
        cols = np.abs(W.sum(axis=0) - 1).max()
        check(rows <= ATOL, f"{label}: rows sum to 1 (max error {rows:.2e} <= {ATOL:g})", f"{rows:.3e}")
        check(cols <= ATOL, f"{label}: columns sum to 1 (max error {cols:.2e} <= {ATOL:g})", f"{cols:.3e}")

    # ---- 2. scipy → topomix → scipy ---------------------------------------------------------
    rng = np.random.default_rng(20240601)

    def random_doubly_stochastic(n, terms, dense):
        """Σ_k c_k (P_k + P_kᵀ)/2 over random permutations P_k with random weights c_k summing to
        1: symmetric, nonnegative, doubly stochastic. The dense variant adds a term c_0·J so that
        every entry is positive (then nnz = n² whatever the file format stores)."""
        c = rng.random(terms + 1)
        c /= c.sum()
        W = np.zeros((n, n))
        for k in range(terms):
            P = np.eye(n)[rng.permutation(n)]
            W += c[k] * (P + P.T) / 2
        if dense:
            W += c[terms] * np.full((n, n), 1.0 / n)
        else:
            W += c[terms] * np.eye(n)
        return (W + W.T) / 2  # exactly symmetric after rounding

    cases = [
        ("sparse coordinate", scipy.sparse.coo_matrix(random_doubly_stochastic(9, 3, False)), "coordinate"),
        ("dense ndarray", random_doubly_stochastic(6, 4, True), "array"),
    ]
    for label, M, fmt in cases:
        path = os.path.join(tmp, label.replace(" ", "_") + ".mtx")
        scipy.io.mmwrite(path, M)
        with open(path) as f:
            header = f.readline().split()
        check(len(header) == 5 and header[2] == fmt,
              f"{label}: scipy.io.mmwrite wrote '{fmt}' format ({' '.join(header[2:])})", " ".join(header))
        A = M.toarray() if scipy.sparse.issparse(M) else np.asarray(M)
        n = A.shape[0]
        nnz = int(np.count_nonzero(A))

        out = topomix("topo", "file:" + path, "--format", "json")
        if out is not None:
            try:
                d = json.loads(out)
            except ValueError as exc:
                check(False, f"{label}: topomix's JSON parses", repr(exc))
            else:
                check(d.get("n") == n, f"{label}: JSON n = {n}", f"got {d.get('n')}")
                check(d.get("nnz") == nnz, f"{label}: JSON nnz = {nnz}", f"got {d.get('nnz')}")
                check(d.get("doubly_stochastic") is True, f"{label}: JSON doubly_stochastic is true",
                      f"got {d.get('doubly_stochastic')} (row error {d.get('max_row_error')}, "
                      f"column error {d.get('max_col_error')})")
                check(d.get("symmetric") is True, f"{label}: JSON symmetric is true", f"got {d.get('symmetric')}")

        out = topomix("topo", "file:" + path, "--format", "mtx")
        if out is not None:
            B = mmread_text(out, os.path.join(tmp, "back.mtx"))
            # scipy 1.10 writes 16 significant digits in coordinate files (relative rounding
            # ≤ 5e-16) and 17 in array files; topomix reads the nearest double (≤ 1.1e-16 more)
            # and writes %.17g, which scipy reads back exactly. So |B - A| ≤ ~6.1e-16·|A|:
            # a relative tolerance of 1e-15 per entry, zeros required to stay exactly zero.
            rel = np.abs(B - A) <= 1e-15 * np.abs(A)
            worst = float(np.max(np.abs(B - A) / np.where(A != 0, np.abs(A), 1.0)))
            check(B.shape == A.shape and bool(rel.all()),
                  f"{label}: topomix --format mtx read back by scipy equals the original "
                  f"(max relative error {worst:.2e} <= 1e-15)", f"max relative error {worst:.3e}")

print(f"# {failures} failure(s)")
sys.exit(1 if failures else 0)
