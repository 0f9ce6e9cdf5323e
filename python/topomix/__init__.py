"""topomix from Python: the mixing matrices, rates, costs and simulations of libtopomix as NumPy
and SciPy objects. The C library does every computation; this package converts.

    import topomix
    W = topomix.topology("exp", 16).weights()          # scipy.sparse.csr_array
    topomix.gap("ring", 1024).spectral_gap             # as `topomix gap --format json`
    run = topomix.simulate("ring", 8, iters=50, lr=0.5, batch=32)
    run.log["loss"], run.models.shape                  # NumPy arrays

The library is loaded from TOPOMIX_LIBRARY when set (a path to libtopomix.so, e.g. from a build
tree: PYTHONPATH=python TOPOMIX_LIBRARY=build/lib/libtopomix.so), else from where meson installed
it, else through the system loader. Failures raise TopomixError with the library's message.
"""

from ._lib import LIBRARY_PATH, TopomixError, check, ffi, lib, string
from ._rates import Comparison, CompareRow, Exact, Gap, compare, exact, gap
from ._sim import COLUMNS, SimResult, simulate
from ._topology import Topology, Validation, families, from_graph, from_matrix, topology

__all__ = [
    "TopomixError", "Topology", "Validation", "topology", "from_graph", "from_matrix", "families",
    "Gap", "gap", "Exact", "exact", "Comparison", "CompareRow", "compare", "SimResult", "simulate",
    "COLUMNS", "blas_corename", "device", "LIBRARY_PATH", "ffi", "lib",
]


def blas_corename():
    """The OpenBLAS kernel set libtopomix's dense paths use ("Haswell", "SkylakeX", ...)."""
    return string(lib.tmx_blas_corename())


def device():
    """The device backend simulate(device="gpu") runs on, e.g. "thrust-omp on the host (2 threads)"
    or "thrust-cuda on NVIDIA H200 (...)"; raises TopomixError when there is none (a build without a
    device backend, or a CUDA build without a usable GPU), with the library's one-line reason."""
    buf = ffi.new("char[256]")
    check(lib.tmx_sim_device_name(buf, 256))
    return string(buf)
