"""A real sweep through the simulator, summarize and the report tool (stdlib unittest).

Needs the simulator: set CLUSTERTWIN to the path of the clustertwin binary, e.g.

    CLUSTERTWIN=build/clustertwin /usr/bin/python3 -m unittest tests.python.test_report_sweep

(from the repository root; or `-m unittest discover -s tests/python`). Skipped when unset.

Runs every variant of configs/studies/sweep-demo.yaml for six simulated hours, tabulates them
with `clustertwin summarize`, and checks the comparison report built from the table and from
the output files, and the single-run report of one variant.
"""
import csv
import os
import shutil
import subprocess
import tempfile
import unittest

from report_checks import ReportChecks

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TOOL = os.path.join(ROOT, "tools", "clustertwin-report")
STUDY = os.path.join(ROOT, "configs", "studies", "sweep-demo.yaml")
BINARY = os.environ.get("CLUSTERTWIN")

SINGLE_RUN_FIGURES = ["facility", "rack_heatmap", "category_stack", "category_breakdown",
                      "events", "jobs"]


def run(cmd, timeout=300):
    env = dict(os.environ, MPLBACKEND="Agg")
    if os.geteuid() == 0:  # Open MPI refuses root unless told (scripts/mpi-env.sh)
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)


@unittest.skipUnless(BINARY, "set CLUSTERTWIN to the path of the clustertwin binary to run "
                             "the real-sweep report test")
class TestRealSweepReport(unittest.TestCase, ReportChecks):
    @classmethod
    def setUpClass(cls):
        if not os.access(BINARY, os.X_OK):
            raise unittest.SkipTest(f"CLUSTERTWIN={BINARY} is not an executable file")
        cls.tmp = tempfile.mkdtemp(prefix="ct-sweep-")
        r = run([BINARY, "sweep", STUDY, "--count"])
        assert r.returncode == 0, r.stderr
        cls.count = int(r.stdout.strip())
        cls.outputs = []
        for i in range(cls.count):
            out = os.path.join(cls.tmp, f"demo_{i}.h5")
            # A single process needs no mpirun: MPI_Init works as a singleton.
            r = run([BINARY, "run", STUDY, "--sweep-index", str(i), "--set", "time.duration_s=21600",
                     "-q", "-o", out])
            assert r.returncode == 0, f"variant {i}: {r.stderr}"
            assert os.path.isfile(out) and not os.path.exists(out + ".partial"), out
            cls.outputs.append(out)
        cls.table = os.path.join(cls.tmp, "table.csv")
        r = run([BINARY, "summarize", *cls.outputs, "-o", cls.table])
        assert r.returncode == 0, r.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_sweep_and_table(self):
        self.assertEqual(self.count, 3)
        with open(self.table, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        self.assertEqual(len(rows), self.count)
        self.assertEqual([int(r["sweep_index"]) for r in rows], list(range(self.count)))
        self.assertEqual([float(r["faults.rate_scale"]) for r in rows], [1.0, 20.0, 50.0])
        self.assertEqual({r["sweep_keys"] for r in rows}, {"faults.rate_scale"})
        for r in rows:
            self.assertEqual(float(r["simulated_s"]), 21600.0)
            self.assertTrue(0.0 < float(r["ettr"]) <= 1.0)

    def _check_compare(self, out, r):
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")  # no matplotlib warnings
        html, srcs = self.assert_report(out, min_figures=2)
        self.assertTrue(all(s.startswith("compare_") for s in srcs), srcs)
        self.assertLessEqual(len(srcs), 14)
        self.assertIn("compare_00_accelerator_time.png", srcs)
        self.assertIn("compare_01_ettr.png", srcs)
        self.assertRegex(html, r"<dt>swept</dt><dd>faults\.rate_scale</dd>")
        self.assertNotIn("energy_j_", " ".join(srcs))
        return srcs

    def test_compare_from_table(self):
        out = os.path.join(self.tmp, "compare-table")
        a = self._check_compare(out, run(["/usr/bin/python3", TOOL, "--compare", self.table,
                                          "-o", out]))
        out2 = os.path.join(self.tmp, "compare-files")
        b = self._check_compare(out2, run(["/usr/bin/python3", TOOL, "--compare", *self.outputs,
                                           "-o", out2]))
        self.assertEqual(sorted(a), sorted(b))  # the same figures from the table and the files

    def test_single_run_report(self):
        out = os.path.join(self.tmp, "single")
        r = run(["/usr/bin/python3", TOOL, self.outputs[-1], "-o", out])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        html, _ = self.assert_report(out, min_figures=len(SINGLE_RUN_FIGURES))
        for fig_id in SINGLE_RUN_FIGURES:
            self.assertRegex(html, rf'<figure id="fig-{fig_id}">')
        self.assertIn("sweep-demo", html)


if __name__ == "__main__":
    unittest.main()
