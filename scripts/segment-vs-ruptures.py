#!/usr/bin/env python3
"""Compare `ggmwatch segment` with the Python package ruptures, side by side.

What it measures
----------------
For each scenario below and each seed 1..R, the script simulates a stream with
`ggmwatch simulate` (so the true change points are known), then segments the
same stream with

* ggmwatch, twice: the default (number of changes chosen by cross-validation)
  and `--changes K_true`; always `--json --bootstrap 0 --min-segment M`;
* ruptures `Binseg(model="normal", jump=1)` with the true number of changes
  (`predict(n_bkps=K_true)`) and with a BIC penalty (`predict(pen=BIC)`);
* ruptures `Pelt(model="normal", jump=5)` with the same BIC penalty (skipped
  when the stream has more rows than --pelt-max-rows).

ruptures' "normal" cost of a segment is (end - start) * log det(S), S the
segment's sample covariance (plus 1e-6 I): the -2 log-likelihood of a Gaussian
segment up to a constant that cancels between partitions.  On that scale the
BIC penalty of one more change is the number of parameters of a Gaussian
segment times log n:

    pen = (p + p (p + 1) / 2) * log(n)

The cost needs segments longer than p (otherwise S is singular and only the
1e-6 ridge keeps log det finite), so by default ruptures runs twice, with
min_size = M (the same minimum segment as ggmwatch) and with min_size =
max(M, p + 1) (see --ruptures-min-size).  Exceptions are reported as "failed".

ruptures returns breakpoints as the exclusive end of every segment, n included;
dropping the final n gives change points in ggmwatch's convention (0-based index
of the first row of each new segment).

Per run: adjusted Rand index (ARI) between the estimated and the true partition
of 0..<n into segments, Hausdorff distance between the estimated and true change
point sets (0 if both are empty, undefined if exactly one is), number found vs
true, and time.  ggmwatch's time is the wall clock around the subprocess
(process start and CSV parsing included), with the tool's own "seconds" in
parentheses; ruptures' time is the wall clock around fit + predict (CSV
loading excluded).  NumPy's BLAS is limited to --blas-threads threads (default
1; OpenBLAS's thread pool slows ruptures' many small covariance evaluations
down by an order of magnitude when the cores are busy).

Per scenario and method, over the R replicates: mean ARI, median Hausdorff,
share of runs with the exact number of changes, mean number found, mean time.

How to run
----------
    python3 scripts/segment-vs-ruptures.py --replicates 5
    python3 scripts/segment-vs-ruptures.py --binary /path/to/ggmwatch --quick
    python3 scripts/segment-vs-ruptures.py --scenarios 4,8 --csv runs.csv

If `import ruptures` fails, the script creates a virtualenv at --venv (default
/tmp/ruptures-venv), installs ruptures and numpy into it with pip, and
re-executes itself under that virtualenv's python.  Dependencies: the standard
library, numpy and ruptures.  ruptures is not a dependency of the project.
"""

import argparse
import csv
import json
import math
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

SCRIPT = os.path.abspath(__file__)
REPO_ROOT = os.path.dirname(os.path.dirname(SCRIPT))
REEXEC_MARK = "SEGMENT_VS_RUPTURES_REEXEC"

SCENARIOS = [
    dict(id=1, p=20, lengths=[200, 200, 200, 200], graph="banded", change="global"),
    dict(id=2, p=50, lengths=[300, 300, 300], graph="random", change="global"),
    dict(id=3, p=100, lengths=[150, 70, 130, 150], graph="random", change="global"),
    dict(id=4, p=200, lengths=[400, 400, 400], graph="random", change="global"),
    dict(id=5, p=50, lengths=[300, 300, 300], graph="hub", change="perturb-hub"),
    dict(id=6, p=50, lengths=[450, 450], graph="random", change="flip-edges"),
    dict(id=7, p=50, lengths=[300, 300, 300], graph="random", change="global",
         extra=["--var-radius", "0", "--innovations-df", "5"], note="t5"),
    dict(id=8, p=100, lengths=[1000], graph="random", change="global", note="null"),
]
QUICK = [1, 3, 8]


def scenario_label(s):
    text = "%d. p=%d, %s %s, %s" % (
        s["id"], s["p"], ",".join(map(str, s["lengths"])), s["graph"], s["change"])
    if s.get("note") == "t5":
        text += ", Student-t5"
    if s.get("note") == "null":
        text = "%d. p=%d, %d %s, no change" % (s["id"], s["p"], s["lengths"][0], s["graph"])
    return text


