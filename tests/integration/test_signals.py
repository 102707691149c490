"""Provider signal files bound to scenario keys (docs/signals.md) on full runs, read back with h5py.

tests/scenarios/signals/provider_signals.yaml runs the quick start for two hours on the samples
of tests/signals/ (synthetic values): `weather.source: epw`, `grid.carbon.source:
electricitymaps_csv` (life cycle), `grid.price.source: price_csv` in EUR with usd_per_unit 1.08.
The expected values are computed here from the sample files, independently of the C++ readers:

- carbon: each 300 s output interval lies inside one hour, whose carbon intensity is constant
  (interval-start hourly means), so carbon_g_per_s / power_facility_w * 3.6e6 is that hour's
  life-cycle value (relative tolerance 1e-9); the dataset's `basis` attribute is `lifecycle`.
- price: price_usd_per_mwh is the hour's EUR value * 1.08, and cost_usd_per_s /
  power_facility_w * 3.6e9 the same (relative 1e-9).
- weather: outdoor_temperature_c is the mean over the interval's ticks of the dry bulb at each
  tick's middle, linear between the EPW records laid on 2026 (hour h local standard time =
  h:00 at UTC-6; 29 February dropped), absolute tolerance 1e-9 degC. On 1 January (the
  sample's first records) and on 1 July (between 28 February and 31 December).
- bad input (a missing file, a bad row, a missing basis or currency conversion, a bad EPW
  record): exit status 2, the message names the file (and line) and the key path, and no
  output file is left.
"""
import csv
import datetime as dt
import os
import subprocess
import tempfile
import unittest

import h5py
import numpy as np

from ct_helpers import BIN, ENV, SRC

SCENARIO = os.path.join(SRC, "tests", "scenarios", "signals", "provider_signals.yaml")
SIGNALS = os.path.join(SRC, "tests", "signals")
CARBON = os.path.join(SIGNALS, "electricitymaps_hourly_sample.csv")
PRICE = os.path.join(SIGNALS, "ember_price_sample.csv")
EPW = os.path.join(SIGNALS, "synthetic_sample.epw")
USD_PER_EUR = 1.08
INTERVAL_S = 300
DURATION_S = 7200


def utc(text):
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.timezone.utc).timestamp()


