"""The shared cluster (queue:, issue 20) end to end through `clustertwin run`, against
independent figures:

- M/M/c: single-node jobs with exponential inter-arrival and service times on c = 8 nodes, FCFS
  (tests/scenarios/queue/mmc.yaml): the mean wait against Erlang C and the utilisation against
  ρ = λ/(cμ) within the ensemble's 95% interval (16 replicas × 25 days), and Little's law.
  Tolerance: the interval plus 15 s. The twin schedules at tick boundaries (10 s): a job waits
  for the next tick after it arrives (≤ 10 s, 5 s on average), and a node freed inside a tick is
  handed back at its end (+5 s per service on average, ρ 0.8 → 0.801, which raises W_q by about
  7 s at this load).
- Failures: job-level mean time to interruption by job size, and the cluster-wide count of
  failures, against the constant-rate closed form (tests/scenarios/queue/mtti.yaml), pooled
  over three seeds, each within its Poisson 95% interval.
- A Standard Workload Format trace replayed (tests/traces/gpu_cluster_sample.swf): every job is
  in /jobs_table with its trace submit time and size, no job starts before it is submitted, and
  finished jobs ran at least their work at full clock; a malformed trace line is exit 2 naming
  the file, the line and the field.

Environment: CLUSTERTWIN (binary), CT_SOURCE_DIR (repository root).
"""
import math
import os
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np

from ct_helpers import BIN, SRC

ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", OMPI_MCA_btl_vader_single_copy_mechanism="none")
QUEUE = os.path.join(SRC, "tests", "scenarios", "queue")


def run(scenario, out, *args, ranks=2, check=True):
    return subprocess.run(["mpirun", "-n", str(ranks), BIN, "run", scenario, "-o", out, "-q",
                           *args], env=ENV, check=check, capture_output=True, text=True)


def erlang_c_wait_s(c, lam, mu):
    a = lam / mu
    head = sum(a ** k / math.factorial(k) for k in range(c))
    tail = a ** c / math.factorial(c) * c / (c - a)
    return tail / (head + tail) / (c * mu - lam)


class MMcTest(unittest.TestCase):
    def test_wait_and_utilisation_against_erlang_c(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "mmc.h5")
            run(os.path.join(QUEUE, "mmc.yaml"), out)
            with h5py.File(out) as f:
                e = f["ensemble"].attrs
                c, lam, mu = 8, 153.6 / 86400.0, 1.0 / 3600.0
                wq = erlang_c_wait_s(c, lam, mu)
                mean, ci = e["queue_wait_mean_s_mean"], e["queue_wait_mean_s_ci95"]
                print(f"M/M/8: mean wait {mean:.0f} ± {ci:.0f} s, Erlang C {wq:.0f} s; "
                      f"utilisation {e['queue_utilisation_mean']:.4f} ± "
                      f"{e['queue_utilisation_ci95']:.4f}, ρ = {lam / (c * mu):.4f}")
                self.assertLess(ci, 0.2 * wq, "the ensemble interval is too wide to test")
                self.assertLess(abs(mean - wq), ci + 15.0)
                rho = lam / (c * mu)
                self.assertLess(abs(e["queue_utilisation_mean"] - rho),
                                e["queue_utilisation_ci95"] + 0.002)
                # Little's law on the first replica's series: time-mean queue length = λ·W.
                s = f["summary"].attrs
                lq = float(np.mean(f["queue/queue_length"][()]))
                arrivals = s["queue_jobs"] / s["simulated_s"]
                self.assertLess(abs(lq - arrivals * s["queue_wait_mean_s"]),
                                0.1 * lq + 0.05, (lq, arrivals * s["queue_wait_mean_s"]))


