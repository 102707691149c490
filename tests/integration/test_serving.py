"""The `serving` workload kind (twin/workloads/serving.cpp, serving/) on the same campus as a
training job: accounting closes with the serving categories, the service figures are consistent
with each other and with a trace, training yields power first under a facility cap, failures
retry requests, a deployment claims a preemptible job's nodes, and the output is bit-identical
on 1–3 ranks and across a restart.

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

SCENARIO = os.path.join(SRC, "tests", "scenarios", "kinds", "serving.yaml")
LEND = os.path.join(SRC, "tests", "scenarios", "kinds", "serving_lend.yaml")
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", OMPI_MCA_btl_vader_single_copy_mechanism="none")
SERVING_CATS = ["serving_prefill", "serving_decode", "serving_idle"]


def run(out, *sets, ranks=2, scenario=SCENARIO, extra=(), check=True):
    args = [a for s in sets for a in ("--set", s)]
    return subprocess.run(["mpirun", "-n", str(ranks), BIN, "run", scenario, "-o", out, "-q",
                           *args, *extra], env=ENV, check=check, capture_output=True, text=True)


def same_files(test, a_path, b_path):
    """Every dataset and /summary attribute equal (NaN equal to NaN)."""
    with h5py.File(a_path) as a, h5py.File(b_path) as b:
        names = []
        a.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
        for n in names:
            x, y = a[n][()], b[n][()]
            if x.dtype.names:
                for fld in x.dtype.names:
                    test.assertTrue(np.array_equal(x[fld], y[fld]), f"{n}.{fld}")
            elif x.dtype.kind == "f":
                test.assertTrue(np.array_equal(x, y, equal_nan=True), n)
            else:
                test.assertTrue(np.array_equal(x, y), n)
        for k, v in a["summary"].attrs.items():
            w = b["summary"].attrs[k]
            test.assertTrue(v == w or (np.isnan(v) and np.isnan(w)), k)


class ServingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.calm = os.path.join(cls.tmp.name, "calm.h5")
        run(cls.calm, "faults.enabled=false", "time.duration_s=3600")
        with h5py.File(cls.calm) as f:
            cls.sc = yaml.safe_load(f.attrs["scenario"])

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_accounting_closes_with_the_serving_categories(self):
        with h5py.File(self.calm) as f:
            cats = list(f["accelerator_time"])
            for c in SERVING_CATS:
                self.assertIn(c, cats)
            total = sum(f["accelerator_time"][c][()] for c in cats)
            np.testing.assert_allclose(total, 512 * 300.0, rtol=1e-9)
            # Without failures the deployment's 128 accelerators are always in its three
            # categories, and nothing else is.
            serving = sum(f["accelerator_time"][c][()] for c in SERVING_CATS)
            np.testing.assert_allclose(serving, 128 * 300.0, rtol=1e-9)
            energy = sum(f["accelerator_energy"][c][()] for c in cats)
            np.testing.assert_allclose(energy, f["facility/power_it_w"][()] * 300.0, rtol=1e-9)
            s = f["summary"].attrs
            self.assertGreater(s["accelerator_s_serving_decode"], s["accelerator_s_serving_prefill"])
            # Training figures count training time only.
            train_alloc = 512 * 3600.0 - s["accelerator_s_unallocated"] - sum(
                s["accelerator_s_" + c] for c in SERVING_CATS)
            self.assertAlmostEqual(s["ettr"], s["accelerator_s_compute"] / train_alloc, places=12)

    def test_service_figures_are_consistent(self):
        with h5py.File(self.calm) as f:
            s = f["summary"].attrs
            g = f["serving/chat"]
            tokens = s["serving_chat_output_tokens"]
            self.assertGreater(tokens, 0)
            self.assertAlmostEqual(s["serving_chat_tokens_per_s"], tokens / 3600.0, places=9)
            # Interval tokens/s integrate to the run's tokens.
            self.assertAlmostEqual(np.sum(g["tokens_per_s"][()]) * 300.0 / tokens, 1.0, places=12)
            # The deployment's IT energy is the energy of its categories.
            e_it = sum(s["energy_j_" + c] for c in SERVING_CATS)
            self.assertAlmostEqual(s["serving_chat_energy_it_j"] / e_it, 1.0, places=9)
            self.assertAlmostEqual(s["serving_chat_joules_per_token_it"], e_it / tokens, places=9)
            ratio = s["serving_chat_energy_facility_j"] / s["serving_chat_energy_it_j"]
            self.assertAlmostEqual(ratio, s["pue_mean"], delta=0.02)
            for q in ("ttft", "tpot"):
                p50, p99 = g[q + "_p50_s"][()], g[q + "_p99_s"][()]
                self.assertTrue(np.all(p99 >= p50), q)
            self.assertTrue(np.all((g["goodput"][()] >= 0) & (g["goodput"][()] <= 1)))
            self.assertTrue(np.all(g["queue_length"][()] >= 0))
            # Autoscaling stays within [min_replicas, replicas].
            r = g["replicas_serving"][()]
            self.assertTrue(np.all((r >= 4) & (r <= 16)))
            # Arrivals follow the configured rate: λ̄(1 + 0.5 cos(2π(t − 14 h)/day)) from 10:00.
            t = f["time"][()] - 150.0 + 10 * 3600.0
            lam = 40 * (1 + 0.5 * np.cos(2 * np.pi * (t - 14 * 3600.0) / 86400.0))
            arrived = g["arrivals_per_s"][()] * 300.0
            self.assertLess(abs(arrived.sum() - lam.sum() * 300.0), 4 * np.sqrt(lam.sum() * 300.0))

    def test_a_trace_is_served_request_by_request(self):
        csv = os.path.join(self.tmp.name, "trace.csv")
        rows = [(0.5 * i, 100 + 7 * i, 20 + (i % 13)) for i in range(400)]
        with open(csv, "w") as out:
            out.write("# test trace\narrival_s,prompt_tokens,output_tokens\n")
            for a, p, o in rows:
                out.write(f"{a},{p},{o}\n")
        path = os.path.join(self.tmp.name, "trace.h5")
        run(path, "faults.enabled=false", "time.duration_s=600", "jobs.1.requests.source=trace",
            f"jobs.1.requests.trace_file={csv}")
        with h5py.File(path) as f:
            s = f["summary"].attrs
            self.assertEqual(s["serving_chat_requests"], len(rows))
            self.assertEqual(s["serving_chat_output_tokens"], sum(o for _, _, o in rows))
            self.assertAlmostEqual(np.sum(f["serving/chat/arrivals_per_s"][()]) * 300.0, len(rows),
                                   places=9)
        bad = os.path.join(self.tmp.name, "bad.csv")
        with open(bad, "w") as out:
            out.write("arrival_s,prompt_tokens,output_tokens\n1,10,10\n0,10,10\n")
        p = run(os.path.join(self.tmp.name, "bad.h5"), "jobs.1.requests.source=trace",
                f"jobs.1.requests.trace_file={bad}", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("trace_file", p.stderr)
        self.assertIn(":3:", p.stderr)

    def test_training_yields_power_first_under_a_cap(self):
        path = os.path.join(self.tmp.name, "cap.h5")
        run(path, "faults.enabled=false", "time.duration_s=1800", "grid.site_capacity_w=450e3")
        with h5py.File(self.calm) as free, h5py.File(path) as capped:
            self.assertLess(capped["jobs/train/slowest_clock_ratio"][()][-1], 0.9)
            np.testing.assert_array_equal(capped["serving/chat/clock_ratio"][()], 1.0)
            self.assertLessEqual(capped["summary"].attrs["cap_exceedance_w"], 0.0)
            # Serving's latency is untouched; training's progress is not.
            self.assertEqual(capped["serving/chat/tpot_p99_s"][()][-1],
                             free["serving/chat/tpot_p99_s"][()][5])
            self.assertLess(capped["jobs/train/progress_iterations"][()][-1],
                            free["jobs/train/progress_iterations"][()][5])

    def test_failures_retry_requests_and_ranks_agree(self):
        outs = []
        for ranks in (1, 3):
            out = os.path.join(self.tmp.name, f"faults{ranks}.h5")
            run(out, "faults.rate_scale=3000", "time.duration_s=3600", ranks=ranks)
            outs.append(out)
        with h5py.File(outs[0]) as f:
            s = f["summary"].attrs
            self.assertGreater(s["serving_chat_retried"], 0)
            self.assertGreater(s["accelerator_s_lost"], 0)
            self.assertGreater(s["accelerator_s_recovery"], 0)
            names = f.attrs["jobs"]
            names = names.decode() if isinstance(names, bytes) else str(names)
            serving_job = names.split().index("chat")
            self.assertGreater(np.sum(f["events/job"][()] == serving_job), 0)
            total = sum(f["accelerator_time"][c][()] for c in f["accelerator_time"])
            np.testing.assert_allclose(total, 512 * 300.0, rtol=1e-9)
        same_files(self, outs[0], outs[1])

    def test_restart_gives_the_uninterrupted_output(self):
        args = ("faults.rate_scale=3000", "time.duration_s=3600")
        ref = os.path.join(self.tmp.name, "faults1.h5")
        if not os.path.exists(ref):
            run(ref, *args, ranks=1)
        out = os.path.join(self.tmp.name, "resumed.h5")
        p = run(out, *args, ranks=3, extra=("--stop-after", "1777"), check=False)
        self.assertEqual(p.returncode, 75, p.stderr)
        run(out, *args, ranks=1, extra=("--restart", out + ".restart"))
        same_files(self, ref, out)

    def test_serving_claims_a_preemptible_jobs_nodes(self):
        outs = []
        for ranks in (1, 2):
            out = os.path.join(self.tmp.name, f"lend{ranks}.h5")
            run(out, "time.duration_s=14400", "faults.rate_scale=200", ranks=ranks, scenario=LEND)
            outs.append(out)
        with h5py.File(outs[0]) as f:
            state = f["jobs/finetune/state"][()]
            self.assertTrue(np.any(state == 5))  # waiting: its nodes lent
            self.assertTrue(np.any(state == 0))  # running again after they came back
            self.assertGreater(f["serving/chat/replicas_serving"][()].max(), 8)
            total = sum(f["accelerator_time"][c][()] for c in f["accelerator_time"])
            np.testing.assert_allclose(total, 512 * 300.0, rtol=1e-9)
            # Preemption saves first: durable progress never goes back.
            self.assertTrue(np.all(np.diff(f["jobs/finetune/iterations"][()]) >= 0))
        same_files(self, outs[0], outs[1])


if __name__ == "__main__":
    unittest.main()
