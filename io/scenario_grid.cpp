// The scenario's `grid:` section (capacity, price and carbon signals, demand response,
// providers' CSV exports) and `storage:` (a battery between the facility and the grid).
#include <cmath>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/input_file.hpp"
#include "io/scenario_sections.hpp"

namespace ct::io::sections {

// "HH:MM" → seconds since midnight.
double parse_clock(Binder& b, const std::string& key, const std::string& text) {
  int h = -1, m = -1;
  char colon = 0;
  std::istringstream in(text);
  in >> h >> colon >> m;
  if (!in || colon != ':' || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) || !in.eof())
    b.fail(key, "'" + text + "' is not a time of day HH:MM (00:00 to 24:00)");
  return h * 3600.0 + m * 60.0;
}

void bind_signal(Binder& b, SignalSpec& sig, const std::string& units, double lo, double hi,
                 double default_mean, const std::string& scenario_path,
                 const std::vector<std::string>& presets) {
  const bool carbon = units == "g_per_kwh";
  // The provider format of this signal (docs/signals.md).
  const std::string provider = carbon ? "electricitymaps_csv" : "price_csv";
  std::string source;
  const std::size_t kind = b.choice(
      "source", source, {"constant", "daily", "csv", "preset", provider}, std::string("constant"),
      carbon ? "the signal: constant, a daily sinusoid, an hourly CSV file, a regional preset, or "
               "an Electricity Maps hourly export"
             : "the signal: constant, a daily sinusoid, an hourly CSV file, a regional preset, or "
               "a market price file with a `Price (CUR/MWh)` column");
  std::string preset;
  if (!presets.empty()) {
    b.choice("preset", preset, presets, presets.front(),
             "regional carbon-intensity preset (table below). Used with `source: preset`");
  }
  const power::DailyShape* p = presets.empty() ? nullptr : power::carbon_catalogue().find(preset);
  if (kind == 3 && !p) b.fail("source", "'preset' is only available for carbon");
  sig.shape = kind == 3 ? *p : power::DailyShape{default_mean, 0.0, 12.0};
  sig.source = kind == 0   ? SignalSpec::Source::constant
               : kind == 2 ? SignalSpec::Source::csv
               : kind == 4 ? (carbon ? SignalSpec::Source::electricitymaps_csv
                                     : SignalSpec::Source::price_csv)
                           : SignalSpec::Source::daily;
  b.real("mean_" + units, sig.shape.mean, Range{lo, hi}, sig.shape.mean,
         "mean of the signal (constant and daily)");
  b.real("amplitude_" + units, sig.shape.amplitude, closed(0.0, hi), sig.shape.amplitude,
         "amplitude of the daily sinusoid");
  b.real("peak_hour_utc", sig.shape.peak_hour_utc, Range{0.0, 24.0, false, true},
         sig.shape.peak_hour_utc, "hour of the daily maximum, UTC");
  b.text(
      "csv_file", sig.csv_path, std::string(),
      "hourly CSV of the signal (source: csv or " + provider + "), relative to the file naming it");
  resolve_input_path(b, "csv_file", sig.csv_path, scenario_path);
  if (sig.source == SignalSpec::Source::csv) {
    if (sig.csv_path.empty()) b.fail("csv_file", "required when source is csv");
    check_csv(b, sig.csv_path);
    try {
      (void)(carbon ? power::load_carbon_csv(sig.csv_path) : power::load_price_csv(sig.csv_path));
    } catch (const std::exception& e) {
      b.fail("csv_file", std::string("bad file: ") + e.what());
    }
  }

  // Keys of the provider format, recorded only when given or used: other scenarios resolve (and
  // are stored) as before.
  const bool from_provider = kind == 4;
  auto provider_key = [&](const std::string& key, bool given) {
    if (!from_provider && !given) b.forget(key);
  };
  bool given = b.has("zone");
  b.text("zone", sig.zone, std::string(),
         "source: " + provider + ": keep the rows of this zone (`Zone id`" +
             (carbon ? "" : ", or `ISO3 Code`") + ", e.g. `DE`); empty: the file holds one zone");
  provider_key("zone", given);
  given = b.has("label");
  std::string label;
  sig.label = static_cast<power::TimeLabel>(b.choice(
      "label", label, {"interval_start", "interval_end", "instant"}, std::string("interval_start"),
      "source: " + provider +
          ": what a row's timestamp labels. interval_start: the mean over the interval "
          "starting there (the providers' hourly files); interval_end: ending there; "
          "instant: a reading, interpolated linearly"));
  provider_key("label", given);
  if (carbon) {
    given = b.has("basis");
    std::string basis;
    sig.basis =
        b.choice("basis", basis, {"direct", "lifecycle"},
                 from_provider ? std::nullopt : std::optional<std::string>("lifecycle"),
                 "source: electricitymaps_csv: the accounting basis. direct: combustion at the "
                 "plants (GHG Protocol scope 2); lifecycle: adds upstream emissions. Figures of "
                 "the two are not comparable") == 0
            ? power::CarbonAccounting::direct
            : power::CarbonAccounting::lifecycle;
    b.document_default("basis", "required with `source: electricitymaps_csv`");
    provider_key("basis", given);
  } else {
    b.optional_real("usd_per_unit", sig.usd_per_unit, Range{0.0, 1000.0, true, false},
                    "source: price_csv: US dollars per unit of the file's currency (prices are "
                    "multiplied into USD/MWh). Required unless the file's currency is USD");
    b.document_default("usd_per_unit", "1 for a USD file, else required");
  }
  if (!from_provider) return;
  if (sig.csv_path.empty()) b.fail("csv_file", "required when source is " + provider);
  check_csv(b, sig.csv_path);
  const power::GridDataOptions options{sig.zone, sig.label};
  if (carbon) {
    power::CarbonIntensityData data;
    try {
      data = power::load_carbon_intensity_csv(sig.csv_path, options);
    } catch (const std::exception& e) {
      b.fail("csv_file", std::string("bad carbon intensity file: ") + e.what());
    }
    try {
      (void)power::carbon_series(data, sig.basis, sig.csv_path);
    } catch (const std::exception& e) {
      b.fail("basis", e.what());
    }
  } else {
    std::string currency;
    try {
      currency = power::load_price_csv_export(sig.csv_path, options).currency;
    } catch (const std::exception& e) {
      b.fail("csv_file", std::string("bad price file: ") + e.what());
    }
    if (currency != "USD" && !b.has("usd_per_unit"))
      b.fail("usd_per_unit", "required: " + sig.csv_path + " gives prices in " + currency +
                                 "/MWh; give the US dollars of one " + currency +
                                 " (allowed: > 0)");
  }
}

