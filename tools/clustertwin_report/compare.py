"""Compare runs of a sweep: one figure per summary figure against the swept parameter(s)."""
import json
import os
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from . import htmlout  # noqa: E402
from .data import InputError, Run  # noqa: E402
from .metrics import describe, display, is_summary_name  # noqa: E402

esc = htmlout.esc
NON_PARAM = {"file", "path", "sweep_index", "name", "replica"}


def load_table(inputs):
    """-> (DataFrame one row per run, list of parameter columns or None if unknown)."""
    if len(inputs) == 1 and (inputs[0].lower().endswith((".csv", ".tsv", ".txt"))):
        path = inputs[0]
        if not os.path.isfile(path):
            raise InputError(f"{path}: no such file")
        try:
            df = pd.read_csv(path, sep=None, engine="python")
        except Exception as exc:  # noqa: BLE001
            raise InputError(f"{path}: cannot read as a CSV table ({exc})") from exc
        if df.empty:
            raise InputError(f"{path}: the table has no rows")
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


def split_columns(df, params=None):
    if params is None:
        params = [c for c in df.columns if c not in NON_PARAM and not is_summary_name(c)]
    metrics = [c for c in df.columns if c not in NON_PARAM and c not in params
               and not c.endswith("_ci95") and _numeric(df[c]) is not None]
    # with replicas, plot the ensemble mean (with its CI) instead of the single realization
    metrics = [c for c in metrics if c + "_mean" not in metrics]
    return list(params), metrics


def _errcol(df, metric):
    for cand in (metric + "_ci95",
                 metric[:-5] + "_ci95" if metric.endswith("_mean") else None):
        if cand and cand in df.columns and _numeric(df[cand]) is not None:
            return cand
    return None


def plot_metric(df, metric, varying, outdir, index):
    label, unit, factor = describe(metric)
    y = _numeric(df[metric]).to_numpy(dtype=float) * factor
    ec = _errcol(df, metric)
    err = _numeric(df[ec]).to_numpy(dtype=float) * factor if ec else None
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    ylabel = f"{label} ({unit})" if unit else label
    if varying:
        xs = sorted(varying, key=lambda p: (_numeric(df[p]) is None, -df[p].nunique()))
        xp, others = xs[0], xs[1:]
        xnum = _numeric(df[xp])
    else:
        xp, others, xnum = None, [], None
    if xp is not None and xnum is not None:
        if len(others) > 1:
            groups = list(df.groupby([df[o].astype(str) for o in others], sort=True))
        elif others:
            groups = [((k,), sub) for k, sub in df.groupby(df[others[0]].astype(str), sort=True)]
        else:
            groups = [("", df)]
        cmap = plt.get_cmap("viridis" if len(others) and df[others[0]].nunique() > 6 else "tab10")
        ngroups = len(groups) if others else 1
        for i, (key, sub) in enumerate(groups):
            order = np.argsort(xnum[sub.index].to_numpy())
            idx = sub.index.to_numpy()[order]
            gl = ", ".join(f"{o} = {k}" for o, k in zip(others, key if isinstance(key, tuple)
                                                        else (key,))) if others else metric
            col = cmap(i / max(ngroups - 1, 1)) if cmap.name == "viridis" else cmap(i % 10)
            ax.errorbar(xnum[idx], y[idx], yerr=None if err is None else err[idx], marker="o",
                        capsize=3, lw=1.5, color=col, label=gl)
        ax.set_xlabel(xp)
        if others:
            ax.legend(fontsize=8, title=None, loc="best")
        xv = xnum.to_numpy(dtype=float)
        if np.all(xv > 0) and xv.max() / max(xv.min(), 1e-300) > 50:
            ax.set_xscale("log")
    else:
        if xp is not None:
            labels = [", ".join(f"{p}={df.at[i, p]}" for p in varying) for i in df.index]
            ax.set_xlabel(", ".join(varying))
        else:
            labels = [os.path.basename(str(df.at[i, "file"])) if "file" in df.columns else str(i)
                      for i in df.index]
            ax.set_xlabel("run")
        pos = np.arange(len(df))
        ax.bar(pos, y, yerr=err, capsize=3, color="#4c72b0")
        ax.set_xticks(pos)
        ax.set_xticklabels(labels, rotation=30 if len(df) > 3 else 0, ha="right" if len(df) > 3
                           else "center", fontsize=8)
    ax.set_ylabel(ylabel)
    ttl = label[0].upper() + label[1:]
    if metric.endswith("_mean") and label != metric.replace("_", " "):
        ttl += " (ensemble mean)"
    if xp is not None:
        ttl += f" vs {xp}"
    if err is not None:
        ttl += "\n(error bars: 95% CI over replicas)"
    ax.set_title(ttl, fontsize=11)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    name = f"compare_{index:02d}_{_slug(metric)}.png"
    fig.savefig(os.path.join(outdir, name), dpi=110)
    plt.close(fig)
    return {"file": name, "title": ttl.split("\n")[0],
            "caption": f"Summary attribute {metric}" + (f" ± {ec}" if ec else "")
                       + f" for {len(df)} runs."}


def build(inputs, outdir, opts):
    df, params = load_table(inputs)
    if opts.params:
        params = [p.strip() for p in opts.params.split(",") if p.strip()]
        missing = [p for p in params if p not in df.columns]
        if missing:
            raise InputError(f"--params: no column(s) {', '.join(missing)} in the inputs")
    params, metrics = split_columns(df, params)
    if not metrics:
        raise InputError("the inputs have no numeric summary figures to compare")
    df = df.reset_index(drop=True)
    varying = [p for p in params if df[p].astype(str).nunique() > 1]
    os.makedirs(outdir, exist_ok=True)
    for old in os.listdir(outdir):  # figures of an earlier comparison in the same directory
        if old.startswith("compare_") and old.endswith(".png"):
            os.remove(os.path.join(outdir, old))
    figures = []
    for i, m in enumerate(metrics, 1):
        figures.append(plot_metric(df, m, varying, outdir, i))
    # HTML
    parts = ["<h1>clustertwin sweep comparison</h1>",
             f"<p class=\"meta\">{len(df)} runs; swept parameter(s): "
             f"{esc(', '.join(varying) or 'none varying')}; inputs: "
             f"{esc(', '.join(inputs))}</p>"]
    head = (["file"] if "file" in df.columns else []) + params + metrics
    rows = []
    for i in df.index:
        r = []
        for c in head:
            v = df.at[i, c]
            if c in metrics:
                v = display(c, v.item() if hasattr(v, "item") else v)[1]
            elif c == "file":
                v = os.path.basename(str(v))
            r.append(v)
        rows.append(r)
    parts.append("<h2>Runs</h2>\n<div style=\"overflow-x:auto\">")
    parts.append(htmlout.table(head, rows, num_cols=tuple(range(len(head) - len(metrics),
                                                                len(head)))))
    parts.append("</div>\n<h2>Figures</h2>")
    for k, info in enumerate(figures):
        parts.append(htmlout.figure(f"compare-{k + 1}", info))
    index = os.path.join(outdir, "index.html")
    with open(index, "w", encoding="utf-8") as fh:
        fh.write(htmlout.page("clustertwin sweep comparison", parts))
    return index, figures
