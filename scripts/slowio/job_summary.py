"""A short markdown summary of a sweep run for a CI job's summary page (GitHub's $GITHUB_STEP_SUMMARY).

From the same data as report.md and index.html: the claims with their verdicts (slowio.claims.evaluate), the
worst cell of the pool-size axis, then the key numbers (slowio.report.table) folded in a <details> block, which
GitHub's summary page renders. Standard library only.
"""

from __future__ import annotations

from pathlib import Path

from . import claims as claims_
from . import report as report_
from .fmt import f
from .rows import read_summary, text


def _cell(s: str) -> str:
    """Text safe in a markdown table cell."""
    return s.replace("|", "/").replace("\n", " ")


def claims_table(claims: list[claims_.Claim]) -> list[str]:
    """The claims as a three-column markdown table: number, claim, verdict (bold)."""
    lines = ["| # | claim | verdict |", "|---|---|---|"]
    lines += [f"| {c.number} | {_cell(c.statement)} | **{_cell(c.verdict)}** |" for c in claims]
    return lines


def generate(run_dir: Path) -> str:
    """The summary's markdown for RUN_DIR. Raises InputError when summary.csv is unreadable."""
    rows = read_summary(run_dir / "summary.csv")
    machine = report_.read_machine(run_dir)
    run_id = text(rows[0], "run_id") if rows else run_dir.name
    facts = dict(report_.machine_facts(machine)) if machine else {}  # no machine.json: no '?' placeholders
    where = ", ".join(v for k, v in facts.items() if k in ("machine", "git commit"))
    wall = machine.get("sweep_wall_s")
    md = [f"## slowio run `{run_id}`", "",
          f"{len(rows)} points" + (f", sweep wall time {f(wall, 0)} s" if wall else "") + (f"; {where}" if where
                                                                                           else ""), "",
          "### Claims", ""]
    md += claims_table(claims_.evaluate(rows)) + [""]
    worst = claims_.worst_cell_line(rows)
    if worst:
        md += [worst, ""]
    md += [f"<details><summary>Key numbers ({len(rows)} points)</summary>", "", report_.table(rows), "",
           "</details>", "",
           f"Full report: `{run_dir.name}/report.md`; the page with every plot: `{run_dir.name}/index.html`.", ""]
    return "\n".join(md)


def write(run_dir: Path, dest: str) -> None:
    """Appends the summary to the file ``dest`` (created when missing: GitHub's $GITHUB_STEP_SUMMARY is appended
    to, one step's several runs in turn), or prints it when ``dest`` is '-'."""
    md = generate(run_dir)
    if dest == "-":
        print(md, end="")
        return
    with open(dest, "a", encoding="utf-8") as fh:
        fh.write(md)
