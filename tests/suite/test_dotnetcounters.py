"""slowio.dotnetcounters: dotnet-counters' CSV read back (levels per second, a truncated line dropped), the Meter's
ever-increasing-counter defect told from a level, which points get a session, and the report's line comparing
.NET's own count with the target's /metrics (slowio.pairs.counters_check)."""
import tempfile
import unittest
from pathlib import Path

import fakes  # noqa: F401  (puts scripts/ on sys.path)
from slowio import dotnetcounters as dc
from slowio import pairs, report

HEAD = "Timestamp,Provider,Counter Name,Counter Type,Mean/Increment\n"
LEVELS = HEAD + (
    "12/06/2026 02:21:49,System.Runtime,ThreadPool Thread Count,Metric,2\n"
    "12/06/2026 02:21:49,System.Runtime,ThreadPool Queue Length,Metric,0\n"
    "12/06/2026 02:21:50,System.Runtime,ThreadPool Thread Count,Metric,3\n"
    "12/06/2026 02:21:50,System.Runtime,ThreadPool Queue Length,Metric,34\n"
    "12/06/2026 02:21:51,System.Runtime,ThreadPool Thread Count,Metr")  # cut off as the session ended
RATE = HEAD + (
    "12/06/2026 02:21:32,System.Runtime,dotnet.thread_pool.queue.length ({work_item} / 1 sec),Rate,-17\n"
    "12/06/2026 02:21:32,System.Runtime,dotnet.thread_pool.thread.count ({thread} / 1 sec),Rate,1\n"
    "12/06/2026 02:21:33,System.Runtime,dotnet.thread_pool.thread.count ({thread} / 1 sec),Rate,-1\n")
LEVEL_METER = HEAD + "12/06/2026 02:21:32,System.Runtime,dotnet.thread_pool.thread.count ({thread}),Metric,7\n"


class Csv(unittest.TestCase):
    def test_levels_one_sample_per_second(self):
        samples = dc.level_samples(dc.read_csv(LEVELS))
        self.assertEqual([(s.threads, s.queue_length) for s in samples], [(2, 0), (3, 34)])
        self.assertEqual(samples[1].t - samples[0].t, 1.0)
        self.assertEqual(dc.sample_rows(samples)[1]["dn_threadpool_queue_length"], 34)

    def test_meter_rate_is_the_defect(self):
        verdict = dc.meter_verdict(dc.read_csv(RATE))
        self.assertIn("ever-increasing counter", verdict)
        self.assertIn("-1 to +1", verdict)
        self.assertIn("as documented", dc.meter_verdict(dc.read_csv(LEVEL_METER)))
        self.assertIsNone(dc.meter_verdict(dc.read_csv(LEVELS)))

    def test_command_and_who_gets_one(self):
        argv = dc.collect_command(42, dc.EVENT_COUNTERS, Path("/o.csv"), 61.2)
        self.assertEqual(argv[argv.index("-p") + 1], "42")
        self.assertEqual(argv[argv.index("--duration") + 1], "00:01:02")
        self.assertEqual(argv[2:4], ["run", "dotnet-counters"])
        self.assertTrue(dc.wanted(["/usr/bin/dotnet", "x.dll"], "sync"))
        self.assertFalse(dc.wanted(["/usr/bin/dotnet", "x.dll"], ""))  # not in a pair
        self.assertFalse(dc.wanted(["taskset", "-c", "0", "server_sync"], "sync"))

    def test_a_session_without_output_says_so(self):
        with tempfile.TemporaryDirectory() as d:
            s = dc.CountersSession(1, 1.0, Path(d), "p")
            self.assertEqual(s.stop(), [])
            self.assertIn("dotnet-counters: no output", s.error)


class WaitStarted(unittest.TestCase):
    """The load waits for both sessions' start line, so the tool's own start is not in its first seconds."""

    def session(self, d: str) -> dc.CountersSession:
        return dc.CountersSession(1, 1.0, Path(d), "p")

    def test_waits_for_both_start_lines(self):
        with tempfile.TemporaryDirectory() as d:
            s = self.session(d)
            logs = [path.with_suffix(".log") for path in s.paths()]
            clock = [0.0]
            said = []

            def pause(dt):  # each pause, the next session says it started
                clock[0] += dt
                if len(said) < len(logs):
                    logs[len(said)].write_text("Starting a counter session. Press Q to quit.\n")
                    said.append(True)

            self.assertTrue(s.wait_started(timeout_s=5.0, now=lambda: clock[0], pause=pause))
            self.assertEqual(len(said), 2)  # it did not return after the first

    def test_gives_up_at_the_deadline(self):
        with tempfile.TemporaryDirectory() as d:
            s = self.session(d)
            s.paths()[0].with_suffix(".log").write_text("Starting a counter session. Press Q to quit.\n")
            clock = [0.0]
            self.assertFalse(s.wait_started(timeout_s=1.0, now=lambda: clock[0],
                                            pause=lambda dt: clock.__setitem__(0, clock[0] + dt)))
            self.assertGreaterEqual(clock[0], 1.0)


class ReportLine(unittest.TestCase):
    def make_run(self, d: Path, counted: bool) -> pairs.Pair:
        (d / "timeseries").mkdir()
        (d / "logs").mkdir()
        head = "t_s,server_threadpool_threads" + (",dn_threadpool_threads" if counted else "")
        lines = [f"{t}.000,{2 + t // 10}" + (f",{2 + t // 10 + (1 if t == 10 else 0)}" if counted else "")
                 for t in range(1, 21)]
        (d / "timeseries" / "01-net.csv").write_text(head + "\n" + "\n".join(lines) + "\n")
        (d / "logs" / "01-net.dotnet-counters-meter.csv").write_text(RATE)
        net = {"point": "01-net", "warmup_s": 0.0, "window_s": 20.0, "detail": "" if counted else
               "dotnet-counters: dotnet-counters not restored (run scripts/setup.sh: dotnet tool restore)"}
        return pairs.Pair("sync", 1000, net, {"point": "02-model"})

    def test_equal_at_most_marks_and_the_meter(self):
        with tempfile.TemporaryDirectory() as d:
            c = pairs.counters_check(self.make_run(Path(d), True), Path(d))
            self.assertEqual(len(c.marks), 4)
            self.assertEqual(c.largest, (1.0, 10.0))
            line = report.counters_line(c)
            self.assertIn("equal to the target's `threadpool_threads` at 3 of 4 marks, at most 1 apart (t = 10 s)",
                          line)
            self.assertIn("ever-increasing counter", line)

    def test_not_read_says_why(self):
        with tempfile.TemporaryDirectory() as d:
            line = report.counters_line(pairs.counters_check(self.make_run(Path(d), False), Path(d)))
            self.assertIn("not read (dotnet-counters: dotnet-counters not restored", line)


if __name__ == "__main__":
    unittest.main()
