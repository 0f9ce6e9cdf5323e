"""Rates, exact averaging and communication cost, as topomix gap, exact and compare compute them."""

import math
import os
from dataclasses import asdict, dataclass, field

from ._lib import TopomixError, check, ffi, invalid, lib, raise_status, string
from ._topology import KINDS, Topology, from_matrix, make_params, topology

# tools/cmd_exact.c: the most multiply-adds one exact() may take
EXACT_MAX_WORK = 1e12
# tools/cmd_compare.c: families needing dense O(n^3) work are skipped above this n, and the
# families that do not (circulant ones and matching's closed forms)
COMPARE_DENSE_MAX_N = 2048
_COMPARE_CHEAP = {"complete", "ring", "dring", "exp", "torus", "onepeer-exp", "equistatic", "matching"}


def _num(x):
    """A float as the CLI's JSON writes it: None when not finite."""
    x = float(x)
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class Gap:
    """The rates and cost of W^(step), with the fields of ``topomix gap --format json`` (a field the
    JSON leaves out for this topology is None here; non-finite numbers are None, as JSON's null).

    slem = rho(W - J), beta = ||W - J||_2, spectral_gap = 1 - slem; periodic topologies add period,
    period_rate and step_rate, random ones p (1 - p = lambda_max(E[W^T W] - J)); the cost fields
    (messages_per_step ... time_to_eps) follow docs/definitions.md §14, or cost_error says why
    they are missing. A push-sum W gives its rates about the Perron vector (push_sum True).
    """

    topology: str
    n: int
    step: int
    seed: int
    weights: str
    method: str
    slem: float
    beta: float
    spectral_gap: float
    push_sum: bool
    perron_min: float = None
    perron_max: float = None
    residual: float = None
    iterations: int = None
    period: int = None
    period_method: str = None
    period_rate: float = None
    step_rate: float = None
    p: float = None
    one_minus_p: float = None
    p_exact: bool = None
    samples: int = None
    p_stderr: float = None
    blas: str = None
    blas_replaced: str = None
    spectral_gap_clamped: bool = False
    slem_computed: float = None
    spectral_gap_computed: float = None
    messages_per_step: float = None
    messages_exact: bool = None
    eps: float = None
    steps_to_eps: int = None
    steps_method: str = None
    exact_averaging: bool = None
    error_at_steps: float = None
    latency: float = None
    bandwidth: float = None
    message_bytes: float = None
    messages_to_eps: float = None
    bytes_per_node_to_eps: float = None
    time_to_eps: float = None
    cost_error: str = None

    def to_dict(self):
        """The fields as a dict, those that do not apply (None) left out."""
        return {k: v for k, v in asdict(self).items() if v is not None}


def _cost_opts(eps, latency, bandwidth, message_bytes, samples):
    o = ffi.new("tmx_cost_opts *")
    lib.tmx_cost_opts_init(o)
    if eps is not None:
        if not 0.0 < float(eps) < 1.0:
            raise invalid(f"eps must be in (0, 1), got {eps:g}")
        o.eps = float(eps)
    if latency is not None:
        o.model.alpha = float(latency)
    if bandwidth is not None:
        o.model.bandwidth = float(bandwidth)
    if message_bytes is not None:
        o.model.message_bytes = float(message_bytes)
    check(lib.tmx_cost_model_check(ffi.addressof(o, "model")))
    if samples is not None:
        if int(samples) < 20:
            raise invalid(f"samples must be >= 20, got {samples}")
        o.samples = int(samples)
    return o


def _method(method):
    m = ffi.new("tmx_method *")
    check(lib.tmx_method_parse(str(method).encode(), m))
    return m[0]


def _as_topology(obj, n, params):
    """(Topology, owned): a Topology as given, a name made into one, a matrix into from_matrix."""
    if isinstance(obj, Topology):
        if n is not None or params:
            raise TypeError("n and topology parameters go with a topology name, not a Topology")
        return obj, False
    if isinstance(obj, str):
        return topology(obj, n, **params), True
    if params or n is not None:
        raise TypeError("n and topology parameters go with a topology name, not a matrix")
    return from_matrix(obj), True


