"""The project's own test hosts: network namespaces with a veth pair each, on this machine (needs root and ip(8)).

Namespace n (1-based) is ``slowio-lg<n>-<tag>``; inside it 10.<a>.<n>.2, outside (the root namespace, where the
server listens on 0.0.0.0) 10.<a>.<n>.1 = ``server_ip(n)``. Used by the Ansible playbook's test
(tests/suite/test_multihost_ansible.py), which runs one load host in each.
"""

from __future__ import annotations

import os
import subprocess


def sh(*cmd: str) -> None:
    """Runs an ip(8) command; raises with its stderr when it fails."""
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {done.stderr.strip()}")


class Namespaces:
    """--hosts namespaces with a veth pair each; removed on exit (deleting a namespace deletes its veth)."""

    def __init__(self, count: int):
        self.tag = os.getpid() % 10000
        self.octet = 200 + os.getpid() % 50
        self.names = [f"slowio-lg{n}-{self.tag}" for n in range(1, count + 1)]

    def __enter__(self) -> "Namespaces":
        try:
            for n, ns in enumerate(self.names, 1):
                outside, inside = f"slv{self.tag}o{n}", f"slv{self.tag}i{n}"
                sh("ip", "netns", "add", ns)
                sh("ip", "link", "add", outside, "type", "veth", "peer", "name", inside, "netns", ns)
                sh("ip", "addr", "add", f"{self.server_ip(n)}/24", "dev", outside)
                sh("ip", "link", "set", outside, "up")
                sh("ip", "-n", ns, "addr", "add", f"10.{self.octet}.{n}.2/24", "dev", inside)
                sh("ip", "-n", ns, "link", "set", inside, "up")
                sh("ip", "-n", ns, "link", "set", "lo", "up")
        except Exception:
            self.__exit__()
            raise
        return self

    def server_ip(self, n: int) -> str:
        """The server's address as seen from namespace n (1-based)."""
        return f"10.{self.octet}.{n}.1"

    def __exit__(self, *exc) -> None:
        for ns in self.names:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
