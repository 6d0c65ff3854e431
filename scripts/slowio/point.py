"""Running one point: start the server on port 0, run loadgen against it, SIGTERM the server, and say how it went.

  1. start the server (server_sync, server_async, or a command series' own server) and wait for its first stdout line, exactly
     ``listening on 127.0.0.1:PORT``; a command series' server may print a second line
     ``metrics on 127.0.0.1:PORT2`` (waited for up to METRICS_LINE_WAIT_S), and /metrics is then read there:
     ASP.NET Core's Kestrel does its socket I/O on the thread pool, so when the pool starves its main port
     stops answering /metrics too; the target serves the same text from a dedicated thread on that port.
     Our own servers answer /metrics on their I/O thread and never print it, so nothing waits for them;
  2. a postgres point starts the database's view beside it (slowio.dbstat) and waits until its server's pool
     is open (db_pool_connections = P: wait_for_db_pool); read the server's /metrics once (baseline RSS);
  3. run loadgen (closed loop, keep-alive) with ``--scrape``, so the server's gauges land on the same timeline as
     the client's throughput and latency; beside it, from the server's start to loadgen's exit, sample the
     kernel's view of the server's process tree (slowio.procstat: threads and their states, CPU, RSS,
     descriptors), appended to loadgen's time series as its ``proc_*`` columns (slowio.procview) - the only
     thread count a target without /metrics has;
  4. read /metrics again, send SIGTERM, record the server's exit code;
  5. return a PointResult whose ``status`` (STATUSES) says whether the numbers are complete - a failed point is
     a result too, never an exception.

The servers' exit codes: 0 clean, 1 startup failure, 2 bad command line, 3 cannot bind, 4 deadlock detected
(``--deadlock-exit``), 5 drain expired (SIGTERM's drain bound passed with requests still in flight).
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import urllib.request
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from . import InputError, dbstat, dotnetcounters, loadgen, procstat, procview, prometheus
from .cli import REPO_ROOT
from .grid import CPU_N_RE, Point, RequestClass, command_argv, effective_db_pool, usable_cores

# Binaries relative to the build directory (the CMake targets' output paths).
BINARY_PATHS = {
    "server_sync": Path("server_sync") / "server_sync",
    "server_async": Path("server_async") / "server_async",
    "loadgen": Path("bench") / "loadgen" / "loadgen",
}

LISTEN_RE = re.compile(r"^listening on 127\.0\.0\.1:(\d+)\s*$")
METRICS_LINE_RE = re.compile(r"^metrics on 127\.0\.0\.1:(\d+)\s*$")
METRICS_LINE_WAIT_S = 2.0  # a command series' optional second stdout line, after the listening line
EXIT_OK, EXIT_DEADLOCK, EXIT_DRAIN_EXPIRED = 0, 4, 5

# Every status a point can end with. "ok" means the run completed as planned (errors, if any, are in the
# error columns); everything else says why the numbers are missing or suspect.
STATUSES = (
    "ok",                # server started, loadgen ran, server was up until SIGTERM and exited 0 (or see detail)
    "deadlock",          # server exited 4 (deadlock detected with --deadlock-exit) or reported deadlock_detected
    "crash",             # server died during the run (signal or unexpected exit code), or by a signal at SIGTERM
    "start_failed",      # no listening line (bad flags, cannot bind, binary missing, timeout)
    "loadgen_failed",    # loadgen exited non-zero or wrote no JSON
    "hang",              # loadgen exceeded its hard time limit and was killed
    "shutdown_timeout",  # server ignored SIGTERM past its grace period and was killed
    "drain_expired",     # server exited 5 after SIGTERM: its drain bound expired, in-flight requests were lost
)
# (rows.MEASURED_STATUSES: those whose numbers are complete, the load having run to its end.)

START_TIMEOUT_S = 15.0   # from exec to the listening line
SHUTDOWN_EXTRA_S = 6.0   # SIGTERM grace beyond L: the servers' default drain bound (L + 1 s) plus margin


@dataclass
class Binaries:
    """Paths of the three programs a sweep runs."""

    server_sync: Path
    server_async: Path
    loadgen: Path
    build_dir: Path | None = None  # what a command series' {build_dir} names
    pg_url: str | None = None      # the PostgreSQL of the run's postgres series (sweep --pg, or a private one)
    pg_cluster: Any = None         # that private one (slowio.postgres.PrivatePostgres), None with --pg

    @classmethod
    def from_build_dir(cls, build_dir: Path, **explicit: str | None) -> "Binaries":
        """The paths under ``build_dir``; any explicit path (flag) wins."""
        return cls(**{name: Path(explicit[name]) if explicit.get(name) else Path(build_dir) / rel
                      for name, rel in BINARY_PATHS.items()}, build_dir=Path(build_dir))

    def server(self, kind: str) -> Path:
        """server_sync or server_async."""
        return self.server_sync if kind == "sync" else self.server_async

    def missing(self, points: list[Point]) -> list[str]:
        """Binaries the given points need that do not exist or are not executable (a command series' program
        is looked up on PATH when it has no slash)."""
        need = {self.loadgen} | {self.server(p.series.server) for p in points if p.series.server != "command"}
        gone = {str(b) for b in need if not (b.is_file() and os.access(b, os.X_OK))}
        for p in points:
            gone |= set(self.missing_for_command(p))
        return sorted(gone)

    def missing_for_command(self, p: Point) -> list[str]:
        """What a command series' point needs and does not find: its program on PATH, or a file its template
        places in the build tree (a dll, a jar, a script); empty for our own servers."""
        if p.series.server != "command":
            return []
        argv = server_command(p, self)
        gone = [] if shutil.which(argv[0]) else [argv[0]]
        words = p.series.command.split()
        gone += [arg for word, arg in zip(words[1:], argv[1:]) if "{build_dir" in word and not Path(arg).exists()]
        return gone


def skip_unavailable(points: list[Point], binaries: Binaries) -> tuple[list[Point], list[dict[str, str]]]:
    """Drops the points of ``optional`` command series whose program or build output is missing (the ASP.NET
    Core series on a machine without dotnet), and the other half of their pair, which has nothing to be
    compared with. Returns (points to run, [{"label", "reason"}] once per skipped series)."""
    reasons: dict[str, str] = {}
    for p in points:
        if p.series.optional and p.series.label not in reasons:
            gone = binaries.missing_for_command(p)
            if gone:
                what = gone[0]
                reasons[p.series.label] = (f"{what} not found" if what == server_command(p, binaries)[0]
                                           else f"{what} not built")
    dropped_pairs = {p.series.pair: reasons[p.series.label] for p in points
                     if p.series.label in reasons and p.series.pair}
    for p in points:
        if p.series.pair in dropped_pairs and p.series.label not in reasons:
            reasons[p.series.label] = f"its .NET pair was skipped ({dropped_pairs[p.series.pair]})"
    kept = [p for p in points if p.series.label not in reasons]
    return kept, [{"label": label, "reason": reason} for label, reason in reasons.items()]


def server_command(p: Point, binaries: Binaries) -> list[str]:
    """The server's command line for point ``p`` (port 0: ephemeral)."""
    s = p.series
    if s.server == "command":
        values = {"port": 0, "latency_ms": s.latency_ms, "threads": s.threads, "users": s.users,
                  "max_connections": s.max_connections, "source_dir": REPO_ROOT, "store": s.store}
        if s.store == "postgres":  # pg_url "": libpq's PG* environment (the .NET target reads --pg as libpq does)
            values.update(db_pool=effective_db_pool(s), pg_url=binaries.pg_url or "")
        if binaries.build_dir is not None:
            values["build_dir"] = binaries.build_dir
        return command_argv(s.command, values) + list(s.extra_server_args)
    cmd = [str(binaries.server(s.server)), "--port", "0", "--threads", str(s.threads),
           "--store-latency-ms", str(s.latency_ms), "--store-jitter", str(s.jitter),
           "--users", str(s.users), "--max-connections", str(s.max_connections), "--log-level", "warn"]
    if s.server == "sync":
        cmd += ["--model", s.model]
        if s.model == "pool":
            cmd += ["--pool", s.pool]
            if s.pool == "elastic":
                # min_threads 0: the server's default (usable cores, as .NET), so no flag
                cmd += (["--min-threads", str(s.min_threads)] if s.min_threads else []) + \
                       ["--max-threads", str(s.max_threads)]
        if s.queue_limit:
            cmd += ["--queue-limit", str(s.queue_limit)]
    if s.antipattern != "none":
        cmd += ["--antipattern", s.antipattern]
    if s.store == "postgres":
        # without a URL the server uses libpq's PG* environment
        cmd += ["--store", "postgres"] + (["--pg", binaries.pg_url] if binaries.pg_url else []) + \
               ["--db-pool", str(effective_db_pool(s))]
    if s.deadlock_exit:
        cmd += ["--deadlock-exit"]
    return cmd + list(s.extra_server_args)


