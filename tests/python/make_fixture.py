#!/usr/bin/python3
"""Write synthetic clustertwin output files that follow the HDF5 output layout.

The numbers are plausible, not physical: they exist so the report tool and the
documentation examples can be tested before (and independently of) the
simulator.  The *layout* follows docs/output.md exactly: every dataset has a
dimension scale attached to each of its dimensions, creation order is tracked,
every variable carries ``units`` and ``long_name``, and times are
"seconds since <ISO 8601 start>".

Usage as a script:

    make_fixture.py OUT.h5 [--samples N] [--interval S] [--racks R] [--seed N]
                           [--replicas] [--sweep JSON --sweep-index I]
                           [--omit PATH]...
"""
import argparse
import json
import math

import h5py
import numpy as np

CATEGORIES = ["compute", "pipeline_bubble", "exposed_comm", "straggler_wait",
              "checkpoint", "recovery", "waiting", "lost", "serving_prefill", "serving_decode",
              "serving_idle", "unallocated"]
JOB_STATES = ["running", "checkpointing", "recovering", "waiting"]
EVENT_KINDS = ["failure", "checkpoint_start", "checkpoint_end", "recovery_end",
               "repair", "demand_response"]
COMPONENT_CLASSES = ["none", "accelerator", "hbm", "host", "nic_optics", "switch_leaf",
                     "switch_spine", "software", "planned_maintenance"]
CLASS_WEIGHTS = [0.0, 0.40, 0.17, 0.09, 0.05, 0.06, 0.03, 0.15, 0.05]

SCENARIO_TEMPLATE = """schema_version: 1
name: {name}
seed: {seed}
time:
  start: "{start}"
  duration_s: {duration}
  tick_s: 1
  output_interval_s: {interval}
accelerator:
  preset: h100_sxm
  peak_dense_bf16_flops: 9.894e+14
  slowdown_temperature_c: 87.0
  shutdown_temperature_c: 92.0
jobs:
  - name: "pretrain"
    model: {{parameters: 7.0e+10, active_parameters: 7.0e+10, global_batch_tokens: 16777216.0}}
    parallel: {{tp: 8, pp: 4, dp: {dp_pre}}}
    checkpoint: {{interval: fixed_s, interval_s: {ckpt}}}
  - name: "finetune"
    model: {{parameters: 8.0e+9, active_parameters: 8.0e+9, global_batch_tokens: 2097152.0}}
    parallel: {{tp: 8, pp: 1, dp: {dp_fine}}}
"""
BUILDING_NAMES = ["North campus", "South"]


def _str_attr(obj, name, value):
    obj.attrs.create(name, value, dtype=h5py.string_dtype("utf-8"))


def _var(group, name, data, dims, units, long_name, dtype=None, **attrs):
    """Create a dataset, attach the scales in ``dims`` and set CF attributes."""
    data = np.asarray(data, dtype=dtype) if dtype is not None else np.asarray(data)
    maxshape = tuple(None if i == 0 else s for i, s in enumerate(data.shape))
    chunks = None
    if data.size:
        chunks = tuple(max(1, min(s, 4096 if i == 0 else s)) for i, s in enumerate(data.shape))
    ds = group.create_dataset(name, data=data, maxshape=maxshape, chunks=chunks)
    _str_attr(ds, "units", units)
    _str_attr(ds, "long_name", long_name)
    for key, val in attrs.items():
        if isinstance(val, str):
            _str_attr(ds, key, val)
        else:
            ds.attrs[key] = val
    for i, scale in enumerate(dims):
        ds.dims[i].attach_scale(scale)
    return ds


def _flags(codes_names, dtype):
    values = np.array([c for c, _ in codes_names], dtype=dtype)
    return values, " ".join(n for _, n in codes_names)


