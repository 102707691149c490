"""Compare the runs of a sweep: the figures a study needs, against the keys it swept.

Which columns are parameters: the keys the runs swept (the `sweep_parameters` root attribute of
each output file; the `sweep_keys` column of a `clustertwin summarize` table), never a guess
from column names; `--params` overrides. Only parameters whose values differ between the runs
are plotted against.

Which figures: a core set (ETTR, tokens, facility energy, energy per token), the figures of the
topics the swept keys belong to (checkpointing and faults, cooling and weather, grid, fabric and
parallelism), and the accelerator-time breakdown of every run; of those, the ones whose value
differs between the runs. `--metrics` chooses explicitly. Every other figure is in the table.
"""
import json
import os
import re
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from . import htmlout  # noqa: E402
from .data import InputError, Run  # noqa: E402
from .figures import CATEGORY_COLORS, CATEGORY_LABELS  # noqa: E402
from .metrics import describe, fmt_number, is_summary_name  # noqa: E402

matplotlib.rcParams["axes.formatter.useoffset"] = False

esc = htmlout.esc
FIXED = {"file", "path", "sweep_index", "name", "replica", "sweep_keys"}
CORE = ["ettr", "tokens", "energy_facility_j", "joules_per_token"]
# (prefixes of swept key paths, figures that study needs)
TOPICS = [
    (("checkpoint", "jobs.*.checkpoint", "faults"),
     ["ettr", "training_time_fraction", "accelerator_s_checkpoint", "accelerator_s_lost",
      "accelerator_s_recovery", "accelerator_s_waiting", "interruptions_unplanned",
      "mtbf_observed_s"]),
    (("cooling", "weather", "campus.cooling", "accelerator", "activity"),
     ["pue_mean", "water_l", "wue_l_per_kwh", "throttled_fraction", "max_junction_temperature_c",
      "energy_cooling_j", "large_cycles"]),
    (("grid",),
     ["cost_usd", "carbon_kg", "peak_demand_w", "largest_swing_w", "cap_exceedance_w",
      "throttled_fraction"]),
    (("fabric", "campus.buildings", "jobs.*.parallel", "jobs.*.placement", "jobs.*.model"),
     ["training_time_fraction", "accelerator_s_exposed_comm", "accelerator_s_pipeline_bubble",
      "accelerator_s_straggler_wait"]),
]


def _topic_match(key, prefix):
    pat = re.escape(prefix).replace(r"\*", r"[^.]+")
    return re.match(rf"^{pat}(\.|$)", key) is not None


def load_table(inputs):
    """-> (DataFrame one row per run, swept keys or None when the input does not say)."""
    if len(inputs) == 1 and inputs[0].lower().endswith((".csv", ".tsv", ".txt")):
        path = inputs[0]
        if not os.path.isfile(path):
            raise InputError(f"{path}: no such file")
        try:
            df = pd.read_csv(path, sep=None, engine="python")
        except Exception as exc:  # noqa: BLE001
            raise InputError(f"{path}: cannot read as a CSV table ({exc})") from exc
        if df.empty:
            raise InputError(f"{path}: the table has no rows")
        if "sweep_keys" in df.columns:
            keys = []
            for cell in df["sweep_keys"].fillna("").astype(str):
                for k in cell.split():
                    if k not in keys:
                        keys.append(k)
            return df, keys
        return df, None
    rows, params = [], []
    for p in inputs:
        with Run(p) as run:
            row = {"file": p}
            for k, v in run.sweep_parameters.items():
                if k not in params:
                    params.append(k)
                row[k] = json.dumps(v) if isinstance(v, (list, dict)) else v
            if "sweep_index" in run.attrs:
                row["sweep_index"] = run.attrs["sweep_index"]
            if "seed" in run.attrs and "seed" not in row:
                row["seed"] = run.attrs["seed"]
            row.update(run.summary)
            row.update(run.ensemble)
            rows.append(row)
    if not rows:
        raise InputError("no input files given to --compare")
    return pd.DataFrame(rows), params


def _numeric(series):
    v = pd.to_numeric(series, errors="coerce")
    return v if v.notna().all() else None


def _slug(name):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")[:80] or "metric"


def _varies(df, col):
    v = _numeric(df[col])
    if v is None:
        return df[col].astype(str).nunique() > 1
    a = v.to_numpy(dtype=float)
    fin = a[np.isfinite(a)]
    if fin.size != a.size:
        return len(set(map(str, a))) > 1
    return fin.size > 1 and (fin.max() - fin.min()) > 1e-9 * max(np.abs(fin).max(), 1e-300)


def choose_params(df, swept, explicit=None):
    """Parameter columns: explicit (--params), the swept keys, or (an old table without
    sweep_keys) the key paths among the columns."""
    if explicit:
        missing = [p for p in explicit if p not in df.columns]
        if missing:
            raise InputError(f"--params: no column(s) {', '.join(missing)} in the inputs")
        return list(explicit)
    if swept is not None:
        return [k for k in swept if k in df.columns]
    return [c for c in df.columns if c not in FIXED and "." in c and not is_summary_name(c)]


