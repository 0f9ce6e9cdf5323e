"""Topologies: the registry's families by name, and users' graphs and matrices."""

from dataclasses import dataclass

import numpy as np
import scipy.sparse

from ._lib import check, ffi, invalid, lib, string

KINDS = {0: "static", 1: "periodic", 2: "random"}

# keyword -> (tmx_topo_params field, kind); ranges as the CLI checks them (tools/cli_common.c)
_PARAMS = {
    "seed": ("seed", "u64"),
    "weights": ("weights", "weights"),
    "rows": ("rows", "int"),
    "p": ("p", "unit_closed"),
    "k": ("k", "int"),
    "m": ("m", "int"),
    "M": ("m", "int"),
    "eta": ("eta", "unit_closed"),
    "undirected": ("undirected", "bool"),
    "base": ("base", "int"),
    "peers": ("peers", "int"),
    "degree": ("degree", "int"),
    "equi_eps": ("eps", "unit_open"),
    "fail_prob": ("fail_prob", "unit_open"),
    "index_base": ("index_base", "index_base"),
    "directed": ("directed", "bool"),
}


def _weights(name):
    out = ffi.new("tmx_weights *")
    check(lib.tmx_weights_parse(str(name).encode(), out))
    return out[0]


def make_params(n, params):
    """A tmx_topo_params from n and the keyword parameters (names of topomix topo's options)."""
    p = ffi.new("tmx_topo_params *")
    lib.tmx_topo_params_init(p)
    if n is not None:
        if isinstance(n, bool) or int(n) != n:
            raise invalid(f"n must be an integer, got {n!r}")
        p.n = int(n)
    for key, value in params.items():
        if key not in _PARAMS:
            raise TypeError(f"unknown topology parameter '{key}' (one of {', '.join(sorted(_PARAMS))})")
        field, kind = _PARAMS[key]
        if value is None:
            continue
        if kind == "weights":
            value = _weights(value)
        elif kind == "bool":
            value = 1 if value else 0
        elif kind == "index_base":
            if value not in (0, 1):
                raise invalid(f"index_base must be 0 or 1, got {value!r}")
            value = lib.TMX_INDEX_ZERO if value == 0 else lib.TMX_INDEX_ONE
        elif kind in ("int", "u64"):
            if isinstance(value, bool) or int(value) != value or value < (0 if kind == "u64" else 1):
                raise invalid(f"{key} must be an integer >= {0 if kind == 'u64' else 1}, got {value!r}")
            value = int(value)
        else:
            value = float(value)
            ok = 0.0 < value <= 1.0 if kind == "unit_closed" else 0.0 < value < 1.0
            if not ok:
                raise invalid(f"{key} must be in (0, {'1]' if kind == 'unit_closed' else '1)'}, got {value:g}")
        setattr(p, field, value)
    return p


@dataclass(frozen=True)
class Validation:
    """What validation reports about W^(k) (tmx_topo_validate): degrees count off-diagonal
    nonzeros (in-degree: row length, whom a node receives from); period_connected is None where it
    does not apply (static and random topologies)."""

    n: int
    nnz: int
    nonnegative: bool
    row_stochastic: bool
    col_stochastic: bool
    doubly_stochastic: bool
    symmetric: bool
    connected: bool
    push_sum: bool
    min_in_degree: int
    max_in_degree: int
    min_out_degree: int
    max_out_degree: int
    max_row_error: float
    max_col_error: float
    max_asymmetry: float
    min_entry: float
    period_connected: bool = None


def csr_to_scipy(W):
    """A copy of a tmx_csr as scipy.sparse.csr_array (the tmx_csr keeps its arrays)."""
    n, nnz = int(W.n), int(W.nnz)
    rowptr = np.frombuffer(ffi.buffer(W.rowptr, 8 * (n + 1)), dtype=np.int64).copy()
    col = np.frombuffer(ffi.buffer(W.col, 8 * nnz), dtype=np.int64).copy() if nnz else np.zeros(0, np.int64)
    val = np.frombuffer(ffi.buffer(W.val, 8 * nnz), dtype=np.float64).copy() if nnz else np.zeros(0)
    return scipy.sparse.csr_array((val, col, rowptr), shape=(n, n))


