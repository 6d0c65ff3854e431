"""slowio: the library under the suite's command lines (sweep.py, check_regression.py, plot.py, report.py,
merge_results.py, soak.py).

Modules:
  cli        repository paths, the one-line argparse parser, m:ss formatting
  grid       grid files: Series (one configuration) and Point (a series at one concurrency)
  bound      the Little's-law bound min(C, capacity) / L and the capacity models
  loadgen    loadgen's command line and the outputs it writes (JSON report, time series)
  prometheus reading a server's /metrics
  point      running one point: server, loadgen, SIGTERM, and its typed PointResult
  summary    summary.csv: the row of a point, building and writing it
  rows       reading summary.csv rows: the columns, read_summary and what every reader asks of a row
             (measured, which server, at which C, memory per request); imports nothing that runs processes
  machine    machine.json: what a number needs to be comparable
  run        the grid runner shared by the sweep and the regression gate
  gate       the regression gate's checks and verdicts
  pairs      .NET's thread pool vs our model: paired series, their thread and throughput targets
  report     report.md's findings and tables
  claims     report.md's first section: each folklore claim, its figures, its rule and the computed verdict
  fmt        numbers (and L) as the report writes them
  plots      the plots (matplotlib: imported only by plot.py)
  page       index.html: the claims table, the key numbers and every plot inlined, one self-contained page
  job_summary a short markdown summary for a CI job's page (--summary-md): claims, verdicts, key numbers
  nginx      the nginx cross-check's medians (crosscheck_nginx.py's rows, in report.md)
  stats      the Mann-Whitney U test (the gate's baseline comparison)
  baseline   the gate's comparison with a previous run: samples per point, pooling, verdicts
  hlog       HdrHistogram interval logs (loadgen --hlog): decode, merge, write, loadgen's percentile rule
  merge      several load hosts' loadgen JSON + hlog files merged into one result (merge_results.py)
  soak       the soak benchmark's traffic and checks (soak.py)
  burst      a burst point over time: goodput before, during and after the burst, and the recovery time

Standard library only, except ``plots``.
"""


class InputError(Exception):
    """A bad grid, flag or input file: reported as one line, exit 2."""


def read_json(path, what: str = ""):
    """Parses the JSON file at `path`; InputError with one line (naming `what` and the path) when it cannot."""
    import json
    from pathlib import Path
    label = f"{what} {path}" if what else str(path)
    try:
        return json.loads(Path(path).read_text())
    except OSError as e:
        raise InputError(f"cannot read {label}: {e.strerror}") from None
    except json.JSONDecodeError as e:
        raise InputError(f"{label}: invalid JSON at line {e.lineno}: {e.msg}") from None
