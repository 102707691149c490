"""CF conventions of the output and `clustertwin export`, checked with the real tools: udunits2
for every units string, ncdump, CDO (cdo sinfon / infon / outputtab), ParaView's NetCDF reader
(pvpython, offscreen) and xarray on the flat file, h5py/xarray on the native file.

Environment: CLUSTERTWIN (binary), CT_SOURCE_DIR (repository root). Needs the Debian packages
udunits-bin, netcdf-bin, cdo, paraview + python3-paraview (scripts/install-deps.sh).
"""
import json
import os
import re
import shutil
import subprocess
import tempfile
import textwrap
import unittest

import h5py
import numpy as np
import xarray as xr

BIN = os.environ.get("CLUSTERTWIN", "clustertwin")
SRC = os.environ.get("CT_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1",
           OMPI_MCA_btl_vader_single_copy_mechanism="none")
# CF standard name table (version 84): the names clustertwin uses, each with its canonical units.
CF_STANDARD_NAMES = {"time": "s", "air_temperature": "K", "wet_bulb_temperature": "K"}
NETCDF_DIM_ONLY = b"This is a netCDF dimension but not a netCDF variable"

# Two buildings (names with a space), a site cap and a daily demand-response window in local
# time, so power_cap_w has both NaN (no cap) and values; 6 h at a 60 s tick, ending at midnight.
SCENARIO = """\
extends: {src}/configs/quickstart.yaml
name: cf-check
time:
  start: "2026-07-15T18:00:00Z"
  duration_s: 21600
  tick_s: 60
  output_interval_s: 600
campus:
  buildings:
    - {{name: North hall, position_m: [0, 0], halls: 1, racks_per_hall: 6}}
    - {{name: South, position_m: [800, 0], halls: 2, racks_per_hall: 5}}
grid:
  utc_offset_h: 2
  demand_response:
    - {{start: "21:00", end: "22:00", cap_w: 600000}}
jobs:
  - name: job-a
    model: {{parameters: 7.0e9, global_batch_tokens: 1048576, layers: 32, hidden_size: 4096}}
    parallel: {{tp: 8, pp: 1, dp: 8}}
"""


def sh(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, env=ENV, timeout=300, **kw)


def udunits_ok(units):
    # `udunits2 -H U -W ''` converts U to its base units; exit status 1 if it cannot parse U.
    p = sh(["udunits2", "-H", units, "-W", ""], stdin=subprocess.DEVNULL)
    return p.returncode == 0


