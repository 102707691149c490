"""The figures of a single-run report.

Each figure function takes (run, outdir, opts) and returns a dict with ``file`` (PNG name in
outdir), ``title`` and ``caption``; it raises :class:`Skip` with a reason when the data it
needs is absent.

Conventions:
- Samples are interval means (or extremes) stamped at the end of their interval, so series
  are drawn as steps over [start, end] of each interval (``stairs``).
- Long runs are aggregated for display into bins of a round duration (``Run.display_bins``):
  the mean as a line and the min–max envelope shaded, so state changes inside a bin stay
  visible instead of turning the line into a barcode; failures are marked along the top.
- No offset notation on any axis: a constant series reads as its value.
"""
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .data import bin_edges, binned, human_duration  # noqa: E402

matplotlib.rcParams["axes.formatter.useoffset"] = False
matplotlib.rcParams["axes.formatter.limits"] = (-5, 7)

CATEGORY_COLORS = {
    "compute": "#2ca02c", "pipeline_bubble": "#9ecae1", "exposed_comm": "#3182bd",
    "straggler_wait": "#9467bd", "checkpoint": "#ff7f0e", "recovery": "#d62728",
    "waiting": "#8c564b", "lost": "#222222", "serving_prefill": "#e377c2",
    "serving_decode": "#f7b6d2", "serving_idle": "#bcbd22", "unallocated": "#d9d9d9",
}
CATEGORY_LABELS = {
    "compute": "compute (useful)", "pipeline_bubble": "pipeline bubble",
    "exposed_comm": "exposed communication", "straggler_wait": "straggler wait",
    "checkpoint": "checkpoint", "recovery": "recovery", "waiting": "waiting for repair",
    "lost": "lost (rolled back)", "serving_prefill": "serving: prefill",
    "serving_decode": "serving: decode", "serving_idle": "serving: idle",
    "unallocated": "unallocated",
}


class Skip(Exception):
    """The figure cannot be drawn from this file; the message says why."""


# ------------------------------------------------------------------ helpers

def _x(run, seconds):
    """Plot coordinate of times (seconds since start): date numbers, or hours."""
    s = np.asarray(seconds, dtype=np.float64)
    d = run.dates(s)
    return mdates.date2num(d) if d is not None else s / 3600.0


def _style_time(ax, run, label=True, maxticks=10):
    if run.start is not None:
        loc = mdates.AutoDateLocator(minticks=3, maxticks=maxticks)
        ax.xaxis.set_major_locator(loc)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
        if label:
            ax.set_xlabel("time (UTC)")
    elif label:
        ax.set_xlabel("time since start (h)")
    ax.grid(True, alpha=0.3)


def _fit_y(ax, *arrays, zero=False, pad=0.08):
    """Y limits from the data; a constant series gets a band around its value (no offset
    notation, no 1e-12 ticks)."""
    vals = [np.asarray(a, dtype=np.float64).ravel() for a in arrays if a is not None]
    vals = np.concatenate(vals) if vals else np.array([])
    vals = vals[np.isfinite(vals)]
    if vals.size == 0:
        return
    lo, hi = float(vals.min()), float(vals.max())
    if zero:
        lo = min(lo, 0.0)
        hi = max(hi, 0.0)
    span = hi - lo
    # Variation below 0.01% of the value reads as noise in tick labels (8.65916 ... 8.65926):
    # show such a series as the constant it is, in a ±5% band.
    if span <= 1e-4 * max(abs(hi), abs(lo), 1e-300):
        half = max(abs(hi) * 0.05, 1e-3)
        lo, hi = (0.0, hi + half) if zero and lo >= 0 else (lo - half, hi + half)
        if zero and hi > 0 and lo < 0 <= vals.min():
            lo = 0.0
    else:
        lo, hi = lo - pad * span, hi + pad * span
        if zero and vals.min() >= 0:
            lo = 0.0
    ax.set_ylim(lo, hi)


def _bins(run, opts):
    edges, width = run.display_bins(opts.max_points)
    return edges, width, _x(run, run.bin_time_edges(edges))


def _bin_note(run, bins):
    edges, width, _ = bins
    if edges.size == run.ntime:
        return ""
    what = human_duration(width) if width else f"~{run.ntime / edges.size:.0f}-sample"
    return (f" Long run: {run.ntime:,} samples shown as {edges.size:,} bins of {what} "
            "(line: bin mean; shading: min–max within the bin).")


def _series(ax, run, values, bins, scale=1.0, color=None, label=None, envelope=True, lw=1.3,
            ls="-", how="mean"):
    """Draw an interval series as steps; binned: mean line (or `how`) and min–max envelope.
    Returns the drawn values (for axis limits)."""
    edges, _, xedges = bins
    v = np.asarray(values, dtype=np.float64) / scale
    if edges.size == v.size:
        ax.stairs(v, xedges, color=color, lw=lw, ls=ls, label=label, baseline=None)
        return v
    mid = binned(v, edges, how)
    drawn = [mid]
    if envelope:
        lo = binned(v, edges, "min")
        hi = binned(v, edges, "max")
        ok = np.isfinite(lo) & np.isfinite(hi)
        if ok.any():
            ax.stairs(np.where(ok, hi, 0), xedges, baseline=np.where(ok, lo, 0), fill=True,
                      color=color, alpha=0.22, lw=0)
            drawn += [lo[ok], hi[ok]]
    ax.stairs(mid, xedges, color=color, lw=lw, ls=ls, label=label, baseline=None)
    return np.concatenate([d[np.isfinite(d)] for d in drawn])


def _failure_rug(ax, run, label=True):
    """Failures as small red ticks along the top of a time axis."""
    ev = run.events
    if ev is None or ev["time"].size == 0:
        return 0
    fail = next((c for c, n in ev["kind_names"].items() if n == "failure"), None)
    if fail is None:
        return 0
    t = ev["time"][ev["kind"].astype(np.int64) == fail]
    if t.size == 0:
        return 0
    ax.plot(_x(run, t), np.full(t.size, 0.985), ls="", marker="|", ms=9, mew=1.2,
            color="#d62728", transform=ax.get_xaxis_transform(), clip_on=False,
            label="failure" if label else None)
    return t.size


def _power_scale(maxval):
    if maxval >= 1e9:
        return 1e9, "GW"
    if maxval >= 1e6:
        return 1e6, "MW"
    if maxval >= 1e3:
        return 1e3, "kW"
    return 1.0, "W"


def _save(fig, outdir, name):
    fig.savefig(os.path.join(outdir, name), dpi=110)
    plt.close(fig)
    return name


def _legend(ax, handles_axes, **kw):
    handles, labels = [], []
    for a in handles_axes:
        h, lab = a.get_legend_handles_labels()
        handles += h
        labels += lab
    if handles:
        ax.legend(handles, labels, **kw)


def _has_cap(run):
    cap = run.facility.get("power_cap_w")
    return cap is not None and bool(np.isfinite(cap).any())


def _scenario(run, *path, default=None):
    node = run.scenario
    for p in path:
        if isinstance(node, dict) and p in node:
            node = node[p]
        elif isinstance(node, list) and isinstance(p, int) and 0 <= p < len(node):
            node = node[p]
        else:
            return default
    return node


# ------------------------------------------------------------------ figures

