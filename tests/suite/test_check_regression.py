"""check_regression.py: fixture summaries give PASS / FAIL / INCONCLUSIVE with the documented exit codes; the
baseline comparison's A/A, planted and inconclusive controls on fixture runs (fixtures/baseline/, written by
make_baseline_fixture.py); the JUnit and github-action-benchmark outputs parsed back; and the gate run end to end
on the fake binaries: A/A passes, the planted regression fails (also against a baseline), --target-cmd runs a
command series."""
import contextlib
import csv
import io
import json
import shutil
import tempfile
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

from fakes import FIXTURES, HERE, PY, REPO, EnvPatch, FakeBuildCase

import check_regression as gate  # noqa: E402
from slowio import baseline  # noqa: E402
from slowio.gate import FAIL, INCONCLUSIVE, INFO, PASS, Check, junit_xml, load_thresholds  # noqa: E402

BASE = FIXTURES / "baseline"


def run_gate(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = gate.main([str(a) for a in argv])
        except SystemExit as e:  # argparse's own errors (OneLineParser: one line, exit 2)
            rc = e.code
    return rc, out.getvalue(), err.getvalue()


class FromCsv(unittest.TestCase):
    def check(self, name, want_rc, want_words=()):
        rc, out, err = run_gate("--from-csv", FIXTURES / name)
        self.assertEqual(rc, want_rc, out + err)
        for w in want_words:
            self.assertIn(w, out)
        return out

    def test_pass(self):
        out = self.check("summary_pass.csv", 0, ["regression gate: PASS", "deadlock detected"])
        self.assertNotIn("FAIL", out)

    def test_planted_regression_fails(self):
        out = self.check("summary_fail_planted.csv", 1, ["regression gate: FAIL"])
        self.assertRegex(out, r"efficiency \(async\).*FAIL")

    def test_errors_fail(self):
        self.check("summary_fail_errors.csv", 1, ["timeout=12"])

    def test_sync_above_bound_fails(self):
        # throughput above min(C, N)/L means the store was not slow: a regression too
        self.check("summary_fail_sync_too_fast.csv", 1)

    def test_unclean_shutdown_fails(self):
        self.check("summary_fail_exit_code.csv", 1, ["exit code after SIGTERM"])

    def test_drain_expired_fails(self):
        # exit 5 after SIGTERM: the drain bound expired with requests in flight, which were lost
        out = self.check("summary_fail_drain_expired.csv", 1, ["regression gate: FAIL"])
        self.assertRegex(out, r"05-async-k1-c10 +run +status ok +drain_expired: .*FAIL")
        self.assertRegex(out, r"05-async-k1-c10 +exit code after SIGTERM +0 \(drained\) +5 +FAIL")
        # its numbers are complete and still checked
        self.assertRegex(out, r"05-async-k1-c10 +efficiency \(async\) .*PASS")
        self.assertEqual(out.count("FAIL") - out.count("regression gate: FAIL"), 2, out)

    def test_missing_bound_model_is_inconclusive(self):
        # a summary without the bound_model column cannot be judged: never a pass
        with tempfile.TemporaryDirectory() as d:
            lines = (FIXTURES / "summary_pass.csv").read_text().splitlines()
            col = lines[0].split(",").index("bound_model")
            p = Path(d) / "summary.csv"
            p.write_text("\n".join(",".join(c for i, c in enumerate(ln.split(",")) if i != col)
                                   for ln in lines) + "\n")
            rc, out, _ = run_gate("--from-csv", p)
            self.assertEqual(rc, 2, out)
            self.assertIn("no bound_model", out)

    def test_deadlock_not_detected_fails(self):
        self.check("summary_fail_deadlock_missed.csv", 1)

    def test_setup_failure_is_inconclusive(self):
        self.check("summary_inconclusive_setup.csv", 2, ["INCONCLUSIVE", "start_failed"])

    def test_too_few_samples_is_inconclusive(self):
        self.check("summary_inconclusive_few_samples.csv", 2, ["too few samples"])

    def test_fail_wins_over_inconclusive(self):
        self.check("summary_fail_and_inconclusive.csv", 1)

    def test_table_columns(self):
        out = self.check("summary_pass.csv", 0)
        header = out.splitlines()[0].split()
        self.assertEqual(header, ["point", "metric", "expected", "measured", "verdict"])

    def test_empty_summary_is_inconclusive(self):
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "summary.csv"
            p.write_text((FIXTURES / "summary_pass.csv").read_text().splitlines()[0] + "\n")
            rc, out, _ = run_gate("--from-csv", p)
            self.assertEqual(rc, 2, out)

    def test_expect_fail_inverts_only_fail(self):
        self.assertEqual(run_gate("--from-csv", FIXTURES / "summary_fail_planted.csv", "--expect", "fail")[0], 0)
        self.assertEqual(run_gate("--from-csv", FIXTURES / "summary_pass.csv", "--expect", "fail")[0], 1)
        self.assertEqual(run_gate("--from-csv", FIXTURES / "summary_inconclusive_setup.csv",
                                  "--expect", "fail")[0], 2)


class BadInput(unittest.TestCase):
    def test_missing_csv(self):
        rc, _, err = run_gate("--from-csv", "/nonexistent/summary.csv")
        self.assertEqual(rc, 2)
        self.assertEqual(len(err.strip().splitlines()), 1, err)

    def test_not_a_summary(self):
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "x.csv"
            p.write_text("a,b\n1,2\n")
            rc, _, err = run_gate("--from-csv", p)
            self.assertEqual(rc, 2)
            self.assertIn("not a summary.csv", err)

    def test_bad_thresholds(self):
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "t.json"
            p.write_text(json.dumps({"rules": {"async": {}}}))
            rc, _, err = run_gate("--thresholds", p, "--from-csv", FIXTURES / "summary_pass.csv")
            self.assertEqual(rc, 2)
            self.assertIn("efficiency_min", err)

    def test_shipped_thresholds_match_the_issue(self):
        t = load_thresholds(REPO / "bench" / "regression.json")
        self.assertGreaterEqual(t["rules"]["async"]["efficiency_min"], 0.95)
        self.assertEqual(t["rules"]["sync"]["efficiency_min"], 0.95)
        self.assertEqual(t["rules"]["sync"]["efficiency_max"], 1.05)
        self.assertEqual(t["rules"]["errors_max"], 0)


def compare(current, base, *extra):
    """The gate on a fixture run directory against a fixture baseline."""
    return run_gate("--from-csv", Path(current) / "summary.csv", "--baseline", base, *extra)


def baseline_lines(out):
    """{(point, metric): verdict} of the table's baseline rows."""
    got = {}
    for line in out.splitlines():
        if " vs baseline " in line:
            words = line.split()
            got[(words[0], " ".join(words[1:4]))] = words[-1]
    return got


def copy_run(src, dst, drop_point=None, status=None):
    """A copy of a fixture run directory, optionally without one summary row or with every status changed."""
    shutil.copytree(src, dst)
    for summary in Path(dst).rglob("summary.csv"):
        with open(summary, newline="") as f:
            reader = csv.DictReader(f)
            header, rows = reader.fieldnames, [r for r in reader if r["point"] != drop_point]
        if status and summary.parent.name.startswith("rep-"):
            for r in rows:
                r["status"] = status
        with open(summary, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=header)
            w.writeheader()
            w.writerows(rows)
    return Path(dst)


class Baseline(unittest.TestCase):
    """--baseline on fixture runs: per point and metric, a Mann-Whitney U test and an effect threshold."""

    POINTS = ("02-sync-fixed-n10-c10", "05-async-k1-c10")

    def verdicts(self, out):
        got = baseline_lines(out)
        self.assertEqual(len(got), 4, out)
        return got

    def test_aa_passes(self):
        rc, out, err = compare(BASE / "aa", BASE / "base")
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(set(self.verdicts(out).values()), {PASS})
        self.assertIn("n=8/8", out)  # 8 s steady at 250 ms = 32 rows = 8 one-second blocks
        self.assertNotIn("08-async-sync-over-async-k1-c4  throughput", out)  # the deadlock demo is not compared

    def test_planted_throughput_drop_fails(self):
        rc, out, err = compare(BASE / "tput_drop", BASE / "base")
        self.assertEqual(rc, 1, out + err)
        v = self.verdicts(out)
        for p in self.POINTS:
            self.assertEqual(v[(p, "throughput vs baseline")], FAIL, out)
            self.assertEqual(v[(p, "p99 vs baseline")], PASS, out)
        self.assertRegex(out, r"02-sync-fixed-n10-c10 +throughput vs baseline .*\(-3\d\.\d%\), p=0\.00")

    def test_planted_p99_double_fails_alone(self):
        # throughput and efficiency unchanged: only the baseline comparison sees it
        rc, out, err = compare(BASE / "p99_double", BASE / "base")
        self.assertEqual(rc, 1, out + err)
        v = self.verdicts(out)
        for p in self.POINTS:
            self.assertEqual(v[(p, "p99 vs baseline")], FAIL, out)
            self.assertEqual(v[(p, "throughput vs baseline")], PASS, out)
        self.assertEqual(sum(line.endswith(" FAIL") for line in out.splitlines()), 2, out)

    def test_big_effect_on_few_samples_is_inconclusive(self):
        # 2 blocks per side, effects of -29% and +99%: p = 0.245 (2 vs 2 never goes below 0.19), not significant
        rc, out, err = compare(BASE / "few_cur", BASE / "few_base")
        self.assertEqual(rc, 2, out + err)
        self.assertEqual(set(self.verdicts(out).values()), {INCONCLUSIVE})
        self.assertIn("n=2/2", out)
        self.assertIn("not significant", out)

    def test_significantly_better_passes(self):
        rc, out, err = compare(BASE / "base", BASE / "tput_drop")  # the other way round: +43%
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(set(self.verdicts(out).values()), {PASS})

    def test_threshold_configurable(self):
        with tempfile.TemporaryDirectory() as d:
            t = json.loads((REPO / "bench" / "regression.json").read_text())
            t["baseline"]["throughput_rel"] = 0.5  # a 30% drop is below it: PASS, however significant
            (Path(d) / "t.json").write_text(json.dumps(t))
            rc, out, _ = compare(BASE / "tput_drop", BASE / "base", "--thresholds", Path(d) / "t.json")
            self.assertEqual(rc, 1, out)  # the efficiency checks still fail
            self.assertEqual(set(self.verdicts(out).values()), {PASS}, out)

    def test_missing_point_is_inconclusive(self):
        with tempfile.TemporaryDirectory() as d:
            cur = copy_run(BASE / "aa", Path(d) / "cur", drop_point="05-async-k1-c10")
            rc, out, _ = compare(cur, BASE / "base")
            self.assertEqual(rc, 2, out)
            self.assertRegex(out, r"05-async-k1-c10 +throughput vs baseline +point in the current run +"
                                  r"not in the current run +INCONCLUSIVE")
            rc, out, _ = compare(BASE / "base", cur)  # and the other way: not in the baseline
            self.assertEqual(rc, 2, out)
            self.assertRegex(out, r"05-async-k1-c10 +p99 vs baseline +point in the baseline +not in the baseline "
                                  r"+INCONCLUSIVE")

    def test_repetitions_pool_samples(self):
        rc, out, err = compare(BASE / "rep", BASE / "base")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("n=8/16", out)  # baseline 8, current 8 + 8 from rep-2/
        # a repetition whose points were not measured contributes nothing
        with tempfile.TemporaryDirectory() as d:
            cur = copy_run(BASE / "rep", Path(d) / "cur", status="crash")
            rc, out, _ = compare(cur, BASE / "base")
            self.assertIn("n=8/8", out)
            self.assertNotIn("n=8/16", out)

    def test_bad_baseline_is_one_line_exit_2(self):
        for bad in ("/nonexistent", FIXTURES):  # no such directory; a directory without summary.csv
            rc, out, err = compare(BASE / "aa", bad)
            self.assertEqual(rc, 2, out + err)
            self.assertEqual(len(err.strip().splitlines()), 1, err)
            self.assertIn("not a gate run directory", err)

    def test_bad_baseline_thresholds(self):
        with tempfile.TemporaryDirectory() as d:
            t = json.loads((REPO / "bench" / "regression.json").read_text())
            t["baseline"]["alpha"] = 2
            (Path(d) / "t.json").write_text(json.dumps(t))
            rc, _, err = compare(BASE / "aa", BASE / "base", "--thresholds", Path(d) / "t.json")
            self.assertEqual(rc, 2)
            self.assertIn("alpha", err)

    def test_shipped_baseline_thresholds(self):
        b = load_thresholds(REPO / "bench" / "regression.json")["baseline"]
        self.assertEqual((b["alpha"], b["throughput_rel"], b["p99_rel"], b["block_s"]), (0.01, 0.05, 0.10, 1.0))


class Blocks(unittest.TestCase):
    """slowio.baseline's samples: steady rows in blocks of about 1 s."""

    def rows(self, n_steady, step=0.25, rps=lambda i: 80.0 if i % 2 == 0 else 120.0, p99=lambda i: 100500.0):
        rows = [{"t_s": step, "phase": "warmup", "rps": 0.0, "p99_us": 0.0}]
        rows += [{"t_s": (i + 2) * step, "phase": "steady", "rps": rps(i), "p99_us": p99(i)} for i in range(n_steady)]
        return rows + [{"t_s": (n_steady + 2) * step, "phase": "drain", "rps": 1.0, "p99_us": 1.0}]

    def test_waves_average_out(self):
        # 80 / 120 alternating per 250 ms (2 or 3 waves of C = 10 at L = 100 ms): each second is 100 req/s
        tput, p99 = baseline.steady_blocks(self.rows(32), 1.0)
        self.assertEqual(tput, [100.0] * 8)
        self.assertEqual(p99, [100.5] * 8)

    def test_block_rows_follow_the_interval(self):
        self.assertEqual(baseline.block_rows(self.rows(8), 1.0), 4)
        self.assertEqual(baseline.block_rows(self.rows(8, step=0.5), 1.0), 2)
        self.assertEqual(baseline.block_rows(self.rows(8, step=2.0), 1.0), 1)

    def test_partial_block_dropped(self):
        tput, _ = baseline.steady_blocks(self.rows(10), 1.0)
        self.assertEqual(len(tput), 2)

    def test_p99_is_the_blocks_largest_answered_interval(self):
        tput, p99 = baseline.steady_blocks(self.rows(4, p99=lambda i: [0.0, 101000.0, 104000.0, 0.0][i]), 1.0)
        self.assertEqual(p99, [104.0])
        _, p99 = baseline.steady_blocks(self.rows(4, rps=lambda i: 0.0, p99=lambda i: 0.0), 1.0)
        self.assertEqual(p99, [])  # no response: no p99 sample (the throughput sample is 0)

    def test_judge_rules(self):
        many_a, many_b = [100.0 + i * 0.1 for i in range(8)], [70.0 + i * 0.1 for i in range(8)]
        self.assertEqual(baseline.judge(many_a, many_b, True, 0.05, 0.01)[0], FAIL)       # worse, significant
        self.assertEqual(baseline.judge(many_b, many_a, True, 0.05, 0.01)[0], PASS)       # better, significant
        self.assertEqual(baseline.judge(many_a, many_a, True, 0.05, 0.01)[0], PASS)       # no effect
        self.assertEqual(baseline.judge([100, 101], [70, 71], True, 0.05, 0.01)[0], INCONCLUSIVE)
        self.assertEqual(baseline.judge([70, 71], [100, 101], True, 0.05, 0.01)[0], INCONCLUSIVE)  # too few
        self.assertEqual(baseline.judge([], [1.0], True, 0.05, 0.01)[0], INCONCLUSIVE)
        # below the threshold: PASS even when significant
        small = [97.0 + i * 0.1 for i in range(8)]
        verdict, worse, p = baseline.judge(many_a, small, True, 0.05, 0.01)
        self.assertLess(p, 0.01)
        self.assertEqual(verdict, PASS)
        # p99: higher is worse
        self.assertEqual(baseline.judge(many_b, many_a, False, 0.10, 0.01)[0], FAIL)


class CiOutputs(unittest.TestCase):
    """--junit and --github-benchmark-bigger/-smaller, parsed back."""

    def run_outputs(self, current, base):
        d = tempfile.TemporaryDirectory()
        self.addCleanup(d.cleanup)
        files = {k: Path(d.name) / f"{k}.out" for k in ("junit", "bigger", "smaller")}
        rc, out, err = compare(current, base, "--junit", files["junit"], "--github-benchmark-bigger",
                               files["bigger"], "--github-benchmark-smaller", files["smaller"])
        return rc, out, files

    def test_junit(self):
        rc, out, files = self.run_outputs(BASE / "p99_double", BASE / "base")
        self.assertEqual(rc, 1)
        root = ET.parse(files["junit"]).getroot()
        suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
        self.assertEqual([s.get("name") for s in suites], ["regression-gate"])
        suite = suites[0]
        cases = suite.findall("testcase")
        table_rows = len(out.split("\n\n")[0].splitlines()) - 2
        self.assertEqual(len(cases), table_rows)
        self.assertEqual(suite.get("tests"), str(len(cases)))
        self.assertEqual((suite.get("failures"), suite.get("errors")), ("2", "0"))
        failed = [(c.get("classname"), c.get("name")) for c in cases if c.find("failure") is not None]
        self.assertEqual(sorted(failed), [("02-sync-fixed-n10-c10", "p99 vs baseline"),
                                          ("05-async-k1-c10", "p99 vs baseline")])
        f = next(c for c in cases if c.find("failure") is not None).find("failure")
        self.assertIn("measured", f.get("message"))
        self.assertIn("+10", f.get("message"))  # +100.x%
        for c in cases:
            self.assertIsNotNone(c.find("system-out"))

    def test_junit_inconclusive_is_an_error(self):
        rc, _, files = self.run_outputs(BASE / "few_cur", BASE / "few_base")
        self.assertEqual(rc, 2)
        suite = ET.parse(files["junit"]).getroot().find("testsuite")
        errors = [c for c in suite.findall("testcase") if c.find("error") is not None]
        self.assertEqual(len(errors), 4)
        self.assertEqual(suite.get("errors"), "4")
        self.assertIsNone(suite.find("testcase/skipped"))  # inconclusive is never shown as benign

    def test_junit_info_passes_with_system_out(self):
        xml = junit_xml([Check("01-cmd-x-c1", "efficiency (elastic)", "(no rule)", "0.5", INFO),
                         Check("01-cmd-x-c1", "errors", "<= 0", "0", PASS)])
        suite = ET.fromstring(xml).find("testsuite")
        info = suite.find("testcase")
        self.assertEqual((info.get("classname"), info.get("name")), ("01-cmd-x-c1", "efficiency (elastic)"))
        self.assertEqual([e.tag for e in info], ["system-out"])
        self.assertIn("INFO", info.find("system-out").text)
        self.assertEqual((suite.get("failures"), suite.get("errors"), suite.get("tests")), ("0", "0", "2"))

    def check_benchmark(self, path, unit, suffix):
        entries = json.loads(Path(path).read_text())
        self.assertIsInstance(entries, list)
        self.assertEqual([e["name"] for e in entries], [f"02-sync-fixed-n10-c10 {suffix}", f"05-async-k1-c10 {suffix}"])
        for e in entries:
            self.assertLessEqual(set(e), {"name", "unit", "value", "range", "extra"})  # the documented keys
            self.assertEqual(e["unit"], unit)
            self.assertIsInstance(e["value"], (int, float))
            self.assertIsInstance(e.get("extra", ""), str)
        return entries

    def test_github_action_benchmark_json(self):
        rc, _, files = self.run_outputs(BASE / "aa", BASE / "base")
        self.assertEqual(rc, 0)
        bigger = self.check_benchmark(files["bigger"], "req/s", "throughput")
        smaller = self.check_benchmark(files["smaller"], "ms", "p99")
        summary = {r["point"]: r for r in csv.DictReader((BASE / "aa" / "summary.csv").read_text().splitlines())}
        self.assertAlmostEqual(bigger[0]["value"], float(summary["02-sync-fixed-n10-c10"]["throughput_rps"]), 3)
        self.assertAlmostEqual(smaller[1]["value"], float(summary["05-async-k1-c10"]["p99_ms"]), 3)
        self.assertNotIn("range", bigger[0])  # one repetition: no spread to report

    def test_outputs_without_baseline(self):
        with tempfile.TemporaryDirectory() as d:
            rc, _, _ = run_gate("--from-csv", FIXTURES / "summary_pass.csv", "--junit", Path(d) / "j.xml",
                                "--github-benchmark-bigger", Path(d) / "b.json")
            self.assertEqual(rc, 0)
            names = [e["name"] for e in json.loads((Path(d) / "b.json").read_text())]
            self.assertIn("07-async-k1-c400 throughput", names)
            self.assertFalse(any("sync-over-async" in n for n in names))  # the deadlock demo has no throughput
            self.assertEqual(ET.parse(Path(d) / "j.xml").getroot().find("testsuite").get("failures"), "0")


class ReadmeCiSection(unittest.TestCase):
    """scripts/README.md's "Use the gate in CI" links the workflow this repository runs instead of a copy that
    drifts."""

    def test_links_the_real_workflow(self):
        readme = (REPO / "scripts" / "README.md").read_text()
        section = readme.split("### Use the gate in CI\n", 1)[1].split("\n### ", 1)[0]
        workflow = (REPO / ".github" / "workflows" / "perf.yml").read_text()
        self.assertIn("](../.github/workflows/perf.yml)", section)
        self.assertNotIn("```yaml", section)
        for flag in ("--junit", "--github-benchmark-", "--plant-regression", "--expect fail", "--plant-allocation"):
            self.assertIn(flag, workflow)
        self.assertIn("perf-gate-results", workflow)
        self.assertIn("perf-gate-results", section)


class TargetFlags(unittest.TestCase):
    """--target-cmd's flag errors: one line, exit 2, before anything runs."""

    def err(self, *argv):
        rc, out, err = run_gate("--build-dir", "/nonexistent", *argv)
        self.assertEqual(rc, 2, out + err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        return err

    def test_no_port_placeholder(self):
        self.assertIn("{port}", self.err("--target-cmd", "/bin/myserver --delay {latency_ms}", "--bound-model", "async"))

    def test_unknown_placeholder(self):
        self.assertIn("{nope}", self.err("--target-cmd", "/bin/s --port {port} {nope}", "--bound-model", "async"))

    def test_bound_model_required(self):
        self.assertIn("--bound-model", self.err("--target-cmd", "/bin/s --port {port}"))

    def test_bad_bound_model(self):
        self.err("--target-cmd", "/bin/s --port {port}", "--bound-model", "deadlock")

    def test_sync_needs_threads(self):
        self.assertIn("--target-threads", self.err("--target-cmd", "/bin/s --port {port}", "--bound-model", "sync"))

    def test_bound_model_without_target(self):
        self.err("--bound-model", "async")

    def test_not_with_planted_or_from_csv(self):
        self.err("--target-cmd", "/bin/s --port {port}", "--bound-model", "async", "--plant-regression")
        self.err("--target-cmd", "/bin/s --port {port}", "--bound-model", "async", "--from-csv",
                 FIXTURES / "summary_pass.csv")

    def test_repetitions(self):
        self.err("--repetitions", "0")
        self.err("--repetitions", "2", "--from-csv", FIXTURES / "summary_pass.csv")


class LiveOnFakes(FakeBuildCase):
    """The whole gate (sweep + checks) on the Python stand-ins: A/A passes, planted regression fails."""

    def test_aa_passes(self):
        rc, out, err = run_gate("--build-dir", self.build, "--results-dir", Path(self.tmp.name) / "res",
                                "--run-id", "aa")
        self.assertEqual(rc, 0, out + err)
        self.assertTrue((Path(self.tmp.name) / "res" / "aa" / "regression.txt").is_file())

    def test_planted_fails(self):
        rc, out, err = run_gate("--build-dir", self.build, "--results-dir", Path(self.tmp.name) / "res",
                                "--run-id", "planted", "--plant-regression", "--expect", "fail")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("planted", out)
        # Without a baseline only the planted series run (the rest would repeat the A/A run), at C > K (C = 10
        # and 100 of the quick grid's 1, 10, 100: at C = 1 one blocked thread serves as fast as awaiting).
        rows = (Path(self.tmp.name) / "res" / "planted" / "summary.csv").read_text().splitlines()[1:]
        self.assertEqual(len(rows), 2, rows)
        self.assertTrue(all("blocking-store" in r for r in rows), rows)

    def test_missing_binaries_inconclusive(self):
        rc, out, err = run_gate("--build-dir", Path(self.tmp.name) / "nothing", "--results-dir",
                                Path(self.tmp.name) / "res")
        self.assertEqual(rc, 2, out + err)
        self.assertIn("missing binaries", err)

    def test_baseline_aa_and_planted(self):
        """A baseline of two repetitions; A/A against it passes; the planted regression fails against it too (its
        planted points are compared with the baseline's unplanted ones)."""
        res = Path(self.tmp.name) / "res"
        common = ("--build-dir", self.build, "--results-dir", res)
        rc, out, err = run_gate(*common, "--run-id", "base", "--repetitions", "2")
        self.assertEqual(rc, 0, out + err)
        self.assertTrue((res / "base" / "summary.csv").is_file())
        self.assertTrue((res / "base" / "rep-2" / "summary.csv").is_file())
        self.assertRegex(out, r"rep-2 +Little's-law checks +all pass")
        rc, out, err = run_gate(*common, "--run-id", "aa-vs-base", "--baseline", res / "base")
        self.assertEqual(rc, 0, out + err)
        v = baseline_lines(out)
        self.assertEqual(len(v), 12, out)  # 6 points (not the deadlock demo) x throughput, p99
        self.assertEqual(set(v.values()), {PASS}, out)
        self.assertIn("n=12/6", out)  # 2 repetitions x 6 one-second blocks / 6
        rc, out, err = run_gate(*common, "--run-id", "planted-vs-base", "--baseline", res / "base",
                                "--plant-regression", "--expect", "fail")
        self.assertEqual(rc, 0, out + err)
        v = baseline_lines(out)
        planted = "05-async-k1-antipattern-blocking-store-c10"
        self.assertEqual(v[(planted, "throughput vs baseline")], FAIL, out)
        self.assertEqual(v[(planted, "p99 vs baseline")], FAIL, out)
        self.assertIn("[baseline point 05-async-k1-c10]", out)
        self.assertEqual(v[("02-sync-fixed-n10-c10", "throughput vs baseline")], PASS, out)
        saved = json.loads((res / "planted-vs-base" / "regression.json").read_text())
        self.assertEqual((saved["verdict"], saved["baseline"]), (FAIL, str(res / "base")))

    def test_baseline_is_not_its_own_run(self):
        res = Path(self.tmp.name) / "res"
        (res / "same").mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURES / "summary_pass.csv", res / "same" / "summary.csv")
        rc, _, err = run_gate("--build-dir", self.build, "--results-dir", res, "--run-id", "same",
                              "--baseline", res / "same")
        self.assertEqual(rc, 2, err)
        self.assertIn("own directory", err)

    def test_target_cmd(self):
        """The user's server as a command series, at the quick grid's concurrency levels; no deadlock demo."""
        res = Path(self.tmp.name) / "res"
        stale = res / "target" / "rep-2"  # left by an earlier run under this run id: removed, never pooled
        stale.mkdir(parents=True)
        shutil.copy(FIXTURES / "summary_pass.csv", stale / "summary.csv")
        cmd = f"{PY} {HERE / 'fake_server.py'} sync --port {{port}} --store-latency-ms {{latency_ms}} " \
              "--threads {threads}"
        rc, out, err = run_gate("--build-dir", self.build, "--results-dir", res, "--run-id", "target",
                                "--target-cmd", cmd, "--bound-model", "sync", "--target-threads", "10",
                                "--junit", res / "target.xml")
        self.assertEqual(rc, 0, out + err)
        rows = list(csv.DictReader((res / "target" / "summary.csv").read_text().splitlines()))
        self.assertEqual([r["point"] for r in rows], ["01-cmd-target-c1", "02-cmd-target-c10", "03-cmd-target-c40",
                                                      "04-cmd-target-c100"])
        self.assertEqual({(r["server"], r["bound_model"], r["threads"], r["latency_ms"]) for r in rows},
                         {("command", "sync", "10", "100")})
        self.assertNotIn("deadlock", out)
        self.assertRegex((res / "target" / "logs" / "01-cmd-target-c1.cmd.txt").read_text(),
                         r"fake_server.py sync --port 0 --store-latency-ms 100 --threads 10\n")
        self.assertRegex(out, r"04-cmd-target-c100 +efficiency \(sync\) .*PASS")
        self.assertEqual(ET.parse(res / "target.xml").getroot().find("testsuite").get("failures"), "0")
        self.assertFalse(stale.exists())
        self.assertNotIn("rep-2", out)

    def test_server_crash_fails(self):
        with EnvPatch(FAKE_SERVER_CRASH="1"):
            rc, out, err = run_gate("--build-dir", self.build, "--results-dir", Path(self.tmp.name) / "res",
                                    "--run-id", "crash", "--grid", REPO / "tests/suite/fixtures/grid_tiny.json")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("crash", out)


if __name__ == "__main__":
    unittest.main()
