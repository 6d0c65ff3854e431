"""The soak: one server under mixed traffic for a bounded time, and a check that nothing was lost or leaked.

Traffic, all at once, for ``duration_s``:

* ``users``: loadgen, closed loop, GET /users/{id} on ``users_connections`` connections (each waits the store
  latency: the slow calls);
* ``health``: loadgen, open loop, GET /health at ``health_rate`` requests/s;
* ``pipelined``: a client thread writing 16 GET /health at once on a keep-alive connection, reading the 16
  responses, in a loop;
* ``bad``: a client thread sending malformed requests (a garbage request line, no Host, obsolete folding),
  each on its own connection, reading the 400 and the close;
* ``resets``: a client thread that sends half a request and resets the connection (SO_LINGER 0): no
  response exists for it, and the server must forget it.

Sampled once a second: the server's open descriptors (/proc/PID/fd) and RSS (/proc/PID/status). At the end:

1. the server's ``http_responses_total`` by code equals what the clients received by code, exactly (loadgen's
   JSON counts, the threads' own counts, and this module's own /metrics reads);
2. its descriptors return to their idle count (after the lingering closes end);
3. its RSS after the warm-up (the first ``warmup_fraction`` of the run) grew by less than ``rss_growth_limit``;
4. SIGTERM under load: a fresh load, SIGTERM in the middle; the server must exit 0 (its drain answered every
   request in flight: exit 5 would say some were lost) and no client may see a request die on an accepted
   connection (loadgen's read errors: 0).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .point import LISTEN_RE, LineReader
from .prometheus import by_label, read_metrics_text

PIPELINE_DEPTH = 16
BAD_REQUESTS = (b"GARBAGE\r\n\r\n", b"GET /health HTTP/1.1\r\n\r\n",
                b"GET /health HTTP/1.1\r\nHost: s\r\nX-A: one\r\n two\r\n\r\n")
HEALTH = b"GET /health HTTP/1.1\r\nHost: s\r\n\r\n"


@dataclass
class SoakConfig:
    """What one soak runs: the server's command (port 0) and the traffic."""

    server_cmd: list[str]
    loadgen: Path
    out_dir: Path
    duration_s: float = 600.0
    users_connections: int = 20       # at L = 20 ms: about 1,000 slow calls/s
    health_rate: float = 500.0
    warmup_fraction: float = 0.1
    rss_growth_limit: float = 0.01
    sigterm_load_s: float = 6.0


@dataclass
class SoakResult:
    """What was measured, and the verdict of each check (name -> (passed, detail))."""

    server_counts: dict[str, int] = field(default_factory=dict)
    client_counts: dict[str, int] = field(default_factory=dict)
    fd_idle: int | None = None
    fd_end: int | None = None
    rss_after_warmup_kb: int | None = None
    rss_end_kb: int | None = None
    rss_max_kb: int | None = None
    requests_total: int = 0
    samples: list[tuple[float, int, int]] = field(default_factory=list)  # (t, fds, rss_kb)
    checks: dict[str, tuple[bool, str]] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """Every check passed."""
        return bool(self.checks) and all(ok for ok, _ in self.checks.values())


def _proc_fds(pid: int) -> int | None:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def _proc_rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def responses_by_code(port: int) -> dict[str, int]:
    """The server's http_responses_total{code} as {code: count} ({} when /metrics does not answer)."""
    text = read_metrics_text(port, timeout=5.0)
    counts = {} if text is None else by_label(text, "http_responses_total", "code")
    return {code: int(n) for code, n in counts.items()}


