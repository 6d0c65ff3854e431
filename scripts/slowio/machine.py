"""machine.json: cores, CPU model, kernel, compiler, build type, git commit - what a number needs to be comparable -
and which machine it was: the boot, the CPU's signature and two speed figures (slowio.provenance sets runs side by
side by them; issue 29 found .NET's runs differ by machine where machine.json's CPU model and kernel did not)."""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from .cli import REPO_ROOT


def _run(cmd: list[str], cwd: Path | None = None) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10, cwd=cwd).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _cmake_cache(build_dir: Path) -> dict[str, str]:
    out = {}
    try:
        for line in (Path(build_dir) / "CMakeCache.txt").read_text(errors="replace").splitlines():
            m = re.match(r"^([A-Za-z_0-9]+):[A-Z]+=(.*)$", line)
            if m:
                out[m.group(1)] = m.group(2)
    except OSError:
        pass
    return out


def _proc_field(path: str, pattern: str) -> str | None:
    try:
        m = re.search(pattern, Path(path).read_text(), re.M)
    except OSError:
        return None
    return m.group(1).strip() if m else None


BOOT_ID_PATH = "/proc/sys/kernel/random/boot_id"
# What tells two machines of one type apart when the model name is masked ("AMD EPYC" on every VM seen here); not
# "cpu MHz", which frequency scaling changes from one reading to the next (bogomips is the boot's TSC calibration).
CPU_SIGNATURE_FIELDS = ("cpu family", "model", "stepping", "microcode", "bogomips", "cache size")
SPEED_HASH_BYTES = 16 << 20


def cpu_signature(cpuinfo: str) -> str:
    """The first CPU's CPU_SIGNATURE_FIELDS from /proc/cpuinfo's text, as "name=value; ..." (empty without them)."""
    first = cpuinfo.split("\n\n", 1)[0]
    found = dict(re.findall(r"^([a-zA-Z ]+?)\s*:\s*(.*?)\s*$", first, re.M))
    return "; ".join(f"{k}={found[k]}" for k in CPU_SIGNATURE_FIELDS if found.get(k))


def speed_probe(rounds: int = 5, spawns: int = 20) -> dict[str, float | None]:
    """Two figures to set machines side by side, about 0.1 s: SHA-256 over 16 MiB in MB/s (the best of ``rounds``:
    the CPU, the first round warms the buffer's pages) and the median milliseconds to spawn ``true`` and wait for
    it (of ``spawns``: the kernel's process work, which a VM's host shapes as much as its CPU; None without it)."""
    data = bytes(SPEED_HASH_BYTES)
    best = min(_timed(lambda: hashlib.sha256(data).digest()) for _ in range(rounds))
    true = shutil.which("true")
    spawn = None if true is None else statistics.median(
        _timed(lambda: subprocess.run([true], check=False)) for _ in range(spawns))
    return {"sha256_mb_s": round(SPEED_HASH_BYTES / 1e6 / best, 1),
            "spawn_ms": None if spawn is None else round(spawn * 1e3, 3)}


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _read(path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return ""


def identity() -> dict[str, Any]:
    """Which machine and boot this is: the kernel's boot id (new at every boot: one boot id, one machine), the OS's
    machine id (may be shared by VMs made from one image), the CPU's signature and the speed probe."""
    return {"boot_id": _read(BOOT_ID_PATH), "machine_id": _read("/etc/machine-id"),
            "cpu_signature": cpu_signature(_read("/proc/cpuinfo")), "speed": speed_probe()}


def machine_info(build_dir: Path, pin_message: str) -> dict[str, Any]:
    """The machine.json of a run built from ``build_dir``, with the pinning decision."""
    mem_kb = _proc_field("/proc/meminfo", r"MemTotal:\s+(\d+)")
    cache = _cmake_cache(build_dir)
    compiler = cache.get("CMAKE_CXX_COMPILER", "")
    version = _run([compiler, "--version"]).splitlines()[0] if compiler and Path(compiler).exists() else ""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    try:
        nofile = list(resource.getrlimit(resource.RLIMIT_NOFILE))
    except (OSError, ValueError):
        nofile = None
    return {
        "cores": os.cpu_count(), "usable_cores": usable,
        "cpu_model": _proc_field("/proc/cpuinfo", r"^model name\s*:(.*)$") or "",
        "memory_kb": int(mem_kb) if mem_kb else None,
        "kernel": platform.release(), "os": platform.platform(), "hostname": platform.node(),
        "compiler": version or compiler, "build_type": cache.get("CMAKE_BUILD_TYPE", "unknown"),
        "build_dir": str(build_dir), "git_commit": _run(["git", "rev-parse", "HEAD"], REPO_ROOT),
        "git_dirty": bool(_run(["git", "status", "--porcelain", "--untracked-files=no"], REPO_ROOT)),
        "python": platform.python_version(), "pinning": pin_message, "rlimit_nofile": nofile,
        "date_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"), **identity(),
    }
