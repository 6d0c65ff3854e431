"""index.html of a sweep run: one self-contained page to open, from the same data as report.md.

The claims table comes first (slowio.claims.evaluate: the same Claim objects report.md prints), each claim
linked to the plots that show it and to the key-number rows of the points that decide it; then the key numbers
(slowio.report.TABLE, one row per point, each linked to its timeline when it has one) and every plot the run has
(slowio.plots writes each as PNG and SVG). The SVGs are inlined, their ids prefixed so that the plots' glyph and
clip-path ids cannot collide; a plot drawn only as PNG is inlined as a data: URI. No script, no external style,
nothing fetched: the page opens from a file with the network off. All text is escaped (html.escape); the
markdown that claims.py and report.py write (**bold**, `code`) is rendered after escaping. Standard library only.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

from . import claims as claims_
from . import report as report_
from .fmt import f
from .rows import Row, read_summary, text, val

PAGE = "index.html"

# The plots that show each claim (by claim number; the stem of a plot file in RUN_DIR). Only those the run has
# are linked; the points of each claim (Claim.points) are linked to their key-number rows beside them.
CLAIM_PLOTS = {1: ("latency",), 2: ("throughput",), 3: ("latency", "starvation"), 4: ("throughput", "latency"),
               5: ("starvation", "dotnet_vs_model"), 6: ("cpu_work",), 7: ("cpu_work",),
               8: ("dotnet_vs_model", "starvation"), 9: ("burst",), 10: ("burst",)}

VERDICT_CLASS = {claims_.HOLDS: "holds", claims_.DOES_NOT_HOLD: "no", claims_.HOLDS_ONLY: "only",
                 claims_.NOT_MEASURED: "unmeasured"}

STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0 auto;
 max-width:1500px;padding:0 1.2em 3em;color:#1b1b1b;background:#fff}
h1{font-size:1.5em;margin:.8em 0 .2em}h2{margin-top:1.6em;border-bottom:1px solid #ccc}
nav a{margin-right:1em}.facts{color:#444;font-size:.9em}
table{border-collapse:collapse;font-size:.88em}#claims-table{width:100%;table-layout:fixed}
th,td{border:1px solid #ccc;padding:.3em .45em;vertical-align:top}
th{background:#f2f2f2;text-align:left;position:sticky;top:0}
#claims-table td.num{text-align:right;font-weight:bold}
.verdict{font-weight:bold}.holds{background:#e3f4e3}.no{background:#fbe3e1}.only{background:#fff3cd}
.unmeasured{background:#eee;color:#555}span.verdict{padding:0 .35em}
td.rule{color:#555;font-size:.9em;max-width:22em}ul.figs{margin:0;padding-left:1.1em}
.links a{display:inline-block;margin:0 .4em .1em 0}
.wide{overflow-x:auto}#key-numbers td{white-space:nowrap}
tr:target{outline:3px solid #f0a000}figure:target{outline:3px solid #f0a000}
figure{margin:1.2em 0}figure svg,figure img{max-width:100%;height:auto;display:block}
code{background:#f4f4f4;padding:0 .2em;border-radius:3px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:0 1.2em}
.grid figcaption{font-size:.9em}
"""


def anchor(kind: str, name: str) -> str:
    """An element id: kind-name, everything but letters, digits, '.', '_' and '-' replaced by '-'."""
    return f"{kind}-" + re.sub(r"[^A-Za-z0-9_.-]", "-", name)


def inline_md(s: str) -> str:
    """Escaped text with the inline markdown report.md uses rendered: **bold**, `code`, <br>."""
    out = html.escape(s, quote=True)
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    return out.replace("&lt;br&gt;", "<br>")


def inline_svg(path: Path, prefix: str, title: str) -> str:
    """An SVG file as an inline <svg> element: no XML prolog, DOCTYPE or metadata; every id, and every
    reference to one (href="#…", url(#…)), prefixed with ``prefix``; its style scoped to it."""
    s = path.read_text(encoding="utf-8")
    s = s[s.index("<svg"):]
    s = re.sub(r"<metadata>.*?</metadata>\s*", "", s, flags=re.S)
    s = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', s)
    s = re.sub(r'((?:xlink:)?href)="#([^"]+)"', lambda m: f'{m.group(1)}="#{prefix}-{m.group(2)}"', s)
    s = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}-{m.group(1)})", s)
    s = s.replace("<style type=\"text/css\">*{", f"<style type=\"text/css\">#{prefix} *{{", 1)
    label = html.escape(title, quote=True)
    return s.replace("<svg", f'<svg id="{prefix}" role="img" aria-label="{label}"', 1)


def plot_html(run_dir: Path, stem: str, title: str) -> str | None:
    """A plot as inline markup: its SVG, else its PNG as a data: URI; None when the run has neither."""
    svg, png = run_dir / f"{stem}.svg", run_dir / f"{stem}.png"
    if svg.is_file():
        return inline_svg(svg, anchor("svg", stem), title)
    if png.is_file():
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        return f'<img alt="{html.escape(title, quote=True)}" src="data:image/png;base64,{data}">'
    return None


