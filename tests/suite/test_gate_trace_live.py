"""What each starvation gate compared, live (issue 29): the ASP.NET Core target's --trace-threadpool-gate and
server_sync's GateActivity debug lines, the two views results/dotnet-fidelity-gate-20261207 compares.

Each side runs sync at L = 1.5 s with 3 x cores requests at once, so every thread blocks and work waits for longer
than the gate's 500 ms: the gate must add a thread, and the trace must show why.

  * aspnetcore: the pool's fields are read (no GateProbeUnavailable: a runtime that renamed them fails here, not
    in a run an hour long); the gate thread's wake-ups are about 500 ms apart; a starvation adjustment follows a
    wake-up whose delay, Tick - PriorDequeueTick, exceeds 500 ms while a worker was requested.
  * model: GateActivity lines about 500 ms apart; each that added a thread (Starved=1) saw work queued and a delay
    over 500 ms, and there is one "thread pool starved" line for each.

Run as `test_gate_trace_live.py aspnetcore|model`: exit 77 (ctest SKIP) and a line saying what is missing where
the target was not built (no dotnet) or server_sync is not given.
"""
import concurrent.futures
import os
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

import fakes  # noqa: F401  (puts scripts/ on sys.path)
from crosscheck_nginx import stop

SKIP = 77
DLL = os.environ.get("SLOWIO_ASPNETCORE_DLL", "")
SERVER_SYNC = os.environ.get("SLOWIO_SERVER_SYNC", "")
L_MS = 1500
CORES = os.cpu_count() or 2
FIELD = re.compile(r"(\w+)=(\S+)")


def trace_events(text: str) -> list[dict]:
    """Each threadpool-trace line's key=value fields."""
    return [dict(FIELD.findall(line.split("threadpool-trace", 1)[1]))
            for line in text.splitlines() if "threadpool-trace" in line]


def read_lines(proc: subprocess.Popen, lines: int, seconds: float) -> list[str]:
    """The server's first `lines` stdout lines, or an AssertionError after `seconds` (a server that never
    announces its port fails the test instead of hanging it). Read from the descriptor itself: a buffered
    readline can hold the second line while select() sees nothing more to read."""
    data = b""
    deadline = time.monotonic() + seconds
    while data.count(b"\n") < lines:
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise AssertionError(f"no port announced within {seconds:.0f} s: {data!r}")
        chunk = os.read(proc.stdout.fileno(), 4096)
        if not chunk:
            raise AssertionError(f"the server exited before announcing its port: {data!r}")
        data += chunk
    return data.decode().splitlines()[:lines]


def run_load(argv: list[str], lines: int) -> str:
    """Starts the server (--port 0), sends 3 x cores requests at once and waits for all, stops it (SIGTERM, then
    SIGKILL after 10 s: crosscheck_nginx.stop); returns its stderr."""
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err)
        try:
            said = read_lines(proc, lines, 60)
            port = int(re.search(r":(\d+)$", said[0].strip()).group(1))

            def get(i: int) -> int:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/users/{i + 1}", timeout=60) as r:
                    return r.status

            with concurrent.futures.ThreadPoolExecutor(3 * CORES) as pool:
                statuses = list(pool.map(get, range(3 * CORES)))
            if statuses != [200] * (3 * CORES):
                raise AssertionError(f"statuses {statuses}")
            time.sleep(0.6)  # one more gate period, with nothing waiting
        finally:
            stop(proc)
        err.seek(0)
        return err.read()


def first_wakes(wakes: list[dict]) -> list[dict]:
    """Each gate activity's first wake-up: its followers within 20 ms (the thread it starts wakes it again)
    dropped."""
    kept: list[dict] = []
    for e in wakes:
        if not kept or int(e["t_ms"]) - int(kept[-1]["t_ms"]) > 20:
            kept.append(e)
    return kept


def periods(times: list[int]) -> list[int]:
    """The gaps between successive times."""
    return [b - a for a, b in zip(times, times[1:])]


