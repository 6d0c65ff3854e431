"""Whether the runs a comparison sets side by side ran on one machine (issue 29). .NET's runs of the fidelity grid
differ by machine: on one machine .NET met 8 of 14 cells against itself, against the runs of another of the same
type (the same CPU model string and kernel in machine.json) 3-5 (results/dotnet-fidelity-hostitems-20261207,
section 5). So a model is judged only against .NET run on the machine that ran it, and a figure that pools runs
says which machines they came from.

machine.json's identity (slowio.machine.identity) tells: one boot id is one boot of one machine; two boot ids may be
one machine rebooted or two machines, which the CPU's signature and the speed probe set side by side (they can tell
machines apart, never prove them alike). A combined run (scripts/combine_runs.py) lists its takes' identities in
``merged_from``. Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Source:
    """One run's machine, as its machine.json recorded it."""

    name: str
    boot_id: str
    cpu_signature: str
    speed: dict[str, Any]


@dataclass(frozen=True)
class Provenance:
    """Where a comparison's runs ran: ``kind`` is "one sweep", "one boot", "several boots" or "unknown"."""

    kind: str
    text: str


def sources(machine: dict[str, Any], name: str) -> list[Source]:
    """The machines behind a run directory's rows: each take's of a combined run (``merged_from``, expanded where a
    take was itself combined), else the run's own."""
    merged = machine.get("merged_from")
    if not merged:
        return [Source(name, machine.get("boot_id") or "", machine.get("cpu_signature") or "",
                       machine.get("speed") or {})]
    found = []
    for m in merged:
        label = f"{m.get('run', '?')}" + (f" ({m['label_contains']})" if m.get("label_contains") else "")
        found += sources(m, label)
    return found


def speed_text(speed: dict[str, Any]) -> str:
    """'SHA-256 1,800 MB/s, spawn 0.81 ms', the figures the probe has, or '' without it."""
    sha, spawn = speed.get("sha256_mb_s"), speed.get("spawn_ms")
    return ", ".join(([f"SHA-256 {sha:,.0f} MB/s"] if sha is not None else [])
                     + ([f"spawn {spawn:.2f} ms"] if spawn is not None else []))


def judge(found: list[Source], one_sweep: bool = False) -> Provenance:
    """Whether ``found`` ran in one boot; ``one_sweep`` when they are one sweep's points (one machine by
    construction, whatever machine.json records)."""
    if one_sweep:
        return Provenance("one sweep", "Both sides ran in one sweep, on one machine.")
    unknown = [s.name for s in found if not s.boot_id]
    if unknown:
        return Provenance("unknown", "Whether these runs ran on one machine cannot be told: the machine.json of "
                          f"{', '.join(unknown)} records no boot id (written before it did).")
    boots: dict[str, list[Source]] = {}
    for s in found:
        boots.setdefault(s.boot_id, []).append(s)
    if len(boots) == 1:
        s = found[0]
        probe = speed_text(s.speed)
        return Provenance("one boot", f"The runs ran in one boot of one machine (boot id {s.boot_id[:8]}"
                          + (f"; {probe}" if probe else "") + ").")
    parts = []
    for boot, runs in boots.items():
        probe, signature = speed_text(runs[0].speed), runs[0].cpu_signature or "no CPU signature"
        parts.append(f"boot {boot[:8]} ({', '.join(r.name for r in runs)}: {signature}"
                     + (f"; {probe}" if probe else "") + ")")
    return Provenance("several boots", f"The runs come from {len(boots)} boots, which may be as many machines: "
                      + "; ".join(parts) + ". .NET's runs differ by machine, so a figure that sets these runs side "
                      "by side compares machines as well as pools.")
