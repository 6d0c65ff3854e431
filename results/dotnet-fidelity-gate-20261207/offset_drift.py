#!/usr/bin/env python3
"""A first check of section 3's one-core lead: does a .NET completion keep its place before the gate's check?

For each gate activity (its first wake-up) that a request's end precedes by at most 12 ms, the offset from that end
to the check; then the change of that offset four checks (one L = 2 s) later, the same thread's next request
against the gate's next-but-three check. Both times are read by the target's 1 ms poll (about 0.6 ms of the
change's sd is the poll's own). If what delays a completion on one core delays the check as well, the change would
be smaller there than on two cores. Only .NET's traces: ours' GateActivity times are the coarse tick's.
    offset_drift.py DIR NAME...      (prints one line per trace: the change's sd, ms, and how many changes)"""
import bisect
import statistics
import sys

from gate_view import events  # the trace's lines, parsed as gate_view.py parses them


def activities_and_ends(path):
    """The gate activities' first wake-ups and the requests' ends (each burst's first completion), in t_ms."""
    wakes, completions = [], []
    for e in events(path):
        t = int(e["t_ms"])
        if e.get("event") == "GateWake" and (not wakes or t - wakes[-1] > 20):
            wakes.append(t)
        elif e.get("event") == "Completed":
            completions.append(t)
    ends = [t for i, t in enumerate(completions) if i == 0 or t - completions[i - 1] > 10]
    return wakes, ends


def main(argv):
    for name in argv[2:]:
        wakes, ends = activities_and_ends(f"{argv[1]}/{name}.err")
        offset = {}
        for i, t in enumerate(wakes):
            j = bisect.bisect_right(ends, t) - 1
            if j >= 0 and t - ends[j] <= 12:
                offset[i] = t - ends[j]
        changes = [offset[i + 4] - offset[i] for i in offset if i + 4 in offset and wakes[i] > 3000]
        sd = f"{statistics.pstdev(changes):.2f} ms" if len(changes) > 1 else "-"
        print(f"{name}: change of a request end's offset before its check over one L: sd {sd} ({len(changes)})")


if __name__ == "__main__":
    main(sys.argv)
