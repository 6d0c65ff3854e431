"""Reading a server's GET /metrics (Prometheus text format), as the sweep does before and after the load."""

from __future__ import annotations

import re
import urllib.request

_SAMPLE_RE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)")


def parse_prometheus(text: str) -> dict[str, float]:
    """Minimal Prometheus text reader: {name: value}, samples of one name with different labels summed."""
    out: dict[str, float] = {}
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
        out[m.group(1)] = out.get(m.group(1), 0.0) + v
    return out


def scrape_metrics(port: int, timeout: float = 2.0) -> dict[str, float]:
    """GET /metrics on 127.0.0.1:port, parsed; {} when it cannot be read."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=timeout) as r:
            text = r.read().decode("utf-8", "replace")
    except Exception:  # noqa: BLE001 - any failure just means "no sample"
        return {}
    return parse_prometheus(text)