def choose_metrics(df, params, explicit=None):
    """(metrics to draw, metrics that exist but do not vary)."""
    def usable(m):
        return m in df.columns and m not in params and _numeric(df[m]) is not None

    if explicit:
        missing = [m for m in explicit if m not in df.columns]
        if missing:
            raise InputError(f"--metrics: no column(s) {', '.join(missing)} in the inputs")
        wanted = list(explicit)
    else:
        wanted = list(CORE)
        for prefixes, figs in TOPICS:
            if any(_topic_match(p, pre) for p in params for pre in prefixes):
                wanted += [f for f in figs if f not in wanted]
    # with replicas, the ensemble mean (with its CI) stands for the figure
    chosen, flat = [], []
    for m in wanted:
        col = m + "_mean" if (m + "_mean") in df.columns and not explicit else m
        if not usable(col):
            continue
        (chosen if _varies(df, col) else flat).append(col)
    return chosen, flat


def _errcol(df, metric):
    for cand in (metric + "_ci95",
                 metric[:-5] + "_ci95" if metric.endswith("_mean") else None):
        if cand and cand in df.columns and _numeric(df[cand]) is not None:
            return cand
    return None


def _short(v):
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def plot_metric(df, metric, varying, outdir, index):
    label, unit, factor = describe(metric)
    y = _numeric(df[metric]).to_numpy(dtype=float) * factor
    ec = _errcol(df, metric)
    err = _numeric(df[ec]).to_numpy(dtype=float) * factor if ec else None
    fig, ax = plt.subplots(figsize=(7.5, 4.6), layout="constrained")
    ylabel = f"{label} ({unit})" if unit else label
    xs = sorted(varying, key=lambda p: (_numeric(df[p]) is None, -df[p].nunique()))
    xp, others = (xs[0], xs[1:]) if xs else (None, [])
    xnum = _numeric(df[xp]) if xp else None
    if xp is not None and xnum is not None:
        if others:
            keys = df[others].astype(str).agg(", ".join, axis=1)
            groups = list(df.groupby(keys, sort=True))
        else:
            groups = [("", df)]
        cmap = plt.get_cmap("viridis" if len(groups) > 8 else "tab10")
        for i, (key, sub) in enumerate(groups):
            order = np.argsort(xnum[sub.index].to_numpy())
            idx = sub.index.to_numpy()[order]
            gl = ", ".join(f"{o} = {_short(sub[o].iloc[0])}" for o in others) if others else None
            col = cmap(i / max(len(groups) - 1, 1)) if len(groups) > 8 else cmap(i % 10)
            ax.errorbar(xnum[idx], y[idx], yerr=None if err is None else err[idx], marker="o",
                        capsize=3, lw=1.5, color=col, label=gl)
        ax.set_xlabel(xp)
        if others:
            ax.legend(fontsize=8, loc="best")
        xv = xnum.to_numpy(dtype=float)
        if np.all(xv > 0) and xv.max() / max(xv.min(), 1e-300) > 50:
            ax.set_xscale("log")
    else:
        if varying:
            labels = [", ".join(_short(df.at[i, p]) for p in varying) for i in df.index]
            ax.set_xlabel(", ".join(varying))
        else:
            labels = [os.path.basename(str(df.at[i, "file"])) if "file" in df.columns else str(i)
                      for i in df.index]
            ax.set_xlabel("run")
        pos = np.arange(len(df))
        ax.bar(pos, y, yerr=err, capsize=3, color="#4c72b0")
        ax.set_xticks(pos)
        ax.set_xticklabels(labels, rotation=30 if len(df) > 3 else 0,
                           ha="right" if len(df) > 3 else "center", fontsize=8)
    ax.set_ylabel(ylabel)
    ttl = label[0].upper() + label[1:]
    if xp is not None:
        ttl += f" against {xp}"
    ax.set_title(ttl, fontsize=11)
    ax.grid(True, alpha=0.3)
    name = f"compare_{index:02d}_{_slug(metric)}.png"
    fig.savefig(os.path.join(outdir, name), dpi=110)
    plt.close(fig)
    cap = f"Summary attribute {metric} of {len(df)} runs"
    if ec:
        cap += f"; error bars: 95% confidence interval over the replicas ({ec})"
    return {"file": name, "title": ttl, "caption": cap + "."}


