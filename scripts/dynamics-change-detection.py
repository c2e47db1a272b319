#!/usr/bin/env python3
"""Detection of changes in the dynamics (transition matrix, mean) with the in-control workflow.

For each change kind, 20 seeded VAR(1) streams (p = 20, radius 0.7, the innovations' network kept):
800 rows then 300 after the change; the first 500 are the in-control file, the rest the live
stream (change at live row 300). Prints detection within 100 rows, the median delay and the
streams with an alarm before the change. Run from a scratch directory:

    python3 scripts/dynamics-change-detection.py .build/release/ggmwatch
"""
import subprocess, json, sys, statistics
G=sys.argv[1]
for ch in ["transition", "mean:1", "mean:2"]:
    delays=[]; false=0; n=20
    for seed in range(1, n+1):
        subprocess.run([G,"simulate","--nodes","20","--segment-lengths","800,300","--var-radius","0.7","--dynamics-change",ch,"--keep-network","--seed",str(seed),"-o","d.csv"],check=True,capture_output=True)
        l=open("d.csv").read().splitlines()
        open("dn.csv","w").write("\n".join(l[:501])+"\n"); open("dl.csv","w").write("\n".join([l[0]]+l[501:])+"\n")
        out=subprocess.run([G,"monitor","dl.csv","--in-control","dn.csv","--quiet"],capture_output=True,text=True).stdout.splitlines()
        alarms=[json.loads(x)["index"] for x in out if '"event":"alarm"' in x]
        if any(a<300 for a in alarms): false+=1
        after=[a-300 for a in alarms if 300<=a<400]
        if after: delays.append(after[0])
    print(json.dumps({"change":ch,"streams":n,"detectedWithin100":len(delays),"medianDelay":statistics.median(delays) if delays else None,"falseAlarmStreams":false}))
