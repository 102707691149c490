"""Reading clustertwin HDF5 output (see docs/output.md) into plain numpy arrays.

Everything optional in the layout is optional here too: a missing group or
dataset reads as ``None`` / an empty dict, and the figure that needs it is
skipped.  Code-to-name mappings (job states, event kinds, component classes)
come from the ``flag_values`` / ``flag_meanings`` attributes, never from a table
in this file.
"""
import json
import re

import h5py
import numpy as np

CATEGORY_ORDER = ["compute", "pipeline_bubble", "exposed_comm", "straggler_wait",
                  "checkpoint", "recovery", "waiting", "lost", "serving_prefill",
                  "serving_decode", "serving_idle", "unallocated"]

_UNIT_SECONDS = {"s": 1.0, "sec": 1.0, "second": 1.0, "seconds": 1.0,
                 "min": 60.0, "minute": 60.0, "minutes": 60.0,
                 "h": 3600.0, "hr": 3600.0, "hour": 3600.0, "hours": 3600.0,
                 "d": 86400.0, "day": 86400.0, "days": 86400.0}


class InputError(Exception):
    """The input file is missing, unreadable or not a clustertwin output."""


def as_text(value):
    """Attribute value -> str (h5py gives str, bytes or 0-d/1-element arrays)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        if value.size == 1:
            return as_text(value.reshape(-1)[0])
        return " ".join(as_text(v) for v in value.reshape(-1))
    return str(value)


def as_scalar(value):
    """Attribute value -> Python scalar (float/int/str)."""
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(-1)[0]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.generic):
        return value.item()
    return value


def parse_time_units(units):
    """'seconds since 2026-07-01T00:00:00Z' -> (factor to seconds, numpy datetime64[ns] or None)."""
    if not units:
        return 1.0, None
    m = re.match(r"^\s*([A-Za-z]+)\s+since\s+(.+?)\s*$", units)
    if not m:
        return _UNIT_SECONDS.get(units.strip().lower(), 1.0), None
    factor = _UNIT_SECONDS.get(m.group(1).lower(), 1.0)
    try:
        import pandas as pd
        ts = pd.Timestamp(m.group(2).strip())
        if ts.tzinfo is not None:
            ts = ts.tz_convert("UTC").tz_localize(None)
        return factor, np.datetime64(ts.to_datetime64(), "ns")
    except Exception:  # noqa: BLE001 - an unparsable start only loses the dates
        try:
            return factor, np.datetime64(m.group(2).strip().rstrip("Zz"), "ns")
        except Exception:  # noqa: BLE001
            return factor, None


def flag_map(ds):
    """{code: name} from a dataset's flag_values/flag_meanings attributes (or {})."""
    if ds is None or "flag_meanings" not in ds.attrs:
        return {}
    names = as_text(ds.attrs["flag_meanings"]).split()
    if "flag_values" in ds.attrs:
        values = np.atleast_1d(ds.attrs["flag_values"]).tolist()
    else:
        values = list(range(len(names)))
    return {int(v): n for v, n in zip(values, names)}


def attrs_dict(obj):
    return {k: as_scalar(v) for k, v in obj.attrs.items()}