class CfOutput(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ct-cf-")
        scen = os.path.join(cls.tmp, "cf.yaml")
        with open(scen, "w") as fh:
            fh.write(SCENARIO.format(src=SRC))
        cls.h5 = os.path.join(cls.tmp, "cf.h5")
        p = sh([BIN, "run", scen, "-o", cls.h5, "-q"])
        assert p.returncode == 0, p.stderr
        cls.nc = os.path.join(cls.tmp, "flat.nc")
        cls.export = sh([BIN, "export", cls.h5, "-o", cls.nc])
        assert cls.export.returncode == 0, cls.export.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # ---- native file ------------------------------------------------------------------------
    def variables(self, f):
        out = {}

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and not obj.attrs.get("NAME", b"").startswith(
                    NETCDF_DIM_ONLY):
                out[name] = obj
        f.visititems(visit)
        return out

    def test_every_units_string_parses_with_udunits2(self):
        units = set()
        with h5py.File(self.h5) as f:
            for name, ds in self.variables(f).items():
                units.add(ds.attrs["units"])
        self.assertIn("s-1", units)  # the cost rate: USD is no udunits unit
        bad = sorted(u for u in units if not udunits_ok(u))
        self.assertEqual(bad, [], "units udunits2 cannot parse")
        self.assertFalse(udunits_ok("USD s-1"))  # the check can fail

    def test_time_bounds_are_the_output_intervals(self):
        with h5py.File(self.h5) as f:
            t = f["time"][:]
            self.assertEqual(f["time"].attrs["bounds"], "time_bnds")
            b = f["time_bnds"][:]
            self.assertEqual(b.shape, (t.size, 2))
            np.testing.assert_array_equal(b[:, 1], t)
            np.testing.assert_array_equal(b[:, 0], t - 600.0)
            self.assertEqual(b[0, 0], 0.0)
        ds = xr.open_dataset(self.h5, engine="h5netcdf")
        self.assertEqual(str(ds.time_bnds.values[0, 0]), "2026-07-15T18:00:00.000000000")

    def test_cell_methods_and_standard_names(self):
        with h5py.File(self.h5) as f:
            allowed = re.compile(r"^time: (mean|maximum|minimum|sum|point)( \(.*\))?$")
            for name, ds in self.variables(f).items():
                if ds.ndim and ds.dims[0] and ds.dims[0][0].name == "/time" and name != "time":
                    if name == "time_bnds":
                        continue
                    self.assertRegex(ds.attrs.get("cell_methods", ""), allowed, name)
                if "standard_name" in ds.attrs:
                    sn = ds.attrs["standard_name"]
                    self.assertIn(sn, CF_STANDARD_NAMES, name)
                    conv = sh(["udunits2", "-H", ds.attrs["units"].split(" since")[0],
                               "-W", CF_STANDARD_NAMES[sn]], stdin=subprocess.DEVNULL)
                    self.assertEqual(conv.returncode, 0, f"{name}: units not convertible")
            cm = {k: f[k].attrs["cell_methods"] for k in (
                "facility/power_it_w", "facility/power_facility_max_w", "facility/power_cap_w",
                "facility/energy_facility_j", "accelerator_time/compute",
                "racks/max_junction_temperature_c")}
            self.assertEqual(cm, {
                "facility/power_it_w": "time: mean",
                "facility/power_facility_max_w": "time: maximum",
                "facility/power_cap_w": "time: minimum",
                "facility/energy_facility_j": "time: point",
                "accelerator_time/compute": "time: sum",
                "racks/max_junction_temperature_c": "time: maximum"})
            self.assertEqual(f["facility/outdoor_temperature_c"].attrs["standard_name"],
                             "air_temperature")

    def test_fill_value_where_nan_appears(self):
        with h5py.File(self.h5) as f:
            ds = f["facility/power_cap_w"]
            self.assertTrue(np.isnan(ds.attrs["_FillValue"]))
            self.assertEqual(ds.attrs["_FillValue"].dtype, ds.dtype)
            cap = ds[:]
            self.assertTrue(np.isnan(cap).any() and np.isfinite(cap).any())
            # every float series that holds a NaN declares it
            for name, v in self.variables(f).items():
                if v.dtype.kind == "f" and np.isnan(v[()]).any():
                    self.assertIn("_FillValue", v.attrs, name)

    def test_demand_response_window_in_local_time(self):
        # 21:00-22:00 at UTC+2 is 19:00-20:00 UTC, 1 h to 2 h after the start: the 600 kW cap
        # is in force in the intervals ending 19:10 ... 20:00 and nowhere else.
        with h5py.File(self.h5) as f:
            t = f["time"][:]
            cap = f["facility/power_cap_w"][:]
        on = (t > 3600) & (t <= 7200)
        np.testing.assert_array_equal(cap[on], 600000.0)
        self.assertTrue(np.isnan(cap[~on]).all())

    def test_building_names_and_rack_coordinates(self):
        with h5py.File(self.h5) as f:
            names = [str(n) for n in f.attrs["building_names"]]
            self.assertEqual(names, ["North hall", "South"])
            b = f["racks/building"][:]
            self.assertEqual(b.tolist(), [0] * 6 + [1] * 10)
        racks = xr.open_dataset(self.h5, engine="h5netcdf", group="racks")
        self.assertIn("building", racks.power_w.coords)
        self.assertIn("hall", racks.power_w.coords)

    # ---- the flat export --------------------------------------------------------------------
    def test_export_report_line(self):
        self.assertRegex(self.export.stdout, r"flat\.nc: \d+ variables, 36 samples, 16 racks")

    def test_ncdump_flat_no_groups(self):
        p = sh(["ncdump", "-h", self.nc])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("group:", p.stdout)
        for needle in ("time = UNLIMITED", "double facility_power_it_w(time)",
                       "float racks_power_w(time, rack)", "time:bounds = \"time_bnds\"",
                       "facility_power_it_w:cell_methods = \"time: mean\"",
                       "facility_power_cap_w:_FillValue = NaN", ":summary_ettr = "):
            self.assertIn(needle, p.stdout)
        self.assertIsNone(re.search(r"\bint64\b", p.stdout), "VTK cannot read int64")
        p = sh(["ncdump", self.nc])
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_cdo_reads_the_flat_file(self):
        p = sh(["cdo", "sinfon", self.nc])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("Warning", p.stderr + p.stdout)
        self.assertNotIn("Error", p.stderr + p.stdout)
        self.assertIn("facility_power_it_w", p.stdout)
        self.assertIn("racks_max_junction_temperature_c", p.stdout)
        self.assertRegex(p.stdout, r"time : 36 steps")
        self.assertRegex(p.stdout, r"Bounds = true")
        p = sh(["cdo", "-s", "infon", self.nc])
        self.assertEqual(p.returncode, 0, p.stderr)
        # values through CDO equal the native file's
        p = sh(["cdo", "-s", "outputf,%.17g,1", "-selname,facility_power_it_w", self.nc])
        self.assertEqual(p.returncode, 0, p.stderr)
        vals = np.array([float(x) for x in p.stdout.split()])
        with h5py.File(self.h5) as f:
            ref = f["facility/power_it_w"][:]
        np.testing.assert_array_equal(vals, ref)
        # CDO groups by time stamp, and the last sample is stamped at midnight (the end of its
        # interval): daymean makes a spurious second day unless the stamps are moved into their
        # intervals first, as docs/output.md says.
        def days(*ops):
            out = os.path.join(self.tmp, "day.nc")
            p = sh(["cdo", "-s", "daymean", *ops, "-selname,facility_power_it_w", self.nc, out])
            self.assertEqual(p.returncode, 0, p.stderr)
            return int(sh(["cdo", "-s", "ntime", out]).stdout.strip())
        self.assertEqual(days(), 2)
        self.assertEqual(days("-shifttime,-1sec"), 1)

    def test_xarray_reads_the_flat_file(self):
        ds = xr.open_dataset(self.nc)  # netCDF4 engine
        self.assertEqual(ds.facility_power_it_w.dims, ("time",))
        self.assertEqual(ds.racks_power_w.dims, ("time", "rack"))
        self.assertEqual(ds.time_bnds.dims, ("time", "bnds"))
        self.assertEqual(ds.racks_building.values.tolist(), [0] * 6 + [1] * 10)
        self.assertEqual(str(ds.time.values[0]), "2026-07-15T18:10:00.000000000")
        self.assertEqual(json.loads(json.dumps(float(ds.attrs["summary_ettr"]))) > 0, True)
        with h5py.File(self.h5) as f:
            np.testing.assert_array_equal(ds.racks_power_w.values, f["racks/power_w"][:])
            self.assertEqual(ds.events_kind.size, f["events/kind"].size)

    def test_paraview_reads_the_flat_file(self):
        if not shutil.which("pvpython"):
            self.fail("pvpython not found (Debian: paraview python3-paraview)")
        script = os.path.join(self.tmp, "pv.py")
        with open(script, "w") as fh:
            fh.write(textwrap.dedent("""\
                import json, sys
                from paraview.simple import NetCDFReader
                from paraview import servermanager as sm
                out = {}
                r = NetCDFReader(FileName=[sys.argv[1]])
                r.UpdatePipelineInformation()
                out["dims"] = sorted(set(r.GetProperty("VariableDimensionInfo")))
                out["times"] = list(r.TimestepValues)
                r.UpdatePipeline(r.TimestepValues[5])          # time series: dimensions ()
                d = sm.Fetch(r)
                a = d.GetPointData().GetArray("facility_power_it_w")
                out["power_it_w_5"] = a.GetValue(0) if a else None
                r.Dimensions = "(rack)"                           # rack x time series
                r.UpdatePipeline(r.TimestepValues[5])
                d = sm.Fetch(r)
                out["points"] = d.GetNumberOfPoints()
                a = d.GetPointData().GetArray("racks_power_w")
                out["racks_power_w_5"] = [a.GetValue(i) for i in range(a.GetNumberOfTuples())] if a else None
                print("PV" + json.dumps(out))
                """))
        # Offscreen: no display is needed (CI, batch nodes).
        p = sh(["pvpython", "--force-offscreen-rendering", script, self.nc])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("ERR|", p.stdout + p.stderr)
        line = next(x for x in p.stdout.splitlines() if x.startswith("PV"))
        got = json.loads(line[2:])
        with h5py.File(self.h5) as f:
            t = f["time"][:]
            ref_it = f["facility/power_it_w"][5]
            ref_racks = f["racks/power_w"][5]
        self.assertIn("(rack)", got["dims"])
        np.testing.assert_allclose(got["times"], t)
        self.assertAlmostEqual(got["power_it_w_5"], ref_it, delta=1e-6 * ref_it)
        self.assertEqual(got["points"], 16)
        np.testing.assert_allclose(got["racks_power_w_5"], ref_racks, rtol=1e-6)

    def test_flat_units_parse_too(self):
        ds = xr.open_dataset(self.nc, decode_times=False)
        bad = sorted({v.attrs["units"] for v in ds.variables.values() if "units" in v.attrs
                      and not udunits_ok(v.attrs["units"])})
        self.assertEqual(bad, [])

    # ---- bad input and output ---------------------------------------------------------------
    def test_export_errors(self):
        p = sh([BIN, "export", os.path.join(self.tmp, "missing.h5"), "-o",
                os.path.join(self.tmp, "x.nc")])
        self.assertEqual(p.returncode, 2)
        self.assertIn("missing.h5", p.stderr)
        junk = os.path.join(self.tmp, "junk.h5")
        with open(junk, "w") as fh:
            fh.write("not hdf5\n")
        p = sh([BIN, "export", junk, "-o", os.path.join(self.tmp, "y.nc")])
        self.assertEqual(p.returncode, 2)
        self.assertIn("junk.h5", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "y.nc")))
        p = sh([BIN, "export", self.h5, "-o", self.h5])
        self.assertEqual(p.returncode, 2)
        p = sh([BIN, "export", self.h5, "-o", "/nonexistent-dir/z.nc"])
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertFalse(os.path.exists("/nonexistent-dir/z.nc.partial"))
        p = sh([BIN, "export", self.h5, "--deflate", "12"])
        self.assertEqual(p.returncode, 2)


if __name__ == "__main__":
    unittest.main()
