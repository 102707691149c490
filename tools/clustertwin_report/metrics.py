"""Names, units and human formatting of the /summary (and /ensemble) figures."""
import math

# name -> (label, display unit, factor from stored SI value to display unit)
SUMMARY_FIGURES = {
    "simulated_s": ("simulated time", "h", 1 / 3600),
    "accelerators": ("accelerators", "", 1),
    "energy_it_j": ("IT energy", "MWh", 1 / 3.6e9),
    "energy_facility_j": ("facility energy", "MWh", 1 / 3.6e9),
    "pue_mean": ("mean PUE", "", 1),
    "water_l": ("water", "m³", 1e-3),
    "carbon_kg": ("carbon", "t CO₂", 1e-3),
    "cost_usd": ("electricity cost", "USD", 1),
    "interruptions": ("interruptions", "", 1),
    "interruptions_unplanned": ("unplanned interruptions", "", 1),
    "mtbf_observed_s": ("observed MTBF", "h", 1 / 3600),
    "ettr": ("effective training time ratio (ETTR)", "%", 100),
    "iterations": ("iterations", "", 1),
    "tokens": ("tokens", "", 1),
    "joules_per_token": ("energy per token", "J/token", 1),
    "throttled_fraction": ("throttled fraction", "%", 100),
    "peak_power_w": ("peak facility power", "MW", 1e-6),
    "max_swing_w": ("largest power swing", "MW", 1e-6),
}


def describe(name):
    """(label, unit, factor) for a summary attribute name (also *_mean / *_ci95)."""
    base = name
    for suffix in ("_mean", "_ci95"):
        if name.endswith(suffix) and is_summary_name(name[: -len(suffix)]):
            base = name[: -len(suffix)]
    if base in SUMMARY_FIGURES:
        return SUMMARY_FIGURES[base]
    if base.startswith("accelerator_s_"):
        return (f"accelerator-time: {base[len('accelerator_s_'):].replace('_', ' ')}",
                "accelerator-h", 1 / 3600)
    if base.startswith("accelerator_j_") or base.startswith("energy_") and base.endswith("_j"):
        return (base.replace("_", " "), "MWh", 1 / 3.6e9)
    if base.endswith("_s"):
        return (base[:-2].replace("_", " "), "s", 1)
    return (base.replace("_", " "), "", 1)


def is_summary_name(name):
    """True if ``name`` looks like a summary figure rather than a swept key path."""
    if name in SUMMARY_FIGURES or name.startswith("accelerator_s_"):
        return True
    for suffix in ("_mean", "_ci95"):
        if name.endswith(suffix) and is_summary_name(name[: -len(suffix)]):
            return True
    return False


def fmt_number(v, unit=""):
    if isinstance(v, bool):
        return str(v)
    if not isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    a = abs(v)
    if unit == "%":
        s = f"{v:.2f}"
    elif isinstance(v, int) or (float(v).is_integer() and a < 1e15):
        s = f"{int(v):,}" if a < 1e9 else f"{v:.4g}"
    elif a >= 1e6 or (a < 1e-3 and a > 0):
        s = f"{v:.4g}"
    elif a >= 100:
        s = f"{v:,.1f}"
    else:
        s = f"{v:.4g}"
    return f"{s} {unit}".strip() if unit != "%" else f"{s} %"


def display(name, value):
    """(label, formatted value in display units) for one summary attribute."""
    label, unit, factor = describe(name)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        v = value * factor
        if isinstance(value, int) and factor == 1:
            v = value
        return label, fmt_number(v, unit)
    return label, str(value)
