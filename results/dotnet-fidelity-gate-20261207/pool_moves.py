#!/usr/bin/env python3
"""Section 5: every move of a pool's thread goal in a trace, with its rule. .NET's are its AdjustmentAdjustment events
(Reason: starvation, warmup = hill climbing's first phase, climbing, ...); ours are GateActivity lines with
Starved=1 (the gate: the goal + 1) and AdjustmentStats lines whose NewGoal differs from Goal (hill climbing).
    pool_moves.py DIR NAME...     (one line per trace NAME.err: time in s, rule, the new goal)"""
import sys

from gate_view import events


def moves(path):
    """The trace's moves as (seconds, rule, new goal)."""
    out = []
    for e in events(path):
        t, ev = int(e["t_ms"]) / 1000, e.get("event")
        if ev == "AdjustmentAdjustment":
            out.append((t, e["Reason"], int(e["NewWorkerThreadCount"])))
        elif ev == "GateActivity" and e.get("Starved") == "1":
            out.append((t, "starvation", int(e["Goal"]) + 1))
        elif ev == "AdjustmentStats" and "NewGoal" in e and e["NewGoal"] != e["Goal"]:
            out.append((t, "climbing", int(e["NewGoal"])))
    return out


def main(argv):
    for name in argv[2:]:
        print(name + ": " + " ".join(f"{t:.1f} s {rule} → {goal}" for t, rule, goal in moves(f"{argv[1]}/{name}.err")))


if __name__ == "__main__":
    main(sys.argv)
