#!/usr/bin/env python3
"""Cross-check server_async's /health fast path against nginx, with the same wrk command in the same run.

Starts nginx (one worker, `access_log off`, `return 200` with /health's JSON body) and `server_async
--threads 1` on loopback ports, then runs the identical wrk command against each, alternating, for --rounds
rounds. With 2 or more CPUs the servers run on CPU 0 and wrk on CPU 1 (--no-pin to let the scheduler
choose), so that neither shares a core with its client. Each run reports requests/s and the server's CPU time per request (utime + stime from
/proc/PID/stat, before and after). Two figures because they answer different questions: req/s is what the
client saw — on a 2-core box wrk saturates its own core first, so req/s mostly measures wrk — while CPU per
request is what each server spent, the comparison that holds on any box.

--pipeline 1 16 runs each round at each HTTP pipelining depth (wrk with a generated Lua script sending D
requests back to back per connection before reading the D responses, the TechEmpower "plaintext" way). Depth 1
is ordinary keep-alive. Deeper pipelines cut the client's cost per request, so req/s measures the servers:
nginx writes one response per writev, server_async answers the requests it has already received first and
writes their responses together.

Prints one line per run and a summary per depth (medians, ratios async/nginx); --csv writes the rows:
round, pipeline, server, rps, requests, cpu_s, cpu_us_per_request, errors.

Exit codes: 0 done; 1 a run failed (a server did not start or exited, wrk failed or reported errors);
2 bad command line or a missing tool (wrk, nginx, the server binary).
"""
from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from slowio.nginx import medians  # the same medians as report.md's

REPO = Path(__file__).resolve().parent.parent
HEALTH_BODY = '{"status":"ok"}'

WRK_PIPELINE_LUA = """-- {depth} requests per write, then {depth} responses: HTTP pipelining
init = function(args)
  local r = {{}}
  for i = 1, {depth} do r[i] = wrk.format(nil, "{path}") end
  req = table.concat(r)
end
request = function() return req end
"""

NGINX_CONF = """worker_processes 1;
daemon off;
master_process off;
error_log {prefix}/error.log;
pid {prefix}/nginx.pid;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path {prefix};
  server {{
    listen 127.0.0.1:{port};
    location / {{ default_type application/json; return 200 '{body}'; }}
  }}
}}
"""


class CrosscheckError(Exception):
    """A run that cannot produce a comparison; main() prints it as one line and exits 1."""


@dataclass
class WrkResult:
    requests: int
    rps: float
    errors: int  # socket errors of every kind plus non-2xx/3xx responses