class Topology:
    """A topology: the mixing matrices W^(k) of every step k (row i lists whom node i receives
    from, x_i <- sum_j w_ij x_j). Create one with topology() or from_graph().

    The C handle is freed by close(), at the end of a ``with`` block, or when the object is
    garbage collected, whichever comes first.
    """

    def __init__(self, handle, label):
        self._h = ffi.gc(handle, lib.tmx_topo_free)
        self.label = label
        self.nodes = None  # from_graph on a networkx graph: its nodes, in the order of W's rows

    # -- lifetime ----------------------------------------------------------------------------
    def close(self):
        """Frees the C handle now (idempotent); the topology cannot be used afterwards."""
        if self._h is not None:
            ffi.release(self._h)
            self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    @property
    def handle(self):
        """The tmx_topo * (for the other functions of the binding); raises once closed."""
        if self._h is None:
            raise ValueError("this topology has been closed")
        return self._h

    # -- description -------------------------------------------------------------------------
    @property
    def name(self):
        """The family's name ("ring", "file" for file:PATH, "user" for from_graph/from_matrix)."""
        return string(lib.tmx_topo_name(self.handle))

    @property
    def n(self):
        """Number of nodes."""
        return int(lib.tmx_topo_n(self.handle))

    @property
    def kind(self):
        """"static", "periodic" or "random"."""
        return KINDS[int(lib.tmx_topo_kind_of(self.handle))]

    @property
    def period(self):
        """The period P of a periodic topology (W^(k) = W^(k mod P)), 1 for a static one, None for a
        random one (a fresh W^(k) each step)."""
        p = int(lib.tmx_topo_period(self.handle))
        return p if p > 0 else None

    @property
    def directed(self):
        """True when W^(k) may be nonsymmetric."""
        return bool(lib.tmx_topo_directed(self.handle))

    @property
    def shape(self):
        """(rows, cols) of a grid or torus, else None."""
        r = ffi.new("int64_t[2]")
        lib.tmx_topo_shape(self.handle, r, r + 1)
        return (int(r[0]), int(r[1])) if r[0] > 0 else None

    @property
    def source(self):
        """How a file or in-memory graph was read, one line; None for the registry's families."""
        return string(lib.tmx_topo_source(self.handle))

    @property
    def params(self):
        """The effective parameters, defaults resolved, as a dict."""
        p = lib.tmx_topo_params_of(self.handle)
        return {
            "n": int(p.n), "seed": int(p.seed), "weights": string(lib.tmx_weights_name(p.weights)),
            "rows": int(p.rows), "p": float(p.p), "k": int(p.k), "m": int(p.m), "eta": float(p.eta),
            "undirected": bool(p.undirected), "base": int(p.base), "peers": int(p.peers),
            "degree": int(p.degree), "equi_eps": float(p.eps), "fail_prob": float(p.fail_prob),
            "directed": bool(p.directed),
        }

    def __repr__(self):
        if self._h is None:
            return f"<topomix.Topology {self.label} (closed)>"
        return f"<topomix.Topology {self.label} n={self.n} {self.kind}>"

    # -- matrices ----------------------------------------------------------------------------
    def weights(self, k=0):
        """W^(k), the mixing matrix of step k >= 0, as a scipy.sparse.csr_array (a copy: the
        library's arrays are freed before returning)."""
        W = ffi.new("tmx_csr *")
        try:
            check(lib.tmx_topo_weights(self.handle, int(k), W))
            return csr_to_scipy(W)
        finally:
            lib.tmx_csr_destroy(W)

    def validate(self, k=0, tol=1e-12):
        """Validates W^(k) with absolute tolerance tol: a Validation (stochasticity, symmetry,
        connectivity, degrees; for periodic topologies whether the union over a period is
        connected). Reports; raises only when W^(k) cannot be built."""
        r = ffi.new("tmx_topo_report *")
        check(lib.tmx_topo_validate(self.handle, int(k), float(tol), r))
        v = r.step
        return Validation(
            n=int(v.n), nnz=int(v.nnz), nonnegative=bool(v.nonnegative), row_stochastic=bool(v.row_stochastic),
            col_stochastic=bool(v.col_stochastic), doubly_stochastic=bool(v.doubly_stochastic),
            symmetric=bool(v.symmetric), connected=bool(v.connected), push_sum=bool(v.push_sum),
            min_in_degree=int(v.min_in_degree), max_in_degree=int(v.max_in_degree),
            min_out_degree=int(v.min_out_degree), max_out_degree=int(v.max_out_degree),
            max_row_error=float(v.max_row_error), max_col_error=float(v.max_col_error),
            max_asymmetry=float(v.max_asymmetry), min_entry=float(v.min_entry),
            period_connected=None if r.period_connected < 0 else bool(r.period_connected),
        )


