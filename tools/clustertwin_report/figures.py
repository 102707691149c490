"""The figures of a single-run report.

Each figure function takes (run, outdir, opts) and returns a dict with ``file``
(PNG name inside outdir), ``title`` and ``caption``; it raises :class:`Skip`
with a reason when the data it needs is absent.  Long runs are reduced to at
most ``opts.max_points`` plotted samples (bin means, or bin maxima for
temperatures; min–max envelopes where it matters).
"""
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .data import binned, bin_edges, human_duration  # noqa: E402

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
    d = run.dates(seconds)
    return d if d is not None else np.asarray(seconds) / 3600.0


def _style_time(ax, run, label=True):
    if run.start is not None:
        loc = mdates.AutoDateLocator(minticks=4, maxticks=10)
        ax.xaxis.set_major_locator(loc)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
        if label:
            ax.set_xlabel("time (UTC)")
    elif label:
        ax.set_xlabel("time since start (h)")
    ax.grid(True, alpha=0.3)


def _bins(run, opts):
    return bin_edges(run.ntime, opts.max_points)


def _bin_times(run, edges):
    """Interval end of each bin (seconds) — i.e. the last sample in the bin."""
    return binned(run.t, edges, "last")


def _decimation_note(run, edges):
    if edges.size == run.ntime:
        return ""
    per = run.ntime / edges.size
    return f" Long run: {run.ntime} samples reduced to {edges.size} bins of ~{per:.0f} samples."


def _power_scale(maxval):
    if maxval >= 1e9:
        return 1e9, "GW"
    if maxval >= 1e6:
        return 1e6, "MW"
    if maxval >= 1e3:
        return 1e3, "kW"
    return 1.0, "W"


def _save(fig, outdir, name):
    path = os.path.join(outdir, name)
    fig.savefig(path, dpi=110)
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


# ------------------------------------------------------------------ figures