def fig_facility(run, outdir, opts):
    fac = run.facility
    powers = [k for k in ("power_facility_w", "power_it_w", "power_cooling_w") if k in fac]
    if not powers:
        raise Skip("no /facility/power_* datasets in this file")
    bins = _bins(run, opts)
    scale, unit = _power_scale(np.nanmax([np.nanmax(np.abs(fac[k])) for k in powers]))
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(11, 7), sharex=True,
                                   gridspec_kw={"height_ratios": [3, 2]}, layout="constrained")
    labels = {"power_facility_w": ("facility power", "#1f77b4"),
              "power_it_w": ("IT power", "#2ca02c"),
              "power_cooling_w": ("cooling power", "#17becf")}
    drawn = []
    for k in powers:
        lab, col = labels[k]
        drawn.append(_series(ax1, run, fac[k], bins, scale, col, lab))
    if _has_cap(run):  # only a cap that exists is drawn
        drawn.append(_series(ax1, run, fac["power_cap_w"], bins, scale, "k", "power cap",
                             envelope=False, lw=1.0, ls="--", how="min"))
    _fit_y(ax1, *drawn, zero=True)
    ax1.set_ylabel(f"power ({unit})")
    axes1 = [ax1]
    nfail = _failure_rug(ax1, run)
    if "outdoor_temperature_c" in fac:
        at = ax1.twinx()
        t = _series(at, run, fac["outdoor_temperature_c"], bins, 1.0, "#e6550d",
                    "outdoor temperature", envelope=False, lw=1.0)
        _fit_y(at, t)
        at.set_ylabel("outdoor temperature (°C)", color="#e6550d")
        axes1.append(at)
    _legend(ax1, axes1, loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize=8, ncol=6,
            frameon=False)
    ax1.set_title("Facility power and outdoor temperature", pad=22)
    _style_time(ax1, run, label=False)

    if "pue" in fac:
        pue = fac["pue"]
    elif "power_facility_w" in fac and "power_it_w" in fac:
        with np.errstate(invalid="ignore", divide="ignore"):
            pue = fac["power_facility_w"] / fac["power_it_w"]
    else:
        pue = None
    if pue is not None:
        p = _series(ax2, run, np.where(pue > 0, pue, np.nan), bins, 1.0, "#6a3d9a", "PUE")
        _fit_y(ax2, p)
        ax2.set_ylabel("PUE")
        ax2.legend(loc="upper left", fontsize=8, framealpha=0.85)
    else:
        ax2.text(0.5, 0.5, "PUE not available", ha="center", va="center", transform=ax2.transAxes)
    ax2.set_title("Power usage effectiveness (facility ÷ IT power)")
    _style_time(ax2, run)
    name = _save(fig, outdir, "01_facility_power.png")
    cap = ("Interval means of facility, IT and cooling power against the outdoor temperature"
           + (", with the facility power cap in force" if _has_cap(run) else
              " (no power cap was in force)")
           + (f"; red ticks mark the {nfail} failures" if nfail else "") + ". Below: PUE."
           + _bin_note(run, bins))
    return {"file": name, "title": "Facility power, IT power and PUE", "caption": cap}


def _rack_blocks(ds, row_edges, reduce, ncols):
    """Reduce a (time × rack) dataset over row bins, reading in blocks of rows."""
    nt = ds.shape[0]
    out = np.empty((row_edges.size, ncols))
    block_rows = max(1, int(2e7 // max(ds.shape[1], 1)))
    ends = np.append(row_edges[1:], nt)
    i = 0
    while i < row_edges.size:
        j = i
        while j + 1 < row_edges.size and ends[j + 1] - row_edges[i] <= block_rows:
            j += 1
        a, b = row_edges[i], ends[j]
        blk = np.asarray(ds[a:b, :], dtype=np.float64)
        out[i:j + 1] = reduce(blk, row_edges[i:j + 1] - a)
        i = j + 1
    return out


def fig_building_power(run, outdir, opts):
    ds = run.dataset("racks/power_w")
    layout = run.rack_layout()
    if ds is None or layout is None or ds.ndim != 2 or ds.shape[0] != run.ntime:
        raise Skip("no /racks/power_w with /racks/building in this file")
    b, _, _, names = layout
    buildings = sorted(names)
    if len(buildings) < 2:
        raise Skip(f"one building ({names[buildings[0]]}): its power is the IT power in the "
                   "facility figure")
    # per-building sums of every sample, read in blocks
    onehot = np.stack([(b == k).astype(np.float64) for k in buildings], axis=1)
    per_b = _rack_blocks(ds, np.arange(run.ntime),
                         lambda blk, e: np.nan_to_num(blk) @ onehot, len(buildings))
    bins = _bins(run, opts)
    scale, unit = _power_scale(np.nanmax(per_b))
    fig, ax = plt.subplots(figsize=(11, 5), layout="constrained")
    cmap = plt.get_cmap("tab10")
    drawn = [_series(ax, run, per_b[:, i], bins, scale, cmap(i % 10), names[k])
             for i, k in enumerate(buildings)]
    _fit_y(ax, *drawn, zero=True)
    _failure_rug(ax, run)
    ax.set_ylabel(f"IT power ({unit})")
    ax.set_title(f"IT power per building ({len(buildings)} buildings)", pad=22)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.02), ncol=min(6, len(buildings) + 1),
              fontsize=8, frameon=False)
    _style_time(ax, run)
    name = _save(fig, outdir, "02_building_power.png")
    return {"file": name, "title": "Power per building",
            "caption": "Sum of the rack IT power of each building (interval means)."
                       + _bin_note(run, bins)}


def _windows(mask):
    """Start and end indices (inclusive) of the runs of True in ``mask``."""
    m = np.concatenate([[False], mask, [False]]).astype(np.int8)
    d = np.diff(m)
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1) - 1))