def topology(name, n=None, **params):
    """The topology NAME over n nodes: a family of the registry (see families()) or "file:PATH" (a
    Matrix Market file or an edge list; n then comes from the file).

    Keyword parameters are topomix topo's options: seed, weights ("default", "metropolis",
    "uniform", "lazy", "max-degree", "best-constant", "push"), rows, p, k, m (or M), eta,
    undirected, base, peers, degree, equi_eps, fail_prob, index_base (0 or 1) and directed.
    Raises TopomixError with the library's message when n or a parameter is not allowed.
    """
    if n is None and not str(name).startswith("file:"):
        raise invalid("n is required (the number of nodes)")
    p = make_params(n, params)
    out = ffi.new("tmx_topo **")
    check(lib.tmx_topo_new(str(name).encode(), p, out))
    return Topology(out[0], str(name))


def families():
    """The registry: a list of dicts with name, kind, seeded, graph (the graph weight schemes
    apply), sizes (allowed n, in words) and summary."""
    out = []
    for i in range(int(lib.tmx_topo_family_count())):
        f = lib.tmx_topo_family(i)
        out.append({"name": string(f.name), "kind": KINDS[int(f.kind)], "seeded": bool(f.seeded),
                    "graph": bool(f.graph), "sizes": string(f.sizes), "summary": string(f.summary)})
    return out


def _from_csr(A, graph, weights, directed, label):
    A = scipy.sparse.csr_array(A)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise invalid(f"the matrix must be square, got shape {A.shape}")
    A.sum_duplicates()
    A.sort_indices()
    n = A.shape[0]
    rowptr = np.ascontiguousarray(A.indptr, dtype=np.int64)
    col = np.ascontiguousarray(A.indices, dtype=np.int64)
    val = np.ascontiguousarray(A.data, dtype=np.float64)
    C = ffi.new("tmx_csr *")
    C.n, C.nnz, C.cap = n, len(val), 0
    C.rowptr = ffi.from_buffer("int64_t[]", rowptr)
    C.col = ffi.from_buffer("int64_t[]", col) if len(col) else ffi.NULL
    C.val = ffi.from_buffer("double[]", val) if len(val) else ffi.NULL
    p = make_params(None, {"weights": weights, "directed": directed})
    out = ffi.new("tmx_topo **")
    check(lib.tmx_topo_from_csr(C, 1 if graph else 0, p, out))  # copies A: C's arrays stay numpy's
    return Topology(out[0], label)


def _adjacency(G):
    """A networkx graph's adjacency as CSR (row i: whom i receives from; a DiGraph's edge u -> v
    means u sends to v, entry (v, u)), with its node order; or a sparse/dense matrix as given."""
    try:
        import networkx as nx
    except ImportError:  # networkx is optional: matrices need none
        nx = None
    if nx is not None and isinstance(G, nx.Graph):
        nodes = list(G.nodes())
        A = nx.to_scipy_sparse_array(G, nodelist=nodes, weight=None, format="csr")
        if G.is_directed():
            A = A.T  # networkx's row u lists u's out-neighbours; ours lists in-neighbours
        return scipy.sparse.csr_array(A), nodes, G.is_directed()
    if scipy.sparse.issparse(G):
        return scipy.sparse.csr_array(G), None, None
    return scipy.sparse.csr_array(np.asarray(G, dtype=np.float64)), None, None


def from_graph(graph, weights="metropolis", directed=None):
    """A static topology on a user's graph: a networkx Graph or DiGraph (nodes in G.nodes() order;
    the order is kept in the result's ``nodes`` attribute), or a square sparse or dense adjacency
    matrix whose off-diagonal nonzeros are the edges (entry (i, j): node i receives from j).

    weights is the scheme built on the graph (docs/definitions.md §17): "metropolis" (default),
    "uniform", "max-degree", "best-constant", "lazy" (lazy Metropolis) or "push" (push-sum,
    column stochastic, for directed graphs). Undirected graphs must be connected; a directed one
    (a DiGraph, or directed=True) takes "push" and must be strongly connected.
    """
    A, nodes, is_directed = _adjacency(graph)
    if directed is None:
        directed = bool(is_directed)
    t = _from_csr(A, True, weights, directed, "graph")
    t.nodes = nodes
    return t


def from_matrix(W, weights="default"):
    """A static topology whose mixing matrix is W itself (square, sparse or dense); weights "lazy"
    gives (I + W)/2, a graph scheme takes W's off-diagonal pattern as a graph (as file:PATH does
    with a Matrix Market file of real values)."""
    A, _, _ = _adjacency(W)
    return _from_csr(A, False, weights, False, "matrix")
