"""slowio.machine's identity (boot id, CPU signature, speed probe) and slowio.provenance: whether the runs a
comparison sets side by side ran on one machine, from their machine.json, a combined run's takes expanded."""
import unittest
from pathlib import Path

import fakes  # noqa: F401  (puts scripts/ on sys.path)

from slowio import machine, provenance  # noqa: E402

CPUINFO = """processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 25
model\t\t: 17
model name\t: AMD EPYC
stepping\t: 1
microcode\t: 0x1000065
cpu MHz\t\t: 2596.130
cache size\t: 1024 KB
bogomips\t: 5192.26

processor\t: 1
cpu family\t: 99
cpu MHz\t\t: 1400.000
"""


def run_machine(boot: str, sha: float = 1800.0) -> dict:
    """A machine.json's identity part."""
    return {"boot_id": boot, "cpu_signature": "cpu family=25", "speed": {"sha256_mb_s": sha, "spawn_ms": 0.8}}


class Identity(unittest.TestCase):
    def test_cpu_signature_is_the_first_cpus_without_its_clock(self):
        self.assertEqual(machine.cpu_signature(CPUINFO), "cpu family=25; model=17; stepping=1; microcode=0x1000065; "
                                                         "bogomips=5192.26; cache size=1024 KB")
        self.assertEqual(machine.cpu_signature(""), "")

    def test_identity_of_this_machine(self):
        found = machine.identity()
        boot = Path(machine.BOOT_ID_PATH)
        if boot.is_file():  # Linux: the kernel's own boot id
            self.assertEqual(found["boot_id"], boot.read_text().strip())
            self.assertRegex(found["boot_id"], r"^[0-9a-f-]{36}$")
        self.assertGreater(found["speed"]["sha256_mb_s"], 0)
        self.assertGreater(found["speed"]["spawn_ms"], 0)
        self.assertEqual(found["boot_id"], machine.identity()["boot_id"])  # the same boot, read again

    def test_speed_text_says_what_the_probe_has(self):
        self.assertEqual(provenance.speed_text({"sha256_mb_s": 1812.4, "spawn_ms": 0.646}),
                         "SHA-256 1,812 MB/s, spawn 0.65 ms")
        self.assertEqual(provenance.speed_text({"sha256_mb_s": 1812.4, "spawn_ms": None}), "SHA-256 1,812 MB/s")
        self.assertEqual(provenance.speed_text({}), "")


class Judge(unittest.TestCase):
    def test_one_sweep_one_boot_several_boots_unknown(self):
        one = provenance.sources(run_machine("aaaaaaaa-1"), "r1")
        self.assertEqual(provenance.judge(one, one_sweep=True).kind, "one sweep")
        same = one + provenance.sources(run_machine("aaaaaaaa-1", 1700.0), "r2")
        self.assertEqual(provenance.judge(same),
                         provenance.Provenance("one boot", "The runs ran in one boot of one machine (boot id aaaaaaaa; "
                                                           "SHA-256 1,800 MB/s, spawn 0.80 ms)."))
        two = same + provenance.sources(run_machine("bbbbbbbb-2", 1200.0), "r3")
        judged = provenance.judge(two)
        self.assertEqual(judged.kind, "several boots")
        self.assertIn("The runs come from 2 boots, which may be as many machines: boot aaaaaaaa (r1, r2: cpu "
                      "family=25; SHA-256 1,800 MB/s, spawn 0.80 ms); boot bbbbbbbb (r3: cpu family=25; SHA-256 "
                      "1,200 MB/s, spawn 0.80 ms).", judged.text)
        old = two + provenance.sources({"git_commit": "abc"}, "old")
        self.assertEqual(provenance.judge(old).kind, "unknown")
        self.assertIn("the machine.json of old records no boot id", provenance.judge(old).text)

    def test_a_combined_run_is_judged_by_its_takes(self):
        inner = {**run_machine("aaaaaaaa-1"), "merged_from": [
            {"run": "net", "label_contains": "aspnetcore", **run_machine("aaaaaaaa-1")},
            {"run": "old", "label_contains": "", **run_machine("cccccccc-3")}]}
        combined = {**run_machine("aaaaaaaa-1"), "merged_from": [
            {"run": "ours", "label_contains": "sync elastic", **run_machine("aaaaaaaa-1"), "merged_from": None},
            {"run": "inner", "label_contains": "aspnetcore", **inner}]}
        found = provenance.sources(combined, "combined")
        self.assertEqual([(s.name, s.boot_id[0]) for s in found],
                         [("ours (sync elastic)", "a"), ("net (aspnetcore)", "a"), ("old", "c")])
        self.assertEqual(provenance.judge(found).kind, "several boots")


if __name__ == "__main__":
    unittest.main()
