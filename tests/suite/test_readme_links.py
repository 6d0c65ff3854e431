"""Every README is a map whose roads exist: each relative link and image in every README.md of the repository
points at a file or directory that exists, and each `#anchor` at a heading of its target (GitHub's slugs); the
root README stays a map (at most ROOT_MAX_LINES lines), the details living next to their code.

Scanned: every README.md under the repository and every report.md under results/ (the committed result folders'
reports link their plots and files), except build/, node_modules/, .git/ and the local run directories under
results/ (a name that starts with a digit: .gitignore keeps them out of the repository). Links with a scheme
(https:, mailto:) are not fetched. Standard library only; runs in about a second.
"""

from __future__ import annotations

import os
import re
import tempfile
import unittest
from pathlib import Path
from urllib.parse import unquote

REPO = Path(__file__).resolve().parents[2]
ROOT_MAX_LINES = 250

SKIP_DIRS = {".git", "build", "node_modules", "__pycache__"}
RUN_DIR = re.compile(r"^\d")  # results/20261205T204139Z, results/20261207-101500-quick: local, ignored by git

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
INLINE_LINK = re.compile(
    r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]"            # [text] or ![alt], one level of nested brackets
    r"\(\s*(<[^>\n]*>|[^()\s]+)"                  # (target  or  (<target>
    r"(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)")  # optional "title"
REFERENCE_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>\n]*>|\S+)", re.M)
HTML_ATTR = re.compile(r"<(?:a|img)\b[^>]*?\s(?:href|src)\s*=\s*[\"']([^\"']*)[\"']", re.I)
HTML_ANCHOR = re.compile(r"<[a-z]+\b[^>]*?\s(?:id|name)\s*=\s*[\"']([^\"']+)[\"']", re.I)
ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def readmes(root: Path) -> list[Path]:
    """Every README.md under root and every report.md under results/, outside the skipped directories and
    results/'s local run directories."""
    found = []
    for here, dirs, files in os.walk(root):
        rel = Path(here).relative_to(root)
        dirs[:] = sorted(d for d in dirs
                         if d not in SKIP_DIRS and not (rel == Path("results") and RUN_DIR.search(d)))
        found += [Path(here) / f for f in files
                  if f == "README.md" or (f == "report.md" and rel.parts[:1] == ("results",))]
    return sorted(found)


