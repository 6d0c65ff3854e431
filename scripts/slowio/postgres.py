"""A private PostgreSQL cluster for a run or a test: initdb in a fresh directory under /tmp, its own socket
directory plus 127.0.0.1 on an ephemeral port, always stopped and removed. Never a system service.

A BENCHMARK database, not a durable one: fsync, synchronous_commit and full_page_writes are off (a crash loses
it, and it is thrown away at the end anyway). The servers create and seed their own schema (`--store
postgres`), so the cluster starts empty.

    with PrivatePostgres(max_connections=300) as pg:
        run(["server_async", "--store", "postgres", "--pg", pg.url])

CLI (for a user or a shell script; `stop` removes everything `start` made):

    python3 -m slowio.postgres start --max-connections 300   # prints the libpq URL, then the directory
    python3 -m slowio.postgres stop DIR
    python3 -m slowio.postgres run --max-connections 300 -- CMD ...   # CMD with $SLOWIO_PG_URL, then stop
    python3 -m slowio.postgres restart DIR PORT   # what `run` exports as $SLOWIO_PG_DIR, $SLOWIO_PG_PORT

Run as root it runs every PostgreSQL binary as Debian's `postgres` user (initdb refuses root).
"""

from __future__ import annotations

import argparse
import atexit
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time

#: Exit code of a test that cannot run here (ctest's SKIP_RETURN_CODE).
SKIP = 77


def bin_dir() -> str | None:
    """The directory of initdb/pg_ctl/postgres: $PG_BIN, PATH, or Debian's newest /usr/lib/postgresql/N/bin."""
    explicit = os.environ.get("PG_BIN")
    if explicit:
        return explicit if os.path.exists(os.path.join(explicit, "initdb")) else None
    found = shutil.which("initdb")
    if found:
        return os.path.dirname(found)
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                      key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return os.path.dirname(versions[-1]) if versions else None


def available() -> bool:
    """True when PostgreSQL's server binaries are installed (and, as root, the `postgres` user exists)."""
    if bin_dir() is None:
        return False
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return False
    return True


def free_port() -> int:
    """An ephemeral port free at the time of the call (PostgreSQL binds it itself a moment later)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parent_pid(pid: int) -> int | None:
    """The parent pid of ``pid`` from /proc (None when it has exited)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


