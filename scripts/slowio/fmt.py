"""Numbers as the report writes them (report.md, the claims table): thousands separators, '-' for missing.

Standard library only.
"""

from __future__ import annotations

from typing import Any


def f(v: Any, digits: int = 1, unit: str = "") -> str:
    """A number for prose/tables: thousands separators, '-' for missing."""
    if v is None:
        return "-"
    if isinstance(v, float) and digits == 0:
        v = round(v)
    if isinstance(v, (int,)) or (isinstance(v, float) and v.is_integer() and abs(v) >= 100):
        return f"{int(v):,}{unit}"
    return f"{v:,.{digits}f}{unit}"


def pct(v: float | None) -> str:
    """A fraction as a percentage with one decimal, '-' for missing."""
    return "-" if v is None else f"{100.0 * v:.1f}%"


BOUND_WRONG_ABOVE = 1.05  # an efficiency above this says the bound's capacity model is wrong, not the server fast


def bound_wrong(efficiency_: float | None) -> bool:
    """Whether an efficiency (throughput / bound) is above BOUND_WRONG_ABOVE: no server beats its bound."""
    return efficiency_ is not None and efficiency_ > BOUND_WRONG_ABOVE


def efficiency(v: float | None, of: str = "") -> str:
    """An efficiency as a percentage ('-' for missing), then ' of <of>' when given; above BOUND_WRONG_ABOVE it
    is flagged instead of printed as an efficiency: 'bound wrong: measured X% of it' (or 'of <of>')."""
    if bound_wrong(v):
        return f"bound wrong: measured {pct(v)} of {of or 'it'}"
    return pct(v) + (f" of {of}" if of else "")


def latency(latency_ms: float) -> str:
    """A store latency L for prose and titles: '2 s' from 1 s up, else '200 ms'."""
    return f"{latency_ms / 1000:g} s" if latency_ms >= 1000 else f"{latency_ms:g} ms"


def ms(v: float | None) -> str:
    """Milliseconds, switching to seconds past 10 s."""
    if v is None:
        return "-"
    if v >= 10_000:
        return f"{v / 1000:,.1f} s"
    return f"{v:,.0f} ms" if v >= 10 else f"{v:,.2f} ms"