class FailureTest(unittest.TestCase):
    def test_interruptions_by_size_against_constant_rates(self):
        gpu, host = 5.0e-7, 2.0e-6  # the scenario's class rates (per GPU, per node)
        counts = {1: [0, 0.0], 2: [0, 0.0], 4: [0, 0.0]}  # nodes: [interruptions, expected]
        failures, expected_failures = 0, 0.0
        with tempfile.TemporaryDirectory() as tmp:
            for seed in (1, 2, 3):
                out = os.path.join(tmp, f"mtti{seed}.h5")
                run(os.path.join(QUEUE, "mtti.yaml"), out, "--seed", str(seed))
                with h5py.File(out) as f:
                    s = f["summary"].attrs
                    for nodes, bucket in ((1, "1_8"), (2, "9_16"), (4, "17_32")):
                        k = s[f"queue_{bucket}_interruptions"]
                        exposure_s = k * s[f"queue_{bucket}_mtti_s"]
                        table = f["jobs_table"]
                        held = table["run_time_s"][()][table["nodes"][()] == nodes].sum()
                        self.assertAlmostEqual(exposure_s / held, 1.0, places=9)
                        counts[nodes][0] += k
                        counts[nodes][1] += held * nodes * (8 * gpu + host)
                    failures += s["failures"]
                    # Every node is exposed all the time except while in repair (600 s each).
                    up_s = 256 * 864000.0 - s["failures"] * 600.0
                    expected_failures += up_s * (8 * gpu + host)
        for nodes, (k, e) in counts.items():
            print(f"{nodes}-node jobs: {k} interruptions, closed form {e:.1f}, "
                  f"MTTI ratio {e / k:.3f}")
            self.assertLess(abs(k - e), 1.96 * math.sqrt(e) + 1, nodes)
        print(f"campus: {failures:.0f} failures, closed form {expected_failures:.1f}")
        self.assertLess(abs(failures - expected_failures), 1.96 * math.sqrt(expected_failures) + 1)


class TraceTest(unittest.TestCase):
    SCENARIO = """schema_version: 1
name: swf
time: {{start: "2026-03-02T00:00:00Z", duration_s: 172800, tick_s: 10, output_interval_s: 600}}
campus:
  nodes_per_rack: 4
  buildings: [{{halls: 2, racks_per_hall: 2}}]
faults: {{enabled: false}}
queue:
  trace: {{file: {trace}, processor_unit: accelerator, processors_per_unit: 1}}
  scheduler: {{policy: easy}}
"""

    def test_swf_trace_replay(self):
        trace = os.path.join(SRC, "tests", "traces", "gpu_cluster_sample.swf")
        with tempfile.TemporaryDirectory() as tmp:
            scenario = os.path.join(tmp, "swf.yaml")
            with open(scenario, "w") as f:
                f.write(self.SCENARIO.format(trace=trace))
            out = os.path.join(tmp, "swf.h5")
            run(scenario, out)
            rows = []
            with open(trace) as f:
                for line in f:
                    if line.strip() and not line.lstrip().startswith(";"):
                        rows.append([float(x) for x in line.split()])
            kept = [r for r in rows if r[3] > 0 and r[10] in (0, 1)]
            with h5py.File(out) as f:
                t = f["jobs_table"]
                ids = t["job"][()]
                self.assertEqual(sorted(ids.tolist()), sorted(int(r[0]) for r in kept))
                by_id = {int(r[0]): r for r in kept}
                for i, job in enumerate(ids):
                    r = by_id[int(job)]
                    self.assertEqual(t["submit_s"][i], r[1])
                    self.assertEqual(t["accelerators"][i], r[4] if r[4] > 0 else r[7])
                    if not math.isnan(t["start_s"][i]):
                        self.assertGreaterEqual(t["start_s"][i], t["submit_s"][i])
                    if not math.isnan(t["end_s"][i]):
                        self.assertGreaterEqual(t["end_s"][i] - t["start_s"][i] + 1e-9,
                                                t["work_s"][i])
            # The report draws the two shared-cluster views from this file.
            report = os.path.join(tmp, "report")
            p = subprocess.run([sys.executable, os.path.join(SRC, "tools", "clustertwin-report"), out,
                                "-o", report, "-v"], capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            for name in ("queue", "jobs_table"):
                self.assertTrue(any(n.endswith(f"_{name}.png") for n in os.listdir(report)),
                                (name, os.listdir(report), p.stdout))

    def test_malformed_trace_is_exit_2_naming_file_line_field(self):
        with tempfile.TemporaryDirectory() as tmp:
            trace = os.path.join(tmp, "bad.swf")
            with open(trace, "w") as f:
                f.write("; MaxProcs: 64\n1 0 -1 3600 8 -1 -1 8 7200 -1 1 -1 -1 -1 -1 -1 -1 -1\n"
                        "2 60 -1 abc 8 -1 -1 8 7200 -1 1 -1 -1 -1 -1 -1 -1 -1\n")
            scenario = os.path.join(tmp, "swf.yaml")
            with open(scenario, "w") as f:
                f.write(self.SCENARIO.format(trace=trace))
            p = subprocess.run([BIN, "validate", scenario], capture_output=True, text=True)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("bad.swf:3", p.stderr)
            self.assertIn("run_time", p.stderr)


if __name__ == "__main__":
    unittest.main()
