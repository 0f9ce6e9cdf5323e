"""The simulator: n agents running D-SGD and its relatives, driven as topomix sim drives it."""

import math
from dataclasses import dataclass

import numpy as np

from ._lib import TopomixError, check, ffi, invalid, lib, string
from ._topology import Topology

COLUMNS = ("iter", "loss", "grad_norm2", "consensus", "accuracy", "gossip_rounds", "messages", "bytes_sent", "lr",
           "time", "staleness")
_INT_COLUMNS = {"iter", "gossip_rounds", "messages"}


@dataclass
class SimResult:
    """A run of simulate().

    log: the logged rows as a dict of NumPy arrays, one per column of topomix sim's log (iter,
    loss, grad_norm2, consensus, accuracy, gossip_rounds, messages, bytes_sent, lr, time,
    staleness; accuracy and staleness NaN where the CLI leaves them empty), or a pandas DataFrame
    with as_frame=True. models: the agents' final models, an (n, d) array. final: every metric of
    the last state (tmx_sim_metrics, with the simulated time's compute and communication split).
    reached_target: whether target_loss was reached (None without one); timed_out: the run
    stopped at time_limit; diverged: the state held NaN or Inf (the rows up to it are kept);
    backend: "cpu", "thrust-omp" or "thrust-cuda".
    """

    log: dict
    models: np.ndarray
    final: dict
    iterations: int
    reached_target: bool = None
    timed_out: bool = False
    diverged: bool = False
    message: str = None
    backend: str = "cpu"

    @property
    def frame(self):
        """The log as a pandas DataFrame (needs pandas)."""
        import pandas as pd  # optional dependency: ImportError says what is missing

        return self.log if isinstance(self.log, pd.DataFrame) else pd.DataFrame(self.log)


def _metrics_dict(m):
    return {k: (int(getattr(m, k)) if k in ("iter", "gossip_rounds", "messages", "control_capped", "events")
                else float(getattr(m, k)))
            for k in ("iter", "loss", "grad_norm2", "consensus", "accuracy", "lr", "gossip_rounds", "messages",
                      "bytes_sent", "control_target", "control_capped", "time", "time_compute", "time_comm",
                      "staleness", "events")}


def _enum(parse, value, ctype):
    out = ffi.new(ctype + " *")
    check(parse(str(value).encode(), out))
    return out[0]


def _labels(y, mode):
    """Labels mapped as the LIBSVM reader maps them (lib/src/data/libsvm.c): binary y > 0 -> +1,
    else -1 (both needed); classes: distinct values ascending -> 0..C-1 (C >= 2); raw as given."""
    y = np.asarray(y, dtype=np.float64).ravel()
    if not np.all(np.isfinite(y)):
        raise invalid("data: labels must be finite")
    if mode == lib.TMX_LABELS_RAW:
        return y.copy(), 0
    if mode == lib.TMX_LABELS_BINARY:
        if not (np.any(y > 0) and np.any(y <= 0)):
            raise invalid("data: every label maps to the same class (a binary problem maps labels > 0 to +1, the "
                          "others to -1, and needs both)")
        return np.where(y > 0, 1.0, -1.0), 2
    classes, idx = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise invalid("data: every sample has the same label: classification needs 2 classes or more")
    return idx.astype(np.float64), len(classes)


