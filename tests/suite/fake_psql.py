#!/usr/bin/env python3
"""A stand-in for psql in the suite's tests of slowio.dbstat's sampler: it answers each ``SELECT N, count(*) ...``
line on stdin with ``N ACTIVE`` (ACTIVE from FAKE_PSQL_ACTIVE, default 0), as ``psql -A -t -F ' '`` would, and
exits at the end of its input; with FAKE_PSQL_REFUSE=1 it says it cannot connect and exits 2, as psql does."""
import os
import re
import sys

if os.environ.get("FAKE_PSQL_REFUSE"):
    print("psql: error: connection refused (fake)", file=sys.stderr)
    sys.exit(2)
active = os.environ.get("FAKE_PSQL_ACTIVE", "0")
for line in sys.stdin:
    m = re.match(r"\s*SELECT (\d+),", line)
    if m:
        print(f"{m.group(1)} {active}", flush=True)