def fig_cap_zoom(run, outdir, opts):
    fac = run.facility
    if "power_facility_w" not in fac or not _has_cap(run):
        raise Skip("no facility power cap was in force in this run")
    cap = fac["power_cap_w"]
    finite = np.isfinite(cap)
    top = np.nanmax(cap)
    # demand-response (or carbon-aware) windows: the cap below its usual value
    lowered = finite & (cap < top * (1 - 1e-9))
    if not np.isfinite(top) or not lowered.any():
        lowered = np.zeros_like(finite)
    wins = _windows(lowered)
    shown = wins[:3] if wins else [(0, run.ntime - 1)]
    scale, unit = _power_scale(np.nanmax(fac["power_facility_w"]))
    fig, axes = plt.subplots(1, len(shown), figsize=(11 if len(shown) > 1 else 11, 4.6),
                             squeeze=False, layout="constrained")
    dt = np.nanmedian(run.t - run.t_start)
    for ax, (a, b) in zip(axes[0], shown):
        if wins:
            ctx = max(int(round(2 * 3600 / dt)), b - a + 1)
            lo, hi = max(0, a - ctx), min(run.ntime - 1, b + ctx)
        else:
            lo, hi = 0, run.ntime - 1
        sl = slice(lo, hi + 1)
        idx = np.arange(lo, hi + 1)
        sub = (idx, None, _x(run, np.concatenate([[run.t_start[lo]], run.t[sl]])))
        if hi - lo + 1 > opts.max_points:  # the whole-run view of a long run: aggregate
            e = bin_edges(hi - lo + 1, opts.max_points)
            ends = np.append(e[1:], hi - lo + 1) - 1
            sub = (e, 1.0, _x(run, np.concatenate([[run.t_start[lo]], run.t[sl][ends]])))
        drawn = []
        if "power_facility_max_w" in fac:
            drawn.append(_series(ax, run, fac["power_facility_max_w"][sl], sub, scale, "#6baed6",
                                 "highest tick in the interval", envelope=False, lw=0.9,
                                 ls=":", how="max"))
        drawn.append(_series(ax, run, fac["power_facility_w"][sl], sub, scale, "#08519c",
                             "facility power (interval mean)"))
        drawn.append(_series(ax, run, cap[sl], sub, scale, "k", "facility power cap",
                             envelope=False, lw=1.4, ls="--", how="min"))
        if wins:
            ax.axvspan(_x(run, run.t_start[a]), _x(run, run.t[b]), color="#fdae6b", alpha=0.25,
                       lw=0, label="cap lowered")
        _fit_y(ax, *drawn, zero=True)
        axes_l = [ax]
        if "accelerator_power_cap_w" in fac:
            at = ax.twinx()
            acc = _series(at, run, fac["accelerator_power_cap_w"][sl], sub, 1.0, "#d62728",
                          "accelerator power cap", envelope=False, lw=1.0, how="min")
            _fit_y(at, acc, zero=True)
            at.set_ylabel("accelerator power cap (W)", color="#d62728")
            axes_l.append(at)
        ax.set_ylabel(f"power ({unit})")
        d = run.dates(np.array([run.t_start[a], run.t[b]]))
        if wins and d is not None:
            fmt = lambda x: np.datetime_as_string(x, unit="m").replace("T", " ")  # noqa: E731
            ax.set_title(f"{fmt(d[0])} – {fmt(d[1])[-5:]} UTC", fontsize=10)
        elif not wins:
            ax.set_title("Facility power against the cap (whole run)", fontsize=10)
        _style_time(ax, run, maxticks=4 if len(shown) > 1 else 10)
        if ax is axes[0][0]:
            _legend(ax, axes_l, loc="lower left", fontsize=7, framealpha=0.85)
    exceed = run.summary.get("cap_exceedance_w")
    note = ""
    if isinstance(exceed, (int, float)) and np.isfinite(exceed):
        note = (f" Largest tick excess over the cap: {exceed / 1e6:+.3f} MW"
                + (" (the cap held)." if exceed <= 0 else "."))
    cap_text = (f"{len(wins)} window(s) with a lowered cap; the first {len(shown)} shown with "
                "2 h of context" if wins else "The cap did not change during the run")
    name = _save(fig, outdir, "03_cap_and_demand_response.png")
    return {"file": name, "title": "Facility power against the cap",
            "caption": cap_text + ": facility power (interval mean and highest tick), the cap "
                       "in force and the per-accelerator power cap the facility set to meet it."
                       + note}


def fig_ramps(run, outdir, opts):
    fac = run.facility
    p = fac.get("power_facility_w")
    if p is None or run.ntime < 3:
        raise Skip("no /facility/power_facility_w series (or too short)")
    scale, unit = _power_scale(np.nanmax(np.abs(p)))
    dt = run.t - run.t_start
    step = np.diff(p) / scale
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.4), layout="constrained")
    ok = np.isfinite(step)
    ax1.hist(step[ok], bins=60, color="#1f77b4", log=True)
    ax1.set_xlabel(f"change of the interval mean from one interval to the next ({unit})")
    ax1.set_ylabel("intervals (log scale)")
    ax1.set_title(f"Ramps between {human_duration(np.nanmedian(dt))} intervals")
    ax1.grid(True, alpha=0.3)
    s = run.summary
    facts = []
    for key, lab in (("largest_step_w", "largest tick step"),
                     ("largest_ramp_w_per_s", "largest ramp"),
                     ("largest_swing_w", "largest swing in a window")):
        v = s.get(key)
        if isinstance(v, (int, float)) and np.isfinite(v):
            u = f"{unit}/s" if key.endswith("per_s") else unit
            facts.append(f"{lab}: {v / scale:,.3g} {u}")
    if facts:
        ax1.text(0.98, 0.97, "\n".join(facts), transform=ax1.transAxes, ha="right", va="top",
                 fontsize=8, bbox={"fc": "white", "ec": "#ccc", "alpha": 0.9})
    if "power_facility_max_w" in fac:
        swing = (fac["power_facility_max_w"] - p) / scale
        ok = np.isfinite(swing)
        ax2.hist(swing[ok], bins=60, color="#ff7f0e", log=True)
        ax2.set_xlabel(f"highest tick − interval mean ({unit})")
        ax2.set_ylabel("intervals (log scale)")
        ax2.set_title("Peaks above the interval mean (swings inside an interval)")
    else:
        ax2.text(0.5, 0.5, "no /facility/power_facility_max_w", ha="center",
                 transform=ax2.transAxes)
    ax2.grid(True, alpha=0.3)
    name = _save(fig, outdir, "04_ramps_and_swings.png")
    return {"file": name, "title": "Power ramps and swings",
            "caption": "Distributions of the facility power's change between consecutive output "
                       "intervals and of the highest single-tick power above each interval's "
                       "mean (synchronized stalls at checkpoints and failures); the tick-level "
                       "extremes from /summary are quoted."}


