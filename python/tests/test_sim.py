"""simulate against topomix sim: the same options and seed give the CLI's log, byte for byte."""

import math
import os

import numpy as np
import pytest

import topomix
from conftest import cli_error, run_cli

HEART = "/usr/share/doc/liblinear-tools/examples/heart_scale"


def csv_rows(log):
    """The log's rows as tools/sim_log.c writes them in CSV (accuracy and staleness empty when not
    finite)."""
    lines = [",".join(topomix.COLUMNS)]
    for i in range(len(log["iter"])):
        def g(c):
            return "%.17g" % log[c][i]

        def opt(c):
            return g(c) if math.isfinite(log[c][i]) else ""

        lines.append(f"{log['iter'][i]},{g('loss')},{g('grad_norm2')},{g('consensus')},{opt('accuracy')},"
                     f"{log['gossip_rounds'][i]},{log['messages'][i]},{g('bytes_sent')},{g('lr')},{g('time')},"
                     f"{opt('staleness')}")
    return lines


def cli_rows(*args):
    out = run_cli("sim", "--quiet", *args).stdout
    return [line for line in out.splitlines() if not line.startswith("#")]


# (topology, n, simulate keywords, CLI options)
RUNS = [
    ("ring", 8, dict(iters=30, lr=0.5, batch=16, dim=10), "--iters 30 --lr 0.5 --batch 16 --dim 10"),
    ("exp", 16, dict(algo="gt", iters=40, lr=0.3, batch="full", dim=20, samples=50, hetero=1.0, log_every=7, seed=4),
     "--algo gt --iters 40 --lr 0.3 --batch full --dim 20 --samples 50 --hetero 1 --log-every 7 --seed 4"),
    ("onepeer-exp", 8, dict(algo="qgdmsgd", momentum=0.8, iters=25, lr=0.2, batch=8, dim=12, precision="f32",
                            lr_decay=[0.5], lr_decay_factor=0.5, warmup=3),
     "--algo qgdmsgd --momentum 0.8 --iters 25 --lr 0.2 --batch 8 --dim 12 --precision f32 --lr-decay 0.5 "
     "--lr-decay-factor 0.5 --warmup 3"),
    ("ring", 8, dict(algo="adpsgd", iters=20, lr=0.3, batch=8, dim=10, compute_time="exp:0.2", slow={3: 10},
                     message_bytes=1e6), "--algo adpsgd --iters 20 --lr 0.3 --batch 8 --dim 10 --compute-time exp:0.2 "
                                         "--slow 3:10 --message-bytes 1e6"),
    ("matching", 8, dict(problem="mlp", classes=3, hidden=5, iters=20, lr=0.5, batch=8, dim=6, seed=9),
     "--problem mlp --classes 3 --hidden 5 --iters 20 --lr 0.5 --batch 8 --dim 6 --seed 9"),
    ("ring", 16, dict(iters=30, lr=0.5, batch=8, dim=10, consensus_target="adaptive:0.01", target_loss=0.45),
     "--iters 30 --lr 0.5 --batch 8 --dim 10 --consensus-target adaptive:0.01 --target-loss 0.45"),
    ("torus", 9, dict(algo="coop", aux=3, period=2, iters=20, lr=0.4, batch=4, dim=5, problem="lsq-nc"),
     "--algo coop --aux 3 --period 2 --iters 20 --lr 0.4 --batch 4 --dim 5 --problem lsq-nc"),
]


@pytest.mark.parametrize("name,n,kw,opts", RUNS, ids=[f"{r[0]}-{r[2].get('algo', 'dsgd')}" for r in RUNS])
def test_simulate_reproduces_cli_log(name, n, kw, opts):
    expected = cli_rows("--topology", name, "-n", n, *opts.split())
    run = topomix.simulate(name, n, **kw)
    assert csv_rows(run.log) == expected
    assert run.models.shape == (n, run.models.shape[1]) and np.all(np.isfinite(run.models))
    assert run.iterations == run.log["iter"][-1]
    if "target_loss" in kw:
        assert run.reached_target == (run.log["loss"][-1] <= kw["target_loss"])


def test_simulate_on_a_topology_object_and_numpy_data(tmp_path):
    data = tmp_path / "synth.svm"
    run_cli("data", "gen", "-n", 8, "--samples", 30, "--dim", 7, "--hetero", 1, "-o", data)
    X, y = [], []
    for line in data.read_text().splitlines():  # LIBSVM: label idx:val ... (1-based indices)
        parts = line.split()
        row = np.zeros(7)
        for tok in parts[1:]:
            i, v = tok.split(":")
            row[int(i) - 1] = float(v)
        X.append(row)
        y.append(float(parts[0]))
    opts = "--iters 20 --lr 0.5 --batch 8 --dim 7 --partition shuffle --seed 3".split()
    expected = cli_rows("--topology", "exp", "-n", 8, "--data", data, *opts)
    kw = dict(iters=20, lr=0.5, batch=8, dim=7, partition="shuffle", seed=3)
    with topomix.topology("exp", 8, seed=3) as t:
        assert csv_rows(topomix.simulate(t, data=(np.array(X), np.array(y)), **kw).log) == expected
        assert csv_rows(topomix.simulate(t, data=str(data), **kw).log) == expected


