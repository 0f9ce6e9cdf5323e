#!/usr/bin/python3
"""Benchmark: many agents, small models (issue 16) — `topomix sim --algo dsgd --problem lsq-nc
--topology ring` against the vectorised NumPy and PyTorch references of the same run
(ref_agents_numpy.py, ref_agents_torch.py) and against the memory-traffic bound, in one run.

For each (n, d, m, B), by default (10⁴, 100, 50, 8), (10⁵, 10, 10, 4), (10⁶, 10, 4, 2) and
(4096, 100, 50, 8):
  - pilots of topomix choose T iterations for about --seconds of iterating;
  - --reps rounds (default 3), each running, one after the other: topomix with T iterations,
    topomix with 1 iteration, the NumPy reference, the PyTorch reference and the STREAM-like copy
    (stream_copy), so that every implementation sees the same drift of the shared machine;
  - each round also runs topomix on one thread (OMP_NUM_THREADS=1; --no-one-thread skips it): on
    a shared machine a busy neighbour stalls a two-thread OpenMP team at every barrier;
  - topomix's time per iteration is (t_T − t_1)/(T − 1), with t_T and t_1 the loop times that its
    summary line reports (start-up excluded): the difference removes the two evaluations of the
    logged metrics (iteration 0 and the last), which read the whole dataset and are not part of an
    iteration. The references time their iteration loop alone (after a warm-up and pilots that
    pick their faster gossip and, for PyTorch, thread count);
  - the memory-traffic bound: the bytes an iteration must move,
        bytes = 2·n·d·s  (the state read once and written once)
              + n·B·(d·s + 8)  (the sampled rows and their labels, which stay in double)
              + 16·nnz(W) + 8·(n + 1)  (W in CSR: int64 columns, double values, row offsets),
    s = 8 for f64, over the bandwidth of the copy sampled in the same round; the ratio
    iteration time / (bytes / copy bandwidth) is ≥ 1 for any implementation;
  - at n = 10⁶ the peak resident memory of topomix in f64 (the timed runs) and in f32 (one more
    run), from wait4's rusage of the child, against 24 GiB.
Medians over the rounds are reported, with the ratios topomix/NumPy and topomix/PyTorch and the
targets of issue 16 (≥ 5× each; iteration ≤ 2× its bound): printed, not enforced.

The machine is shared: the script prints nproc, the load average before and after, and the share
of the CPUs that other processes took meanwhile; figures taken under load are noisy.

Usage: bench_agents.py --topomix PATH --stream PATH [--quick] [--reps K] [--seconds S]
                       [--no-torch] [--no-one-thread] [N:D:M:B ...]
--quick: one small size (2048, 10, 10, 4), one round of short fixed runs, and the references'
--check of their step against a per-agent loop: seconds; a smoke test of this script (exit 1
when a part fails or prints nothing readable), not a measurement.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
DEFAULT = [(10_000, 100, 50, 8), (100_000, 10, 10, 4), (1_000_000, 10, 4, 2), (4096, 100, 50, 8)]
QUICK = [(2048, 10, 10, 4)]
GIB = 1024 ** 3


class Failed(Exception):
    pass


def run(cmd):
    """Runs cmd; returns (stdout, stderr, exit status, peak RSS in bytes, CPU seconds)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        p = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return out.read(), err.read(), p.returncode, ru.ru_maxrss * 1024, ru.ru_utime + ru.ru_stime


CHILD_CPU = [0.0]


def checked(cmd, what):
    out, err, rc, rss, cpu = run(cmd)
    CHILD_CPU[0] += cpu
    if rc != 0:
        raise Failed(f"{what} exited with {rc}: {(err or out).strip().splitlines()[-1:] or ''}")
    return out, err, rss


def fields(line):
    return {k: v for k, v in re.findall(r"(\w+)=(\S+)", line)}