def hourly(path, column):
    """Start of each hour (unix s) and the column's values."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return (np.array([utc(r["Datetime (UTC)"]) for r in rows]),
            np.array([float(r[column]) for r in rows]))


def epw_dry_bulb(year):
    """EPW record times (unix s, UTC) laid on `year` and their dry bulbs."""
    with open(EPW, encoding="utf-8") as f:
        lines = f.read().splitlines()
    tz_h = float(lines[0].split(",")[8])
    times, values = [], []
    for line in lines[8:]:
        f = line.split(",")
        month, day, hour = int(f[1]), int(f[2]), int(f[3])
        if month == 2 and day == 29:
            continue  # a common year
        local = dt.datetime(year, month, day, tzinfo=dt.timezone.utc) + dt.timedelta(hours=hour)
        times.append((local - dt.timedelta(hours=tz_h)).timestamp())
        values.append(float(f[6]))
    return np.array(times), np.array(values)


def run(args):
    return subprocess.run([BIN, "run", *args, "-q"], env=ENV, capture_output=True, text=True)


class ProviderSignals(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.july = os.path.join(cls.tmp.name, "july.h5")
        cls.january = os.path.join(cls.tmp.name, "january.h5")
        for out, extra in ((cls.july, []),
                           (cls.january, ["--set", "time.start=2026-01-01T06:00:00Z"])):
            r = run([SCENARIO, "-o", out, *extra])
            if r.returncode != 0:
                raise AssertionError(f"run failed ({r.returncode}): {r.stderr}")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def read(self, path):
        with h5py.File(path) as f:
            g = f["facility"]
            out = {k: g[k][:] for k in ("carbon_g_per_s", "cost_usd_per_s", "price_usd_per_mwh",
                                        "power_facility_w", "outdoor_temperature_c",
                                        "outdoor_wet_bulb_c")}
            basis = g["carbon_g_per_s"].attrs["basis"]
            out["basis"] = basis.decode() if isinstance(basis, bytes) else str(basis)
        return out

    def interval_hours(self, start):
        """The hourly value index of each output interval (every interval is inside one hour)."""
        t0 = start + INTERVAL_S * np.arange(DURATION_S // INTERVAL_S)
        self.assertTrue(np.all(np.floor(t0 / 3600) == np.floor((t0 + INTERVAL_S - 1) / 3600)))
        return t0

    def test_carbon_is_the_hourly_lifecycle_value(self):
        d = self.read(self.july)
        self.assertEqual(d["basis"], "lifecycle")
        hours, lifecycle = hourly(CARBON, "Carbon intensity gCO₂eq/kWh (Life cycle)")
        t0 = self.interval_hours(utc("2026-07-01T00:00:00"))
        expected = lifecycle[np.searchsorted(hours, t0, side="right") - 1]
        got = d["carbon_g_per_s"] / d["power_facility_w"] * 3.6e6
        np.testing.assert_allclose(got, expected, rtol=1e-9)
        print(f"\ncarbon gCO2/kWh, first two hours: {got[0]:.6f} {got[-1]:.6f} "
              f"(file: {lifecycle[0]} {lifecycle[1]})")
        # Before the file's first row its first value holds.
        jan = self.read(self.january)
        np.testing.assert_allclose(jan["carbon_g_per_s"] / jan["power_facility_w"] * 3.6e6,
                                   lifecycle[0], rtol=1e-9)

    def test_price_is_the_hourly_value_in_usd(self):
        d = self.read(self.july)
        hours, eur = hourly(PRICE, "Price (EUR/MWhe)")
        t0 = self.interval_hours(utc("2026-07-01T00:00:00"))
        expected = USD_PER_EUR * eur[np.searchsorted(hours, t0, side="right") - 1]
        np.testing.assert_allclose(d["price_usd_per_mwh"], expected, rtol=1e-9)
        np.testing.assert_allclose(d["cost_usd_per_s"] / d["power_facility_w"] * 3.6e9, expected,
                                   rtol=1e-9)
        print(f"\nprice USD/MWh, first two hours: {d['price_usd_per_mwh'][0]:.6f} "
              f"{d['price_usd_per_mwh'][-1]:.6f} (file EUR: {eur[0]} {eur[1]})")

    def check_weather(self, path, start):
        d = self.read(path)
        times, dry = epw_dry_bulb(2026)
        mid = start + np.arange(DURATION_S) + 0.5  # tick_s = 1, sampled at each tick's middle
        expected = np.interp(mid, times, dry).reshape(-1, INTERVAL_S).mean(axis=1)
        np.testing.assert_allclose(d["outdoor_temperature_c"], expected, rtol=0, atol=1e-9)
        self.assertTrue(np.all(d["outdoor_wet_bulb_c"] <= d["outdoor_temperature_c"]))
        return d["outdoor_temperature_c"], expected

    def test_outdoor_temperature_follows_the_epw_records(self):
        got, expected = self.check_weather(self.january, utc("2026-01-01T06:00:00"))
        # 06:00-07:00 UTC is before the first record (held at -2.2), then towards -3.2 at 08:00.
        self.assertAlmostEqual(got[0], -2.2, delta=1e-9)
        self.assertLess(got[-1], -2.2)
        print(f"\nEPW dry bulb, 1 January 06:00-08:00 UTC: {got[0]:.6f} ... {got[-1]:.6f} degC "
              f"(expected {expected[-1]:.6f})")
        got, _ = self.check_weather(self.july, utc("2026-07-01T00:00:00"))
        print(f"EPW dry bulb, 1 July 00:00-02:00 UTC: {got[0]:.9f} ... {got[-1]:.9f} degC")


class BadProviderInput(unittest.TestCase):
    """Exit status 2 before the run, naming the file and the key; no output file left."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out_dir = os.path.join(self.tmp.name, "out")
        os.mkdir(self.out_dir)

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def variant(self, source, name, line_no, edit):
        """A copy of `source` with line `line_no` (1-based) passed through `edit`."""
        with open(source, encoding="utf-8") as f:
            lines = f.read().splitlines()
        lines[line_no - 1] = edit(lines[line_no - 1])
        return self.write(name, "\n".join(lines) + "\n")

    def expect_bad(self, scenario, sets, fragments):
        out = os.path.join(self.out_dir, "run.h5")
        args = [scenario, "-o", out]
        for s in sets:
            args += ["--set", s]
        r = run(args)
        self.assertEqual(r.returncode, 2, r.stderr)
        for part in fragments:
            self.assertIn(part, r.stderr)
        self.assertEqual(os.listdir(self.out_dir), [])  # no file, not even a partial one
        return r.stderr

    def test_missing_file(self):
        self.expect_bad(SCENARIO, ["grid.carbon.csv_file=no_such_carbon.csv"],
                        ["'grid.carbon.csv_file'", "file not found",
                         os.path.join(os.path.dirname(SCENARIO), "no_such_carbon.csv")])

    def test_bad_price_row(self):
        bad = self.variant(PRICE, "bad_price.csv", 3,
                           lambda line: line.rsplit(",", 1)[0] + ",n/a")
        self.expect_bad(SCENARIO, [f"grid.price.csv_file={bad}"],
                        ["'grid.price.csv_file'", "bad_price.csv:3:", "Price (EUR/MWhe)",
                         "'n/a'"])

    def test_bad_epw_record(self):
        # Line 10 is the second record: a missing (99.9) dry bulb.
        def edit(line):
            f = line.split(",")
            f[6] = "99.9"
            return ",".join(f)
        bad = self.variant(EPW, "bad.epw", 10, edit)
        self.expect_bad(SCENARIO, [f"weather.epw_file={bad}"],
                        ["'weather.epw_file'", "bad.epw:10:", "field 7"])

    def test_basis_and_currency_conversion_are_required(self):
        quickstart = os.path.join(SRC, "configs", "quickstart.yaml")
        no_basis = self.write("no_basis.yaml", f"""schema_version: 1
extends: {quickstart}
grid:
  carbon: {{source: electricitymaps_csv, csv_file: {CARBON}}}
""")
        self.expect_bad(no_basis, [], [no_basis + ":", "'grid.carbon.basis'",
                                       "missing required key", "direct, lifecycle"])
        no_rate = self.write("no_rate.yaml", f"""schema_version: 1
extends: {quickstart}
grid:
  price: {{source: price_csv, csv_file: {PRICE}}}
""")
        self.expect_bad(no_rate, [], [no_rate + ":", "'grid.price.usd_per_unit'", PRICE,
                                      "EUR/MWh"])


if __name__ == "__main__":
    unittest.main()