@pytest.mark.skipif(not os.path.exists(HEART), reason=f"{HEART} is missing (Debian's liblinear-tools)")
def test_simulate_libsvm_label_skew():
    opts = "--algo dpsgd --iters 20 --lr 0.5 --batch full --partition label-skew:0.5".split()
    expected = cli_rows("--topology", "ring", "-n", 10, "--data", HEART, *opts)
    run = topomix.simulate("ring", 10, algo="dpsgd", iters=20, lr=0.5, batch="full", data=HEART,
                           partition="label-skew:0.5")
    assert csv_rows(run.log) == expected


def test_checkpoint_resume_equals_one_run(tmp_path):
    ck = tmp_path / "ck"
    kw = dict(iters=40, lr=0.5, batch=8, dim=10)
    whole = topomix.simulate("exp", 8, **dict(kw, iters=80))
    first = topomix.simulate("exp", 8, checkpoint=str(ck), checkpoint_every=20, **kw)
    assert ck.exists() and first.iterations == 40
    rest = topomix.simulate("exp", 8, resume=str(ck), **dict(kw, iters=80))
    assert rest.log["iter"][0] == 50  # the rows after the checkpoint
    assert csv_rows(first.log) + csv_rows(rest.log)[1:] == csv_rows(whole.log)
    np.testing.assert_array_equal(rest.models, whole.models)
    # the CLI resumes the binding's checkpoint to the same rows
    expected = cli_rows("--topology", "exp", "-n", 8, "--iters", 80, "--lr", 0.5, "--batch", 8, "--dim", 10,
                        "--resume", ck)
    assert expected[-1] == csv_rows(whole.log)[-1]


def test_frame():
    run = topomix.simulate("ring", 4, iters=10, lr=0.5, batch=4, dim=3, samples=20)
    assert set(run.log) == set(topomix.COLUMNS) and run.log["iter"].dtype == np.int64
    pd = pytest.importorskip("pandas")
    assert isinstance(run.frame, pd.DataFrame) and list(run.frame.columns) == list(topomix.COLUMNS)


def test_simulate_errors():
    with pytest.raises(topomix.TopomixError) as e:
        topomix.simulate("ring", 8, algo="sgd")
    assert e.value.status == "EINVAL"
    assert str(e.value) == cli_error("sim", "--topology", "ring", "-n", 8, "--algo", "sgd")
    with pytest.raises(topomix.TopomixError) as e:
        topomix.simulate("ring", 8, partition="random")
    assert str(e.value) == cli_error("sim", "--topology", "ring", "-n", 8, "--partition", "random")
    with pytest.raises(topomix.TopomixError) as e:
        topomix.simulate("ring", 8, data="/nonexistent.svm")
    assert str(e.value) == cli_error("sim", "--topology", "ring", "-n", 8, "--data", "/nonexistent.svm")
    with pytest.raises(topomix.TopomixError, match="every label maps to the same class"):
        topomix.simulate("ring", 2, data=(np.ones((4, 2)), np.ones(4)))


def test_divergence_keeps_the_rows():
    with pytest.raises(topomix.TopomixError) as e:
        topomix.simulate("ring", 4, problem="lsq-nc", iters=200, lr=1e6, batch=4, dim=5, samples=20)
    assert e.value.status == "ENOCONV" and e.value.result.diverged
    assert e.value.result.log["iter"][0] == 0


def test_device_backend_against_the_cpu():
    """device="gpu" runs the device backend (Thrust on the host's cores in an omp build): the same
    trajectory as the CPU backend up to summation order (1e-10 relative on the logged loss and
    consensus, 1e-12 of the models' scale), with the backend named; where there is none, the
    library's one-line reason, from simulate and from device() alike."""
    kw = dict(algo="dmsgd", momentum=0.9, iters=20, lr=0.2, batch=8, dim=12, samples=40, hetero=1.0, log_every=5)
    cpu = topomix.simulate("ring", 6, **kw)
    assert cpu.backend == "cpu"
    if not topomix.lib.tmx_sim_device_available():
        with pytest.raises(topomix.TopomixError) as e:
            topomix.simulate("ring", 6, device="gpu", **kw)
        with pytest.raises(topomix.TopomixError) as d:
            topomix.device()
        assert str(e.value) == str(d.value) and "device" in str(e.value)
        return
    dev = topomix.simulate("ring", 6, device="gpu", **kw)
    assert dev.backend.startswith("thrust-") and topomix.device().startswith(dev.backend)
    for c in ("loss", "consensus"):
        np.testing.assert_allclose(dev.log[c], cpu.log[c], rtol=1e-10, atol=0)
    assert np.array_equal(dev.log["gossip_rounds"], cpu.log["gossip_rounds"])
    scale = np.abs(cpu.models).max()
    assert np.abs(dev.models - cpu.models).max() <= 1e-12 * scale
    with pytest.raises(topomix.TopomixError, match="unknown device 'tpu'"):
        topomix.simulate("ring", 6, device="tpu", **kw)
