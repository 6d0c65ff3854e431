"""Helpers shared by the suite's script tests: paths, and a fake build tree whose binaries are the Python stand-ins
fake_server.py / fake_loadgen.py (same flags as the real ones), so sweep/check_regression/plot/report can be
tested end to end without the C++ binaries."""
import os
import stat
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SCRIPTS = REPO / "scripts"
FIXTURES = HERE / "fixtures"
PY = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable

sys.path.insert(0, str(SCRIPTS))


def make_fake_build(root: Path) -> Path:
    """Creates <root>/server_sync/server_sync, server_async/server_async and bench/loadgen/loadgen wrappers."""
    root = Path(root)
    wrappers = {
        root / "server_sync" / "server_sync": f'exec {PY} {HERE / "fake_server.py"} sync "$@"',
        root / "server_async" / "server_async": f'exec {PY} {HERE / "fake_server.py"} async "$@"',
        root / "bench" / "loadgen" / "loadgen": f'exec {PY} {HERE / "fake_loadgen.py"} "$@"',
    }
    for path, line in wrappers.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n" + line + "\n")
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return root


def make_fake_pg_bin(root: Path) -> Path:
    """A PG_BIN directory whose psql is fake_psql.py (and an initdb that is never run, so slowio.postgres.bin_dir
    takes the directory): slowio.dbstat's sampler then counts what FAKE_PSQL_ACTIVE says."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    for name, line in (("psql", f'exec {PY} {HERE / "fake_psql.py"} "$@"'), ("initdb", "exit 1")):
        path = root / name
        path.write_text("#!/bin/sh\n" + line + "\n")
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return root


class FakeBuildCase(unittest.TestCase):
    """A test case class whose tests share one fake build tree (``cls.build``) under a temporary directory
    (``cls.tmp``), removed after the class."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.build = make_fake_build(Path(cls.tmp.name) / "build")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()


class EnvPatch:
    """Context manager setting environment variables (inherited by the fake binaries) and restoring them."""

    def __init__(self, **env):
        self.env, self.saved = env, {}

    def __enter__(self):
        for k, v in self.env.items():
            self.saved[k] = os.environ.get(k)
            os.environ[k] = v
        return self

    def __exit__(self, *exc):
        for k, v in self.saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