def gap(topology_or_matrix, n=None, *, step=0, method="auto", samples=1000, eps=None, latency=None,
        bandwidth=None, message_bytes=None, **params):
    """Rates and communication cost of W^(step), as ``topomix gap --format json``: a Gap.

    topology_or_matrix is a Topology, a name (then n and topology parameters as for topology()),
    or a square matrix (sparse or dense) taken as W. method: "auto", "dense", "dft" or
    "iterative". samples: Monte Carlo draws of a random topology's p. eps, latency, bandwidth and
    message_bytes: the cost model (defaults 1e-4, 1e-5 s, 1.25e9 B/s, 1e6 B). W must be a mixing
    matrix (nonnegative, rows and columns summing to 1, its graph connected), or a push-sum one;
    otherwise TopomixError names the first failing row, column or entry.
    """
    t, owned = _as_topology(topology_or_matrix, n, params)
    try:
        return _gap(t, int(step), _method(method), samples, _cost_opts(eps, latency, bandwidth, message_bytes, samples))
    finally:
        if owned:
            t.close()


def _gap(t, step, m, samples, co):
    h = t.handle
    par = lib.tmx_topo_params_of(h)
    base = dict(topology=string(lib.tmx_topo_name(h)), n=int(lib.tmx_topo_n(h)), step=step, seed=int(par.seed),
                weights=string(lib.tmx_weights_name(par.weights)))
    blas_replaced = os.environ.get("TMX_BLAS_REEXEC") or None
    st = lib.tmx_topo_check_mixing(h, step, lib.TMX_MIXING_CONNECTED)
    if st == lib.TMX_EINVAL and lib.tmx_topo_check_mixing(h, step, lib.TMX_MIXING_CONNECTED | lib.TMX_MIXING_PUSH) == 0:
        # a push-sum W: its rates about the Perron vector, densely (docs/definitions.md §20)
        if m in (lib.TMX_METHOD_DFT, lib.TMX_METHOD_ITERATIVE):
            raise invalid(f"method {string(lib.tmx_method_name(m))}: the rates of a push-sum W (columns sum to 1, "
                          "rows do not) are dense only")
        pr = ffi.new("tmx_push_rate *")
        check(lib.tmx_rate_push_topo(h, step, pr))
        slem, gap_ = pr.slem, pr.gap
        clamped = slem > 1.0 or gap_ < 0.0
        return Gap(**base, method="dense", slem=_num(min(slem, 1.0)), beta=_num(pr.beta), spectral_gap=_num(max(gap_, 0.0)),
                   push_sum=True, perron_min=_num(pr.perron_min), perron_max=_num(pr.perron_max),
                   blas=string(lib.tmx_blas_corename()), blas_replaced=blas_replaced, spectral_gap_clamped=clamped,
                   slem_computed=_num(slem) if clamped else None, spectral_gap_computed=_num(gap_) if clamped else None,
                   cost_error="the cost model assumes doubly stochastic W^(k); this W is column stochastic only "
                              "(push-sum)")
    if st == lib.TMX_EINVAL:
        st = lib.tmx_topo_check_mixing(h, step, lib.TMX_MIXING_CONNECTED)  # its message again
    check(st)
    r = ffi.new("tmx_rate *")
    seq = ffi.new("tmx_seq_rate *")
    rnd = ffi.new("tmx_random_rate *")
    check(lib.tmx_rate_topo(h, step, m, r))
    kind = int(lib.tmx_topo_kind_of(h))
    periodic, random_ = kind == lib.TMX_TOPO_PERIODIC, kind == lib.TMX_TOPO_RANDOM
    if periodic:
        check(lib.tmx_rate_periodic(h, m, seq))
    elif random_:
        check(lib.tmx_rate_random(h, int(samples), rnd))
    # a mixing matrix has rho <= ||W - J||_2 <= 1: beyond is rounding, reported as 1 and 0
    slem_raw, gap_raw = r.slem, r.gap
    clamped = r.slem > 1.0 or r.beta > 1.0 or r.gap < 0.0
    f = dict(base, method=string(lib.tmx_method_name(r.method)), slem=_num(min(r.slem, 1.0) if clamped else r.slem),
             beta=_num(min(r.beta, 1.0) if clamped else r.beta), spectral_gap=_num(max(r.gap, 0.0) if clamped else r.gap),
             push_sum=False, spectral_gap_clamped=clamped)
    if clamped:
        f.update(slem_computed=_num(slem_raw), spectral_gap_computed=_num(gap_raw))
    if r.method == lib.TMX_METHOD_ITERATIVE:
        f.update(residual=_num(r.residual), iterations=int(r.iterations))
    if periodic:
        f.update(period=int(seq.period), period_method=string(lib.tmx_method_name(seq.method)),
                 period_rate=_num(seq.period_rate), step_rate=_num(seq.step_rate))
    if random_:
        f.update(p=_num(rnd.p), one_minus_p=_num(rnd.one_minus_p), p_exact=bool(rnd.exact), samples=int(rnd.samples),
                 p_stderr=_num(rnd.stderr_p))
    if r.method == lib.TMX_METHOD_DENSE or (periodic and seq.method == lib.TMX_METHOD_DENSE) or random_:
        f.update(blas=string(lib.tmx_blas_corename()), blas_replaced=blas_replaced)
    # the cost reuses the rates; a size beyond its methods leaves it out with the reason
    co.method = m
    co.samples = int(samples)
    co.rate = r if kind == lib.TMX_TOPO_STATIC else ffi.NULL
    co.seq_rate = seq if periodic else ffi.NULL
    co.random_rate = rnd if random_ else ffi.NULL
    c = ffi.new("tmx_cost *")
    st = lib.tmx_cost_topo(h, co, c)
    if st in (lib.TMX_EUNSUP, lib.TMX_ENOMEM):
        f["cost_error"] = string(lib.tmx_last_error())
        return Gap(**f)
    check(st)
    f.update(_cost_fields(c))
    f.update(latency=_num(c.model.alpha), bandwidth=_num(c.model.bandwidth), message_bytes=_num(c.model.message_bytes))
    return Gap(**f)


