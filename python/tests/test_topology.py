"""Topologies: every family's W^(k) against the CLI's Matrix Market output, users' graphs, errors."""

import os

import networkx as nx
import numpy as np
import pytest
import scipy.io
import scipy.sparse

import topomix
from conftest import cli_error, run_cli

# the first size each family allows among these (16 suits most; primes for cycle-plus-inverse)
SIZES = (16, 17, 18, 25, 13)
STEPS = {"static": (0,), "periodic": (0, 1, 2, 5), "random": (0, 1, 7)}
# parameters beyond the defaults, as keywords and as the CLI's options
VARIANTS = [
    ("er", 16, {"p": 0.3, "seed": 7}, ["--p", "0.3", "--seed", "7"]),
    ("ring", 16, {"weights": "lazy"}, ["--weights", "lazy"]),
    ("ring", 16, {"weights": "uniform"}, ["--weights", "uniform"]),
    ("grid", 16, {"weights": "best-constant"}, ["--weights", "best-constant"]),
    ("torus", 24, {"rows": 4, "weights": "max-degree"}, ["--rows", "4", "--weights", "max-degree"]),
    ("base-k", 17, {"k": 2}, ["--k", "2"]),
    ("exp", 16, {"base": 3}, ["--base", "3"]),
    ("equistatic", 16, {"M": 3, "undirected": True, "seed": 5}, ["--M", "3", "--undirected", "--seed", "5"]),
    ("equidyn", 16, {"eta": 0.25}, ["--eta", "0.25"]),
    ("star", 8, {"weights": "push"}, ["--weights", "push"]),
]


def cli_matrix(name, n, k, opts=()):
    p = run_cli("topo", name, "-n", n, "--step", k, "--format", "mtx", *opts)
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"topomix-py-{os.getpid()}.mtx")
    with open(path, "w") as f:
        f.write(p.stdout)
    try:
        return scipy.io.mmread(path).toarray()
    finally:
        os.unlink(path)


def sized(name):
    for n in SIZES:
        try:
            return topomix.topology(name, n), n
        except topomix.TopomixError as e:
            assert e.status == "EINVAL", e
    pytest.fail(f"{name}: none of the sizes {SIZES} is allowed")


@pytest.mark.parametrize("family", [f["name"] for f in topomix.families() if f["name"] != "file"])
def test_weights_equal_cli_matrix_market(family):
    t, n = sized(family)
    with t:
        assert t.n == n and t.name == family
        assert t.kind in STEPS
        for k in STEPS[t.kind]:
            W = t.weights(k)
            assert isinstance(W, scipy.sparse.csr_array) and W.shape == (n, n)
            # %.17g in the file round-trips every double: equality is exact
            np.testing.assert_array_equal(W.toarray(), cli_matrix(family, n, k), err_msg=f"{family} n={n} step {k}")


@pytest.mark.parametrize("name,n,params,opts", VARIANTS, ids=[f"{v[0]}-{'-'.join(v[3])}" for v in VARIANTS])
def test_parameters_equal_cli(name, n, params, opts):
    with topomix.topology(name, n, **params) as t:
        for k in STEPS[t.kind][:2]:
            np.testing.assert_array_equal(t.weights(k).toarray(), cli_matrix(name, n, k, opts))


def test_attributes_and_validation():
    with topomix.topology("onepeer-exp", 16) as t:
        assert (t.kind, t.period, t.directed) == ("periodic", 4, True)
        v = t.validate(1)
        assert v.doubly_stochastic and not v.symmetric and not v.connected and v.period_connected
        assert v.max_in_degree == 1 and v.nnz == 32
    with topomix.topology("matching", 10, seed=3) as t:
        assert t.kind == "random" and t.period is None and t.params["seed"] == 3
    with topomix.topology("grid", 12) as t:
        assert t.shape == (3, 4) and t.period == 1 and t.validate().period_connected is None


def test_closed_handle():
    t = topomix.topology("ring", 8)
    t.close()
    t.close()  # idempotent
    with pytest.raises(ValueError, match="closed"):
        t.weights()
    assert "closed" in repr(t)


@pytest.mark.parametrize("args,kwargs", [
    (("hypercube", 12), {}),
    (("nope", 8), {}),
    (("ring", 8), {"weights": "heavy"}),
    (("ring", 8), {"k": 2}),
    (("grid", 8), {"rows": 3}),
    (("file:/nonexistent/W.mtx",), {}),
])
def test_errors_carry_the_cli_message(args, kwargs):
    opts = [f"--{k}" if v is True else f"--{k}={v}" for k, v in kwargs.items()]
    cmd = ["topo", args[0]] + (["-n", args[1]] if len(args) > 1 else []) + opts
    with pytest.raises(topomix.TopomixError) as e:
        topomix.topology(*args, **kwargs)
    assert e.value.status in ("EINVAL", "EIO")
    assert str(e.value) == cli_error(*cmd)


def test_parameter_ranges():
    with pytest.raises(topomix.TopomixError, match=r"p must be in \(0, 1\], got 2") as e:
        topomix.topology("er", 8, p=2)
    assert e.value.status == "EINVAL"
    with pytest.raises(TypeError, match="unknown topology parameter 'colour'"):
        topomix.topology("ring", 8, colour="red")


