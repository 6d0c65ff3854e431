"""The multi-host playbook (bench/multihost/loadgen.yml) live, on the project's own test hosts: three network
namespaces (slowio.netns), each an Ansible host whose commands run inside it
(ansible_connection=local, ansible_python_interpreter="ip netns exec NS /usr/bin/python3": every module, and so
loadgen, runs in the namespace), against server_async at L = 100 ms in the root namespace (the server host).

First one loadgen with all C = 90 connections (inside the first namespace, against a server of its own), then the
playbook with 30 on each host: server_async and the /proc sampler started on the server host, one --start-at, the
JSON and hlog fetched, merge_results.py. Checks: the merged counts are exactly the sum of the hosts' counts, the
merged throughput is within 5% of the single loadgen's, the sampler recorded the run. 28-31 s beside a build (load
average 4.5 to 93), most of it Ansible's own: 8 s of lead for the launch, about 9 s of module runs to wait and fetch.
Run as a script (ctest): exit 0 pass, 1 fail, 77 skipped, by name, without ansible-playbook, root or ip(8), or
the binaries (SLOWIO_LOADGEN, SLOWIO_SERVER_ASYNC; ctest sets them to this build's)."""
import contextlib
import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

from fakes import REPO  # noqa: F401  (puts scripts/ on sys.path)

from slowio.netns import Namespaces  # noqa: E402

PLAYBOOK = REPO / "bench" / "multihost" / "loadgen.yml"
LOADGEN = os.environ.get("SLOWIO_LOADGEN", "")
SERVER = os.environ.get("SLOWIO_SERVER_ASYNC", "")
SKIP = 77
HOSTS, CONNECTIONS, LATENCY_MS = 3, 90, 100
DURATION_S, WARMUP_S = 4, 1
LEAD_S = 8  # --start-at to loadgen's exec through Ansible's async launch: 2.6-6.7 s at load average 4-6
PATH = "/users/{rand:1..1000}"
TOLERANCE = 0.05  # merged vs single throughput (the 5%)
SERVER_ARGV = [SERVER, "--bind", "0.0.0.0", "--threads", "1", "--store-latency-ms", str(LATENCY_MS),
               "--log-level", "warn"]


def missing() -> str | None:
    """Why the live run cannot happen here, or None."""
    if shutil.which("ansible-playbook") is None:
        return "ansible-playbook not found (Debian's ansible-core; scripts/setup.sh installs it)"
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return "network namespaces need root and ip(8) (iproute2)"
    for name, path in (("SLOWIO_LOADGEN", LOADGEN), ("SLOWIO_SERVER_ASYNC", SERVER)):
        if not path or not os.access(path, os.X_OK):
            return f"{name}={path!r} is not an executable (ctest sets it to this build's binary)"
    return None


def free_port() -> int:
    """A TCP port free right now on 0.0.0.0 (for the playbook's server_port)."""
    with socket.socket() as sk:
        sk.bind(("0.0.0.0", 0))
        return sk.getsockname()[1]


def inventory(nss: Namespaces, port: int, share: list[int]) -> str:
    """The namespace hosts, and the root namespace as the server host, as an Ansible YAML inventory (JSON is
    YAML)."""
    hosts = {f"ns{n}": {"ansible_connection": "local",
                        "ansible_python_interpreter": f"ip netns exec {ns} /usr/bin/python3",
                        "target_url": f"http://{nss.server_ip(n)}:{port}/",
                        "connections": share[n - 1]}
             for n, ns in enumerate(nss.names, 1)}
    group_vars = {"loadgen_bin": LOADGEN, "duration_s": DURATION_S, "warmup_s": WARMUP_S, "timeout_s": 5,
                  "loadgen_args": ["--path", PATH]}
    server = {"server": {"ansible_connection": "local", "ansible_python_interpreter": "/usr/bin/python3",
                         "server_port": port, "server_argv": SERVER_ARGV + ["--port", str(port)]}}
    return json.dumps({"loadgens": {"hosts": hosts, "vars": group_vars}, "server": {"hosts": server}}, indent=2)


