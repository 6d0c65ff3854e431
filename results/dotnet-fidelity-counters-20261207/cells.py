#!/usr/bin/env python3
"""The cells of .NET's runs in NET_DIR against the model's in MODEL_DIR(s), by the grid's rule (slowio.fidelity):
marks met per run, within target, each side's req/s. A MODEL_DIR may be another grid's .NET runs only through
its model side: to judge .NET against .NET, pass the grid whose .NET runs stand in as NET_DIR's partner via
--net-vs-net.
  cells.py NET_DIR MODEL_DIR [MODEL_DIR ...] [--net-vs-net]"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from slowio import fidelity
from slowio.rows import read_summary

args = [a for a in sys.argv[1:] if a != "--net-vs-net"]
other_side = "net" if "--net-vs-net" in sys.argv else "model"
net_dir = Path(args[0]); model_dirs = [Path(p) for p in args[1:]]
net = fidelity.side_runs(read_summary(net_dir / "summary.csv"), net_dir, "net")
model = fidelity.pooled([fidelity.side_runs(read_summary(d / "summary.csv"), d, other_side) for d in model_dirs])
for key in sorted(net):
    if key not in model: continue
    n, m = net[key], model[key]
    k = min(len(n), len(m))
    cell = fidelity.cell_between(key[0], key[1], n[:k], m[:k])
    print(key, "met", cell.met, "of", cell.judged, "within:", getattr(cell, "within", None),
          "net rps", [round(float(r[0]["throughput_rps"]), 2) for r in n[:k]], "model rps", [round(float(r[0]["throughput_rps"]), 2) for r in m[:k]])
