"""The kernel's view of a target: its threads, their states, context switches, CPU, RSS and open descriptors,
read from /proc beside every point, whatever the server is and whether or not it serves /metrics.

At each sample (one per loadgen scrape interval) the sampler reads, for the target process and every process
below it (a shell wrapper's child, a runtime host's child: the tree is rebuilt from /proc/*/stat's ppid at every
sample, so children started late are followed too):

  /proc/PID/stat            utime + stime (clock ticks; the whole thread group, exited threads included)
  /proc/PID/status          VmRSS (kB)
  /proc/PID/fd              the open descriptors (entries of the directory)
  /proc/PID/task/TID/stat   each thread's state: R (running or runnable), S (sleeping), D (uninterruptible,
                            usually disk or a page fault), anything else (t, Z, ...) only in the total
  /proc/PID/task/TID/status each thread's voluntary_ctxt_switches and nonvoluntary_ctxt_switches (the kernel
                            keeps them per thread; /proc/PID/status has only the main thread's)

A thread or process that exits between the directory listing and the read (ENOENT, ESRCH) is skipped and
counted in ``vanished``, never an error: on a server that starts and retires threads under load that happens
every few samples. Per sample interval the figures are differences between two samples of the same thread or
process (a CPU counter of a process that exited in between is not there to subtract), so ``cpu_pct`` is the
CPU the tree used in the interval (100 = one core) and the switch rates are per second. CPU time comes in
clock ticks (os.sysconf('SC_CLK_TCK'), 100 on Linux): at a 250 ms interval one tick is 4% of a core, the
resolution of ``cpu_pct`` per row.

What it costs, measured on this 2-core machine (a sample of server_sync, reading and parsing): about 3 ms for
a server of a few threads (most of it the scan of /proc for the tree), 43 ms for 1,000 threads (18% of one
core at 250 ms; the per-thread status file, for the context switches, is two thirds of it) and 185 ms for
4,000. The sampler rests at least as long as a sample took, so it never takes more than half a core: past
about 3,000 threads its samples come less often than the interval and some rows stay empty. It times itself,
and the sweep writes what it cost to logs/<point>.procstat.txt. Standard library only.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

CLK_TCK = os.sysconf("SC_CLK_TCK")

# The time-series columns the sweep appends to loadgen's (timeseries/<point>.csv), in this order.
TS_COLUMNS = ("proc_threads", "proc_threads_running", "proc_threads_sleeping", "proc_threads_blocked",
              "proc_cpu_pct", "proc_rss_kb", "proc_fds", "proc_processes", "proc_voluntary_switches_per_s",
              "proc_involuntary_switches_per_s")

# What "gone between the listing and the read" looks like: the entry is not there any more (ENOENT) or the
# task died while the kernel was rendering the file (ESRCH).
GONE = (FileNotFoundError, ProcessLookupError)


class ProcFormatError(ValueError):
    """A /proc file whose text is not what the kernel writes (one line saying which file and why)."""


@dataclass(frozen=True)
class StatLine:
    """The fields of a /proc/PID/stat or /proc/PID/task/TID/stat line the sampler uses."""

    pid: int
    comm: str
    state: str
    ppid: int
    cpu_ticks: int  # utime + stime


def parse_stat(text: str, where: str = "stat") -> StatLine:
    """Parses a stat line. ``comm`` is between the first '(' and the LAST ')' because a program may name
    itself anything ("a (b) c", ") )"): splitting on spaces would shift every field after it."""
    open_, close = text.find("("), text.rfind(")")
    if open_ <= 0 or close < open_:
        raise ProcFormatError(f"{where}: not a /proc stat line (no '(comm)'): {text[:60]!r}")
    rest = text[close + 1:].split()
    if len(rest) < 13:  # state is field 3 of the line, stime field 15: 13 fields after comm at least
        raise ProcFormatError(f"{where}: stat line has {len(rest) + 2} fields, expected at least 15")
    try:
        pid = int(text[:open_])
        ppid, utime, stime = int(rest[1]), int(rest[11]), int(rest[12])
    except ValueError:
        raise ProcFormatError(f"{where}: non-numeric pid, ppid, utime or stime in {text[:60]!r}") from None
    return StatLine(pid=pid, comm=text[open_ + 1:close], state=rest[0], ppid=ppid, cpu_ticks=utime + stime)


STATUS_KEYS = ("VmRSS", "voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")


def parse_status(text: str, where: str = "status") -> dict[str, int]:
    """The numeric fields of a /proc status file the sampler uses (STATUS_KEYS; VmRSS in kB). A key that is
    absent is absent (a kernel thread or a zombie has no VmRSS); a present key with a non-numeric value is a
    ProcFormatError."""
    out: dict[str, int] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key in STATUS_KEYS:
            words = value.split()
            if not words or not words[0].isdigit():
                raise ProcFormatError(f"{where}: {key} is not a number: {value.strip()[:40]!r}")
            out[key] = int(words[0])
    return out


class ProcFS:
    """/proc, read through two calls a test can replace (``listdir``, ``read``) to stage a thread that exits
    between the listing and the read. Paths are relative to ``root``."""

    def __init__(self, root: str = "/proc"):
        self.root = root

    def listdir(self, rel: str) -> list[str]:
        """The entries of a /proc directory."""
        return os.listdir(os.path.join(self.root, rel))

    def read(self, rel: str) -> str:
        """A /proc file's text (one read call: the kernel renders these files whole for a small size)."""
        fd = os.open(os.path.join(self.root, rel), os.O_RDONLY)
        try:
            chunks = []
            while chunk := os.read(fd, 65536):
                chunks.append(chunk)
            return b"".join(chunks).decode("utf-8", "replace")
        finally:
            os.close(fd)


