#!/usr/bin/env python3
"""A stand-in for server_sync / server_async in the suite's tests: same command line surface, no real load.

It prints ``listening on 127.0.0.1:PORT``, serves GET /metrics (Prometheus text) with gauges under the real
servers' metric names, exits 0 on SIGTERM, and exits 4 about 0.3 s after start when run as the
``sync-over-async`` anti-pattern with ``--deadlock-exit`` (async, or the sync fixed pool). Until a
server that will exit on its own (that, or FAKE_SERVER_CRASH) does, its /metrics says ``fake_exit_pending 1``,
so fake_loadgen.py knows to wait for the exit. As the ASP.NET Core
target, FAKE_SERVER_METRICS_LINE=1 prints a second line ``metrics on 127.0.0.1:PORT2``, serves /metrics there
and answers /metrics on the main port with 503 (a starved Kestrel does not answer it at all);
FAKE_SERVER_SECOND_LINE=TEXT prints TEXT as the second line instead. Environment knobs for failure tests:
FAKE_SERVER_CRASH=1 (dies with SIGABRT 0.3 s after start), FAKE_SERVER_NO_LISTEN=1 (exits 3 at once),
FAKE_SERVER_IGNORE_TERM=1 (ignores SIGTERM), FAKE_SERVER_DRAIN_EXPIRED=1 (exits 5 on SIGTERM, as a server whose
drain bound expired with requests still in flight). With --store postgres (--pg, --db-pool accepted, no database
used) it serves the pool gauges, db_pool_waiters being FAKE_SERVER_DB_WAITERS (default 0).
The metric ``fake_capacity`` tells fake_loadgen.py how many requests this configuration holds at once, so the
pair produces Little's-law-shaped numbers: capacity N (sync), C (async), K (blocking-store); ``fake_mitigated``
(1 with --drop-abandoned, --queue-limit or --queue other than fifo, and for async) tells it whether a burst past
the client timeout collapses the server. It accepts the queue flags (--queue, --queue-lifo-after-ms,
--codel-target-ms, --codel-interval-ms, --drop-abandoned) and serves http_requests_abandoned_total{outcome}.
"""
import argparse
import http.server
import os
import signal
import sys
import threading
import time

kind = sys.argv[1]
ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, default=0)
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--store-latency-ms", type=int, default=0)
ap.add_argument("--store-jitter", default="none")
ap.add_argument("--users", type=int, default=1000)
ap.add_argument("--max-connections", type=int, default=10000)
ap.add_argument("--log-level", default="info")
ap.add_argument("--model", default="pool")
ap.add_argument("--pool", default="fixed")
ap.add_argument("--min-threads", type=int, default=len(os.sched_getaffinity(0)))  # as server_sync
ap.add_argument("--max-threads", type=int, default=1000)
ap.add_argument("--queue-limit", type=int, default=0)
ap.add_argument("--antipattern", default="none")
ap.add_argument("--deadlock-exit", action="store_true")
ap.add_argument("--drop-abandoned", action="store_true")
ap.add_argument("--queue", default="fifo", choices=("fifo", "lifo", "adaptive-lifo", "codel"))
ap.add_argument("--store", default="sim", choices=("sim", "postgres"))
ap.add_argument("--pg")
ap.add_argument("--db-pool", type=int, default=100)
for flag in ("--queue-lifo-after-ms", "--codel-target-ms", "--codel-interval-ms", "--offload-threads"):
    ap.add_argument(flag, type=int)
a = ap.parse_args(sys.argv[2:])
mitigated = kind == "async" or a.drop_abandoned or a.queue_limit > 0 or a.queue != "fifo"
deadlock_exit = a.antipattern == "sync-over-async" and a.deadlock_exit and (kind == "async" or a.pool == "fixed")
exit_pending = deadlock_exit or bool(os.environ.get("FAKE_SERVER_CRASH"))  # it will exit on its own at 0.3 s

if os.environ.get("FAKE_SERVER_NO_LISTEN"):
    print("cannot bind", file=sys.stderr)
    sys.exit(3)

if kind == "sync":
    cap = "N" if a.pool == "fixed" else "elastic"
    threads = a.threads if a.pool == "fixed" else a.min_threads
else:
    cap = "K" if a.antipattern == "blocking-store" else "C"
    threads = a.threads
start = time.monotonic()


def metrics() -> str:
    t = time.monotonic() - start
    th = threads if cap != "elastic" else min(a.max_threads, a.min_threads + int(2 * t))
    lines = [f"threadpool_threads {th}", f"threadpool_busy_threads {th}", "threadpool_queue_length 5",
             f"process_resident_memory_bytes {8_000_000 + int(t * 1_000_000)}", "http_requests_in_flight 10",
             "http_connections_open 10", 'http_responses_total{code="200"} 7', "store_calls_total 7",
             "deadlock_detected 0", f"fake_capacity_N {a.threads}", f"fake_latency_ms {a.store_latency_ms}",
             f"fake_capacity_model_{cap} 1", f"fake_mitigated {int(mitigated)}",
             'http_requests_abandoned_total{outcome="ran"} 0', 'http_requests_abandoned_total{outcome="dropped"} 0',
             f"fake_exit_pending {int(exit_pending)}"]
    if a.store == "postgres":  # FAKE_SERVER_DB_WAITERS: the db_pool_waiters gauge it reports
        lines += [f"db_pool_connections {a.db_pool}", f"db_pool_busy_connections {a.db_pool}",
                  f"db_pool_waiters {os.environ.get('FAKE_SERVER_DB_WAITERS', '0')}"]
    if kind == "async":
        lines.append(f"eventloop_lag_max_seconds {a.store_latency_ms / 1000 if cap == 'K' else 0.001}")
    return "# HELP fake\n" + "\n".join(lines) + "\n"


METRICS_LINE = bool(os.environ.get("FAKE_SERVER_METRICS_LINE"))


class H(http.server.BaseHTTPRequestHandler):
    starved = False  # the main port of a target with a metrics line: /metrics does not answer there

    def do_GET(self):  # noqa: N802
        if self.starved:
            self.send_error(503, "starved")
            return
        body = metrics().encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Starved(H):
    starved = True


srv = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), Starved if METRICS_LINE else H)
threading.Thread(target=srv.serve_forever, daemon=True).start()
second_line = os.environ.get("FAKE_SERVER_SECOND_LINE")
if METRICS_LINE:
    side = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=side.serve_forever, daemon=True).start()
    second_line = f"metrics on 127.0.0.1:{side.server_address[1]}"
if os.environ.get("FAKE_SERVER_IGNORE_TERM"):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
else:
    code = 5 if os.environ.get("FAKE_SERVER_DRAIN_EXPIRED") else 0
    signal.signal(signal.SIGTERM, lambda *_: os._exit(code))
print(f"listening on 127.0.0.1:{srv.server_address[1]}", flush=True)
if second_line is not None:
    print(second_line, flush=True)
if os.environ.get("FAKE_SERVER_CRASH"):
    time.sleep(0.3)
    os.kill(os.getpid(), signal.SIGABRT)
if deadlock_exit:
    time.sleep(0.3)
    print("deadlock detected: fake", file=sys.stderr, flush=True)
    os._exit(4)
while True:
    time.sleep(1)
