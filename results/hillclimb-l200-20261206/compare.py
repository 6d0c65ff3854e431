#!/usr/bin/env python3
"""Each trace's first analysed hill-climbing window and first climbing move, side by side.

    compare.py TRACE...   (the runtime's --trace-threadpool lines or server_sync's --log-level debug ones)
"""
import re
import sys


def events(path):
    for line in open(path, errors="replace"):
        if "threadpool-trace" not in line:
            continue
        fields = dict(re.findall(r"(\w+)=(\S+)", line))
        yield fields


def summary(path):
    samples, first_window, first_move, moves = [], None, None, 0
    goal = None
    for e in events(path):
        if e.get("event") == "AdjustmentAdjustment" and e.get("Reason") == "climbing_move":
            moves += 1
            if first_move is None:
                first_move = (int(e["t_ms"]), int(e["NewWorkerThreadCount"]))
        if e.get("event") != "AdjustmentStats":
            continue
        samples.append(e)
        new_goal = e.get("NewGoal")
        if new_goal is not None and first_window is not None and first_move is None and new_goal != e.get("Goal"):
            first_move = (int(e["t_ms"]), int(new_goal))  # ours logs the goal it set on the sample's own line
        if first_window is None and float(e["AverageThroughputErrorEstimate"]) > 0:
            first_window = e
    start = [round(float(s["Throughput"]), 1) for s in samples[1:4]]
    w = first_window or {}
    return (f"{path.split('/')[-1]}: samples 2-4 at {start} completions/s; first analysed window at t = "
            f"{int(w.get('t_ms', -1)) / 1000:.1f} s (sample {samples.index(w) + 1 if w else '-'}): noise "
            f"{float(w.get('AverageThroughputErrorEstimate', 0)):.2f}, magnitude {w.get('NewThreadWaveMagnitude')}; "
            f"first climbing move at t = {first_move[0] / 1000 if first_move else '-'} s to "
            f"{first_move[1] if first_move else '-'} threads")


for p in sys.argv[1:]:
    print(summary(p))
