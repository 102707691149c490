"""Tests of tools/clustertwin-report (stdlib unittest; run from the repository root):

    /usr/bin/python3 -m unittest discover -s tests/python -v

Set CLUSTERTWIN_REPORT_INPUT=/path/to/real_output.h5 to run the same checks on a
real simulator output as well (skipped when unset).
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TOOL = os.path.join(ROOT, "tools", "clustertwin-report")
sys.path.insert(0, HERE)

import make_fixture  # noqa: E402
from report_checks import ReportChecks  # noqa: E402

FIGURE_IDS = ["facility", "rack_heatmap", "category_stack", "category_breakdown", "events",
              "jobs", "ramps", "thermal_distribution", "step_mfu", "cumulative", "grid"]
# with two buildings and a facility cap also "building_power" and "cap"


def run_tool(*args):
    env = dict(os.environ, MPLBACKEND="Agg")
    r = subprocess.run(["/usr/bin/python3", TOOL, *args], capture_output=True, text=True,
                       env=env, timeout=600)
    return r


class TestSingleRun(unittest.TestCase, ReportChecks):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ct-report-")
        cls.h5 = make_fixture.make_output(os.path.join(cls.tmp, "out.h5"), samples=1440,
                                          racks=32, replicas=True, cap_w=2.0e6,
                                          dr_window_h=(17, 19))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_full_report(self):
        out = os.path.join(self.tmp, "report")
        r = run_tool(self.h5, "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")                       # no warnings of any kind
        html, srcs = self.assert_report(out, FIGURE_IDS + ["building_power", "cap"],
                                        min_figures=13)
        self.assertIn("fixture-h100-air", html)              # scenario name
        self.assertIn("2026-07-01", html)                    # time span
        self.assertIn("North campus, South", html)           # building names
        self.assertIn("Summary", html)
        self.assertIn("ettr", html)
        self.assertIn("Ensemble", html)                      # replicas table
        self.assertNotIn('class="failed"', html)
        # figures first, then the summary, grouped, with readable units
        self.assertLess(html.index("<figure"), html.index('id="summary"'))
        for group in ("Training", "Energy and power", "Carbon, cost and water",
                      "Accelerator time by category"):
            self.assertIn(f'<h3 class="group">{group}</h3>', html)
        self.assertIn("MW/s", html)                          # largest_ramp_w_per_s
        self.assertIn(" t CO₂", html)
        for bad in ("w per", "W s-1", " | ", "j per"):
            self.assertNotIn(bad, html)

    def test_missing_datasets_are_skipped_with_a_note(self):
        h5 = make_fixture.make_output(
            os.path.join(self.tmp, "partial.h5"), samples=200, racks=8,
            omit=["racks", "events", "jobs", "facility/pue", "accelerator_energy", "ensemble"])
        out = os.path.join(self.tmp, "partial")
        r = run_tool(h5, "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        html, _ = self.assert_report(out, ["facility", "category_stack", "category_breakdown"])
        for fig_id in ("rack_heatmap", "events", "jobs", "building_power", "cap"):
            self.assertRegex(html, rf'class="skipped" id="fig-{fig_id}"')
        self.assertNotIn("Ensemble", html)
        self.assertIn("no power cap", html)

    def test_no_summary_no_accelerator_time(self):
        h5 = make_fixture.make_output(os.path.join(self.tmp, "bare.h5"), samples=100, racks=4,
                                      omit=["summary", "accelerator_time", "accelerator_energy"])
        out = os.path.join(self.tmp, "bare")
        r = run_tool(h5, "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        html, _ = self.assert_report(out, ["facility"])
        self.assertRegex(html, 'class="skipped" id="fig-category_breakdown"')

    def test_long_run_is_decimated(self):
        # 20 days at 30 s = 57 600 samples x 64 racks
        h5 = make_fixture.make_output(os.path.join(self.tmp, "long.h5"), samples=57600,
                                      interval=30.0, racks=64, seed=7)
        out = os.path.join(self.tmp, "long")
        r = run_tool(h5, "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        html, _ = self.assert_report(out, FIGURE_IDS)
        self.assertIn("bins of 1 h", html)                   # 20 days: hourly min/mean/max

    def test_missing_input_exits_2(self):
        r = run_tool(os.path.join(self.tmp, "does-not-exist.h5"), "-o",
                     os.path.join(self.tmp, "x"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("does-not-exist.h5", r.stderr)
        self.assertNotIn("Traceback", r.stderr)

    def test_unreadable_input_exits_2(self):
        bad = os.path.join(self.tmp, "garbage.h5")
        with open(bad, "w") as fh:
            fh.write("not hdf5\n")
        r = run_tool(bad, "-o", os.path.join(self.tmp, "y"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("garbage.h5", r.stderr)
        self.assertNotIn("Traceback", r.stderr)

    def test_hdf5_without_time_exits_2(self):
        import h5py
        p = os.path.join(self.tmp, "notours.h5")
        with h5py.File(p, "w") as f:
            f["x"] = [1, 2, 3]
        r = run_tool(p, "-o", os.path.join(self.tmp, "z"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("/time", r.stderr)

    def test_bad_arguments_exit_2(self):
        self.assertEqual(run_tool().returncode, 2)
        self.assertEqual(run_tool(self.h5, "--compare", self.h5).returncode, 2)


class TestCompare(unittest.TestCase, ReportChecks):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ct-compare-")
        cls.runs = make_fixture.make_sweep(cls.tmp, samples=240, racks=8)
        cls.csv = make_fixture.write_summary_csv(cls.runs, os.path.join(cls.tmp, "table.csv"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def _check(self, out, r):
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")                       # no matplotlib warnings
        html, srcs = self.assert_report(out, min_figures=4)
        self.assertIn("checkpoint.interval_s", html)
        names = " ".join(srcs)
        # the study's figures: core ones and the checkpoint/fault ones, nothing unswept
        for metric in ("accelerator_time", "ettr", "energy_facility_j",
                       "accelerator_s_checkpoint"):
            self.assertIn(metric, names)
        self.assertLessEqual(len(srcs), 14)
        for not_a_figure in ("energy_j_", "failures_", "simulated_s", "accelerators.png"):
            self.assertNotIn(not_a_figure, names)
        self.assertIn("swept", html)
        self.assertNotIn("energy_j_exposed_comm =", html)    # never taken for a parameter
        return html, srcs

    def test_compare_csv(self):
        out = os.path.join(self.tmp, "cmp-csv")
        self._check(out, run_tool("--compare", self.csv, "-o", out))

    def test_compare_old_csv_without_sweep_keys(self):
        csv = make_fixture.write_summary_csv(self.runs, os.path.join(self.tmp, "old.csv"),
                                             sweep_keys_column=False)
        out = os.path.join(self.tmp, "cmp-old")
        html, _ = self._check(out, run_tool("--compare", csv, "-o", out))
        self.assertIn("no sweep_keys column", html)

    def test_compare_h5_files_with_ensemble(self):
        out = os.path.join(self.tmp, "cmp-h5")
        html, srcs = self._check(out, run_tool("--compare", *self.runs, "-o", out))
        self.assertIn("ettr_mean", " ".join(srcs))   # ensemble means (with CI error bars)

    def test_compare_explicit_metrics(self):
        out = os.path.join(self.tmp, "cmp-m")
        r = run_tool("--compare", self.csv, "-o", out, "--metrics", "pue_mean,cost_usd")
        self.assertEqual(r.returncode, 0, r.stderr)
        _, srcs = self.assert_report(out, min_figures=1)
        self.assertTrue(all(("pue_mean" in s or "cost_usd" in s or "accelerator_time" in s)
                            for s in srcs), srcs)
        r = run_tool("--compare", self.csv, "-o", out, "--metrics", "nope")
        self.assertEqual(r.returncode, 2)

    def test_compare_two_parameters(self):
        paths = []
        for i, (a, b) in enumerate([(900.0, "air"), (1800.0, "air"), (900.0, "liquid"),
                                    (1800.0, "liquid")]):
            paths.append(make_fixture.make_output(
                os.path.join(self.tmp, f"g{i}.h5"), samples=120, racks=4, seed=i,
                ckpt_interval_s=a, sweep={"checkpoint.interval_s": a, "cooling.kind": b},
                sweep_index=i))
        csv = make_fixture.write_summary_csv(paths, os.path.join(self.tmp, "grid.csv"))
        out = os.path.join(self.tmp, "cmp-grid")
        r = run_tool("--compare", csv, "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        html, srcs = self.assert_report(out, min_figures=4)
        self.assertIn("cooling.kind", html)
        self.assertIn("pue_mean", " ".join(srcs))  # a cooling study gets the PUE figure

    def test_compare_missing_file_exits_2(self):
        r = run_tool("--compare", self.runs[0], os.path.join(self.tmp, "missing.h5"), "-o",
                     os.path.join(self.tmp, "cmp-x"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("missing.h5", r.stderr)
        r = run_tool("--compare", os.path.join(self.tmp, "missing.csv"), "-o",
                     os.path.join(self.tmp, "cmp-y"))
        self.assertEqual(r.returncode, 2)


@unittest.skipUnless(os.environ.get("CLUSTERTWIN_REPORT_INPUT"),
                     "set CLUSTERTWIN_REPORT_INPUT to a real clustertwin output to run")
class TestRealOutput(unittest.TestCase, ReportChecks):
    """The same checks on a real simulator output file."""

    def test_real_output(self):
        src = os.environ["CLUSTERTWIN_REPORT_INPUT"]
        tmp = tempfile.mkdtemp(prefix="ct-report-real-")
        try:
            out = os.path.join(tmp, "report")
            r = run_tool(src, "-o", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            html, _ = self.assert_report(out, min_figures=1)
            self.assertNotIn('class="failed"', html, "a figure raised an error")
            # every required figure is either drawn or explicitly skipped with a reason
            for fig_id in FIGURE_IDS:
                self.assertRegex(html, rf'id="fig-{fig_id}"')
            # the required figures whose data the file has must have been drawn
            import h5py
            with h5py.File(src, "r") as f:
                needs = {"facility": "facility/power_it_w",
                         "rack_heatmap": "racks/max_junction_temperature_c",
                         "category_stack": "accelerator_time/compute"}
                for fig_id, path in needs.items():
                    if path in f:
                        self.assertRegex(html, rf'<figure id="fig-{fig_id}">')
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
