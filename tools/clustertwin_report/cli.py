"""Command line of clustertwin-report."""
import argparse
import sys

from .data import InputError

EPILOG = """examples:
  clustertwin-report out.h5 -o report/
  clustertwin-report --compare table.csv -o sweep-report/
  clustertwin-report --compare run_000.h5 run_001.h5 run_002.h5 -o sweep-report/

exit status: 0 success, 2 missing or unreadable input (or bad arguments), 3 output error.
"""


def parse(argv):
    ap = argparse.ArgumentParser(
        prog="clustertwin-report",
        description="Figures and an HTML page from clustertwin HDF5 output, or a comparison of "
                    "the runs of a sweep.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", nargs="?", help="one clustertwin output file (OUT.h5)")
    ap.add_argument("--compare", nargs="+", metavar="FILE",
                    help="a summary table (CSV from 'clustertwin summarize') or several output "
                         "files to compare against their swept parameters")
    ap.add_argument("-o", "--output", default="report", metavar="DIR",
                    help="directory for the PNG figures and index.html (default: report)")
    ap.add_argument("--params", metavar="KEY[,KEY]",
                    help="compare mode: the parameter column(s) to plot against "
                         "(default: the keys the runs swept)")
    ap.add_argument("--metrics", metavar="NAME[,NAME]",
                    help="compare mode: the summary figures to draw (default: those the study "
                         "needs, from the swept keys)")
    ap.add_argument("--max-points", type=int, default=600, metavar="N",
                    help="at most N plotted bins per time series: longer runs are shown as "
                         "min/mean/max per 5 min, 15 min, 1 h, ... (default: 600)")
    ap.add_argument("-v", "--verbose", action="store_true", help="say why figures are skipped")
    a = ap.parse_args(argv)
    if (a.input is None) == (a.compare is None):
        ap.error("give either one output file, or --compare TABLE.csv | --compare A.h5 B.h5 ...")
    if a.max_points < 10:
        ap.error("--max-points must be at least 10")
    if a.input is not None and (a.params or a.metrics):
        ap.error("--params and --metrics apply to --compare only")
    return a


def main(argv=None):
    a = parse(sys.argv[1:] if argv is None else argv)
    try:
        if a.compare is not None:
            from . import compare
            index, figs = compare.build(a.compare, a.output, a)
        else:
            from . import report
            index, figs = report.build(a.input, a.output, a)
    except InputError as exc:
        print(f"clustertwin-report: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"clustertwin-report: error: cannot write the report: {exc}", file=sys.stderr)
        return 3
    print(f"clustertwin-report: wrote {len(figs)} figure(s) and {index}")
    return 0
