"""Multi-rate stepping against per-tick stepping (issue 19): every shipped scenario, two days
(the studies' every variant), run both ways on 2 MPI ranks. Asked for: the same events at the
same instants, summary figures and time series within 1e-9 relative. Multi-rate stepping does
the kernel's own operations for a coasting rack's m ticks, so it gives more: every dataset and
every summary figure bit for bit the same, which is what this checks (a difference is reported
with its size relative to the dataset's largest value). And multi-rate must really coast: its
statistics say which share of rack-ticks coasted.
Run one scenario: CT_MULTI_RATE_ONLY=quickstart python3 -m unittest -v test_multi_rate
"""
import json
import os
import subprocess
import tempfile
import unittest

import h5py
import numpy as np

from ct_helpers import BIN, ENV, SRC

DAY = 86400
# (label, scenario, extra --set options, smallest coasted share expected). Two days each; the
# 1,048,576-accelerator benchmark campus runs three hours (per-tick stepping of it takes minutes
# per simulated hour on this machine's two cores).
CASES = [
    ("quickstart", "configs/quickstart.yaml", [], 0.3),
    ("llama3-16k", "configs/llama3-16k.yaml", [], 0.5),
    ("llama3-16k-two-buildings", "configs/llama3-16k-two-buildings.yaml", [], 0.3),
    ("shared-cluster", "configs/shared-cluster.yaml", [], 0.2),
    ("bench-llama3-16k-grid", "configs/bench/llama3-16k-grid.yaml", [], 0.5),
    ("bench-shared-cluster-30d", "configs/bench/shared-cluster-30d.yaml", [], 0.2),
    ("bench-campus-1m", "configs/bench/campus-1m.yaml", ["time.duration_s=10800"], 0.3),
    # Not shipped: serving that claims a preemptible job's nodes and gives them back (each move
    # settles only the racks of the nodes lent; test_serving checks that the lending happens
    # in these four hours).
    ("kinds-serving-lend", "tests/scenarios/kinds/serving_lend.yaml",
     ["time.duration_s=14400", "faults.rate_scale=200"], 0.3),
]
# The studies' every variant, over their own duration or two days, whichever is shorter (the
# serving study over its demand-response hour: request-level serving steps every tick).
STUDIES = [("air-vs-liquid", 2 * DAY), ("checkpoint-interval", 2 * DAY),
           ("demand-response", 2 * DAY), ("serving-vs-training", None), ("sweep-demo", 7200),
           ("two-sites", 2 * DAY), ("geo-scheduling", DAY)]
SERVING_WINDOW = ["time.start=2026-07-01T16:45:00Z", "time.duration_s=1800"]


def variants(study):
    out = subprocess.run([BIN, "sweep", study, "--count"], env=ENV, check=True,
                         capture_output=True, text=True).stdout
    return int(out.split()[0])


def run(scenario, sets, stepping, out, stats, sweep_index=None):
    args = ["mpirun", "-n", "2", BIN, "run", scenario, "-q", "-o", out, "--stats-json", stats,
            "--set", "time.stepping=" + stepping]
    if sweep_index is not None:
        args += ["--sweep-index", str(sweep_index)]
    for s in sets:
        args += ["--set", s]
    subprocess.run(args, env=ENV, check=True, capture_output=True)
    with open(stats) as f:
        return json.load(f)


def datasets(f):
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj) if isinstance(obj, h5py.Dataset)
                 else None)
    return out


class MultiRateMatchesPerTick(unittest.TestCase):
    def compare(self, label, scenario, sets, min_coasted, sweep_index=None):
        only = os.environ.get("CT_MULTI_RATE_ONLY")
        if only and only != label:
            self.skipTest("CT_MULTI_RATE_ONLY=" + only)
        with tempfile.TemporaryDirectory() as d:
            a, b = os.path.join(d, "per_tick.h5"), os.path.join(d, "multi_rate.h5")
            sa = run(scenario, sets, "per_tick", a, os.path.join(d, "a.json"), sweep_index)
            sb = run(scenario, sets, "multi_rate", b, os.path.join(d, "b.json"), sweep_index)
            self.assertEqual(sa["coasted_rack_tick_fraction"], 0.0)
            self.assertEqual(sa["repeated_reduction_fraction"], 0.0)
            self.assertGreaterEqual(sb["coasted_rack_tick_fraction"], min_coasted,
                                    label + ": multi-rate stepping hardly coasted")
            print(f"\n{label}: per-tick {sa['wall_s']:.2f} s, multi-rate {sb['wall_s']:.2f} s "
                  f"(coasted {sb['coasted_rack_tick_fraction']:.3f} of rack-ticks, reduction "
                  f"repeated on {sb['repeated_reduction_fraction']:.3f} of ticks)", end="")
            with h5py.File(a) as fa, h5py.File(b) as fb:
                da, db = datasets(fa), datasets(fb)
                self.assertEqual(sorted(da), sorted(db))
                for name, x in da.items():
                    x, y = x[()], db[name][()]
                    if x.dtype.names:  # compound tables: field by field
                        for field in x.dtype.names:
                            self.same(label, name + "." + field, x[field], y[field])
                    else:
                        self.same(label, name, x, y)
                for key, va in fa["summary"].attrs.items():
                    self.same(label, "summary " + key, np.asarray(va),
                              np.asarray(fb["summary"].attrs[key]))

    def same(self, label, name, x, y):
        self.assertEqual(x.shape, y.shape, f"{label}: {name}")
        if x.dtype.kind not in "fiub" or np.array_equal(x, y, equal_nan=x.dtype.kind == "f"):
            return
        x, y = x.astype(float), y.astype(float)
        fin = np.isfinite(x) & np.isfinite(y)
        scale = np.max(np.abs(x[fin])) if fin.any() else 0.0
        diff = np.max(np.abs(x[fin] - y[fin])) if fin.any() else np.inf
        self.fail(f"{label}: {name} differs: largest difference {diff:.3e}, "
                  f"{diff / scale if scale else diff:.3e} of its largest value {scale:.6g}")


def _case(label, scenario, sets, min_coasted, sweep_index=None):
    def test(self):
        self.compare(label, os.path.join(SRC, scenario),
                     ["time.duration_s=%d" % (2 * DAY)] + sets, min_coasted, sweep_index)
    return test


for _label, _scenario, _sets, _min in CASES:
    setattr(MultiRateMatchesPerTick, "test_" + _label.replace("-", "_"),
            _case(_label, _scenario, _sets, _min))


def _study(name, duration_s):
    def test(self):
        path = os.path.join(SRC, "configs/studies", name + ".yaml")
        sets = ["time.duration_s=%d" % duration_s] if duration_s else SERVING_WINDOW
        for i in range(variants(path)):
            with self.subTest(variant=i):
                self.compare(f"{name}[{i}]", path, sets, 0.2, i)
    return test


for _name, _duration in STUDIES:
    setattr(MultiRateMatchesPerTick, "test_study_" + _name.replace("-", "_"),
            _study(_name, _duration))

if __name__ == "__main__":
    unittest.main()