def topomix(exe, c, iters, precision="f64", threads=0):
    """Loop seconds (start-up excluded), start-up seconds and peak RSS of one `topomix sim` run
    (threads > 0: with OMP_NUM_THREADS=threads)."""
    n, d, m, b = c
    cmd = ([] if threads <= 0 else ["env", f"OMP_NUM_THREADS={threads}"]) + [exe, "sim", "--algo", "dsgd", "--problem", "lsq-nc", "--topology", "ring", "-n", str(n), "--dim", str(d),
           "--samples", str(m), "--batch", str(b), "--iters", str(iters), "--seed", "1", "--log-every", str(iters),
           "--log", os.devnull, "--precision", precision]
    _, err, rss = checked(cmd, "topomix sim")
    g = re.search(r"(\d+) iterations in ([\d.]+) s .*start-up ([\d.]+) s\).*peak memory ([\d.]+) MiB", err)
    if not g or int(g.group(1)) != iters:
        raise Failed(f"topomix sim: no summary line in {err.strip()[:300]!r}")
    return float(g.group(2)), float(g.group(3)), rss


def reference(script, c, args, what):
    out, _, _ = checked([PY, os.path.join(HERE, script), *map(str, c), *args], what)
    info = next((l[6:] for l in out.splitlines() if l.startswith("info: ")), "")
    res = next((l for l in out.splitlines() if l.startswith("result: ")), None)
    if res is None:
        raise Failed(f"{what}: no result line in {out.strip()[:300]!r}")
    if "unavailable" in res:
        return None, res[8:], info
    f = fields(res)
    if "ips" not in f or not float(f["ips"]) > 0:
        raise Failed(f"{what}: unreadable result {res!r}")
    return f, res, info


def stream(exe, quick):
    out, _, _ = checked([exe, "64", "3"] if quick else [exe], "stream_copy")
    f = fields(out)
    if "gbs" not in f:
        raise Failed(f"stream_copy: unreadable {out!r}")
    return float(f["gbs"]) * 1e9, int(f["threads"])


def traffic(c, s=8):
    """Bytes an iteration must move (see the module's docstring); the ring's W has 3n entries."""
    n, d, _, b = c
    return 2 * n * d * s + n * b * (d * s + 8) + 16 * 3 * n + 8 * (n + 1)


