#!/usr/bin/env python3
"""What each starvation gate saw at its checks during the load, from gate_pairs.sh's traces.

For each trace (NAME.err): the gate's checks from the port's announcement on, while work waited (.NET: a worker
requested; ours: a work item queued), each as the delay it compared with 500 ms, Tick - LastDequeueTick, in
CLOCK_MONOTONIC_COARSE milliseconds (4 ms steps here), and whether it added a thread. .NET's checks are its gate
thread's wake-ups (GateWake; one activity's further wake-ups, from the thread it creates, within 20 ms, are
dropped), a check that added a thread being one followed by a starvation AdjustmentAdjustment within 200 ms (the
runtime delivers its events to the listener through EventPipe's dispatch thread, about 10 ms late; checks are
500 ms apart); ours are its GateActivity lines. A delay of exactly 500 is a check that missed by one tick: the rule is strictly greater.

    gate_view.py DIR NAME... [-v]   (one line per trace, with the load's outcome from NAME.csv and NAME.json;
                                    -v: each check's time, delay and a + where it added a thread)
"""
import csv
import json
import re
import statistics
import sys
from collections import Counter

FIELD = re.compile(r"(\w+)=(\S+)")


def events(path):
    """The trace's threadpool-trace lines as dicts of their key=value fields."""
    for line in open(path, encoding="utf-8"):
        if "threadpool-trace" in line:
            yield dict(FIELD.findall(line.split("threadpool-trace", 1)[1]))


def dotnet_checks(evs):
    """(t_ms, tick, last dequeue tick seen, added) for each of .NET's gate activities with a worker requested, from the port on."""
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
        checks.append((t, int(e["Tick"]), seen, added))
    return checks


def model_checks(evs):
    """(t_ms, tick, last dequeue tick, added) for each of our gate activities with work queued."""
    checks = []
    for e in evs:
        if e.get("event") == "GateActivity" and int(e["Queued"]) > 0:
            checks.append((int(e["t_ms"]), int(e["Tick"]), int(e["LastDequeueTick"]), e["Starved"] == "1"))
    return checks


def gate_timing(checks, after_ms):
    """The gate's mean period and a thread's mean request cycle, both in ticks, from after_ms on. A check that a
    completion precedes by at most 12 ms and the check four periods later that one does too are (nearly always)
    one thread's completions a request apart: their dequeue ticks' difference is its cycle, L plus what the
    server spends on a request beyond it, to the tick; the mean over many is finer than the tick."""
    late = [c for c in checks if c[0] >= after_ms]
    if len(late) < 6:
        return float("nan"), float("nan"), 0
    steps = [b[1] - a[1] for a, b in zip(late, late[1:]) if b[1] - a[1] <= 600]  # not across a spell idle
    period = sum(steps) / len(steps) if steps else float("nan")
    pairs = [b[2] - a[2] for a, b in zip(late, late[4:])
             if a[1] - a[2] <= 12 and b[1] - b[2] <= 12 and b[0] - a[0] < 4 * 525]
    return period, (sum(pairs) / len(pairs) if pairs else float("nan")), len(pairs)


def request_ends(evs):
    """Each request's end, in ms, from 3 s into the load: the first completion of each burst (a request's end,
    then the short items it queues, within 10 ms). .NET's completions are read each millisecond (Thread.Sleep(1),
    about 1.06 ms); ours are the steady clock's (Us)."""
    times, start = [], None
    for e in evs:
        if e.get("event") == "Listening":
            start = int(e["t_ms"])
        elif e.get("event") == "Completed":
            times.append(int(e["Us"]) / 1000 if "Us" in e else float(e["t_ms"]))
    if start is None:  # ours: from its first completion, a start-up item a few hundred ms before the load
        start = times[0] if times else 0
    bursts = []
    for t in (t for t in times if t - start > 3000):
        if not bursts or t - bursts[-1][-1] > 10:
            bursts.append([t])
        else:
            bursts[-1].append(t)
    return [b[0] for b in bursts]