def plot_list(run_dir: Path) -> list[tuple[str, str]]:
    """(stem, title) of every plot the run has, in report.md's order: the Plots section's, the burst, .NET's
    pool vs our model; the per-point timelines are listed apart (timelines)."""
    named = report_.PLOTS + [("Goodput through a burst", report_.BURST_PLOT),
                             (".NET's thread pool vs our model", report_.DOTNET_PLOT)]
    out = []
    for title, png in named:
        stem = png.removesuffix(".png")
        if (run_dir / f"{stem}.svg").is_file() or (run_dir / png).is_file():
            out.append((stem, title))
    return out


def timelines(run_dir: Path) -> dict[str, str]:
    """{point: stem} of the per-point timelines the run has (timeline/<point>.svg or .png)."""
    tl = run_dir / "timeline"
    if not tl.is_dir():
        return {}
    names = sorted({p.stem for p in tl.iterdir() if p.suffix in (".svg", ".png")})
    return {name: f"timeline/{name}" for name in names}


def point_name(point: str, r: Row | None) -> str:
    """A point's short name in the claims table: its number in the sweep ('#54'), with its request class when it
    has one ('#54 health'); the whole id when it does not start with a number."""
    num = point.split("-", 1)[0]
    if not num.isdigit():
        return point
    cls = text(r, "request_class") if r is not None else ""
    return f"#{num}" + (f" {cls}" if cls else "")


def claim_links(c: claims_.Claim, plots: set[str], rows_by_point: dict[str, Row]) -> str:
    """The links of one claim: the plots that show it (those the run has), then its points' key-number rows
    (short names; the whole id and the series in the link's title)."""
    parts = [f'<a href="#{anchor("plot", stem)}">{html.escape(stem)} plot</a>'
             for stem in CLAIM_PLOTS.get(c.number, ()) if stem in plots]
    points = []
    for p in c.points:
        r = rows_by_point.get(p)
        tip = p + (f": {text(r, 'label')}, C = {f(val(r, 'concurrency'), 0)}" if r is not None else "")
        points.append(f'<a href="#{anchor("point", p)}" title="{html.escape(tip, quote=True)}">'
                      f"<code>{html.escape(point_name(p, r))}</code></a>")
    if points:
        parts.append("<br>points: " + " ".join(points))
    return " ".join(parts) or "-"


def claims_table(claims: list[claims_.Claim], plots: set[str], rows_by_point: dict[str, Row]) -> str:
    """The claims as an HTML table: number, claim, verdict (coloured by kind), measured figures, the plots and
    points that decide it, the rule."""
    out = ['<table id="claims-table"><colgroup><col style="width:2%"><col style="width:12%">'
           '<col style="width:18%"><col style="width:31%"><col style="width:21%"><col style="width:16%">'
           "</colgroup><thead><tr><th>#</th><th>claim (folklore)</th><th>verdict</th>"
           "<th>measured</th><th>decided by (plots, points)</th><th>rule</th></tr></thead><tbody>"]
    for c in claims:
        figs = "".join(f"<li>{inline_md(x)}</li>" for x in c.figures)
        figs = f'<ul class="figs">{figs}</ul>' if figs else "-"
        out.append(f'<tr id="{anchor("claim", str(c.number))}"><td class="num">{c.number}</td>'
                   f"<td>{inline_md(c.statement)}</td>"
                   f'<td class="verdict {VERDICT_CLASS.get(c.kind, "")}">{inline_md(c.verdict)}</td>'
                   f"<td>{figs}</td>"
                   f'<td class="links">{claim_links(c, plots, rows_by_point)}</td>'
                   f'<td class="rule">{inline_md(c.rule)}</td></tr>')
    out.append("</tbody></table>")
    return "\n".join(out)


def claims_section(rows: list[Row], claims: list[claims_.Claim], plots: set[str]) -> str:
    """The Claims section: the intro, the table, the worst cell of the pool-size axis (linked to the heatmap)."""
    by_point = {text(r, "point"): r for r in rows}
    legend = " ".join(f'<span class="verdict {cls}">{html.escape(kind)}</span>'
                      for kind, cls in VERDICT_CLASS.items())
    parts = ['<section id="claims"><h2>Claims</h2>', f"<p>{inline_md(claims_.INTRO)}</p>",
             f'<p class="facts">Verdicts, coloured by kind (not good or bad): {legend}</p>',
             claims_table(claims, plots, by_point)]
    worst = claims_.worst_cell_line(rows)
    if worst:
        cell = claims_.worst_cell(rows)
        links = [f'<a href="#{anchor("point", text(cell, "point"))}">its row</a>']
        if "heatmap" in plots:
            links.insert(0, f'<a href="#{anchor("plot", "heatmap")}">heatmap</a>')
        parts.append(f"<p>{inline_md(worst)} ({', '.join(links)})</p>")
    parts.append("</section>")
    return "\n".join(parts)


