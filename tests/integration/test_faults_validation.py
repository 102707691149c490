"""Validation of the failure model and checkpoint/restart against independent figures.

- Exponential failures with a fixed MTBF M: the observed MTBF lies in the ensemble's 95% interval
  of M.
- Checkpoint-interval study (configs/studies/checkpoint-interval.yaml, delta = 5 min, R = 10 min,
  M = 6 h): simulated ETTR follows Daly's expected wall time
  T_w = M e^(R/M) (e^((tau+delta)/M) - 1) T_s / tau within its Monte-Carlo interval, and the best
  tau lies within 10% of Daly's optimum.
- A hotter inlet (Arrhenius) and larger thermal cycles (Norris-Landzberg) raise the failure
  counts of the classes they accelerate, and only those; switched off, nothing changes.
"""
import concurrent.futures
import csv
import math
import os
import subprocess
import tempfile
import unittest

import numpy as np

from ct_helpers import BIN, SRC, run, summary

STUDY = os.path.join(SRC, "configs", "studies", "checkpoint-interval.yaml")
QUICKSTART = os.path.join(SRC, "configs", "quickstart.yaml")

M, DELTA, R = 21600.0, 300.0, 600.0


def daly_ettr(tau):
    return tau / (M * math.exp(R / M) * (math.exp((tau + DELTA) / M) - 1.0))


def daly_optimum():
    x = DELTA / (2 * M)
    return math.sqrt(2 * DELTA * M) * (1 + math.sqrt(x) / 3 + x / 9) - DELTA


class CheckpointIntervalStudy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        n = int(subprocess.run([BIN, "sweep", STUDY, "--count"], capture_output=True, text=True,
                               check=True).stdout)
        outs = [os.path.join(cls.tmp.name, f"v{i}.h5") for i in range(n)]
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(run, [[STUDY, "--sweep-index", str(i), "-o", o]
                                for i, o in enumerate(outs)]))
        table = os.path.join(cls.tmp.name, "table.csv")
        subprocess.run([BIN, "summarize", *outs, "-o", table], check=True, capture_output=True)
        with open(table) as f:
            cls.rows = list(csv.DictReader(f))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_observed_mtbf_in_ensemble_interval_of_m(self):
        for r in self.rows:
            mean, ci = float(r["mtbf_observed_s_mean"]), float(r["mtbf_observed_s_ci95"])
            self.assertGreater(ci, 0.0)
            self.assertLessEqual(abs(mean - M), ci, f"observed MTBF {mean:.0f} +- {ci:.0f} s")

    def test_ettr_follows_daly_within_monte_carlo_interval(self):
        for r in self.rows:
            tau = float(r["jobs.0.checkpoint.interval_s"])
            sim, ci = float(r["ettr_mean"]), float(r["ettr_ci95"])
            print(f"tau {tau:6.0f} s: ETTR {sim:.5f} +- {ci:.5f}, Daly {daly_ettr(tau):.5f}")
            self.assertLessEqual(abs(sim - daly_ettr(tau)), ci)

    def test_best_interval_within_ten_percent_of_daly(self):
        taus = np.array([float(r["jobs.0.checkpoint.interval_s"]) for r in self.rows])
        ettr = np.array([float(r["ettr_mean"]) for r in self.rows])
        opt = daly_optimum()
        best_grid = taus[np.argmax(ettr)]
        # The curve is flat at the top: locate its peak by a quadratic fit in ln(tau).
        p = np.polyfit(np.log(taus), ettr, 2)
        best_fit = math.exp(-p[1] / (2 * p[0]))
        print(f"Daly optimum {opt:.1f} s; best grid tau {best_grid:.0f} s; fitted peak {best_fit:.0f} s")
        self.assertLess(p[0], 0.0)
        self.assertLessEqual(abs(best_fit / opt - 1), 0.10)
        self.assertLessEqual(abs(best_grid / opt - 1), 0.10)


def counts(s, classes):
    return sum(s["failures_" + c] for c in classes)


def z(a, b):
    return (a - b) / math.sqrt(max(a + b, 1.0))


JUNCTION = ["gpu", "hbm", "thermal_interface", "sdc"]
INLET = ["cpu", "system_memory", "nic", "psu", "ssd", "io_board", "leaf_switch"]
UNACCELERATED = ["sram", "gsp", "host", "chassis"]
CYCLING = ["gpu", "hbm", "thermal_interface"]
NOT_CYCLING = ["sram", "gsp", "sdc", "host", "cpu", "system_memory", "nic", "psu", "ssd"]


