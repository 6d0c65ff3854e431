"""The /proc sampler (slowio.procstat) and its columns (slowio.procview): the parser on text captured from a real
process tree (fixtures/proc/, make_proc_fixture.py: a comm with spaces and parentheses, threads running and
asleep, a child process, a process outside the tree), threads that exit between the listing and the read, the
sampler against live processes with a known thread count (directly and under a shell wrapper), the time-series
merge and summary cells, the timeline's kernel line, and a sweep on the fake binaries writing the new columns.
Fast: no sleep where a condition can be waited on; the sweep runs 1.5 s of (fake) load."""
import contextlib
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

from fakes import FIXTURES, PY, EnvPatch, FakeBuildCase

import sweep  # noqa: E402
from slowio import procstat, procview  # noqa: E402
from slowio.procstat import CLK_TCK, ProcFormatError, ProcFS, ProcSample, parse_stat, parse_status  # noqa: E402
from slowio.rows import read_summary  # noqa: E402

PROC = FIXTURES / "proc"
SCENE = json.loads((PROC / "scene.json").read_text())
ROOT, CHILD, SPINNER = SCENE["root"], SCENE["child"], SCENE["spinner"]


def fields_after_comm(text: str) -> list[str]:
    """The stat fields after comm, cut at the last ')' independently of the parser under test."""
    return text.rsplit(")", 1)[1].split()


class Parser(unittest.TestCase):
    def test_stat_with_spaces_and_parentheses_in_comm(self):
        text = (PROC / str(ROOT) / "stat").read_text()
        self.assertEqual(SCENE["comm"], "w (x) y) z")
        self.assertEqual(len(text.split()) - len(fields_after_comm(text)), 5)  # pid and a comm of 4 "words"
        st = parse_stat(text)
        rest = fields_after_comm(text)
        self.assertEqual((st.pid, st.comm, st.state), (ROOT, "w (x) y) z", "S"))
        self.assertEqual(st.ppid, int(rest[1]))
        self.assertEqual(st.cpu_ticks, int(rest[11]) + int(rest[12]))
        spinner = parse_stat((PROC / str(ROOT) / "task" / str(SPINNER) / "stat").read_text())
        self.assertEqual((spinner.pid, spinner.comm, spinner.state), (SPINNER, "w (x) y) z", "R"))

    def test_stat_edge_cases(self):
        st = parse_stat("42 () )) D 7 1 1 0 -1 0 0 0 0 0 11 5 0 0 20 0 1 0 9 0 0")
        self.assertEqual((st.pid, st.comm, st.state, st.ppid, st.cpu_ticks), (42, ") )", "D", 7, 16))
        for bad, why in (("", "no '(comm)'"), ("12 (x S 1", "no '(comm)'"), ("12 (x) S 1 2", "fields"),
                         ("ab (x) S 1 1 1 0 -1 0 0 0 0 0 1 1", "non-numeric")):
            with self.subTest(bad=bad), self.assertRaises(ProcFormatError) as cm:
                parse_stat(bad, "/proc/12/stat")
            self.assertIn(why, str(cm.exception))
            self.assertIn("/proc/12/stat", str(cm.exception))
            self.assertNotIn("\n", str(cm.exception))

    def test_status(self):
        text = (PROC / str(ROOT) / "status").read_text()
        got = parse_status(text)
        want = {k: int(re.search(rf"^{k}:\s+(\d+)", text, re.M).group(1)) for k in procstat.STATUS_KEYS}
        self.assertEqual(got, want)
        self.assertEqual(parse_status("Name:\tkworker\nState:\tI (idle)\n"), {})  # no VmRSS: absent, not 0
        with self.assertRaises(ProcFormatError) as cm:
            parse_status("VmRSS:\tlots kB\n", "/proc/9/status")
        self.assertIn("/proc/9/status: VmRSS is not a number", str(cm.exception))


def status_sum(key: str, paths) -> int:
    return sum(parse_status(Path(p).read_text())[key] for p in paths)