def make_output(path, samples=2880, interval=60.0, racks=48, seed=1,
                start="2026-07-01T00:00:00Z", name="fixture-h100-air",
                sweep=None, sweep_index=None, replicas=False, omit=(),
                ckpt_interval_s=1800.0, failure_rate_per_h=0.35, scale=1.0, constant=False,
                cap_w=None, dr_window_h=None):
    """Write one synthetic output file to ``path`` and return ``path``.

    ``omit`` lists dataset or group paths (e.g. "facility/pue", "racks") to leave
    out, to test how readers cope with older or partial files.  ``scale``
    multiplies power and throughput (handy to make sweep members differ).
    ``constant``: PUE and price exactly constant (a reader must show them as their value).
    ``cap_w``: a facility cap in force all the time (NaN otherwise, as the simulator writes
    it); ``dr_window_h`` = (start, end) hours of each day where the cap is lowered by 20%.
    """
    rng = np.random.default_rng(seed)
    n = int(samples)
    dt = float(interval)
    t = dt * np.arange(1, n + 1, dtype=np.float64)  # end of each output interval
    hours = t / 3600.0
    per_rack = 32  # 4 nodes x 8 accelerators
    accelerators = racks * per_rack

    # --- weather, jobs ----------------------------------------------------
    outdoor = (24.0 + 7.0 * np.sin(2 * np.pi * (hours - 9.0) / 24.0)
               + rng.normal(0.0, 0.4, n))
    jobs = {"pretrain": int(racks * 0.70) * per_rack, "finetune": int(racks * 0.20) * per_rack}
    unalloc = accelerators - sum(jobs.values())
    job_rack = {"pretrain": (0, int(racks * 0.70)),
                "finetune": (int(racks * 0.70), int(racks * 0.70) + int(racks * 0.20))}

    cat = {c: np.zeros(n) for c in CATEGORIES}
    cat["unallocated"][:] = unalloc * dt
    job_state = {}
    job_iters = {}
    job_tokens = {}
    job_step = {}
    events = []  # (time, kind, class, component_id, rack, job, lost_s)
    steps_per_s = {"pretrain": 1 / 6.5, "finetune": 1 / 2.0}
    tokens_per_step = {"pretrain": 16 * 2 ** 20, "finetune": 2 * 2 ** 20}
    throttle = np.clip((outdoor - 27.0) / 20.0, 0.0, 0.08)  # hot afternoons are slower

    for j, (job, acc) in enumerate(jobs.items()):
        state = np.zeros(n, dtype=np.int8)
        iters = np.zeros(n)
        step = np.full(n, np.nan)
        done = 0.0          # iterations done (volatile)
        durable = 0.0       # iterations at last durable checkpoint
        since_ckpt = 0.0    # seconds of compute since last checkpoint start
        mode, left = 0, 0.0
        ckpt_len, rec_len = 120.0, 600.0
        rate = failure_rate_per_h * acc / jobs["pretrain"] / 3600.0
        r0, r1 = job_rack[job]
        for k in range(n):
            tk = t[k]
            if mode == 0:  # running
                sp = steps_per_s[job] * scale * (1.0 - throttle[k])
                step[k] = 1.0 / sp
                done += sp * dt
                since_ckpt += dt
                cat["compute"][k] += acc * dt * 0.80
                cat["pipeline_bubble"][k] += acc * dt * 0.08
                cat["exposed_comm"][k] += acc * dt * 0.07
                cat["straggler_wait"][k] += acc * dt * 0.05
                if rng.random() < rate * dt:
                    cls = int(rng.choice(len(COMPONENT_CLASSES), p=CLASS_WEIGHTS))
                    lost = acc * since_ckpt * 0.80
                    cat["compute"][k] -= lost
                    cat["lost"][k] += lost
                    rack = int(rng.integers(r0, r1))
                    events.append((tk, 0, cls, int(rng.integers(0, 10 ** 6)), rack, j, lost))
                    events.append((tk + rng.uniform(4, 72) * 3600, 4, cls, 0, rack, j, 0.0))
                    done, since_ckpt = durable, 0.0
                    mode, left = 2, rec_len
                elif since_ckpt >= ckpt_interval_s:
                    events.append((tk, 1, 0, -1, -1, j, 0.0))
                    mode, left, pending = 1, ckpt_len, done
            elif mode == 1:  # checkpointing
                cat["checkpoint"][k] += acc * dt
                left -= dt
                if left <= 0:
                    durable = pending
                    since_ckpt = 0.0
                    events.append((tk, 2, 0, -1, -1, j, 0.0))
                    mode = 0
            elif mode == 2:  # recovering
                cat["recovery"][k] += acc * dt
                left -= dt
                if left <= 0:
                    events.append((tk, 3, 0, -1, -1, j, 0.0))
                    mode = 0
            state[k] = mode
            iters[k] = math.floor(durable)
        job_state[job] = state
        job_iters[job] = iters
        job_tokens[job] = iters * tokens_per_step[job]
        job_step[job] = step
    # one demand-response window start at 17:00 on day 1
    if t[-1] > 17 * 3600:
        events.append((17 * 3600.0, 5, 0, -1, -1, -1, 0.0))
    events = [e for e in events if e[0] <= t[-1]]
    events.sort(key=lambda e: e[0])

    # --- power --------------------------------------------------------------
    busy = 1.0 - cat["unallocated"] / (accelerators * dt)
    compute_share = np.clip(cat["compute"] / (accelerators * dt), 0, 1)
    p_acc = 75.0 + 625.0 * (0.4 * busy + 0.6 * compute_share) * scale
    power_it = accelerators * p_acc * 1.45  # hosts, network, storage
    pue = 1.18 + 0.012 * np.clip(outdoor - 18.0, 0, None) + rng.normal(0, 0.003, n)
    power_fac = power_it * pue
    power_cool = power_fac - power_it * 1.04
    energy = np.cumsum(power_fac * dt)
    water = power_it * 1.47 / 3.6e6 * np.clip((outdoor - 15.0) / 15.0, 0.05, 1.5)
    carbon_intensity = 380 + 60 * np.sin(2 * np.pi * (hours - 19) / 24.0)  # g/kWh
    carbon = power_fac / 3.6e6 * carbon_intensity
    price = 45 + 35 * np.clip(np.sin(2 * np.pi * (hours - 12) / 24.0), 0, None)
    if constant:
        pue = np.full(n, 1.10331)
        power_fac = power_it * pue
        power_cool = power_fac - power_it * 1.04
        energy = np.cumsum(power_fac * dt)
        price = np.full(n, 50.0)
    cap = np.full(n, np.nan if cap_w is None else float(cap_w))
    if cap_w is not None and dr_window_h is not None:
        hod = ((t - dt) % 86400.0) / 3600.0
        cap[(hod >= dr_window_h[0]) & (hod < dr_window_h[1])] = 0.8 * cap_w
    power_max = power_fac * (1.0 + np.abs(rng.normal(0, 0.02, n)))
    acc_cap = np.where(np.isfinite(cap), 650.0, 700.0)

    # energy split the same way as time (accelerator power only)
    ecat = {c: cat[c] * (700.0 if c == "compute" else 250.0 if c != "unallocated" else 75.0)
            for c in CATEGORIES}

    # --- racks ----------------------------------------------------------------
    rack_ids = np.arange(racks, dtype=np.int64) + 1000
    building = (np.arange(racks) // max(1, racks // 2)).clip(0, 1).astype(np.int32)
    hall = (np.arange(racks) // max(1, racks // 4)).clip(0, 3).astype(np.int32)
    rack_bias = rng.normal(0.0, 1.2, racks) + np.where(np.isin(np.arange(racks) % 12, (0, 11)), 1.5, 0.0)
    rack_power = np.outer(p_acc, np.ones(racks)) * per_rack * 1.45
    rack_power[:, int(racks * 0.90):] = 75.0 * per_rack * 1.45
    inlet = 22.0 + 0.18 * (outdoor[:, None] - 20.0) + rack_bias[None, :] + rng.normal(0, 0.2, (n, racks))
    tj = inlet + 0.095 * (rack_power / per_rack / 1.45) * (1 + 0.03 * rack_bias[None, :])
    throttled = np.clip((tj - 82.0) / 4.0, 0.0, 1.0)

    # --- summary --------------------------------------------------------------
    sim_s = t[-1]
    allocated = sum(cat[c].sum() for c in CATEGORIES if c != "unallocated")
    it_total = sum(job_iters[j][-1] for j in jobs)
    tok_total = sum(job_tokens[j][-1] for j in jobs)
    n_fail = sum(1 for e in events if e[1] == 0)
    n_unpl = sum(1 for e in events if e[1] == 0 and COMPONENT_CLASSES[e[2]] != "planned_maintenance")
    summary = {
        "simulated_s": sim_s, "accelerators": np.int64(accelerators),
        "energy_it_j": float(np.sum(power_it * dt)), "energy_facility_j": float(energy[-1]),
        "pue_mean": float(energy[-1] / np.sum(power_it * dt)),
        "water_l": float(np.sum(water * dt)), "carbon_kg": float(np.sum(carbon * dt) / 1000),
        "cost_usd": float(np.sum(power_fac * price / 3.6e9 * dt)),
        "interruptions": np.int64(n_fail), "interruptions_unplanned": np.int64(n_unpl),
        "mtbf_observed_s": float(sim_s / n_fail) if n_fail else float("inf"),
        "ettr": float(cat["compute"].sum() / allocated),
        "iterations": np.int64(it_total), "tokens": np.int64(tok_total),
        "joules_per_token": float(energy[-1] / tok_total) if tok_total else float("nan"),
        "throttled_fraction": float(throttled.mean()),
        "peak_demand_w": float(power_max.max()), "largest_swing_w": float(np.ptp(power_fac)),
        "largest_ramp_w_per_s": float(np.max(np.abs(np.diff(power_fac))) / dt),
        "cap_exceedance_w": float(np.nanmax(power_max - cap)) if cap_w is not None
        else float("-inf"),
    }
    for c in CATEGORIES:
        summary["accelerator_s_" + c] = float(cat[c].sum())
    for c in CATEGORIES:
        summary["energy_j_" + c] = float(ecat[c].sum())

    # --- write ----------------------------------------------------------------
    omit = set(o.strip("/") for o in omit)
    units_time = "seconds since " + start
    with h5py.File(path, "w", track_order=True) as f:
        f.attrs["schema_version"] = np.int32(1)
        _str_attr(f, "clustertwin_version", "0.1.0-fixture")
        _str_attr(f, "name", name)
        _str_attr(f, "scenario", SCENARIO_TEMPLATE.format(
            name=name, seed=seed, start=start, duration=int(sim_s), interval=dt,
            ckpt=ckpt_interval_s, dp_pre=max(1, jobs["pretrain"] // 32),
            dp_fine=max(1, jobs["finetune"] // 8)))
        f.attrs["seed"] = np.int64(seed)
        f.attrs["mpi_ranks"] = np.int32(4)
        _str_attr(f, "title", "clustertwin simulation: " + name)
        _str_attr(f, "Conventions", "CF-1.8")
        _str_attr(f, "history", "synthetic fixture written by tests/python/make_fixture.py")
        f.attrs.create("building_names", BUILDING_NAMES, dtype=h5py.string_dtype("utf-8"))
        if sweep is not None:
            _str_attr(f, "sweep_parameters", json.dumps(sweep))
            f.attrs["sweep_index"] = np.int64(sweep_index or 0)

        tds = f.create_dataset("time", data=t, maxshape=(None,), chunks=(min(n, 4096),))
        _str_attr(tds, "units", units_time)
        _str_attr(tds, "long_name", "end of output interval")
        _str_attr(tds, "standard_name", "time")
        _str_attr(tds, "calendar", "proleptic_gregorian")
        _str_attr(tds, "bounds", "time_bnds")
        tds.make_scale("time")
        bnds = f.create_dataset("bnds", data=np.zeros(2, np.float32))
        bnds.make_scale("This is a netCDF dimension but not a netCDF variable.         2")
        tb = f.create_dataset("time_bnds", data=np.stack([t - dt, t], axis=1),
                              maxshape=(None, 2), chunks=(min(n, 4096), 2))
        _str_attr(tb, "units", units_time)
        tb.dims[0].attach_scale(tds)
        tb.dims[1].attach_scale(bnds)

        def want(p):
            return not any(p == o or p.startswith(o + "/") for o in omit)

        if want("facility"):
            g = f.create_group("facility", track_order=True)
            cost = power_fac * price / 3.6e9
            fac = [
                ("power_it_w", power_it, "W", "IT power (interval mean)"),
                ("power_cooling_w", power_cool, "W", "cooling plant power (interval mean)"),
                ("power_facility_w", power_fac, "W", "facility power (interval mean)"),
                ("pue", pue, "1", "power usage effectiveness (interval)"),
                ("outdoor_temperature_c", outdoor, "degC", "outdoor dry-bulb temperature"),
                ("water_l_per_s", water, "L s-1", "water consumption (interval mean)"),
                ("power_facility_max_w", power_max, "W", "highest tick facility power"),
                ("power_cap_w", cap, "W", "facility power cap (NaN: none)"),
                ("accelerator_power_cap_w", acc_cap, "W", "lowest accelerator power cap"),
                ("carbon_g_per_s", carbon, "g s-1", "carbon emission rate (interval mean)"),
                ("cost_usd_per_s", cost, "s-1", "electricity cost rate in US dollars per second"),
                ("price_usd_per_mwh", price, "MW-1 h-1", "electricity price in US dollars per MWh"),
                ("energy_facility_j", energy, "J", "cumulative facility energy"),
            ]
            for nm, data, u, ln in fac:
                if want("facility/" + nm):
                    cell = ("time: point" if nm.startswith("energy") else "time: maximum"
                            if nm.endswith("max_w") else "time: minimum" if "cap" in nm
                            else "time: mean")
                    _var(g, nm, data, [tds], u, ln, cell_methods=cell)
        for grp, data, u, what in (("accelerator_time", cat, "s", "accelerator-seconds"),
                                   ("accelerator_energy", ecat, "J", "accelerator energy")):
            if not want(grp):
                continue
            g = f.create_group(grp, track_order=True)
            for c in CATEGORIES:
                if want(grp + "/" + c):
                    _var(g, c, data[c], [tds], u, f"{what} in category {c} within the interval")
        if want("jobs"):
            g = f.create_group("jobs", track_order=True)
            sv, sm = _flags(list(enumerate(JOB_STATES)), np.int8)
            for job in jobs:
                jg = g.create_group(job, track_order=True)
                _var(jg, "state", job_state[job], [tds], "1", "job state at end of interval",
                     flag_values=sv, flag_meanings=sm)
                _var(jg, "iterations", job_iters[job], [tds], "1",
                     "cumulative durable iterations")
                _var(jg, "step_time_s", job_step[job], [tds], "s", "mean step time in interval")
                _var(jg, "tokens", job_tokens[job], [tds], "1", "cumulative durable tokens")
        if want("racks"):
            g = f.create_group("racks", track_order=True)
            rds = g.create_dataset("rack", data=rack_ids)
            _str_attr(rds, "units", "1")
            _str_attr(rds, "long_name", "global rack id")
            rds.make_scale("rack")
            _var(g, "building", building, [rds], "1", "building index")
            _var(g, "hall", hall, [rds], "1", "global hall index")
            for nm, data, u, ln in (
                    ("power_w", rack_power, "W", "rack power (interval mean)"),
                    ("inlet_temperature_c", inlet, "degC", "rack inlet temperature"),
                    ("max_junction_temperature_c", tj, "degC",
                     "maximum accelerator junction temperature in rack"),
                    ("throttled_fraction", throttled, "1",
                     "fraction of rack accelerator-time spent clock-throttled")):
                if want("racks/" + nm):
                    _var(g, nm, data, [tds, rds], u, ln)
        if want("events"):
            g = f.create_group("events", track_order=True)
            ne = len(events)
            eds = g.create_dataset("event", data=np.arange(ne, dtype=np.int64),
                                   maxshape=(None,), chunks=(max(1, min(ne, 4096)),))
            _str_attr(eds, "units", "1")
            _str_attr(eds, "long_name", "event index")
            eds.make_scale("event")
            kv, km = _flags(list(enumerate(EVENT_KINDS)), np.int8)
            cv, cm = _flags(list(enumerate(COMPONENT_CLASSES)), np.int16)
            jv, jm = _flags(list(enumerate(jobs)), np.int16)
            col = lambda i, dt_: np.array([e[i] for e in events], dtype=dt_)  # noqa: E731
            _var(g, "time", col(0, np.float64), [eds], units_time, "event time")
            _var(g, "kind", col(1, np.int8), [eds], "1", "event kind",
                 flag_values=kv, flag_meanings=km)
            _var(g, "component_class", col(2, np.int16), [eds], "1", "failed component class",
                 flag_values=cv, flag_meanings=cm)
            _var(g, "component_id", col(3, np.int64), [eds], "1", "global component id (-1 none)")
            _var(g, "rack", col(4, np.int64), [eds], "1", "rack id (-1 none)")
            _var(g, "job", col(5, np.int16), [eds], "1", "job index (-1 none)",
                 flag_values=jv, flag_meanings=jm)
            _var(g, "lost_accelerator_s", col(6, np.float64), [eds], "s",
                 "accelerator-seconds of work lost")
        if want("summary"):
            g = f.create_group("summary", track_order=True)
            for k, v in summary.items():
                g.attrs[k] = v
        if replicas and want("ensemble"):
            g = f.create_group("ensemble", track_order=True)
            for k, v in summary.items():
                v = float(v)
                g.attrs[k + "_mean"] = v
                g.attrs[k + "_ci95"] = abs(v) * 0.04 if math.isfinite(v) else float("nan")
    return path


def make_sweep(directory, values=(900.0, 1800.0, 3600.0), samples=720, racks=24):
    """Write one run per checkpoint interval (a 1-parameter sweep); return the paths."""
    import os
    paths = []
    for i, v in enumerate(values):
        p = os.path.join(directory, f"sweep_{i:03d}.h5")
        make_output(p, samples=samples, racks=racks, seed=10 + i, ckpt_interval_s=v,
                    sweep={"checkpoint.interval_s": v}, sweep_index=i, replicas=True,
                    failure_rate_per_h=1.0)
        paths.append(p)
    return paths


def write_summary_csv(paths, csv_path, sweep_keys_column=True):
    """Mimic ``clustertwin summarize``: one row per run, swept keys then summary figures (and,
    like the current simulator, a ``sweep_keys`` column naming them)."""
    import csv
    rows, pkeys, skeys = [], [], []
    for p in paths:
        with h5py.File(p, "r") as f:
            sp = json.loads(f.attrs.get("sweep_parameters", "{}"))
            summ = {k: v.item() if hasattr(v, "item") else v for k, v in f["summary"].attrs.items()}
        for k in sp:
            if k not in pkeys:
                pkeys.append(k)
        for k in summ:
            if k not in skeys:
                skeys.append(k)
        rows.append((p, sp, summ))
    with open(csv_path, "w", newline="") as fh:
        w = csv.writer(fh)
        extra = ["sweep_keys"] if sweep_keys_column else []
        w.writerow(["file"] + extra + pkeys + skeys)
        for p, sp, summ in rows:
            w.writerow([p] + ([" ".join(sp)] if sweep_keys_column else [])
                       + [sp.get(k, "") for k in pkeys] + [summ.get(k, "") for k in skeys])
    return csv_path


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--samples", type=int, default=2880)
    ap.add_argument("--interval", type=float, default=60.0)
    ap.add_argument("--racks", type=int, default=48)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--replicas", action="store_true")
    ap.add_argument("--sweep", help="JSON object of swept key paths")
    ap.add_argument("--sweep-index", type=int)
    ap.add_argument("--omit", action="append", default=[])
    a = ap.parse_args()
    make_output(a.out, samples=a.samples, interval=a.interval, racks=a.racks, seed=a.seed,
                replicas=a.replicas, sweep=json.loads(a.sweep) if a.sweep else None,
                sweep_index=a.sweep_index, omit=a.omit)


if __name__ == "__main__":
    main()