class PlaybookOnNamespaceHosts(unittest.TestCase):
    def test_merged_like_one_loadgen(self):
        why = missing()
        if why:
            self.skipTest(why)
        with tempfile.TemporaryDirectory(prefix="slowio-ansible-") as d, Namespaces(HOSTS) as nss:
            self.run_both(Path(d), nss)

    def run_both(self, d: Path, nss: Namespaces) -> None:
        # the single loadgen against a server of our own; the playbook starts its own, the same, on the server host
        server = subprocess.Popen(SERVER_ARGV + ["--port", "0"], stdout=subprocess.PIPE, text=True)
        try:
            port = int(server.stdout.readline().strip().rsplit(":", 1)[1])
            # The reference is the better of two runs: one loadgen thread for 90 connections is the side another
            # program on the machine slows (with yes > /dev/null beside the test command one run made 840.7 req/s
            # at p50 103 ms against the three hosts' 900.0, the server's bound), and a slowed reference would
            # fail a merge that is right. Taking the better one never hides a merge that loses requests.
            runs = []
            for attempt in range(2):
                out = d / f"single{attempt}.json"
                one = subprocess.run(["ip", "netns", "exec", nss.names[0], LOADGEN, "-c", str(CONNECTIONS), "-t",
                                      "1", "-d", f"{DURATION_S}s", "--warmup", f"{WARMUP_S}s", "--timeout", "5s",
                                      "--path", PATH, "--json", str(out), "--no-progress",
                                      f"http://{nss.server_ip(1)}:{port}/"],
                                     capture_output=True, text=True, timeout=DURATION_S + 30)
                self.assertEqual(one.returncode, 0, one.stderr)
                runs.append(json.loads(out.read_text()))
            single_r = max(runs, key=lambda r: r["throughput_rps"])
        finally:
            server.terminate()
            server.wait(timeout=15)
            server.stdout.close()
        share = [CONNECTIONS // HOSTS + (i < CONNECTIONS % HOSTS) for i in range(HOSTS)]
        inv = d / "inventory.yml"
        inv.write_text(inventory(nss, free_port(), share))
        results = d / "results"
        env = dict(os.environ, ANSIBLE_PIPELINING="True", ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0",
                   ANSIBLE_LOCALHOST_WARNING="False", ANSIBLE_ASYNC_DIR=str(d / "async"),
                   ANSIBLE_LOCAL_TEMP=str(d / "tmp"), ANSIBLE_REMOTE_TMP=str(d / "tmp"))
        t0 = time.monotonic()
        try:
            play = subprocess.run(["ansible-playbook", "-i", str(inv), str(PLAYBOOK), "-f", str(HOSTS + 1),
                                   "-e", json.dumps({"results_dir": str(results), "start_lead_s": LEAD_S,
                                                     "remote_dir": d.as_posix()})],
                                  capture_output=True, text=True, env=env, timeout=DURATION_S + 90)
        finally:  # a run that failed half-way leaves the playbook's server up: stop it here, not minutes later
            pid_file = d / "slowio-multihost-server.pid"
            with contextlib.suppress(OSError, ValueError):
                os.kill(int(pid_file.read_text()), signal.SIGTERM)
        took = time.monotonic() - t0
        if play.returncode != 0:
            print(play.stdout + play.stderr, file=sys.stderr)
        self.assertEqual(play.returncode, 0, "ansible-playbook failed (its output above)")
        merged = json.loads((results / "merged.json").read_text())
        hosts = [json.loads((results / f"ns{n}.json").read_text()) for n in range(1, HOSTS + 1)]
        rel = merged["throughput_rps"] / single_r["throughput_rps"] - 1
        print(f"playbook: {took:.1f} s; 1 loadgen, {CONNECTIONS} conns: {single_r['throughput_rps']:.1f} req/s, "
              f"p50 {single_r['latency_us']['p50'] / 1e3:.2f} ms; {HOSTS} hosts merged: "
              f"{merged['throughput_rps']:.1f} req/s ({rel:+.2%}), p50 {merged['latency_us']['p50'] / 1e3:.2f} ms, "
              f"completed {merged['requests']['completed']} = "
              f"{' + '.join(str(h['requests']['completed']) for h in hosts)}; starts late by "
              f"{', '.join('%.3f' % m['start_late_s'] for m in merged['merged_from'])} s", flush=True)
        for key in ("completed", "ok", "errors", "sent", "completed_in_window", "ok_in_window"):
            self.assertEqual(merged["requests"][key], sum(h["requests"][key] for h in hosts), key)
        self.assertEqual(merged["requests"]["total"]["completed"],
                         sum(h["requests"]["total"]["completed"] for h in hosts))
        self.assertEqual(merged["config"]["connections"], CONNECTIONS)
        self.assertEqual(len({h["start_epoch_s"] for h in hosts}), 1, "one shared --start-at")
        self.assertLessEqual(abs(rel), TOLERANCE, f"merged vs single throughput {rel:+.2%}")
        with (results / "server.proc.csv").open() as f:  # the sampler on the server host, beside the run
            proc = list(csv.DictReader(f))
        print(f"server host's sampler: {len(proc)} samples, peak proc_threads "
              f"{max(int(r['proc_threads']) for r in proc)}", flush=True)
        self.assertGreaterEqual(len(proc), DURATION_S / 0.25 * 0.8)
        self.assertGreaterEqual(max(int(r["proc_threads"]) for r in proc), 2)  # the I/O thread and the pool's


if __name__ == "__main__":
    why = missing()
    if why:
        print(f"skipped: {why}")
        sys.exit(SKIP)
    unittest.main(verbosity=2)