def fig_rack_heatmap(run, outdir, opts):
    ds = run.dataset("racks/max_junction_temperature_c")
    if ds is None or ds.ndim != 2 or ds.shape[0] != run.ntime or ds.shape[1] == 0:
        raise Skip("no 2-D /racks/max_junction_temperature_c dataset in this file")
    nt, nr = ds.shape
    te = run.display_bins(min(opts.max_points, 1200))[0]
    layout = run.rack_layout()
    # rack bins never straddle a hall
    if layout is not None and layout[0].size == nr:
        b, h, labels, names = layout
        starts = np.flatnonzero(np.r_[True, (np.diff(h) != 0) | (np.diff(b) != 0)])
        per = max(1, int(np.ceil(nr / 300)))
        re_ = np.unique(np.concatenate([starts] + [np.arange(s, e, per) for s, e in
                                                   zip(starts, np.append(starts[1:], nr))]))
    else:
        b = h = labels = names = None
        re_ = bin_edges(nr, 300)
    out = _rack_blocks(ds, te, lambda blk, e: (
        lambda m: np.fmax.reduceat(m, re_, axis=1) if re_.size < nr else m)(
        np.fmax.reduceat(blk, e, axis=0)), re_.size)
    xs = _x(run, np.array([run.t_start[0], run.t[-1]]))
    fig, ax = plt.subplots(figsize=(11, 6.5), layout="constrained")
    finite = out[np.isfinite(out)]
    vmin, vmax = (np.percentile(finite, 1), np.percentile(finite, 99.9)) if finite.size else (0, 1)
    if vmax - vmin < 0.1:
        vmin, vmax = vmin - 0.5, vmax + 0.5
    im = ax.imshow(out.T, aspect="auto", origin="lower", interpolation="nearest",
                   extent=[xs[0], xs[1], -0.5, re_.size - 0.5], cmap="inferno", vmin=vmin,
                   vmax=vmax)
    cb = fig.colorbar(im, ax=ax, pad=0.01)
    cb.set_label("max junction temperature (°C)")
    slow = _scenario(run, "accelerator", "slowdown_temperature_c")
    if isinstance(slow, (int, float)) and vmin < slow < vmax:
        cb.ax.axhline(slow, color="cyan", lw=1.5)
        cb.ax.text(1.6, slow, " slowdown", va="center", fontsize=7, transform=cb.ax.get_yaxis_transform())
    if b is not None:
        bb, hh = b[re_], h[re_]
        for k in np.flatnonzero(np.diff(hh) != 0):
            thick = bb[k] != bb[k + 1]
            ax.axhline(k + 0.5, color="white", lw=2.0 if thick else 0.6, alpha=0.9)
        # one label per hall, at its middle row
        ticks, tick_labels = [], []
        for s in np.flatnonzero(np.r_[True, np.diff(hh) != 0]):
            e = s
            while e + 1 < re_.size and hh[e + 1] == hh[s]:
                e += 1
            ticks.append((s + e) / 2)
            tick_labels.append(labels[re_[s]])
        if len(ticks) > 40:  # too many halls: label the buildings
            ticks, tick_labels = [], []
            for s in np.flatnonzero(np.r_[True, np.diff(bb) != 0]):
                e = s
                while e + 1 < re_.size and bb[e + 1] == bb[s]:
                    e += 1
                ticks.append((s + e) / 2)
                tick_labels.append(names[int(bb[s])])
        ax.set_yticks(ticks)
        ax.set_yticklabels(tick_labels, fontsize=8)
        ax.set_ylabel("racks by building and hall")
    else:
        rack_ids = run.read("racks/rack")
        if rack_ids is None or rack_ids.size != nr:
            rack_ids = np.arange(nr)
        ticks = np.unique(np.linspace(0, re_.size - 1, min(12, re_.size)).astype(int))
        ax.set_yticks(ticks)
        ax.set_yticklabels([str(rack_ids[re_[k]]) for k in ticks], fontsize=8)
        ax.set_ylabel("rack id")
    _style_time(ax, run)
    ax.grid(False)
    grp = f"; rows of up to {int(np.ceil(nr / re_.size))} racks (max)" if re_.size < nr else ""
    ax.set_title(f"Maximum junction temperature per rack ({nr} racks{grp})")
    name = _save(fig, outdir, "05_rack_junction_heatmap.png")
    note = " Lines separate halls (thin) and buildings (thick)." if b is not None else ""
    tnote = (f" Time bins of {human_duration(run.display_bins(min(opts.max_points, 1200))[1])}."
             if te.size < nt and run.display_bins(min(opts.max_points, 1200))[1] else "")
    return {"file": name, "title": "Rack × time junction temperature",
            "caption": "Hottest accelerator junction in each rack (maximum over each plotted "
                       "bin); colour scale from the 1st to the 99.9th percentile, the "
                       "accelerator's slowdown threshold marked on the colour bar." + note
                       + tnote}


def fig_thermal_distribution(run, outdir, opts):
    tj = run.dataset("racks/max_junction_temperature_c")
    th = run.dataset("racks/throttled_fraction")
    if tj is None or tj.ndim != 2 or tj.shape[0] == 0:
        raise Skip("no /racks/max_junction_temperature_c in this file")
    # histograms accumulated over blocks of rows
    lo = hi = None
    rows = max(1, int(4e6 // max(tj.shape[1], 1)))
    for a in range(0, tj.shape[0], rows):
        v = np.asarray(tj[a:a + rows], dtype=np.float64)
        v = v[np.isfinite(v)]
        if v.size:
            lo = v.min() if lo is None else min(lo, v.min())
            hi = v.max() if hi is None else max(hi, v.max())
    if lo is None:
        raise Skip("no finite junction temperatures")
    if hi - lo < 1.0:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, 61)
    counts = np.zeros(60)
    for a in range(0, tj.shape[0], rows):
        v = np.asarray(tj[a:a + rows], dtype=np.float64).ravel()
        counts += np.histogram(v[np.isfinite(v)], edges)[0]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.4), layout="constrained")
    share = counts / max(counts.sum(), 1) * 100
    ax1.stairs(share, edges, fill=True, color="#e6550d", alpha=0.8)
    for key, lab, col in (("slowdown_temperature_c", "slowdown", "#6a3d9a"),
                          ("shutdown_temperature_c", "shutdown", "k")):
        v = _scenario(run, "accelerator", key)
        if isinstance(v, (int, float)) and lo - 5 <= v <= hi + 5:
            ax1.axvline(v, color=col, ls="--", lw=1.2, label=f"{lab} {v:g} °C")
    ax1.set_xlabel("hottest junction of a rack in an output interval (°C)")
    ax1.set_ylabel("share of rack-intervals (%)")
    ax1.set_title("Junction temperature distribution")
    ax1.grid(True, alpha=0.3)
    if ax1.get_legend_handles_labels()[0]:
        ax1.legend(fontsize=8, loc="upper left")
    if th is not None and th.ndim == 2:
        tedges = np.linspace(0, 1, 21)
        tc = np.zeros(20)
        zero = total = 0
        for a in range(0, th.shape[0], rows):
            v = np.asarray(th[a:a + rows], dtype=np.float64).ravel()
            v = v[np.isfinite(v)]
            total += v.size
            zero += int(np.count_nonzero(v <= 0))
            tc += np.histogram(v[v > 0], tedges)[0]
        if tc.sum() > 0:
            ax2.stairs(tc / max(total, 1) * 100, tedges * 100, fill=True, color="#9467bd",
                       alpha=0.8)
            ax2.set_ylabel("share of all rack-intervals (%)")
            ax2.set_xlabel("share of the rack's accelerator-ticks clock-throttled (%)")
        else:
            ax2.text(0.5, 0.5, "no clock throttling in this run", ha="center", va="center",
                     transform=ax2.transAxes)
            ax2.set_xticks([])
            ax2.set_yticks([])
        ax2.set_title(f"Throttling: {100 * (total - zero) / max(total, 1):.2f}% of rack-intervals "
                      "throttled at all", fontsize=10)
        ax2.grid(True, alpha=0.3)
    else:
        ax2.text(0.5, 0.5, "no /racks/throttled_fraction", ha="center", transform=ax2.transAxes)
    name = _save(fig, outdir, "06_junction_and_throttling.png")
    return {"file": name, "title": "Junction temperature and throttling distributions",
            "caption": "Left: every rack's hottest junction per output interval, with the "
                       "accelerator's slowdown and shutdown thresholds. Right: how much of each "
                       "rack-interval was clock-throttled (rack-intervals with none are left out "
                       "of the bars and counted in the title)."}


def _category_totals(run):
    totals = {}
    for k, v in run.summary.items():
        if k.startswith("accelerator_s_"):
            try:
                totals[k[len("accelerator_s_"):]] = float(v)
            except (TypeError, ValueError):
                pass
    src = "summary attributes"
    if not totals and run.acc_time:
        totals = {c: float(np.nansum(v)) for c, v in run.acc_time.items()}
        src = "sum of /accelerator_time series"
    order = [c for c in CATEGORY_COLORS if c in totals] + sorted(c for c in totals
                                                                    if c not in CATEGORY_COLORS)
    return {c: totals[c] for c in order}, src