def key_numbers(rows: list[Row], tl: dict[str, str]) -> str:
    """The key-numbers table (report.TABLE's columns), one row per point with its id, its point linked to its
    timeline when the run has one."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h, _ in report_.TABLE)
    out = ['<section id="key-numbers"><h2>Key numbers</h2>',
           f"<p>One row per point ({len(rows)}), as in report.md (the claims table names a point by its number, "
           "#54 for 54-…); a point with a timeline links to it.</p>",
           f'<div class="wide"><table><thead><tr><th>point</th>{head}</tr></thead><tbody>']
    for r in rows:
        p = text(r, "point")
        name = html.escape(p)
        cell = f'<a href="#{anchor("plot", tl[p])}">{name}</a>' if p in tl else name
        cells = "".join(f"<td>{html.escape(str(fn(r)))}</td>" for _, fn in report_.TABLE)
        out.append(f'<tr id="{anchor("point", p)}"><td><code>{cell}</code></td>{cells}</tr>')
    out.append("</tbody></table></div></section>")
    return "\n".join(out)


def plots_section(run_dir: Path, claims: list[claims_.Claim], tl: dict[str, str],
                  rows_by_point: dict[str, Row]) -> str:
    """Every plot, inlined: each figure names the claims it shows (linked back); then the per-point timelines,
    two to a row, each named by its point's series, C and status (open, so that a link to one shows it)."""
    out = ['<section id="plots"><h2>Plots</h2>']
    for stem, title in plot_list(run_dir):
        back = [c.number for c in claims if stem in CLAIM_PLOTS.get(c.number, ())]
        see = (" — shows claim " + ", ".join(f'<a href="#{anchor("claim", str(n))}">{n}</a>' for n in back)
               if back else "")
        out.append(f'<figure id="{anchor("plot", stem)}"><figcaption><h3>{html.escape(title)}{see}</h3>'
                   f"</figcaption>{plot_html(run_dir, stem, title)}</figure>")
    if tl:
        out.append(f'<h3>Per-point timelines ({len(tl)}): every overloaded or failed point</h3><div class="grid">')
    for point, stem in tl.items():
        body = plot_html(run_dir, stem, f"timeline {point}")
        r = rows_by_point.get(point)
        what = f" {text(r, 'label')}, C = {f(val(r, 'concurrency'), 0)}, {text(r, 'status')}" if r else ""
        out.append(f'<figure id="{anchor("plot", stem)}"><figcaption><code>{html.escape(point)}</code>'
                   f'{html.escape(what)} (<a href="#{anchor("point", point)}">its row</a>)</figcaption>{body}</figure>')
    out.append("</div></section>" if tl else "</section>")
    return "\n".join(out)


def header(rows: list[Row], machine: dict, run_dir: Path) -> str:
    """Title, the run's size and machine facts, and the page's table of contents."""
    run_id = text(rows[0], "run_id") if rows else run_dir.name
    wall = machine.get("sweep_wall_s")
    size = f"{len(rows)} points" + (f"; sweep wall time {f(wall, 0)} s" if wall else "")
    facts = " · ".join(f"<b>{html.escape(k)}</b> {html.escape(str(v))}"
                       for k, v in (report_.machine_facts(machine) if machine else []))  # none without machine.json
    return (f"<header><h1>Sync vs async under slow I/O — run <code>{html.escape(run_id)}</code></h1>"
            f'<p class="facts">{html.escape(size)}' + (f"<br>{facts}" if facts else "") + "</p>"
            '<nav><a href="#claims">Claims</a><a href="#key-numbers">Key numbers</a><a href="#plots">Plots</a>'
            "</nav></header>")


def generate(run_dir: Path) -> str:
    """The page's HTML for RUN_DIR (summary.csv, machine.json and the plots already written). Raises InputError
    when summary.csv is unreadable."""
    rows = read_summary(run_dir / "summary.csv")
    machine = report_.read_machine(run_dir)
    run_id = text(rows[0], "run_id") if rows else run_dir.name
    plots = {stem for stem, _ in plot_list(run_dir)}
    tl = timelines(run_dir)
    claims = claims_.evaluate(rows)
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>slowio run {html.escape(run_id)}</title><style>{STYLE}</style></head><body>",
        header(rows, machine, run_dir), "<main>", claims_section(rows, claims, plots), key_numbers(rows, tl),
        plots_section(run_dir, claims, tl, {text(r, "point"): r for r in rows}), "</main>",
        "<footer><p>Generated by <code>scripts/plot.py</code> from summary.csv, machine.json and the plots "
        "of this directory; report.md has the findings in prose.</p></footer></body></html>", ""])


def write(run_dir: Path) -> Path:
    """Writes RUN_DIR/index.html; returns its path."""
    path = run_dir / PAGE
    path.write_text(generate(run_dir), encoding="utf-8")
    return path
