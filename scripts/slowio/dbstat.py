"""The database's own view of a postgres point, sampled by the sweep beside it (issue 25): how many client
backends PostgreSQL itself sees running a statement, next to the server's pool gauges read at the same instant.

At each sample (one per loadgen scrape interval, the schedule of slowio.procstat's sampler, whose
PeriodicSampler this is) the sampler

  * counts ``db_active``: ``pg_stat_activity`` rows with ``state = 'active' AND backend_type = 'client
    backend'`` in the servers' database, less its own session (``pid <> pg_backend_pid()``). Its session is one
    psql (Debian's ``postgresql-client``) kept open for the whole point, fed one query per sample on stdin: no
    new process and no new connection per sample. Each query carries a sequence number, so an answer that
    comes after its sample gave up (ANSWER_TIMEOUT_S) is never taken for the next one's;
  * reads the server's /metrics for ``db_pool_waiters`` and ``db_pool_busy_connections`` (core's
    DbPoolMetrics): loadgen's --scrape reads a fixed list of gauges (bench/loadgen/Scraper.cpp) that does not
    hold these, so the sweep reads them here. Our servers count these responses in http_responses_total as
    they count loadgen's scrapes (slowio.summary subtracts one per interval for each).

The time-series columns (TS_COLUMNS) are appended to loadgen's after the kernel's (slowio.procview's rules:
a row gets the last sample of its interval, else empty cells); summary.csv's ``peak_db_active`` and
``peak_db_pool_waiters`` are their highest values over the load (warm-up and window), as peak_proc_threads.
A psql that cannot connect ends the sampling: the columns stay empty and the point's detail says why.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import time
from dataclasses import dataclass
from typing import Any

from . import postgres, prometheus
from .procstat import PeriodicSampler
from .procview import LOAD_PHASES, sampler_report

TS_COLUMNS = ("db_active", "db_pool_waiters", "db_pool_busy_connections")
SUMMARY_CELLS = {"peak_db_active": ("db_active", LOAD_PHASES, max),
                 "peak_db_pool_waiters": ("db_pool_waiters", LOAD_PHASES, max)}
ACTIVE_SQL = ("SELECT {seq}, count(*) FROM pg_stat_activity WHERE state = 'active' AND backend_type = "
              "'client backend' AND datname = current_database() AND pid <> pg_backend_pid();\n")
ANSWER_TIMEOUT_S = 2.0  # a sample whose count has not come by then (or by 2 intervals) has none (db_active empty)


def psql_path() -> str:
    """psql beside initdb ($PG_BIN or Debian's /usr/lib/postgresql/N/bin), else on PATH."""
    bindir = postgres.bin_dir()
    if bindir and os.path.exists(os.path.join(bindir, "psql")):
        return os.path.join(bindir, "psql")
    return shutil.which("psql") or "psql"


class PsqlSession:
    """One psql process, one database session, queried line by line: ``count`` sends ACTIVE_SQL and reads its
    answer. ``url`` None: libpq's PG* environment, as the servers without --pg."""

    def __init__(self, url: str | None):
        argv = [psql_path(), "-X", "-A", "-t", "-q", "-F", " ", "-v", "ON_ERROR_STOP=1"]
        self.proc = subprocess.Popen(argv + (["-d", url] if url else []), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
        self.seq = 0
        self._pending = ""

    def count(self, timeout_s: float = ANSWER_TIMEOUT_S) -> int | None:
        """The number of other active client backends now; None when the answer did not come in time. Raises
        OSError when psql is gone (it could not connect, or the database went away)."""
        self.seq += 1
        try:
            self.proc.stdin.write(ACTIVE_SQL.format(seq=self.seq))
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            raise OSError(f"psql exited: {self._stderr()}") from None
        deadline = time.monotonic() + timeout_s
        while True:
            line = self._line(deadline)
            if line is None:
                return None
            words = line.split()
            if len(words) == 2 and words[0] == str(self.seq) and words[1].isdigit():
                return int(words[1])  # an older sample's late answer is skipped

    def _line(self, deadline: float) -> str | None:
        """The next line psql printed, waiting until ``deadline``; None at the deadline. OSError at EOF."""
        fd = self.proc.stdout.fileno()
        while "\n" not in self._pending:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, 4096).decode("utf-8", "replace")
            if not chunk:
                raise OSError(f"psql exited: {self._stderr()}")
            self._pending += chunk
        line, self._pending = self._pending.split("\n", 1)
        return line

    def _stderr(self) -> str:
        """psql's last error line, once it has exited."""
        try:
            self.proc.wait(timeout=2.0)
            lines = [ln.strip() for ln in self.proc.stderr.read().splitlines() if ln.strip()]
        except (subprocess.TimeoutExpired, OSError, ValueError):
            return "no answer"
        return lines[-1][:160] if lines else f"exit {self.proc.returncode}"

    def close(self) -> None:
        """Ends the session (psql exits at the end of its input)."""
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=5.0)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()


@dataclass
class DbSample:
    """One reading at wall-clock ``t``: the database's count and the server's gauges (None: not read)."""

    t: float
    active: int | None = None
    waiters: float | None = None
    busy: float | None = None
    cost_s: float = 0.0


class DbSampler(PeriodicSampler):
    """Samples pg_stat_activity (through one PsqlSession) and, when ``metrics_port`` is given, the server's
    pool gauges every ``interval_s``. The session opens on the sampler's thread (``open``): a database that
    does not answer delays no one."""

    LABEL = "dbstat"
    FATAL = (OSError,)

    def __init__(self, url: str | None, interval_s: float, metrics_port: int | None = None):
        super().__init__(interval_s, name="dbstat")
        self.url, self.metrics_port = url, metrics_port
        self.session: PsqlSession | None = None

    def open(self) -> None:
        """Starts the psql session and waits for its first answer (the connection), so the first sample's
        cost is a query's, not a connection's."""
        self.session = PsqlSession(self.url)
        self.session.count(timeout_s=10.0)

    def read(self) -> DbSample:
        """One sample (see the module doc)."""
        t0 = time.perf_counter()
        s = DbSample(t=time.time())
        # a server whose loop stalls must not stop the database's count: the gauges wait one interval at most
        s.active = self.session.count(min(ANSWER_TIMEOUT_S, 2 * self.interval_s))
        if self.metrics_port is not None:
            m = prometheus.scrape_metrics(self.metrics_port, timeout=self.interval_s)
            s.waiters, s.busy = m.get("db_pool_waiters"), m.get("db_pool_busy_connections")
        s.cost_s = time.perf_counter() - t0
        return s

    def close(self) -> None:
        """Ends the psql session."""
        if self.session is not None:
            self.session.close()


def sample_rows(samples: list[DbSample]) -> list[dict[str, Any]]:
    """Each sample as a row of TS_COLUMNS plus ``t`` (epoch)."""
    return [{"t": s.t, "db_active": s.active, "db_pool_waiters": s.waiters, "db_pool_busy_connections": s.busy}
            for s in samples]


def cost_text(samples: list[DbSample], interval_s: float, error: str | None,
              matched: list[tuple[str, int, int]]) -> str:
    """logs/<point>.dbstat.txt: procview.sampler_report with the counted samples and the peak db_active."""
    counted = [s.active for s in samples if s.active is not None]
    measured = [f"{len(counted)} counted, peak db_active {max(counted) if counted else 'none'}"]
    return sampler_report("dbstat", samples, interval_s, error, matched, measured)