def _color(c, i=0):
    return CATEGORY_COLORS.get(c, plt.get_cmap("tab10")(i % 10))


def fig_category_stack(run, outdir, opts):
    if not run.acc_time:
        raise Skip("no /accelerator_time datasets in this file")
    edges, width = run.display_bins(min(opts.max_points, 400))
    xe = _x(run, run.bin_time_edges(edges))
    dt = binned(run.t - run.t_start, edges, "sum")
    cats = list(run.acc_time)
    counts = np.array([binned(run.acc_time[c], edges, "sum") / dt for c in cats])
    negative = bool(np.any(counts < -1e-9))
    shown = np.clip(counts, 0, None)
    total = shown.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(total > 0, shown / np.where(total > 0, total, 1), 0) * 100
    fig, ax = plt.subplots(figsize=(11, 5.5), layout="constrained")
    base = np.zeros(frac.shape[1])
    for i, c in enumerate(cats):
        ax.stairs(base + frac[i], xe, baseline=base, fill=True, color=_color(c, i), lw=0,
                  label=CATEGORY_LABELS.get(c, c))
        base = base + frac[i]
    ax.set_ylim(0, 100)
    ax.set_xlim(xe[0], xe[-1])
    ax.set_ylabel("share of accelerator-time (%)")
    acc = run.summary.get("accelerators")
    acc_txt = f"{int(acc):,} accelerators" if isinstance(acc, (int, float)) and acc else \
        f"~{np.nanmedian(counts.sum(axis=0)):,.0f} accelerators"
    ax.set_title(f"Where the accelerator-time goes ({acc_txt})")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=9, title="category")
    _style_time(ax, run)
    name = _save(fig, outdir, "07_accelerator_time_stack.png")
    cap = ("Accelerator-seconds per category in each plotted interval as a share of the total "
           "(accelerators × elapsed time).")
    if width:
        cap += f" Bins of {human_duration(width)}."
    if negative:
        cap += (" Some intervals have negative compute (work reclassified as lost at a failure); "
                "they are drawn clipped at zero here — the totals in the breakdown are exact.")
    return {"file": name, "title": "Accelerator-time categories over time", "caption": cap}


def fig_category_breakdown(run, outdir, opts):
    totals, src = _category_totals(run)
    if not totals:
        raise Skip("no accelerator_s_* summary attributes and no /accelerator_time datasets")
    energy = {}
    for k, v in run.summary.items():
        if k.startswith("energy_j_") and isinstance(v, (int, float)):
            energy[k[len("energy_j_"):]] = float(v)
    if not energy:
        energy = {c: float(np.nansum(v)) for c, v in run.acc_energy.items()}
    ncols = 2 if energy else 1
    fig, axes = plt.subplots(1, ncols, figsize=(12 if energy else 9, 5.5), squeeze=False,
                             layout="constrained")
    cats = list(totals)
    hours = np.array([totals[c] for c in cats]) / 3600.0
    grand = np.sum(np.abs(hours)) or 1.0
    top = np.max(np.abs(hours))
    sc, unit = (1e6, "million accelerator-hours") if top >= 1e6 else \
        (1e3, "thousand accelerator-hours") if top >= 1e4 else (1, "accelerator-hours")
    ax = axes[0, 0]
    y = np.arange(len(cats))[::-1]
    ax.barh(y, hours / sc, color=[_color(c, i) for i, c in enumerate(cats)], edgecolor="k", lw=0.4)
    ax.set_yticks(y)
    ax.set_yticklabels([CATEGORY_LABELS.get(c, c) for c in cats])
    for yi, hv in zip(y, hours):
        ax.text(max(hv, 0) / sc, yi, f"  {100 * hv / grand:.1f}%", va="center", fontsize=9)
    ax.set_xlabel(unit)
    ax.set_xlim(0, np.max(hours / sc) * 1.25 if np.max(hours) > 0 else 1)
    ettr = run.summary.get("ettr")
    ttl = "Accelerator-time by category, whole run"
    if isinstance(ettr, (int, float)) and np.isfinite(ettr):
        ttl += f"\nETTR = {100 * ettr:.1f}%"
    ax.set_title(ttl)
    ax.grid(True, axis="x", alpha=0.3)
    if energy:
        ax = axes[0, 1]
        ec = [c for c in cats if c in energy] + [c for c in energy if c not in cats]
        mwh = np.array([energy[c] for c in ec]) / 3.6e9
        eg = np.sum(np.abs(mwh)) or 1.0
        y = np.arange(len(ec))[::-1]
        ax.barh(y, mwh, color=[_color(c, i) for i, c in enumerate(ec)], edgecolor="k", lw=0.4)
        ax.set_yticks(y)
        ax.set_yticklabels([CATEGORY_LABELS.get(c, c) for c in ec])
        for yi, hv in zip(y, mwh):
            ax.text(max(hv, 0), yi, f"  {100 * hv / eg:.1f}%", va="center", fontsize=9)
        ax.set_xlabel("IT energy (MWh)")
        ax.set_xlim(0, np.max(mwh) * 1.25 if np.max(mwh) > 0 else 1)
        ax.set_title("IT energy by category, whole run")
        ax.grid(True, axis="x", alpha=0.3)
    name = _save(fig, outdir, "08_accelerator_time_breakdown.png")
    cap = f"Whole-run totals ({src}); percentages are shares of the total."
    if energy:
        cap += " Right: the IT energy split the same way."
    return {"file": name, "title": "Whole-run accelerator-time breakdown", "caption": cap}


def fig_step_mfu(run, outdir, opts):
    jobs = {j: d for j, d in run.jobs.items() if "step_time_s" in d}
    if not jobs:
        raise Skip("no /jobs/<job>/step_time_s series in this file")
    names = list(jobs)[:8]
    bins = _bins(run, opts)
    peak = _scenario(run, "accelerator", "peak_dense_bf16_flops")
    specs = {j.get("name"): j for j in (_scenario(run, "jobs", default=[]) or [])
             if isinstance(j, dict)}
    mfu_ok = isinstance(peak, (int, float)) and peak > 0 and any(n in specs for n in names)
    fig, axes = plt.subplots(2 if mfu_ok else 1, 1, figsize=(11, 6.5 if mfu_ok else 4.2),
                             sharex=True, squeeze=False, layout="constrained")
    ax = axes[0, 0]
    cmap = plt.get_cmap("tab10")
    drawn, mdrawn = [], []
    for i, j in enumerate(names):
        st = np.asarray(jobs[j]["step_time_s"], dtype=np.float64)
        st = np.where(st > 0, st, np.nan)  # 0: the job did not run in the interval
        drawn.append(_series(ax, run, st, bins, 1.0, cmap(i % 10), j))
        spec = specs.get(j)
        if mfu_ok and spec:
            model, par = spec.get("model", {}), spec.get("parallel", {})
            try:
                acc = int(par.get("tp", 1)) * int(par.get("pp", 1)) * int(par.get("dp", 1))
                flops = 6.0 * float(model.get("active_parameters", model["parameters"])) * float(
                    model["global_batch_tokens"])
            except (KeyError, TypeError, ValueError):
                continue
            mfu = 100.0 * flops / (st * acc * float(peak))
            mdrawn.append(_series(axes[1, 0], run, mfu, bins, 1.0, cmap(i % 10), j))
    _fit_y(ax, *drawn)
    ax.set_ylabel("step time (s)")
    ax.set_title("Step time while running (gaps: the job was not running)")
    ax.legend(fontsize=8, loc="upper left", ncol=min(4, len(names)))
    _style_time(ax, run, label=not mfu_ok)
    if mfu_ok:
        a2 = axes[1, 0]
        _fit_y(a2, *mdrawn)
        a2.set_ylabel("MFU (%)")
        a2.set_title("Model FLOPs utilization: 6 · active parameters · tokens per step "
                     "÷ (accelerators · peak BF16 · step time)", fontsize=10)
        _style_time(a2, run)
    name = _save(fig, outdir, "09_step_time_and_mfu.png")
    return {"file": name, "title": "Step time and MFU",
            "caption": "Mean step time per job in each interval in which it ran (clock "
                       "throttling and stragglers lengthen it)"
                       + (", and the model FLOPs utilization that follows from it (model and "
                          "peak from the stored scenario)." if mfu_ok else ".")
                       + _bin_note(run, bins)}


