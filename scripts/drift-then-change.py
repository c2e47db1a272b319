#!/usr/bin/env python3
"""A slow drift followed by an abrupt change: what `ggmwatch monitor` reports for each.

Each replicate simulates `--segment-lengths PRE,DRIFT,POST --drift 2` (the network moves
linearly from Omega_0 to Omega_1 over DRIFT rows, then jumps to Omega_2), runs `ggmwatch monitor`
with the default settings and the given options (e.g. `--memory 500`), and counts the alarms in
the stable start, during the drift, and whether the abrupt change is detected within d_max = 2w.

    scripts/drift-then-change.py --nodes 50 --replicates 20 -- --memory 500
"""
import argparse, json, os, subprocess, sys, tempfile

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=".build/release/ggmwatch")
    ap.add_argument("--nodes", type=int, default=50)
    ap.add_argument("--graph", default="random")
    ap.add_argument("--change", default="global")
    ap.add_argument("--pre", type=int, default=750)
    ap.add_argument("--drift", type=int, default=2000)
    ap.add_argument("--post", type=int, default=500)
    ap.add_argument("--window", type=int, default=50)
    ap.add_argument("--replicates", type=int, default=20)
    ap.add_argument("--seed0", type=int, default=3000)
    ap.add_argument("monitor_args", nargs="*")
    a = ap.parse_args()
    dmax = 2 * a.window
    start, abrupt = a.pre, a.pre + a.drift
    stable = during = detected = 0
    streams_with_drift_alarm = 0
    delays = []
    with tempfile.TemporaryDirectory() as d:
        for r in range(a.replicates):
            path = os.path.join(d, "s.csv")
            subprocess.run([a.binary, "simulate", "--nodes", str(a.nodes), "--graph", a.graph, "--change", a.change,
                            "--segment-lengths", f"{a.pre},{a.drift},{a.post}", "--drift", "2", "--seed", str(a.seed0 + r),
                            "-o", path], check=True, capture_output=True)
            out = subprocess.run([a.binary, "monitor", path, "--window", str(a.window), "--refit-every", str(a.window),
                                  "--quiet"] + a.monitor_args, capture_output=True, text=True)
            if out.returncode != 0:
                sys.exit(f"monitor failed: {out.stderr}")
            alarms = [e["index"] for e in map(json.loads, out.stdout.strip().splitlines()) if e.get("event") == "alarm"]
            stable += len([t for t in alarms if t < start])
            drift_alarms = [t for t in alarms if start <= t < abrupt]
            during += len(drift_alarms)
            streams_with_drift_alarm += bool(drift_alarms)
            hit = [t for t in alarms if abrupt <= t < abrupt + dmax]
            if hit:
                detected += 1
                delays.append(hit[0] - abrupt)
    delays.sort()
    print(json.dumps({"nodes": a.nodes, "change": a.change, "drift": a.drift, "options": " ".join(a.monitor_args),
                      "replicates": a.replicates, "alarmsBeforeDrift": stable, "alarmsDuringDrift": during,
                      "streamsAlarmingDuringDrift": streams_with_drift_alarm, "abruptDetected": detected,
                      "medianDelay": delays[len(delays) // 2] if delays else None}), flush=True)

main()
