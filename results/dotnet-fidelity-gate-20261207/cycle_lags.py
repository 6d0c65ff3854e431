#!/usr/bin/env python3
"""Section 4: how much of a request's measured spread is the request's, and how much the reading's.

A thread's request ends e_0, e_1, ... (linked as gate_view.request_cycles links them: the first end L - 15 to L + 30 ms
later; an end two earlier ends link to is dropped) drift from a schedule of exactly L: what a request adds beyond L carries over to every later end, so over k
requests the variance of e_(i+k) - e_i - k L grows as k s^2 (s: one request's own spread, sd). A reading's error
(.NET's completions are read by a ~1 ms poll, in whole ms) does not carry over: it adds 2 r^2 at every k (r: the
reading's sd; a jitter of the end that the next request does not inherit adds to it too). A least-squares line
through the variances at k = 1..K (unweighted) gives both: slope s^2, intercept 2 r^2. A negative slope or intercept
reads as 0, which biases r up near 0; the variance is about one mean for all chains, so threads whose mean cycles
differ add a k^2 term that the line reads as slope.
Our model's traces are the check: their ends are read from the steady clock in microseconds (r near 0), and their
spread is known (uniform +-a: s = a / sqrt(3)).
    cycle_lags.py DIR NAME... [--max-lag K]   (K >= 2, default 4; one line per trace; then per group of NAME-N,
                                               the medians)"""
import re
import statistics
import sys
from collections import defaultdict

from gate_view import events, request_ends  # request_ends: the first completion of each burst, from 3 s on

LATENCY_MS = 2000


def chains(ends):
    """Each thread's run of consecutive request ends, linked to the first end L - 15 to L + 30 ms later; an end
    two earlier ends link to (an ambiguous pairing) ends both chains there."""
    nxt, claimed = {}, defaultdict(int)
    for i, t in enumerate(ends):
        for j in range(i + 1, len(ends)):
            if ends[j] - t > LATENCY_MS + 30:
                break
            if ends[j] - t >= LATENCY_MS - 15:
                nxt[i] = j
                claimed[j] += 1
                break
    nxt = {i: j for i, j in nxt.items() if claimed[j] == 1}
    heads = [i for i in nxt if i not in set(nxt.values())]
    out = []
    for i in heads:
        chain = [ends[i]]
        while i in nxt:
            i = nxt[i]
            chain.append(ends[i])
        out.append(chain)
    return out


def lag_variances(chs, max_lag):
    """Population variance of e_(i+k) - e_i - k L over every chain, for k = 1..max_lag (with each k's count)."""
    out = []
    for k in range(1, max_lag + 1):
        d = [c[i + k] - c[i] - k * LATENCY_MS for c in chs for i in range(len(c) - k)]
        out.append((k, statistics.pvariance(d) if len(d) > 1 else float("nan"), len(d)))
    return out


def fit(lags):
    """Least squares var = a + b k: (the request's own sd, the reading's sd), ms; a negative part reads as 0."""
    ks, vs = [k for k, _, _ in lags], [v for _, v, _ in lags]
    b, a = statistics.linear_regression(ks, vs)
    return max(b, 0.0) ** 0.5, max(a / 2, 0.0) ** 0.5


def main(argv):
    max_lag = 4
    if "--max-lag" in argv:
        i = argv.index("--max-lag")
        max_lag = int(argv[i + 1])
        argv = argv[:i] + argv[i + 2:]
        if max_lag < 2:
            sys.exit("cycle_lags.py: --max-lag must be at least 2 (a line needs two lags)")
    groups = defaultdict(list)
    for name in argv[2:]:
        lags = lag_variances(chains(request_ends(events(f"{argv[1]}/{name}.err"))), max_lag)
        if lags[-1][2] < 2:
            print(f"{name}: too few linked request ends (a trace without Completed lines?)")
            continue
        own, reading = fit(lags)
        sds = " ".join(f"{v ** 0.5:.2f}" for _, v, _ in lags)
        print(f"{name}: sd of the drift over k = 1..{max_lag} requests {sds} ms ({lags[0][2]} at k = 1); "
              f"a request's own spread {own:.2f} ms, the reading's {reading:.2f} ms")
        groups[re.sub(r"-\d+$", "", name)].append((own, reading))
    for g, rows in groups.items():
        print(f"{g} ({len(rows)} runs), medians: a request's own spread "
              f"{statistics.median(r[0] for r in rows):.2f} ms, the reading's {statistics.median(r[1] for r in rows):.2f} ms")


if __name__ == "__main__":
    main(sys.argv)
