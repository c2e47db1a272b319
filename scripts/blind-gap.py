#!/usr/bin/env python3
"""The blind gap after an alarm: how soon a second change can be detected.

Each replicate simulates a stream with two global changes G observations apart
(`ggmwatch simulate --segment-lengths N+250,G,400`), runs `ggmwatch monitor` with the
default settings (calibrated thresholds, burn-in N) and the given options, and records whether
each change is detected (an alarm within d_max = 2w observations of it), the delays, and the
other alarms (and those between the first change's d_max and the second change, which are
false). With the full burn-in after an alarm no window is scored for N + w - 1
observations; `--restart-burn-in M` shortens that to M + w - 1.

    scripts/blind-gap.py --nodes 100 --gaps 150,300 --replicates 10 -- --restart-burn-in 100
"""
import argparse, json, os, subprocess, sys, tempfile, time

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=".build/release/ggmwatch")
    ap.add_argument("--nodes", type=int, default=100)
    ap.add_argument("--graph", default="random")
    ap.add_argument("--gaps", default="150,300,600")
    ap.add_argument("--replicates", type=int, default=10)
    ap.add_argument("--burn-in", type=int, default=500)
    ap.add_argument("--window", type=int, default=50)
    ap.add_argument("--seed0", type=int, default=2000)
    ap.add_argument("monitor_args", nargs="*")
    a = ap.parse_args()
    dmax = 2 * a.window
    pre = a.burn_in + 250
    for gap in [int(g) for g in a.gaps.split(",")]:
        first = second = extra = between = 0
        delays1, delays2, seconds = [], [], []
        with tempfile.TemporaryDirectory() as d:
            for r in range(a.replicates):
                path = os.path.join(d, "s.csv")
                subprocess.run([a.binary, "simulate", "--nodes", str(a.nodes), "--graph", a.graph, "--change", "global",
                                "--segment-lengths", f"{pre},{gap},400", "--seed", str(a.seed0 + r), "-o", path],
                               check=True, capture_output=True)
                start = time.time()
                out = subprocess.run([a.binary, "monitor", path, "--burn-in", str(a.burn_in), "--window", str(a.window),
                                      "--refit-every", str(a.window), "--quiet"] + a.monitor_args, capture_output=True, text=True)
                seconds.append(time.time() - start)
                if out.returncode != 0:
                    sys.exit(f"monitor failed: {out.stderr}")
                alarms = [e["index"] for e in map(json.loads, out.stdout.strip().splitlines()) if e.get("event") == "alarm"]
                c1, c2 = pre, pre + gap
                hit1 = [t for t in alarms if c1 <= t < min(c1 + dmax, c2)]
                hit2 = [t for t in alarms if c2 <= t < c2 + dmax]
                if hit1: first += 1; delays1.append(hit1[0] - c1)
                if hit2: second += 1; delays2.append(hit2[0] - c2)
                extra += len([t for t in alarms if t not in hit1[:1] and t not in hit2[:1]])
                # Alarms after the first change's d_max and before the second change: false.
                between += len([t for t in alarms if c1 + dmax <= t < c2])
        med = lambda v: sorted(v)[len(v) // 2] if v else None
        print(json.dumps({"nodes": a.nodes, "gap": gap, "options": " ".join(a.monitor_args), "replicates": a.replicates,
                          "firstDetected": first, "secondDetected": second, "medianDelayFirst": med(delays1),
                          "medianDelaySecond": med(delays2), "otherAlarms": extra, "falseBetween": between,
                          "medianSeconds": round(med(seconds), 1)}), flush=True)

main()