def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="Compare `ggmwatch segment` with ruptures (Binseg, Pelt; normal cost).")
    ap.add_argument("--binary", default=".build/release/ggmwatch",
                    help="ggmwatch executable; a relative path is taken from the "
                         "repository root (default: .build/release/ggmwatch)")
    ap.add_argument("--replicates", type=int, default=5, help="seeds 1..R (default 5)")
    ap.add_argument("--scenarios", default=None,
                    help="comma-separated scenario numbers 1-8 (default: all)")
    ap.add_argument("--quick", action="store_true",
                    help="only scenarios %s" % ",".join(map(str, QUICK)))
    ap.add_argument("--min-segment", type=int, default=20,
                    help="minimum segment M, passed to ggmwatch and used by ruptures (default 20)")
    ap.add_argument("--ruptures-min-size", choices=["M", "p+1", "both"], default="both",
                    help="ruptures min_size: M, max(M, p+1), or both (default both)")
    ap.add_argument("--pelt-max-rows", type=int, default=2000,
                    help="skip PELT on streams with more rows (default 2000; "
                         "p=200, n=1200 takes about 15-20 s per run here)")
    ap.add_argument("--blas-threads", type=int, default=1,
                    help="OPENBLAS/OMP/MKL threads for NumPy (default 1)")
    ap.add_argument("--venv", default="/tmp/ruptures-venv",
                    help="virtualenv with ruptures, created if `import ruptures` fails "
                         "(default /tmp/ruptures-venv)")
    ap.add_argument("--csv", default=None, help="write the per-run rows to this CSV file")
    ap.add_argument("--keep", default=None,
                    help="keep the simulated streams in this directory (default: a temporary one)")
    return ap.parse_args(argv)


