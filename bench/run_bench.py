#!/usr/bin/python3
"""clustertwin performance benchmarks (docs/performance.md).

    scripts/bench.sh [--short] [--build DIR] [--out FILE] [--repeat N] [--markdown]
                     [--scaling FILE|none] [--scaling-seconds S] [SCENARIO] [SIM_SECONDS]

End to end: `clustertwin run SCENARIO --set time.duration_s=SIM_SECONDS --stats-json` on 1 and
2 MPI ranks (strong scaling), --repeat times each, interleaved (1, 2, 1, 2, ...) so that a slow
spell of the machine hits both; each rank count reports its median run and all wall times.
Then the 2-vs-1 strong scaling of issue 19 on --scaling (configs/bench/campus-1m.yaml, one
simulated day, --repeat interleaved pairs): the campus whose racks are dealt out to the ranks.
On the 16k scenario the same ratio is reported, not held to 1.8x: its run is so small that the
per-tick reduction and the work every rank repeats bound it (docs/performance.md, "Why 2 ranks
against 1 stays near 1.6x"). Then the memory check (configs/bench/campus-1m.yaml, 1,048,576
accelerators, a few simulated seconds), then the kernel microbenchmarks (BUILD/bench/
kernels_bench). Writes one JSON file (bench-results.json) and prints a table; --markdown also
prints the tables of docs/performance.md.

--short: the harness check for CI (quickstart scenario, a few ticks, tiny benchmark times;
under a minute on 2 cores): every key present, every figure positive, else exit status 1.
Speed targets are evaluated and printed but never fail the run.
"""
import argparse
import datetime
import json
import math
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SCENARIO = os.path.join(ROOT, "configs/bench/llama3-16k-grid.yaml")
MEMORY_SCENARIO = os.path.join(ROOT, "configs/bench/campus-1m.yaml")
SHORT_SCENARIO = os.path.join(ROOT, "configs/quickstart.yaml")
SCALING_SCENARIO = MEMORY_SCENARIO  # issue 19's 2 vs 1 rank: the 1M campus, one simulated day
FULL_54_DAYS_S = 54 * 86400

STATS_KEYS = ["accelerators", "ticks", "simulated_s", "wall_s",
              "accelerator_ticks_per_s_per_core", "simulated_s_per_wall_s",
              "mpi_reduce_s_max", "mpi_reduce_s_min", "hdf5_output_s_max", "peak_rss_bytes_total",
              "peak_rss_bytes_per_accelerator"]
# May legitimately be ~0 on a tiny run (one rank, one output sample): checked >= 0.
NON_NEGATIVE = {"mpi_reduce_s_max", "mpi_reduce_s_min", "hdf5_output_s_max"}

TARGETS = {
    "kernel_updates_per_s_per_core": 100e6,     # hot kernels, per core
    "kernel_fraction_of_bound": 1.0 / 3.0,      # within 3x of the bandwidth bound
    "wall_54_days_2_ranks_s": 60.0,             # <= 1 min (issue 19, multi-rate stepping)
    "peak_rss_bytes_per_accelerator": 256.0,
    "strong_scaling_speedup_2_vs_1": 1.8,
}
HOT_KERNELS = ["BM_fast_units", "BM_thermal_dvfs", "BM_accounting", "BM_fused_tick", "BM_hazard"]
# The engine's per-tick path for a unit (twin/fleet_kernel.cpp): the vectorized node step and
# cycle counter, with per-node accounting constants. Held to the kernel targets. The others are
# reported for the record: the governor path (only units the thermal limit throttles take it),
# the hazard update (every faults.hazard_update_s, 300 ticks by default) and the reference loop
# of the first kernel (every unit through the governor, per-unit accounting).
TARGET_KERNELS = ["BM_fast_units"]
KERNEL_ROLE = {
    "BM_fast_units": "engine per-tick path",
    "BM_thermal_dvfs": "governor path (throttled units only)",
    "BM_accounting": "reference loop (pre fast path)",
    "BM_fused_tick": "reference loop (pre fast path)",
    "BM_hazard": "hazard update (every 300 ticks)",
    "BM_triad": "STREAM triad",
}


