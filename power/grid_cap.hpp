// Facility power cap in force, and the power-aware policies.
//
//   cap(t) = min( site_capacity_w,
//                 cap_w of every demand-response window active at t,
//                 carbon_cap_fraction·site_capacity_w  if policy = carbon_aware and
//                                                      carbon(t) > carbon_threshold_g_per_kwh )
//
// Demand-response windows are contractual and apply under every policy. Windows are half-open,
// [start, end): back-to-back windows never overlap at the shared instant. A daily window recurs
// every UTC day; end < start means it crosses midnight (22:00–02:00).
//
// Power smoothing: while an accelerator stalls (waits for a collective, a checkpoint, a restart)
// it keeps drawing at least smoothing_floor_fraction of its running power (for example by running
// dummy work). That burns energy but cuts the facility swing at each synchronized stall and the
// large thermal cycles that come with it.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "power/daylight_saving.hpp"
#include "power/grid_signal.hpp"

namespace ct::power {

struct DemandResponseWindow {
  enum class Recurrence { once, daily };
  Recurrence recurrence = Recurrence::once;
  double start_s = 0.0;  // once: unix time; daily: UTC seconds since midnight, [0, 86400)
  double end_s = 0.0;    // exclusive; daily: [0, 86400], may be < start_s (crosses midnight)
  double cap_w = 0.0;    // facility power cap while the window is active
};

inline DemandResponseWindow daily_window(double start_s_of_day, double end_s_of_day, double cap_w) {
  return {DemandResponseWindow::Recurrence::daily, start_s_of_day, end_s_of_day, cap_w};
}

inline DemandResponseWindow once_window(double start_unix_s, double end_unix_s, double cap_w) {
  return {DemandResponseWindow::Recurrence::once, start_unix_s, end_unix_s, cap_w};
}

inline bool window_active(const DemandResponseWindow& w, double unix_time_s) {
  if (w.recurrence == DemandResponseWindow::Recurrence::once) {
    return unix_time_s >= w.start_s && unix_time_s < w.end_s;
  }
  double s_of_day = std::fmod(unix_time_s, kDayS);
  if (s_of_day < 0.0) s_of_day += kDayS;
  if (w.start_s <= w.end_s) return s_of_day >= w.start_s && s_of_day < w.end_s;
  return s_of_day >= w.start_s || s_of_day < w.end_s;  // crosses midnight
}

enum class PolicyKind { none, carbon_aware, power_smoothing };

struct GridPolicy {
  PolicyKind kind = PolicyKind::none;
  double site_capacity_w = std::numeric_limits<double>::infinity();
  std::vector<DemandResponseWindow> windows;
  // carbon_aware: cap = carbon_cap_fraction·site_capacity_w while carbon > threshold.
  double carbon_threshold_g_per_kwh = std::numeric_limits<double>::infinity();
  double carbon_cap_fraction = 1.0;
  // power_smoothing: stalled accelerators draw ≥ this fraction of their running power.
  double smoothing_floor_fraction = 0.0;
  // Daily windows are in local standard time (converted to UTC); while daylight saving time is
  // in force they come an hour earlier in UTC.
  DaylightSaving daylight_saving = DaylightSaving::none;
  double utc_offset_h = 0.0;
};

// Throws std::invalid_argument naming the bad field.
inline void validate(const GridPolicy& p) {
  auto bad = [](const std::string& what) { throw std::invalid_argument("grid policy: " + what); };
  if (!(p.site_capacity_w > 0.0)) bad("site_capacity_w must be > 0");
  for (std::size_t i = 0; i < p.windows.size(); ++i) {
    const DemandResponseWindow& w = p.windows[i];
    const std::string at = "window " + std::to_string(i) + ": ";
    if (!(w.cap_w >= 0.0) || !std::isfinite(w.cap_w)) bad(at + "cap_w must be finite and ≥ 0");
    if (w.recurrence == DemandResponseWindow::Recurrence::once) {
      if (!(w.end_s > w.start_s)) bad(at + "end must be after start");
    } else if (!(w.start_s >= 0.0 && w.start_s < kDayS && w.end_s >= 0.0 && w.end_s <= kDayS) ||
               w.start_s == w.end_s) {
      bad(at + "daily start/end must be distinct seconds of the day in [0, 86400]");
    }
  }
  if (p.kind == PolicyKind::carbon_aware) {
    if (!std::isfinite(p.site_capacity_w)) bad("carbon_aware needs a finite site_capacity_w");
    if (!(p.carbon_cap_fraction > 0.0 && p.carbon_cap_fraction <= 1.0)) {
      bad("carbon_cap_fraction must be in (0, 1]");
    }
    if (!(p.carbon_threshold_g_per_kwh >= 0.0)) bad("carbon_threshold_g_per_kwh must be ≥ 0");
  }
  if (p.kind == PolicyKind::power_smoothing &&
      !(p.smoothing_floor_fraction >= 0.0 && p.smoothing_floor_fraction <= 1.0)) {
    bad("smoothing_floor_fraction must be in [0, 1]");
  }
}

// Facility power cap (W) in force at t; +inf when nothing limits.
inline double cap_in_force_w(const GridPolicy& p, double unix_time_s, double carbon_g_per_kwh) {
  double cap_w = p.site_capacity_w;
  // Local clock = standard time + 1 h under daylight saving: a daily window is active when the
  // instant an hour later would be in it at standard time.
  const bool dst = p.daylight_saving != DaylightSaving::none &&
                   daylight_saving_active(p.daylight_saving, p.utc_offset_h, unix_time_s);
  for (const DemandResponseWindow& w : p.windows) {
    const bool daily = w.recurrence == DemandResponseWindow::Recurrence::daily;
    if (window_active(w, daily && dst ? unix_time_s + 3600.0 : unix_time_s))
      cap_w = std::min(cap_w, w.cap_w);
  }
  if (p.kind == PolicyKind::carbon_aware && carbon_g_per_kwh > p.carbon_threshold_g_per_kwh) {
    cap_w = std::min(cap_w, p.carbon_cap_fraction * p.site_capacity_w);
  }
  return cap_w;
}

// Power of a stalled accelerator under the policy: its natural stall power, raised under
// power_smoothing to floor·running power, never above its power cap (the floor must not break
// the facility cap). running_power_w is its compute-phase power at the current clock.
inline double stall_power_w(const GridPolicy& p, double natural_stall_power_w,
                            double running_power_w, double accelerator_cap_w) {
  if (p.kind != PolicyKind::power_smoothing) return natural_stall_power_w;
  const double floor_w = std::min(p.smoothing_floor_fraction * running_power_w, accelerator_cap_w);
  return std::max(natural_stall_power_w, floor_w);
}

}  // namespace ct::power
