"""Single-run report: figures + index.html (figures first, then the grouped summary)."""
import os
import re
import sys
import traceback
import warnings

from . import htmlout
from .data import Run, as_text
from .figures import FIGURES, Skip
from .metrics import describe_full, display, grouped

esc = htmlout.esc


def _ensemble_rows(ens):
    names = []
    for k in ens:
        for suffix in ("_mean", "_ci95"):
            if k.endswith(suffix) and k[: -len(suffix)] not in names:
                names.append(k[: -len(suffix)])
    groups = {}
    for nm in names:
        mean = ens.get(nm + "_mean")
        ci = ens.get(nm + "_ci95")
        label, mtxt = display(nm, mean) if mean is not None else (display(nm, 0)[0], "–")
        ctxt = display(nm, ci)[1] if ci is not None else "–"
        groups.setdefault(describe_full(nm)[3], []).append((label, mtxt, "± " + ctxt, nm))
    return groups


def build(path, outdir, opts):
    """Write the report for one output file; return (index path, list of figure infos)."""
    os.makedirs(outdir, exist_ok=True)
    with Run(path) as run:
        title = f"clustertwin report: {run.name}"
        parts = [f"<h1>{esc(title)}</h1>"]
        meta = [("file", os.path.abspath(path)), ("time span", run.time_span_text())]
        if run.building_names:
            meta.append(("buildings", ", ".join(run.building_names)))
        if run.sweep_parameters:
            meta.append(("sweep parameters", ", ".join(f"{k} = {v}" for k, v in
                                                       run.sweep_parameters.items())))
        for key, label in (("sweep_index", "sweep index"), ("seed", "seed"),
                           ("mpi_ranks", "MPI ranks"), ("clustertwin_version", "version")):
            if key in run.attrs:
                meta.append((label, as_text(run.attrs[key])))
        parts.append(htmlout.meta_list(meta))

        figures, blocks = [], []
        for old in os.listdir(outdir):  # figures of an earlier report in the same directory
            if re.match(r"^\d\d_[a-z_]+\.png$", old):
                os.remove(os.path.join(outdir, old))
        for fig_id, fig_title, fn in FIGURES:
            try:
                with warnings.catch_warnings():
                    # a figure that makes matplotlib warn is a bug: fail it visibly
                    warnings.simplefilter("error")
                    info = fn(run, outdir, opts)
                info["id"] = fig_id
                figures.append(info)
                blocks.append(htmlout.figure(fig_id, info))
            except Skip as why:
                blocks.append(htmlout.skipped(fig_id, fig_title, str(why)))
                if opts.verbose:
                    print(f"clustertwin-report: skipped {fig_title}: {why}", file=sys.stderr)
            except Exception as exc:  # noqa: BLE001 - one bad figure must not lose the others
                import matplotlib.pyplot as plt
                plt.close("all")
                blocks.append(htmlout.skipped(fig_id, fig_title, f"{type(exc).__name__}: {exc}",
                                              failed=True))
                print(f"clustertwin-report: warning: {fig_title} failed: {exc}", file=sys.stderr)
                if opts.verbose:
                    traceback.print_exc()
        parts.append(htmlout.toc([(i["id"], i["title"]) for i in figures]))
        parts.append("<h2 id=\"figures\">Figures</h2>")
        parts += blocks

        parts.append("<h2 id=\"summary\">Summary</h2>")
        if run.summary:
            for group, rows in grouped(run.summary):
                parts.append(htmlout.table_section(group, ["figure", "value", "attribute"], rows,
                                                   num_cols=(1,)))
        else:
            parts.append('<div class="skipped">No <code>/summary</code> attributes in this file '
                         '(the run may have been stopped before it finished).</div>')
        if run.ensemble:
            parts.append("<h2>Ensemble: mean and 95% confidence interval over the replicas</h2>")
            for group, rows in _ensemble_rows(run.ensemble).items():
                parts.append(htmlout.table_section(group, ["figure", "mean", "95% CI",
                                                           "attribute"], rows, num_cols=(1, 2)))
        scen = as_text(run.attrs.get("scenario", ""))
        if scen:
            parts.append("<h2>Resolved scenario</h2>\n<details><summary>show YAML</summary>"
                         f"<pre>{esc(scen)}</pre></details>")
        hist = as_text(run.attrs.get("history", ""))
        if hist:
            parts.append(f"<p class=\"meta\">history: {esc(hist)}</p>")
        index = os.path.join(outdir, "index.html")
        with open(index, "w", encoding="utf-8") as fh:
            fh.write(htmlout.page(title, parts))
    return index, figures
