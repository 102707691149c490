"""Command line: messages on standard error, results on standard output; --log-level, --quiet,
--progress-interval (log lines in a batch log, a live line on a terminal); `info` warnings on
standard error; `presets`.

Environment: CLUSTERTWIN (binary), CT_SOURCE_DIR (repository root).
"""
import os
import re
import subprocess
import tempfile
import unittest

BIN = os.environ.get("CLUSTERTWIN", "clustertwin")
SRC = os.environ.get("CT_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
QUICKSTART = os.path.join(SRC, "configs", "quickstart.yaml")
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
# 6 simulated hours at a 60 s tick: 360 ticks, well under a second of wall time.
SHORT = ["--set", "time.duration_s=21600", "--set", "time.tick_s=60"]
STAMP = re.compile(r"^\[\d\d:\d\d:\d\d\] ")


def run(*args, **kw):
    return subprocess.run([BIN, *args], capture_output=True, text=True, env=ENV, timeout=300, **kw)


class Logging(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def out(self, name):
        return os.path.join(self.tmp.name, name)

    def test_results_on_stdout_messages_on_stderr(self):
        p = run("run", QUICKSTART, "-o", self.out("a.h5"), *SHORT)
        self.assertEqual(p.returncode, 0, p.stderr)
        # stdout: the summary only, no log lines
        self.assertIn("ETTR", p.stdout)
        self.assertIn("output: " + self.out("a.h5"), p.stdout)
        self.assertFalse(any(STAMP.match(x) for x in p.stdout.splitlines()), p.stdout)
        # stderr: the start line and (not a terminal) the final progress line
        lines = p.stderr.splitlines()
        self.assertTrue(lines and all(STAMP.match(x) for x in lines), p.stderr)
        self.assertIn("512 accelerators in 16 racks", p.stderr)
        self.assertRegex(p.stderr, r"t = 0\.25 d \(100\.0%\)")
        self.assertNotIn("\r", p.stderr)

    def test_quiet_is_quiet(self):
        p = run("run", QUICKSTART, "-o", self.out("q.h5"), "-q", *SHORT)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, "")
        self.assertIn("ETTR", p.stdout)  # results still on stdout

    def test_quiet_keeps_warnings(self):
        p = run("run", QUICKSTART, "-o", self.out("w.h5"), "-q", *SHORT,
                "--set", "jobs.0.model.global_batch_tokens=4194304")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("warning: job llama70b: the global batch of 512 sequences", p.stderr)

    def test_debug_shows_more_than_info(self):
        info = run("run", QUICKSTART, "-o", self.out("i.h5"), *SHORT)
        debug = run("run", QUICKSTART, "-o", self.out("d.h5"), "--log-level", "debug", *SHORT)
        self.assertEqual(debug.returncode, 0, debug.stderr)
        self.assertGreater(len(debug.stderr.splitlines()), len(info.stderr.splitlines()))
        for needle in ("decomposition:", "output: 72 samples every 300", "MPI reductions"):
            self.assertIn(needle, debug.stderr)
            self.assertNotIn(needle, info.stderr)
        self.assertEqual(run("run", QUICKSTART, "--log-level", "loud").returncode, 2)

    def test_progress_interval(self):
        p = run("run", QUICKSTART, "-o", self.out("p.h5"), "--progress-interval", "0", *SHORT)
        self.assertEqual(p.returncode, 0, p.stderr)
        progress = [x for x in p.stderr.splitlines() if " t = " in x]
        self.assertEqual(len(progress), 360)  # one per tick
        self.assertIn("(100.0%)", progress[-1])
        p = run("run", QUICKSTART, "-o", self.out("p2.h5"), "--progress-interval", "-1", *SHORT)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--progress-interval", p.stderr)

    def test_live_line_on_a_terminal(self):
        # `script` runs the command on a pseudo-terminal: stderr is a TTY there.
        cmd = " ".join([BIN, "run", QUICKSTART, "-o", self.out("tty.h5"),
                        "--progress-interval", "0.001", *SHORT])
        p = subprocess.run(["script", "-qec", cmd, "/dev/null"], capture_output=True, env=ENV,
                           timeout=300)
        text = p.stdout.decode()  # bytes: text mode would turn "\r" into "\n"
        self.assertEqual(p.returncode, 0, text)
        self.assertGreater(text.count("\r["), 1)           # rewritten in place
        self.assertIn("(100.0%)", text)
        self.assertLess(text.count("\n"), 20)              # not one line per update

    def test_info_warnings_on_stderr(self):
        p = run("info", QUICKSTART, "--set", "grid.site_capacity_w=5e6")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("step time", p.stdout)
        self.assertNotIn("warning", p.stdout)
        self.assertIn("warning: grid.site_capacity_w = 5.00 MW can never bind", p.stderr)
        p = run("info", QUICKSTART)
        self.assertEqual(p.stderr, "")

    def test_presets(self):
        p = run("presets")
        self.assertEqual(p.returncode, 0, p.stderr)
        for section in ("accelerators", "fabrics", "cooling plants", "climates",
                        "carbon regions"):
            self.assertIn(section, p.stdout)
        self.assertRegex(p.stdout, r"b200_800g\s+node\s+900\s+800")
        self.assertEqual(run("presets", "--bogus").returncode, 2)


if __name__ == "__main__":
    unittest.main()
