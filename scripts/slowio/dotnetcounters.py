""".NET's own counters beside a .NET target (issue 27 §2): ``dotnet-counters collect`` on the target's process,
for the points of the .NET-vs-model pairs, so the report can put the runtime's own thread count and queue length
beside what the target's /metrics says and beside our model.

dotnet-counters is a pinned .NET local tool (``.config/dotnet-tools.json``, restored by scripts/setup.sh, run as
``dotnet tool run dotnet-counters`` from this repository). Two sessions attach to the target's pid, one second
apart samples, for the length of the load, each writing CSV (``Timestamp,Provider,Counter Name,Counter Type,
Mean/Increment``; the file is written when the session ends, and the only end that writes it without a console is
``--duration``: neither SIGINT nor SIGTERM ends it here, so each session runs for the load's length and stop()
waits for it). The load begins only once both sessions have started (``wait_started``): the tool's own start
(host, JIT, attach) on the target's cores in the load's first seconds changed .NET's pool growth there, on the
.NET side of a pair only (results/dotnet-fidelity-counters-20261207). The two sessions:

  * ``EventCounters\\System.Runtime[threadpool-thread-count,threadpool-queue-length]``: the levels (PollingCounters,
    type ``Metric``), read from ThreadPool.ThreadCount and ThreadPool.PendingWorkItemCount as the target's own
    /metrics reads them. These are the time-series columns TS_COLUMNS (``dn_threadpool_threads``,
    ``dn_threadpool_queue_length``), appended to the point's like the kernel's view (slowio.procview's rules; the
    CSV's timestamps have a resolution of one second);
  * ``System.Runtime[dotnet.thread_pool.thread.count,dotnet.thread_pool.queue.length]``: .NET 9+'s Meter
    instruments. Documented as UpDownCounters, some .NET 9/10 builds publish them as ever-increasing counters
    (dotnet/runtime#112077, #126167): dotnet-counters then shows them as a ``Rate`` (``({thread} / 1 sec)``), the
    change per interval, negative when threads retire, never the level. ``meter_verdict`` says which this runtime
    does; such a curve is never plotted as a thread count.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from .procview import sampler_report

REPO_ROOT = Path(__file__).resolve().parents[2]
TS_COLUMNS = ("dn_threadpool_threads", "dn_threadpool_queue_length")
EVENT_COUNTERS = r"EventCounters\System.Runtime[threadpool-thread-count,threadpool-queue-length]"
METER = "System.Runtime[dotnet.thread_pool.thread.count,dotnet.thread_pool.queue.length]"
LEVELS = {"ThreadPool Thread Count": "dn_threadpool_threads", "ThreadPool Queue Length": "dn_threadpool_queue_length"}
METER_THREADS = "dotnet.thread_pool.thread.count"
START_S = 3.0  # from the session's start to the load's: the tool attaching, the sweep's checks before loadgen
STARTED_LINE = "Starting a counter session"  # the tool's stdout once its session on the target is open
START_WAIT_S = 20.0  # at most, for both sessions to say so before the load begins (it begins anyway then)
STOP_WAIT_S = 15.0  # past its --duration: the tool's start (JIT, attaching) and its end (detaching, writing)


@dataclass
class CounterSample:
    """One second of the EventCounters session: the levels it read (None: not in that second's rows)."""

    t: float
    threads: float | None = None
    queue_length: float | None = None
    cost_s: float | None = None  # not measured: the tool runs in processes of its own (procview.sampler_report)


@functools.cache
def missing() -> str | None:
    """Why dotnet-counters cannot run here (dotnet not on PATH, or the local tool not restored), or None; asked
    once per sweep (it starts the tool)."""
    dotnet = shutil.which("dotnet")
    if dotnet is None:
        return "dotnet not found"
    r = subprocess.run([dotnet, "tool", "run", "dotnet-counters", "--version"], cwd=REPO_ROOT, capture_output=True,
                       text=True, timeout=60)
    if r.returncode != 0:
        return "dotnet-counters not restored (run scripts/setup.sh: dotnet tool restore)"
    return None


def collect_command(pid: int, counters: str, out: Path, duration_s: float) -> list[str]:
    """The argv of one session on ``pid`` writing CSV to ``out`` for at most ``duration_s``."""
    seconds = max(1, int(duration_s + 0.999))
    hms = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return [shutil.which("dotnet") or "dotnet", "tool", "run", "dotnet-counters", "collect", "-p", str(pid),
            "--counters", counters, "--format", "csv", "-o", str(out), "--refresh-interval", "1", "--duration", hms]


def read_csv(text: str) -> list[dict[str, str]]:
    """The rows of a dotnet-counters CSV (a truncated last line is dropped)."""
    rows = list(csv.DictReader(io.StringIO(text)))
    return [r for r in rows if r.get("Mean/Increment") not in (None, "")]


def epoch_of(stamp: str) -> float | None:
    """dotnet-counters' ``MM/dd/yyyy HH:mm:ss`` (this machine's local time) as an epoch; None if unreadable."""
    try:
        return time.mktime(time.strptime(stamp.strip(), "%m/%d/%Y %H:%M:%S"))
    except ValueError:
        return None


def level_samples(rows: list[dict[str, str]]) -> list[CounterSample]:
    """The EventCounters session's rows as one sample per timestamp, sorted."""
    by_t: dict[float, CounterSample] = {}
    for r in rows:
        t, column = epoch_of(r.get("Timestamp", "")), LEVELS.get(r.get("Counter Name", ""))
        if t is None or column is None:
            continue
        s = by_t.setdefault(t, CounterSample(t))
        value = float(r["Mean/Increment"])
        if column == "dn_threadpool_threads":
            s.threads = value
        else:
            s.queue_length = value
    return [by_t[t] for t in sorted(by_t)]


def meter_verdict(rows: list[dict[str, str]]) -> str | None:
    """What the Meter session says of dotnet.thread_pool.thread.count: a level (type Metric), or the
    ever-increasing-counter defect (type Rate: changes per interval); None without such a row."""
    kinds = {r["Counter Type"] for r in rows if r.get("Counter Name", "").startswith(METER_THREADS)}
    if not kinds:
        return None
    if "Rate" in kinds:
        deltas = [float(r["Mean/Increment"]) for r in rows if r.get("Counter Name", "").startswith(METER_THREADS)]
        return (f"this runtime publishes {METER_THREADS} as an ever-increasing counter (dotnet/runtime#112077, "
                f"#126167): dotnet-counters shows a Rate, the change per second ({min(deltas):+g} to {max(deltas):+g}), "
                "not the level; the levels plotted are the EventCounters' threadpool-thread-count")
    return f"this runtime publishes {METER_THREADS} as a level (type Metric), as documented"


@dataclass
class CountersSession:
    """Both dotnet-counters sessions on one target process. start() launches them; stop() ends them (SIGTERM
    makes a session write its file) and reads their CSV. ``samples``, ``error`` and ``interval_s`` as a
    procstat sampler's, so the sweep records it like one (slowio.point.VIEWS)."""

    pid: int
    duration_s: float
    out_dir: Path
    name: str
    interval_s: float = 1.0
    samples: list[CounterSample] = field(default_factory=list)
    meter: str | None = None
    error: str | None = None
    _procs: list[subprocess.Popen] = field(default_factory=list)
    _started: float = 0.0

    def paths(self) -> tuple[Path, Path]:
        return (self.out_dir / f"{self.name}.dotnet-counters.csv",
                self.out_dir / f"{self.name}.dotnet-counters-meter.csv")

    def start(self) -> "CountersSession":
        self._started = time.monotonic()
        levels, meter = self.paths()
        for counters, out in ((EVENT_COUNTERS, levels), (METER, meter)):
            out.unlink(missing_ok=True)
            log = open(out.with_suffix(".log"), "w")
            # its own process group: `dotnet tool run` starts the tool as a child, which stop() must wait for
            # (and kill, past the deadline) too
            self._procs.append(subprocess.Popen(collect_command(self.pid, counters, out, self.duration_s),
                                                cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=log,
                                                stderr=subprocess.STDOUT, start_new_session=True))
            log.close()
        return self

    def wait_started(self, timeout_s: float = START_WAIT_S, now=time.monotonic, pause=time.sleep) -> bool:
        """Waits until both sessions say they started (STARTED_LINE in their .log, the tool's stdout), so that the
        tool's own start (the dotnet host, JIT, attaching: about a second of CPU each) is over before the load
        begins: it ran on the target's cores in the load's first seconds, where the pool's growth is decided,
        and only on the .NET side of a pair. False if a session ended or did not say so within ``timeout_s``."""
        logs = [path.with_suffix(".log") for path in self.paths()]
        deadline = now() + timeout_s
        while not all(STARTED_LINE in _text(log) for log in logs):
            if now() >= deadline or any(proc.poll() is not None for proc in self._procs):
                return False
            pause(0.05)
        return True

    def stop(self) -> list[CounterSample]:
        deadline = self._started + self.duration_s + STOP_WAIT_S
        for proc in self._procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)  # its file is lost: the detail says "no output"
                proc.wait()
            _wait_group(proc, deadline)
        levels, meter = self.paths()
        try:
            self.samples = level_samples(read_csv(levels.read_text()))
            self.meter = meter_verdict(read_csv(meter.read_text()))
        except OSError as e:
            log = levels.with_suffix(".log")
            said = log.read_text().strip().splitlines()[-1:] if log.exists() else []
            self.error = f"dotnet-counters: no output ({e.strerror}{': ' + said[0] if said else ''})"
        return self.samples