class Run:
    """One clustertwin output file.  Keeps the h5py file open for lazy 2-D reads."""

    def __init__(self, path):
        self.path = str(path)
        try:
            self.f = h5py.File(self.path, "r")
        except FileNotFoundError as exc:
            raise InputError(f"{self.path}: no such file") from exc
        except OSError as exc:
            raise InputError(f"{self.path}: cannot read as HDF5 ({exc})") from exc
        try:
            self._load()
        except InputError:
            self.f.close()
            raise
        except Exception as exc:  # noqa: BLE001 - any structural surprise is bad input
            self.f.close()
            raise InputError(f"{self.path}: not a readable clustertwin output ({exc})") from exc

    # -- context manager --
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.f.close()
        except Exception:  # noqa: BLE001
            pass

    # -- helpers --
    def dataset(self, path):
        obj = self.f.get(path)
        return obj if isinstance(obj, h5py.Dataset) else None

    def group(self, path):
        obj = self.f.get(path)
        return obj if isinstance(obj, h5py.Group) else None

    def read(self, path):
        ds = self.dataset(path)
        if ds is None:
            return None
        return np.asarray(ds[()])

    def units(self, path, default=""):
        ds = self.dataset(path)
        if ds is None or "units" not in ds.attrs:
            return default
        return as_text(ds.attrs["units"])

    def _series_group(self, name):
        """{dataset name: 1-D array of length ntime} for a group of time series."""
        g = self.group(name)
        out = {}
        if g is None:
            return out
        for key, obj in g.items():
            if isinstance(obj, h5py.Dataset) and obj.ndim == 1 and obj.shape[0] == self.ntime:
                out[key] = np.asarray(obj[()], dtype=np.float64)
        return out

    def _load(self):
        f = self.f
        self.attrs = attrs_dict(f)
        tds = self.dataset("time")
        if tds is None:
            raise InputError(f"{self.path}: no /time dataset; not a clustertwin output file")
        t = np.asarray(tds[()], dtype=np.float64).reshape(-1)
        factor, start = parse_time_units(as_text(tds.attrs.get("units", "")))
        self.t = t * factor                     # seconds since start
        self.start = start                      # datetime64[ns] or None
        self.ntime = self.t.size
        self.name = as_text(self.attrs.get("name", "")) or _name_from_scenario(
            as_text(self.attrs.get("scenario", ""))) or self.path
        self.facility = self._series_group("facility")
        self.facility_units = {k: self.units("facility/" + k) for k in self.facility}
        acc = self._series_group("accelerator_time")
        self.acc_time = {c: acc[c] for c in _ordered(acc)}
        en = self._series_group("accelerator_energy")
        self.acc_energy = {c: en[c] for c in _ordered(en)}
        self.jobs = {}
        jg = self.group("jobs")
        if jg is not None:
            for job, obj in jg.items():
                if not isinstance(obj, h5py.Group):
                    continue
                entry = {}
                for key in ("state", "iterations", "step_time_s", "tokens",
                            "slowest_clock_ratio"):
                    ds = obj.get(key)
                    if isinstance(ds, h5py.Dataset) and ds.ndim == 1 and ds.shape[0] == self.ntime:
                        entry[key] = np.asarray(ds[()])
                        if key == "state":
                            entry["state_names"] = flag_map(ds)
                self.jobs[job] = entry
        self.summary = attrs_dict(self.group("summary")) if self.group("summary") else {}
        self.ensemble = attrs_dict(self.group("ensemble")) if self.group("ensemble") else {}
        sp = self.attrs.get("sweep_parameters")
        self.sweep_parameters = {}
        if sp is not None:
            try:
                self.sweep_parameters = json.loads(as_text(sp))
            except ValueError:
                self.sweep_parameters = {}
        self.events = self._load_events()
        self.building_names = _text_list(self.attrs.get("building_names"))
        self.scenario = _parse_scenario(as_text(self.attrs.get("scenario", "")))
        # interval starts: time_bnds where present, else the previous sample (the first
        # interval as long as the second)
        tb = self.dataset("time_bnds")
        if tb is not None and tb.shape == (self.ntime, 2):
            self.t_start = np.asarray(tb[:, 0], dtype=np.float64) * factor
        else:
            self.t_start = self.t - self.interval_lengths()

    def _load_events(self):
        g = self.group("events")
        if g is None or self.dataset("events/time") is None or self.dataset("events/kind") is None:
            return None
        ev = {}
        tds = g["time"]
        t = np.asarray(tds[()], dtype=np.float64).reshape(-1)
        factor, start = parse_time_units(as_text(tds.attrs.get("units", "")))
        t = t * factor
        if start is not None and self.start is not None and start != self.start:
            t = t + (start - self.start) / np.timedelta64(1, "s")
        ev["time"] = t
        n = t.size
        for key in ("kind", "component_class", "component_id", "rack", "job", "lost_accelerator_s"):
            ds = g.get(key)
            if isinstance(ds, h5py.Dataset) and ds.shape[0] == n:
                ev[key] = np.asarray(ds[()])
        ev["kind_names"] = flag_map(g["kind"])
        ev["class_names"] = flag_map(g.get("component_class"))
        ev["job_names"] = flag_map(g.get("job")) or dict(enumerate(self.jobs))
        return ev

    # -- derived --
    def interval_lengths(self):
        """Length of each output interval in seconds (samples are interval ends)."""
        t = self.t
        if t.size == 0:
            return t
        dt = np.empty_like(t)
        dt[1:] = np.diff(t)
        dt[0] = t[0] if t[0] > 0 else (dt[1] if t.size > 1 else 1.0)
        dt[dt <= 0] = np.nan
        return dt

    def dates(self, seconds=None):
        """datetime64 array for ``seconds`` since start, or None if the start is unknown."""
        if self.start is None:
            return None
        s = self.t if seconds is None else np.asarray(seconds, dtype=np.float64)
        return self.start + np.round(s * 1e9).astype("timedelta64[ns]")

    def rack_layout(self):
        """(building index, hall index, labels) per rack, or None when the file has no racks.

        Labels name each hall as "<building name> · hall k" with k counted inside its building
        (1-based); buildings without a stored name are "building <index>"."""
        b = self.read("racks/building")
        h = self.read("racks/hall")
        if b is None or h is None or b.size != h.size:
            return None
        b = b.astype(np.int64)
        h = h.astype(np.int64)
        names = {}
        for bi in np.unique(b):
            names[int(bi)] = (self.building_names[bi] if 0 <= bi < len(self.building_names)
                              else f"building {bi}")
        first_hall = {int(bi): int(h[b == bi].min()) for bi in np.unique(b)}
        labels = [f"{names[int(bi)]} · hall {int(hi) - first_hall[int(bi)] + 1}"
                  for bi, hi in zip(b, h)]
        return b, h, labels, names

    def display_bins(self, max_bins):
        """Bins for plotting long runs: (start indices, bin width in seconds or None).

        Runs with at most ``max_bins`` samples are not binned. Longer runs are grouped into
        bins of a round duration (5 min, 15 min, 1 h, 3 h, 6 h, 12 h, 1 day, 1 week), the
        shortest that leaves at most ``max_bins`` bins, aligned to UTC clock boundaries."""
        n = self.ntime
        if n <= max_bins:
            return np.arange(n), None
        dt = float(np.nanmedian(self.t - self.t_start)) if n else 1.0
        span = self.t[-1] - self.t_start[0]
        origin = 0.0
        if self.start is not None:
            origin = (self.start - np.datetime64("1970-01-01T00:00:00", "ns")) / np.timedelta64(1, "s")
        for width in (300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 7 * 86400):
            if width <= dt or span / width > max_bins:
                continue
            ids = np.floor((origin + self.t_start + 1e-6 * dt) / width)
            return np.flatnonzero(np.r_[True, np.diff(ids) != 0]), float(width)
        return bin_edges(n, max_bins), None

    def bin_time_edges(self, edges):
        """Time edges (seconds since start) of the bins starting at ``edges``: len + 1."""
        ends = np.append(edges[1:], self.ntime) - 1
        return np.concatenate([[self.t_start[edges[0]]], self.t[ends]])

    def time_span_text(self):
        if self.ntime == 0:
            return "no samples"
        dur = self.t[-1] - (self.t[0] - self.interval_lengths()[0])
        d = self.dates(np.array([self.t[0] - self.interval_lengths()[0], self.t[-1]]))
        span = f"{human_duration(dur)} ({self.ntime} samples)"
        if d is not None:
            fmt = lambda x: np.datetime_as_string(x, unit="s").replace("T", " ")  # noqa: E731
            span = f"{fmt(d[0])} – {fmt(d[1])} UTC, " + span
        return span