class ResponsesReceived:
    """The responses the soak's own client threads received, by status code (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.by_code: dict[str, int] = {}

    def add(self, code: str, n: int = 1) -> None:
        """Counts ``n`` more responses with status ``code``."""
        with self._lock:
            self.by_code[code] = self.by_code.get(code, 0) + n


def _read_responses(sock: socket.socket, count: int) -> list[str]:
    """Reads ``count`` responses (Content-Length bodies) and returns their status codes."""
    buf, codes = b"", []
    while len(codes) < count:
        while b"\r\n\r\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                return codes
            buf += chunk
        head, rest = buf.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        length = 0
        for h in lines[1:]:
            name, _, value = h.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                return codes
            rest += chunk
        codes.append(lines[0].split()[1].decode())
        buf = rest[length:]
    return codes


def _pipelined(port: int, stop: threading.Event, seen: ResponsesReceived, errors: list[str]) -> None:
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10.0) as s:
                for _ in range(50):
                    if stop.is_set():
                        return
                    s.sendall(HEALTH * PIPELINE_DEPTH)
                    codes = _read_responses(s, PIPELINE_DEPTH)
                    time.sleep(0.05)  # about 300 pipelined requests/s
                    for c in codes:
                        seen.add(c)
                    if len(codes) != PIPELINE_DEPTH:
                        errors.append(f"pipelined: {len(codes)} of {PIPELINE_DEPTH} responses")
                        break
        except OSError as e:
            errors.append(f"pipelined: {e}")
            time.sleep(0.1)


def _bad(port: int, stop: threading.Event, seen: ResponsesReceived, errors: list[str]) -> None:
    i = 0
    while not stop.is_set():
        req = BAD_REQUESTS[i % len(BAD_REQUESTS)]
        i += 1
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10.0) as s:
                s.sendall(req)
                codes = _read_responses(s, 1)
                for c in codes:
                    seen.add(c)
                if codes != ["400"]:
                    errors.append(f"bad request {req[:20]!r}: got {codes}")
        except OSError as e:
            errors.append(f"bad: {e}")
        time.sleep(0.005)


def _resets(port: int, stop: threading.Event, errors: list[str], made: list[int]) -> None:
    while not stop.is_set():
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=10.0)
            s.sendall(b"GET /users/1 HTTP/1.1\r\nHost: s\r\nX-Half: ")  # never finished
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.close()  # RST
            made[0] += 1
        except OSError as e:
            errors.append(f"reset: {e}")
        time.sleep(0.01)


def _loadgen(cfg: SoakConfig, port: int, name: str, args: list[str], duration_s: float) -> subprocess.Popen:
    """Starts one loadgen against the server, its stdout and stderr in ``<name>.out`` / ``<name>.err``."""
    cmd = [str(cfg.loadgen), "-d", f"{int(duration_s * 1000)}ms", "--warmup", "0s", "--timeout", "30s",
           "--no-progress", "--json", str(cfg.out_dir / f"{name}.json"), *args, f"http://127.0.0.1:{port}/"]
    # the child has its own copies of the descriptors once started: ours are closed on leaving the block
    with open(cfg.out_dir / f"{name}.out", "wb") as out, open(cfg.out_dir / f"{name}.err", "wb") as err:
        return subprocess.Popen(cmd, stdout=out, stderr=err)


def _loadgen_counts(path: Path) -> tuple[dict[str, int], dict[str, Any]]:
    """Responses by class from loadgen's JSON: its per-status counts are 2xx ok + 4xx + 5xx."""
    j = json.loads(path.read_text())
    req = j["requests"]
    counts = {"2xx": int(req["ok"]), "4xx": int(req["status_4xx"]), "5xx": int(req["status_5xx"])}
    return counts, req


def _start(cfg: SoakConfig, name: str) -> tuple[subprocess.Popen, int, LineReader]:
    """Starts the server (stderr in ``<name>.server.err``); (process, its port, the reader of its stdout)."""
    with open(cfg.out_dir / f"{name}.server.err", "wb") as err:
        proc = subprocess.Popen(cfg.server_cmd, stdout=subprocess.PIPE, stderr=err)
    reader = LineReader(proc.stdout, cfg.out_dir / f"{name}.server.out")
    reader.start()
    line = reader.line(0, 15.0)
    m = LISTEN_RE.match(line or "")
    if not m:
        proc.kill()
        raise RuntimeError(f"no listening line from {' '.join(cfg.server_cmd)} (got {line!r})")
    return proc, int(m.group(1)), reader


def _by_class(codes: dict[str, int]) -> dict[str, int]:
    out = {"2xx": 0, "4xx": 0, "5xx": 0}
    for code, n in codes.items():
        key = f"{code[0]}xx"
        if key in out:
            out[key] += n
    return out


def _sample_under_load(cfg: SoakConfig, proc: subprocess.Popen, res: SoakResult) -> None:
    """Samples the server's descriptors and RSS once a second for the soak's duration (or until it exits)."""
    t0 = time.monotonic()
    warm_end = cfg.duration_s * cfg.warmup_fraction
    while time.monotonic() - t0 < cfg.duration_s:
        time.sleep(1.0)
        t = time.monotonic() - t0
        fds, rss = _proc_fds(proc.pid), _proc_rss_kb(proc.pid)
        if fds is not None and rss is not None:
            res.samples.append((round(t, 1), fds, rss))
            if res.rss_after_warmup_kb is None and t >= warm_end:
                res.rss_after_warmup_kb = rss
        if proc.poll() is not None:
            break