void bind_grid(Binder& b, GridSpec& g, const std::string& scenario_path) {
  power::GridPolicy& p = g.policy;
  double capacity_w = 0.0;
  b.real("site_capacity_w", capacity_w, non_negative(), 0.0,
         "grid connection capacity of the site (0: unlimited)");
  p.site_capacity_w = capacity_w > 0 ? capacity_w : std::numeric_limits<double>::infinity();
  std::string policy;
  p.kind = static_cast<power::PolicyKind>(
      b.choice("policy", policy, {"none", "carbon_aware", "power_smoothing"}, std::string("none"),
               "grid policy: carbon-aware capping, or power smoothing during stalls"));
  double threshold = 0.0;
  b.real("carbon_threshold_g_per_kwh", threshold, non_negative(), 0.0,
         "`carbon_aware`: cap while carbon intensity is above this. Required (> 0) for "
         "`carbon_aware`");
  p.carbon_threshold_g_per_kwh =
      threshold > 0 ? threshold : std::numeric_limits<double>::infinity();
  keep(b, "carbon_cap_fraction", p.carbon_cap_fraction, Range{0.0, 1.0, true, false},
       "`carbon_aware`: cap = this × `site_capacity_w`");
  b.real("smoothing_floor_fraction", p.smoothing_floor_fraction, unit_interval(), 0.8,
         "`power_smoothing`: stalled accelerators keep this share of their running activity");
  if (p.kind == power::PolicyKind::carbon_aware && !std::isfinite(p.site_capacity_w))
    b.fail("policy", "carbon_aware capping needs grid.site_capacity_w");
  if (p.kind == power::PolicyKind::carbon_aware && !std::isfinite(p.carbon_threshold_g_per_kwh))
    b.fail("policy", "carbon_aware capping needs grid.carbon_threshold_g_per_kwh");
  keep(b, "swing_window_s", g.swing_window_s, positive(),
       "window of the \"largest swing\" summary figure");
  // Daily demand-response windows are usually contracted in the site's local time.
  double utc_offset_h = 0.0;
  b.real("utc_offset_h", utc_offset_h, closed(-14.0, 14.0), 0.0,
         "local standard time − UTC (h) of the daily demand-response start/end times "
         "(0: they are UTC)");
  std::string dst;
  const std::size_t dst_rule =
      b.choice("daylight_saving", dst, {"none", "us", "eu"}, std::string("none"),
               "daylight saving of that local clock: us (second Sunday of March to first Sunday "
               "of November, 02:00 local), eu (last Sunday of March to last Sunday of October, "
               "01:00 UTC); the daily windows then come an hour earlier in UTC");
  p.daylight_saving = dst_rule == 0   ? power::DaylightSaving::none
                      : dst_rule == 1 ? power::DaylightSaving::us
                                      : power::DaylightSaving::eu;
  p.utc_offset_h = utc_offset_h;
  const std::vector<std::string> presets = power::carbon_catalogue().names();
  b.section(
      "carbon",
      [&](Binder& c) {
        bind_signal(c, g.carbon, "g_per_kwh", 0.0, 3000.0, 400.0, scenario_path, presets);
      },
      false, "carbon intensity signal, gCO2/kWh");
  b.section(
      "price",
      [&](Binder& c) {
        bind_signal(c, g.price, "usd_per_mwh", -10000.0, 100000.0, 50.0, scenario_path, {});
      },
      false, "electricity price signal, $/MWh");
  b.list(
      "demand_response", 0,
      [&](Binder& w, std::size_t) {
        power::DemandResponseWindow win;
        bool daily = true;
        w.boolean("daily", daily, true,
                  "the window repeats every day (start/end as HH:MM, in grid.utc_offset_h local "
                  "time), else once (ISO 8601 times)");
        std::string start, end;
        w.text("start", start, std::nullopt, "window start: HH:MM (daily) or an ISO 8601 UTC time");
        w.text("end", end, std::nullopt, "window end: HH:MM (daily) or an ISO 8601 UTC time");
        if (daily) {
          win =
              power::daily_window(parse_clock(w, "start", start), parse_clock(w, "end", end), 0.0);
        } else {
          try {
            win = power::once_window(thermal::parse_iso8601_utc(start),
                                     thermal::parse_iso8601_utc(end), 0.0);
          } catch (const std::exception& e) {
            w.fail("start",
                   std::string("start/end must be ISO 8601 UTC times when daily is false (") +
                       e.what() + ")");
          }
          if (win.end_s <= win.start_s) w.fail("end", "must be after start");
        }
        double cap_w = 0.0, fraction = 0.0;
        w.real("cap_w", cap_w, non_negative(), 0.0,
               "facility cap in the window, W (or cap_fraction)");
        w.real("cap_fraction", fraction, unit_interval(), 0.0,
               "cap as a share of `site_capacity_w` (needs `site_capacity_w`)");
        if ((cap_w > 0) == (fraction > 0))
          w.fail("cap_w",
                 "give exactly one of cap_w (W) or cap_fraction (of grid.site_capacity_w)");
        if (fraction > 0 && !std::isfinite(p.site_capacity_w))
          w.fail("cap_fraction", "needs grid.site_capacity_w");
        win.cap_w = cap_w > 0 ? cap_w : fraction * p.site_capacity_w;
        if (daily && (win.start_s >= 86400.0 || win.start_s == win.end_s))
          w.fail("start", "a daily window needs a start before 24:00 and an end different from it");
        if (daily && utc_offset_h != 0.0) {  // local clock → UTC, wrapped into the day
          auto to_utc = [&](double local_s) {
            const double s = std::fmod(local_s - utc_offset_h * 3600.0, 86400.0);
            return s < 0.0 ? s + 86400.0 : s;
          };
          win.start_s = to_utc(win.start_s);
          win.end_s = to_utc(win.end_s);
        }
        p.windows.push_back(win);
      },
      "windows in which the grid lowers the facility cap");
  try {
    power::validate(p);
  } catch (const std::invalid_argument& e) {
    b.fail("demand_response", e.what());
  }
  // Only recorded when given: scenarios without it resolve (and are stored) as before.
  b.optional_real("ramp_limit_w_per_s", g.ramp_limit_w_per_s, positive(),
                  "grid-side figure: the share of ticks whose facility (and, with storage, grid) "
                  "ramp exceeds this, W/s");
}