def fig_events(run, outdir, opts):
    ev = run.events
    if ev is None:
        raise Skip("no /events group (with time and kind) in this file")
    n = ev["time"].size
    if n == 0:
        raise Skip("the run recorded no events")
    kinds = ev["kind"].astype(np.int64)
    kn = ev["kind_names"]
    cn = ev["class_names"]
    cls = ev.get("component_class")
    fail_code = next((c for c, nm in kn.items() if nm == "failure"), None)
    is_fail = kinds == fail_code if fail_code is not None else np.zeros(n, bool)
    lost = ev.get("lost_accelerator_s")
    rows = []  # (label, mask, color)
    cmap = plt.get_cmap("tab10")
    if is_fail.any():
        codes = np.unique(cls[is_fail]) if cls is not None else [None]
        for i, c in enumerate(codes):
            mask = is_fail & (cls == c) if c is not None else is_fail
            lab = "failure" if c is None else f"failure: {cn.get(int(c), f'class {int(c)}')}"
            rows.append((lab, mask, cmap(i % 10)))
    other_colors = plt.get_cmap("Dark2")
    for i, k in enumerate(np.unique(kinds[~is_fail])):
        rows.append((kn.get(int(k), f"kind {int(k)}"), (kinds == k) & ~is_fail,
                     other_colors(i % 8)))
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(11, 2.5 + 0.32 * len(rows) + 3.2), sharex=True,
                                   gridspec_kw={"height_ratios": [max(2.0, 0.32 * len(rows)), 3]},
                                   layout="constrained")
    x = _x(run, ev["time"])
    lmax = max(float(np.nanmax(lost)), 1e-30) if lost is not None and lost.size else 1e-30
    for r, (lab, mask, col) in enumerate(rows[::-1]):
        if lab.startswith("failure"):
            size = 12 + 60 * np.sqrt(np.clip(lost[mask], 0, None) / lmax) if lost is not None \
                else 14
            ax1.scatter(x[mask], np.full(mask.sum(), r), s=size, color=col, marker="o",
                        alpha=0.8, rasterized=True, edgecolors="none")
        else:
            ax1.scatter(x[mask], np.full(mask.sum(), r), s=14, color=col, marker="|",
                        alpha=0.8, rasterized=True, linewidths=1.2)
    ax1.set_yticks(range(len(rows)))
    ax1.set_yticklabels([f"{lab} ({int(m.sum())})" for lab, m, _ in rows[::-1]], fontsize=8)
    ax1.set_ylim(-0.7, len(rows) - 0.3)
    ax1.set_title(f"Event timeline ({n} events; failure marker size ∝ lost work)")
    _style_time(ax1, run, label=False)
    ends = run.t[-1] if run.ntime else ev["time"].max()
    axes = [ax2]
    for lab, mask, col in rows:
        if not lab.startswith("failure"):
            continue
        tt = np.sort(ev["time"][mask])
        ts = np.concatenate([[run.t_start[0] if run.ntime else 0.0], tt, [max(ends, tt[-1])]])
        cnt = np.concatenate([[0], np.arange(1, tt.size + 1), [tt.size]])
        ax2.step(_x(run, ts), cnt, where="post", color=col, lw=1.3,
                 label=lab.replace("failure: ", ""))
    if is_fail.any():
        ax2.set_ylabel("cumulative failures (count)")
        if lost is not None:
            order = np.argsort(ev["time"])
            cl = np.cumsum(np.where(is_fail[order], lost[order], 0.0)) / 3600.0
            at = ax2.twinx()
            at.plot(_x(run, ev["time"][order]), cl, color="k", ls="--", lw=1.2,
                    label="lost work (right axis)")
            at.set_ylabel("cumulative lost work (accelerator-hours)")
            _fit_y(at, cl, zero=True)
            axes.append(at)
        _legend(ax2, axes, loc="upper left", fontsize=8, ncol=2, framealpha=0.85)
        ax2.set_ylim(bottom=0)
    else:
        ax2.text(0.5, 0.5, "no failures in this run", ha="center", va="center",
                 transform=ax2.transAxes)
    ax2.set_title("Failures by component class (cumulative)")
    _style_time(ax2, run)
    name = _save(fig, outdir, "10_event_timeline.png")
    return {"file": name, "title": "Failures, checkpoints and recoveries",
            "caption": "Top: every event by kind (failures split by component class, names from "
                       "the flag attributes). Bottom: cumulative failures per class and cumulative "
                       "accelerator-hours of lost work."}


def _count_scale(maxval):
    for threshold, f, word in ((1e12, 1e12, "trillion "), (1e9, 1e9, "billion "),
                               (1e6, 1e6, "million "), (1e4, 1e3, "thousand ")):
        if maxval >= threshold:
            return f, word
    return 1.0, ""


def _rate_window(duration_s):
    return max(duration_s / 150.0, min(3600.0, duration_s / 20.0))


def _rates(run, cum, window_s):
    """Average rate per hour of a cumulative series over windows of ~window_s."""
    t = run.t
    t0 = run.t_start[0]
    edges_t = np.arange(t0, t[-1], window_s)
    if edges_t.size > 1 and t[-1] - edges_t[-1] < 0.3 * window_s:
        edges_t = edges_t[:-1]  # merge a short last window into the one before
    edges_t = np.append(edges_t, t[-1])
    tt = np.concatenate([[t0], t])
    cc = np.concatenate([[0.0], np.asarray(cum, dtype=np.float64)])
    ok = np.isfinite(cc)
    v = np.interp(edges_t, tt[ok], cc[ok]) if ok.any() else np.full(edges_t.size, np.nan)
    rate = np.diff(v) / np.diff(edges_t) * 3600.0
    return edges_t, rate


