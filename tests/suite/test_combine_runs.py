"""combine_runs.py: rows taken by label from two runs, with their files, in the grid's order, run_id rewritten,
and where each came from in machine.json; a duplicate point, an empty take or a used directory is one line and
exit 2."""
import contextlib
import csv
import io
import json
import tempfile
import unittest
from pathlib import Path

import fakes  # noqa: F401  (puts scripts/ on sys.path)

import combine_runs  # noqa: E402
from slowio import report  # noqa: E402

HEADER = ["run_id", "point", "label", "concurrency", "repetition", "throughput_rps"]
GRID = {"name": "g", "series": [{"label": "dotnet L=2 s"}, {"label": "ours L=2 s"}]}


def make_run(root: Path, name: str, rows: list[tuple[str, str, int, int, float]], commit: str) -> Path:
    """A run directory: summary.csv, machine.json, and one log and one time series per point."""
    run = root / name
    for d in ("logs", "timeseries"):
        (run / d).mkdir(parents=True)
    with open(run / "summary.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for point, label, c, rep, rps in rows:
            w.writerow([name, point, label, c, rep, rps])
            (run / "logs" / f"{point}.cmd.txt").write_text(f"{label}\n")
            (run / "timeseries" / f"{point}.csv").write_text("t,rps\n")
    (run / "logs" / "99-other-point.cmd.txt").write_text("not taken\n")
    (run / "machine.json").write_text(json.dumps({"git_commit": commit, "date_utc": "2026-12-06",
                                                  "boot_id": f"boot-{commit}", "cpu_signature": "cpu family=25",
                                                  "speed": {"sha256_mb_s": 1800.0, "spawn_ms": 0.8}}))
    return run


class CombineRuns(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = Path(self.tmp.name)
        self.grid = self.root / "grid.json"
        self.grid.write_text(json.dumps(GRID))
        self.before = make_run(self.root, "before", [
            ("01-dotnet-c200-r1", "dotnet L=2 s", 200, 1, 0.0), ("02-dotnet-c20-r1", "dotnet L=2 s", 20, 1, 1.8),
            ("03-ours-c20-r1", "ours L=2 s", 20, 1, 1.1)], "aaa")
        self.after = make_run(self.root, "after", [("01-ours-c20-r1", "ours L=2 s", 20, 1, 1.7),
                                                   ("02-ours-c200-r1", "ours L=2 s", 200, 1, 0.0)], "bbb")

    def tearDown(self):
        self.tmp.cleanup()

    def run_main(self, *args: str) -> tuple[int, str]:
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = combine_runs.main(list(args))
        return code, err.getvalue()

    def test_takes_by_label_with_files_in_grid_order(self):
        out = self.root / "combined"
        code, err = self.run_main(str(out), "--grid", str(self.grid), "--take", f"{self.after}=ours",
                                  "--take", f"{self.before}=dotnet")
        self.assertEqual(code, 0, err)
        with open(out / "summary.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual([r["point"] for r in rows],
                         ["02-dotnet-c20-r1", "01-dotnet-c200-r1", "01-ours-c20-r1", "02-ours-c200-r1"])
        self.assertEqual({r["run_id"] for r in rows}, {"combined"})
        self.assertEqual(rows[2]["throughput_rps"], "1.7")  # ours from the new run, not the old 1.1
        self.assertEqual(sorted(p.name for p in (out / "logs").iterdir()),
                         sorted(f"{r['point']}.cmd.txt" for r in rows))
        self.assertTrue((out / "timeseries" / "01-dotnet-c200-r1.csv").is_file())
        machine = json.loads((out / "machine.json").read_text())
        self.assertEqual(machine["git_commit"], "bbb")
        self.assertEqual([(m["run"], m["label_contains"], m["rows"], m["git_commit"]) for m in machine["merged_from"]],
                         [("after", "ours", 2, "bbb"), ("before", "dotnet", 2, "aaa")])
        # which machine each take ran on, so the report can say the sides ran in two boots
        self.assertEqual([m["boot_id"] for m in machine["merged_from"]], ["boot-bbb", "boot-aaa"])
        judged = report.run_provenance(out)
        self.assertEqual(judged.kind, "several boots")
        self.assertIn("boot boot-bbb (after (ours): cpu family=25; SHA-256 1,800 MB/s, spawn 0.80 ms)", judged.text)
        self.assertEqual(json.loads((out / "grid.json").read_text()), GRID)

    def test_bad_input_is_one_line_and_exit_2(self):
        cases = {
            "duplicate": ("dup", [f"{self.before}", f"{self.before}=dotnet"], "is in two takes"),
            "empty take": ("empty", [f"{self.before}=nothing"], "no row of"),
            "missing run": ("missing", [f"{self.root / 'nope'}"], "no summary.csv"),
        }
        for name, (out, takes, message) in cases.items():
            with self.subTest(name):
                args = [str(self.root / out), "--grid", str(self.grid)]
                for t in takes:
                    args += ["--take", t]
                code, err = self.run_main(*args)
                self.assertEqual(code, 2)
                self.assertIn(message, err)
                self.assertEqual(len(err.strip().splitlines()), 1)
        code, err = self.run_main(str(self.before), "--grid", str(self.grid), "--take", str(self.after))
        self.assertEqual((code, "is not empty" in err), (2, True))


if __name__ == "__main__":
    unittest.main()