class CapturedTree(unittest.TestCase):
    def test_tree_follows_children_only(self):
        fs = ProcFS(str(PROC))
        self.assertEqual(procstat.process_tree(fs, ROOT), [ROOT, CHILD])
        self.assertEqual(procstat.process_tree(fs, CHILD), [CHILD])
        self.assertEqual(procstat.process_tree(fs, 999999), [])
        self.assertNotIn(SCENE["outside"], procstat.process_tree(fs, ROOT))

    def test_sample(self):
        s = procstat.read_sample(ProcFS(str(PROC)), ROOT, now=lambda: 100.0)
        self.assertEqual((s.t, s.processes, s.threads, s.running, s.sleeping, s.blocked, s.vanished),
                         (100.0, 2, 4, 1, 3, 0, 0))
        self.assertEqual(s.fds, SCENE["root_fds"] + SCENE["child_fds"])
        self.assertEqual(s.rss_kb, status_sum("VmRSS", [PROC / str(ROOT) / "status", PROC / str(CHILD) / "status"]))
        self.assertEqual(set(s.cpu_ticks), {ROOT, CHILD})
        self.assertEqual(set(s.switches), set(SCENE["root_tids"] + SCENE["child_tids"]))
        tasks = list(PROC.glob("*/task/*/status"))
        self.assertEqual(sum(v for v, _ in s.switches.values()), status_sum("voluntary_ctxt_switches", tasks))
        self.assertEqual(sum(i for _, i in s.switches.values()), status_sum("nonvoluntary_ctxt_switches", tasks))

    def test_threads_and_processes_that_vanish_are_skipped_and_counted(self):
        other = [t for t in SCENE["root_tids"] if t not in (ROOT, SPINNER)][0]

        class Vanishing(ProcFS):
            """Listed, then gone when read: the spinner's stat (ENOENT), another thread's status (ESRCH on
            read), and the child process after the tree was built (its second stat read)."""
            child_reads = 0

            def read(self, rel):
                if rel == f"{ROOT}/task/{SPINNER}/stat":
                    raise FileNotFoundError(2, "No such file or directory", rel)
                if rel == f"{ROOT}/task/{other}/status":
                    raise ProcessLookupError(3, "No such process", rel)
                if rel == f"{CHILD}/stat":
                    self.child_reads += 1
                    if self.child_reads > 1:
                        raise FileNotFoundError(2, "No such file or directory", rel)
                return super().read(rel)

        s = procstat.read_sample(Vanishing(str(PROC)), ROOT)
        self.assertEqual((s.processes, s.threads, s.running, s.sleeping, s.vanished), (1, 1, 0, 1, 3))
        self.assertEqual(set(s.cpu_ticks), {ROOT})

    def test_root_gone(self):
        class Gone(ProcFS):
            def listdir(self, rel):
                return [str(ROOT)] if rel == "" else super().listdir(rel)

            def read(self, rel):
                raise ProcessLookupError(3, "No such process", rel)

        self.assertIsNone(procstat.read_sample(Gone(str(PROC)), ROOT))


def sample(t, ticks, switches, threads=3):
    return ProcSample(t=t, processes=len(ticks), threads=threads, running=1, sleeping=threads - 1, rss_kb=1000,
                      fds=5, cpu_ticks=ticks, switches=switches)