def fig_facility(run, outdir, opts):
    fac = run.facility
    powers = [k for k in ("power_facility_w", "power_it_w", "power_cooling_w") if k in fac]
    if not powers:
        raise Skip("no /facility/power_* datasets in this file")
    e = _bins(run, opts)
    x = _x(run, _bin_times(run, e))
    scale, unit = _power_scale(np.nanmax([np.nanmax(np.abs(fac[k])) for k in powers]))
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(11, 7), sharex=True,
                                   gridspec_kw={"height_ratios": [3, 2]})
    labels = {"power_facility_w": ("facility power", "#1f77b4"),
              "power_it_w": ("IT power", "#2ca02c"),
              "power_cooling_w": ("cooling power", "#17becf")}
    for k in powers:
        lab, col = labels[k]
        ax1.plot(x, binned(fac[k], e) / scale, color=col, lw=1.3, label=lab)
        if e.size < run.ntime:
            ax1.fill_between(x, binned(fac[k], e, "min") / scale, binned(fac[k], e, "max") / scale,
                             color=col, alpha=0.2, lw=0)
    if "power_cap_w" in fac:
        ax1.plot(x, binned(fac["power_cap_w"], e, "min") / scale, color="k", ls="--", lw=1,
                 label="power cap")
    ax1.set_ylabel(f"power ({unit})")
    ax1.set_ylim(bottom=0)
    tw_axes = [ax1]
    if "outdoor_temperature_c" in fac:
        tmp = binned(fac["outdoor_temperature_c"], e)
        at = ax1.twinx()
        at.plot(x, tmp, color="#e6550d", lw=1, alpha=0.7, label="outdoor temperature")
        at.set_ylabel("outdoor temperature (°C)", color="#e6550d")
        tw_axes.append(at)
    _legend(ax1, tw_axes, loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize=8, ncol=5,
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
    axes2 = [ax2]
    if pue is not None:
        ax2.plot(x, binned(pue, e), color="#6a3d9a", lw=1.3, label="PUE")
        ax2.set_ylabel("PUE (1)")
    else:
        ax2.text(0.5, 0.5, "PUE not available", ha="center", va="center", transform=ax2.transAxes)
    if "outdoor_temperature_c" in fac:
        at2 = ax2.twinx()
        at2.plot(x, binned(fac["outdoor_temperature_c"], e), color="#e6550d", lw=1, alpha=0.7,
                 label="outdoor temperature")
        at2.set_ylabel("outdoor temperature (°C)", color="#e6550d")
        axes2.append(at2)
    _legend(ax2, axes2, loc="upper left", fontsize=8, framealpha=0.85)
    ax2.set_title("Power usage effectiveness")
    _style_time(ax2, run)
    fig.tight_layout()
    name = _save(fig, outdir, "01_facility_power.png")
    return {"file": name, "title": "Facility power, IT power and PUE",
            "caption": "Interval means of facility, IT and cooling power (shaded: min–max within "
                       "each plotted bin), the power cap when present, and PUE, each against the "
                       "outdoor temperature." + _decimation_note(run, e)}


def fig_rack_heatmap(run, outdir, opts):
    ds = run.dataset("racks/max_junction_temperature_c")
    if ds is None or ds.ndim != 2 or ds.shape[0] != run.ntime or ds.shape[1] == 0:
        raise Skip("no 2-D /racks/max_junction_temperature_c dataset in this file")
    nt, nr = ds.shape
    te = bin_edges(nt, min(opts.max_points, 1200))
    re_ = bin_edges(nr, 300)
    # read in row blocks so that very long runs never load the whole array
    out = np.empty((te.size, re_.size))
    block_rows = max(1, int(2e7 // max(nr, 1)))
    ends = np.append(te[1:], nt)
    i = 0
    while i < te.size:
        j = i
        while j + 1 < te.size and ends[j + 1] - te[i] <= block_rows:
            j += 1
        a, b = te[i], ends[j]
        blk = np.asarray(ds[a:b, :], dtype=np.float64)
        blk = np.fmax.reduceat(blk, te[i:j + 1] - a, axis=0)
        out[i:j + 1] = np.fmax.reduceat(blk, re_, axis=1) if re_.size < nr else blk
        i = j + 1
    tb = binned(run.t, te, "last")
    t0 = run.t[0] - run.interval_lengths()[0]
    if run.start is not None:
        xs = mdates.date2num(run.dates(np.array([t0, tb[-1]])))
    else:
        xs = np.array([t0, tb[-1]]) / 3600.0
    fig, ax = plt.subplots(figsize=(11, 6))
    finite = out[np.isfinite(out)]
    vmin, vmax = (np.percentile(finite, 1), np.percentile(finite, 99.9)) if finite.size else (0, 1)
    im = ax.imshow(out.T, aspect="auto", origin="lower", interpolation="nearest",
                   extent=[xs[0], xs[1], -0.5, re_.size - 0.5], cmap="inferno",
                   vmin=vmin, vmax=vmax)
    cb = fig.colorbar(im, ax=ax, pad=0.01)
    cb.set_label("max junction temperature (°C)")
    rack_ids = run.read("racks/rack")
    if rack_ids is None or rack_ids.size != nr:
        rack_ids = np.arange(nr)
    # separators between halls (thin) and buildings (thick)
    for key, lw in (("racks/hall", 0.6), ("racks/building", 1.8)):
        v = run.read(key)
        if v is not None and v.size == nr and re_.size <= 300:
            vb = v[re_]
            for k in np.nonzero(np.diff(vb))[0]:
                ax.axhline(k + 0.5, color="white", lw=lw, alpha=0.8)
    nt_ = min(12, re_.size)
    ticks = np.unique(np.linspace(0, re_.size - 1, nt_).astype(int))
    ax.set_yticks(ticks)
    ax.set_yticklabels([str(rack_ids[re_[k]]) for k in ticks], fontsize=8)
    if run.start is not None:
        ax.xaxis_date()
    _style_time(ax, run)
    ax.grid(False)
    grp = f" (groups of ~{nr / re_.size:.0f} racks, max)" if re_.size < nr else ""
    ax.set_ylabel("rack id" + grp)
    ax.set_title(f"Maximum junction temperature per rack ({nr} racks)")
    fig.tight_layout()
    name = _save(fig, outdir, "02_rack_junction_heatmap.png")
    note = " Lines separate halls (thin) and buildings (thick)." if re_.size <= 300 else ""
    return {"file": name, "title": "Rack × time junction temperature",
            "caption": "Maximum accelerator junction temperature in each rack, maximum over each "
                       "plotted time bin; colour scale from the 1st to the 99.9th percentile."
                       + note + _decimation_note(run, te)}


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
    e = bin_edges(run.ntime, min(opts.max_points, 400))  # ~2 px per bin: no moire
    x = _x(run, _bin_times(run, e))
    dt = binned(run.interval_lengths(), e, "sum")
    cats = list(run.acc_time)
    counts = np.array([binned(run.acc_time[c], e, "sum") / dt for c in cats])  # accelerators
    negative = bool(np.any(counts < -1e-9))
    shown = np.clip(counts, 0, None)
    total = shown.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(total > 0, shown / np.where(total > 0, total, 1), 0) * 100
    fig, ax = plt.subplots(figsize=(11, 5.5))
    # samples are interval ends: each value holds for the interval before it (step "pre")
    ax.stackplot(x, frac, labels=[CATEGORY_LABELS.get(c, c) for c in cats],
                 colors=[_color(c, i) for i, c in enumerate(cats)], lw=0, step="pre")
    ax.set_ylim(0, 100)
    ax.set_xlim(x[0], x[-1])
    ax.set_ylabel("share of accelerator-time (%)")
    acc = run.summary.get("accelerators")
    acc_txt = f"{int(acc):,} accelerators" if isinstance(acc, (int, float)) and acc else \
        f"~{np.nanmedian(counts.sum(axis=0)):,.0f} accelerators"
    ax.set_title(f"Where the accelerator-time goes ({acc_txt})")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=9, title="category")
    _style_time(ax, run)
    fig.tight_layout()
    name = _save(fig, outdir, "03_accelerator_time_stack.png")
    cap = ("Accelerator-seconds per category in each plotted bin as a share of the total "
           "(accelerators × elapsed time).")
    if negative:
        cap += (" Some bins have negative compute (work reclassified as lost at a failure); they "
                "are drawn clipped at zero here — totals in the breakdown figure are exact.")
    return {"file": name, "title": "Accelerator-time categories over time",
            "caption": cap + _decimation_note(run, e)}


def fig_category_breakdown(run, outdir, opts):
    totals, src = _category_totals(run)
    if not totals:
        raise Skip("no accelerator_s_* summary attributes and no /accelerator_time datasets")
    energy = {c: float(np.nansum(v)) for c, v in run.acc_energy.items()}
    ncols = 2 if energy else 1
    fig, axes = plt.subplots(1, ncols, figsize=(12 if energy else 9, 5.5), squeeze=False)
    cats = list(totals)
    hours = np.array([totals[c] for c in cats]) / 3600.0
    grand = np.sum(np.abs(hours)) or 1.0
    sc, unit = (1e6, "million accelerator-hours") if np.max(np.abs(hours)) >= 1e6 else \
        (1e3, "thousand accelerator-hours") if np.max(np.abs(hours)) >= 1e4 else (1, "accelerator-hours")
    ax = axes[0, 0]
    y = np.arange(len(cats))[::-1]
    ax.barh(y, hours / sc, color=[_color(c, i) for i, c in enumerate(cats)], edgecolor="k", lw=0.4)
    ax.set_yticks(y)
    ax.set_yticklabels([CATEGORY_LABELS.get(c, c) for c in cats])
    for yi, h in zip(y, hours):
        ax.text(h / sc, yi, f"  {100 * h / grand:.1f}%", va="center", fontsize=9)
    ax.set_xlabel(unit)
    ax.set_xlim(0, np.max(hours / sc) * 1.22 if np.max(hours) > 0 else 1)
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
        for yi, h in zip(y, mwh):
            ax.text(h, yi, f"  {100 * h / eg:.1f}%", va="center", fontsize=9)
        ax.set_xlabel("accelerator energy (MWh)")
        ax.set_xlim(0, np.max(mwh) * 1.22 if np.max(mwh) > 0 else 1)
        ax.set_title("Accelerator energy by category, whole run")
        ax.grid(True, axis="x", alpha=0.3)
    fig.tight_layout()
    name = _save(fig, outdir, "04_accelerator_time_breakdown.png")
    cap = f"Whole-run totals ({src}); percentages are shares of the total."
    if energy:
        cap += " Right: accelerator energy split the same way (sum of /accelerator_energy)."
    return {"file": name, "title": "Whole-run accelerator-time breakdown", "caption": cap}


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
                                   gridspec_kw={"height_ratios": [max(2.0, 0.32 * len(rows)), 3]})
    x = _x(run, ev["time"])
    for r, (lab, mask, col) in enumerate(rows[::-1]):
        if lab.startswith("failure") and lost is not None:
            size = 12 + 60 * np.sqrt(np.clip(lost[mask], 0, None) / max(np.nanmax(lost), 1e-30))
        else:
            size = 14
        marker = "o" if lab.startswith("failure") else "|"
        ax1.scatter(x[mask], np.full(mask.sum(), r), s=size, color=col, marker=marker,
                    alpha=0.8, rasterized=True, edgecolors="none" if marker == "o" else None,
                    linewidths=1.2 if marker == "|" else 0)
    ax1.set_yticks(range(len(rows)))
    ax1.set_yticklabels([f"{lab} ({int(m.sum())})" for lab, m, _ in rows[::-1]], fontsize=8)
    ax1.set_ylim(-0.7, len(rows) - 0.3)
    ax1.set_title(f"Event timeline ({n} events; failure marker size ∝ lost work)")
    _style_time(ax1, run, label=False)
    # cumulative failures by class, and cumulative lost accelerator-hours
    ends = run.t[-1] if run.ntime else ev["time"].max()
    axes = [ax2]
    for lab, mask, col in rows:
        if not lab.startswith("failure"):
            continue
        tt = np.sort(ev["time"][mask])
        ts = np.concatenate([[0.0], tt, [max(ends, tt[-1])]])
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
            at.set_ylim(bottom=0)
            axes.append(at)
        _legend(ax2, axes, loc="upper left", fontsize=8, ncol=2, framealpha=0.85)
        ax2.set_ylim(bottom=0)
    else:
        ax2.text(0.5, 0.5, "no failures in this run", ha="center", va="center",
                 transform=ax2.transAxes)
    ax2.set_title("Failures by component class (cumulative)")
    _style_time(ax2, run)
    fig.tight_layout()
    name = _save(fig, outdir, "05_event_timeline.png")
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
    t0 = t[0] - run.interval_lengths()[0]
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
                             sharex=True, gridspec_kw={"height_ratios": ratios}, squeeze=False)
    axes = axes[:, 0]
    duration = run.t[-1] - (run.t[0] - run.interval_lengths()[0])
    win = _rate_window(duration)
    cmap = plt.get_cmap("tab10")

    def rate_panel(ax, key, ylabel, title):
        at = ax.twinx()
        series = []
        for i, j in enumerate(names):
            if key not in jobs[j]:
                continue
            edges, rate = _rates(run, jobs[j][key], win)
            e = _bins(run, opts)
            series.append((i, j, edges, rate, e, binned(jobs[j][key], e, "last")))
        rmax = max([np.nanmax(np.abs(r)) for _, _, _, r, _, _ in series if np.isfinite(r).any()]
                   + [0.0])
        cmax = max([np.nanmax(np.abs(c)) for *_, c in series if np.isfinite(c).any()] + [0.0])
        rs, rword = _count_scale(rmax)
        cs, cword = _count_scale(cmax)
        for i, j, edges, rate, e, cum in series:
            xs = _x(run, edges)
            ax.stairs(rate / rs, xs if run.start is None else mdates.date2num(xs),
                      baseline=None, color=cmap(i % 10), lw=1.5, label=f"{j}")
            at.plot(_x(run, _bin_times(run, e)), cum / cs,
                    color=cmap(i % 10), ls=":", lw=1.2, label=f"{j} cumulative")
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
        row += 1
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
        palette = {"running": "#2ca02c", "checkpointing": "#ff7f0e", "recovering": "#d62728",
                   "waiting": "#8c564b"}
        from matplotlib.colors import BoundaryNorm, ListedColormap
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
        t0 = run.t[0] - run.interval_lengths()[0]
        xs = _x(run, np.array([t0, run.t[-1]]))
        if run.start is not None:
            xs = mdates.date2num(xs)
        ax.imshow(np.ma.masked_invalid(img), aspect="auto", cmap=cm, norm=norm,
                  interpolation="nearest", extent=[xs[0], xs[1], len(names) - 0.5, -0.5])
        ax.set_yticks(range(len(names)))
        ax.set_yticklabels(names, fontsize=8)
        from matplotlib.patches import Patch
        ax.legend(handles=[Patch(color=cols[i], label=state_names.get(c, str(c)))
                           for i, c in enumerate(codes)],
                  loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, title="job state")
        ax.set_title("Job state")
        if run.start is not None:
            ax.xaxis_date()
    for k, ax in enumerate(axes):
        _style_time(ax, run, label=(k == len(axes) - 1))
    axes[-1].grid(False)
    fig.tight_layout()
    name = _save(fig, outdir, "06_job_throughput.png")
    more = f" Only the first 12 of {len(jobs)} jobs are drawn." if len(jobs) > 12 else ""
    return {"file": name, "title": "Job throughput",
            "caption": f"Rate of durable progress per job averaged over {human_duration(win)} "
                       "windows (steps), with the cumulative count (dotted, right axis); "
                       "progress only counts when a checkpoint makes it durable, so short "
                       "windows look bursty. Bottom: job state (in long runs, the most frequent "
                       "state within each plotted bin)." + more}


