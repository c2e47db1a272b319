#!/usr/bin/env python3
"""Realized false-alarm probability of `ggmwatch monitor` on serially dependent null streams.

Each replicate simulates a VAR(1) stream without change (`ggmwatch simulate --var-radius R`,
optionally Student t innovations), of burn-in + horizon rows, runs `ggmwatch monitor` with the
given options and records whether it alarmed within the horizon. The default target (ARL 5000,
horizon 500) is a false-alarm probability of 1 - exp(-500/5000) = 0.095 over the horizon.

    scripts/serial-null-rates.py --binary .build/release/ggmwatch --replicates 40 \
        --radius 0.7 --nodes 20 -- --lags 0 --null gaussian
"""
import argparse, json, math, os, subprocess, sys, tempfile

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=".build/release/ggmwatch")
    ap.add_argument("--replicates", type=int, default=40)
    ap.add_argument("--radius", type=float, default=0.7)
    ap.add_argument("--df", type=float, default=None)
    ap.add_argument("--nodes", type=int, default=20)
    ap.add_argument("--graph", default="random")
    ap.add_argument("--burn-in", type=int, default=500)
    ap.add_argument("--horizon", type=int, default=500)
    ap.add_argument("--seed0", type=int, default=1000)
    ap.add_argument("--in-control", action="store_true", help="fit on a separate in-control stream and monitor a fresh one")
    ap.add_argument("monitor_args", nargs="*")
    a = ap.parse_args()
    alarms = 0
    with tempfile.TemporaryDirectory() as d:
        for r in range(a.replicates):
            seed = a.seed0 + r
            sim = [a.binary, "simulate", "--nodes", str(a.nodes), "--graph", a.graph, "--seed", str(seed)]
            if a.radius > 0 or a.df: sim += ["--var-radius", str(a.radius)]
            if a.df: sim += ["--innovations-df", str(a.df)]
            path = os.path.join(d, "s.csv")
            if a.in_control:
                # One stream cut in two: the in-control part, then the live part.
                subprocess.run(sim + ["--segment-lengths", str(a.burn_in + a.horizon), "-o", path], check=True, capture_output=True)
                lines = open(path).read().splitlines()
                open(os.path.join(d, "ic.csv"), "w").write("\n".join(lines[:1 + a.burn_in]) + "\n")
                open(os.path.join(d, "live.csv"), "w").write("\n".join([lines[0]] + lines[1 + a.burn_in:]) + "\n")
                cmd = [a.binary, "monitor", os.path.join(d, "live.csv"), "--in-control", os.path.join(d, "ic.csv"), "--quiet"]
            else:
                subprocess.run(sim + ["--segment-lengths", str(a.burn_in + a.horizon), "-o", path], check=True, capture_output=True)
                cmd = [a.binary, "monitor", path, "--burn-in", str(a.burn_in), "--quiet"]
            out = subprocess.run(cmd + a.monitor_args, capture_output=True, text=True)
            if out.returncode != 0:
                sys.exit(f"monitor failed: {out.stderr}")
            summary = json.loads(out.stdout.strip().splitlines()[-1])
            alarms += summary["alarms"] > 0
    q = alarms / a.replicates
    se = math.sqrt(max(q * (1 - q), 1e-9) / a.replicates)
    print(json.dumps({"radius": a.radius, "df": a.df, "nodes": a.nodes, "inControl": a.in_control, "options": " ".join(a.monitor_args),
                      "replicates": a.replicates, "alarmed": alarms, "rate": round(q, 4), "se": round(se, 4)}))

main()