class PrivatePostgres:
    """One private cluster: start() (or `with`) creates and starts it, stop() stops it and removes its
    directory. atexit stops it too, so a failing caller does not leave a postgres behind."""

    def __init__(self, max_connections: int = 200, port: int | None = None, keep: bool = False,
                 cores: list[int] | None = None):
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        self.max_connections = max_connections
        # The cores the postmaster, and so every backend it forks, may run on (taskset; None: any). The sweep
        # keeps the database off the server's core: at P = 1,000 a thousand backends wake together each L.
        self.cores = cores
        self.port = port
        self.keep = keep  # the CLI's `start`: the caller stops it later
        self.dir: str | None = None
        self._user: pwd.struct_passwd | None = None

    @property
    def data_dir(self) -> str:
        return os.path.join(self.dir or "", "data")

    @property
    def socket_dir(self) -> str:
        return os.path.join(self.dir or "", "socket")

    @property
    def url(self) -> str:
        """libpq URL over TCP (what the servers and loadgen-side scripts use)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres?sslmode=disable"

    @property
    def socket_url(self) -> str:
        """libpq URL over the private Unix socket."""
        return f"postgresql:///postgres?host={self.socket_dir}&port={self.port}&user=postgres"

    def _pinned(self, argv: list[str]) -> list[str]:
        """``argv`` under taskset when the cluster has cores (pg_ctl's postmaster inherits the mask)."""
        taskset = shutil.which("taskset")
        if not self.cores or not taskset:
            return argv
        return [taskset, "-c", ",".join(str(c) for c in self.cores)] + argv

    def _run(self, argv: list[str], **kwargs) -> subprocess.CompletedProcess:
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--"] + argv
        return subprocess.run(argv, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, **kwargs)

    def start(self) -> "PrivatePostgres":
        bindir = bin_dir()
        if bindir is None:
            raise RuntimeError("PostgreSQL not found (install postgresql, or set PG_BIN)")
        self.dir = tempfile.mkdtemp(prefix="slowio-pg-")
        if os.geteuid() == 0:
            self._user = pwd.getpwnam("postgres")
            os.chown(self.dir, self._user.pw_uid, self._user.pw_gid)
        os.chmod(self.dir, 0o700)
        if not self.keep:
            atexit.register(self.stop)
        try:
            self._run([os.path.join(bindir, "initdb"), "-D", self.data_dir, "-U", "postgres", "-A", "trust",
                       "--no-sync", "-E", "UTF8", "--locale=C"])
            self._run(["mkdir", "-p", self.socket_dir])
            self._configure()
            self.port = self.port or free_port()
            self._run(self._pinned([os.path.join(bindir, "pg_ctl"), "-D", self.data_dir, "-w", "-t", "60",
                                    "-l", os.path.join(self.data_dir, "server.log"), "-o", f"-p {self.port}",
                                    "start"]))
        except subprocess.CalledProcessError as e:
            log = self._read_log()
            self.stop()
            raise RuntimeError(f"private postgres failed: {' '.join(e.cmd)}: {e.stdout}\n{log}") from e
        return self

    def _configure(self) -> None:
        # Appended to postgresql.conf (the last setting wins). Written by the postgres user: the data
        # directory is its own.
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.socket_dir}'",
            "max_connections": str(self.max_connections),
            # A benchmark database, not a durable one: nothing here must survive a crash.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "shared_buffers": "32MB",
            "log_min_messages": "warning",
            "logging_collector": "off",
        }
        text = "".join(f"{k} = {v}\n" for k, v in settings.items())
        self._run(["sh", "-c", f"cat >> '{self.data_dir}/postgresql.conf'"], input=text)

    def _read_log(self) -> str:
        try:
            with open(os.path.join(self.data_dir, "server.log"), encoding="utf-8", errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def processes(self) -> list[int]:
        """The running cluster's postmaster and every process it forked (backends, checkpointer, writers...)."""
        try:
            with open(os.path.join(self.data_dir, "postmaster.pid")) as f:
                postmaster = int(f.readline())
        except (OSError, ValueError):
            return []
        return [postmaster] + [int(p) for p in os.listdir("/proc") if p.isdigit() and parent_pid(int(p)) == postmaster]

    def move_to_cores(self, cores: list[int] | None) -> None:
        """Sets the CPU affinity of every process of the running cluster to ``cores`` (None: every core this
        process may use); a backend forked later inherits the postmaster's. The sweep spreads a pinned cluster
        over every core while a server's pool opens (PostgreSQL forks and warms a backend per connection,
        about 30 ms of CPU each here, mostly the kernel's page faults) and moves it back before the load."""
        mask = set(cores) if cores else os.sched_getaffinity(0)
        for pid in self.processes():
            try:
                os.sched_setaffinity(pid, mask)
            except (ProcessLookupError, PermissionError):
                pass  # a backend that just exited; or a cluster we may not move (not ours): left where it is

    def stop(self) -> None:
        """Stops the cluster (fast shutdown: sessions are ended) and removes its directory. Idempotent."""
        if not self.dir:
            return
        bindir = bin_dir()
        if bindir and os.path.exists(os.path.join(self.data_dir, "postmaster.pid")):
            try:
                self._run([os.path.join(bindir, "pg_ctl"), "-D", self.data_dir, "-m", "fast", "-w", "-t", "30",
                           "stop"])
            except subprocess.CalledProcessError:
                self._run([os.path.join(bindir, "pg_ctl"), "-D", self.data_dir, "-m", "immediate", "stop"])
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    def restart(self) -> None:
        """Restarts the server (fast: every session is ended), as a crash-and-recover does to clients."""
        self._run(self._pinned([os.path.join(bin_dir() or "", "pg_ctl"), "-D", self.data_dir, "-m", "fast", "-w",
                                "-t", "60", "-l", os.path.join(self.data_dir, "server.log"), "-o", f"-p {self.port}",
                                "restart"]))

    def psql(self, sql: str) -> str:
        """Runs `sql` with psql over the private socket; returns its unaligned output."""
        bindir = bin_dir()
        psql = os.path.join(bindir, "psql") if bindir and os.path.exists(os.path.join(bindir, "psql")) \
            else (shutil.which("psql") or "psql")
        return self._run([psql, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.socket_dir,
                          "-p", str(self.port), "-U", "postgres", "-d", "postgres", "-c", sql]).stdout

    def __enter__(self) -> "PrivatePostgres":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m slowio.postgres", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="start a cluster, print its URL and directory, leave it running")
    start.add_argument("--max-connections", type=int, default=200)
    stop = sub.add_parser("stop", help="stop the cluster in DIR and remove DIR")
    stop.add_argument("dir")
    restart = sub.add_parser("restart", help="restart the cluster in DIR on PORT (tests: a server restart)")
    restart.add_argument("dir")
    restart.add_argument("port", type=int)
    run = sub.add_parser("run", help="start, run CMD with SLOWIO_PG_URL set, stop; exits with CMD's code "
                                     "(77 when PostgreSQL is not installed)")
    run.add_argument("--max-connections", type=int, default=200)
    run.add_argument("cmd", nargs=argparse.REMAINDER)
    sub.add_parser("available", help="exit 0 when PostgreSQL is installed, 77 otherwise")
    args = parser.parse_args(argv)

    if args.command == "available":
        return 0 if available() else SKIP
    if args.command == "start":
        pg = PrivatePostgres(args.max_connections, keep=True).start()
        print(pg.url)
        print(pg.dir)
        return 0
    if args.command == "restart":
        pg = PrivatePostgres(port=args.port)
        pg.dir = args.dir
        pg.restart()
        return 0
    if args.command == "stop":
        pg = PrivatePostgres()
        pg.dir = args.dir
        pg.stop()
        return 0
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        parser.error("run: no command")
    if not available():
        print("skipped: PostgreSQL not installed (initdb not found)")
        return SKIP
    with PrivatePostgres(args.max_connections) as pg:
        env = dict(os.environ, SLOWIO_PG_URL=pg.url, SLOWIO_PG_DIR=pg.dir, SLOWIO_PG_PORT=str(pg.port))
        return subprocess.call(cmd, env=env)


if __name__ == "__main__":
    sys.exit(main())