def fig_jobs(run, outdir, opts):
    jobs = {j: d for j, d in run.jobs.items() if "iterations" in d or "tokens" in d}
    if not jobs or run.ntime < 2:
        raise Skip("no /jobs/<job>/iterations or tokens datasets in this file")
    names = list(jobs)[:12]
    have_tok = any("tokens" in jobs[j] for j in names)
    have_state = any("state" in jobs[j] for j in names)
    nrows = 1 + have_tok + have_state
    ratios = [3] + ([3] if have_tok else []) + ([0.35 * len(names) + 0.6] if have_state else [])
    fig, axes = plt.subplots(nrows, 1, figsize=(11, 3.2 * (1 + have_tok) + (1.2 + 0.3 * len(names))
                                                 * have_state),
                             sharex=True, gridspec_kw={"height_ratios": ratios}, squeeze=False,
                             layout="constrained")
    axes = axes[:, 0]
    duration = run.t[-1] - run.t_start[0]
    win = _rate_window(duration)
    cmap = plt.get_cmap("tab10")

    def rate_panel(ax, key, ylabel, title):
        at = ax.twinx()
        series = []
        for i, j in enumerate(names):
            if key not in jobs[j]:
                continue
            edges, rate = _rates(run, jobs[j][key], win)
            series.append((i, j, edges, rate, jobs[j][key]))
        rmax = max([np.nanmax(np.abs(r)) for _, _, _, r, _ in series if np.isfinite(r).any()]
                   + [0.0])
        cmax = max([np.nanmax(np.abs(c)) for *_, c in series if np.isfinite(c).any()] + [0.0])
        rs, rword = _count_scale(rmax)
        cs, cword = _count_scale(cmax)
        for i, j, edges, rate, cum in series:
            ax.stairs(rate / rs, _x(run, edges), baseline=None, color=cmap(i % 10), lw=1.5,
                      label=f"{j}")
            at.plot(_x(run, run.t), np.asarray(cum, dtype=np.float64) / cs, color=cmap(i % 10),
                    ls=":", lw=1.2, label=f"{j} cumulative")
        ax.set_ylabel(f"{rword}{ylabel}")
        at.set_ylabel(f"cumulative{' (' + cword.strip() + ')' if cword else ''}, dotted")
        ax.set_ylim(0, rmax / rs * 1.35 if rmax > 0 else 1)
        at.set_ylim(0, cmax / cs * 1.35 if cmax > 0 else 1)
        ax.set_title(title)
        _legend(ax, [ax, at], loc="upper left", fontsize=8, ncol=2, framealpha=0.85)

    row = 0
    if any("iterations" in jobs[j] for j in names):
        rate_panel(axes[row], "iterations", "iterations per hour",
                   f"Durable training throughput ({human_duration(win)} windows)")
    else:
        axes[row].text(0.5, 0.5, "iterations not available", ha="center",
                       transform=axes[row].transAxes)
    row += 1
    if have_tok:
        rate_panel(axes[row], "tokens", "tokens per hour", "Durable tokens processed")
        row += 1
    if have_state:
        ax = axes[row]
        state_names = {}
        for j in names:
            state_names.update(jobs[j].get("state_names", {}))
        codes = sorted(state_names) or sorted({int(c) for j in names if "state" in jobs[j]
                                               for c in np.unique(jobs[j]["state"])})
        palette = {"running": "#2ca02c", "checkpointing": "#ff7f0e", "detecting": "#fb6a4a",
                   "restarting": "#d62728", "loading": "#a50f15", "recovering": "#d62728",
                   "waiting": "#8c564b"}
        from matplotlib.colors import BoundaryNorm, ListedColormap
        from matplotlib.patches import Patch
        cols = [palette.get(state_names.get(c, ""), plt.get_cmap("Set3")(i % 12))
                for i, c in enumerate(codes)]
        cm = ListedColormap(cols)
        norm = BoundaryNorm(np.arange(len(codes) + 1) - 0.5, len(codes))
        e = bin_edges(run.ntime, min(opts.max_points, 2000))
        img = np.full((len(names), e.size), np.nan)
        lut = {c: i for i, c in enumerate(codes)}
        for r, j in enumerate(names):
            if "state" in jobs[j]:
                s = jobs[j]["state"].astype(np.int64)
                if e.size < s.size:  # long run: the most frequent state within each bin
                    present = np.unique(s)
                    counts = np.array([np.add.reduceat((s == c).astype(np.int64), e)
                                       for c in present])
                    sb = present[np.argmax(counts, axis=0)]
                else:
                    sb = s
                img[r] = [lut.get(int(v), np.nan) for v in sb]
        xs = _x(run, np.array([run.t_start[0], run.t[-1]]))
        ax.imshow(np.ma.masked_invalid(img), aspect="auto", cmap=cm, norm=norm,
                  interpolation="nearest", extent=[xs[0], xs[1], len(names) - 0.5, -0.5])
        ax.set_yticks(range(len(names)))
        ax.set_yticklabels(names, fontsize=8)
        ax.legend(handles=[Patch(color=cols[i], label=state_names.get(c, str(c)))
                           for i, c in enumerate(codes)],
                  loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, title="job state")
        ax.set_title("Job state")
    for k, ax in enumerate(axes):
        _style_time(ax, run, label=(k == len(axes) - 1))
    axes[-1].grid(False)
    name = _save(fig, outdir, "11_job_throughput.png")
    more = f" Only the first 12 of {len(jobs)} jobs are drawn." if len(jobs) > 12 else ""
    return {"file": name, "title": "Job throughput",
            "caption": f"Rate of durable progress per job averaged over {human_duration(win)} "
                       "windows (steps), with the cumulative count (dotted, right axis); "
                       "progress only counts when a checkpoint makes it durable, so short "
                       "windows look bursty. Bottom: job state (in long runs, the most frequent "
                       "state within each plotted bin)." + more}


def fig_cumulative(run, outdir, opts):
    fac = run.facility
    dt = run.t - run.t_start
    panels = []
    if "cost_usd_per_s" in fac:
        panels.append(("electricity cost", np.nancumsum(fac["cost_usd_per_s"] * dt), "USD",
                       run.summary.get("cost_usd")))
    if "carbon_g_per_s" in fac:
        panels.append(("carbon emissions", np.nancumsum(fac["carbon_g_per_s"] * dt) / 1e6,
                       "t CO₂", _mul(run.summary.get("carbon_kg"), 1e-3)))
    if "energy_facility_j" in fac:
        panels.append(("facility energy", fac["energy_facility_j"] / 3.6e9, "MWh",
                       _mul(run.summary.get("energy_facility_j"), 1 / 3.6e9)))
    elif "power_facility_w" in fac:
        panels.append(("facility energy", np.nancumsum(fac["power_facility_w"] * dt) / 3.6e9,
                       "MWh", _mul(run.summary.get("energy_facility_j"), 1 / 3.6e9)))
    if "water_l_per_s" in fac:
        panels.append(("water", np.nancumsum(fac["water_l_per_s"] * dt) / 1e3, "m³",
                       _mul(run.summary.get("water_l"), 1e-3)))
    if not panels:
        raise Skip("no cost, carbon, energy or water series in /facility")
    ncol = 2 if len(panels) > 1 else 1
    nrow = (len(panels) + 1) // 2
    fig, axes = plt.subplots(nrow, ncol, figsize=(11, 3.2 * nrow + 0.6), sharex=True,
                             squeeze=False, layout="constrained")
    x = _x(run, np.concatenate([[run.t_start[0]], run.t]))
    for k, (ax, (lab, cum, unit, total)) in enumerate(zip(axes.ravel(), panels)):
        y = np.concatenate([[0.0], cum])
        ax.plot(x, y, color="#1f77b4", lw=1.5)
        _fit_y(ax, y, zero=True)
        ax.set_ylabel(unit)
        end = f"{y[-1]:,.4g} {unit}"
        ax.set_title(f"Cumulative {lab}: {end} at the end", fontsize=10)
        _style_time(ax, run, label=k >= len(panels) - ncol)
    for ax in axes.ravel()[len(panels):]:
        ax.set_visible(False)
    name = _save(fig, outdir, "12_cumulative_cost_carbon.png")
    return {"file": name, "title": "Cumulative cost, carbon, energy and water",
            "caption": "Running totals of the interval rates times the interval lengths; the end "
                       "values equal the /summary figures (cost_usd, carbon_kg, "
                       "energy_facility_j, water_l)."}


