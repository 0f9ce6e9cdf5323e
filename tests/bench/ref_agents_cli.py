"""What the many-agents references (ref_agents_numpy.py, ref_agents_torch.py) share: their command
line and the timed loop. Imported from the same folder (a script's folder is on sys.path)."""
import argparse
import sys
import time


def parse(doc, script, extra=None):
    """N D M B [--iters T | --seconds S] [--gossip auto|sparse|roll] [--check], plus what extra(ap)
    adds; exits with the usage line when a size is < 1 or N < 3 (not for --check)."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    for name in ("N", "D", "M", "B"):
        ap.add_argument(name, type=int, nargs="?", default=0)
    ap.add_argument("--iters", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=2.5)
    if extra:
        extra(ap)
    ap.add_argument("--gossip", choices=("auto", "sparse", "roll"), default="auto")
    ap.add_argument("--check", action="store_true")
    o = ap.parse_args()
    if not o.check and (min(o.N, o.D, o.M, o.B) < 1 or o.N < 3):
        sys.exit(f"usage: {script} N D M B [--iters T | --seconds S] (N >= 3)")
    return o


def rate(step, x, iters, *args):
    """x after `iters` calls of x ← step(x, *args), and the iterations per second of the loop."""
    t0 = time.perf_counter()
    for _ in range(iters):
        x = step(x, *args)
    return x, iters / (time.perf_counter() - t0)
