#!/usr/bin/env python3
"""Captures the /proc fixture of test_procstat.py (tests/suite/fixtures/proc/): the files slowio.procstat reads,
copied from a real process tree staged on this machine, so the parser is tested on the kernel's own text.

The scene: a Python process renamed ``w (x) y) z`` (a comm with spaces and parentheses, which a parser that
splits the stat line on spaces, or cuts at the first ')', gets wrong) with 3 threads - the main thread blocked
on a pipe read (S), one blocked on an Event (S), one spinning (R: the capture is retried until the kernel shows
it running) - and one child process, ``sleep`` (S, 1 thread); plus the stat of another ``sleep`` that is not in
the tree (started by this script: its parent is not in the fixture).
Per process: stat, status, task/TID/stat, task/TID/status, and fd/ as empty files named like the descriptors.
scene.json records the pids and what the capture saw. Run it again only to refresh the fixture:

    /usr/bin/python3 tests/suite/make_proc_fixture.py
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "fixtures" / "proc"
COMM = "w (x) y) z"
CHILD = f"""
import subprocess, sys, threading
with open('/proc/self/comm', 'w') as f:
    f.write({COMM!r})
stop = threading.Event()
spin = threading.Thread(target=lambda: [None for _ in iter(lambda: stop.is_set(), True)], daemon=True)
threading.Thread(target=stop.wait, daemon=True).start()
spin.start()
sleeper = subprocess.Popen(['sleep', '60'])
print(sleeper.pid, spin.native_id, flush=True)
sys.stdin.read()
stop.set()
sleeper.kill()
"""


def copy_process(pid: int, dest: Path) -> dict:
    """The files procstat reads of one process; returns what was copied."""
    src = Path(f"/proc/{pid}")
    dest.mkdir(parents=True)
    for name in ("stat", "status"):
        (dest / name).write_bytes((src / name).read_bytes())
    fds = sorted(os.listdir(src / "fd"), key=int)
    (dest / "fd").mkdir()
    for fd in fds:
        (dest / "fd" / fd).touch()
    tids = sorted(os.listdir(src / "task"), key=int)
    for tid in tids:
        (dest / "task" / tid).mkdir(parents=True)
        for name in ("stat", "status"):
            (dest / "task" / tid / name).write_bytes((src / "task" / tid / name).read_bytes())
    return {"fds": len(fds), "tids": [int(t) for t in tids]}


def state(pid: int, tid: int) -> str:
    """A live thread's state letter (after the last ')' of its stat line)."""
    text = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
    return text[text.rindex(")") + 2]


def main() -> int:
    """Stages the scene, captures it into OUT once it shows the states wanted; exit 1 if it never does."""
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    other = subprocess.Popen(["sleep", "60"])
    try:
        sleeper, spinner = (int(x) for x in child.stdout.readline().split())
        for _ in range(1000):  # the spinner holds the GIL most of the time: R within a few tries
            if state(child.pid, spinner) == "R" and state(sleeper, sleeper) == "S" and all(
                    state(child.pid, t) == "S" for t in map(int, os.listdir(f"/proc/{child.pid}/task"))
                    if t != spinner):
                break
        else:
            print("make_proc_fixture: never saw the spinner running and the others asleep", file=sys.stderr)
            return 1
        shutil.rmtree(OUT, ignore_errors=True)
        root = copy_process(child.pid, OUT / str(child.pid))
        kid = copy_process(sleeper, OUT / str(sleeper))
        (OUT / str(other.pid)).mkdir()
        (OUT / str(other.pid) / "stat").write_bytes(Path(f"/proc/{other.pid}/stat").read_bytes())
        scene = {"root": child.pid, "child": sleeper, "spinner": spinner, "outside": other.pid, "comm": COMM,
                 "root_fds": root["fds"],
                 "child_fds": kid["fds"], "root_tids": root["tids"], "child_tids": kid["tids"]}
        (OUT / "scene.json").write_text(json.dumps(scene, indent=1) + "\n")
        print(f"captured {OUT}: {scene}")
        return 0
    finally:
        child.stdin.close()
        child.wait(timeout=10)
        other.kill()
        other.wait()


if __name__ == "__main__":
    sys.exit(main())
