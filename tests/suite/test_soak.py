"""slowio.soak's pieces, without the real binaries: the responses its own client threads count by status code,
the files it gives the server and loadgen (fake_server.py and a shell script stand in), and the server's
responses by code read from /metrics (an in-test HTTP server serves a fixed text)."""
import gc
import http.server
import socket
import tempfile
import threading
import unittest
import warnings
from pathlib import Path

from fakes import HERE, PY
from slowio import soak  # noqa: E402


class ResponsesReceived(unittest.TestCase):
    def test_named_for_what_it_counts(self):
        # a class named Counter shadowed collections.Counter for every reader of the module
        self.assertFalse(hasattr(soak, "Counter"))

    def test_counts_by_code_across_threads(self):
        seen = soak.ResponsesReceived()

        def add_many():
            for _ in range(1000):
                seen.add("200")
            seen.add("400", 5)

        threads = [threading.Thread(target=add_many) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(seen.by_code, {"200": 4000, "400": 20})



class OutputFiles(unittest.TestCase):
    def test_closed_in_this_process(self):
        # the server's stderr and loadgen's stdout/stderr files are the children's: this process keeps none open
        with tempfile.TemporaryDirectory() as d, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ResourceWarning)
            out = Path(d)
            loadgen = out / "loadgen.sh"
            loadgen.write_text("#!/bin/sh\necho out\necho err >&2\n")
            loadgen.chmod(0o755)
            cfg = soak.SoakConfig(server_cmd=[PY, str(HERE / "fake_server.py"), "sync", "--port", "0"],
                                  loadgen=loadgen, out_dir=out)
            server, port, reader = soak._start(cfg, "s")
            lg = soak._loadgen(cfg, port, "lg", [], 1.0)
            self.assertEqual(lg.wait(timeout=30), 0)
            server.terminate()
            server.wait(timeout=30)
            reader.join(timeout=30)
            server.stdout.close()
            gc.collect()
            self.assertEqual(((out / "lg.out").read_text(), (out / "lg.err").read_text()), ("out\n", "err\n"))
        unclosed = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning) and d in str(w.message)]
        self.assertEqual(unclosed, [])



METRICS = """# HELP http_responses_total Responses by status code.
# TYPE http_responses_total counter
http_responses_total{code="200"} 1200
http_responses_total{code="400"} 7
http_responses_total{code="503",reason="queue_full"} 2
http_responses_total{code="503",reason="max_connections"} 3
http_rejected_total{reason="queue_full"} 2
http_requests_in_flight 4
"""


class ResponsesByCode(unittest.TestCase):
    def test_from_the_metrics_text(self):
        class Metrics(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                body = METRICS.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Metrics)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        try:
            got = soak.responses_by_code(srv.server_address[1])
        finally:
            srv.shutdown()
            srv.server_close()
        self.assertEqual(got, {"200": 1200, "400": 7, "503": 5})

    def test_no_answer_is_empty(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]  # bound, not listening: the connection is refused
            self.assertEqual(soak.responses_by_code(port), {})


if __name__ == "__main__":
    unittest.main()