class Rows(unittest.TestCase):
    def test_per_interval_figures_from_the_same_thread_or_process(self):
        a = sample(10.0, {1: 100, 2: 50}, {1: (10, 1), 5: (100, 100)})
        b = sample(10.5, {1: 100 + CLK_TCK // 4, 3: 999}, {1: (30, 6), 6: (7, 7)})  # 2 exited, 3 and 6 new
        rows = procstat.sample_rows([a, b])
        self.assertIsNone(rows[0]["proc_cpu_pct"])
        self.assertEqual(rows[1]["proc_cpu_pct"], round(CLK_TCK // 4 / CLK_TCK / 0.5 * 100, 1))
        self.assertEqual((rows[1]["proc_voluntary_switches_per_s"], rows[1]["proc_involuntary_switches_per_s"]),
                         (40.0, 10.0))
        self.assertEqual(set(rows[1]) - {"t"}, set(procstat.TS_COLUMNS))


class LoadgenTimeline(unittest.TestCase):
    def test_the_sampler_s_period_is_loadgen_s(self):
        from slowio import loadgen
        self.assertEqual(loadgen.scrape_interval_s([]), 0.25)
        self.assertEqual(loadgen.scrape_interval_s(["--retries", "1", "--scrape-interval", "1s"]), 1.0)
        self.assertEqual(loadgen.scrape_interval_s(["--scrape-interval=500ms"]), 0.5)
        for bad in ("0s", "fast", "5"):
            with self.subTest(bad=bad), self.assertRaises(ValueError) as cm:
                loadgen.scrape_interval_s(["--scrape-interval", bad])
            self.assertIn(repr(bad), str(cm.exception))

    def test_read_timeline(self):
        from slowio import loadgen
        with tempfile.TemporaryDirectory() as d:
            j = Path(d) / "l.json"
            j.write_text(json.dumps({"start_epoch_s": 1796503343.43, "config": {"interval_s": 0.25}}))
            self.assertEqual(loadgen.read_timeline(j), (1796503343.43, 0.25))
            j.write_text(json.dumps({"config": {}}))  # an older loadgen
            self.assertEqual(loadgen.read_timeline(j), (None, None))
            j.write_text("{not json")
            self.assertEqual(loadgen.read_timeline(j), (None, None))
            self.assertEqual(loadgen.read_timeline(Path(d) / "missing.json"), (None, None))


class Merge(unittest.TestCase):
    HEADER = ["t_s", "phase", "rps", "server_threadpool_threads"]

    def write_ts(self, d):
        path = Path(d) / "p.csv"
        with open(path, "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(self.HEADER)
            for t, phase in ((0.25, "warmup"), (0.5, "warmup"), (0.75, "steady"), (1.0, "steady"), (1.5, "drain")):
                w.writerow([f"{t:.3f}", phase, "10.0", "4"])
        return path

    def test_the_last_sample_in_the_row_s_interval(self):
        start = 1000.0
        samples = [sample(start + t, {1: int(t * 100)}, {}, threads=n)
                   for t, n in ((0.1, 2), (0.36, 3), (0.61, 4), (0.86, 9), (1.11, 5))]
        with tempfile.TemporaryDirectory() as d:
            path = self.write_ts(d)
            self.assertEqual(procview.annotate_timeseries(path, samples, start, 0.25), (4, 5))
            self.assertEqual(procview.annotate_timeseries(path, samples, start, 0.25), (4, 5))  # idempotent
            with open(path, newline="") as f:
                rows = list(csv.DictReader(f))
                header = rows[0].keys()
        self.assertEqual(list(header), self.HEADER + list(procstat.TS_COLUMNS))
        # row t_s = 1.0 gets the sample at 0.86 (in (0.75, 1.0]), not the nearer 1.11 after its end; 1.5: none
        self.assertEqual([r["proc_threads"] for r in rows], ["2", "3", "4", "9", ""])
        self.assertEqual(rows[0]["server_threadpool_threads"], "4")  # loadgen's columns untouched
        self.assertEqual(procview.annotate_timeseries(Path(d) / "missing.csv", samples, start, 0.25), (0, 0))

    def test_summary_cells(self):
        ts = [{"phase": "warmup", "proc_threads": 30.0, "proc_threads_running": 2.0, "proc_fds": 9.0,
               "proc_cpu_pct": 90.0},
              {"phase": "steady", "proc_threads": 12.0, "proc_threads_running": 1.0, "proc_fds": 11.0,
               "proc_cpu_pct": 10.0},
              {"phase": "steady", "proc_threads": 12.0, "proc_threads_running": 0.0, "proc_fds": 10.0,
               "proc_cpu_pct": 20.0},
              {"phase": "drain", "proc_threads": 99.0, "proc_fds": 99.0, "proc_cpu_pct": 99.0},
              {"phase": "drain", "proc_threads": None, "proc_cpu_pct": None}]
        # peaks over the load (warm-up and window, not the drain), CPU over the window only
        self.assertEqual(procview.summary_cells(ts), {"peak_proc_threads": 30.0, "peak_proc_threads_running": 2.0,
                                                      "peak_proc_fds": 11.0, "mean_proc_cpu_pct": 15.0})
        no_phase = [{k: v for k, v in r.items() if k != "phase"} for r in ts[:2]]
        self.assertEqual(procview.summary_cells(no_phase)["peak_proc_threads"], 30.0)
        self.assertEqual(procview.summary_cells(None), dict.fromkeys(procview.SUMMARY_CELLS))


# 7 threads blocked on an Event, then "ready": the process has exactly 8 threads until stdin closes.
SEVEN = ("import sys, threading\ne = threading.Event()\nts = [threading.Thread(target=e.wait) for _ in range(7)]\n"
         "[t.start() for t in ts]\nprint('ready', flush=True)\nsys.stdin.read()\ne.set()\n")


@contextlib.contextmanager
def seven_threads(wrapper: bool = False):
    """A live process tree with a known thread count: Python with 8 threads, under `sh` when ``wrapper``."""
    argv = [PY, "-c", SEVEN]
    if wrapper:  # '; exit' keeps the shell from exec'ing python: two processes
        argv = ["sh", "-c", '"$@"; exit $?', "sh"] + argv
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        yield proc
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)
        proc.stdout.close()


class Live(unittest.TestCase):
    def test_known_thread_count(self):
        with seven_threads() as proc:
            s = procstat.read_sample(ProcFS(), proc.pid)
        self.assertEqual((s.processes, s.threads), (1, 8))
        self.assertEqual(s.running + s.sleeping + s.blocked, 8)
        self.assertGreaterEqual(s.fds, 3)
        self.assertGreater(s.rss_kb, 1000)
        self.assertIsNone(procstat.read_sample(ProcFS(), proc.pid))  # exited: no sample, no error

    def test_sampler_follows_a_wrapper_s_child(self):
        with seven_threads(wrapper=True) as proc:
            sampler = procstat.Sampler(proc.pid, 0.02)
            sampler.start()
            self.assertTrue(sampler.wait_samples(3, timeout_s=5.0))
            samples = sampler.stop()
        self.assertIsNone(sampler.error)
        self.assertGreaterEqual(len(samples), 4)  # 3 and the one taken at stop
        self.assertEqual({(s.processes, s.threads) for s in samples}, {(2, 9)})  # sh: 1, python: 8
        rows = procstat.sample_rows(samples)
        self.assertTrue(all(r["proc_cpu_pct"] is not None and r["proc_cpu_pct"] >= 0 for r in rows[1:]))

    def test_sampler_rejects_a_bad_interval(self):
        for bad in (0, -1, float("nan")):
            with self.assertRaises(ValueError):
                procstat.Sampler(1, bad)


class TimelinePlot(unittest.TestCase):
    def test_kernel_threads_beside_the_pool(self):
        from slowio import plots
        if plots.plt is None:
            self.skipTest("matplotlib missing: run under /usr/bin/python3")
        ts = [{"t_s": t / 4, "server_threadpool_threads": 10.0, "proc_threads": 12.0} for t in range(1, 9)]
        fig, ax = plots.plt.subplots()
        labels = [h.get_label() for h in plots._server_timeline(ax, ts, [r["t_s"] for r in ts])]
        plots.plt.close(fig)
        self.assertIn("threads (kernel: /proc/PID/task)", labels)
        self.assertIn("worker threads (server's threadpool_threads)", labels)


class SweepOnFakes(FakeBuildCase):
    def test_sweep_writes_the_kernel_columns(self):
        g = {"defaults": {"latency_ms": 100, "warmup_s": 0.5, "window_s": 1.0, "timeout_s": 2},
             "series": [{"server": "sync", "threads": 4, "label": "s", "concurrency": [8]}]}
        with tempfile.TemporaryDirectory() as d:
            (Path(d) / "g.json").write_text(json.dumps(g))
            with EnvPatch(FAKE_LOADGEN_SLEEP="1.5"), contextlib.redirect_stderr(io.StringIO()) as err:
                rc = sweep.main(["--grid", str(Path(d) / "g.json"), "--build-dir", str(self.build),
                                 "--results-dir", d, "--run-id", "r", "--latest", ""])
            self.assertEqual(rc, 0, err.getvalue())
            run = Path(d) / "r"
            [row] = read_summary(run / "summary.csv")
            with open(run / "timeseries" / f"{row['point']}.csv", newline="") as f:
                ts = list(csv.DictReader(f))
            log = (run / "logs" / f"{row['point']}.procstat.txt").read_text()
        self.assertEqual(list(ts[0])[-len(procstat.TS_COLUMNS):], list(procstat.TS_COLUMNS))
        with_sample = [r for r in ts if r["proc_threads"]]
        self.assertGreaterEqual(len(with_sample), len(ts) - 2, log)  # the fake's last rows may outlive it
        # the fake server: Python's main thread and ThreadingHTTPServer's accept loop, at least
        self.assertGreaterEqual(row["peak_proc_threads"], 2)
        self.assertEqual(row["peak_proc_threads"], max(float(r["proc_threads"]) for r in with_sample
                                                       if r["phase"] != "drain"))
        self.assertGreaterEqual(row["peak_proc_fds"], 3)
        self.assertIsNotNone(row["peak_proc_threads_running"])
        self.assertIsNotNone(row["mean_proc_cpu_pct"])
        self.assertRegex(log, r"rows given a sample")


if __name__ == "__main__":
    unittest.main()


class RecordCommand(unittest.TestCase):
    """scripts/procstat_record.py: the sampler on its own, following a live child of exactly 8 threads until it
    exits (a zombie not yet reaped counts as exited)."""

    def test_records_a_child_until_it_exits(self):
        child = subprocess.Popen([sys.executable, "-c", "import threading, time\n"
                                  "for _ in range(7):\n"
                                  "    threading.Thread(target=time.sleep, args=(3,), daemon=True).start()\n"
                                  "time.sleep(1.2)"])
        try:
            with tempfile.TemporaryDirectory() as d:
                out = Path(d) / "proc.csv"
                done = subprocess.run([sys.executable, str(Path(__file__).resolve().parents[2] / "scripts" /
                                                          "procstat_record.py"),
                                       "--pid", str(child.pid), "--interval", "0.2", "-o", str(out)],
                                      capture_output=True, text=True, timeout=20)
                self.assertEqual(done.returncode, 0, done.stderr)
                self.assertIn("peak 8 threads", done.stdout)
                rows = list(csv.DictReader(out.open()))
                self.assertGreaterEqual(len(rows), 3)
                self.assertEqual(list(rows[0])[:2], ["t_s", "proc_threads"])
                self.assertEqual(rows[0]["proc_cpu_pct"], "")  # no interval before the first sample
        finally:
            child.wait(timeout=10)

    def test_no_such_process_is_one_line_exit_2(self):
        done = subprocess.run([sys.executable, str(Path(__file__).resolve().parents[2] / "scripts" /
                                                  "procstat_record.py"), "--pid", "999999999", "-o", "/dev/null"],
                              capture_output=True, text=True, timeout=20)
        self.assertEqual(done.returncode, 2)
        self.assertEqual(done.stderr.strip(), "procstat_record.py: no process 999999999")