# ---- users' graphs --------------------------------------------------------------------------------

GRAPHS = {
    "karate": lambda: nx.karate_club_graph(),
    "grid": lambda: nx.grid_2d_graph(5, 6),
    "random-regular": lambda: nx.random_regular_graph(3, 20, seed=1),
}
SCHEMES = ("metropolis", "uniform", "max-degree", "best-constant", "lazy")


def dense_slem(W):
    """max |eigenvalue| of W - J, by NumPy's LAPACK (W symmetric)."""
    n = W.shape[0]
    return np.max(np.abs(np.linalg.eigvalsh(W - np.full((n, n), 1.0 / n))))


@pytest.mark.parametrize("graph", GRAPHS)
@pytest.mark.parametrize("scheme", SCHEMES)
def test_from_graph_doubly_stochastic_and_gap(graph, scheme):
    G = GRAPHS[graph]()
    with topomix.from_graph(G, weights=scheme) as t:
        W = t.weights().toarray()
        n = G.number_of_nodes()
        assert t.n == n and t.nodes == list(G.nodes()) and t.name == "user"
        # the graph's edges and nothing else off the diagonal, symmetric
        A = nx.to_numpy_array(G, nodelist=t.nodes, weight=None)
        off = ~np.eye(n, dtype=bool)
        assert np.array_equal(W[off] != 0, A[off] != 0)
        np.testing.assert_array_equal(W, W.T)
        # doubly stochastic: rows of <= n entries summed in floating point, within 1e-12
        assert np.all(np.abs(W.sum(axis=1) - 1) <= 1e-12) and np.all(np.abs(W.sum(axis=0) - 1) <= 1e-12)
        if scheme != "best-constant":  # best-constant's diagonal may be negative (docs/definitions.md §17)
            assert W.min() >= 0
            assert t.validate().doubly_stochastic
        if scheme == "best-constant" and W.min() < 0:
            return  # not a mixing matrix: gap refuses it (test_gap_refuses_non_mixing)
        g = topomix.gap(t)
        # both are LAPACK symmetric eigensolvers, backward stable: |error| <= c n eps ||W|| ~ 1e-14 at
        # n <= 34; 1e-12 leaves a hundredfold margin
        assert abs(g.slem - dense_slem(W)) <= 1e-12
        assert abs(g.spectral_gap - (1 - dense_slem(W))) <= 1e-12


@pytest.mark.parametrize("scheme", SCHEMES)
def test_from_graph_equals_cli_edge_list(tmp_path, scheme):
    G = nx.convert_node_labels_to_integers(nx.karate_club_graph())
    path = tmp_path / "karate.edges"
    path.write_text("".join(f"{u} {v}\n" for u, v in G.edges()))
    W = cli_matrix(f"file:{path}", 34, 0, ["--index-base", "0", "--weights", scheme])
    with topomix.from_graph(G, weights=scheme) as t:
        np.testing.assert_array_equal(t.weights().toarray(), W)
    # and the same matrix given as a sparse adjacency
    with topomix.from_graph(nx.to_scipy_sparse_array(G, weight=None), weights=scheme) as t:
        np.testing.assert_array_equal(t.weights().toarray(), W)


def test_from_graph_directed_push(tmp_path):
    G = nx.DiGraph([(0, 1), (1, 2), (2, 3), (3, 0), (0, 2)])
    path = tmp_path / "d.edges"
    path.write_text("".join(f"{u} {v}\n" for u, v in G.edges()))
    W = cli_matrix(f"file:{path}", 4, 0, ["--index-base", "0", "--directed", "--weights", "push"])
    with topomix.from_graph(G, weights="push") as t:
        assert t.directed
        np.testing.assert_array_equal(t.weights().toarray(), W)
        assert np.allclose(t.weights().toarray().sum(axis=0), 1, rtol=0, atol=1e-15)


def test_from_graph_errors():
    G = nx.Graph([(0, 1), (2, 3)])
    with pytest.raises(topomix.TopomixError, match=r"^graph: the graph is disconnected \(2 components\)$") as e:
        topomix.from_graph(G)
    assert e.value.status == "EINVAL"
    with pytest.raises(topomix.TopomixError, match="directed graph takes weights 'push'"):
        topomix.from_graph(nx.DiGraph([(0, 1), (1, 0)]))
    with pytest.raises(topomix.TopomixError, match="symmetric pattern, and entry"):
        topomix.from_graph(scipy.sparse.csr_array(np.array([[0, 1.0], [0, 0]])))
    with pytest.raises(topomix.TopomixError, match="unknown weight scheme 'heavy'"):
        topomix.from_graph(nx.path_graph(3), weights="heavy")


def test_from_matrix_is_w():
    W = np.array([[0.5, 0.5, 0], [0.5, 0.25, 0.25], [0, 0.25, 0.75]])
    with topomix.from_matrix(W) as t:
        np.testing.assert_array_equal(t.weights().toarray(), W)
        assert not t.directed and t.validate().doubly_stochastic
    with topomix.from_matrix(W, weights="lazy") as t:
        np.testing.assert_array_equal(t.weights().toarray(), (np.eye(3) + W) / 2)