def fig_grid(run, outdir, opts):
    fac = run.facility
    panels = [(k, lab, sc, unit) for k, lab, sc, unit in (
        ("carbon_g_per_s", "carbon emissions", 3.6, "t CO₂ per hour"),
        ("water_l_per_s", "water consumption", 3.6, "m³ per hour"),
        ("price_usd_per_mwh", "electricity price", 1.0, "USD per MWh"),
    ) if k in fac]
    if not panels:
        raise Skip("no carbon, water or price series in /facility")
    e = _bins(run, opts)
    x = _x(run, _bin_times(run, e))
    fig, axes = plt.subplots(len(panels), 1, figsize=(11, 2.3 * len(panels) + 0.8), sharex=True,
                             squeeze=False)
    for i, (k, lab, sc, unit) in enumerate(panels):
        ax = axes[i, 0]
        ax.plot(x, binned(fac[k], e) * sc, color=plt.get_cmap("Dark2")(i), lw=1.2)
        ax.set_ylabel(unit)
        ax.set_title(lab.capitalize())
        _style_time(ax, run, label=(i == len(panels) - 1))
    fig.tight_layout()
    name = _save(fig, outdir, "07_grid_carbon_water_price.png")
    return {"file": name, "title": "Carbon, water and price",
            "caption": "Interval means of the facility's carbon emission rate, water use and the "
                       "electricity price, where the file has them." + _decimation_note(run, e)}


FIGURES = [
    ("facility", "Facility power, IT power and PUE", fig_facility),
    ("rack_heatmap", "Rack × time junction temperature", fig_rack_heatmap),
    ("category_stack", "Accelerator-time categories over time", fig_category_stack),
    ("category_breakdown", "Whole-run accelerator-time breakdown", fig_category_breakdown),
    ("events", "Failures, checkpoints and recoveries", fig_events),
    ("jobs", "Job throughput", fig_jobs),
    ("grid", "Carbon, water and price", fig_grid),
]