class AccelerationOnOff(unittest.TestCase):
    """Same seed, one condition changed; per-class counts compared by a Poisson z-score."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        # Idle cluster (no job): temperatures follow the supply air only.
        idle = ["--set", "jobs=[]", "--set", "time.duration_s=1728000", "--set", "time.tick_s=60",
                "--set", "time.output_interval_s=86400", "--set", "faults.rate_scale=500",
                "--set", "faults.mttr_scale=0.001", "--set", "faults.thermal_cycling=false"]
        supply = {"cold": ["--set", "cooling.supply_min_c=18", "--set", "cooling.supply_max_c=18"],
                  "hot": ["--set", "cooling.supply_min_c=32", "--set", "cooling.supply_max_c=32"]}
        # A running job with checkpoint stalls (large cycles) or without; no Arrhenius.
        job = ["--set", "time.duration_s=3456000", "--set", "time.tick_s=10",
               "--set", "time.output_interval_s=86400", "--set", "faults.rate_scale=100",
               "--set", "faults.mttr_scale=0.01", "--set", "faults.arrhenius=false",
               "--set", "jobs.0.checkpoint.asynchronous=false"]
        stalls = {"stalls": ["--set", "jobs.0.checkpoint.interval=fixed_s",
                             "--set", "jobs.0.checkpoint.interval_s=600",
                             "--set", "jobs.0.checkpoint.storage_write_bandwidth_bytes_per_s=1.63e10"],
                  "steady": ["--set", "jobs.0.checkpoint.interval=none"]}
        cases = {}
        for arr in ("true", "false"):
            for k, v in supply.items():
                cases[f"arrhenius_{arr}_{k}"] = idle + v + ["--set", f"faults.arrhenius={arr}"]
        for cyc in ("true", "false"):
            for k, v in stalls.items():
                cases[f"cycling_{cyc}_{k}"] = job + v + ["--set", f"faults.thermal_cycling={cyc}"]
        paths = {k: os.path.join(cls.tmp.name, k + ".h5") for k in cases}
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(run, [[QUICKSTART, "-o", paths[k], *a] for k, a in cases.items()]))
        cls.s = {k: summary(p) for k, p in paths.items()}

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_hotter_inlet_raises_only_temperature_accelerated_classes(self):
        hot, cold = self.s["arrhenius_true_hot"], self.s["arrhenius_true_cold"]
        for group in (JUNCTION, INLET):
            zz = z(counts(hot, group), counts(cold, group))
            print(f"Arrhenius on, hot vs cold, {group}: {counts(hot, group):.0f} vs "
                  f"{counts(cold, group):.0f} (z = {zz:.1f})")
            self.assertGreater(zz, 4.0)
        zz = z(counts(hot, UNACCELERATED), counts(cold, UNACCELERATED))
        print(f"Arrhenius on, unaccelerated classes: {counts(hot, UNACCELERATED):.0f} vs "
              f"{counts(cold, UNACCELERATED):.0f} (z = {zz:.1f})")
        self.assertLess(abs(zz), 3.5)

    def test_arrhenius_off_makes_inlet_irrelevant(self):
        hot, cold = self.s["arrhenius_false_hot"], self.s["arrhenius_false_cold"]
        for group in (JUNCTION, INLET, UNACCELERATED):
            self.assertEqual(counts(hot, group), counts(cold, group))

    def test_larger_cycles_raise_only_cycling_classes(self):
        st, sd = self.s["cycling_true_stalls"], self.s["cycling_true_steady"]
        self.assertGreater(st["large_cycles"], 2 * sd["large_cycles"])
        zz = z(counts(st, CYCLING), counts(sd, CYCLING))
        print(f"cycling on, stalls vs steady, cycling classes: {counts(st, CYCLING):.0f} vs "
              f"{counts(sd, CYCLING):.0f} (z = {zz:.1f})")
        self.assertGreater(zz, 4.0)
        zz = z(counts(st, NOT_CYCLING), counts(sd, NOT_CYCLING))
        print(f"cycling on, other classes: {counts(st, NOT_CYCLING):.0f} vs "
              f"{counts(sd, NOT_CYCLING):.0f} (z = {zz:.1f})")
        self.assertLess(abs(zz), 3.5)

    def test_cycling_off_makes_stalls_irrelevant(self):
        st, sd = self.s["cycling_false_stalls"], self.s["cycling_false_steady"]
        for group in (CYCLING, NOT_CYCLING):
            self.assertEqual(counts(st, group), counts(sd, group))


if __name__ == "__main__":
    unittest.main()