@dataclass
class Pinning:
    """taskset prefixes for the server and loadgen, and what was decided (for stderr and machine.json)."""

    server: list[str]
    loadgen: list[str]
    message: str
    cores: list[int] = field(default_factory=list)  # the usable cores, in order, when pinning is on

    def loadgen_cores(self) -> list[int]:
        """The core loadgen is pinned to, as a list ([] when pinning is off): pinning_plan's second core."""
        return self.cores[1:2]

    def server_prefix(self, n: int | None) -> list[str]:
        """The server's taskset prefix for a series that asks for ``n`` cores (None or 1: the plan's one core;
        more: the first n usable cores). Raises InputError when the machine has fewer."""
        if not self.server or not n or n <= 1:
            return self.server
        if n > len(self.cores):
            raise InputError(f"server_cores {n}: this machine has {len(self.cores)} usable cores")
        return [self.server[0], "-c", ",".join(str(c) for c in self.cores[:n])]


def pinning_plan(no_pin: bool) -> Pinning:
    """Server on the first usable core and loadgen on the second, when there are two and taskset exists."""
    try:
        cores = sorted(os.sched_getaffinity(0))
    except AttributeError:
        cores = list(range(os.cpu_count() or 1))
    taskset = shutil.which("taskset")
    if no_pin:
        return Pinning([], [], "pinning: off (--no-pin)")
    if len(cores) < 2:
        return Pinning([], [], f"pinning: off (only {len(cores)} usable core)")
    if not taskset:
        return Pinning([], [], "pinning: off (taskset not found)")
    a, b = cores[0], cores[1]
    return Pinning([taskset, "-c", str(a)], [taskset, "-c", str(b)],
                   f"pinning: server on core {a}, loadgen on core {b} (taskset; {len(cores)} usable cores)", cores)