def _text_list(value):
    """A string attribute or a list of them -> list of str (None -> [])."""
    if value is None:
        return []
    if isinstance(value, np.ndarray):
        return [as_text(v) for v in value.reshape(-1)]
    if isinstance(value, (list, tuple)):
        return [as_text(v) for v in value]
    return [as_text(value)]


def _parse_scenario(text):
    """The resolved scenario (YAML) as a dict, or {} when it cannot be parsed."""
    if not text:
        return {}
    try:
        import yaml
        doc = yaml.safe_load(text)
        return doc if isinstance(doc, dict) else {}
    except Exception:  # noqa: BLE001 - the report works without it (fewer figures)
        return {}


def _ordered(d):
    known = [c for c in CATEGORY_ORDER if c in d]
    return known + sorted(c for c in d if c not in CATEGORY_ORDER)


def _name_from_scenario(text):
    m = re.search(r"^name:\s*(.+?)\s*$", text or "", re.M)
    return m.group(1).strip("'\"") if m else ""


def human_duration(seconds):
    """3600 -> "1 h", 5400 -> "1.5 h", 900 -> "15 min", 2.5 days -> "2.5 days"."""
    s = float(seconds)
    if not np.isfinite(s):
        return str(s)
    for unit_s, unit, threshold in ((86400, "days", 2 * 86400), (3600, "h", 2 * 3600 - 1),
                                    (60, "min", 120)):
        if s >= threshold or (s >= unit_s and s % unit_s == 0):
            v = s / unit_s
            text = f"{v:g}" if v == round(v, 1) and abs(v - round(v)) < 1e-9 else f"{v:.1f}"
            if unit == "days" and text == "1":
                unit = "day"
            return f"{text} {unit}"
    return f"{s:.0f} s"


# ---------------------------------------------------------------- decimation

def bin_edges(n, max_bins):
    """Start indices of at most ``max_bins`` contiguous bins covering range(n)."""
    if n <= max_bins:
        return np.arange(n)
    return np.unique(np.linspace(0, n, max_bins + 1).astype(np.int64)[:-1])


def binned(values, edges, how="mean"):
    """Reduce ``values`` (1-D or 2-D along axis 0) over the bins starting at ``edges``.

    NaNs are ignored; a bin of NaNs gives NaN.
    """
    v = np.asarray(values, dtype=np.float64)
    if edges.size == v.shape[0]:
        return v.copy()
    finite = np.isfinite(v)
    if how == "sum":
        return np.add.reduceat(np.where(finite, v, 0.0), edges, axis=0)
    if how == "mean":
        s = np.add.reduceat(np.where(finite, v, 0.0), edges, axis=0)
        c = np.add.reduceat(finite.astype(np.float64), edges, axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(c > 0, s / np.where(c > 0, c, 1), np.nan)
    if how == "max":
        return np.fmax.reduceat(v, edges, axis=0)
    if how == "min":
        return np.fmin.reduceat(v, edges, axis=0)
    if how == "last":
        ends = np.append(edges[1:], v.shape[0]) - 1
        return v[ends]
    raise ValueError(how)