def _cost_fields(c):
    return dict(messages_per_step=_num(c.messages_per_step), messages_exact=bool(c.messages_exact), eps=_num(c.eps),
                steps_to_eps=int(c.steps_to_eps) if c.steps_to_eps >= 0 else None,
                steps_method=string(lib.tmx_cost_steps_how_name(c.steps_how)), exact_averaging=bool(c.exact_averaging),
                error_at_steps=_num(c.error_at_steps), messages_to_eps=_num(c.messages_to_eps),
                bytes_per_node_to_eps=_num(c.bytes_per_node_to_eps), time_to_eps=_num(c.time_to_eps))


@dataclass(frozen=True)
class Exact:
    """Exact averaging, as ``topomix exact --format json``: the smallest L with
    max |W^(k+L-1)...W^(k) - J| <= tol/n from each phase k in phases (the largest L over them),
    or exact False and steps None when no L <= max_steps reaches it."""

    topology: str
    n: int
    period: int
    phases: tuple
    max_steps: int
    tol: float
    exact: bool
    steps: int
    residual: float
    one_column: bool


def exact(topology_or_name, n=None, *, phase=0, all_phases=False, max_steps=None, tol=1e-12, **params):
    """Does the topology average exactly in finitely many steps? As ``topomix exact``: an Exact.

    phase: the first step k of the products (all_phases: every phase of a period). max_steps:
    the longest product tried (default: three periods, or 3 ceil(log2 n)). tol: relative to the
    entries 1/n of J. Refuses (TopomixError EINVAL) work above 1e12 multiply-adds, naming the
    max_steps that would fit.
    """
    t, owned = _as_topology(topology_or_name, n, params)
    try:
        h = t.handle
        if tol < 0:
            raise invalid(f"tol must be >= 0, got {tol:g}")
        if all_phases and int(lib.tmx_topo_kind_of(h)) != lib.TMX_TOPO_PERIODIC:
            raise invalid(f"all_phases needs a periodic topology; {string(lib.tmx_topo_name(h))} is not")
        check(lib.tmx_topo_check_mixing(h, int(phase), 0))
        if max_steps is None:
            max_steps = int(lib.tmx_exact_default_max_steps(h))
        first, last = (0, int(lib.tmx_topo_period(h)) - 1) if all_phases else (int(phase), int(phase))
        work = ffi.new("double *")
        check(lib.tmx_exact_work(h, first, int(max_steps), work))
        total = work[0] * (last - first + 1)
        if total > EXACT_MAX_WORK:
            fits = math.floor(EXACT_MAX_WORK / (total / max_steps))
            if fits >= 1:
                raise invalid(f"max_steps {max_steps} would take up to {total:.3g} multiply-adds (limit "
                              f"{EXACT_MAX_WORK:.0e}); give max_steps {fits:.0f} or less")
            raise invalid(f"one step of the product would take {total / max_steps:.3g} multiply-adds (limit "
                          f"{EXACT_MAX_WORK:.0e}); try a smaller n")
        r = ffi.new("tmx_exact_result *")
        ok, steps, residual, one_column = True, 0, 0.0, False
        for k in range(first, last + 1):
            check(lib.tmx_exact_check(h, k, int(max_steps), float(tol), r))
            ok = ok and bool(r.exact)
            steps = max(steps, int(r.steps))
            if r.residual > residual or k == first:
                residual = float(r.residual)
            one_column = bool(r.one_column)
        kind = int(lib.tmx_topo_kind_of(h))
        return Exact(topology=string(lib.tmx_topo_name(h)), n=int(lib.tmx_topo_n(h)),
                     period=None if kind == lib.TMX_TOPO_RANDOM else int(lib.tmx_topo_period(h)),
                     phases=(first, last), max_steps=int(max_steps), tol=float(tol), exact=ok,
                     steps=steps if ok else None, residual=_num(residual), one_column=one_column)
    finally:
        if owned:
            t.close()


