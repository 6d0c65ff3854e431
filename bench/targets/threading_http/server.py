#!/usr/bin/env python3
"""A target nobody here wrote the engine of: Python's http.server.ThreadingHTTPServer (one thread per
connection, from the standard library), serving the suite's scenario with no /metrics at all, so the only
thread count the sweep has of it is the kernel's (slowio.procstat).

    server.py --port 0 [--store-latency-ms 100] [--users 10000]

The target contract of a command series (README, "Any server is a target"): the first stdout line is
``listening on 127.0.0.1:PORT``; ``GET /users/{id}`` answers 200 JSON after a wait of --store-latency-ms (404 for
an id outside 1..--users, 400 for one that is not a number), ``GET /health`` 200 at once, anything else 404;
SIGTERM stops accepting and exits 0 once every request in flight is answered, 5 when that takes longer than
L + 1 s (the same bound and codes as our servers). Bad flags: one line on stderr, exit 2.

What is ours is only this handler and the exit path: the threads are ThreadingHTTPServer's. Three settings differ
from its defaults, all for a fair load test: HTTP/1.1 (keep-alive, as loadgen's connections), TCP_NODELAY (its
own ``disable_nagle_algorithm``: headers and body go out in two sends, and with Nagle the body waits 40 ms for
the client's delayed ACK), and a listen backlog of 1,024 instead of 5 (with 5, loadgen's 50 simultaneous
connects lose SYNs and wait a second for the kernel's retransmission). Its threads under load: the main thread (the accept loop), plus one per open connection
(daemon threads), plus, after SIGTERM, the one that stops the accept loop.
"""

import argparse
import http.server
import json
import os
import re
import signal
import sys
import threading
import time

USERS_RE = re.compile(r"^/users/([^/?]*)$")


class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 1024  # listen backlog (the class's default is 5)


class InFlight:
    """Requests parsed whose responses are not written yet (what SIGTERM waits for)."""

    def __init__(self):
        self.count, self.cond = 0, threading.Condition()

    def __enter__(self):
        with self.cond:
            self.count += 1

    def __exit__(self, *exc):
        with self.cond:
            self.count -= 1
            self.cond.notify_all()

    def wait_idle(self, timeout_s: float) -> bool:
        """True when nothing is in flight within timeout_s."""
        with self.cond:
            return self.cond.wait_for(lambda: self.count == 0, timeout=timeout_s)


def make_handler(latency_s: float, users: int, in_flight: InFlight):
    """The request handler class for one server: the scenario's routes, every response with a length."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # http.server writes the headers and the body in two sends: with Nagle on, the body waits for the
        # client's delayed ACK (40 ms here, p50 144 ms instead of 100 at L = 100 ms)
        disable_nagle_algorithm = True

        def do_GET(self):  # noqa: N802 - http.server's naming
            """Every GET: routed, answered with a length (keep-alive), counted in flight while it runs."""
            with in_flight:
                code, body = self.route(self.path)
                data = json.dumps(body, separators=(",", ":")).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        def route(self, path: str):
            """(status, JSON body) for a path: the suite's routes, the store's wait on /users/{id}."""
            if path == "/health":
                return 200, {"status": "ok"}
            m = USERS_RE.match(path)
            if not m:
                return 404, {"error": "not found"}
            if not m.group(1).isdigit():
                return 400, {"error": "id must be a number"}
            uid = int(m.group(1))
            if not 1 <= uid <= users:
                return 404, {"error": "no such user"}
            time.sleep(latency_s)  # the slow store: this connection's thread blocks, as a sync server's worker
            return 200, {"id": uid, "name": f"user {uid}", "email": f"user{uid}@example.com"}

        def log_message(self, *args):
            """Silent: one stderr line per request would cost more than the request."""
            pass

    return Handler


def parse_args(argv):
    """The flags; a bad one is one line on stderr and exit 2 (the target contract's code)."""
    ap = argparse.ArgumentParser(description="ThreadingHTTPServer as a slowio target (thread per connection)")
    ap.add_argument("--port", type=int, required=True, help="0: an ephemeral port")
    ap.add_argument("--store-latency-ms", type=int, default=100, help="wait of GET /users/{id} (ms)")
    ap.add_argument("--users", type=int, default=10000, help="ids 1..USERS exist")
    ap.error = lambda msg: (print(f"server.py: {msg}", file=sys.stderr), sys.exit(2))
    a = ap.parse_args(argv)
    if not 0 <= a.port <= 65535 or a.store_latency_ms < 0 or a.users < 1:
        ap.error("--port must be 0..65535, --store-latency-ms >= 0 and --users >= 1")
    return a


def main(argv=None) -> int:
    """Serves until SIGTERM; exit 0 drained, 3 cannot bind, 5 requests still in flight after L + 1 s."""
    a = parse_args(sys.argv[1:] if argv is None else argv)
    in_flight = InFlight()
    try:
        srv = Server(("127.0.0.1", a.port), make_handler(a.store_latency_ms / 1000.0, a.users, in_flight))
    except OSError as e:
        print(f"server.py: cannot bind 127.0.0.1:{a.port}: {e.strerror}", file=sys.stderr)
        return 3
    # shutdown() waits for serve_forever to return, so it cannot run in the handler (the main thread runs it)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=srv.shutdown, daemon=True).start())
    print(f"listening on 127.0.0.1:{srv.server_address[1]}", flush=True)
    srv.serve_forever()
    srv.server_close()
    drained = in_flight.wait_idle(a.store_latency_ms / 1000.0 + 1.0)
    os._exit(0 if drained else 5)  # connection threads idle on keep-alive reads must not hold the exit


if __name__ == "__main__":
    sys.exit(main())
