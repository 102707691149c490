"""Battery storage at the site (`storage:`, docs/sites.md) on full runs, read back with h5py.

- Peak shaving in closed form: an idle campus in a weather without daily or annual cycle draws
  a constant F. With the grid cap D below it, the battery discharges D every tick until it is
  empty: (initial_soc - soc_min)*E*eta_d = D*T gives T = 300.4 s, so ticks 0-299 draw exactly
  the cap, tick 300 draws F - 0.4 D, and every later tick F, each of them limited.
- Energy balance: int G - int F - dE - int L = 0 within 1e-9 relative (the summary check and the
  cumulative series), and the state of charge never leaves [soc_min, soc_max] while an arbitrage
  battery fills and empties.
- Ramp limiting: synchronous checkpoint stalls of the quick start step the facility draw; the
  battery holds every grid ramp within the allowed ramp (no tick exceeds it, none limited).
- No `storage:` key: no /storage group, no grid series; the facility figures are the same as
  with storage (it sits after the plant) and only carbon and cost move.
"""
import os
import tempfile
import unittest

import h5py
import numpy as np

from ct_helpers import SRC, run, summary

QUICKSTART = os.path.join(SRC, "configs", "quickstart.yaml")

IDLE = """schema_version: 1
name: idle
seed: 1
time: {start: "2026-07-15T00:00:00Z", duration_s: 600, tick_s: 1, output_interval_s: 1}
campus:
  nodes_per_rack: 4
  accelerators_per_node: 8
  buildings: [{name: A, halls: 1, racks_per_hall: 4}]
accelerator: {preset: h100_sxm}
weather: {climate: temperate, annual_amplitude_k: 0, diurnal_amplitude_k: 0}
faults: {enabled: false}
grid:
  carbon: {source: constant, mean_g_per_kwh: 400}
  price: {source: constant, mean_usd_per_mwh: 50}
"""

ETA_C, ETA_D = 0.95, 0.9


def storage_set(**keys):
    return ["--set", "storage={" + ", ".join(f"{k}: {v}" for k, v in keys.items()) + "}"]