def parse_wrk(text: str) -> WrkResult:
    """wrk's summary: `N requests in Ts`, `Requests/sec: X`, optional `Socket errors:` and `Non-2xx` lines."""
    m_req = re.search(r"^\s*(\d+) requests in ", text, re.M)
    m_rps = re.search(r"^Requests/sec:\s*([0-9.]+)", text, re.M)
    if not m_req or not m_rps:
        raise CrosscheckError("wrk printed no summary (no 'requests in' / 'Requests/sec' line)")
    errors = 0
    m_sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m_sock:
        errors += sum(int(g) for g in m_sock.groups())
    m_non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m_non2xx:
        errors += int(m_non2xx.group(1))
    return WrkResult(int(m_req.group(1)), float(m_rps.group(1)), errors)


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds (fields 14 and 15 of /proc/PID/stat, after the comm)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, proc: subprocess.Popen, what: str, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise CrosscheckError(f"{what} exited with {proc.returncode} before listening on port {port}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise CrosscheckError(f"{what} is not listening on port {port} after {timeout_s:.0f} s")


def pinned(cpu: int | None):
    """preexec_fn putting the child (and every thread it starts) on one CPU; None: no pinning."""
    if cpu is None:
        return None
    return lambda: os.sched_setaffinity(0, {cpu})


def start_nginx(nginx: str, prefix: Path, cpu: int | None) -> tuple[subprocess.Popen, int]:
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(NGINX_CONF.format(prefix=prefix, port=port, body=HEALTH_BODY))
    proc = subprocess.Popen([nginx, "-c", str(conf), "-p", str(prefix)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, preexec_fn=pinned(cpu))
    wait_listening(port, proc, "nginx")
    return proc, port


def start_server(binary: str, cpu: int | None) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen([binary, "--port", "0", "--threads", "1", "--log-level", "warn"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            preexec_fn=pinned(cpu))
    line = proc.stdout.readline().strip()  # the servers print exactly "listening on 127.0.0.1:PORT" first
    m = re.fullmatch(r"listening on [0-9.]+:(\d+)", line)
    if not m:
        proc.kill()
        raise CrosscheckError(f"server_async printed {line!r} instead of 'listening on 127.0.0.1:PORT'")
    port = int(m.group(1))
    wait_listening(port, proc, "server_async")
    return proc, port


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stdout:
        proc.stdout.close()


def wrk_command(wrk: str, args: argparse.Namespace, port: int | str, script: Path | None) -> list[str]:
    """The one wrk command both servers get; `script` is the pipelining Lua script (None: depth 1)."""
    return ([wrk, f"-t{args.wrk_threads}", f"-c{args.connections}", f"-d{args.duration}s"]
            + (["-s", str(script)] if script else []) + [f"http://127.0.0.1:{port}{args.path}"])


def pipeline_script(directory: Path, depth: int, path: str) -> Path | None:
    """Writes the Lua script that pipelines `depth` requests (None for depth 1: no script)."""
    if depth == 1:
        return None
    script = directory / f"pipeline{depth}.lua"
    script.write_text(WRK_PIPELINE_LUA.format(depth=depth, path=path))
    return script


def run_wrk(wrk: str, args: argparse.Namespace, port: int, cpu: int | None, script: Path | None) -> WrkResult:
    cmd = wrk_command(wrk, args, port, script)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=args.duration + 30,
                          preexec_fn=pinned(cpu))
    if done.returncode != 0:
        raise CrosscheckError(f"wrk exited with {done.returncode}: {done.stderr.strip()[:200]}")
    return parse_wrk(done.stdout)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--server-async", default=str(REPO / "build/release/server_async/server_async"))
    p.add_argument("--wrk", default="wrk")
    p.add_argument("--nginx", default="nginx")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--wrk-threads", type=int, default=1)
    p.add_argument("--path", default="/health")
    p.add_argument("--pipeline", type=int, nargs="+", default=[1], metavar="DEPTH",
                   help="HTTP pipelining depth(s) to run in each round (1: plain keep-alive; e.g. 1 16)")
    p.add_argument("--no-pin", action="store_true", help="do not pin servers to CPU 0 and wrk to CPU 1")
    p.add_argument("--csv", help="write one row per run")
    args = p.parse_args(argv)
    for name in ("rounds", "duration", "connections", "wrk_threads"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.wrk_threads > args.connections:
        p.error("--wrk-threads must not exceed --connections")
    if not re.fullmatch(r"/[!-~]*", args.path) or '"' in args.path or "\\" in args.path:
        p.error("--path must start with '/' and be printable ASCII without spaces, quotes or backslashes")
    if any(d < 1 or d > 1024 for d in args.pipeline):
        p.error("--pipeline depths must be between 1 and 1024")
    args.pipeline = sorted(set(args.pipeline))
    for tool in ("wrk", "nginx"):
        if not shutil.which(getattr(args, tool)):
            p.error(f"{tool} not found ({getattr(args, tool)}); run scripts/setup.sh")
    if not os.access(args.server_async, os.X_OK):
        p.error(f"server_async binary not found: {args.server_async} (build it, or pass --server-async)")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    cpus = sorted(os.sched_getaffinity(0))
    server_cpu, wrk_cpu = (None, None) if args.no_pin or len(cpus) < 2 else (cpus[0], cpus[1])
    rows = []
    with tempfile.TemporaryDirectory(prefix="slowio-nginx-") as tmp:
        scripts = {d: pipeline_script(Path(tmp), d, args.path) for d in args.pipeline}
        procs: dict[str, tuple[subprocess.Popen, int]] = {}
        try:
            procs["nginx"] = start_nginx(args.nginx, Path(tmp), server_cpu)
            procs["server_async"] = start_server(args.server_async, server_cpu)
            for depth in args.pipeline:
                print(" ".join(wrk_command("wrk", args, "PORT", scripts[depth] and Path(f"pipeline{depth}.lua")))
                      + (f"  (pipelining {depth})" if depth > 1 else ""))
            print(f"{args.rounds} round(s), alternating nginx / server_async"
                  + (f"; servers on CPU {server_cpu}, wrk on CPU {wrk_cpu}" if wrk_cpu is not None else ""))
            for rnd in range(1, args.rounds + 1):
                for depth in args.pipeline:
                    for name in ("nginx", "server_async"):
                        proc, port = procs[name]
                        before = cpu_seconds(proc.pid)
                        result = run_wrk(args.wrk, args, port, wrk_cpu, scripts[depth])
                        cpu = cpu_seconds(proc.pid) - before
                        if proc.poll() is not None:
                            raise CrosscheckError(f"{name} exited with {proc.returncode} during round {rnd}")
                        if result.errors:
                            raise CrosscheckError(f"wrk reported {result.errors} error(s) against {name}")
                        us = cpu * 1e6 / result.requests if result.requests else float("nan")
                        rows.append({"round": rnd, "pipeline": depth, "server": name, "rps": round(result.rps, 1),
                                     "requests": result.requests, "cpu_s": round(cpu, 3),
                                     "cpu_us_per_request": round(us, 2), "errors": result.errors})
                        print(f"round {rnd} pipeline {depth:>3} {name:>12}: {result.rps:10.0f} req/s  "
                              f"{us:6.2f} µs CPU/request")
        except CrosscheckError as e:
            print(f"crosscheck_nginx: {e}", file=sys.stderr)
            return 1
        finally:
            for proc, _ in procs.values():
                stop(proc)
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    for line in summary(rows):
        print(line)
    return 0


def summary(rows: list[dict]) -> list[str]:
    """Per pipelining depth: median req/s and CPU per request of each server, and the async/nginx ratios."""
    lines = []
    for depth, m in medians(rows).items():
        n, a = m["nginx"], m["server_async"]
        lines.append(f"pipeline {depth}: median req/s: nginx {n['rps']:.0f}, server_async {a['rps']:.0f} "
                     f"(async/nginx {a['rps'] / n['rps']:.2f}x); median CPU per request: nginx "
                     f"{n['cpu_us_per_request']:.2f} µs, server_async {a['cpu_us_per_request']:.2f} µs "
                     f"(requests per CPU-second, async/nginx "
                     f"{n['cpu_us_per_request'] / a['cpu_us_per_request']:.2f}x)")
    return lines


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