def plot_breakdown(df, varying, outdir):
    cats = [c for c in CATEGORY_COLORS if f"accelerator_s_{c}" in df.columns
            and _numeric(df[f"accelerator_s_{c}"]) is not None]
    if not cats:
        return None
    vals = np.array([_numeric(df[f"accelerator_s_{c}"]).to_numpy(dtype=float) for c in cats])
    total = vals.sum(axis=0)
    share = np.where(total > 0, vals / np.where(total > 0, total, 1), 0) * 100
    order = np.arange(len(df))
    if varying:
        keyed = [tuple(df[p].iloc[i] for p in varying) for i in range(len(df))]
        try:
            order = np.array(sorted(order, key=lambda i: keyed[i]))
        except TypeError:
            pass
        labels = [", ".join(_short(df[p].iloc[i]) for p in varying) for i in order]
    else:
        labels = [os.path.basename(str(df["file"].iloc[i])) if "file" in df.columns else str(i)
                  for i in order]
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(df) + 2.2), layout="constrained")
    left = np.zeros(len(df))
    for k, c in enumerate(cats):
        ax.barh(np.arange(len(df)), share[k, order], left=left, color=CATEGORY_COLORS[c],
                label=CATEGORY_LABELS.get(c, c), edgecolor="white", lw=0.3)
        left += share[k, order]
    ax.set_yticks(np.arange(len(df)))
    ax.set_yticklabels(labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of accelerator-time (%)")
    if varying:
        ax.set_ylabel(", ".join(varying))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18 if len(df) < 6 else -0.08),
              ncol=5, fontsize=8, frameon=False)
    ax.set_title("Where the accelerator-time goes, per run")
    name = "compare_00_accelerator_time.png"
    fig.savefig(os.path.join(outdir, name), dpi=110)
    plt.close(fig)
    return {"file": name, "title": "Accelerator-time breakdown per run",
            "caption": "Whole-run accelerator-seconds per category (accelerator_s_*) as shares "
                       "of each run's total."}


def build(inputs, outdir, opts):
    df, swept = load_table(inputs)
    explicit_p = [p.strip() for p in opts.params.split(",") if p.strip()] if opts.params else None
    explicit_m = ([m.strip() for m in opts.metrics.split(",") if m.strip()]
                  if getattr(opts, "metrics", None) else None)
    params = choose_params(df, swept, explicit_p)
    df = df.reset_index(drop=True)
    varying = [p for p in params if _varies(df, p)]
    metrics, flat = choose_metrics(df, params, explicit_m)
    numeric_cols = [c for c in df.columns if c not in FIXED and c not in params
                    and _numeric(df[c]) is not None]
    if not numeric_cols:
        raise InputError("the inputs have no numeric summary figures to compare")
    os.makedirs(outdir, exist_ok=True)
    for old in os.listdir(outdir):  # figures of an earlier comparison in the same directory
        if old.startswith("compare_") and old.endswith(".png"):
            os.remove(os.path.join(outdir, old))
    figures = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a matplotlib warning is a bug here
        bd = plot_breakdown(df, varying, outdir)
        if bd:
            figures.append(bd)
        for i, m in enumerate(metrics, 1):
            figures.append(plot_metric(df, m, varying, outdir, i))
    # HTML: figures first, then the table of every run
    if swept is None and not explicit_p:
        origin = "key paths among the table's columns (the table has no sweep_keys column)"
    elif explicit_p:
        origin = "--params"
    else:
        origin = "the swept keys stored with the runs"
    parts = ["<h1>clustertwin sweep comparison</h1>",
             htmlout.meta_list([
                 ("runs", len(df)),
                 ("swept", ", ".join(varying) or "no parameter differs between the runs"),
                 ("parameters from", origin),
                 ("inputs", ", ".join(inputs) if len(inputs) <= 4
                  else f"{inputs[0]} … ({len(inputs)} files)")])]
    parts.append(htmlout.toc([(f"compare-{k}", f["title"]) for k, f in enumerate(figures)]))
    parts.append("<h2 id=\"figures\">Figures</h2>")
    for k, info in enumerate(figures):
        parts.append(htmlout.figure(f"compare-{k}", info))
    if flat:
        parts.append("<p class=\"meta\">The same in every run (not drawn): "
                     + esc(", ".join(describe(m)[0] for m in flat)) + ".</p>")
    shown = list(metrics)
    rest = [c for c in numeric_cols if c not in shown and not c.endswith("_ci95")]
    head = (["file"] if "file" in df.columns else []) + params + shown + rest
    labels = []
    for c in head:
        if c in params or c == "file":
            labels.append(c)
        else:
            lab, unit, _ = describe(c)
            labels.append(f"{lab} ({unit})" if unit else lab)
    rows = []
    for i in df.index:
        r = []
        for c in head:
            v = df.at[i, c]
            if c in params or c == "file":
                r.append(os.path.basename(str(v)) if c == "file" else _short(v))
            else:
                v = v.item() if hasattr(v, "item") else v
                _, unit, factor = describe(c)
                r.append(fmt_number(v * factor if isinstance(v, (int, float)) else v))
        rows.append(r)
    parts.append("<h2 id=\"summary\">Runs</h2>\n<div style=\"overflow-x:auto\">")
    parts.append(htmlout.table(labels, rows, num_cols=tuple(range(len(params) + 1, len(head)))))
    parts.append("</div>")
    index = os.path.join(outdir, "index.html")
    with open(index, "w", encoding="utf-8") as fh:
        fh.write(htmlout.page("clustertwin sweep comparison", parts))
    return index, figures
