#!/usr/bin/env python3
"""What each starvation gate saw at its checks during the load, from gate_pairs.sh's traces.

For each trace (NAME.err): the gate's checks from the port's announcement on, while work waited (.NET: a worker
requested; ours: a work item queued), each as the delay it compared with 500 ms, Tick - LastDequeueTick, in
CLOCK_MONOTONIC_COARSE milliseconds (4 ms steps here), and whether it added a thread. .NET's checks are its gate
thread's wake-ups (GateWake; one activity's further wake-ups, from the thread it creates, within 20 ms, are
dropped), a check that added a thread being one followed by a starvation AdjustmentAdjustment within 200 ms (the
runtime delivers its events to the listener through EventPipe's dispatch thread, about 10 ms late; checks are
500 ms apart); ours are its GateActivity lines. A delay of exactly 500 is a check that missed by one tick: the rule is strictly greater.

    gate_view.py DIR NAME...      (prints one line per trace, then each check's delay and outcome with -v)
"""
import re
import sys
from collections import Counter

FIELD = re.compile(r"(\w+)=(\S+)")


def events(path):
    """The trace's threadpool-trace lines as dicts of their key=value fields."""
    for line in open(path, encoding="utf-8"):
        if "threadpool-trace" in line:
            yield dict(FIELD.findall(line.split("threadpool-trace", 1)[1]))


def dotnet_checks(evs):
    """(t_ms, delay, added) for each of .NET's gate activities with a worker requested, from the port on."""
    listening, wakes, starvations = None, [], []
    for e in evs:
        t = int(e["t_ms"])
        if e.get("event") == "Listening":
            listening = t
        elif e.get("event") == "GateWake":
            if wakes and t - wakes[-1][0] <= 20:
                continue
            wakes.append((t, e))
        elif e.get("event") == "AdjustmentAdjustment" and e.get("Reason") == "starvation":
            starvations.append(t)
    checks = []
    for t, e in wakes:
        if listening is None or t < listening or int(e["Requested"]) < 1:
            continue
        added = any(t - 5 <= s <= t + 200 for s in starvations)
        # A thread the check added sets lastDequeueTime as it starts, before the poll reads it.
        seen = int(e["PriorDequeueTick"]) if added else int(e["LastDequeueTick"])
        checks.append((t, int(e["Tick"]) - seen, added))
    return checks


def model_checks(evs):
    """(t_ms, delay, added) for each of our gate activities with work queued, after the start-up's items."""
    checks = []
    for e in evs:
        if e.get("event") == "GateActivity" and int(e["Queued"]) > 0:
            checks.append((int(e["t_ms"]), int(e["Tick"]) - int(e["LastDequeueTick"]), e["Starved"] == "1"))
    return checks


def summary(name, checks):
    """One line: checks, threads added, and the delays near the threshold."""
    delays = Counter(d for _, d, _ in checks)
    near = " ".join(f"{d}:{delays[d]}" for d in sorted(delays) if 488 <= d <= 520)
    added = sum(1 for *_, a in checks if a)
    below = sum(n for d, n in delays.items() if d < 488)
    above = sum(n for d, n in delays.items() if d > 520)
    return (f"{name}: {len(checks)} checks with work waiting, {added} added a thread; delay < 488 ms: {below}, "
            f"488-520 ms: {near or '-'}, > 520 ms: {above}")


def main(argv):
    verbose = "-v" in argv
    argv = [a for a in argv if a != "-v"]
    if len(argv) < 3:
        sys.exit("usage: gate_view.py DIR NAME... [-v]")
    for name in argv[2:]:
        evs = list(events(f"{argv[1]}/{name}.err"))
        ours = any(e.get("event") == "GateActivity" for e in evs)
        checks = model_checks(evs) if ours else dotnet_checks(evs)
        print(summary(name, checks))
        if verbose:
            print("  " + " ".join(f"{t / 1000:.1f}:{d}{'+' if a else ''}" for t, d, a in checks))


if __name__ == "__main__":
    main(sys.argv)