class AspNetCore(unittest.TestCase):
    def test_the_gate_adds_a_thread_after_a_wake_up_that_saw_over_500_ms(self):
        text = run_load([shutil.which("dotnet") or "dotnet", DLL, "--port", "0", "--mode", "sync",
                         "--store-latency-ms", str(L_MS), "--trace-threadpool-gate"], lines=2)
        events = trace_events(text)
        self.assertFalse([e for e in events if e.get("event") == "GateProbeUnavailable"], text[:2000])
        wakes = [e for e in events if e.get("event") == "GateWake"]
        self.assertGreaterEqual(len(wakes), 4, text[-3000:])
        for e in wakes:
            for key in ("Tick", "LastDequeueTick", "PriorDequeueTick", "Requested"):
                int(e[key])
        activities = first_wakes(wakes)
        gaps = periods([int(e["t_ms"]) for e in activities])
        self.assertTrue(480 <= statistics.median(gaps) <= 600, gaps)
        starved = [int(e["t_ms"]) for e in events
                   if e.get("event") == "AdjustmentAdjustment" and e.get("Reason") == "starvation"]
        self.assertTrue(starved, "no starvation adjustment with every thread blocked for 1.5 s")
        # The runtime's events reach the listener through EventPipe, about 10 ms after the check, and the poll
        # sees the activity's first wake-up a millisecond or two after it: the activity nearest the event (checks
        # are 500 ms apart), within 250 ms, is the one that added the thread.
        check = min(activities, key=lambda e: abs(int(e["t_ms"]) - starved[0]))
        self.assertLessEqual(abs(int(check["t_ms"]) - starved[0]), 250, (check, starved[0]))
        self.assertGreaterEqual(int(check["Requested"]), 1, check)
        delay = int(check["Tick"]) - int(check["PriorDequeueTick"])
        self.assertGreater(delay, 500, check)
        # Independent of the pool's field: ThreadPool.CompletedWorkItemCount did not move in that delay (less a
        # tick and the poll at each end).
        t = int(check["t_ms"])
        moved = [e for e in events if e.get("event") == "Completed" and t - delay + 10 <= int(e["t_ms"]) <= t - 10]
        self.assertFalse(moved, f"completions within the {delay} ms the gate saw none: {moved[:3]}")


class Model(unittest.TestCase):
    def test_each_thread_the_gate_adds_follows_a_check_that_saw_over_500_ms(self):
        text = run_load([SERVER_SYNC, "--port", "0", "--pool", "elastic", "--store-latency-ms", str(L_MS),
                         "--log-level", "debug"], lines=1)
        events = trace_events(text)
        checks = [e for e in events if e.get("event") == "GateActivity"]
        self.assertGreaterEqual(len(checks), 4, text[-3000:])
        gaps = periods([int(e["t_ms"]) for e in checks])
        self.assertTrue(480 <= statistics.median(gaps) <= 600, gaps)
        added = [e for e in checks if e["Starved"] == "1"]
        self.assertTrue(added, "the gate added no thread with every thread blocked for 1.5 s")
        completed = [int(e["t_ms"]) for e in events if e.get("event") == "Completed"]
        for e in added:
            self.assertGreater(int(e["Queued"]), 0, e)
            delay = int(e["Tick"]) - int(e["LastDequeueTick"])
            self.assertGreater(delay, 500, e)
            # Independent of the pool's own record: no work item's Completed line inside the delay it saw.
            t = int(e["t_ms"])
            self.assertFalse([c for c in completed if t - delay < c < t], (e, completed))
        self.assertEqual(len(added), text.count("thread pool starved:"))


def missing(which: str) -> str:
    if which == "aspnetcore" and not (DLL and os.path.exists(DLL) and shutil.which("dotnet")):
        return "the ASP.NET Core target is not built here (no dotnet)"
    if which == "model" and not (SERVER_SYNC and os.path.exists(SERVER_SYNC)):
        return "SLOWIO_SERVER_SYNC does not name a built server_sync"
    return ""


if __name__ == "__main__":
    which = sys.argv.pop(1) if len(sys.argv) > 1 else ""
    if which not in ("aspnetcore", "model"):
        sys.exit("usage: test_gate_trace_live.py aspnetcore|model [unittest args]")
    why = missing(which)
    if why:
        print(f"skipped: {why}")
        sys.exit(SKIP)
    unittest.main(defaultTest={"aspnetcore": "AspNetCore", "model": "Model"}[which], verbosity=2)