@dataclass
class ProcSample:
    """One reading of a process tree at wall-clock ``t`` (seconds since the epoch)."""

    t: float
    processes: int = 0
    threads: int = 0
    running: int = 0
    sleeping: int = 0
    blocked: int = 0
    rss_kb: int = 0              # VmRSS summed (a zombie has none: it holds no memory)
    fds: int | None = 0          # None: a process's fd directory could not be listed (another user's)
    cpu_ticks: dict[int, int] = field(default_factory=dict)            # per process
    switches: dict[int, tuple[int, int]] = field(default_factory=dict)  # per thread: (voluntary, involuntary)
    vanished: int = 0            # threads or processes that exited between the listing and the read
    cost_s: float = 0.0          # how long reading took


def process_tree(fs: ProcFS, root: int) -> list[int]:
    """``root`` and every process below it, parents first ([] when root is gone). Built from every
    process's ppid, because /proc/PID/task/TID/children needs one read per thread of the target."""
    parent: dict[int, int] = {}
    for name in fs.listdir(""):
        if not name.isdigit():
            continue
        try:
            parent[int(name)] = parse_stat(fs.read(f"{name}/stat"), f"/proc/{name}/stat").ppid
        except GONE + (PermissionError,):
            pass  # another process of the machine exited (or is hidden from us): not ours to count
    if root not in parent:
        return []
    children: dict[int, list[int]] = {}
    for pid, ppid in parent.items():
        children.setdefault(ppid, []).append(pid)
    tree, i = [root], 0
    while i < len(tree):
        tree.extend(sorted(children.get(tree[i], [])))
        i += 1
    return tree


def _read_stat_status(fs: ProcFS, where: str, s: ProcSample):
    """``where``'s stat and status (a process, PID, or a thread, PID/task/TID), or None when it exited between
    the listing and the read (counted in ``s.vanished``)."""
    try:
        return (parse_stat(fs.read(f"{where}/stat"), f"/proc/{where}/stat"),
                parse_status(fs.read(f"{where}/status"), f"/proc/{where}/status"))
    except GONE:
        s.vanished += 1
        return None


def _read_threads(fs: ProcFS, pid: int, s: ProcSample) -> None:
    """Every thread of one process into ``s``: state counts and context switches."""
    try:
        tids = fs.listdir(f"{pid}/task")
    except GONE:
        s.vanished += 1
        return
    for tid in tids:
        read = _read_stat_status(fs, f"{pid}/task/{tid}", s)
        if read is None:
            continue
        st, sw = read
        s.threads += 1
        s.running += st.state == "R"
        s.sleeping += st.state == "S"
        s.blocked += st.state == "D"
        if "voluntary_ctxt_switches" in sw and "nonvoluntary_ctxt_switches" in sw:
            s.switches[st.pid] = (sw["voluntary_ctxt_switches"], sw["nonvoluntary_ctxt_switches"])


def _read_process(fs: ProcFS, pid: int, s: ProcSample) -> None:
    """One process of the tree into ``s``: its CPU, RSS, descriptors and threads."""
    read = _read_stat_status(fs, str(pid), s)
    if read is None:
        return
    st, status = read
    s.processes += 1
    s.cpu_ticks[pid] = st.cpu_ticks
    s.rss_kb += status.get("VmRSS", 0)  # absent in a zombie's status: it has no memory left
    try:
        nfd = len(fs.listdir(f"{pid}/fd"))
        s.fds = None if s.fds is None else s.fds + nfd
    except GONE:
        s.vanished += 1
    except PermissionError:  # another user's process (a setuid helper): its descriptors are not ours to see
        s.fds = None
    _read_threads(fs, pid, s)


def read_sample(fs: ProcFS, root: int, now: Callable[[], float] = time.time) -> ProcSample | None:
    """One sample of ``root``'s process tree; None when root itself is gone (the server exited)."""
    t0 = time.perf_counter()
    s = ProcSample(t=now())
    for pid in process_tree(fs, root):
        _read_process(fs, pid, s)
    s.cost_s = time.perf_counter() - t0
    return s if s.processes else None


