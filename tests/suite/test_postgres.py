"""slowio.postgres: a private cluster starts on a free port with the asked max_connections and fsync off, answers
over TCP and its own socket, and leaves nothing behind (directory removed, server stopped). Exit 77 (ctest SKIP)
where PostgreSQL is not installed: skipped, never passed."""
import os
import subprocess
import sys
import time
import unittest

import fakes  # noqa: F401  (puts scripts/ on sys.path)
from slowio import dbstat, postgres


class PrivateCluster(unittest.TestCase):
    def test_start_query_stop(self):
        with postgres.PrivatePostgres(max_connections=37) as pg:
            directory = pg.dir
            self.assertTrue(os.path.isdir(pg.data_dir))
            self.assertEqual(pg.psql("SHOW max_connections").strip(), "37")
            self.assertEqual(pg.psql("SHOW fsync").strip(), "off")
            self.assertEqual(pg.psql("SHOW listen_addresses").strip(), "127.0.0.1")
            self.assertIn(f"127.0.0.1:{pg.port}/", pg.url)
        self.assertFalse(os.path.exists(directory))
        self.assertIsNone(pg.dir)
        pg.stop()  # idempotent

    def test_pinned_cluster_runs_its_backends_on_its_cores(self):
        """cores=[c]: the postmaster and every process it forked (checkpointer, writers, launchers) run on core c
        only (a backend, forked later, inherits the same mask); move_to_cores(None) spreads them all over every
        usable core, a backend forked then included, and move_to_cores([c]) brings every one back."""
        core = max(os.sched_getaffinity(0))
        with postgres.PrivatePostgres(max_connections=10, cores=[core]) as pg:
            processes = pg.processes()
            self.assertGreater(len(processes), 1)
            with open(os.path.join(pg.data_dir, "postmaster.pid")) as f:
                self.assertEqual(processes[0], int(f.readline()))
            self.assertTrue(all(postgres.parent_pid(pid) == processes[0] for pid in processes[1:]))
            self.assertEqual(self._masks(pg), {frozenset({core})})
            pg.move_to_cores(None)
            everywhere = frozenset(os.sched_getaffinity(0))
            with subprocess.Popen([dbstat.psql_path(), "-X", "-q", "-d", pg.url], stdin=subprocess.PIPE,
                                  stdout=subprocess.DEVNULL) as session:  # a backend forked while spread
                deadline = time.monotonic() + 30
                while len(pg.processes()) <= len(processes) and time.monotonic() < deadline:
                    time.sleep(0.05)
                self.assertGreater(len(pg.processes()), len(processes))
                self.assertEqual(self._masks(pg), {everywhere})
                pg.move_to_cores([core])
                self.assertEqual(self._masks(pg), {frozenset({core})})
                session.stdin.close()

    @staticmethod
    def _masks(pg) -> set:
        return {frozenset(os.sched_getaffinity(pid)) for pid in pg.processes()}

    def test_cli_run_exports_the_url(self):
        code = postgres.main(["run", "--max-connections", "10", "--", "sh", "-c",
                              'case "$SLOWIO_PG_URL" in postgresql://*) exit 0;; *) exit 9;; esac'])
        self.assertEqual(code, 0)


class ActivitySampler(unittest.TestCase):
    """slowio.dbstat against a real private cluster: a known number of sessions in pg_sleep are counted as
    active, an idle session and the sampler's own are not."""

    SLEEPERS = 4

    def test_counts_the_sessions_in_pg_sleep(self):
        with postgres.PrivatePostgres(max_connections=20) as pg:
            psql = [dbstat.psql_path(), "-X", "-q", "-d", pg.url]
            idle = subprocess.Popen(psql, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)  # connected, idle
            sleepers = [subprocess.Popen(psql + ["-c", "SELECT pg_sleep(60)"], stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL) for _ in range(self.SLEEPERS)]
            sampler = dbstat.DbSampler(pg.url, 0.05)
            sampler.start()
            try:
                # the sleepers connect on their own time: wait on the samples until they are all in, never a sleep
                deadline = time.monotonic() + 30.0
                while time.monotonic() < deadline and sampler.error is None:
                    n = len(sampler.samples)
                    sampler.wait_samples(n + 1, 5.0)
                    if sampler.samples and sampler.samples[-1].active == self.SLEEPERS:
                        break
                samples = sampler.stop()
            finally:
                pg.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' "
                        "AND pid <> pg_backend_pid()")
                for p in sleepers:
                    p.wait(timeout=30)
                idle.stdin.close()
                idle.wait(timeout=30)
            self.assertIsNone(sampler.error)
            counts = [s.active for s in samples]
            self.assertEqual(samples[-1].active, self.SLEEPERS, counts)  # the idle one and its own not counted
            self.assertLessEqual(max(counts), self.SLEEPERS)
            self.assertTrue(all(s.waiters is None for s in samples))  # no server: no pool gauges
            self.assertEqual(dbstat.sample_rows(samples)[-1]["db_active"], self.SLEEPERS)

    def test_a_database_that_is_not_there_ends_the_sampling(self):
        port = postgres.free_port()
        sampler = dbstat.DbSampler(f"postgresql://postgres@127.0.0.1:{port}/postgres?connect_timeout=5", 0.05)
        sampler.start()
        self.assertEqual(sampler.stop(), [])
        self.assertIn("dbstat: psql exited", sampler.error)


if __name__ == "__main__":
    if not postgres.available():
        print("skipped: PostgreSQL not installed (initdb not found)")
        sys.exit(postgres.SKIP)
    unittest.main(verbosity=2)
