#!/bin/bash
# `ggmwatch segment` against `ggmwatch monitor --burn-in 200` on the same simulated streams (p = 50,
# 5 seeds per scenario; docs/RESULTS.md, "Offline and online on the same streams"). Prints, per stream,
# the truth, the segmentation's change points and the monitor's (alarm, estimated change) pairs.
# Usage: BIN=.build/release/ggmwatch scripts/segment-vs-monitor.sh (from the repository root).
B=$(realpath "${BIN:-.build/release/ggmwatch}"); W=$(mktemp -d); trap 'rm -rf "$W"' EXIT; cd "$W"
for sc in "50 300,300,300 random global" "50 300,300,300 hub perturb-hub" "50 450,450 random flip-edges"; do
set -- $sc
for seed in 1 2 3 4 5; do
  $B simulate --nodes $1 --segment-lengths $2 --graph $3 --change $4 --seed $seed -o m.csv --truth m.json 2>/dev/null
  seg=$($B segment m.csv --json --bootstrap 0 2>/dev/null | python3 -c "import json,sys; print(json.load(sys.stdin)['changePoints'])")
  mon=$($B monitor m.csv --burn-in 200 2>/dev/null | python3 -c "
import json,sys
out=[]
for l in sys.stdin:
    try: e=json.loads(l)
    except: continue
    if e.get('event')=='alarm' or e.get('type')=='alarm': out.append((e.get('index'), e.get('estimatedChange')))
print(out)")
  echo "$sc seed=$seed truth=$(python3 -c "import json; print(json.load(open('m.json'))['changePoints'])") segment=$seg monitor(alarm,estimated)=$mon"
done; done
