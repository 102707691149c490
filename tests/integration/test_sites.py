"""Several sites (`sites:`, docs/sites.md) on full runs, read back with h5py.

- One site listed under `sites:` is the scenario without `sites:`: every dataset bit for bit.
- Sites are independent: a site's series in a two-site run are the facility series of a run of
  that site alone (its racks keep their global ids; no cap couples them here): the jobs' bit for
  bit, the site's within 1e-9 (its IT power is rounded to fixed point per rack, the facility's
  per node).
- The campus total is the sum of the sites (IT power within 1e-9: it is rounded to fixed point
  per node for the total and per rack for a site; the rest exactly up to summation order).
- An idle site in closed form: IT power = accelerators x idle power + nodes x node idle overhead
  (H100 preset: 75 W and 1000 W), and its carbon = its grid energy x its constant intensity.
- 1 and 3 MPI ranks give the same file; per-tick and multi-rate stepping give the same file.
- A training job over two sites (`jobs[i].sites`, `links:`): `info`'s long-haul tier of the
  split DP all-reduce against the alpha-beta closed form at 100, 1,000 and 4,000 km (link-bound
  and NIC-bound), the run's step time equal to `info`'s, the split's added time equal to the
  step-time difference against the same job at one site, its replicas at their sites.
- Geographic scheduling (queue.scheduler.site_policy): with constant intensities, every queue
  job of a light load goes to the cleaner site, so the other stays at its idle power in closed
  form, and swapping the intensities swaps the sites; `first` fills the first site; a job's
  nodes are all at one site; 1 and 2 ranks give the same file.
- Time zones: a site's time_zone sets its weather's daily cycle and, with daylight saving, moves
  its local demand-response windows an hour earlier in UTC in summer.
- Bad input: exit status 2 naming the key.
"""
import re
import os
import subprocess
import tempfile
import unittest

import h5py
import numpy as np

from ct_helpers import BIN, ENV, summary

HEAD = """schema_version: 1
name: sites
seed: 7
time: {start: "2026-07-15T10:00:00Z", duration_s: 5400, tick_s: 1, output_interval_s: 300}
campus: {nodes_per_rack: 4, accelerators_per_node: 8, cooling: air}
accelerator: {preset: h100_sxm}
weather: {climate: warm_summer, update_s: 3600}
faults: {rate_scale: 40}
grid: {price: {source: constant, mean_usd_per_mwh: 60}}
"""
DFW = """  - name: dfw
    location: {latitude_deg: 32.90, longitude_deg: -97.04, elevation_m: 170}
    campus: {buildings: [{name: A, halls: 2, racks_per_hall: 8}]}
    grid: {carbon: {source: constant, mean_g_per_kwh: 400}}
"""
ABQ = """  - name: abq
    location: {latitude_deg: 35.04, longitude_deg: -106.61, elevation_m: 1619}
    campus: {buildings: [{name: B, halls: 1, racks_per_hall: 4}]}
    weather: {climate: temperate}
    grid: {carbon: {source: constant, mean_g_per_kwh: 100}, price: {mean_usd_per_mwh: 30}}
    storage: {energy_wh: 20000, power_w: 50000, policy: ramp_limiting, max_ramp_w_per_s: 500}
"""
JOB = """jobs:
  - name: llama70b
    site: dfw
    model: {parameters: 70.0e9, sequence_length: 8192, global_batch_tokens: 3932160, layers: 80,
            hidden_size: 8192}
    parallel: {tp: 8, pp: 4, dp: 15, microbatches: 32, schedule: interleaved, virtual_stages: 4}
    efficiency: 0.42
    placement: {order: compact, spare_nodes: 4}
    checkpoint: {interval: fixed_s, interval_s: 1800, storage_write_bandwidth_bytes_per_s: 1.0e11}
"""


def run(text, name, tmp, *extra, ranks=1, expect=0):
    path = os.path.join(tmp, name + ".yaml")
    with open(path, "w") as f:
        f.write(text)
    out = os.path.join(tmp, name + ".h5")
    args = ["mpirun", "-n", str(ranks), BIN] if ranks > 1 else [BIN]
    p = subprocess.run(args + ["run", path, "-q", "-o", out, *extra], env=ENV,
                       capture_output=True, text=True)
    if p.returncode != expect:
        raise AssertionError(f"{name}: exit {p.returncode}, expected {expect}\n{p.stderr}")
    return out if expect == 0 else p.stderr