def busy_seconds():
    """CPU-seconds the whole machine has spent busy (user, nice, system, irq, softirq) so far."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return (v[0] + v[1] + v[2] + v[5] + v[6]) / os.sysconf("SC_CLK_TCK")


def med(v):
    return statistics.median(v) if v else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--topomix", required=True)
    ap.add_argument("--stream", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=2.5)
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--no-one-thread", action="store_true", help="skip the runs of topomix on one thread")
    ap.add_argument("configs", nargs="*", help="N:D:M:B (replace the defaults)")
    o = ap.parse_args()
    confs = [tuple(int(v) for v in s.split(":")) for s in o.configs] or (QUICK if o.quick else DEFAULT)
    if any(len(c) != 4 or min(c) < 1 or c[0] < 3 for c in confs):
        ap.error("configurations are N:D:M:B with N >= 3 and the others >= 1")
    reps = 1 if o.quick else o.reps
    one_too = (os.cpu_count() or 1) > 1 and not o.no_one_thread
    seconds = 0.3 if o.quick else o.seconds

    t_start, busy0, load0 = time.time(), busy_seconds(), os.getloadavg()
    cpu0 = os.times()
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print("many-agents: topomix sim --algo dsgd --problem lsq-nc --topology ring (Metropolis 1/3), f64, --seed 1,\n"
          "             against ref_agents_numpy.py and ref_agents_torch.py (the same run, same work per iteration)")
    print(f"machine    : {model}; nproc {os.cpu_count()}, usable {len(os.sched_getaffinity(0))}; load average "
          f"{load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f} at the start; OPENBLAS_CORETYPE="
          f"{os.environ.get('OPENBLAS_CORETYPE', '(unset)')}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '(unset)')}")
    print("bound      : bytes/iteration = 2*n*d*8 (state read + written) + n*B*(d*8 + 8) (sampled rows + labels)\n"
          "             + 16*nnz(W) + 8*(n+1) (W, CSR), over the STREAM-like copy sampled in the same round")
    if o.quick:
        print("quick      : a smoke test of this benchmark (short fixed runs, one round): not a measurement")
    rc = 0
    for script in ("ref_agents_numpy.py", "ref_agents_torch.py"):
        if o.quick and not (o.no_torch and "torch" in script):
            out, _, _ = checked([PY, os.path.join(HERE, script), "--check"], script + " --check")
            lines = [l[7:] for l in out.splitlines() if l.startswith("check: ")]
            print("check      : " + ("; ".join(lines) if lines else out.strip()))
    rows = []
    infos = set()
    for c in confs:
        n, d, m, b = c
        print(f"\n[n={n} d={d} m={m} B={b}]", flush=True)
        r = {"c": c, "tmx": [], "tmx_raw": [], "tmx1": [], "np": [], "th": [], "bw": [], "ratio": [], "rss": 0, "notes": []}
        try:
            if o.quick:
                iters = iters1 = 30
            else:  # pilots: t(11) − t(1) over 10 iterations gives the iteration time (over 4, the
                # metric evaluations' noise could exceed the difference at a few ms per iteration)
                t1, _, _ = topomix(o.topomix, c, 1)
                t5, startup, _ = topomix(o.topomix, c, 11)
                per = max((t5 - t1) / 10, 1e-5)
                iters = int(min(5000, max(10, seconds / per)))
                iters1 = int(min(5000, max(10, 0.6 * iters)))  # one thread: up to 2x slower on an idle host
                print(f"  pilot    : {1e3 * per:.2f} ms per iteration -> T = {iters}; start-up {startup:.2f} s; "
                      f"the two metric evaluations take {1e3 * max(t1 - per, 0):.0f} ms")
            for k in range(reps):
                tT, startup, rss = topomix(o.topomix, c, iters)
                t1, _, _ = topomix(o.topomix, c, 1)
                r["rss"] = max(r["rss"], rss)
                per = (tT - t1) / (iters - 1)
                if per <= 0:
                    r["notes"].append(f"round {k + 1}: t_T - t_1 <= 0 (noise); raw rate used")
                    per = tT / iters
                r["tmx"].append(1.0 / per)
                r["tmx_raw"].append(iters / tT)
                if one_too:  # the same on one thread: a busy neighbour stalls a 2-thread team far more
                    tT1, _, _ = topomix(o.topomix, c, iters1, threads=1)
                    t11, _, _ = topomix(o.topomix, c, 1, threads=1)
                    per1 = (tT1 - t11) / (iters1 - 1)
                    r["tmx1"].append(1.0 / per1 if per1 > 0 else iters1 / tT1)
                np_f, np_line, np_info = reference("ref_agents_numpy.py", c, ["--seconds", str(seconds)], "NumPy reference")
                r["np"].append(float(np_f["ips"]))
                infos.add("numpy      : " + np_info)
                if not o.no_torch:
                    th_f, th_line, th_info = reference("ref_agents_torch.py", c, ["--seconds", str(seconds)], "PyTorch reference")
                    if th_f:
                        r["th"].append(float(th_f["ips"]))
                        infos.add("torch      : " + th_info)
                    elif k == 0:
                        print("  torch    : " + th_line)
                bw, nthr = stream(o.stream, o.quick)
                r["bw"].append(bw)
                r["ratio"].append(per / (traffic(c) / bw))
                th_txt = (f"torch {r['th'][-1]:.1f} it/s ({th_f['gossip']}, {th_f['threads']} thr)" if r["th"] and th_f
                          else "torch -")
                one = f"; {r['tmx1'][-1]:.1f} on 1 thread" if r["tmx1"] else ""
                print(f"  round {k + 1}  : topomix {r['tmx'][-1]:.1f} it/s ({r['tmx_raw'][-1]:.1f} with the metrics; "
                      f"T = {iters}, start-up {startup:.2f} s{one}); numpy {r['np'][-1]:.1f} it/s ({np_f['gossip']}); "
                      f"{th_txt}; copy {bw / 1e9:.1f} GB/s ({nthr} thr)", flush=True)
            if n >= 1_000_000 or o.quick:
                _, _, rss32 = topomix(o.topomix, c, 2 if o.quick else 5, "f32")
                r["rss32"] = rss32
                print(f"  memory   : peak RSS of topomix {r['rss'] / GIB:.3f} GiB in f64, {rss32 / GIB:.3f} GiB in f32 "
                      f"(limit 24 GiB: {'met' if max(r['rss'], rss32) <= 24 * GIB else 'MISSED'})")
        except Failed as e:
            print(f"  FAILED: {e}")
            rc = 1
        for note in r["notes"]:
            print("  note     : " + note)
        rows.append(r)

    busy1, cpu1, load1 = busy_seconds(), os.times(), os.getloadavg()
    wall = time.time() - t_start
    ours = (cpu1.user + cpu1.system - cpu0.user - cpu0.system) + CHILD_CPU[0]
    other = max(0.0, (busy1 - busy0) - ours) / (wall * (os.cpu_count() or 1))
    print()
    for line in sorted(infos):
        print(line)
    print(f"load       : {wall:.0f} s in all; load average {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f} at the end; other "
          f"processes used {100 * other:.0f}% of the {os.cpu_count()} CPUs meanwhile"
          f"{' (noisy: the machine was shared)' if other > 0.1 else ''}")
    print("\nsummary (medians over the rounds; targets of issue 16 in brackets, printed not enforced; * = missed)")
    hdr = ("n,d,m,B", "topomix it/s", "1 thread", "numpy it/s", "torch it/s", "tmx/np", "tmx/torch", "MB/iter",
           "copy GB/s", "bound ms", "iter ms", "iter/bound")
    fmt = "%-17s %12s %8s %10s %10s %8s %9s %8s %9s %8s %8s %10s"
    print(fmt % hdr)
    print(fmt % ("", "", "", "", "", "(>=5)", "(>=5)", "", "", "", "", "(<=2)"))
    for r in rows:
        if not r["tmx"]:
            print("%-17s failed" % ",".join(map(str, r["c"])))
            continue
        t, np_, th, bw = med(r["tmx"]), med(r["np"]), med(r["th"]), med(r["bw"])
        q_np, q_th, q_b = t / np_, (t / th if r["th"] else float("nan")), med(r["ratio"])
        mark = lambda v, ok: f"{v:.2f}{'' if ok else '*'}"
        print("%-17s %12.1f %8s %10.1f %10s %8s %9s %8.1f %9.1f %8.3f %8.2f %10s" % (
            ",".join(map(str, r["c"])), t, f"{med(r['tmx1']):.1f}" if r["tmx1"] else "-", np_,
            f"{th:.1f}" if r["th"] else "-", mark(q_np, q_np >= 5),
            mark(q_th, q_th >= 5) if r["th"] else "-", traffic(r["c"]) / 1e6, bw / 1e9,
            1e3 * traffic(r["c"]) / bw, 1e3 / t, mark(q_b, q_b <= 2)))
    print("topomix it/s: its default thread count (OpenMP, all CPUs), which the ratios and iter/bound use; '1 thread':\n"
          "OMP_NUM_THREADS=1. NumPy runs on one thread; PyTorch on the faster of 1 and all CPUs (its pilots).")
    big = [r for r in rows if "rss32" in r]
    for r in big:
        print(f"memory at n={r['c'][0]}: peak RSS {r['rss'] / GIB:.3f} GiB (f64), {r['rss32'] / GIB:.3f} GiB (f32); "
              "target <= 24 GiB")
    return rc


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failed as e:
        print(f"FAILED: {e}")
        sys.exit(1)