@dataclass(frozen=True)
class CompareRow:
    """One topology of compare(), with the fields of ``topomix compare --format json``'s rows."""

    rank: int
    topology: str
    label: str
    kind: str
    n: int
    rate: float
    messages_per_step: float
    messages_exact: bool
    steps_to_eps: int
    steps_method: str
    exact_averaging: bool
    error_at_steps: float
    messages_to_eps: float
    bytes_per_node_to_eps: float
    time_to_eps: float


@dataclass(frozen=True)
class Comparison:
    """compare()'s table: rows ranked by time_to_eps, and the topologies skipped with the reason
    (skipped: families beyond the cost's limits at n; invalid: families not defined at n)."""

    n: int
    eps: float
    latency: float
    bandwidth: float
    message_bytes: float
    rows: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    invalid: list = field(default_factory=list)


_ITEM_KEYS = {"rows": "rows", "p": "p", "k": "k", "M": "m", "eta": "eta", "seed": "seed", "weights": "weights",
              "undirected": "undirected"}


def _parse_item(item, base):
    """NAME[:KEY=VALUE...] of compare's --topologies into (name, params); file:PATH whole."""
    if item.startswith("file:"):
        return item, dict(base)
    name, *rest = item.split(":")
    known = {string(lib.tmx_topo_family(i).name) for i in range(int(lib.tmx_topo_family_count()))}
    if name not in known:
        raise invalid(f"unknown topology '{name}' in topologies (see topomix.families())")
    params = dict(base)
    for kv in rest:
        key, eq, value = kv.partition("=")
        if key not in _ITEM_KEYS:
            raise invalid(f"topologies {item}: unknown parameter '{key}' (rows, p, k, M, eta, seed, weights, undirected)")
        if (key == "undirected") == bool(eq):
            raise invalid(f"topologies {item}: '{key}' {'takes no value' if eq else 'needs a value (KEY=VALUE)'}")
        if key == "undirected":
            params["undirected"] = True
        elif key in ("p", "eta"):
            params[key] = float(value)
        elif key == "weights":
            params[key] = value
        else:
            params[key] = int(value)
    return name, params


def _label(h):
    """compare's label: the name with the parameters that shape it (tools/cmd_compare.c)."""
    name = string(lib.tmx_topo_name(h))
    p = lib.tmx_topo_params_of(h)
    rc = ffi.new("int64_t[2]")
    lib.tmx_topo_shape(h, rc, rc + 1)
    if name == "file":
        s = "file"
    elif name == "base-k":
        s = f"base-k:k={p.k}"
    elif name == "er":
        s = f"er:p={p.p:g}:seed={p.seed}"
    elif name == "equistatic":
        s = f"equistatic:M={p.m}" + (":undirected" if p.undirected else "")
    elif name == "equidyn":
        s = f"equidyn:eta={p.eta:g}" + (":undirected" if p.undirected else "")
    elif p.base != 0 and name != "exp":
        s = f"{name}:base={p.base}"
    elif name == "exp" and p.base > 2:
        s = f"exp:base={p.base}"
    elif name == "npeer-exp":
        s = f"npeer-exp:peers={p.peers}"
    elif name == "random-regular":
        s = f"random-regular:degree={p.degree}:seed={p.seed}"
    elif name == "small-world":
        s = f"small-world:k={p.k}:p={p.p:g}:seed={p.seed}"
    elif rc[0] > 0:
        s = f"{name}:{rc[0]}x{rc[1]}"
    else:
        s = name
    if p.weights != lib.TMX_WEIGHTS_DEFAULT:
        s += f":weights={string(lib.tmx_weights_name(p.weights))}"
    return s


