#!/usr/bin/python3
"""Convert a job log in CSV (e.g. a GPU-cluster trace) to the Standard Workload Format.

The SWF definition: https://www.cs.huji.ac.il/labs/parallel/workload/swf.html (18 fields per
line, -1 for unknown, ';' header comments). Each CSV row becomes one SWF line; the job's
processors are its GPUs, so replay it with `processor_unit: accelerator` and
`processors_per_unit: 1` (docs/workloads.md).

Columns (names changeable with options): job id, submit, start and end times (ISO 8601 text
such as "2020-04-01 00:00:05" taken as UTC, or Unix seconds), GPUs, state, and optionally
and the user and the requested wall time in seconds. Jobs are renumbered 1, 2, ... in submit order
(SWF job numbers are counters) and times become seconds from the first submission; the header
records the Unix time of that first submission (UnixStartTime).

States: COMPLETED -> 1, CANCELLED -> 5, FAILED/TIMEOUT/NODE_FAIL/OUT_OF_MEMORY -> 0; anything
else is an error. A job that never started has wait and run time -1.
"""
import argparse
import csv
import datetime
import sys

STATUS = {"COMPLETED": 1, "CANCELLED": 5, "FAILED": 0, "TIMEOUT": 0, "NODE_FAIL": 0,
          "OUT_OF_MEMORY": 0}


def seconds(text, where):
    text = text.strip()
    if text == "" or text.upper() in ("NAN", "NONE", "NULL"):
        return None
    try:
        return float(text)
    except ValueError:
        pass
    try:
        t = datetime.datetime.fromisoformat(text)
    except ValueError:
        sys.exit(f"{where}: '{text}' is neither Unix seconds nor an ISO 8601 time")
    if t.tzinfo is None:
        t = t.replace(tzinfo=datetime.timezone.utc)
    return t.timestamp()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("csv")
    p.add_argument("-o", "--output", required=True, help="SWF file to write")
    p.add_argument("--computer", default="GPU cluster", help="header 'Computer'")
    p.add_argument("--max-nodes", type=int, default=-1, help="header 'MaxNodes'")
    p.add_argument("--max-gpus", type=int, default=-1, help="header 'MaxProcs'")
    for name, default in (("id", "job_id"), ("submit", "submit_time"), ("start", "start_time"),
                          ("end", "end_time"), ("gpus", "gpu_num"), ("state", "state"),
                          ("user", "user"), ("walltime", "")):
        p.add_argument(f"--col-{name}", default=default, help=f"column of the {name} (default "
                       f"'{default}'{'; empty: none' if name in ('user', 'walltime') else ''})")
    a = p.parse_args()

    with open(a.csv, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit(f"{a.csv}: no rows")
    for col in (a.col_id, a.col_submit, a.col_start, a.col_end, a.col_gpus, a.col_state):
        if col not in rows[0]:
            sys.exit(f"{a.csv}: no column '{col}' (columns: {', '.join(rows[0])})")
    jobs, users = [], {}
    for line, r in enumerate(rows, start=2):
        where = f"{a.csv}:{line}"
        state = r[a.col_state].strip().upper()
        if state not in STATUS:
            sys.exit(f"{where}: state '{r[a.col_state]}' is not one of {', '.join(STATUS)}")
        submit = seconds(r[a.col_submit], where)
        if submit is None:
            sys.exit(f"{where}: no submit time")
        start, end = seconds(r[a.col_start], where), seconds(r[a.col_end], where)
        gpus = int(float(r[a.col_gpus]))
        user = r.get(a.col_user, "").strip() if a.col_user else ""
        uid = users.setdefault(user, len(users) + 1) if user else -1
        wall = float(r[a.col_walltime]) if a.col_walltime and r[a.col_walltime].strip() else -1
        jobs.append((submit, r[a.col_id], start, end, gpus, STATUS[state], uid, wall))
    jobs.sort(key=lambda j: (j[0], j[1]))
    t0 = jobs[0][0]
    with open(a.output, "w") as out:
        out.write("; Version: 2.2\n")
        out.write(f"; Computer: {a.computer}\n")
        out.write(f"; Conversion: tools/csv_to_swf.py from {a.csv}\n")
        out.write(f"; MaxJobs: {len(jobs)}\n; MaxRecords: {len(jobs)}\n")
        out.write(f"; UnixStartTime: {int(t0)}\n")
        if a.max_nodes > 0:
            out.write(f"; MaxNodes: {a.max_nodes}\n")
        if a.max_gpus > 0:
            out.write(f"; MaxProcs: {a.max_gpus}\n")
        out.write("; Note: processors are GPUs; original job ids in submit order\n")
        for n, (submit, _, start, end, gpus, status, uid, wall) in enumerate(jobs, start=1):
            ran = start is not None and end is not None and end >= start
            wait = round(start - submit) if ran else -1
            run = round(end - start) if ran else -1
            f = [n, round(submit - t0), wait, run, gpus, -1, -1, gpus, round(wall) if wall >= 0
                 else -1, -1, status, uid, -1, -1, -1, -1, -1, -1]
            out.write(" ".join(str(x) for x in f) + "\n")


if __name__ == "__main__":
    main()
