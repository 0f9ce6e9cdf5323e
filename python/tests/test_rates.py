"""gap, exact and compare against the CLI's JSON for the same topology."""

import dataclasses

import networkx as nx
import numpy as np
import pytest
import scipy.io

import topomix
from conftest import cli_error, cli_json

# (name, n, keywords, CLI options, gap keywords, CLI gap options): every path of gap (dft, dense,
# iterative, periodic, random exact and Monte Carlo, push-sum, clamped)
CASES = [
    ("ring", 16, {}, [], {}, []),
    ("exp", 1000, {}, [], {}, []),
    ("torus", 16, {}, [], {"eps": 1e-6}, ["--eps", "1e-6"]),
    ("grid", 36, {}, [], {}, []),
    ("grid", 400, {}, [], {"method": "iterative"}, ["--method", "iterative"]),
    ("onepeer-exp", 16, {}, [], {}, []),
    ("onepeer-exp", 16, {}, [], {"step": 1}, ["--step", "1"]),
    ("base-k", 17, {"k": 2}, ["--k", "2"], {}, []),
    ("matching", 16, {}, [], {}, []),
    ("equidyn", 12, {}, [], {}, []),
    ("er", 16, {"p": 0.4, "seed": 3}, ["--p", "0.4", "--seed", "3"], {}, []),
    ("random-regular", 16, {}, [], {"samples": 50}, ["--samples", "50"]),
    ("star", 8, {"weights": "push"}, ["--weights", "push"], {}, []),
    ("hypercube", 16, {"weights": "lazy"}, ["--weights", "lazy"],
     {"latency": 1e-3, "bandwidth": 1e8, "message_bytes": 5e5},
     ["--latency", "1e-3", "--bandwidth", "1e8", "--message-bytes", "5e5"]),
]


def assert_same_fields(obj, js, skip=("status", "error"), extra_ok=("spectral_gap_clamped",)):
    """Every field of the CLI's JSON equals obj's field of the same name (exactly: the same library
    computes both, with the same OpenBLAS kernels), and obj has no field the JSON lacks."""
    fields = {k: v for k, v in dataclasses.asdict(obj).items()}
    for key, value in js.items():
        if key in skip:
            continue
        assert key in fields, f"the CLI's field {key} is missing"
        got = fields[key]
        if isinstance(got, tuple):
            got = list(got)
        assert got == value, f"{key}: binding {got!r}, CLI {value!r}"
    extra = [k for k, v in fields.items() if v is not None and k not in js and k not in extra_ok]
    assert not extra, f"fields the CLI does not report: {extra}"


@pytest.mark.parametrize("name,n,kw,opts,gkw,gopts", CASES, ids=[f"{c[0]}-{c[1]}-{'-'.join(c[5])}" for c in CASES])
def test_gap_equals_cli_json(name, n, kw, opts, gkw, gopts):
    js = cli_json("gap", name, "-n", n, *opts, *gopts)
    g = topomix.gap(name, n, **kw, **gkw)
    assert_same_fields(g, js)
    with topomix.topology(name, n, **kw) as t:  # a Topology gives the same
        assert topomix.gap(t, **gkw) == g


def test_gap_of_a_users_graph_equals_cli_file(tmp_path):
    G = nx.convert_node_labels_to_integers(nx.grid_2d_graph(4, 5))
    path = tmp_path / "g.edges"
    path.write_text("".join(f"{u} {v}\n" for u, v in G.edges()))
    js = cli_json("gap", f"file:{path}", "--index-base", "0", "--weights", "max-degree")
    with topomix.from_graph(G, weights="max-degree") as t:
        g = topomix.gap(t)
    assert g.topology == "user" and js["topology"] == "file"
    assert_same_fields(g, js, skip=("status", "error", "topology"))


def test_gap_of_a_matrix_and_its_refusal(tmp_path):
    W = topomix.topology("torus", 16).weights()
    js = cli_json("gap", "torus", "-n", 16, "--method", "dense")
    assert_same_fields(topomix.gap(W), js, skip=("status", "error", "topology"))
    assert_same_fields(topomix.gap(W.toarray()), js, skip=("status", "error", "topology"))
    bad = W.toarray()
    bad[2, 2] += 0.5  # row 3 sums to 1.5
    scipy.io.mmwrite(str(tmp_path / "bad.mtx"), bad)
    with pytest.raises(topomix.TopomixError) as e:
        topomix.gap(bad)
    assert e.value.status == "EINVAL"
    assert str(e.value) == cli_error("gap", f"file:{tmp_path / 'bad.mtx'}")


def test_gap_refuses_non_mixing():
    with pytest.raises(topomix.TopomixError, match="not a mixing matrix"):
        topomix.gap(np.array([[1.0, 0.0], [0.0, 1.0]]))  # disconnected
    with pytest.raises(topomix.TopomixError, match=r"eps must be in \(0, 1\)"):
        topomix.gap("ring", 8, eps=2)
    with pytest.raises(topomix.TopomixError) as e:
        topomix.gap("ring", 8, method="fast")
    assert str(e.value) == cli_error("gap", "ring", "-n", 8, "--method", "fast")


@pytest.mark.parametrize("name,n,kw,opts", [
    ("onepeer-exp", 64, {}, []),
    ("base-k", 17, {"all_phases": True}, ["--all-phases"]),
    ("ring", 16, {"max_steps": 5}, ["--max-steps", "5"]),
    ("onepeer-hypercube", 32, {"phase": 3, "tol": 1e-9}, ["--phase", "3", "--tol", "1e-9"]),
])
def test_exact_equals_cli_json(name, n, kw, opts):
    js = cli_json("exact", name, "-n", n, *opts)
    assert_same_fields(topomix.exact(name, n, **kw), js)


def test_exact_limits():
    with pytest.raises(topomix.TopomixError, match="all_phases needs a periodic topology"):
        topomix.exact("ring", 8, all_phases=True)


@pytest.mark.parametrize("n,kw,opts", [
    (16, {}, []),
    (24, {"topologies": ["ring", "exp", "base-k:k=2", "onepeer-exp", "er:p=0.3:seed=2"], "eps": 1e-6},
     ["--topologies", "ring,exp,base-k:k=2,onepeer-exp,er:p=0.3:seed=2", "--eps", "1e-6"]),
    (4096, {"message_bytes": 102e6}, ["--message-bytes", "102e6"]),
])
def test_compare_equals_cli_json(n, kw, opts):
    js = cli_json("compare", "-n", n, *opts)
    c = topomix.compare(n, **kw)
    for key in ("n", "eps", "latency", "bandwidth", "message_bytes"):
        assert getattr(c, key) == js[key], key
    assert len(c.rows) == len(js["rows"])
    for i, (row, jrow) in enumerate(zip(c.rows, js["rows"])):
        assert row.rank == i + 1
        assert_same_fields(row, jrow, skip=(), extra_ok=("rank",))  # rank: the CSV's column
    assert [list(s) for s in c.skipped] == [[s["topology"], s["reason"]] for s in js["skipped"]]


def test_compare_errors():
    with pytest.raises(topomix.TopomixError) as e:
        topomix.compare(12, topologies=["hypercube"])
    assert str(e.value) == cli_error("compare", "-n", 12, "--topologies", "hypercube")
    with pytest.raises(topomix.TopomixError, match="unknown parameter 'q'"):
        topomix.compare(12, topologies="ring:q=1")
