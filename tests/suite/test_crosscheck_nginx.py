"""crosscheck_nginx.py: wrk output parsing, /proc CPU accounting, bad command lines (exit 2). The live run
against nginx is test_crosscheck_nginx_live.py, its own ctest entry."""
import contextlib
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


class Pipelining(unittest.TestCase):
    def args(self, *argv):
        exe = shutil.which("true")
        return xc.parse_args(["--wrk", exe, "--nginx", exe, "--server-async", exe, *argv])

    def test_depth_1_is_plain_wrk_and_deeper_adds_the_script(self):
        args = self.args("--connections", "8", "--duration", "2", "--pipeline", "16", "1", "16")
        self.assertEqual(args.pipeline, [1, 16])
        with tempfile.TemporaryDirectory() as d:
            self.assertIsNone(xc.pipeline_script(Path(d), 1, "/health"))
            script = xc.pipeline_script(Path(d), 16, "/health")
            text = script.read_text()
            self.assertIn("for i = 1, 16 do", text)
            self.assertIn('wrk.format(nil, "/health")', text)
            self.assertIn("request = function() return req end", text)
            self.assertEqual(xc.wrk_command("wrk", args, 80, None),
                             ["wrk", "-t1", "-c8", "-d2s", "http://127.0.0.1:80/health"])
            self.assertEqual(xc.wrk_command("wrk", args, 80, script),
                             ["wrk", "-t1", "-c8", "-d2s", "-s", str(script), "http://127.0.0.1:80/health"])

    def test_summary_is_per_depth_with_medians_and_ratios(self):
        rows = []
        for rnd, (n1, a1, n16, a16) in enumerate([(100, 110, 200, 900), (90, 100, 220, 1000), (80, 300, 210, 800)]):
            for depth, server, rps in [(1, "nginx", n1), (1, "server_async", a1), (16, "nginx", n16),
                                       (16, "server_async", a16)]:
                rows.append({"round": rnd + 1, "pipeline": depth, "server": server, "rps": rps,
                             "cpu_us_per_request": 1e6 / rps})
        lines = xc.summary(rows)
        self.assertEqual(len(lines), 2)
        self.assertTrue(lines[0].startswith("pipeline 1: median req/s: nginx 90, server_async 110 (async/nginx 1.22x)"),
                        lines[0])
        self.assertTrue(lines[1].startswith("pipeline 16: median req/s: nginx 210, server_async 900 (async/nginx 4.29x)"),
                        lines[1])


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
            (["--path", "/a b"], "without spaces"),
            (["--path", '/"'], "quotes"),
            (["--pipeline", "0"], "--pipeline depths must be between 1 and 1024"),
            (["--pipeline", "1", "2000"], "--pipeline depths must be between 1 and 1024"),
            (["--wrk", "/nonexistent/wrk"], "wrk not found"),
            (["--nginx", "/nonexistent/nginx", "--wrk", exe], "nginx not found"),
            (["--server-async", "/nonexistent/server_async", "--wrk", exe, "--nginx", exe],
             "server_async binary not found"),
        ]:
            code, err = self.exit_code(argv)
            self.assertEqual(code, 2, argv)
            self.assertIn(why, err, argv)


if __name__ == "__main__":
    unittest.main()
