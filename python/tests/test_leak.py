"""No leak over 10^4 calls: resident memory before and after, after a warm-up."""

import networkx as nx

import topomix

PAGE = 4096


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


# Each call allocates and frees at least a W of a 1000-node ring (3000 entries: 56 KB in C, as
# much again in the scipy copy): a leak of any part of it, 10^4 times, is >= 500 MB. The slack,
# 16 MB, covers the allocators' high-water marks (glibc's arenas, Python's pools), which the
# warm-up fills but which may still grow by a few MB; it is 1.6 KB per call, below any C
# allocation of these calls.
SLACK = 16 << 20


def calls(i):
    with topomix.topology("ring", 1000) as t:
        t.weights(i % 3)
        t.validate()
    topomix.gap("ring", 64)
    try:
        topomix.topology("hypercube", 1000)
    except topomix.TopomixError:
        pass
    topomix.topology("onepeer-exp", 1000).weights(i)  # freed by the finaliser, not close()


def test_topology_gap_and_errors_do_not_leak():
    for i in range(1000):
        calls(i)
    before = rss()
    for i in range(10_000):
        calls(i)
    grown = rss() - before
    assert grown <= SLACK, f"resident memory grew by {grown / 2**20:.1f} MiB over 10^4 calls"


def test_from_graph_and_simulate_do_not_leak():
    G = nx.random_regular_graph(4, 200, seed=2)

    def once():
        with topomix.from_graph(G) as t:
            t.weights()
        # 4 agents x 500 samples x 50 features: 800 KB of data per run, freed by the run
        topomix.simulate("ring", 4, iters=2, batch=4, dim=50, samples=500)

    for _ in range(50):
        once()
    before = rss()
    for _ in range(300):
        once()
    grown = rss() - before
    # a leaked dataset alone would be 300 x 800 KB = 234 MB
    assert grown <= SLACK, f"resident memory grew by {grown / 2**20:.1f} MiB over 300 runs"
