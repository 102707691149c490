"""End-to-end checks of a real run's HDF5 output: readable by xarray and ncdump, accounting
closes, energy balances, and failed runs leave no file under the output name.

Environment: CLUSTERTWIN (binary), CT_SOURCE_DIR (repository root).
"""
import os
import subprocess
import tempfile
import unittest

import h5py
import numpy as np
import xarray as xr

BIN = os.environ.get("CLUSTERTWIN", "clustertwin")
SRC = os.environ.get("CT_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
QUICKSTART = os.path.join(SRC, "configs", "quickstart.yaml")
MPI_ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1",
               OMPI_MCA_btl_vader_single_copy_mechanism="none")
CATEGORIES = ["compute", "pipeline_bubble", "exposed_comm", "straggler_wait", "checkpoint",
              "recovery", "waiting", "lost", "serving_prefill", "serving_decode", "serving_idle",
              "unallocated"]


def run(*args, ranks=2, check=True):
    cmd = ["mpirun", "-n", str(ranks), BIN, "run", *args] if ranks else [BIN, "run", *args]
    return subprocess.run(cmd, env=MPI_ENV, capture_output=True, text=True, check=check)


class OutputTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = os.path.join(cls.tmp.name, "out.h5")
        # 12 hours with failures scaled up, so lost work and recovery appear.
        cls.proc = run(QUICKSTART, "-o", cls.out, "-q", "--set", "time.duration_s=43200",
                       "--set", "faults.rate_scale=60")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_summary_printed_with_output_path(self):
        self.assertIn("output:", self.proc.stdout)
        self.assertIn(self.out, self.proc.stdout)
        self.assertFalse(os.path.exists(self.out + ".partial"))

    def test_xarray_time_coordinate(self):
        ds = xr.open_dataset(self.out, engine="h5netcdf")
        self.assertIn("time", ds.coords)
        self.assertEqual(ds.sizes["time"], 43200 // 300)
        self.assertEqual(str(ds.time.values[0])[:19], "2026-07-15T00:05:00")
        fac = xr.open_dataset(self.out, engine="h5netcdf", group="facility")
        self.assertEqual(fac.power_it_w.dims, ("time",))
        self.assertEqual(fac.power_it_w.attrs["units"], "W")
        racks = xr.open_dataset(self.out, engine="h5netcdf", group="racks")
        self.assertEqual(racks.power_w.dims, ("time", "rack"))
        self.assertEqual(list(racks.rack.values), list(range(16)))

    def test_ncdump_header(self):
        p = subprocess.run(["ncdump", "-h", self.out], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("time = UNLIMITED", p.stdout)
        self.assertIn("group: facility", p.stdout)

    def test_every_dataset_has_dimension_scales(self):
        with h5py.File(self.out) as f:
            missing = []

            def visit(name, obj):
                # netCDF-4's marker of a dimension without a variable (bnds of time_bnds)
                if isinstance(obj, h5py.Dataset) and obj.attrs.get("NAME", b"").startswith(
                        b"This is a netCDF dimension but not a netCDF variable"):
                    return
                if isinstance(obj, h5py.Dataset):
                    for d in obj.dims:
                        if len(d) == 0 and not obj.attrs.get("CLASS", b"") == b"DIMENSION_SCALE":
                            missing.append(name)
                    if "units" not in obj.attrs or "long_name" not in obj.attrs:
                        missing.append(name + " (units/long_name)")
            f.visititems(visit)
            self.assertEqual(missing, [])

    def test_categories_sum_to_accelerators_times_interval(self):
        with h5py.File(self.out) as f:
            n = f["summary"].attrs["accelerators"]
            total = sum(f["accelerator_time/" + c][:] for c in CATEGORIES)
            np.testing.assert_allclose(total, n * 300.0, rtol=1e-9)
            s = f["summary"].attrs
            whole = sum(s["accelerator_s_" + c] for c in CATEGORIES)
            self.assertAlmostEqual(whole / (n * s["simulated_s"]), 1.0, delta=1e-9)
            self.assertGreater(s["accelerator_s_lost"], 0.0)  # failures did throw work away
            self.assertGreater(s["accelerator_s_recovery"], 0.0)

    def test_category_energy_sums_to_it_energy(self):
        with h5py.File(self.out) as f:
            energy = sum(f["accelerator_energy/" + c][:] for c in CATEGORIES)
            np.testing.assert_allclose(energy, f["facility/power_it_w"][:] * 300.0, rtol=1e-9)
            s = f["summary"].attrs
            self.assertAlmostEqual(s["heat_removed_j"] / s["energy_it_j"], 1.0, delta=1e-9)
            self.assertAlmostEqual(f["facility/energy_it_j"][-1] / s["energy_it_j"], 1.0,
                                   delta=1e-12)

    def test_ettr_is_compute_over_allocated(self):
        with h5py.File(self.out) as f:
            s = f["summary"].attrs
            allocated = s["accelerators"] * s["simulated_s"] - s["accelerator_s_unallocated"]
            self.assertAlmostEqual(s["ettr"], s["accelerator_s_compute"] / allocated, places=12)

    def test_failure_events_match_interruptions(self):
        with h5py.File(self.out) as f:
            meanings = f["events/kind"].attrs["flag_meanings"]
            kinds = (meanings.decode() if isinstance(meanings, bytes) else meanings).split()
            failure = kinds.index("failure")
            kind = f["events/kind"][:]
            job = f["events/job"][:]
            interrupting = np.sum((kind == failure) & (job >= 0))
            self.assertEqual(interrupting, f["summary"].attrs["interruptions"])
            lost = f["events/lost_accelerator_s"][:].sum()
            self.assertAlmostEqual(lost / f["summary"].attrs["accelerator_s_lost"], 1.0, delta=1e-9)

    def test_resolved_scenario_stored(self):
        with h5py.File(self.out) as f:
            text = f.attrs["scenario"]
            text = text.decode() if isinstance(text, bytes) else text
            self.assertIn("duration_s: 43200", text)
            self.assertIn("rate_scale: 60", text)


class FailedRunTest(unittest.TestCase):
    def test_bad_scenario_leaves_no_file(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "bad.h5")
            p = run(QUICKSTART, "-o", out, "--set", "time.tick_s=0", check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn("time.tick_s", p.stderr)
            self.assertFalse(os.path.exists(out))
            self.assertFalse(os.path.exists(out + ".partial"))

    def test_unwritable_output_is_runtime_failure(self):
        out = "/nonexistent-dir/x.h5"
        p = run(QUICKSTART, "-o", out, "--set", "time.duration_s=3600", check=False, ranks=1)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main()