def _mul(v, f):
    return v * f if isinstance(v, (int, float)) else None


def fig_grid(run, outdir, opts):
    fac = run.facility
    bins = _bins(run, opts)
    panels = []
    if "carbon_g_per_s" in fac:
        kg_h = fac["carbon_g_per_s"] * 3.6  # g/s → kg/h
        big = np.nanmax(np.abs(kg_h)) >= 1000 if np.isfinite(kg_h).any() else False
        panels.append(("carbon emission rate", kg_h / 1000 if big else kg_h,
                       "t CO₂ per hour" if big else "kg CO₂ per hour"))
    if "water_l_per_s" in fac:
        panels.append(("water consumption", fac["water_l_per_s"] * 3.6, "m³ per hour"))
    if "price_usd_per_mwh" in fac:
        panels.append(("electricity price (energy-weighted)", fac["price_usd_per_mwh"],
                       "USD per MWh"))
    if not panels:
        raise Skip("no carbon, water or price series in /facility")
    fig, axes = plt.subplots(len(panels), 1, figsize=(11, 2.3 * len(panels) + 0.8), sharex=True,
                             squeeze=False, layout="constrained")
    for i, (lab, v, unit) in enumerate(panels):
        ax = axes[i, 0]
        d = _series(ax, run, v, bins, 1.0, plt.get_cmap("Dark2")(i), lab)
        _fit_y(ax, d, zero=True)
        ax.set_ylabel(unit)
        ax.set_title(lab[0].upper() + lab[1:])
        _style_time(ax, run, label=(i == len(panels) - 1))
    name = _save(fig, outdir, "13_grid_carbon_water_price.png")
    return {"file": name, "title": "Carbon, water and price",
            "caption": "Interval means of the facility's carbon emission rate, its water use and "
                       "the electricity price." + _bin_note(run, bins)}


def fig_queue(run, outdir, opts):
    f = run.f
    if "queue" not in f:
        raise Skip("no /queue series (the scenario has no queue:)")
    q = f["queue"]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(11, 6.2), sharex=True, layout="constrained")
    bins = _bins(run, opts)
    _series(ax1, run, q["queue_length"][()].astype(float), bins, label="waiting jobs",
            color="#d62728")
    _series(ax1, run, q["running_jobs"][()].astype(float), bins, label="running jobs",
            color="#2ca02c")
    ax1.set_ylabel("jobs")
    ax1.legend(loc="upper left", fontsize=9)
    ax1.set_title("Queue length and running jobs (end of each interval)", fontsize=10)
    _style_time(ax1, run, label=False)
    alloc = q["allocated_accelerators"][()].astype(float)
    idle = q["idle_accelerators"][()].astype(float)
    _series(ax2, run, alloc, bins, label="allocated", color="#1f77b4")
    _series(ax2, run, idle, bins, label="idle (free, up)", color="#999999")
    _fit_y(ax2, alloc, idle, zero=True)
    ax2.set_ylabel("accelerators")
    ax2.legend(loc="upper left", fontsize=9)
    ax2.set_title("Accelerators held by jobs and idle, interval mean", fontsize=10)
    _style_time(ax2, run)
    name = _save(fig, outdir, "14_queue.png")
    return {"file": name, "title": "Shared cluster: queue and occupancy",
            "caption": "From /queue: jobs waiting and running, accelerators allocated and idle. "
                       + _bin_note(run, bins)}


def fig_job_table(run, outdir, opts):
    f = run.f
    if "jobs_table" not in f:
        raise Skip("no /jobs_table (the scenario has no queue:)")
    t = f["jobs_table"]
    acc = t["accelerators"][()].astype(float)
    wait = t["wait_s"][()].astype(float)
    work = t["work_s"][()].astype(float)
    held = t["run_time_s"][()].astype(float)
    started = np.isfinite(wait)
    if not started.any():
        raise Skip("no job of the queue started")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    w = np.maximum(wait[started], 1.0) / 3600.0
    ax1.hist(w, bins=np.logspace(np.log10(w.min()), np.log10(max(w.max(), w.min() * 10)), 30),
             color="#1f77b4")
    ax1.set_xscale("log")
    ax1.set_xlabel("wait (h, log scale)")
    ax1.set_ylabel("jobs")
    ax1.set_title(f"Wait before the first start: mean {np.mean(wait[started]) / 3600:.2f} h, "
                  f"p95 {np.percentile(wait[started], 95) / 3600:.2f} h", fontsize=10)
    sizes = np.unique(acc[started])
    cmap = plt.get_cmap("viridis", max(len(sizes), 2))
    for k, a in enumerate(sizes):
        m = started & (acc == a)
        ax2.scatter(work[m] / 3600.0, held[m] / 3600.0, s=8, color=cmap(k),
                    label=f"{a:.0f}" if len(sizes) <= 8 else None)
    top = max(np.nanmax(work[started]), np.nanmax(held[started])) / 3600.0
    ax2.plot([0, top], [0, top], color="#999999", lw=0.8, ls="--")
    ax2.set_xlabel("work at full clock (h)")
    ax2.set_ylabel("time holding nodes (h)")
    ax2.set_title("Per job: time held against its work (above the line: slowed, "
                  "interrupted or preempted)", fontsize=10)
    if len(sizes) <= 8:
        ax2.legend(title="accelerators", fontsize=8, title_fontsize=8)
    name = _save(fig, outdir, "15_jobs_table.png")
    return {"file": name, "title": "Shared cluster: per-job waits and run times",
            "caption": "From /jobs_table: the distribution of waits, and each job's time holding "
                       "nodes against its work at full clock."}


FIGURES = [
    ("facility", "Facility power, IT power and PUE", fig_facility),
    ("building_power", "Power per building", fig_building_power),
    ("cap", "Facility power against the cap", fig_cap_zoom),
    ("ramps", "Power ramps and swings", fig_ramps),
    ("rack_heatmap", "Rack × time junction temperature", fig_rack_heatmap),
    ("thermal_distribution", "Junction temperature and throttling distributions",
     fig_thermal_distribution),
    ("category_stack", "Accelerator-time categories over time", fig_category_stack),
    ("category_breakdown", "Whole-run accelerator-time breakdown", fig_category_breakdown),
    ("step_mfu", "Step time and MFU", fig_step_mfu),
    ("events", "Failures, checkpoints and recoveries", fig_events),
    ("jobs", "Job throughput", fig_jobs),
    ("cumulative", "Cumulative cost, carbon, energy and water", fig_cumulative),
    ("grid", "Carbon, water and price", fig_grid),
    ("queue", "Shared cluster: queue and occupancy", fig_queue),
    ("jobs_table", "Shared cluster: per-job waits and run times", fig_job_table),
]
