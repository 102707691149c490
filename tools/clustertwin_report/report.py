"""Single-run report: figures + index.html."""
import os
import re
import sys
import traceback

from . import htmlout
from .data import Run, as_text
from .figures import FIGURES, Skip
from .metrics import display

esc = htmlout.esc


def _summary_rows(summary):
    rows = []
    for k, v in summary.items():
        label, shown = display(k, v)
        rows.append((label, shown, k, v if not isinstance(v, float) else f"{v:.10g}"))
    return rows


def _ensemble_rows(ens):
    names = []
    for k in ens:
        for suffix in ("_mean", "_ci95"):
            if k.endswith(suffix) and k[: -len(suffix)] not in names:
                names.append(k[: -len(suffix)])
    rows = []
    for nm in names:
        mean = ens.get(nm + "_mean")
        ci = ens.get(nm + "_ci95")
        label, mtxt = display(nm, mean) if mean is not None else (display(nm, 0)[0], "–")
        ctxt = display(nm, ci)[1] if ci is not None else "–"
        rows.append((label, mtxt, "± " + ctxt, nm))
    return rows


def build(path, outdir, opts):
    """Write the report for one output file; return (index path, list of figure infos)."""
    os.makedirs(outdir, exist_ok=True)
    with Run(path) as run:
        parts = []
        title = f"clustertwin report: {run.name}"
        parts.append(f"<h1>{esc(title)}</h1>")
        meta = [("file", os.path.abspath(path)), ("time span", run.time_span_text())]
        for key in ("title", "clustertwin_version", "schema_version", "seed", "mpi_ranks",
                    "history"):
            if key in run.attrs:
                meta.append((key, as_text(run.attrs[key])))
        if run.sweep_parameters:
            meta.append(("sweep parameters", ", ".join(f"{k} = {v}" for k, v in
                                                       run.sweep_parameters.items())))
        if "sweep_index" in run.attrs:
            meta.append(("sweep index", as_text(run.attrs["sweep_index"])))
        parts.append(htmlout.table(["", ""], meta))

        parts.append("<h2>Summary</h2>")
        if run.summary:
            parts.append(htmlout.table(["figure", "value", "attribute", "stored value"],
                                       _summary_rows(run.summary), num_cols=(1, 3)))
        else:
            parts.append('<div class="skipped">No <code>/summary</code> attributes in this file '
                         '(the run may have been stopped before it finished).</div>')
        if run.ensemble:
            parts.append("<h2>Ensemble (mean and 95% confidence interval over replicas)</h2>")
            parts.append(htmlout.table(["figure", "mean", "95% CI", "attribute"],
                                       _ensemble_rows(run.ensemble), num_cols=(1, 2)))

        parts.append("<h2>Figures</h2>")
        figures = []
        for old in os.listdir(outdir):  # figures of an earlier report in the same directory
            if re.match(r"^0\d_[a-z_]+\.png$", old):
                os.remove(os.path.join(outdir, old))
        for fig_id, fig_title, fn in FIGURES:
            try:
                info = fn(run, outdir, opts)
                info["id"] = fig_id
                figures.append(info)
                parts.append(htmlout.figure(fig_id, info))
            except Skip as why:
                parts.append(htmlout.skipped(fig_id, fig_title, str(why)))
                if opts.verbose:
                    print(f"clustertwin-report: skipped {fig_title}: {why}", file=sys.stderr)
            except Exception as exc:  # noqa: BLE001 - one bad figure must not lose the others
                import matplotlib.pyplot as plt
                plt.close("all")
                parts.append(htmlout.skipped(fig_id, fig_title, f"{type(exc).__name__}: {exc}",
                                             failed=True))
                print(f"clustertwin-report: warning: {fig_title} failed: {exc}", file=sys.stderr)
                if opts.verbose:
                    traceback.print_exc()
        scen = as_text(run.attrs.get("scenario", ""))
        if scen:
            parts.append("<h2>Resolved scenario</h2>\n<details><summary>show YAML</summary>"
                         f"<pre>{esc(scen)}</pre></details>")
        index = os.path.join(outdir, "index.html")
        with open(index, "w", encoding="utf-8") as fh:
            fh.write(htmlout.page(title, parts))
    return index, figures
