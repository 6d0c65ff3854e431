"""crosscheck_nginx.py: wrk output parsing, /proc CPU accounting, bad command lines (exit 2), and one short live
run against nginx and this build's server_async (skipped when wrk, nginx or the binary is missing)."""
import contextlib
import csv
import io
import os
import shutil
import tempfile
import unittest
from pathlib import Path

from fakes import REPO  # noqa: F401  (puts scripts/ on sys.path)

import crosscheck_nginx as xc  # noqa: E402

WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:8080/health
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   826.07us  118.09us   3.42ms   89.42%
    Req/Sec    77.65k     3.05k   80.89k    90.00%
  386358 requests in 5.00s, 61.53MB read
  Socket errors: connect 0, read 2, write 1, timeout 3
  Non-2xx or 3xx responses: 4
Requests/sec:  77270.06
Transfer/sec:     12.31MB
"""

SERVER_ASYNC = os.environ.get("SLOWIO_SERVER_ASYNC", "")


class ParseWrk(unittest.TestCase):
    def test_summary_and_every_error_category(self):
        r = xc.parse_wrk(WRK_OUTPUT)
        self.assertEqual(r.requests, 386358)
        self.assertAlmostEqual(r.rps, 77270.06)
        self.assertEqual(r.errors, 2 + 1 + 3 + 4)

    def test_clean_run_has_no_errors(self):
        text = "\n".join(l for l in WRK_OUTPUT.splitlines() if "errors" not in l and "Non-2xx" not in l)
        self.assertEqual(xc.parse_wrk(text).errors, 0)

    def test_no_summary_is_an_error(self):
        with self.assertRaises(xc.CrosscheckError):
            xc.parse_wrk("unable to connect to 127.0.0.1:1 Connection refused\n")


class CpuSeconds(unittest.TestCase):
    def test_own_cpu_time_grows(self):
        before = xc.cpu_seconds(os.getpid())
        x = 0
        for i in range(3_000_000):
            x += i * i
        self.assertGreater(xc.cpu_seconds(os.getpid()), before)


class BadCommandLines(unittest.TestCase):
    def exit_code(self, argv):
        with contextlib.redirect_stderr(io.StringIO()) as err:
            with self.assertRaises(SystemExit) as cm:
                xc.parse_args(argv)
        return cm.exception.code, err.getvalue()

    def test_bad_values_exit_2_with_a_reason(self):
        exe = shutil.which("true")
        for argv, why in [
            (["--rounds", "0"], "--rounds must be at least 1"),
            (["--duration", "0"], "--duration must be at least 1"),
            (["--connections", "2", "--wrk-threads", "4"], "--wrk-threads must not exceed"),
            (["--path", "health"], "must start with '/'"),
            (["--wrk", "/nonexistent/wrk"], "wrk not found"),
            (["--nginx", "/nonexistent/nginx", "--wrk", exe], "nginx not found"),
            (["--server-async", "/nonexistent/server_async", "--wrk", exe, "--nginx", exe],
             "server_async binary not found"),
        ]:
            code, err = self.exit_code(argv)
            self.assertEqual(code, 2, argv)
            self.assertIn(why, err, argv)


@unittest.skipUnless(shutil.which("wrk") and shutil.which("nginx") and os.access(SERVER_ASYNC, os.X_OK),
                     "needs wrk, nginx (scripts/setup.sh) and SLOWIO_SERVER_ASYNC")
class LiveRun(unittest.TestCase):
    def test_one_round_against_both_servers(self):
        with tempfile.TemporaryDirectory() as d:
            out = Path(d) / "xc.csv"
            with contextlib.redirect_stdout(io.StringIO()) as printed:
                code = xc.main(["--server-async", SERVER_ASYNC, "--rounds", "1", "--duration", "1",
                                "--connections", "4", "--csv", str(out)])
            self.assertEqual(code, 0, printed.getvalue())
            with out.open() as f:
                rows = list(csv.DictReader(f))
        self.assertEqual([r["server"] for r in rows], ["nginx", "server_async"])
        for r in rows:
            self.assertGreater(float(r["rps"]), 0)
            self.assertGreater(int(r["requests"]), 0)
            self.assertEqual(int(r["errors"]), 0)
            self.assertGreater(float(r["cpu_us_per_request"]), 0)
        self.assertIn("median CPU per request", printed.getvalue())


if __name__ == "__main__":
    unittest.main()