def blank_code(text: str) -> str:
    """The text with fenced code blocks and code spans blanked (newlines kept, so offsets keep their line)."""
    # a code span may be a link's text ([`core/`](core/README.md)): keep a word in its place
    return CODE_SPAN.sub(lambda m: "code" + "\n" * m.group(0).count("\n"), blank_code_fences_only(text))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's text: links and emphasis rendered as their text, lower case, every
    character but letters, digits, '_', '-' and spaces dropped, spaces turned into '-'."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # [text](url) -> text
    text = re.sub(r"<[^>]+>", "", text)                        # inline HTML tags
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The anchors a Markdown file defines: its headings' slugs (repeats get -1, -2, ... as on GitHub) and any
    HTML id= / name= attribute."""
    text = path.read_text(encoding="utf-8")
    plain = blank_code_fences_only(text)
    seen: dict[str, int] = {}
    out = set(HTML_ANCHOR.findall(plain))
    lines = plain.split("\n")
    for i, line in enumerate(lines):
        heading = None
        m = ATX_HEADING.match(line)
        if m:
            heading = m.group(2)
        elif (i > 0 and SETEXT_UNDERLINE.match(line) and lines[i - 1].strip()
              and not lines[i - 1].lstrip().startswith(("|", "-", "*", "#", ">"))):
            heading = lines[i - 1]
        if heading is None:
            continue
        s = slug(heading)
        n = seen.get(s, 0)
        seen[s] = n + 1
        out.add(s if n == 0 else f"{s}-{n}")
    return out


def blank_code_fences_only(text: str) -> str:
    """The text with fenced code blocks blanked (a '# comment' in a shell block is not a heading)."""
    lines, fence = [], None
    for line in text.split("\n"):
        m = FENCE.match(line)
        if fence is None and m:
            fence, line = m.group(1), ""
        elif fence is not None:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not line.strip(" `~"):
                fence = None
            line = ""
        lines.append(line)
    return "\n".join(lines)


def links(path: Path) -> list[tuple[int, str]]:
    """(line, target) of every link and image in a Markdown file: inline, reference definitions, HTML."""
    text = blank_code(path.read_text(encoding="utf-8"))
    found = []
    for rx in (INLINE_LINK, REFERENCE_DEF, HTML_ATTR):
        for m in rx.finditer(text):
            target = m.group(1).strip()
            if target.startswith("<") and target.endswith(">"):
                target = target[1:-1].strip()
            found.append((text.count("\n", 0, m.start()) + 1, target))
    return sorted(found)


def broken_links(root: Path) -> list[str]:
    """One line per link that does not resolve, as 'README:line: target: why'."""
    problems = []
    anchor_cache: dict[Path, set[str]] = {}
    root = root.resolve()
    for readme in readmes(root):
        where = readme.relative_to(root)
        for line, target in links(readme):
            if not target or SCHEME.match(target) or target.startswith("//"):
                continue
            path_part, _, anchor = target.partition("#")
            path_part = unquote(path_part.split("?", 1)[0])
            if path_part:
                base = root if path_part.startswith("/") else readme.parent
                dest = (base / path_part.lstrip("/")).resolve()
            else:
                dest = readme.resolve()
            if dest != root and root not in dest.parents:
                problems.append(f"{where}:{line}: {target}: outside the repository")
                continue
            if not dest.exists():
                problems.append(f"{where}:{line}: {target}: {dest.relative_to(root)} does not exist")
                continue
            if anchor and dest.is_file() and dest.suffix.lower() in (".md", ".markdown"):
                if dest not in anchor_cache:
                    anchor_cache[dest] = anchors(dest)
                if unquote(anchor) not in anchor_cache[dest]:
                    problems.append(f"{where}:{line}: {target}: no heading #{anchor} in {dest.relative_to(root)}")
    return problems


class ReadmeLinks(unittest.TestCase):
    def test_every_link_resolves(self):
        found = readmes(REPO)
        self.assertIn(REPO / "README.md", found)
        self.assertGreater(len(found), 5, found)
        problems = broken_links(REPO)
        self.assertEqual(problems, [], "broken links:\n" + "\n".join(problems))

    def test_root_readme_is_a_map(self):
        lines = (REPO / "README.md").read_text(encoding="utf-8").count("\n")
        self.assertLessEqual(lines, ROOT_MAX_LINES,
                             f"README.md has {lines} lines: move details into the README next to their code")

    def test_the_checker_catches_what_it_should(self):
        """A tree with one good and several broken links: each broken one is reported, nothing else."""
        with tempfile.TemporaryDirectory() as d:
            root = Path(d)
            (root / "docs").mkdir()
            (root / "build").mkdir()
            (root / "results" / "20260101T000000Z").mkdir(parents=True)
            (root / "docs" / "README.md").write_text(
                "# Docs\n\n## The server contract, written once in `core`\n\n## Repeat\n\n## Repeat\n\n"
                "```sh\n# not a heading\n```\n")
            (root / "README.md").write_text(
                "# Root\n\n## Two — words (here)\n\n"
                "[ok](docs/README.md) [ok dir](docs/) ![ok img](docs/README.md \"title\") [ok anchor](#two--words-here)\n"
                "[ok](docs/README.md#the-server-contract-written-once-in-core) [ok](docs/README.md#repeat-1)\n"
                "[`ok code text`](docs/README.md) [web](https://example.com/nowhere) [mail](mailto:a@b.c)\n"
                "[bad file](docs/missing.md)\n"
                "[bad anchor](docs/README.md#not-a-heading)\n"
                "![bad image](img/none.png)\n"
                "[bad self anchor](#nowhere)\n"
                "[bad ref]: ../../outside.md\n"
                "`[in code](not/checked.md)`\n\n```\n[in a fence](not/checked.md)\n```\n")
            # not scanned: build/, results/'s local run directories, a report.md outside results/
            (root / "build" / "README.md").write_text("[x](nothing.md)\n")
            (root / "results" / "20260101T000000Z" / "README.md").write_text("[x](nothing.md)\n")
            (root / "docs" / "report.md").write_text("[x](nothing.md)\n")
            # scanned: a committed result folder's README and report (a plot the folder does not hold)
            (root / "results" / "grid-20260101").mkdir()
            (root / "results" / "grid-20260101" / "README.md").write_text("[ok](report.md)\n")
            (root / "results" / "grid-20260101" / "report.md").write_text("[plot](timeline/p1.png)\n")
            problems = broken_links(root)
            self.assertEqual([p.split(": ")[1] for p in problems],
                             ["docs/missing.md", "docs/README.md#not-a-heading", "img/none.png", "#nowhere",
                              "../../outside.md", "timeline/p1.png"], "\n".join(problems))

    def test_slugs(self):
        self.assertEqual(slug("`server_sync` — the store call blocks a worker"),
                         "server_sync--the-store-call-blocks-a-worker")
        self.assertEqual(slug("Comparing with a baseline (`--baseline`)"), "comparing-with-a-baseline---baseline")
        self.assertEqual(slug("Pairs: .NET's thread pool vs our model"), "pairs-nets-thread-pool-vs-our-model")
        self.assertEqual(slug("Metrics (`GET /metrics`)"), "metrics-get-metrics")
        self.assertEqual(slug("See [the map](README.md)"), "see-the-map")


if __name__ == "__main__":
    unittest.main()