// `storage:` — a battery between the facility and the grid (power/battery.hpp). The checks are
// power::validate's, each reported at the key it names.
void bind_storage(Binder& b, StorageSpec& st) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  power::BatterySpec& s = st.battery;
  power::StoragePolicy& p = st.policy;
  double wh = 0.0;
  b.optional_real("energy_wh", wh, Range{0.0, inf, true, true},
                  "energy rating, Wh (give exactly one of energy_wh or energy_j)");
  b.optional_real("energy_j", s.energy_capacity_j, Range{0.0, inf, true, true}, "energy rating, J");
  if (b.has("energy_wh") == b.has("energy_j"))
    b.fail(b.has("energy_j") ? "energy_j" : "energy_wh",
           "give exactly one of energy_wh or energy_j");
  if (b.has("energy_wh")) {
    s.energy_capacity_j = wh * 3600.0;
    if (!std::isfinite(s.energy_capacity_j))
      b.fail("energy_wh", "value " + format_real(wh) + " is too large");
    b.forget("energy_wh");  // resolved as energy_j
    b.record("energy_j", format_real(s.energy_capacity_j));
  }
  b.real("power_w", s.power_rating_w, Range{0.0, inf, true, true}, std::nullopt,
         "charge and discharge rating on the site bus, W");
  double rt = 0.85;
  b.real("round_trip_efficiency", rt, Range{0.0, 1.0, true, false}, 0.85,
         "η_c·η_d, split evenly (η_c = η_d = √η). Default: utility-scale Li-ion (NREL ATB)");
  b.optional_real("charge_efficiency", s.charge_efficiency, Range{0.0, 1.0, true, false},
                  "η_c (with discharge_efficiency, instead of round_trip_efficiency)");
  b.optional_real("discharge_efficiency", s.discharge_efficiency, Range{0.0, 1.0, true, false},
                  "η_d (with charge_efficiency)");
  const bool split = b.has("charge_efficiency") || b.has("discharge_efficiency");
  if (split && b.has("round_trip_efficiency"))
    b.fail("round_trip_efficiency",
           "give either round_trip_efficiency or charge_efficiency + discharge_efficiency");
  if (split && !(b.has("charge_efficiency") && b.has("discharge_efficiency")))
    b.fail(b.has("charge_efficiency") ? "charge_efficiency" : "discharge_efficiency",
           "give both charge_efficiency and discharge_efficiency");
  if (!split) s.charge_efficiency = s.discharge_efficiency = std::sqrt(rt);
  // Resolved as the two efficiencies (√η twice need not give η again in floating point).
  b.forget("round_trip_efficiency");
  b.record("charge_efficiency", format_real(s.charge_efficiency));
  b.record("discharge_efficiency", format_real(s.discharge_efficiency));
  keep(b, "soc_min", s.soc_min, unit_interval(), "lowest state of charge (share of the rating)");
  keep(b, "soc_max", s.soc_max, unit_interval(), "highest state of charge");
  keep(b, "initial_soc", s.initial_soc, unit_interval(), "state of charge at the start");
  b.boolean("allow_export", s.allow_export, false,
            "may the battery feed the grid (discharge above the facility draw)");
  std::string policy;
  p.kind = static_cast<power::StoragePolicy::Kind>(b.choice(
      "policy", policy, {"none", "peak_shaving", "ramp_limiting", "arbitrage"}, std::string("none"),
      "what drives the battery (docs/sites.md); every policy holds the grid draw under "
      "grid_cap_w"));
  b.optional_real("grid_cap_w", p.grid_cap_w, positive(),
                  "hold the grid draw under this (every policy; required for peak_shaving)");
  keep(b, "recharge_soc", p.recharge_soc, unit_interval(),
       "`peak_shaving`: recharge up to this state of charge below the cap");
  b.optional_real("max_ramp_w_per_s", p.max_ramp_w_per_s, positive(),
                  "`ramp_limiting`: largest grid ramp, W/s");
  b.optional_real("max_swing_w", p.max_swing_w, positive(),
                  "`ramp_limiting`: largest grid swing over swing_window_s, W");
  keep(b, "swing_window_s", p.swing_window_s, Range{0.0, inf, true, true},
       "`ramp_limiting`: window of max_swing_w");
  keep(b, "target_soc", p.target_soc, unit_interval(),
       "`ramp_limiting`: the state of charge drifts back to this");
  keep(b, "recovery_time_s", p.recovery_time_s, Range{0.0, inf, true, true},
       "`ramp_limiting`: time constant of that drift");
  b.optional_real("charge_below_price", p.charge_below_price, Range{},
                  "`arbitrage`: charge at the rating while the price (USD/MWh) is at most this");
  b.optional_real("discharge_above_price", p.discharge_above_price, Range{},
                  "`arbitrage`: discharge at the rating while the price is at least this");
  try {
    power::validate(s);
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    b.fail(what.find("initial_soc") != std::string::npos ? "initial_soc"
           : what.find("soc") != std::string::npos
               ? (b.has("soc_min") && !b.has("soc_max") ? "soc_min" : "soc_max")
           : what.find("discharge") != std::string::npos ? "discharge_efficiency"
           : what.find("charge") != std::string::npos    ? "charge_efficiency"
           : what.find("power") != std::string::npos     ? "power_w"
                                                         : "energy_j",
           what);
  }
  try {
    power::validate(p, s);
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    for (const char* key : {"grid_cap_w", "recharge_soc", "swing_window_s", "max_ramp_w_per_s",
                            "max_swing_w", "target_soc", "recovery_time_s", "charge_below_price"})
      if (what.find(key) != std::string::npos) b.fail(key, what);
    b.fail("policy", what);
  }
}

}  // namespace ct::io::sections
