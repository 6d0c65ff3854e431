"""index.html (slowio.page) and --summary-md (slowio.job_summary), written by plot.py from the committed fixture run
(fixtures/run_claims/summary.csv, make_claims_fixture.py): self-contained (no external reference, no script, the
SVGs inlined), the claims table first with every verdict, each claim linked to its plots and points, every in-page
link resolving. Then, where Debian's chromium is installed, the page opened headless: a screenshot that is not
blank, no console message, the claims table in the rendered DOM; skipped by name where chromium is missing."""
import contextlib
import html
import io
import re
import shutil
import subprocess
import tempfile
import unittest
from html.parser import HTMLParser
from pathlib import Path

from fakes import FIXTURES

from slowio import claims as claims_  # noqa: E402
from slowio.rows import read_summary  # noqa: E402

CHROMIUM = shutil.which("chromium")
EXTERNAL = re.compile(r"^\s*(https?:)?//", re.I)
URL_ATTRS = ("src", "href", "xlink:href", "data", "action", "poster", "srcset")


class Page(HTMLParser):
    """What the checks need from the page: tags in order, ids, in-page links, external references, scripts."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.ids: list[str] = []
        self.links: list[str] = []
        self.external: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        self.tags.append((tag, a))
        if "id" in a:
            self.ids.append(a["id"])
        for k in URL_ATTRS:
            if k in a and EXTERNAL.match(a[k]):
                self.external.append(f"<{tag} {k}={a[k]!r}>")
        if tag in ("script", "link", "iframe", "object", "embed", "base"):
            self.external.append(f"<{tag}> (nothing may be loaded or run)")
        for k in ("href", "xlink:href"):
            if a.get(k, "").startswith("#") and tag == "a":
                self.links.append(a[k][1:])

    handle_startendtag = handle_starttag


RUN: dict = {}  # the one plot.py run both classes read (setUpModule)


def setUpModule():
    """plot.py --formats svg --summary-md on a copy of the claims fixture, once for the module (the page inlines the
    SVGs; the PNGs would only double the plotting time)."""
    import plot

    RUN["tmp"] = tempfile.TemporaryDirectory()
    tmp = Path(RUN["tmp"].name)
    run_dir = tmp / "run_claims"
    run_dir.mkdir()
    shutil.copy(FIXTURES / "run_claims" / "summary.csv", run_dir / "summary.csv")
    summary = tmp / "step_summary.md"
    with contextlib.redirect_stderr(io.StringIO()):
        RUN["rc"] = plot.main([str(run_dir), "--formats", "svg", "--summary-md", str(summary)])
    RUN["dir"] = run_dir
    RUN["summary"] = summary.read_text() if summary.exists() else ""


def tearDownModule():
    RUN["tmp"].cleanup()


class PageFromFixture(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.run_dir, cls.rc, cls.summary = RUN["dir"], RUN["rc"], RUN["summary"]
        cls.html = (cls.run_dir / "index.html").read_text(encoding="utf-8")
        cls.page = Page(cls.html)
        cls.claims = claims_.evaluate(read_summary(cls.run_dir / "summary.csv"))

    def test_written(self):
        self.assertEqual(self.rc, 0)
        self.assertTrue(self.html.startswith("<!DOCTYPE html>"))
        self.assertIn('<meta charset="utf-8">', self.html)

    def test_self_contained(self):
        self.assertEqual(self.page.external, [])
        self.assertNotRegex(self.html, r"(?i)url\(\s*['\"]?(https?:)?//|@import")
        for tag, a in self.page.tags:  # images: inlined data, never a file beside the page
            if tag in ("img", "image"):
                self.assertTrue((a.get("src") or a.get("xlink:href") or a.get("href", "")).startswith("data:"), a)

    def test_svgs_inlined(self):
        svg_files = sorted(self.run_dir.glob("*.svg"))
        self.assertGreaterEqual(len(svg_files), 6)
        roots = [a for tag, a in self.page.tags if tag == "svg"]
        self.assertEqual(len(roots), len(svg_files))
        for p in svg_files:
            self.assertIn(f'<figure id="plot-{p.stem}">', self.html)
        self.assertIn("log-log slope 1.00", self.html)  # throughput.svg's text, in the page
        self.assertNotIn("<?xml", self.html)

    def test_claims_table_first(self):
        tables = [a.get("id") for tag, a in self.page.tags if tag == "table"]
        self.assertEqual(tables[0], "claims-table")
        first_svg = next(i for i, (tag, _) in enumerate(self.page.tags) if tag == "svg")
        table = next(i for i, (tag, a) in enumerate(self.page.tags) if a.get("id") == "claims-table")
        self.assertLess(table, first_svg)
        self.assertLess(self.html.index('id="claims-table"'), self.html.index('id="key-numbers"'))
        self.assertEqual(len(self.claims), 15)
        kinds = set()
        for c in self.claims:
            row = self.html.split(f'<tr id="claim-{c.number}">', 1)[1].split("</tr>", 1)[0]
            cell = re.search(r'<td class="verdict [a-z]+">(.*?)</td>', row)
            self.assertIsNotNone(cell, f"claim {c.number} has no verdict cell")
            self.assertEqual(html.unescape(re.sub(r"<[^>]+>", "", cell.group(1))), c.verdict.replace("`", ""))
            kinds.add(c.kind)
        self.assertGreater(len(kinds), 1)  # the fixture has verdicts of several kinds, each coloured by its own

    def test_claims_link_plots_and_points(self):
        for c in self.claims:
            row = self.html.split(f'<tr id="claim-{c.number}">', 1)[1].split("</tr>", 1)[0]
            for p in c.points:
                self.assertIn(f'href="#point-{p}"', row)
        row2 = self.html.split('<tr id="claim-2">', 1)[1].split("</tr>", 1)[0]
        self.assertIn('href="#plot-throughput"', row2)
        self.assertTrue(any(c.points for c in self.claims))

    def test_anchors_resolve(self):
        dupes = {i for i in self.page.ids if self.page.ids.count(i) > 1}
        self.assertEqual(dupes, set(), "ids must be unique (the inlined SVGs' ids are prefixed)")
        missing = sorted(set(self.page.links) - set(self.page.ids))
        self.assertEqual(missing, [])
        self.assertGreater(len(self.page.links), 20)

    def test_key_numbers_every_point(self):
        rows = read_summary(self.run_dir / "summary.csv")
        for r in rows:
            self.assertIn(f'<tr id="point-{r["point"]}">', self.html)

    def test_summary_md(self):
        self.assertIn("### Claims", self.summary)
        for c in self.claims:
            self.assertIn(f"| {c.number} | ", self.summary)
            self.assertIn(f"**{c.verdict.replace('|', '/')}**", self.summary)
        self.assertIn("Key numbers", self.summary)
        self.assertNotRegex(self.summary, r"\bnan\b|\bNone\b")
        self.assertLess(len(self.summary), 64 * 1024)  # a job summary page, not the report


def start_chromium(args: list[str], profile: Path) -> subprocess.Popen:
    """chromium headless with its own profile and the network mapped to nowhere, started (not waited for)."""
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
           "--host-resolver-rules=MAP * ~NOTFOUND", "--enable-logging=stderr", "--v=0", *args]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen) -> subprocess.CompletedProcess:
    """Waits for a started chromium, at most 60 s (then kills it and fails)."""
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def console_lines(stderr: str) -> list[str]:
    """The page's console messages (any level: the page runs no script) and uncaught errors in Chromium's log."""
    return [ln for ln in stderr.splitlines() if ":CONSOLE" in ln or "Uncaught" in ln]


@unittest.skipUnless(CHROMIUM, "chromium not found (scripts/setup.sh installs it)")
class PageInChromium(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        tmp = Path(cls.tmp.name)
        url = (RUN["dir"] / "index.html").as_uri()
        cls.png = tmp / "index.png"
        # the two in parallel, each with its own profile: about 3 s each on this machine
        shot = start_chromium([f"--screenshot={cls.png}", "--window-size=1280,2000", url], tmp / "profile-shot")
        dom = start_chromium(["--dump-dom", url], tmp / "profile-dom")
        cls.shot, cls.dom = finish(shot), finish(dom)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_screenshot(self):
        self.assertEqual(self.shot.returncode, 0, self.shot.stderr[-2000:])
        data = self.png.read_bytes()
        self.assertEqual(data[:8], b"\x89PNG\r\n\x1a\n")
        self.assertEqual((int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")), (1280, 2000))
        import matplotlib.pyplot as plt

        img = plt.imread(str(self.png))[..., :3]
        ink = (img.mean(axis=2) < 0.5).mean()  # the share of dark pixels: text and table rules
        self.assertGreater(ink, 0.01, "the screenshot is (nearly) blank")
        self.assertGreater(len(set(map(tuple, img.reshape(-1, 3)[::97].round(2).tolist()))), 8,
                           "the screenshot has almost no colours (no verdict cells, no plot)")

    def test_no_console_error(self):
        self.assertEqual(console_lines(self.shot.stderr), [])
        self.assertEqual(console_lines(self.dom.stderr), [])

    def test_claims_table_rendered(self):
        self.assertEqual(self.dom.returncode, 0, self.dom.stderr[-2000:])
        dom = self.dom.stdout
        self.assertIn('<table id="claims-table">', dom)
        for n in range(1, 11):
            self.assertIn(f'<tr id="claim-{n}">', dom)
        self.assertLess(dom.index('id="claims-table"'), dom.index("<svg"))


if __name__ == "__main__":
    unittest.main()