def datasets(path, skip=()):
    out = {}
    with h5py.File(path) as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and not name.startswith(skip):
                out[name] = obj[()]
        f.visititems(visit)
    return out


SPLIT = HEAD + """sites:
  - name: dfw
    location: {latitude_deg: 32.90, longitude_deg: -97.04}
    campus: {buildings: [{name: A, halls: 1, racks_per_hall: 9}]}
  - name: abq
    location: {latitude_deg: 35.04, longitude_deg: -106.61}
    campus: {buildings: [{name: B, halls: 1, racks_per_hall: 9}]}
links:
  - between: [dfw, abq]
""" + JOB.replace("    site: dfw\n", "    sites: [dfw, abq]\n    replicas_per_site: [8, 7]\n").replace(
    "spare_nodes: 4", "spare_nodes: 2")


def info(path, *sets):
    p = subprocess.run([BIN, "info", path, *sets], env=ENV, capture_output=True, text=True,
                       check=True)
    return p.stdout


class Sites(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.two = run(HEAD + "sites:\n" + DFW + ABQ + JOB, "two", cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_one_listed_site_is_the_scenario_without_sites(self):
        plain = HEAD + """campus: {buildings: [{name: A, halls: 2, racks_per_hall: 8}]}
grid: {carbon: {source: constant, mean_g_per_kwh: 400}, price: {source: constant,
       mean_usd_per_mwh: 60}}
""" + JOB.replace("    site: dfw\n", "")
        plain = plain.replace("campus: {nodes_per_rack: 4, accelerators_per_node: 8, cooling: air}\n",
                              "").replace("campus: {buildings", "campus: {nodes_per_rack: 4, "
                                          "accelerators_per_node: 8, cooling: air, buildings")
        plain = plain.replace("grid: {price: {source: constant, mean_usd_per_mwh: 60}}\n", "")
        a = datasets(run(plain, "plain", self.tmp.name))
        b = datasets(run(HEAD + "sites:\n" + DFW + JOB, "listed", self.tmp.name))
        self.assertEqual(sorted(a), sorted(b))
        for k in a:
            np.testing.assert_array_equal(a[k], b[k], err_msg=k)

    def test_a_site_is_the_same_alone(self):
        alone = datasets(run(HEAD + "sites:\n" + DFW + JOB, "alone", self.tmp.name))
        two = datasets(self.two)
        n = 0
        for k, v in alone.items():
            if k.startswith("facility/"):
                np.testing.assert_allclose(two["sites/dfw/" + k[len("facility/"):]], v,
                                           rtol=1e-9, err_msg=k)
                n += 1
            elif k.startswith("jobs/"):
                np.testing.assert_array_equal(two[k], v, err_msg=k)
        self.assertGreater(n, 15)

    def test_total_is_the_sum_of_the_sites(self):
        d = datasets(self.two)
        for k in ("power_it_w", "power_cooling_w", "power_facility_w", "water_l_per_s",
                  "carbon_g_per_s", "cost_usd_per_s", "energy_it_j", "energy_facility_j",
                  "power_grid_w"):
            parts = [d.get(f"sites/{s}/{k}", d.get(f"sites/{s}/power_facility_w"))
                     for s in ("dfw", "abq")]
            tol = 1e-9 if "it" in k else 1e-13
            np.testing.assert_allclose(d["facility/" + k], parts[0] + parts[1], rtol=tol, err_msg=k)
        s = summary(self.two)
        with h5py.File(self.two) as f:
            site = {n: {k: float(v) for k, v in f["summary/sites/" + n].attrs.items()}
                    for n in ("dfw", "abq")}
        for k in ("carbon_kg", "cost_usd", "energy_facility_j"):
            self.assertAlmostEqual(s[k] / (site["dfw"][k] + site["abq"][k]), 1.0, delta=1e-12)
        self.assertEqual(site["abq"]["accelerators"], 128)
        self.assertEqual(site["dfw"]["accelerators"], 512)
        self.assertLess(abs(site["abq"]["storage_energy_balance_error_j"]),
                        1e-9 * site["abq"]["energy_grid_j"])

    def test_idle_site_in_closed_form(self):
        out = run(HEAD.replace("faults: {rate_scale: 40}", "faults: {enabled: false}") +
                  "sites:\n" + DFW + ABQ + JOB, "nofaults", self.tmp.name)
        with h5py.File(out) as f:
            it = f["sites/abq/power_it_w"][()]
            expected = 128 * 75.0 + 16 * 1000.0
            np.testing.assert_allclose(it, expected, rtol=1e-12)
            site = {k: float(v) for k, v in f["summary/sites/abq"].attrs.items()}
            self.assertAlmostEqual(site["carbon_kg"] / (site["energy_grid_j"] / 3.6e6 * 0.100),
                                   1.0, delta=1e-9)
            dfw = {k: float(v) for k, v in f["summary/sites/dfw"].attrs.items()}
            self.assertAlmostEqual(dfw["carbon_kg"] / (dfw["energy_facility_j"] / 3.6e6 * 0.400),
                                   1.0, delta=1e-9)
            self.assertGreater(f["sites/dfw/power_it_w"][()].min(), 5 * expected)
            # Different weather at the two sites.
            self.assertGreater(np.abs(f["sites/dfw/outdoor_temperature_c"][()] -
                                      f["sites/abq/outdoor_temperature_c"][()]).min(), 1.0)

    def test_ranks_and_stepping_give_the_same_file(self):
        ref = datasets(self.two)
        for name, extra, ranks in (("three", [], 3),
                                   ("per_tick", ["--set", "time.stepping=per_tick"], 2)):
            other = datasets(run(HEAD + "sites:\n" + DFW + ABQ + JOB, name, self.tmp.name, *extra,
                                 ranks=ranks))
            self.assertEqual(sorted(ref), sorted(other))
            for k in ref:
                np.testing.assert_array_equal(ref[k], other[k], err_msg=f"{name}: {k}")

    def test_split_job_long_haul_closed_form(self):
        path = os.path.join(self.tmp.name, "split.yaml")
        with open(path, "w") as f:
            f.write(SPLIT)
        tp, pp, params = 8, 4, 70.0e9
        S = 2.0 * params / (tp * pp)  # bf16 gradient bytes of one DP group
        for km in (100, 1000, 4000):
            for bw in (400e9, 1e14):  # link-bound, then the members' NICs (7 x 50 GB/s)
                out = info(path, "--set", f"links.0.distance_m={km * 1e3}",
                           "--set", f"links.0.bandwidth_bytes_per_s={bw}")
                m = re.search(r"long haul ([0-9.]+) s \(alpha ([0-9.]+), beta ([0-9.]+)\)", out)
                self.assertIsNotNone(m, out)
                alpha_l = km * 1e3 * 1.5 * 4.9e-9 + 2 * 10e-6 + 5e-6  # fibre, 2 hops, edges
                b_eff = min(bw / (tp * pp), 7 * 50e9)
                # k = 2 sites: 2(k-1) alpha_L + 2(k-1)/k S / B_eff
                self.assertAlmostEqual(float(m.group(2)), 2 * alpha_l, delta=1e-6)
                self.assertAlmostEqual(float(m.group(3)) / (S / b_eff), 1.0, delta=1e-5)
                self.assertIn("(link bound)" if bw < 1e12 else "(NIC bound)", out)
        # The run plays info's step; the split adds info's figure to the one-site step.
        out = info(path)
        step = float(re.search(r"step time\s+([0-9.]+) s", out).group(1))
        added = float(re.search(r"added per step\s+([0-9.]+) s", out).group(1))
        one_path = os.path.join(self.tmp.name, "one.yaml")
        with open(one_path, "w") as f:
            f.write(SPLIT.replace("sites: [dfw, abq]\n    replicas_per_site: [8, 7]", "site: dfw")
                    .replace("racks_per_hall: 9}]}\n  - name: abq", "racks_per_hall: 16}]}\n"
                             "  - name: abq"))
        one = info(one_path)
        step_one = float(re.search(r"step time\s+([0-9.]+) s", one).group(1))
        self.assertAlmostEqual(step - step_one, added, delta=2e-4)
        self.assertGreater(added, 0.0)
        h5 = run(SPLIT, "split_run", self.tmp.name)
        with h5py.File(h5) as f:
            np.testing.assert_allclose(f["jobs/llama70b/step_time_s"][0], step, atol=1e-4)
            # 8 replicas of 4 nodes and 2 spares at dfw, 7 at abq; the rest idle.
            self.assertGreater(f["sites/dfw/power_it_w"][0], f["sites/abq/power_it_w"][0])
        other = datasets(run(SPLIT, "split_3", self.tmp.name, ranks=3))
        for k, v in datasets(h5).items():
            np.testing.assert_array_equal(v, other[k], err_msg=k)

    def test_geographic_scheduling(self):
        def geo(policy, tx_g, ca_g, name, ranks=1):
            text = HEAD.replace("faults: {rate_scale: 40}", "faults: {enabled: false}") + f"""sites:
  - name: tx
    campus: {{buildings: [{{name: A, halls: 1, racks_per_hall: 8}}]}}
    grid: {{carbon: {{source: constant, mean_g_per_kwh: {tx_g}}}}}
  - name: ca
    campus: {{buildings: [{{name: B, halls: 1, racks_per_hall: 8}}]}}
    grid: {{carbon: {{source: constant, mean_g_per_kwh: {ca_g}}}}}
queue:
  synthetic:
    jobs_per_day: 200
    size: {{distribution: powers_of_two, weights: [1, 1, 1]}}
    duration: {{distribution: lognormal, median_s: 600, sigma: 0.5, min_s: 60, max_s: 3600}}
  scheduler: {{policy: easy, site_policy: {policy}}}
"""
            return run(text, name, self.tmp.name, ranks=ranks)
        idle_w = 256 * 75.0 + 32 * 1000.0  # a site of 8 racks at idle
        for tx_g, ca_g, busy, idle in ((400, 100, "ca", "tx"), (100, 400, "tx", "ca")):
            out = geo("lowest_carbon", tx_g, ca_g, f"geo_{busy}")
            with h5py.File(out) as f:
                np.testing.assert_allclose(f[f"sites/{idle}/power_it_w"][()], idle_w, rtol=1e-12)
                self.assertGreater(f[f"sites/{busy}/power_it_w"][()].max(), 1.5 * idle_w)
                self.assertGreater(int(f["summary"].attrs["queue_jobs_finished"]), 5)
        first = geo("first", 400, 100, "geo_first")
        with h5py.File(first) as f:
            np.testing.assert_allclose(f["sites/ca/power_it_w"][()], idle_w, rtol=1e-12)
            self.assertGreater(f["sites/tx/power_it_w"][()].max(), 1.5 * idle_w)
        # Moving at checkpoints: jobs started at the dirty site while the clean one was full
        # move when it has room; carbon falls, and 1 and 2 ranks agree.
        def moving(migrate, name, ranks=1):
            with open(os.path.join(self.tmp.name, "geo_ca.yaml")) as f:
                text = f.read()
            text = text.replace("jobs_per_day: 200", "jobs_per_day: 3000").replace(
                "site_policy: lowest_carbon", f"site_policy: lowest_carbon, migrate: {migrate}")
            text += "  checkpoint_interval_s: 300\nlinks:\n  - between: [tx, ca]\n"
            return run(text, name, self.tmp.name, ranks=ranks)
        stay, move = summary(moving("false", "stay")), summary(moving("true", "move"))
        self.assertEqual(stay["queue_migrations"], 0)
        self.assertGreater(move["queue_migrations"], 0)
        self.assertLess(move["carbon_kg"], stay["carbon_kg"])
        a, b = datasets(os.path.join(self.tmp.name, "move.h5")), datasets(moving("true", "move2", 2))
        for k, v in a.items():
            np.testing.assert_array_equal(v, b[k], err_msg=k)
        two = datasets(geo("lowest_carbon", 400, 100, "geo_two", ranks=2))
        for k, v in datasets(os.path.join(self.tmp.name, "geo_ca.h5")).items():
            np.testing.assert_array_equal(v, two[k], err_msg=k)

    def test_time_zone_sets_the_local_time_of_weather_and_grid(self):
        text = HEAD.replace("output_interval_s: 300", "output_interval_s: 3600").replace(
            "duration_s: 5400", "duration_s: 86400").replace(
            "start: \"2026-07-15T10:00:00Z\"", "start: \"2026-07-15T00:00:00Z\"") + """sites:
  - name: utc
    time_zone: {utc_offset_h: 0}
    campus: {buildings: [{name: A, halls: 1, racks_per_hall: 1}]}
  - name: mountain
    time_zone: {utc_offset_h: -7}
    campus: {buildings: [{name: B, halls: 1, racks_per_hall: 1}]}
"""
        out = run(text.replace("faults: {rate_scale: 40}", "faults: {enabled: false}"), "tz",
                  self.tmp.name)
        with h5py.File(out) as f:
            a = f["sites/utc/outdoor_temperature_c"][()]
            b = f["sites/mountain/outdoor_temperature_c"][()]
            # The daily maximum comes 7 hours later in UTC at UTC-7.
            self.assertEqual((int(np.argmax(b)) - int(np.argmax(a))) % 24, 7)
            resolved = f.attrs["scenario"]
            resolved = resolved.decode() if isinstance(resolved, bytes) else resolved
        self.assertEqual(resolved.count("utc_offset_h: -7"), 3)  # time_zone, weather, grid

    def test_daylight_saving_moves_local_demand_response_windows(self):
        # 17:00-19:00 local in Central time on 15 July: CDT (UTC-5) gives 22:00-24:00 UTC,
        # standard time (UTC-6) 23:00-01:00 UTC.
        base = HEAD.replace("output_interval_s: 300", "output_interval_s: 3600").replace(
            "duration_s: 5400", "duration_s: 86400").replace(
            "start: \"2026-07-15T10:00:00Z\"", "start: \"2026-07-15T00:00:00Z\"").replace(
            "faults: {rate_scale: 40}", "faults: {enabled: false}") + """sites:
  - name: dfw
    time_zone: {utc_offset_h: -6, daylight_saving: DST}
    campus: {buildings: [{name: A, halls: 1, racks_per_hall: 1}]}
    grid:
      site_capacity_w: 1.0e6
      demand_response: [{start: "17:00", end: "19:00", cap_w: 5.0e5}]
"""
        for rule, hours in (("us", [22, 23]), ("none", [0, 23])):
            out = run(base.replace("DST", rule), "dst_" + rule, self.tmp.name)
            with h5py.File(out) as f:
                cap = f["facility/power_cap_w"][()]
            self.assertEqual(sorted(int(h) for h in np.flatnonzero(cap == 5.0e5)), hours, rule)

    def test_info_lists_sites_links_and_site_warnings(self):
        path = os.path.join(self.tmp.name, "info.yaml")
        with open(path, "w") as f:
            f.write(SPLIT.replace("    campus: {buildings: [{name: B, halls: 1, racks_per_hall: 9}]}",
                                  "    campus: {buildings: [{name: B, halls: 1, racks_per_hall: 9}]}"
                                  "\n    grid: {site_capacity_w: 1.0e9}"))
        p = subprocess.run([BIN, "info", path], env=ENV, capture_output=True, text=True, check=True)
        self.assertRegex(p.stdout, r"site dfw +32\.90° -97\.04°, 9 racks, 288 accelerators")
        self.assertRegex(p.stdout, r"link dfw–abq +914 km, fibre 1370 km, one way 6\.740 ms")
        self.assertIn("sites[1].grid.site_capacity_w = 1000.00 MW can never bind", p.stderr)

    def test_bad_input(self):
        cases = [
            (HEAD + "sites:\n" + DFW + DFW + JOB, "duplicate site name 'dfw'"),
            (HEAD + "sites:\n" + DFW + JOB.replace("site: dfw", "site: lax"), "'lax'"),
            (HEAD + "sites:\n" + DFW.replace("name: dfw", "name: d/fw") + JOB, "sites[0].name"),
            (HEAD + "sites: []\n", "sites"),
            (HEAD.replace("cooling: air}", "cooling: air, buildings: [{racks_per_hall: 2}]}") +
             "sites:\n" + DFW + JOB, "buildings go under sites[i]"),
            (HEAD + "storage: {energy_wh: 1000, power_w: 1000}\nsites:\n" + DFW + JOB,
             "battery goes under sites[i].storage"),
            (HEAD + "sites:\n" + DFW + "    cooling: {air_rack: {row_end_k: 9}}\n" + JOB,
             "campus-wide"),
            (HEAD + "sites:\n" + DFW.replace("latitude_deg: 32.90", "latitude_deg: 91") + JOB,
             "latitude_deg"),
            (SPLIT.replace("links:\n  - between: [dfw, abq]\n", ""), "no link joins dfw and abq"),
            (SPLIT.replace("replicas_per_site: [8, 7]", "replicas_per_site: [8, 8]"),
             "sum to 16"),
            (SPLIT.replace("between: [dfw, abq]", "between: [dfw, dfw]"), "listed twice"),
            (SPLIT.replace("replicas_per_site: [8, 7]", "replicas_per_site: [14, 1]"),
             "site 0 of the job"),
        ]
        for i, (text, needle) in enumerate(cases):
            err = run(text, f"bad{i}", self.tmp.name, expect=2)
            self.assertIn(needle, err, f"case {i}")
            self.assertFalse(os.path.exists(os.path.join(self.tmp.name, f"bad{i}.h5")))


if __name__ == "__main__":
    unittest.main()
