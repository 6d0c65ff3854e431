"""slowio.postgres: a private cluster starts on a free port with the asked max_connections and fsync off, answers
over TCP and its own socket, and leaves nothing behind (directory removed, server stopped). Exit 77 (ctest SKIP)
where PostgreSQL is not installed: skipped, never passed."""
import os
import sys
import unittest

import fakes  # noqa: F401  (puts scripts/ on sys.path)
from slowio import postgres


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

    def test_cli_run_exports_the_url(self):
        code = postgres.main(["run", "--max-connections", "10", "--", "sh", "-c",
                              'case "$SLOWIO_PG_URL" in postgresql://*) exit 0;; *) exit 9;; esac'])
        self.assertEqual(code, 0)


if __name__ == "__main__":
    if not postgres.available():
        print("skipped: PostgreSQL not installed (initdb not found)")
        sys.exit(postgres.SKIP)
    unittest.main(verbosity=2)