class PeriodicSampler(threading.Thread):
    """Takes a sample every ``interval_s`` on a fixed schedule (start + k x interval; a late sample never shifts
    the next ones) and once more when stopped (so the last row of loadgen's time series, written as it exits,
    has a sample near it). A subclass says what one sample is (``read``: an object with ``cost_s``, or None for
    no sample this time) and which exceptions end the sampling (FATAL, kept in ``error`` with the LABEL prefix
    for the point's detail). Never raises."""

    LABEL = "sampler"
    FATAL: tuple[type[BaseException], ...] = (OSError,)

    def __init__(self, interval_s: float, name: str):
        super().__init__(daemon=True, name=name)
        if not interval_s > 0:
            raise ValueError(f"{self.LABEL}: the interval must be positive, got {interval_s!r}")
        self.interval_s = interval_s
        self.samples: list[Any] = []
        self.error: str | None = None
        self._stopping = threading.Event()
        self._cond = threading.Condition()
        self._done = False  # run() returned: no further sample will come

    def read(self) -> Any:
        """One sample (with a ``cost_s`` in seconds), or None when there is nothing to sample this time."""
        raise NotImplementedError

    def open(self) -> None:
        """Prepares what every sample needs, before the first one (nothing here); a FATAL error ends it."""

    def close(self) -> None:
        """Releases what the sampler holds, after its last sample (nothing here)."""

    def _take(self) -> bool:
        """One sample into ``samples``; False when sampling must end (a FATAL error)."""
        try:
            s = self.read()
        except self.FATAL as e:
            self.error = f"{self.LABEL}: {e}"
            return False
        with self._cond:
            if s is not None:
                self.samples.append(s)
            self._cond.notify_all()
        return True

    def run(self) -> None:
        """The sampling loop (threading.Thread's entry point): until stop, then one last sample."""
        try:
            try:
                self.open()
            except self.FATAL as e:
                self.error = f"{self.LABEL}: {e}"
                return
            due = time.monotonic()
            while self._take():
                # behind schedule: skip the missed slots, no burst; and rest at least as long as the sample took,
                # so that on a tree of thousands of threads the sampler takes at most half a core from the
                # benchmark (its rows then get the nearest sample, or none: never a stale one)
                cost = self.samples[-1].cost_s if self.samples else 0.0
                due = max(due + self.interval_s, time.monotonic() + cost)
                if self._stopping.wait(max(0.0, due - time.monotonic())):
                    self._take()
                    return
        finally:
            self.close()
            with self._cond:
                self._done = True
                self._cond.notify_all()

    def wait_samples(self, n: int, timeout_s: float) -> bool:
        """Waits until ``n`` samples are taken (or sampling ended); True when there are n."""
        with self._cond:
            self._cond.wait_for(lambda: len(self.samples) >= n or self._done, timeout=timeout_s)
            return len(self.samples) >= n

    def stop(self) -> list[Any]:
        """Stops sampling (after one last sample) and returns the samples."""
        self._stopping.set()
        if self.is_alive():
            self.join()
        return self.samples


class Sampler(PeriodicSampler):
    """Samples a process tree (read_sample) every ``interval_s``; a /proc file it cannot parse ends the
    sampling."""

    LABEL = "procstat"
    FATAL = (ProcFormatError, OSError)

    def __init__(self, pid: int, interval_s: float, fs: ProcFS | None = None):
        super().__init__(interval_s, name=f"procstat-{pid}")
        self.pid, self.fs = pid, fs or ProcFS()

    def read(self) -> ProcSample | None:
        """One sample of the process tree; None when the target is gone."""
        return read_sample(self.fs, self.pid)


def _rate(now: dict, before: dict, dt: float, pick: Callable[[Any], float]) -> float:
    """Summed growth per second of the counters present in both samples (a thread or process that exited or
    started in between has no difference to give)."""
    return sum(pick(v) - pick(before[k]) for k, v in now.items() if k in before) / dt


def sample_rows(samples: list[ProcSample]) -> list[dict[str, Any]]:
    """Each sample as a row of TS_COLUMNS plus ``t`` (epoch). The per-interval figures (CPU, switch rates)
    of the first sample are None: there is no interval before it."""
    rows = []
    for i, s in enumerate(samples):
        prev = samples[i - 1] if i else None
        dt = s.t - prev.t if prev else 0.0
        row: dict[str, Any] = {"t": s.t, "proc_threads": s.threads, "proc_threads_running": s.running,
                               "proc_threads_sleeping": s.sleeping, "proc_threads_blocked": s.blocked,
                               "proc_rss_kb": s.rss_kb, "proc_fds": s.fds, "proc_processes": s.processes,
                               "proc_cpu_pct": None, "proc_voluntary_switches_per_s": None,
                               "proc_involuntary_switches_per_s": None}
        if prev is not None and dt > 0:
            row["proc_cpu_pct"] = round(_rate(s.cpu_ticks, prev.cpu_ticks, dt, float) / CLK_TCK * 100.0, 1)
            row["proc_voluntary_switches_per_s"] = round(_rate(s.switches, prev.switches, dt, lambda v: v[0]), 1)
            row["proc_involuntary_switches_per_s"] = round(_rate(s.switches, prev.switches, dt, lambda v: v[1]), 1)
        rows.append(row)
    return rows