class Storage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name
        cls.idle = os.path.join(d, "idle.yaml")
        with open(cls.idle, "w") as f:
            f.write(IDLE)
        cls.path = {k: os.path.join(d, k + ".h5") for k in
                    ("idle", "shaved", "arbitrage", "stalls", "limited")}
        run([cls.idle, "-o", cls.path["idle"]])
        with h5py.File(cls.path["idle"]) as f:
            cls.F = f["facility/power_facility_w"][:]
        # Closed-form case: the cap D = F/4 below the (constant) draw, the battery empty after
        # T = 300.4 s of discharging D.
        F = float(cls.F[0])
        cls.D = F / 4
        cls.T = 300.4
        cls.E = cls.D * cls.T / ((0.5 - 0.1) * ETA_D)
        run([cls.idle, "-o", cls.path["shaved"],
             *storage_set(energy_j=repr(cls.E), power_w=repr(F), charge_efficiency=ETA_C,
                          discharge_efficiency=ETA_D, soc_min=0.1, soc_max=0.9, initial_soc=0.5,
                          policy="peak_shaving", grid_cap_w=repr(F - cls.D))])
        # Arbitrage on a daily price over a day: charges at night, discharges in the evening.
        run([QUICKSTART, "-o", cls.path["arbitrage"], "--set", "time.tick_s=10",
             "--set", "time.output_interval_s=60", "--set", "faults.enabled=false",
             "--set", "grid.price={source: daily, mean_usd_per_mwh: 50, "
                      "amplitude_usd_per_mwh: 40, peak_hour_utc: 18}",
             *storage_set(energy_wh=1.0e6, power_w=3.0e5, charge_efficiency=ETA_C,
                          discharge_efficiency=ETA_D, soc_min=0.1, soc_max=0.9, initial_soc=0.5,
                          policy="arbitrage", charge_below_price=30, discharge_above_price=70)])
        # Checkpoint stalls, without and with a ramp-limiting battery.
        cls.r = 2000.0
        stalls = [QUICKSTART, "--set", "time.duration_s=7200", "--set", "faults.enabled=false",
                  "--set", f"grid.ramp_limit_w_per_s={cls.r}"]
        run([*stalls, "-o", cls.path["stalls"]])
        run([*stalls, "-o", cls.path["limited"],
             *storage_set(energy_wh=2.0e5, power_w=1.0e6, policy="ramp_limiting",
                          max_ramp_w_per_s=cls.r, recovery_time_s=900)])
        cls.s = {k: summary(p) for k, p in cls.path.items()}

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_peak_shaving_matches_the_closed_form(self):
        F, D, T = float(self.F[0]), self.D, self.T
        self.assertEqual(np.ptp(self.F), 0.0)  # the premise: a constant facility draw
        s = self.s["shaved"]
        with h5py.File(self.path["shaved"]) as f:
            a = f["storage"].attrs
            self.assertEqual(a["policy"], "peak_shaving")
            self.assertEqual(a["energy_capacity_j"], self.E)
            self.assertEqual(a["grid_cap_w"], F - D)
            self.assertEqual(a["discharge_efficiency"], ETA_D)
            self.assertTrue(np.isinf(a["max_ramp_w_per_s"]))
            G = f["facility/power_grid_w"][:]
            soc = f["storage/soc"][:]
            discharge = f["storage/discharge_w"][:]
            limited = f["storage/limited_fraction"][:]
            np.testing.assert_array_equal(f["facility/power_facility_w"][:], self.F)
        n = int(T)  # the tick in which the battery empties
        print(f"F = {F:.1f} W, cap = {F - D:.1f} W, battery empty in tick {n} "
              f"(T = {T} s): discharged {s['storage_energy_discharged_j']:.6g} J "
              f"(closed form {D * T:.6g} J), {s['storage_limited_ticks']:.0f} limited ticks")
        np.testing.assert_allclose(G[:n], F - D, rtol=1e-12)
        self.assertAlmostEqual(G[n] / (F - (T - n) * D), 1.0, delta=1e-9)
        np.testing.assert_array_equal(G[n + 1:], F)
        np.testing.assert_allclose(discharge[:n], D, rtol=1e-12)
        self.assertTrue(np.all(discharge[n + 1:] == 0.0))
        self.assertEqual(limited[:n].sum(), 0.0)
        self.assertTrue(np.all(limited[n:] == 1.0))
        self.assertEqual(s["storage_limited_ticks"], len(G) - n)
        self.assertAlmostEqual(s["storage_energy_discharged_j"] / (D * T), 1.0, delta=1e-9)
        self.assertAlmostEqual(s["storage_energy_loss_j"] / (D * T * (1 / ETA_D - 1)), 1.0,
                               delta=1e-9)
        self.assertEqual(s["storage_energy_charged_j"], 0.0)
        self.assertAlmostEqual(s["storage_final_soc"], 0.1, delta=1e-12)
        self.assertAlmostEqual(soc[-1], 0.1, delta=1e-12)
        grid_j = F * len(G) - D * T
        self.assertAlmostEqual(s["energy_grid_j"] / grid_j, 1.0, delta=1e-9)
        # Carbon and cost on the grid draw; the facility figures are those without storage.
        self.assertAlmostEqual(s["carbon_kg"] / (grid_j / 3.6e6 * 0.4), 1.0, delta=1e-9)
        self.assertAlmostEqual(s["cost_usd"] / (grid_j / 3.6e9 * 50), 1.0, delta=1e-9)
        base = self.s["idle"]
        for k in ("energy_facility_j", "peak_demand_w", "largest_swing_w", "pue_mean"):
            self.assertEqual(s[k], base[k], k)
        self.assertLess(s["carbon_kg"], base["carbon_kg"])
        self.assertEqual(s["grid_peak_demand_w"], F)  # once the battery is empty
        self.assertAlmostEqual(s["storage_equivalent_full_cycles"], D * T / (0.8 * self.E),
                               delta=1e-12)

    def test_energy_balance_and_state_of_charge_bounds(self):
        for k in ("shaved", "arbitrage", "limited"):
            s = self.s[k]
            with h5py.File(self.path[k]) as f:
                grid = f["facility/energy_grid_j"][-1]
                fac = f["facility/energy_facility_j"][-1]
                stored = f["storage/energy_j"][:]
                loss = f["storage/energy_loss_j"][-1]
                soc = f["storage/soc"][:]
            error = s["storage_energy_balance_error_j"]
            print(f"{k}: energy balance error {error:.3g} J of {s['energy_grid_j']:.6g} J; "
                  f"soc {soc.min():.6f}..{soc.max():.6f}; "
                  f"{s['storage_equivalent_full_cycles']:.3f} full cycles")
            self.assertLessEqual(abs(error), 1e-9 * s["energy_grid_j"], k)
            self.assertGreaterEqual(soc.min(), 0.1, k)
            self.assertLessEqual(soc.max(), 0.9, k)
            # The same balance from the cumulative series (E_0 = 0.5 of the rating).
            capacity = stored[-1] / soc[-1]
            series_error = grid - fac - (stored[-1] - 0.5 * capacity) - loss
            self.assertLessEqual(abs(series_error), 1e-9 * grid, k)
        with h5py.File(self.path["arbitrage"]) as f:
            soc = f["storage/soc"][:]
        self.assertAlmostEqual(soc.min(), 0.1, delta=1e-12)  # it empties and fills
        self.assertAlmostEqual(soc.max(), 0.9, delta=1e-12)

    def test_ramp_limiting_holds_the_grid_ramp(self):
        st, lim = self.s["stalls"], self.s["limited"]
        print(f"ramp limit {self.r:.0f} W/s: largest ramp {st['largest_ramp_w_per_s']:.0f} -> "
              f"{lim['grid_largest_ramp_w_per_s']:.0f} W/s; p99 {st['ramp_p99_w_per_s']:.0f} -> "
              f"{lim['grid_ramp_p99_w_per_s']:.0f} W/s; share over the limit "
              f"{st['ramp_exceedance_fraction']:.4f} -> {lim['grid_ramp_exceedance_fraction']:.4f}; "
              f"largest swing {st['largest_swing_w'] / 1e3:.1f} -> "
              f"{lim['grid_largest_swing_w'] / 1e3:.1f} kW")
        self.assertGreater(st["largest_ramp_w_per_s"], 10 * self.r)  # the stalls' steps
        self.assertGreater(st["ramp_exceedance_fraction"], 0.0)
        self.assertEqual(lim["storage_limited_ticks"], 0.0)  # the battery never ran out
        self.assertLessEqual(lim["grid_largest_ramp_w_per_s"], self.r * (1 + 1e-9))
        self.assertEqual(lim["grid_ramp_exceedance_fraction"], 0.0)
        self.assertLessEqual(lim["grid_largest_swing_w"], self.r * 60 * (1 + 1e-9))
        self.assertLess(lim["grid_largest_swing_w"], st["largest_swing_w"])
        with h5py.File(self.path["limited"]) as f:
            ramp = f["facility/grid_ramp_max_w_per_s"][:]
        self.assertLessEqual(ramp.max(), self.r * (1 + 1e-9))
        # Without storage the facility figures are unchanged by the battery.
        for k in ("energy_facility_j", "largest_swing_w", "ramp_p99_w_per_s", "iterations"):
            self.assertEqual(st[k], lim[k], k)

    def test_no_storage_key_no_storage_output(self):
        with h5py.File(self.path["stalls"]) as f:
            self.assertNotIn("storage", f)
            self.assertNotIn("power_grid_w", f["facility"])
        s = self.s["stalls"]
        for k in s:
            self.assertFalse(k.startswith(("grid_", "storage_")) or k == "energy_grid_j", k)


if __name__ == "__main__":
    unittest.main()
