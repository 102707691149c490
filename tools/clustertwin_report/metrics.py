"""Names, units, groups and human formatting of the /summary (and /ensemble) figures.

Every known figure has a label, a display unit, the factor from the stored SI value to that
unit, and the group it is listed under in the report. Names the table does not know are
described from their suffix (``_j`` energy, ``_w`` power, ``_s`` time, ...), so a figure added
to the simulator later still shows with a sensible unit.
"""
import math

GROUPS = ["Run", "Training", "Energy and power", "Carbon, cost and water", "Thermal",
          "Accelerator time by category", "Accelerator energy by category",
          "Failures by component class", "Other"]

# name -> (label, display unit, factor from the stored SI value, group)
SUMMARY_FIGURES = {
    "simulated_s": ("simulated time", "h", 1 / 3600, "Run"),
    "accelerators": ("accelerators", "", 1, "Run"),
    "ettr": ("effective training time ratio (ETTR)", "%", 100, "Training"),
    "training_time_fraction": ("time in training steps", "%", 100, "Training"),
    "iterations": ("iterations", "", 1, "Training"),
    "tokens": ("tokens", "", 1, "Training"),
    "joules_per_token": ("facility energy per token", "J", 1, "Training"),
    "interruptions": ("job interruptions", "", 1, "Training"),
    "interruptions_unplanned": ("unplanned interruptions", "", 1, "Training"),
    "failures": ("component failures", "", 1, "Training"),
    "mtbf_observed_s": ("observed MTBF (unplanned)", "h", 1 / 3600, "Training"),
    "thermal_trips": ("thermal trips", "", 1, "Thermal"),
    "energy_it_j": ("IT energy", "MWh", 1 / 3.6e9, "Energy and power"),
    "energy_cooling_j": ("cooling energy", "MWh", 1 / 3.6e9, "Energy and power"),
    "energy_facility_j": ("facility energy", "MWh", 1 / 3.6e9, "Energy and power"),
    "pue_mean": ("PUE (energy-weighted)", "", 1, "Energy and power"),
    "peak_demand_w": ("peak facility power", "MW", 1e-6, "Energy and power"),
    "largest_swing_w": ("largest power swing (window)", "MW", 1e-6, "Energy and power"),
    "largest_step_w": ("largest tick-to-tick power step", "MW", 1e-6, "Energy and power"),
    "largest_ramp_w_per_s": ("largest power ramp", "MW/s", 1e-6, "Energy and power"),
    "cap_exceedance_w": ("largest excess over the power cap", "MW", 1e-6, "Energy and power"),
    "heat_removed_j": ("heat removed from IT", "MWh", 1 / 3.6e9, "Energy and power"),
    "heat_rejected_j": ("heat rejected outdoors", "MWh", 1 / 3.6e9, "Energy and power"),
    "carbon_kg": ("carbon emissions", "t CO₂", 1e-3, "Carbon, cost and water"),
    "cost_usd": ("electricity cost", "USD", 1, "Carbon, cost and water"),
    "water_l": ("water", "m³", 1e-3, "Carbon, cost and water"),
    "wue_l_per_kwh": ("WUE (water per IT kWh)", "L/kWh", 1, "Carbon, cost and water"),
    "throttled_fraction": ("clock-throttled share", "%", 100, "Thermal"),
    "max_junction_temperature_c": ("hottest junction", "°C", 1, "Thermal"),
    "iteration_swing_k_mean": ("junction swing within an iteration (mean)", "K", 1, "Thermal"),
    "large_cycles": ("large thermal cycles", "", 1, "Thermal"),
    "large_cycle_swing_k_mean": ("large cycle swing (mean)", "K", 1, "Thermal"),
    "replicas": ("replicas", "", 1, "Run"),
}

# suffix -> (display unit, factor); longest suffixes first
_SUFFIX_UNITS = [
    ("_w_per_s", "MW/s", 1e-6), ("_l_per_kwh", "L/kWh", 1), ("_g_per_kwh", "g/kWh", 1),
    ("_j", "MWh", 1 / 3.6e9), ("_w", "MW", 1e-6), ("_s", "h", 1 / 3600), ("_kg", "t", 1e-3),
    ("_l", "m³", 1e-3), ("_c", "°C", 1), ("_k", "K", 1), ("_usd", "USD", 1),
    ("_fraction", "%", 100), ("_ratio", "", 1),
]