def _judge_counts_and_growth(cfg: SoakConfig, res: SoakResult, port: int, loadgens: list[str],
                             seen: ResponsesReceived, errors: list, resets: int) -> None:
    """Fills the soak's verdicts: counters equal on both sides, descriptors back to idle, RSS growth in bounds."""
    # Counters: what the server answered against what the clients received, by status class.
    server = responses_by_code(port)  # this read's own 200 is counted after its text was rendered
    client: dict[str, int] = {"2xx": 0, "4xx": 0, "5xx": 0}
    lg_errors = {}
    for name in loadgens:
        counts, req = _loadgen_counts(cfg.out_dir / f"{name}.json")
        lg_errors[name] = {k: req.get(k, 0) for k in ("connect", "read", "write", "timeout")}
        for k, v in counts.items():
            client[k] += v
    for k, v in _by_class(seen.by_code).items():
        client[k] += v
    res.server_counts, res.client_counts = _by_class(server), client
    res.requests_total = sum(client.values()) + resets
    res.checks["counters equal"] = (
        res.server_counts == client and not errors and all(not any(e.values()) for e in lg_errors.values()),
        f"server {res.server_counts} vs clients {client}; client errors {errors[:3]}; loadgen errors "
        f"{lg_errors}; {resets} resets mid-request")
    res.checks["descriptors back to idle"] = (res.fd_end == res.fd_idle,
                                             f"idle {res.fd_idle}, after the run {res.fd_end}")
    growth = None
    if res.rss_after_warmup_kb and res.rss_end_kb:
        growth = (res.rss_end_kb - res.rss_after_warmup_kb) / res.rss_after_warmup_kb
    res.checks["RSS growth after warm-up"] = (
        growth is not None and growth < cfg.rss_growth_limit,
        f"{res.rss_after_warmup_kb} KiB after warm-up, {res.rss_end_kb} KiB at the end "
        f"({'-' if growth is None else f'{growth * 100:+.2f}%'}, limit {cfg.rss_growth_limit * 100:.0f}%), "
        f"max {res.rss_max_kb} KiB")


def run_soak(cfg: SoakConfig, log=print) -> SoakResult:
    """Runs the soak and the SIGTERM-under-load check; returns what was measured and the checks' verdicts."""
    cfg.out_dir.mkdir(parents=True, exist_ok=True)
    res = SoakResult()
    proc, port, reader = _start(cfg, "soak")
    try:
        time.sleep(0.5)
        res.fd_idle = _proc_fds(proc.pid)
        stop = threading.Event()
        seen, errors, resets = ResponsesReceived(), [], [0]
        threads = [threading.Thread(target=_pipelined, args=(port, stop, seen, errors), daemon=True),
                   threading.Thread(target=_bad, args=(port, stop, seen, errors), daemon=True),
                   threading.Thread(target=_resets, args=(port, stop, errors, resets), daemon=True)]
        lgs = {"users": _loadgen(cfg, port, "users", ["-c", str(cfg.users_connections), "--path",
                                                       "/users/{rand:1..1000}"], cfg.duration_s),
               "health": _loadgen(cfg, port, "health", ["-c", "8", "-R", f"{cfg.health_rate:g}", "--path",
                                                         "/health"], cfg.duration_s)}
        for t in threads:
            t.start()
        _sample_under_load(cfg, proc, res)
        stop.set()
        for lg in lgs.values():
            lg.wait(timeout=cfg.duration_s + 60)
        for t in threads:
            t.join(timeout=15)
        res.rss_end_kb = _proc_rss_kb(proc.pid)
        res.rss_max_kb = max((s[2] for s in res.samples), default=None)
        # Let lingering closes finish, then the descriptors must be back to idle.
        deadline = time.monotonic() + 15.0
        while time.monotonic() < deadline and _proc_fds(proc.pid) != res.fd_idle:
            time.sleep(0.25)
        res.fd_end = _proc_fds(proc.pid)
        _judge_counts_and_growth(cfg, res, port, list(lgs), seen, errors, resets[0])
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    _sigterm_under_load(cfg, res, log)
    return res


def _sigterm_under_load(cfg: SoakConfig, res: SoakResult, log) -> None:
    """A fresh server and load; SIGTERM half-way; exit 0 and no request lost on an accepted connection."""
    proc, port, _ = _start(cfg, "sigterm")
    lg = _loadgen(cfg, port, "sigterm", ["-c", str(cfg.users_connections), "--path", "/users/{rand:1..1000}"],
                  cfg.sigterm_load_s)
    time.sleep(cfg.sigterm_load_s / 2)
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = None
    lg.wait(timeout=cfg.sigterm_load_s + 60)
    counts, req = _loadgen_counts(cfg.out_dir / "sigterm.json")
    lost = int(req.get("read", 0)) + int(req.get("write", 0)) + int(req.get("timeout", 0))
    res.checks["SIGTERM under load drains"] = (
        code == 0 and lost == 0,
        f"server exit {code}; {counts['2xx']} answered, {lost} lost on accepted connections (read/write/"
        f"timeout errors), {req.get('connect', 0)} connects refused after the listener closed")


def summary_lines(res: SoakResult) -> list[str]:
    """The checks, one line each, PASS/FAIL first."""
    lines = [f"{'PASS' if ok else 'FAIL'}  {name}: {detail}" for name, (ok, detail) in res.checks.items()]
    if res.samples:
        fds = [s[1] for s in res.samples]
        lines.append(f"      sampled {len(res.samples)} times: descriptors {min(fds)}..{max(fds)} "
                     f"(median {statistics.median(fds):.0f}); requests {res.requests_total:,}")
    return lines
