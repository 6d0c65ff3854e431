"""Reading a server's GET /metrics (Prometheus text format), as the sweep does before and after the load and the
soak does at its end: one fetch (read_metrics_text) and one parser (samples) under every reading of it."""

from __future__ import annotations

import re
import urllib.request
from typing import Iterator

_SAMPLE_RE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)")
_LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def samples(text: str) -> Iterator[tuple[str, dict[str, str], float]]:
    """Every sample of a Prometheus text as (name, {label: value}, value); comments and unreadable lines skipped."""
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE_RE.match(line)
        if not m:
            continue
        try:
            v = float(m.group(3))
        except ValueError:
            continue
        yield m.group(1), dict(_LABEL_RE.findall(m.group(2) or "")), v


def parse_prometheus(text: str) -> dict[str, float]:
    """Minimal Prometheus text reader: {name: value}, samples of one name with different labels summed."""
    out: dict[str, float] = {}
    for name, _, v in samples(text):
        out[name] = out.get(name, 0.0) + v
    return out


def by_label(text: str, name: str, label: str) -> dict[str, float]:
    """The samples of metric ``name`` summed per value of its ``label`` ({value: sum}; a sample without it: '')."""
    out: dict[str, float] = {}
    for sample, labels, v in samples(text):
        if sample == name:
            key = labels.get(label, "")
            out[key] = out.get(key, 0.0) + v
    return out


def read_metrics_text(port: int, timeout: float = 2.0) -> str | None:
    """The text of GET /metrics on 127.0.0.1:port; None when it cannot be read."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=timeout) as r:
            return r.read().decode("utf-8", "replace")
    except Exception:  # noqa: BLE001 - any failure just means "no sample"
        return None


def scrape_metrics(port: int, timeout: float = 2.0) -> dict[str, float]:
    """GET /metrics on 127.0.0.1:port, parsed; {} when it cannot be read."""
    text = read_metrics_text(port, timeout)
    return {} if text is None else parse_prometheus(text)