def server_cores(prefix: list[str]) -> int:
    """The cores a point's server may run on: those of its taskset prefix, else this process's (what
    server_sync and .NET take as their default minimum of pool threads)."""
    return len(prefix[2].split(",")) if prefix else usable_cores()


@dataclass
class ClassResult:
    """What one request class's loadgen measured in a multi-class point."""

    report: loadgen.LoadgenReport | None = None
    timeseries: list[dict[str, Any]] | None = None
    loadgen_exit_code: int | None = None


@dataclass
class PointResult:
    """How one point's run went, and what it measured (the input of its summary row)."""

    status: str = "ok"
    details: list[str] = field(default_factory=list)
    server_exit_code: int | None = None
    loadgen_exit_code: int | None = None
    metrics_before: dict[str, float] = field(default_factory=dict)  # /metrics before the load
    metrics_after: dict[str, float] = field(default_factory=dict)   # /metrics after it (empty if the server died)
    db_pool_timeouts: float | None = None  # postgres: http_rejected_total{reason="db_pool_timeout"} at the end
    server_died_after_s: float | None = None  # since loadgen started, when the server exited on its own
    report: loadgen.LoadgenReport | None = None
    timeseries: list[dict[str, Any]] | None = None
    wall_s: float = 0.0
    pinned: bool = False
    server_cores: int = 1  # the cores the server may run on
    metrics_port: int | None = None  # where /metrics was read (a target's "metrics on" port, else the main one)
    classes: dict[str, ClassResult] = field(default_factory=dict)  # a multi-class point's, by class name
    cpu_work_ms: float | None = None  # median time of one POST /work of the CPU class's n on the idle server
    cpu_work_n: int | None = None  # the CPU class's n as sent (scaled to its work_ms when it has one)

    def fail(self, status: str, detail: str) -> None:
        """Records a failure; the first one (the worst cause, checked first) keeps the status."""
        if self.status == "ok":
            self.status = status
        self.details.append(detail)