def mpi_env():
    env = dict(os.environ)
    if os.geteuid() == 0:  # scripts/mpi-env.sh
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    env["OMPI_MCA_rmaps_base_oversubscribe"] = "1"
    env["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none"
    return env


def median(xs, key=None):
    """The middle element (the upper one of an even count), as every median on this page."""
    return sorted(xs, key=key)[len(xs) // 2]


def run(cmd, **kw):
    print("+ " + " ".join(cmd), file=sys.stderr, flush=True)
    return subprocess.run(cmd, check=True, **kw)


def run_scenario(ct, scenario, sim_s, ranks, workdir, extra_sets=()):
    tag = "%s_%d" % (os.path.splitext(os.path.basename(scenario))[0], ranks)
    out_h5 = os.path.join(workdir, tag + ".h5")
    stats = os.path.join(workdir, tag + ".json")
    cmd = ["mpirun", "-n", str(ranks), ct, "run", scenario, "-o", out_h5, "--stats-json", stats,
           "-q", "--set", "time.duration_s=%g" % sim_s]
    for s in extra_sets:
        cmd += ["--set", s]
    load_before = os.getloadavg()[0]
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    run(cmd, env=mpi_env(), stdout=subprocess.DEVNULL)
    launch_s = time.monotonic() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(stats) as f:
        st = json.load(f)
    # The stats file prints 6 significant digits: take the exact count from `clustertwin info`.
    info = subprocess.run([ct, "info", scenario], capture_output=True, text=True).stdout
    m = re.search(r"(\d+) accelerators \(", info)
    if m:
        st["accelerators"] = int(m.group(1))
    st["mpirun_wall_s"] = launch_s  # including MPI start-up, scenario setup and file close
    # CPU time of all ranks (and mpirun) and the 1-minute load average before the run: a load
    # above the rank count means other work shared the cores and the wall times are inflated.
    st["cpu_s_all_ranks"] = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    st["load_average_before"] = load_before
    for p in (out_h5, stats):
        if os.path.exists(p):
            os.remove(p)
    return st


def machine_info(build):
    info = {"hostname": platform.node(), "kernel": platform.release()}
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for key, name in [("Model name", "cpu_model"), ("CPU(s)", "cpus"),
                          ("Thread(s) per core", "threads_per_core"),
                          ("L2 cache", "l2_cache"), ("L3 cache", "l3_cache"),
                          ("Hypervisor vendor", "hypervisor")]:
            m = re.search(r"^%s:\s*(.+)$" % re.escape(key), lscpu, re.M)
            if m:
                info[name] = m.group(1).strip()
    except OSError:
        pass
    with open("/proc/meminfo") as f:
        m = re.search(r"MemTotal:\s+(\d+) kB", f.read())
        info["memory_bytes"] = int(m.group(1)) * 1024 if m else 0
    try:
        info["compiler"] = subprocess.run(["c++", "--version"], capture_output=True,
                                          text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        pass
    cache = os.path.join(build, "CMakeCache.txt")
    if os.path.exists(cache):
        txt = open(cache).read()
        bt = re.search(r"^CMAKE_BUILD_TYPE:\w+=(.*)$", txt, re.M)
        bt = bt.group(1) if bt else ""
        flags = re.search(r"^CMAKE_CXX_FLAGS:\w+=(.*)$", txt, re.M)
        tflags = re.search(r"^CMAKE_CXX_FLAGS_%s:\w+=(.*)$" % bt.upper(), txt, re.M)
        info["build_type"] = bt
        info["cxx_flags"] = " ".join(x for x in [flags.group(1) if flags else "",
                                                 tflags.group(1) if tflags else ""] if x)
    try:
        info["load_average_at_start"] = os.getloadavg()
    except OSError:
        pass
    return info


def run_kernels(build, short, workdir):
    exe = os.path.join(build, "bench", "kernels_bench")
    summary = os.path.join(workdir, "kernels_summary.json")
    cmd = [exe, "--benchmark_format=json", "--summary_json=" + summary]
    if short:
        cmd += ["--benchmark_min_time=0.001", "--benchmark_filter=/16384$|triad"]
    else:
        cmd += ["--benchmark_min_time=0.5", "--benchmark_repetitions=3",
                "--benchmark_report_aggregates_only=false"]
    res = run(cmd, capture_output=True, text=True)
    sys.stderr.write(res.stderr)
    raw = json.loads(res.stdout)
    with open(summary) as f:
        summ = json.load(f)
    return summ, raw


def best_by_name(kernels):
    """With repetitions a kernel appears several times: keep the median run."""
    groups = {}
    for k in kernels:
        groups.setdefault(k["name"], []).append(k)
    out = []
    for name, runs in groups.items():
        runs = sorted(runs, key=lambda r: r["updates_per_s_per_core"])
        out.append(dict(runs[len(runs) // 2], repetitions=len(runs)))
    return out


def check(results, short, want_scaling=False):
    errors = []

    def positive(where, d, keys, allow_zero=()):
        for k in keys:
            v = d.get(k)
            if not isinstance(v, (int, float)) or not math.isfinite(v):
                errors.append("%s: %s missing or not a number (%r)" % (where, k, v))
            elif v < 0 or (v == 0 and k not in allow_zero):
                errors.append("%s: %s = %r, expected > 0" % (where, k, v))

    for r in results["end_to_end"]["runs"]:
        positive("end_to_end ranks=%s" % r.get("ranks"), r, STATS_KEYS, NON_NEGATIVE)
    positive("end_to_end", results["end_to_end"], ["strong_scaling_speedup_2_vs_1",
                                                   "wall_54_days_2_ranks_s_extrapolated",
                                                   "per_tick_wall_s", "multi_rate_over_per_tick"])
    if want_scaling and "scaling" not in results:
        errors.append("scaling: no strong-scaling result")
    if "scaling" in results:
        positive("scaling", results["scaling"], ["strong_scaling_speedup_2_vs_1",
                                                 "wall_s_1_rank", "wall_s_2_ranks"])
    positive("memory", results["memory"], ["accelerators", "peak_rss_bytes_per_accelerator"])
    k = results["kernels"]
    positive("kernels", k, ["triad_bytes_per_s_1core", "triad_bytes_per_s_per_core_2cores"])
    names = {x["name"].split("/")[0] for x in k["kernels"]}
    for want in HOT_KERNELS:
        if want not in names:
            errors.append("kernels: no result for %s" % want)
    for x in k["kernels"]:
        positive("kernels " + x["name"], x, ["updates_per_s_per_core", "bytes_per_update",
                                             "bandwidth_bound_updates_per_s",
                                             "fraction_of_bound"])
    return errors


def targets(results):
    e2e, mem, k = results["end_to_end"], results["memory"], results["kernels"]
    rows = []
    single = [x for x in k["kernels"] if x["threads"] == 1]
    for x in single:
        if x["name"].split("/")[0] in TARGET_KERNELS:
            rows.append(("%s: updates/s/core" % x["name"], ">= 100 M",
                         "%.1f M" % (x["updates_per_s_per_core"] / 1e6),
                         x["updates_per_s_per_core"] >= TARGETS["kernel_updates_per_s_per_core"]))
            rows.append(("%s: of bandwidth bound" % x["name"], ">= 0.33 (within 3x)",
                         "%.2f (bound %.0f M/s at %g B/update)" % (
                             x["fraction_of_bound"], x["bandwidth_bound_updates_per_s"] / 1e6,
                             x["bytes_per_update"]),
                         x["fraction_of_bound"] >= TARGETS["kernel_fraction_of_bound"]))
    by = {r["ranks"]: r for r in e2e["runs"]}
    if 1 in by:
        v = by[1]["accelerator_ticks_per_s_per_core"]
        rows.append(("whole simulator, 1 rank (%s): accelerator-ticks/s/core" %
                     e2e["scenario_name"], ">= 100 M", "%.1f M" % (v / 1e6),
                     v >= TARGETS["kernel_updates_per_s_per_core"]))
    w = e2e["wall_54_days_2_ranks_s_extrapolated"]
    rows.append(("%s, 54 d at 1 s tick, 2 ranks (extrapolated from %g s simulated)" % (
        e2e["scenario_name"], e2e["sim_seconds"]), "<= 60 s wall",
        "%.0f s (%.1f min; median of %d)" % (
            w, w / 60, len(by.get(2, {}).get("wall_s_all", [0]))),
        w <= TARGETS["wall_54_days_2_ranks_s"]))
    rows.append(("peak RSS per accelerator, %s accelerators, %d rank(s)" % (
        format(mem["accelerators"], ","), mem["ranks"]), "<= 256 B",
        "%.0f B (marginal %.0f B)" % (mem["peak_rss_bytes_per_accelerator"],
                                       mem.get("marginal_rss_bytes_per_accelerator", 0)),
        mem["peak_rss_bytes_per_accelerator"] <= TARGETS["peak_rss_bytes_per_accelerator"]))
    rows.append(("multi-rate / per-tick wall time, %s, %d ranks, same harness run" % (
        e2e["scenario_name"], e2e["per_tick_ranks"]), "(reported)",
        "%.3f (pairs %s; coasted %.3f of rack-ticks)" % (
            e2e["multi_rate_over_per_tick"],
            ", ".join("%.3f" % x for x in e2e["multi_rate_over_per_tick_all"]),
            e2e["coasted_rack_tick_fraction"]), True))
    sc = results.get("scaling")
    s = e2e["strong_scaling_speedup_2_vs_1"]
    lo, hi = e2e.get("strong_scaling_range", [s, s])
    # With the campus measured, the end-to-end scenario's ratio is reported (see the docstring).
    rows.append(("strong scaling 2 vs 1 rank, %s" % e2e["scenario_name"],
                 "(reported; the 1.8x is held on %s)" % sc["scenario_name"] if sc else ">= 1.8x",
                 "%.2fx (medians; pairs %.2f-%.2fx)" % (s, lo, hi),
                 True if sc else s >= TARGETS["strong_scaling_speedup_2_vs_1"]))
    if sc:
        s = sc["strong_scaling_speedup_2_vs_1"]
        lo, hi = sc["strong_scaling_range"]
        rows.append(("strong scaling 2 vs 1 rank, %s, %g s simulated" % (
            sc["scenario_name"], sc["sim_seconds"]), ">= 1.8x",
            "%.2fx (medians %.1f / %.1f s; pairs %.2f-%.2fx)" % (
                s, sc["wall_s_1_rank"], sc["wall_s_2_ranks"], lo, hi),
            s >= TARGETS["strong_scaling_speedup_2_vs_1"]))
    return rows


def print_tables(results, markdown):
    e2e, mem, k = results["end_to_end"], results["memory"], results["kernels"]
    out = []
    if markdown:
        m = results["machine"]
        out.append("Measured %s on %s (%s CPUs, %.1f GiB, %s), %s, `%s`, build type %s.\n" % (
            results["date_utc"], m.get("cpu_model", "?"), m.get("cpus", "?"),
            m.get("memory_bytes", 0) / 2**30, m.get("hypervisor", "bare metal") + " guest"
            if m.get("hypervisor") else "bare metal", m.get("compiler", "?"),
            m.get("cxx_flags", "?"), m.get("build_type", "?")))
        out.append("| target | goal | measured | met |\n|---|---|---|---|")
        for name, goal, val, ok in targets(results):
            out.append("| %s | %s | %s | %s |" % (name, goal, val, "yes" if ok else "**no**"))
        out.append("")
        out.append("| end to end: %s, %g s simulated | %s |" % (
            e2e["scenario_name"], e2e["sim_seconds"],
            " | ".join("%d rank%s" % (r["ranks"], "s" if r["ranks"] > 1 else "")
                       for r in e2e["runs"])))
        out.append("|---|" + "---|" * len(e2e["runs"]))
        out.append("| wall_s, every run | %s |" % " | ".join(
            ", ".join("%.2f" % w for w in r.get("wall_s_all", [r["wall_s"]])) for r in e2e["runs"]))
        for key, fmt, scale in [
                ("wall_s", "%.2f", 1), ("mpirun_wall_s", "%.2f", 1),
                ("accelerator_ticks_per_s_per_core", "%.1f M", 1e-6),
                ("simulated_s_per_wall_s", "%.0f", 1), ("mpi_reduce_s_max", "%.3f", 1),
                ("mpi_reduce_s_min", "%.3f", 1),
                ("hdf5_output_s_max", "%.3f", 1),
                ("peak_rss_bytes_per_accelerator", "%.0f", 1)]:
            out.append("| %s | %s |" % (key, " | ".join(fmt % (r[key] * scale)
                                                        for r in e2e["runs"])))
        out.append("")
        out.append("| kernel | role | threads | M updates/s/core | bytes/update | bound M/s | "
                   "of bound |")
        out.append("|---|---|---|---|---|---|---|")
        for x in k["kernels"]:
            out.append("| %s | %s | %d | %.1f | %g | %.0f | %.2f |" % (
                x["name"], KERNEL_ROLE.get(x["name"].split("/")[0], ""), x["threads"],
                x["updates_per_s_per_core"] / 1e6,
                x["bytes_per_update"], x["bandwidth_bound_updates_per_s"] / 1e6,
                x["fraction_of_bound"]))
        out.append("\nSTREAM triad (128 MiB arrays): %.2f GB/s on one core, %.2f GB/s per core "
                   "with both cores streaming." % (k["triad_bytes_per_s_1core"] / 1e9,
                                                   k["triad_bytes_per_s_per_core_2cores"] / 1e9))
    else:
        out.append("\nend to end: %s, %g s simulated" % (e2e["scenario_name"],
                                                          e2e["sim_seconds"]))
        out.append("%-6s %9s %16s %12s %10s %10s %10s" % (
            "ranks", "wall s", "acc-ticks/s/core", "sim s/wall s", "MPI red s", "HDF5 s",
            "RSS B/acc"))
        for r in e2e["runs"]:
            out.append("%-6d %9.2f %16.3g %12.0f %10.3f %10.3f %10.0f" % (
                r["ranks"], r["wall_s"], r["accelerator_ticks_per_s_per_core"],
                r["simulated_s_per_wall_s"], r["mpi_reduce_s_max"], r["hdf5_output_s_max"],
                r["peak_rss_bytes_per_accelerator"]))
        out.append("multi-rate / per-tick wall time on %d ranks (this run, pair by pair): %.3f "
                   "(per tick %.2f s; coasted %.3f of rack-ticks)" % (
                       e2e["per_tick_ranks"], e2e["multi_rate_over_per_tick"],
                       e2e["per_tick_wall_s"], e2e["coasted_rack_tick_fraction"]))
        out.append("strong scaling 2 vs 1 rank: %.2fx; 54 days at this tick on 2 ranks: "
                   "%.0f s (linear extrapolation)" % (
                       e2e["strong_scaling_speedup_2_vs_1"],
                       e2e["wall_54_days_2_ranks_s_extrapolated"]))
        if "scaling" in results:
            sc = results["scaling"]
            out.append("strong scaling 2 vs 1 rank, %s, %g s simulated: %.2fx (1 rank %s s; "
                       "2 ranks %s s)" % (
                           sc["scenario_name"], sc["sim_seconds"],
                           sc["strong_scaling_speedup_2_vs_1"],
                           ", ".join("%.1f" % w for w in sc["wall_s_1_rank_all"]),
                           ", ".join("%.1f" % w for w in sc["wall_s_2_ranks_all"])))
        out.append("memory: %s accelerators on %d rank(s): %.0f bytes peak RSS per accelerator "
                   "(marginal %.0f)" % (mem["accelerators"], mem["ranks"],
                                        mem["peak_rss_bytes_per_accelerator"],
                                        mem.get("marginal_rss_bytes_per_accelerator", 0)))
        out.append("\ntargets:")
        for name, goal, val, ok in targets(results):
            out.append("  [%s] %s: %s (goal %s)" % ("ok" if ok else "NO", name, val, goal))
    print("\n".join(out))


def measure_scaling(ct, scenario, sim_s, repeat, work, ran=None):
    """Interleaved 1-rank / 2-rank pairs of one scenario: issue 19's 2 vs 1 target. `ran`: the
    end-to-end runs per rank count, taken instead when they are the same scenario and time."""
    if ran and 1 in ran and 2 in ran:
        one, two = ran[1], ran[2]
    else:
        one, two = [], []
        for _ in range(repeat):
            one.append(run_scenario(ct, scenario, sim_s, 1, work))
            two.append(run_scenario(ct, scenario, sim_s, 2, work))
    name = two[0].get("scenario", "")
    one, two = [r["wall_s"] for r in one], [r["wall_s"] for r in two]
    m1, m2 = median(one), median(two)
    pairs = [x / y for x, y in zip(one, two)]
    return {
        "scenario": os.path.relpath(scenario, ROOT),
        "scenario_name": name,
        "sim_seconds": sim_s,
        "wall_s_1_rank": m1,
        "wall_s_2_ranks": m2,
        "wall_s_1_rank_all": one,
        "wall_s_2_ranks_all": two,
        "strong_scaling_speedup_2_vs_1": m1 / m2,
        "strong_scaling_range": [min(pairs), max(pairs)],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenario", nargs="?", help="default configs/bench/llama3-16k-grid.yaml "
                    "(configs/quickstart.yaml with --short)")
    ap.add_argument("sim_seconds", nargs="?", type=float,
                    help="bounded simulated time, s (default 86400; 1800 with --short)")
    ap.add_argument("--short", action="store_true", help="CI harness check (< 60 s)")
    ap.add_argument("--build", default=os.environ.get("CLUSTERTWIN_BUILD",
                                                      os.path.join(ROOT, "build")),
                    help="build directory with clustertwin and bench/kernels_bench")
    ap.add_argument("--out", default="bench-results.json", help="combined JSON results")
    ap.add_argument("--ranks", default="1,2", help="rank counts of the end-to-end runs")
    ap.add_argument("--repeat", type=int, default=None,
                    help="end-to-end runs per rank count, median reported (default 3; 1 with "
                         "--short)")
    ap.add_argument("--memory-seconds", type=float, default=None,
                    help="simulated seconds of the 1,048,576-accelerator memory check "
                         "(default 60; 5 with --short)")
    ap.add_argument("--memory-ranks", type=int, default=1)
    ap.add_argument("--scaling", default=None,
                    help="scenario of issue 19's 2 vs 1 rank target (default configs/bench/"
                         "campus-1m.yaml; none with --short); 'none' skips it")
    ap.add_argument("--scaling-seconds", type=float, default=86400.0,
                    help="simulated seconds of each strong-scaling run (default 86400)")
    ap.add_argument("--skip-kernels", action="store_true")
    ap.add_argument("--markdown", action="store_true",
                    help="also print the markdown tables of docs/performance.md")
    a = ap.parse_args()

    scenario = os.path.abspath(a.scenario or (SHORT_SCENARIO if a.short else DEFAULT_SCENARIO))
    sim_s = a.sim_seconds or (1800.0 if a.short else 86400.0)
    mem_s = a.memory_seconds or (5.0 if a.short else 60.0)
    build = os.path.abspath(a.build)
    ct = os.path.join(build, "clustertwin")
    for exe in [ct] + ([] if a.skip_kernels else [os.path.join(build, "bench/kernels_bench")]):
        if not os.access(exe, os.X_OK):
            sys.exit("bench: %s not found (build first, or pass --build DIR)" % exe)
    if not shutil.which("mpirun"):
        sys.exit("bench: mpirun not on PATH")
    ranks = [int(x) for x in a.ranks.split(",")]
    scaling = a.scaling or ("none" if a.short else SCALING_SCENARIO)
    scaling = None if scaling == "none" else os.path.abspath(scaling)

    t_start = time.monotonic()
    results = {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "mode": "short" if a.short else "full",
        "machine": machine_info(build),
        "targets": TARGETS,
    }
    with tempfile.TemporaryDirectory(prefix="ct-bench-") as work:
        repeat = a.repeat or (1 if a.short else 3)
        all_runs = {n: [] for n in ranks}
        per_tick_runs = []  # the same scenario stepped per tick, on the largest rank count
        for _ in range(repeat):  # interleaved: 1, 2, per tick on 2, 1, 2, per tick on 2, ...
            for n in ranks:
                all_runs[n].append(run_scenario(ct, scenario, sim_s, n, work))
            per_tick_runs.append(run_scenario(ct, scenario, sim_s, ranks[-1], work,
                                              ["time.stepping=per_tick"]))
        runs = []
        for n in ranks:
            runs.append(dict(median(all_runs[n], key=lambda r: r["wall_s"]),
                             wall_s_all=[r["wall_s"] for r in all_runs[n]]))
        by = {r["ranks"]: r for r in runs}
        speedup = by[1]["wall_s"] / by[2]["wall_s"] if 1 in by and 2 in by else 0.0
        pairs = ([a1["wall_s"] / a2["wall_s"] for a1, a2 in zip(all_runs[1], all_runs[2])]
                 if 1 in by and 2 in by else [0.0])
        two = by.get(2, runs[-1])
        # Multi-rate over per-tick wall time, pair by pair (each pair ran back to back).
        ratios = [m["wall_s"] / p["wall_s"] for m, p in zip(all_runs[ranks[-1]], per_tick_runs)]
        per_tick = median(per_tick_runs, key=lambda r: r["wall_s"])
        results["end_to_end"] = {
            "scenario": os.path.relpath(scenario, ROOT),
            "scenario_name": runs[0]["scenario"],
            "sim_seconds": sim_s,
            "runs": runs,
            "strong_scaling_speedup_2_vs_1": speedup,
            "strong_scaling_range": [min(pairs), max(pairs)],
            "repeat": repeat,
            # Linear in simulated time: wall of the bounded run (time loop, the same per-tick
            # work every tick) scaled to 54 days at the same tick, plus nothing for start-up.
            "wall_54_days_2_ranks_s_extrapolated": two["wall_s"] * FULL_54_DAYS_S / sim_s,
            "per_tick_ranks": ranks[-1],
            "per_tick_wall_s": per_tick["wall_s"],
            "per_tick_wall_s_all": [r["wall_s"] for r in per_tick_runs],
            "multi_rate_over_per_tick": median(ratios),
            "multi_rate_over_per_tick_all": ratios,
            "coasted_rack_tick_fraction": two.get("coasted_rack_tick_fraction", 0.0),
            "repeated_reduction_fraction": two.get("repeated_reduction_fraction", 0.0),
            "extrapolation": "linear: wall_s(bounded run) x 4,665,600 s / simulated s",
        }
        if scaling:
            same = scaling == scenario and a.scaling_seconds == sim_s
            results["scaling"] = measure_scaling(ct, scaling, a.scaling_seconds, repeat, work,
                                                 all_runs if same else None)
        mem = run_scenario(ct, MEMORY_SCENARIO, mem_s, a.memory_ranks, work,
                           ["time.output_interval_s=%g" % mem_s])
        small = by.get(a.memory_ranks)
        marginal = 0.0
        if small and mem["accelerators"] > small["accelerators"]:
            marginal = (mem["peak_rss_bytes_total"] - small["peak_rss_bytes_total"]) / (
                mem["accelerators"] - small["accelerators"])
        results["memory"] = {
            "scenario": os.path.relpath(MEMORY_SCENARIO, ROOT),
            "ranks": a.memory_ranks,
            "sim_seconds": mem_s,
            "accelerators": mem["accelerators"],
            "peak_rss_bytes_total": mem["peak_rss_bytes_total"],
            "peak_rss_bytes_per_accelerator": mem["peak_rss_bytes_per_accelerator"],
            # Slope between the end-to-end scenario and the 1M campus on the same rank count:
            # the per-accelerator cost without the fixed per-process memory (libraries, MPI).
            "marginal_rss_bytes_per_accelerator": marginal,
            "run": mem,
        }
        if a.skip_kernels:
            results["kernels"] = {"triad_bytes_per_s_1core": 0,
                                  "triad_bytes_per_s_per_core_2cores": 0, "kernels": []}
        else:
            summ, raw = run_kernels(build, a.short, work)
            summ["kernels"] = best_by_name(summ["kernels"])
            results["kernels"] = summ
            results["kernels_google_benchmark"] = raw
    results["harness_wall_s"] = time.monotonic() - t_start
    results["targets_met"] = {name: ok for name, _, _, ok in targets(results)}

    with open(a.out, "w") as f:
        json.dump(results, f, indent=2)
    print_tables(results, False)
    if a.markdown:
        print("\n--- markdown (docs/performance.md) ---\n")
        print_tables(results, True)
    print("\nresults: %s (%.1f s)" % (os.path.abspath(a.out), results["harness_wall_s"]))

    errors = [] if a.skip_kernels and not a.short else check(results, a.short, scaling is not None)
    if a.skip_kernels:
        errors = [e for e in errors if not e.startswith("kernels")]
    if errors:
        print("bench: harness check FAILED:\n  " + "\n  ".join(errors), file=sys.stderr)
        return 1
    print("bench: harness check passed (keys present, figures positive)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except subprocess.CalledProcessError as e:
        print("bench: FAILED: %s exited with status %d" % (" ".join(e.cmd), e.returncode),
              file=sys.stderr)
        sys.exit(1)