def ensure_ruptures(venv):
    """Import numpy and ruptures, or re-execute this script under `venv`'s python."""
    try:
        import numpy  # noqa: F401
        import ruptures  # noqa: F401
        return
    except ImportError:
        pass
    if os.environ.get(REEXEC_MARK):
        sys.exit("ruptures is still not importable under %s" % sys.executable)
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        print("creating virtualenv %s" % venv, file=sys.stderr)
        subprocess.check_call([sys.executable, "-m", "venv", venv])
    probe = subprocess.run([python, "-c", "import numpy, ruptures"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if probe.returncode != 0:
        print("installing ruptures and numpy into %s" % venv, file=sys.stderr)
        subprocess.check_call([python, "-m", "pip", "install", "--quiet", "ruptures", "numpy"])
    os.environ[REEXEC_MARK] = "1"
    os.execv(python, [python, SCRIPT] + sys.argv[1:])


# ---------------------------------------------------------------- metrics

def segment_sizes(change_points, n):
    """Lengths of the segments of 0..<n cut at the given change points."""
    bounds = [0] + sorted(change_points) + [n]
    return [b - a for a, b in zip(bounds, bounds[1:])]


def adjusted_rand_index(cp_a, cp_b, n):
    """ARI of two partitions of 0..<n into contiguous segments, via their
    contingency table (the overlaps of the segments); 1.0 when both partitions
    are a single segment (sklearn's convention for this degenerate case)."""
    def pairs(k):
        return k * (k - 1) / 2.0

    cuts = sorted(set(cp_a) | set(cp_b))
    cells = segment_sizes(cuts, n)  # each overlap is one contiguous run
    sum_cells = sum(pairs(c) for c in cells)
    sum_a = sum(pairs(c) for c in segment_sizes(cp_a, n))
    sum_b = sum(pairs(c) for c in segment_sizes(cp_b, n))
    total = pairs(n)
    expected = sum_a * sum_b / total
    maximum = (sum_a + sum_b) / 2.0
    if maximum == expected:
        return 1.0
    return (sum_cells - expected) / (maximum - expected)


def hausdorff(estimate, truth):
    if not estimate and not truth:
        return 0
    if not estimate or not truth:
        return None
    one = max(min(abs(e - t) for t in truth) for e in estimate)
    two = max(min(abs(e - t) for e in estimate) for t in truth)
    return max(one, two)


# ---------------------------------------------------------------- methods

def run_ours(binary, stream, min_segment, changes=None):
    cmd = [binary, "segment", stream, "--json", "--bootstrap", "0",
           "--min-segment", str(min_segment)]
    if changes is not None:
        cmd += ["--changes", str(changes)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError("exit %d: %s" % (proc.returncode, proc.stderr.strip()[-300:]))
    out = json.loads(proc.stdout)
    return [int(c) for c in out["changePoints"]], wall, float(out["seconds"])


def run_ruptures(kind, X, min_size, n_bkps=None, pen=None):
    import ruptures as rpt
    n = X.shape[0]
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the add_small_diag notice, log det overflow
        if kind == "binseg":
            algo = rpt.Binseg(model="normal", min_size=min_size, jump=1).fit(X)
        else:
            algo = rpt.Pelt(model="normal", min_size=min_size, jump=5).fit(X)
        bkps = algo.predict(n_bkps=n_bkps) if n_bkps is not None else algo.predict(pen=pen)
    wall = time.perf_counter() - start
    if not bkps or bkps[-1] != n:
        raise RuntimeError("unexpected breakpoints %r" % (bkps,))
    return [int(b) for b in bkps[:-1]], wall, None


def bic_penalty(n, p):
    return (p + p * (p + 1) / 2.0) * math.log(n)


def method_list(args, p, n):
    """(name, callable(X, stream, truth_k) -> (cps, wall, tool_seconds) or 'skipped')."""
    M = args.min_segment
    methods = [
        ("ggmwatch (CV)", lambda X, f, k: run_ours(args.binary, f, M)),
        ("ggmwatch --changes K", lambda X, f, k: run_ours(args.binary, f, M, changes=k)),
    ]
    sizes = []
    if args.ruptures_min_size in ("M", "both"):
        sizes.append(M)
    if args.ruptures_min_size in ("p+1", "both"):
        sizes.append(max(M, p + 1))
    sizes = sorted(set(sizes))
    pen = bic_penalty(n, p)
    for ms in sizes:
        tag = "min %d" % ms
        methods.append(("ruptures Binseg K (%s)" % tag,
                        lambda X, f, k, ms=ms: run_ruptures("binseg", X, ms, n_bkps=k)))
        methods.append(("ruptures Binseg BIC (%s)" % tag,
                        lambda X, f, k, ms=ms: run_ruptures("binseg", X, ms, pen=pen)))
        if n > args.pelt_max_rows:
            methods.append(("ruptures Pelt BIC (%s)" % tag, lambda X, f, k: "skipped"))
        else:
            methods.append(("ruptures Pelt BIC (%s)" % tag,
                            lambda X, f, k, ms=ms: run_ruptures("pelt", X, ms, pen=pen)))
    return methods


# ---------------------------------------------------------------- driver

def simulate(binary, s, seed, directory):
    stem = os.path.join(directory, "s%d-seed%d" % (s["id"], seed))
    stream, truth = stem + ".csv", stem + ".json"
    cmd = [binary, "simulate", "--nodes", str(s["p"]),
           "--segment-lengths", ",".join(map(str, s["lengths"])),
           "--graph", s["graph"], "--change", s["change"], "--seed", str(seed),
           "-o", stream, "--truth", truth] + s.get("extra", [])
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with open(truth) as fh:
        t = json.load(fh)
    return stream, [int(c) for c in t["changePoints"]], int(t["observationCount"])


def fmt(x, digits=2):
    return "—" if x is None else ("%.*f" % (digits, x))


def aggregate(rows, replicates):
    ok = [r for r in rows if r["status"] == "ok"]
    if not ok:
        status = rows[0]["status"] if rows else "none"
        return [status] * 5
    notes = ""
    if len(ok) < len(rows):
        notes = " (%d/%d %s)" % (len(rows) - len(ok), len(rows),
                                 "/".join(sorted({r["status"] for r in rows if r["status"] != "ok"})))
    ari = statistics.mean(r["ari"] for r in ok)
    defined = [r["hausdorff"] for r in ok if r["hausdorff"] is not None]
    undefined = len(ok) - len(defined)
    haus = fmt(statistics.median(defined), 1) if defined else "—"
    if undefined:
        haus += " [%d undef.]" % undefined
    exact = sum(1 for r in ok if r["found_k"] == r["true_k"]) / len(ok)
    found = "%.1f (%d)" % (statistics.mean(r["found_k"] for r in ok), ok[0]["true_k"])
    wall = statistics.mean(r["wall_seconds"] for r in ok)
    tool = [r["tool_seconds"] for r in ok if r["tool_seconds"] is not None]
    time_cell = "%.2f" % wall
    if tool:
        time_cell += " (%.2f)" % statistics.mean(tool)
    return ["%.3f%s" % (ari, notes), haus, "%.0f%%" % (100 * exact), found, time_cell]


def main(argv):
    args = parse_args(argv)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.blas_threads)
    ensure_ruptures(args.venv)
    import numpy as np
    import ruptures

    if not os.path.isabs(args.binary):
        args.binary = os.path.join(REPO_ROOT, args.binary)
    if not os.access(args.binary, os.X_OK):
        sys.exit("ggmwatch binary not found: %s (build it or pass --binary)" % args.binary)

    if args.scenarios:
        wanted = [int(x) for x in args.scenarios.split(",")]
    elif args.quick:
        wanted = QUICK
    else:
        wanted = [s["id"] for s in SCENARIOS]
    scenarios = [s for s in SCENARIOS if s["id"] in wanted]

    started = time.perf_counter()
    workdir_obj = None
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        workdir = args.keep
    else:
        workdir_obj = tempfile.TemporaryDirectory(prefix="seg-vs-ruptures-")
        workdir = workdir_obj.name

    runs = []
    order = []  # (scenario label, method) in first-seen order
    for s in scenarios:
        label = scenario_label(s)
        for seed in range(1, args.replicates + 1):
            stream, truth, n = simulate(args.binary, s, seed, workdir)
            X = np.loadtxt(stream, delimiter=",", skiprows=1, ndmin=2)
            if X.shape != (n, s["p"]):
                sys.exit("unexpected shape %r of %s" % (X.shape, stream))
            k = len(truth)
            for name, fn in method_list(args, s["p"], n):
                if (label, name) not in order:
                    order.append((label, name))
                row = dict(scenario=label, seed=seed, method=name, n=n, p=s["p"],
                           true_k=k, true_cps=" ".join(map(str, truth)), found_k=None,
                           found_cps="", ari=None, hausdorff=None,
                           wall_seconds=None, tool_seconds=None, status="ok", error="")
                try:
                    result = fn(X, stream, k)
                    if result == "skipped":
                        row["status"] = "skipped"
                    else:
                        cps, wall, tool = result
                        row.update(found_k=len(cps), found_cps=" ".join(map(str, cps)),
                                   ari=adjusted_rand_index(cps, truth, n),
                                   hausdorff=hausdorff(cps, truth),
                                   wall_seconds=wall, tool_seconds=tool)
                except Exception as exc:  # ruptures singular cost, tool error, ...
                    row["status"] = "failed"
                    row["error"] = ("%s: %s" % (type(exc).__name__, exc))[:300]
                runs.append(row)
                print("  s%d seed %d %-30s %-7s found %s (true %s)%s" % (
                    s["id"], seed, name, row["status"], row["found_cps"] or "-",
                    row["true_cps"] or "-",
                    "  %.2fs" % row["wall_seconds"] if row["wall_seconds"] is not None else ""),
                    file=sys.stderr, flush=True)
    total = time.perf_counter() - started

    if args.csv:
        fields = ["scenario", "seed", "method", "n", "p", "true_k", "found_k", "true_cps",
                  "found_cps", "ari", "hausdorff", "wall_seconds", "tool_seconds", "status",
                  "error"]
        with open(args.csv, "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=fields)
            w.writeheader()
            for r in runs:
                w.writerow(r)

    print("| scenario | method | mean ARI | median Hausdorff | exact count share "
          "| mean found (true) | mean time (s) |")
    print("|---|---|---|---|---|---|---|")
    for label, name in order:
        rows = [r for r in runs if r["scenario"] == label and r["method"] == name]
        print("| %s | %s | %s |" % (label, name, " | ".join(aggregate(rows, args.replicates))))
    print()
    command = " ".join(shlex.quote(a) for a in ["python3", os.path.relpath(SCRIPT, os.getcwd())] + argv)
    print("Command: `%s`; %d replicate(s) (seeds 1..%d); ruptures %s, numpy %s, Python %s; "
          "machine: %s, nproc %d; BLAS threads %d; total %.0f s." % (
              command, args.replicates, args.replicates, ruptures.__version__,
              np.__version__, platform.python_version(), platform.machine(),
              os.cpu_count(), args.blas_threads, total))
    print("BIC penalty (ruptures pen, on its n*log det = -2 log-likelihood scale): "
          "pen = (p + p(p+1)/2) * ln(n). Minimum segment M = %d for ggmwatch "
          "(--min-segment %d); ruptures min_size as in each method's name; "
          "Pelt jump=5, Binseg jump=1. Time: wall clock; ggmwatch's own "
          "\"seconds\" in parentheses. Hausdorff undefined when exactly one of the "
          "two change-point sets is empty." % (args.min_segment, args.min_segment))
    if workdir_obj is not None:
        workdir_obj.cleanup()


if __name__ == "__main__":
    main(sys.argv[1:])