def base_name(name):
    """``ettr_mean`` -> ``ettr`` (an ensemble figure's summary name), else ``name``."""
    for suffix in ("_mean", "_ci95"):
        if name.endswith(suffix) and is_summary_name(name[: -len(suffix)]):
            return name[: -len(suffix)]
    return name


def describe(name):
    """(label, unit, factor) for a summary attribute name (also *_mean / *_ci95)."""
    label, unit, factor, _ = describe_full(name)
    return label, unit, factor


def describe_full(name):
    """(label, unit, factor, group) for a summary attribute name (also *_mean / *_ci95)."""
    base = base_name(name)
    if base in SUMMARY_FIGURES:
        return SUMMARY_FIGURES[base]
    if base.startswith("accelerator_s_"):
        return (base[len("accelerator_s_"):].replace("_", " "), "accelerator-h", 1 / 3600,
                "Accelerator time by category")
    if base.startswith("energy_j_"):
        return (base[len("energy_j_"):].replace("_", " "), "MWh", 1 / 3.6e9,
                "Accelerator energy by category")
    if base.startswith("failures_"):
        return (base[len("failures_"):].replace("_", " "), "", 1, "Failures by component class")
    for suffix, unit, factor in _SUFFIX_UNITS:
        if base.endswith(suffix):
            return (base[: -len(suffix)].replace("_", " "), unit, factor, "Other")
    return (base.replace("_", " "), "", 1, "Other")


def is_summary_name(name):
    """True if ``name`` is a summary figure (known, or of a known family) or an ensemble one."""
    if name in SUMMARY_FIGURES or name.startswith(("accelerator_s_", "energy_j_", "failures_")):
        return True
    for suffix in ("_mean", "_ci95"):
        if name.endswith(suffix) and is_summary_name(name[: -len(suffix)]):
            return True
    return False


def fmt_number(v, unit=""):
    """A number for a table cell: thousands separators, 4 significant digits, the unit."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, float) and math.isnan(v):
        return "–"
    if isinstance(v, float) and math.isinf(v):
        return "∞" if v > 0 else "−∞"
    a = abs(v)
    if unit == "%":
        s = f"{v:.2f}"
    elif float(v).is_integer() and a < 1e15:
        s = f"{int(v):,}"
    elif a >= 1e5:
        s = f"{v:,.0f}"
    elif a >= 100:
        s = f"{v:,.1f}"
    elif a >= 1e-3 or a == 0:
        s = f"{v:.4g}"
    else:
        s = f"{v:.3e}"
    if not unit:
        return s
    return f"{s} %" if unit == "%" else f"{s} {unit}"


def display(name, value):
    """(label, formatted value in display units) for one summary attribute."""
    label, unit, factor = describe(name)
    if name == "cap_exceedance_w" and isinstance(value, float) and value == -math.inf:
        return label, "no cap in force"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        v = value if (isinstance(value, int) and factor == 1) else value * factor
        return label, fmt_number(v, unit)
    return label, str(value)


def grouped(summary):
    """[(group, [(label, formatted value, attribute name)])] in GROUPS order; failure classes
    with no failures are folded into one row; accelerator time shows each category's share."""
    groups = {g: [] for g in GROUPS}
    zero_failures = []
    acc_total = sum(float(v) for k, v in summary.items() if k.startswith("accelerator_s_")
                    and isinstance(v, (int, float)))
    for k, v in summary.items():
        group = describe_full(k)[3]
        if group == "Failures by component class" and isinstance(v, (int, float)) and v == 0:
            zero_failures.append(k[len("failures_"):])
            continue
        label, shown = display(k, v)
        if k.startswith("accelerator_s_") and acc_total > 0 and isinstance(v, (int, float)):
            shown += f" ({100 * float(v) / acc_total:.1f} %)"
        groups[group].append((label, shown, k))
    if zero_failures:
        groups["Failures by component class"].append(
            ("no failures", ", ".join(z.replace("_", " ") for z in zero_failures),
             "failures_*"))
    return [(g, rows) for g, rows in groups.items() if rows]
