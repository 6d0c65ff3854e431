#!/usr/bin/env python3
"""Hill climbing's samples and goal changes over a trace (.NET's --trace-threadpool or server_sync's --log-level debug):
per 5 s window, samples, mean throughput, the goal's changes up/down; then every goal change."""
import re, sys
def events(path):
    for line in open(path, errors="replace"):
        if "threadpool-trace" in line:
            yield dict(re.findall(r"(\w+)=(\S+)", line))
for path in sys.argv[1:]:
    goal=1; changes=[]; samples=[]
    for e in events(path):
        t=int(e["t_ms"])
        if e.get("event")=="AdjustmentAdjustment":
            n=int(e["NewWorkerThreadCount"])
            if n!=goal: changes.append((t,goal,n,e.get("Reason"))); goal=n
        elif e.get("event")=="AdjustmentStats":
            samples.append((t,float(e["Throughput"]),float(e.get("ThroughputRatio",0)),float(e.get("Confidence",0)), e.get("NewThreadWaveMagnitude")))
            if "NewGoal" in e and int(e["NewGoal"])!=int(e["Goal"]):
                changes.append((t,int(e["Goal"]),int(e["NewGoal"]),"stats")); goal=int(e["NewGoal"])
    print(f"== {path}: {len(samples)} samples, {len(changes)} goal changes")
    for w in range(0,35,5):
        ss=[s for s in samples if w*1000<=s[0]-0<(w+5)*1000]
        cs=[c for c in changes if w*1000<=c[0]<(w+5)*1000]
        up=sum(1 for c in cs if c[2]>c[1]); dn=len(cs)-up
        print(f"  {w:2d}-{w+5:2d}s samples {len(ss):2d} mean thr {sum(s[1] for s in ss)/max(1,len(ss)):7.1f} up {up} down {dn} goals {' '.join(str(c[2]) for c in cs)}")
    print("  ratios/conf (t, thr, ratio, conf, mag):", " | ".join(f"{s[0]/1000:.1f},{s[1]:.0f},{s[2]:.2f},{s[3]:.2f},{s[4]}" for s in samples if s[2]!=0)[:1500])