class LineReader(threading.Thread):
    """Copies a pipe to a log file; its first KEEP lines (the listening line, a target's metrics line) are
    handed to whoever waits on them with ``line``."""

    KEEP = 2

    def __init__(self, pipe, log_path: Path):
        super().__init__(daemon=True)
        self.pipe, self.log_path = pipe, log_path
        self.lines: list[str] = []
        self.closed = False  # the pipe reached EOF: no further line will come
        self._cond = threading.Condition()

    def run(self) -> None:
        with open(self.log_path, "w", encoding="utf-8", errors="replace") as log:
            for raw in iter(self.pipe.readline, b""):
                text = raw.decode("utf-8", "replace")
                # In the log before it is handed over: whoever was waiting for the line finds it there too.
                log.write(text)
                log.flush()
                with self._cond:
                    if len(self.lines) < self.KEEP:
                        self.lines.append(text.rstrip("\r\n"))
                        self._cond.notify_all()
        with self._cond:
            self.closed = True
            self._cond.notify_all()

    def line(self, index: int, timeout_s: float) -> str | None:
        """Stdout line ``index`` (0-based, < KEEP), waiting up to timeout_s; None if none came by then."""
        with self._cond:
            self._cond.wait_for(lambda: len(self.lines) > index or self.closed, timeout=timeout_s)
            return self.lines[index] if len(self.lines) > index else None


def parse_metrics_line(line: str | None) -> int | None:
    """The port of a ``metrics on 127.0.0.1:PORT`` line; None for anything else."""
    m = METRICS_LINE_RE.match(line) if line is not None else None
    return int(m.group(1)) if m else None


def read_metrics_port(reader: LineReader, timeout_s: float | None = None) -> int | None:
    """A target's optional second stdout line: the port its /metrics is served on (off the thread pool), or
    None when the line after the listening line is something else or does not come within timeout_s
    (default METRICS_LINE_WAIT_S)."""
    return parse_metrics_line(reader.line(1, METRICS_LINE_WAIT_S if timeout_s is None else timeout_s))