def request_cycles(evs, latency_ms):
    """Each long request's cycle beyond L, in ms: a request's end paired with the end L - 15 to L + 30 ms later,
    one thread's next request's end. .NET's reading adds a spread of about 0.43 ms (sd) to each cycle."""
    ends = request_ends(evs)
    cycles = []
    for t in ends:
        later = [u for u in ends if latency_ms - 15 <= u - t <= latency_ms + 30]
        if later:
            cycles.append(later[0] - t - latency_ms)
    return cycles


def summary(name, checks, beyond):
    """One line: checks, threads added (in a tie at the threshold or not), the delays near it, and the timing."""
    delays = Counter(tick - seen for _, tick, seen, _ in checks)
    near = " ".join(f"{d}:{delays[d]}" for d in sorted(delays) if 488 <= d <= 520)
    added = [tick - seen for _, tick, seen, a in checks if a]
    at_tie = sum(1 for d in added if d <= 508)
    period, cycle, n = gate_timing(checks, 3000)
    return (f"{name}: {len(checks)} checks with work waiting; {len(added)} added a thread, {at_tie} of them at "
            f"500 < delay <= 508 ms; delays 488-520 ms: {near or '-'}; from 3 s on the gate's period "
            f"{period:.3f} ms, 4 periods {4 * period:.2f} ms, a request's cycle {cycle:.2f} ms ({n} pairs); "
            f"{spread(beyond)}")


def spread(cycles):
    """A request's cycle beyond L: mean and standard deviation (ms)."""
    if len(cycles) < 2:
        return "cycle beyond L: -"
    return (f"cycle beyond L {statistics.mean(cycles):+.2f} ms, sd {statistics.pstdev(cycles):.2f} ms "
            f"({len(cycles)})")


def outcome(base):
    """The load's outcome beside the trace: threads at the 5 s marks, req/s and the client's timeouts (None
    without the run's files)."""
    try:
        rows = list(csv.DictReader(open(f"{base}.csv", encoding="utf-8")))
        result = json.load(open(f"{base}.json", encoding="utf-8"))
    except OSError:
        return None
    threads = [int(rows[i - 1]["server_threadpool_threads"]) for i in (5, 10, 15, 20, 25, 30) if i <= len(rows)]
    if not threads:
        return None
    return threads, result["throughput_rps"], result["requests"]["timeout"]


def describe(result):
    if result is None:
        return ""
    threads, rps, timeouts = result
    return f"; threads at 5..30 s: {' '.join(map(str, threads))}; {rps:.2f} req/s, {timeouts} timeouts"


def groups(results):
    """Per group (a name less its -I): the medians of threads at 30 s, threads added by the gate, req/s and
    timeouts over its runs."""
    by = {}
    for name, added, result in results:
        if result is not None:
            by.setdefault(name.rsplit("-", 1)[0], []).append((result[0][-1], added, result[1], result[2]))
    for group, runs in by.items():
        med = [statistics.median(col) for col in zip(*runs)]
        print(f"{group} ({len(runs)} runs), medians: {med[0]:g} threads at 30 s, {med[1]:g} added by the gate, "
              f"{med[2]:.2f} req/s, {med[3]:g} timeouts")


def main(argv):
    verbose = "-v" in argv
    argv = [a for a in argv if a != "-v"]
    if len(argv) < 3:
        sys.exit("usage: gate_view.py DIR NAME... [-v]")
    results = []
    for name in argv[2:]:
        evs = list(events(f"{argv[1]}/{name}.err"))
        ours = any(e.get("event") == "GateActivity" for e in evs)
        checks = model_checks(evs) if ours else dotnet_checks(evs)
        cycles = request_cycles(evs, 2000)
        result = outcome(f"{argv[1]}/{name}")
        results.append((name, sum(1 for *_, a in checks if a), result))
        print(summary(name, checks, cycles) + describe(result))
        if verbose:
            print("  " + " ".join(f"{t / 1000:.1f}:{tick - seen}{'+' if a else ''}" for t, tick, seen, a in checks))
    groups(results)


if __name__ == "__main__":
    main(sys.argv)