def compare(n, topologies=None, *, eps=None, latency=None, bandwidth=None, message_bytes=None, samples=None,
            **params):
    """Every topology at n workers ranked by the time its gossip takes to reach consensus error eps,
    as ``topomix compare``: a Comparison.

    topologies: a list of items (or one comma-separated string) in compare's syntax: "all" (the
    registry, default), a name, "NAME:KEY=VALUE[:...]" with KEY rows, p, k, M, eta, seed, weights
    or undirected, or "file:PATH". Keyword topology parameters apply to every item. A family
    invalid at n is listed in ``invalid`` unless named explicitly, where it raises TopomixError;
    families needing dense O(n^3) work are skipped above n = 2048.
    """
    o = _cost_opts(eps, latency, bandwidth, message_bytes, samples)
    items = topologies if topologies is not None else ["all"]
    if isinstance(items, str):
        items = items.split(",")
    if not items:
        raise invalid("topologies names no topology")
    plan = []
    for item in items:
        if item == "all":
            plan += [(string(lib.tmx_topo_family(i).name), dict(params), False)
                     for i in range(int(lib.tmx_topo_family_count()))
                     if string(lib.tmx_topo_family(i).name) != "file"]
        else:
            name, p = _parse_item(item, params)
            plan.append((name, p, True))
    rows, skipped, invalid_ = [], [], []
    for name, p, explicit in plan:
        out = ffi.new("tmx_topo **")
        pp = make_params(n, p)
        st = lib.tmx_topo_new(name.encode(), pp, out)
        t = Topology(out[0], name) if st == lib.TMX_OK else None
        try:
            if st == lib.TMX_OK:
                st = lib.tmx_topo_check_mixing(t.handle, 0, lib.TMX_MIXING_CONNECTED)
            if st != lib.TMX_OK:
                if explicit or st not in (lib.TMX_EINVAL, lib.TMX_ENOMEM):
                    try:
                        raise_status(st)
                    except TopomixError as e:
                        raise TopomixError(e.status, f"{name} at n={n}: {e.message}", e.code) from None
                invalid_.append((name, string(lib.tmx_last_error())))
                continue
            h = t.handle
            label = name if string(lib.tmx_topo_name(h)) == "file" else _label(h)
            if n > COMPARE_DENSE_MAX_N and string(lib.tmx_topo_name(h)) not in _COMPARE_CHEAP:
                skipped.append((label, f"needs dense O(n^3) work above n = {COMPARE_DENSE_MAX_N}, several seconds "
                                       f"(topomix gap {string(lib.tmx_topo_name(h))} -n {n} computes it)"))
                continue
            c = ffi.new("tmx_cost *")
            st = lib.tmx_cost_topo(h, o, c)
            if st in (lib.TMX_EUNSUP, lib.TMX_ENOMEM):
                skipped.append((label, string(lib.tmx_last_error())))
                continue
            if st != lib.TMX_OK:
                try:
                    raise_status(st)
                except TopomixError as e:
                    raise TopomixError(e.status, f"{label}: {e.message}", e.code) from None
            rows.append(dict(topology=string(lib.tmx_topo_name(h)), label=label, kind=KINDS[int(lib.tmx_topo_kind_of(h))],
                             n=int(n), rate=_num(c.rate),
                             **{k: v for k, v in _cost_fields(c).items() if k != "eps"}))
        finally:
            if t is not None:
                t.close()
    if not rows:
        raise invalid(f"no topology could be compared at n={n}")
    inf = float("inf")
    rows.sort(key=lambda r: (r["time_to_eps"] if r["time_to_eps"] is not None else inf,
                             r["steps_to_eps"] if r["steps_to_eps"] is not None else -1, r["label"]))
    return Comparison(n=int(n), eps=_num(o.eps), latency=_num(o.model.alpha), bandwidth=_num(o.model.bandwidth),
                      message_bytes=_num(o.model.message_bytes),
                      rows=[CompareRow(rank=i + 1, **r) for i, r in enumerate(rows)], skipped=skipped,
                      invalid=invalid_)
