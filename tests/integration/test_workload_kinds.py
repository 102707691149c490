"""A second workload kind (`burn_in`, twin/workloads/burn_in.cpp) on the same campus as a
training job: its power against the closed form of the accelerator and node power model, its
accounting, failures, and bit-identical output on 1 and 3 ranks.

Environment: CLUSTERTWIN (binary), CT_SOURCE_DIR (repository root).
"""
import os
import subprocess
import tempfile
import unittest

import h5py
import numpy as np
import yaml

from ct_helpers import BIN, SRC

SCENARIO = os.path.join(SRC, "tests", "scenarios", "kinds", "burn_in.yaml")
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", OMPI_MCA_btl_vader_single_copy_mechanism="none")


def run(out, *sets, ranks=2):
    args = [a for s in sets for a in ("--set", s)]
    subprocess.run(["mpirun", "-n", str(ranks), BIN, "run", SCENARIO, "-o", out, "-q", *args],
                   env=ENV, check=True, capture_output=True)


class BurnInTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.calm = os.path.join(cls.tmp.name, "calm.h5")
        run(cls.calm, "faults.enabled=false")
        with h5py.File(cls.calm) as f:
            cls.sc = yaml.safe_load(f.attrs["scenario"])

    def node_power_w(self, activity, clock):
        """Node power: 8 accelerators at P_idle + a·(P_max − P_idle)·φ^k, plus the overhead
        interpolated by the load u = a·φ^k with the fan law u³ (thermal/accelerator_power.hpp)."""
        acc = self.sc["accelerator"]
        dyn = activity * (acc["tdp_w"] - acc["idle_w"]) * clock ** acc["power_exponent"]
        u = dyn / (acc["tdp_w"] - acc["idle_w"])
        return 8 * (acc["idle_w"] + dyn) + acc["node_overhead_idle_w"] + (
            acc["node_overhead_max_w"] - acc["node_overhead_idle_w"]) * u ** 3

    def test_rack_power_matches_closed_form(self):
        burn = self.sc["jobs"][1]
        with h5py.File(self.calm) as f:
            t = f["time"][()]
            power = f["racks/power_w"][()]  # time × rack; the burn-in holds racks 14 and 15
            burning = t <= burn["duration_s"]
            expected_burn = 4 * self.node_power_w(burn["activity"], burn["clock_ratio"])
            expected_idle = 4 * self.node_power_w(0.0, 1.0)
            np.testing.assert_allclose(power[burning][:, 14:16], expected_burn, rtol=1e-6)
            np.testing.assert_allclose(power[~burning][:, 14:16], expected_idle, rtol=1e-6)
            # A requested clock is not a throttle.
            self.assertEqual(float(f["racks/throttled_fraction"][()][:, 14:16].max()), 0.0)
            burned = f["jobs/new_racks/burned_s"][()]
            self.assertEqual(burned[-1], burn["duration_s"])

    def test_accounting_closes_and_burn_in_is_compute(self):
        with h5py.File(self.calm) as f:
            cats = [k for k in f["accelerator_time"]]
            total = sum(f["accelerator_time"][c][()] for c in cats)
            np.testing.assert_allclose(total, 512 * 300.0, rtol=1e-9)
            s = f["summary"].attrs
            # 64 burn-in accelerators for 7,200 s are compute; afterwards unallocated (plus the
            # training job's 4 spare nodes all run).
            burn_compute = 64 * 7200.0
            self.assertGreater(s["accelerator_s_compute"], burn_compute)
            unalloc = s["accelerator_s_unallocated"]
            np.testing.assert_allclose(unalloc, 64 * (14400 - 7200) + 32 * 14400, rtol=1e-9)

    def test_failures_restart_the_burn_in_and_ranks_agree(self):
        outs = []
        for ranks in (1, 3):
            out = os.path.join(self.tmp.name, f"faults{ranks}.h5")
            run(out, "faults.rate_scale=400", ranks=ranks)
            outs.append(out)
        with h5py.File(outs[0]) as a, h5py.File(outs[1]) as b:
            self.assertGreater(a["summary"].attrs["interruptions"], 0)
            self.assertGreater(a["summary"].attrs["accelerator_s_recovery"], 0)
            for name in ("racks/power_w", "jobs/new_racks/burned_s", "accelerator_time/compute",
                         "accelerator_energy/recovery", "events/time", "events/kind"):
                self.assertTrue(np.array_equal(a[name][()], b[name][()]), name)
            for k, v in a["summary"].attrs.items():
                self.assertEqual(v, b["summary"].attrs[k], k)


if __name__ == "__main__":
    unittest.main()
