#!/bin/bash
# Coverage of `ggmwatch segment`'s 90% bootstrap intervals (docs/RESULTS.md, "How sure"): for 30
# seeded streams per scenario, the share of true change points inside the interval of the nearest
# estimated change (within 20 rows), the interval's median width, the mean location error and the
# mean stability. Usage: BIN=.build/release/ggmwatch scripts/segment-coverage.sh (from the repository root).
B=$(realpath "${BIN:-.build/release/ggmwatch}"); W=$(mktemp -d); trap 'rm -rf "$W"' EXIT; cd "$W"
for sc in "20 200,200 random global" "50 150,150 random global" "50 300,300 random flip-edges"; do
set -- $sc
cov=0; tot=0; width=0
for seed in $(seq 1 30); do
  $B simulate --nodes $1 --segment-lengths $2 --graph $3 --change $4 --seed $seed -o c.csv --truth c.json 2>/dev/null
  $B segment c.csv --json --seed $seed 2>/dev/null > c.out
  python3 - >> res.txt <<'PY'
import json
d=json.load(open('c.out')); t=json.load(open('c.json'))
for tau in t['changePoints']:
    best=None
    for c in d['changes']:
        if abs(c['index']-tau)<=20 and (best is None or abs(c['index']-tau)<abs(best['index']-tau)): best=c
    if best is None: print("miss"); continue
    lo,hi=best['interval']; print("cover" if lo<=tau<=hi else "out", hi-lo, best['index']-tau, best['stability'])
PY
done
python3 - "$sc" <<'PY'
import sys
rows=[l.split() for l in open('res.txt')]
m=sum(r[0]=='miss' for r in rows); c=[r for r in rows if r[0]!='miss']
cov=sum(r[0]=='cover' for r in c)/max(1,len(c)); import statistics
print(sys.argv[1], "detected", len(c), "missed", m, "coverage %.3f"%cov, "median width", statistics.median([int(r[1]) for r in c]) if c else None, "mean |error|", statistics.mean([abs(int(r[2])) for r in c]) if c else None, "mean stability %.2f"%statistics.mean([float(r[3]) for r in c]) if c else None)
PY
rm res.txt
done
