"""machine.json: cores, CPU model, kernel, compiler, build type, git commit - what a number needs to be comparable."""

from __future__ import annotations

import datetime as _dt
import os
import platform
import re
import resource
import subprocess
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
        "date_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