def _text(path: Path) -> str:
    """A file's text, or "" while it does not exist yet."""
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    """Sends ``sig`` to the session's process group (the tool and the `dotnet tool run` above it)."""
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def _wait_group(proc: subprocess.Popen, deadline: float) -> None:
    """Waits, until ``deadline``, for the group's other members (the tool itself) to exit: it writes its file as
    it ends; past the deadline they are killed."""
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    _signal_group(proc, signal.SIGKILL)


def sample_rows(samples: list[CounterSample]) -> list[dict]:
    """Each sample as a row of TS_COLUMNS plus ``t`` (epoch)."""
    return [{"t": s.t, "dn_threadpool_threads": s.threads, "dn_threadpool_queue_length": s.queue_length}
            for s in samples]


def cost_text(samples: list[CounterSample], interval_s: float, error: str | None,
              matched: list[tuple[str, int, int]]) -> str:
    """logs/<point>.dotnet-counters.txt: procview.sampler_report with the peak thread count."""
    threads = [s.threads for s in samples if s.threads is not None]
    measured = [f"peak threadpool-thread-count {max(threads):g}" if threads else "no thread count read",
                "(the tool runs in processes of its own: its cost is not measured here)"]
    return sampler_report("dotnet-counters", samples, interval_s, error, matched, measured)


def wanted(command_argv: list[str], pair: str) -> bool:
    """Whether a point gets dotnet-counters: the .NET half of a .NET-vs-model pair (a command series run by
    ``dotnet``)."""
    return bool(pair) and bool(command_argv) and os.path.basename(command_argv[0]) == "dotnet"