def simulate(topology, n=None, *, algo="dsgd", problem="logreg-nc", data=None, partition="contiguous", dim=None,
             samples=200, hetero=0.0, noise=0.1, classes=3, hidden=None, reg=None, iters=None, lr=None,
             lr_schedule=None, lr_decay=None, lr_decay_factor=None, warmup=None, momentum=None, qg_mu=None,
             batch=None, period=None, alpha=None, aux=0, init=None, consensus_target=None, control_phases=None,
             control_max_rounds=None, precision=None, compute_time=None, slow=None, latency=None, bandwidth=None,
             message_bytes=None, target_loss=None, time_limit=None, log_every=10, checkpoint=None,
             checkpoint_every=None, resume=None, seed=1, device=None, as_frame=False, **topology_params):
    """Simulates n agents training over a topology, as ``topomix sim`` does, and returns a
    SimResult (the log, the final (n, d) models). The same options and seed give the CLI's log.

    topology: a Topology over n + aux nodes, or a family name (then n, and topology parameters as
    for topology(), with seed). algo: dsgd, dpsgd, dmsgd, vdmsgd, qgdmsgd, psgd, local, easgd,
    coop, gt, adpsgd, sgp. problem: logreg-nc, lsq-nc, mlp. data: None (synthetic: dim features,
    default 100, samples per agent, hetero, noise, classes for mlp), a LIBSVM file path, or a
    pair (X, y) of arrays (m x d features, m labels; mapped as the LIBSVM reader maps them),
    split by partition ("contiguous", "shuffle", "label-skew:ALPHA"). The other keywords are
    topomix sim's options of the same names (None: the library's default): batch (an int, or
    "full"), lr_decay (fractions of iters), consensus_target ("const:F" or "adaptive:F"),
    control_phases (phase numbers), compute_time ("T", "exp:T", "lognormal:T,SIGMA",
    "uniform:A,B"), slow ({node: factor}), checkpoint (a path, written every checkpoint_every
    iterations), resume (a checkpoint to continue from; the log then starts after it), device
    ("cpu" or "gpu": the device backend, see device(); SimResult.backend names the one that ran).
    A run whose state becomes NaN or Inf raises TopomixError (ENOCONV) carrying the rows logged
    so far as its ``result``.
    """
    # ---- configuration (tools/cmd_sim.c's options, in its order) ----------------------------
    cfg = ffi.new("tmx_sim_config *")
    lib.tmx_sim_config_init(cfg)
    cfg.algo = _enum(lib.tmx_algo_parse, algo, "tmx_algo")
    cfg.problem = _enum(lib.tmx_problem_parse, problem, "tmx_problem_kind")
    if iters is not None:
        cfg.iters = int(iters)
    if lr is not None:
        if not float(lr) > 0:
            raise invalid(f"lr must be > 0, got {lr}")
        cfg.lr = float(lr)
    if lr_schedule is not None:
        schedules = {"const": lib.TMX_LR_CONST, "step": lib.TMX_LR_STEP, "cosine": lib.TMX_LR_COSINE}
        if lr_schedule not in schedules:
            raise invalid(f"unknown lr_schedule '{lr_schedule}' (const, step, cosine)")
        cfg.schedule = schedules[lr_schedule]
    if lr_decay is not None:
        decay = [float(x) for x in lr_decay]
        if not 1 <= len(decay) <= lib.TMX_SIM_MAX_DECAYS:
            raise invalid(f"lr_decay: 1 to {lib.TMX_SIM_MAX_DECAYS} decay points, got {len(decay)}")
        for i, x in enumerate(decay):
            cfg.decay_at[i] = x
        cfg.ndecay = len(decay)
        if cfg.schedule == lib.TMX_LR_CONST:
            cfg.schedule = lib.TMX_LR_STEP
    for key, value in (("decay_factor", lr_decay_factor), ("momentum", momentum), ("reg", reg), ("alpha", alpha)):
        if value is not None:
            setattr(cfg, key, float(value))
    for key, value in (("warmup", warmup), ("period", period), ("hidden", hidden)):
        if value is not None:
            setattr(cfg, key, int(value))
    if qg_mu is not None:
        if not 0.0 <= float(qg_mu) < 1.0:
            raise invalid(f"qg_mu must be in [0, 1), got {qg_mu}")
        cfg.qg_mu = float(qg_mu)
    if batch is not None:
        cfg.batch = 0 if batch == "full" else int(batch)
        if batch != "full" and cfg.batch < 1:
            raise invalid(f"batch must be >= 1 or 'full', got {batch}")
    cfg.aux = int(aux)
    if init is not None:
        if not float(init) >= 0.0:
            raise invalid(f"init must be >= 0, got {init}")
        cfg.init_scale = float(init)
    if consensus_target is not None:
        kind, _, factor = str(consensus_target).partition(":")
        if kind not in ("const", "adaptive") or not factor:
            raise invalid(f"consensus_target expects const:F or adaptive:F, got '{consensus_target}'")
        cfg.control = lib.TMX_CONTROL_CONST if kind == "const" else lib.TMX_CONTROL_ADAPTIVE
        cfg.control_factor = float(factor)
    if control_phases is not None:
        cfg.control_phases = 0
        for ph in control_phases:
            cfg.control_phases |= 1 << int(ph)
    if control_max_rounds is not None:
        cfg.control_max_rounds = int(control_max_rounds)
    if precision is not None:
        cfg.precision = _enum(lib.tmx_precision_parse, precision, "tmx_precision")
    if device is not None:
        cfg.device = _enum(lib.tmx_device_parse, device, "tmx_device")
    if compute_time is not None:
        check(lib.tmx_compute_time_parse(str(compute_time).encode(), cfg))
    for key, value, cond in (("latency", latency, lambda x: x >= 0), ("bandwidth", bandwidth, lambda x: x > 0),
                             ("message_bytes", message_bytes, lambda x: x >= 0)):
        if value is not None:
            if not cond(float(value)):
                raise invalid(f"{key} must be {'> 0' if key == 'bandwidth' else '>= 0'}, got {value}")
            setattr(cfg, key, float(value))
    if time_limit is not None and not float(time_limit) > 0:
        raise invalid(f"time_limit must be > 0 seconds, got {time_limit}")
    if checkpoint_every is not None and checkpoint is None:
        raise invalid("checkpoint_every needs checkpoint (a path)")
    for a in ("adpsgd", "sgp"):
        if cfg.algo == getattr(lib, "TMX_ALGO_" + a.upper()) and (consensus_target is not None or
                                                                  control_max_rounds is not None):
            raise invalid(f"{'consensus_target' if consensus_target is not None else 'control_max_rounds'} does not "
                          f"apply to algo {a}")
    if int(log_every) < 1:
        raise invalid(f"log_every must be >= 1, got {log_every}")

    # ---- topology over n + aux nodes --------------------------------------------------------
    owned = None
    if isinstance(topology, Topology):
        if n is not None or topology_params:
            raise TypeError("n and topology parameters go with a topology name, not a Topology")
        topo = topology
        n = topo.n - cfg.aux
    else:
        if n is None:
            raise invalid("n (the number of agents) is required with a topology name")
        from ._topology import topology as make_topology

        owned = topo = make_topology(topology, int(n) + cfg.aux, seed=seed, **topology_params)
    n = int(n)
    cfg.seed = int(seed)
    keep = []  # arrays the C structs point into, alive until the run ends
    if slow is not None:
        factors = np.ones(n)
        for i, f in dict(slow).items():
            if not 0 <= int(i) < n:
                raise invalid(f"slow: node {i} is not one of the {n} workers (0..{n - 1})")
            if not float(f) > 0:
                raise invalid(f"slow factor must be > 0, got {f}")
            factors[int(i)] = float(f)
        keep.append(factors)
        cfg.slowdown = ffi.from_buffer("double[]", factors)

    D = ffi.new("tmx_dataset *")
    P = ffi.new("tmx_partition *")
    sim = ffi.new("tmx_sim **")
    owns_data = True
    try:
        # ---- data and partition ---------------------------------------------------------------
        mode = (lib.TMX_LABELS_CLASSES if cfg.problem == lib.TMX_PROB_MLP else
                lib.TMX_LABELS_RAW if cfg.problem == lib.TMX_PROB_LSQ_NC else lib.TMX_LABELS_BINARY)
        pk = ffi.new("tmx_partition_kind *")
        palpha = ffi.new("double *")
        check(lib.tmx_partition_parse(str(partition).encode(), pk, palpha))
        if data is not None and hetero:
            raise invalid("hetero applies to synthetic data, not data")
        if isinstance(data, (str, bytes)) or hasattr(data, "__fspath__"):
            import os

            check(lib.tmx_libsvm_read_file(os.fsencode(data), int(dim or 0), mode, D))
        elif data is not None:
            X, y = data
            X = np.ascontiguousarray(X, dtype=np.float64)
            if X.ndim != 2 or len(X) == 0:
                raise invalid(f"data: X must be an m x d array with m >= 1, got shape {X.shape}")
            if dim is not None and int(dim) != X.shape[1]:
                raise invalid(f"data: dim={dim} but X has {X.shape[1]} features")
            if not np.all(np.isfinite(X)):
                raise invalid("data: X must be finite")
            labels, nclass = _labels(y, mode)
            if len(labels) != len(X):
                raise invalid(f"data: {len(X)} samples but {len(labels)} labels")
            keep += [X, labels]
            owns_data = False  # numpy's memory: never tmx_dataset_destroy'ed
            D.m, D.d, D.nclass = X.shape[0], X.shape[1], nclass
            D.A = ffi.from_buffer("double[]", X)
            D.y = ffi.from_buffer("double[]", labels)
        else:
            sp = ffi.new("tmx_synth_params *")
            lib.tmx_synth_params_init(sp)
            sp.d, sp.per_shard, sp.hetero, sp.noise = 100, int(samples), float(hetero), float(noise)
            sp.shards = n
            if dim is not None:
                sp.d = int(dim)
            sp.seed = int(seed)
            sp.mode = mode
            sp.nclass = int(classes)
            check(lib.tmx_data_synth(sp, D))
        check(lib.tmx_partition_make(D, n, pk[0], palpha[0], int(seed), P))

        # ---- the run --------------------------------------------------------------------------
        h = topo.handle
        flags = lib.TMX_MIXING_PUSH if cfg.algo == lib.TMX_ALGO_SGP else 0
        check(lib.tmx_topo_check_mixing(h, 0, flags))
        check(lib.tmx_sim_new(cfg, h, D, P, sim))
        s = sim[0]
        if resume is not None:
            check(lib.tmx_sim_load(s, str(resume).encode()))
        if checkpoint is not None:
            check(lib.tmx_sim_checkpoint_writable(str(checkpoint).encode()))
        return _run(s, cfg, n, int(log_every), target_loss, time_limit, checkpoint, checkpoint_every, as_frame)
    finally:
        if sim[0] != ffi.NULL:
            lib.tmx_sim_free(sim[0])
        lib.tmx_partition_destroy(P)
        if owns_data:
            lib.tmx_dataset_destroy(D)
        if owned is not None:
            owned.close()