def _terminate(proc: subprocess.Popen, grace_s: float) -> tuple[int | None, bool]:
    """SIGTERM, wait up to grace_s, then SIGKILL. Returns (exit code, killed)."""
    if proc.poll() is not None:
        return proc.returncode, False
    try:
        proc.send_signal(signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        return proc.wait(timeout=grace_s), False
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait(), True


def exit_text(code: int | None) -> str:
    """'exit 4', 'signal SIGABRT' or 'none'."""
    if code is None:
        return "none"
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit {code}"


def _tail(path: Path, limit: int = 160) -> str:
    """Last non-empty line of a log file, shortened (for the detail column)."""
    try:
        lines = [ln.strip() for ln in path.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return lines[-1][:limit] if lines else ""


def _colon(text: str) -> str:
    return ": " + text if text else ""


@dataclass
class _Files:
    """Where one point's outputs go under the run directory (a request class's: ``point_id`` + its name)."""

    run_dir: Path
    point_id: str

    def for_class(self, name: str) -> "_Files":
        """The files of one request class of a multi-class point (the server's logs stay the point's)."""
        return _Files(self.run_dir, f"{self.point_id}-{name}")

    def log(self, suffix: str) -> Path:
        return self.run_dir / "logs" / f"{self.point_id}.{suffix}"

    @property
    def json(self) -> Path:
        return self.run_dir / "loadgen" / f"{self.point_id}.json"

    @property
    def timeseries(self) -> Path:
        return self.run_dir / "timeseries" / f"{self.point_id}.csv"


@dataclass
class StartedServer:
    """A server that printed its listening line: the process, its stdout reader and its ports."""

    proc: subprocess.Popen
    reader: LineReader
    port: int
    metrics_port: int  # where /metrics is read: the port of a "metrics on" line, else ``port``


def start_server(cmd: list[str], files: _Files, res: PointResult, metrics_line: bool,
                 timeout_s: float = START_TIMEOUT_S) -> StartedServer | None:
    """Starts the server and reads its port from the listening line (within ``timeout_s``) and, with
    ``metrics_line`` (command series), the optional ``metrics on`` line after it; None (and res says why) when it
    fails."""
    try:
        with open(files.log("server.err"), "wb") as err:  # the child keeps its own copy of the descriptor
            server = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL)
    except OSError as e:
        res.fail("start_failed", f"cannot start server: {e.strerror}")
        return None
    reader = LineReader(server.stdout, files.log("server.out"))
    reader.start()
    first = reader.line(0, timeout_s)
    if first is not None:
        m = LISTEN_RE.match(first)
        if m:
            port = int(m.group(1))
            metrics_port = read_metrics_port(reader) if metrics_line else None
            return StartedServer(server, reader, port, metrics_port or port)
        res.details.append(f"unexpected first line {first[:80]!r}")
    code, _ = _terminate(server, 3.0)
    res.server_exit_code = code
    res.fail("start_failed", f"no listening line (server {exit_text(code)}){_colon(_tail(files.log('server.err')))}")
    return None


def _run_loadgens(cmds: list[tuple[list[str], _Files]], hard_limit_s: float, res: PointResult) -> list[int | None]:
    """Runs the loadgens at once (one per request class; usually one) to completion, each killed past
    hard_limit_s (a hang). Returns their exit codes (None: did not start or was killed)."""
    procs: list[subprocess.Popen | None] = []
    for cmd, files in cmds:
        try:
            with open(files.log("loadgen.out"), "wb") as out, open(files.log("loadgen.err"), "wb") as err:
                procs.append(subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL))
        except OSError as e:
            res.fail("loadgen_failed", f"cannot start loadgen: {e.strerror}")
            procs.append(None)
    deadline = time.monotonic() + hard_limit_s
    codes: list[int | None] = []
    for proc in procs:
        if proc is None:
            codes.append(None)
            continue
        try:
            codes.append(proc.wait(timeout=max(0.0, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            res.fail("hang", f"loadgen still running after {hard_limit_s:.0f} s: killed")
            codes.append(None)
    return codes


CALIBRATION_CALLS = 5
# core's bounds on POST /work?n= (CpuWork): a calibrated n stays inside them.
CPU_N_MIN, CPU_N_MAX = 1, 200_000_000


def cpu_class(p: Point) -> RequestClass | None:
    """The request class that sends CPU work (POST /work or POST /jobs), if the point has one."""
    return next((rc for rc in p.series.classes if rc.sends_cpu_work), None)


def measure_cpu_work_ms(port: int, n: int, calls: int = CALIBRATION_CALLS) -> float | None:
    """Median time of ``calls`` sequential POST /work?n=N on the idle server: the cost of one CPU request
    here (what bounds the CPU-work throughput: cores x 1000 / this). None when the server does not answer."""
    times = []
    for _ in range(calls):
        t = time.monotonic()
        try:
            req = urllib.request.Request(f"http://127.0.0.1:{port}/work?n={n}", data=b"", method="POST")
            with urllib.request.urlopen(req, timeout=10.0) as r:
                r.read()
        except Exception:  # noqa: BLE001 - no calibration is a missing figure, not a failed point
            return None
        times.append((time.monotonic() - t) * 1000.0)
    return statistics.median(times)


def calibrate_cpu_work(port: int, rc: RequestClass,
                       measure=measure_cpu_work_ms) -> tuple[RequestClass, int | None, float | None]:
    """The CPU class as it is sent, its n, and the measured cost of one request on the idle server (ms).

    With ``work_ms`` the path's n is scaled so that one request costs work_ms here (the work is n rounds of
    the same mix, so its time is linear in n: one measurement at the guess, one at the scaled n to record
    what it really costs). Without it, or when the server does not answer, the path is sent as written."""
    m = CPU_N_RE.search(rc.path)
    if m is None:
        return rc, None, None
    n = int(m.group(1))
    ms = measure(port, n)
    if rc.work_ms is None or not ms:
        return rc, n, ms
    scaled = min(CPU_N_MAX, max(CPU_N_MIN, round(n * rc.work_ms / ms)))
    path = rc.path[:m.start(1)] + str(scaled) + rc.path[m.end(1):]
    return replace(rc, path=path), scaled, measure(port, scaled)


def _judge_server_exit(code: int | None, died_during_run: bool, killed: bool, grace_s: float, ours: bool,
                       files: _Files, res: PointResult) -> None:
    """The status the server's end gives the point, worst cause first (``deadlock_detected`` is believed from
    our own servers only: a command target's metric of that name is not ours to interpret)."""
    if code == EXIT_DEADLOCK or ((res.metrics_after.get("deadlock_detected") or 0) > 0 and ours):
        res.status = "deadlock"
        res.details.append("server exited 4: deadlock detected" if code == EXIT_DEADLOCK
                           else "deadlock_detected metric set")
    elif died_during_run and code != EXIT_OK:
        res.status = "crash"
        res.details.append(f"server died during the run ({exit_text(code)})")
    elif killed:
        res.fail("shutdown_timeout", f"server ignored SIGTERM for {grace_s:.0f} s: killed")
    elif code is not None and code < 0 and res.status == "ok":
        res.fail("crash", f"server crashed during shutdown ({exit_text(code)})")
    elif code == EXIT_DRAIN_EXPIRED:
        res.fail("drain_expired", f"server exit 5 after SIGTERM (drain expired: in-flight requests were lost)"
                                  f"{_colon(_tail(files.log('server.err')))}")
    elif code != EXIT_OK:
        # The measurement is complete but the exit code is none the servers give after SIGTERM (0 or 5):
        # kept as data (server_exit_code says it, the detail says why) and the regression gate checks it.
        res.details.append(f"server {exit_text(code)} after SIGTERM{_colon(_tail(files.log('server.err')))}")


def _read_outputs(files: _Files, res: PointResult, code: int | None = None,
                  name: str | None = None) -> ClassResult:
    """One loadgen's JSON and time series; a missing or unreadable JSON fails the point. Without ``name``
    (a single-class point) they are res's own; else they go to res.classes[name]."""
    out = ClassResult(loadgen_exit_code=res.loadgen_exit_code if name is None else code)
    if files.json.is_file():
        try:
            out.report = loadgen.read_report(files.json)
        except (OSError, ValueError) as e:
            res.details.append(f"loadgen JSON unreadable: {e}")
    code = out.loadgen_exit_code
    who = "loadgen" if name is None else f"loadgen ({name})"
    if code not in (None, 0) or (out.report is None and res.status == "ok"):
        res.fail("loadgen_failed", f"{who} {exit_text(code)}{', no JSON' if out.report is None else ''}"
                                   f"{_colon(_tail(files.log('loadgen.err')))}")
    if files.timeseries.is_file():
        out.timeseries = loadgen.read_timeseries(files.timeseries)
    if name is None:
        res.report, res.timeseries = out.report, out.timeseries
    else:
        res.classes[name] = out
    return out


def sample_interval_s(p: Point) -> float:
    """The period of the point's loadgen time series: the samplers beside it take one sample per row."""
    try:
        return loadgen.scrape_interval_s(p.series.extra_loadgen_args)
    except ValueError:  # loadgen refuses the same flag and the point fails with loadgen's own message
        return loadgen.DEFAULT_SCRAPE_INTERVAL_S


def start_sampler(p: Point, pid: int) -> procstat.Sampler:
    """The /proc sampler beside a point's server (the kernel's view of its process tree), started, at the
    period of the point's loadgen time series."""
    sampler = procstat.Sampler(pid, sample_interval_s(p))
    sampler.start()
    return sampler


# Opening a pool's P PostgreSQL connections, each warmed by one query, took 20.7 s for P = 1,000 here, 27.8 s with
# PostgreSQL on one core (it starts and warms one backend process per connection, 20-28 ms of its CPU each);
# server_async prints its listening line before its pool is open, so a time-dilated window would measure the
# opening, not the pool; server_sync prints it after (its pool is open before it listens).
DB_POOL_OPEN_BASE_S, DB_POOL_OPEN_PER_CONN_S = 10.0, 0.05  # how long to wait for it: base + P x this


def start_timeout_s(p: Point) -> float:
    """How long a point's server may take to print its listening line: START_TIMEOUT_S, plus its pool's opening
    for server_sync with --store postgres."""
    if p.series.store == "postgres" and p.series.server == "sync":
        return START_TIMEOUT_S + effective_db_pool(p.series) * DB_POOL_OPEN_PER_CONN_S
    return START_TIMEOUT_S
DB_POOL_POLL_S = 0.1


def wait_for_db_pool(p: Point, port: int, res: PointResult, now=time.monotonic, pause=time.sleep) -> float:
    """For a postgres point, waits until the server's db_pool_connections reaches its pool P (the load then
    meets an open pool, as a service's does after its warm-up), polling /metrics; past DB_POOL_OPEN_* the load
    starts anyway and the detail says how many were open. Returns the seconds waited (0 for other points, and for
    a command series: Npgsql, say, opens its pool on demand, and the warm-up is where it does)."""
    if p.series.store != "postgres" or p.series.server == "command":
        return 0.0
    want = effective_db_pool(p.series)
    t0 = now()
    deadline = t0 + DB_POOL_OPEN_BASE_S + want * DB_POOL_OPEN_PER_CONN_S
    while True:
        got = prometheus.scrape_metrics(port).get("db_pool_connections")
        if got is not None and got >= want:
            return now() - t0
        if now() >= deadline:
            res.details.append(f"db pool: {0 if got is None else got:.0f} of {want} connections open after "
                               f"{now() - t0:.0f} s, load started anyway")
            return now() - t0
        pause(DB_POOL_POLL_S)


def spread_database(p: Point, binaries: Binaries) -> Callable[[], None]:
    """While a postgres point's server opens its pool nothing is measured, so a private cluster pinned to the
    loadgen's core is spread over every core (PostgreSQL forks and warms a backend per connection, about 30 ms
    of CPU each on this box: P = 1,000 took 28-32 s on one core). Returns what moves it back; run_point calls it
    before the load starts."""
    cluster = binaries.pg_cluster
    if cluster is None or not cluster.cores or p.series.store != "postgres" or p.series.server == "command":
        return lambda: None
    cluster.move_to_cores(None)
    return lambda: cluster.move_to_cores(cluster.cores)


def start_db_sampler(p: Point, binaries: Binaries, metrics_port: int) -> dbstat.DbSampler | None:
    """For a postgres point, the database's view beside it (slowio.dbstat: pg_stat_activity's active backends
    and the server's pool gauges), started at the same period; None for any other point."""
    if p.series.store != "postgres":
        return None
    sampler = dbstat.DbSampler(binaries.pg_url, sample_interval_s(p), metrics_port)
    sampler.start()
    return sampler


def start_counters(p: Point, argv: list[str], pid: int, files: "_Files",
                   res: PointResult) -> dotnetcounters.CountersSession | None:
    """For the .NET half of a .NET-vs-model pair, dotnet-counters on its process (slowio.dotnetcounters: .NET's
    own thread count and queue length, and what its Meter publishes) for the load's length; None for any other
    point, or (said in the detail) where dotnet-counters cannot run."""
    if not dotnetcounters.wanted(argv, p.series.pair):
        return None
    why = dotnetcounters.missing()
    if why:
        res.details.append(f"dotnet-counters: {why}")
        return None
    # the load's length and the seconds before it starts: the session ends by itself then (and writes its file)
    session = dotnetcounters.CountersSession(pid, p.duration_s + dotnetcounters.START_S, files.run_dir / "logs",
                                             files.point_id)
    return session.start()


# sampler class -> (its time-series columns, its samples as rows with "t", its cost text, its log's suffix)
VIEWS = {procstat.Sampler: (procstat.TS_COLUMNS, procstat.sample_rows, procview.cost_text, "procstat.txt"),
         dbstat.DbSampler: (dbstat.TS_COLUMNS, dbstat.sample_rows, dbstat.cost_text, "dbstat.txt"),
         dotnetcounters.CountersSession: (dotnetcounters.TS_COLUMNS, dotnetcounters.sample_rows,
                                          dotnetcounters.cost_text, "dotnet-counters.txt")}


def record_kernel_view(sampler: procstat.PeriodicSampler | None, runs: list[tuple[Any, _Files]],
                       launch_epoch: float, files: _Files, res: PointResult) -> None:
    """Stops the sampler and appends its columns (VIEWS: the kernel's view, slowio.procview, or the
    database's, slowio.dbstat) to each loadgen time series of the point, aligned on the wall clock by loadgen's
    start_epoch_s; logs/<point>.<procstat|dbstat>.txt says what it cost. None: nothing to record."""
    if sampler is None:
        return
    columns, rows_of, cost_text, log = VIEWS[type(sampler)]
    samples = sampler.stop()
    rows, matched = rows_of(samples), []
    for _, f in runs:
        start, interval = loadgen.read_timeline(f.json)
        # an older loadgen without start_epoch_s: its launch is the nearest instant the sweep knows
        got, total = procview.annotate_columns(f.timeseries, rows, columns,
                                               launch_epoch if start is None else start,
                                               interval or sampler.interval_s)
        matched.append((f.timeseries.name, got, total))
    files.log(log).write_text(cost_text(samples, sampler.interval_s, sampler.error, matched))
    if sampler.error:
        res.details.append(sampler.error)


def _loadgen_commands(p: Point, binaries: Binaries, pin: Pinning, files: _Files, port: int,
                      metrics_port: int, res: PointResult) -> tuple[list, list]:
    """One loadgen per request class (or one for the point), each with its files; the commands are appended to
    cmd.txt. A CPU-work class is calibrated against the running server first."""
    classes = list(p.series.classes)
    rc = cpu_class(p)
    if rc is not None:
        sent, res.cpu_work_n, res.cpu_work_ms = calibrate_cpu_work(port, rc)
        classes = [sent if c is rc else c for c in classes]
    runs = [(None, files)] if not classes else [(c, files.for_class(c.name)) for c in classes]
    cmds = [(pin.loadgen + loadgen.loadgen_command(binaries.loadgen, p, port, f.json, f.timeseries,
                                                   scrape_port=metrics_port, request_class=c), f)
            for c, f in runs]
    with open(files.log("cmd.txt"), "a") as f:
        f.writelines(" ".join(cmd) + "\n" for cmd, _ in cmds)
    return runs, cmds


def run_point(p: Point, run_dir: Path, binaries: Binaries, pin: Pinning) -> PointResult:
    """Runs one point end to end (never raises for a failed run)."""
    t0 = time.monotonic()
    files = _Files(run_dir, p.id)
    for d in ("logs", "loadgen", "timeseries"):
        (run_dir / d).mkdir(parents=True, exist_ok=True)
    prefix = pin.server_prefix(p.series.server_cores)
    res = PointResult(pinned=bool(prefix), server_cores=server_cores(prefix))
    srv_cmd = prefix + server_command(p, binaries)
    files.log("cmd.txt").write_text(" ".join(srv_cmd) + "\n")
    database_back_on_its_cores = spread_database(p, binaries)
    started = start_server(srv_cmd, files, res, metrics_line=p.series.server == "command",
                           timeout_s=start_timeout_s(p))
    if started is None:
        database_back_on_its_cores()
        res.wall_s = time.monotonic() - t0
        return res
    server, reader, port = started.proc, started.reader, started.port
    sampler = start_sampler(p, server.pid)  # taskset execs the server: the pid is the server's
    res.metrics_port = started.metrics_port
    db_sampler = start_db_sampler(p, binaries, started.metrics_port)  # its session opens while the pool does
    counters = start_counters(p, server_command(p, binaries), server.pid, files, res)
    if counters is not None and not counters.wait_started():
        res.details.append("dotnet-counters: its sessions had not started when the load began")
    wait_for_db_pool(p, started.metrics_port, res)
    database_back_on_its_cores()
    res.metrics_before = prometheus.scrape_metrics(started.metrics_port)
    t_load = time.monotonic()
    died_at: list[float] = []
    watcher = threading.Thread(target=lambda: (server.wait(), died_at.append(time.monotonic() - t_load)),
                               daemon=True)
    watcher.start()
    runs, cmds = _loadgen_commands(p, binaries, pin, files, port, started.metrics_port, res)
    launch_epoch = time.time()
    codes = _run_loadgens(cmds, p.duration_s + p.series.timeout_s + 20.0, res)
    for view in (sampler, db_sampler, counters):
        record_kernel_view(view, runs, launch_epoch, files, res)
    res.loadgen_exit_code = None if None in codes else max(codes)  # the worst; None: one did not run
    died_during_run = server.poll() is not None
    if died_during_run:
        watcher.join(timeout=1.0)
        res.server_died_after_s = round(died_at[0], 2) if died_at else None
    else:
        res.metrics_after = prometheus.scrape_metrics(started.metrics_port)
        if p.series.store == "postgres":
            text = prometheus.read_metrics_text(started.metrics_port) or ""
            res.db_pool_timeouts = prometheus.by_label(text, "http_rejected_total", "reason").get("db_pool_timeout",
                                                                                                   0.0)
    grace = p.series.latency_ms / 1000.0 + SHUTDOWN_EXTRA_S
    code, killed = _terminate(server, grace)
    res.server_exit_code = code
    reader.join(timeout=2.0)
    _judge_server_exit(code, died_during_run, killed, grace, p.series.server != "command", files, res)
    if not p.series.classes:
        _read_outputs(files, res)
    else:
        for (c, f), lg_code in zip(runs, codes):
            _read_outputs(f, res, lg_code, c.name)
        first = res.classes[p.series.classes[0].name]  # the server's gauges: scraped by every class alike
        res.report, res.timeseries = first.report, first.timeseries
    res.wall_s = time.monotonic() - t0
    return res
