"""Hostile restart files (issue 15 items 1, 8, 13, 18): every damaged or crafted restart file is
exit 2 with a message naming the block, never a crash, a hang, unbounded memory or a silently
different result; the output file stays `.partial` and nothing appears under the final name.

The format (twin/restart.cpp): the magic, then blocks `u32 name length, name, u64 payload
length, u64 FNV-1a 64 checksum, payload`: header, replicated, field0…fieldN, pending. Crafted
cases recompute the checksum, so the length and range checks behind it are reached too.

Environment: CLUSTERTWIN (binary), CT_SOURCE_DIR (repository root).
"""
import os
import shutil
import struct
import subprocess
import tempfile
import unittest

from ct_helpers import BIN, SRC

ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", OMPI_MCA_btl_vader_single_copy_mechanism="none")
SCENARIO = os.path.join(SRC, "configs", "quickstart.yaml")
ARGS = ["--set", "time.duration_s=7200", "--set", "faults.rate_scale=200", "-q"]
MAGIC = b"CLUSTERTWIN-RESTART-9\0"


def fnv1a(data):
    h = 1469598103934665603
    for b in data:
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def parse(raw):
    assert raw.startswith(MAGIC)
    pos, blocks = len(MAGIC), []
    while pos < len(raw):
        (n_name,) = struct.unpack_from("<I", raw, pos)
        name = raw[pos + 4:pos + 4 + n_name].decode()
        n, _ = struct.unpack_from("<QQ", raw, pos + 4 + n_name)
        start = pos + 4 + n_name + 16
        blocks.append([name, bytearray(raw[start:start + n])])
        pos = start + n
    return blocks


def build(blocks, fix_checksums=True, lengths=None):
    out = bytearray(MAGIC)
    for i, (name, payload) in enumerate(blocks):
        out += struct.pack("<I", len(name)) + name.encode()
        n = len(payload) if lengths is None or i not in lengths else lengths[i]
        out += struct.pack("<QQ", n, fnv1a(payload) if fix_checksums else 0) + payload
    return bytes(out)


def header_fields(payload):
    (n,) = struct.unpack_from("<Q", payload, 0)
    yaml = payload[8:8 + n]
    tick, seed, samples, events = struct.unpack_from("<qQqq", payload, 8 + n)
    return yaml, tick, seed, samples, events


def make_header(yaml, tick, seed, samples, events):
    return bytearray(struct.pack("<Q", len(yaml)) + yaml +
                     struct.pack("<qQqq", tick, seed, samples, events))


class CorruptRestartTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.out = os.path.join(cls.tmp, "run.h5")
        p = subprocess.run(["mpirun", "-n", "2", BIN, "run", SCENARIO, "-o", cls.out, *ARGS,
                            "--stop-after", "3600"], env=ENV, capture_output=True, text=True)
        assert p.returncode == 75, p.stderr
        with open(cls.out + ".restart", "rb") as f:
            cls.good = f.read()
        cls.blocks = parse(cls.good)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def resume(self, data, expect_in):
        """Resume from `data` on 2 ranks: exit 2 naming `expect_in`, no final output."""
        work = tempfile.mkdtemp(dir=self.tmp)
        out = os.path.join(work, "run.h5")
        shutil.copy(self.out + ".partial", out + ".partial")
        restart = os.path.join(work, "bad.restart")
        with open(restart, "wb") as f:
            f.write(data)
        p = subprocess.run(["mpirun", "-n", "2", BIN, "run", SCENARIO, "-o", out, *ARGS,
                            "--restart", restart], env=ENV, capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(p.returncode, 2, p.stderr[-2000:])
        self.assertIn(expect_in, p.stderr)
        self.assertFalse(os.path.exists(out), "a file under the final name")
        self.assertTrue(os.path.exists(out + ".partial"), "the partial output was removed")
        return p.stderr

    def test_the_good_file_resumes(self):
        names = [b[0] for b in self.blocks]
        self.assertEqual(names[:2], ["header", "replicated"])
        self.assertEqual(names[-1], "pending")
        self.assertEqual(build(self.blocks), self.good)

    def test_truncated_anywhere(self):
        for cut in (len(MAGIC) - 3, len(MAGIC) + 10, len(self.good) // 3, len(self.good) // 2,
                    len(self.good) - 5):
            with self.subTest(cut=cut):
                self.resume(self.good[:cut], "restart file")

    def test_flipped_exponent_bit_in_accelerator_data(self):
        blocks = [[n, bytearray(p)] for n, p in self.blocks]
        field0 = blocks[2][1]  # junction temperatures (float64)
        field0[8 * 5 + 7] ^= 0x40
        self.resume(self._with_old_sums(blocks),
                    "block 'field0' fails its checksum")

    def _with_old_sums(self, blocks):
        # The damaged payload keeps the checksum the writer computed for the good one.
        good_sums = {}
        pos = len(MAGIC)
        raw = self.good
        while pos < len(raw):
            (n_name,) = struct.unpack_from("<I", raw, pos)
            name = raw[pos + 4:pos + 4 + n_name].decode()
            n, s = struct.unpack_from("<QQ", raw, pos + 4 + n_name)
            good_sums[name] = s
            pos += 4 + n_name + 16 + n
        out = bytearray(MAGIC)
        for name, payload in blocks:
            out += struct.pack("<I", len(name)) + name.encode()
            out += struct.pack("<QQ", len(payload), good_sums[name]) + payload
        return bytes(out)

    def test_pending_block_of_odd_length(self):
        blocks = [[n, bytearray(p)] for n, p in self.blocks]
        blocks[-1][1] += b"\x01\x02\x03"
        self.resume(build(blocks), "block 'pending' has")

    def test_pending_failure_with_invalid_key(self):
        blocks = [[n, bytearray(p)] for n, p in self.blocks]
        blocks[-1][1] += struct.pack("<dqii", 100.0, -5, 0, 0)
        self.resume(build(blocks), "block 'pending' holds an invalid failure")

    def test_next_tick_negative_zero_and_past_the_end(self):
        yaml, tick, seed, samples, events = header_fields(self.blocks[0][1])
        for bad_tick in (-1, 0, 7200, 10**12):
            with self.subTest(tick=bad_tick):
                blocks = [[n, bytearray(p)] for n, p in self.blocks]
                blocks[0][1] = make_header(yaml, bad_tick, seed, samples, events)
                self.resume(build(blocks), "resumes at tick")

    def test_sample_count_beyond_the_restart_point(self):
        yaml, tick, seed, samples, events = header_fields(self.blocks[0][1])
        blocks = [[n, bytearray(p)] for n, p in self.blocks]
        blocks[0][1] = make_header(yaml, tick, seed, 10**9, events)
        self.resume(build(blocks), "output samples")

    def test_length_larger_than_the_file(self):
        self.resume(build(self.blocks, lengths={1: 1 << 40}), "bytes but the file has")

    def test_field_of_the_wrong_size(self):
        blocks = [[n, bytearray(p)] for n, p in self.blocks]
        blocks[3][1] = blocks[3][1][:-8]
        self.resume(build(blocks), "block 'field1' has")

    def test_garbage_replicated_state_with_a_valid_checksum(self):
        blocks = [[n, bytearray(p)] for n, p in self.blocks]
        blob = blocks[1][1]
        for k in range(0, len(blob), 7):
            blob[k] ^= 0xA5
        self.resume(build(blocks), "block 'replicated'")

    def test_not_a_restart_file(self):
        self.resume(b"\x7fELF" + os.urandom(4000), "not a clustertwin restart file")


if __name__ == "__main__":
    unittest.main()