def _run(s, cfg, n, log_every, target_loss, time_limit, checkpoint, checkpoint_every, as_frame):
    rows = []
    m = ffi.new("tmx_sim_metrics *")
    limit = math.inf if time_limit is None else float(time_limit)
    reached = timed_out = diverged = False
    message = None
    start = int(lib.tmx_sim_iter(s))
    have_m = False
    if start == 0:
        check(lib.tmx_sim_metrics_get(s, m))
        have_m = True
        rows.append(_metrics_dict(m))
        reached = target_loss is not None and m.loss <= target_loss
    while not reached and lib.tmx_sim_iter(s) < cfg.iters:
        st = lib.tmx_sim_step(s)
        k = int(lib.tmx_sim_iter(s))
        timed_out = lib.tmx_sim_time(s) >= limit
        if st == lib.TMX_ENOCONV:
            diverged, message = True, string(lib.tmx_last_error())
            break
        check(st)
        if k % log_every == 0 or k == cfg.iters or timed_out:
            st = lib.tmx_sim_metrics_get(s, m)
            if st != lib.TMX_OK:
                diverged, message = True, string(lib.tmx_last_error())
                break
            have_m = True
            rows.append(_metrics_dict(m))
            reached = target_loss is not None and m.loss <= target_loss
        if checkpoint is not None and checkpoint_every and k % int(checkpoint_every) == 0:
            check(lib.tmx_sim_save(s, str(checkpoint).encode()))
        if timed_out:
            break
    if not diverged and not have_m:
        check(lib.tmx_sim_metrics_get(s, m))  # nothing left to run (a finished checkpoint)
    log = {c: np.array([r[c] for r in rows], dtype=np.int64 if c in _INT_COLUMNS else np.float64) for c in COLUMNS}
    d = int(lib.tmx_sim_dim(s))
    models = np.empty((n, d))
    for i in range(n):
        models[i] = np.frombuffer(ffi.buffer(lib.tmx_sim_model(s, i), 8 * d), dtype=np.float64)
    if as_frame:
        import pandas as pd

        log = pd.DataFrame(log)
    result = SimResult(log=log, models=models, final=_metrics_dict(m) if (have_m or not diverged) else {},
                       iterations=int(lib.tmx_sim_iter(s)),
                       reached_target=None if target_loss is None else bool(reached), timed_out=bool(timed_out),
                       diverged=diverged, message=message, backend=string(lib.tmx_sim_backend_name(s)))
    if diverged:
        err = TopomixError("ENOCONV", message, int(lib.TMX_ENOCONV))
        err.result = result
        raise err
    return result
