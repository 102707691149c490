// The scenario's `faults:` section (failure classes, recovery, hazards) and its `fail_slow:`
// events (faults/fail_slow.hpp).
#include <cmath>
#include <string>
#include <vector>

#include "faults/fail_slow.hpp"
#include "faults/failure_classes.hpp"
#include "io/scenario_sections.hpp"

namespace ct::io::sections {

// Fail-slow events (faults/fail_slow.hpp): random per class, and scheduled ones (what-if).
void bind_fail_slow(Binder& b, faults::FailSlowModel& m, const topology::CampusSpec& campus_spec) {
  std::string mitigation;
  m.mitigation =
      b.choice(
          "mitigation", mitigation, {"none", "replace"}, std::string("replace"),
          "`replace`: `detection_s` after an event's onset its node is swapped for a hot "
          "spare at a restart's cost (the job saves first); `none`: events run their course") == 0
          ? faults::FailSlowMitigation::none
          : faults::FailSlowMitigation::replace;
  keep(b, "detection_s", m.detection_s, non_negative(),
       "time from a fail-slow event's onset until its node is found (mitigation)");
  std::vector<std::string> names;
  for (int c = 0; c < faults::kFailSlowClassCount; ++c)
    names.emplace_back(faults::fail_slow_class_name(static_cast<faults::FailSlowClass>(c)));
  const std::vector<std::string> distributions{"fixed", "exponential", "lognormal"};
  b.named_sections(
      "classes", names,
      [&](Binder& c, const std::string& name) {
        faults::FailSlowClassSpec& spec = m[*faults::fail_slow_class_from_name(name)];
        keep(c, "rate_per_s", spec.rate_per_s, non_negative(),
             "fail-slow events per instance per second (gpu: per accelerator, host: per node, "
             "link: per rack). 0: none");
        keep(c, "severity", spec.severity, closed(1.0, 1000.0),
             "slowdown s ≥ 1: the slowed member's work, and so the job's step, takes s times as "
             "long");
        std::string dist;
        spec.distribution = static_cast<faults::DurationDistribution>(
            c.choice("duration_distribution", dist, distributions,
                     distributions[static_cast<int>(spec.distribution)],
                     "distribution of an event's duration"));
        keep(c, "duration_s", spec.duration_s, positive(),
             "fixed: the duration; exponential: its mean; lognormal: its median");
        keep(c, "duration_sigma", spec.duration_sigma, closed(0.0, 5.0),
             "lognormal: σ of ln(duration)");
        keep(c, "mttr_s", spec.mttr_s, non_negative(),
             "time in repair of a node replaced for being slow");
      },
      "per fail-slow class (`gpu`, `host`, `link`): rate, severity, duration distribution");
  const topology::Campus campus(campus_spec);
  b.list(
      "events", 0,
      [&](Binder& e, std::size_t) {
        faults::ScheduledFailSlow ev;
        std::string cls;
        ev.cls = static_cast<faults::FailSlowClass>(
            e.choice("class", cls, names, std::nullopt, "fail-slow class of the event"));
        const faults::Scope scope = m[ev.cls].scope;
        const std::int64_t n = scope == faults::Scope::accelerator ? campus.accelerators()
                               : scope == faults::Scope::node      ? campus.nodes()
                                                                   : campus.racks();
        e.integer("instance", ev.instance, closed(0.0, 1e15), std::nullopt,
                  "global id of the slowed accelerator (gpu), node (host) or rack (link)");
        if (ev.instance >= n)
          e.fail("instance", "the campus has " + std::to_string(n) + " " +
                                 (scope == faults::Scope::accelerator ? "accelerators"
                                  : scope == faults::Scope::node      ? "nodes"
                                                                      : "racks") +
                                 " (allowed: 0 to " + std::to_string(n - 1) + ")");
        e.real("start_s", ev.start_s, non_negative(), std::nullopt,
               "onset, in seconds from the start of the run");
        e.real("duration_s", ev.duration_s, positive(), std::nullopt,
               "how long the event lasts unless mitigated");
        e.real("severity", ev.severity, closed(1.0, 1000.0), m[ev.cls].severity,
               "slowdown s ≥ 1 (default: the class's)");
        m.events.push_back(ev);
      },
      "fail-slow events at given times (what-if), in addition to the random ones");
}

void bind_faults(Binder& b, FaultSpec& f, const topology::CampusSpec& campus) {
  b.boolean("enabled", f.enabled, true, "`false`: no failures at all");
  f.model = faults::h100_failure_model();
  keep(b, "rate_scale", f.model.rate_scale, non_negative(),
       "multiplies every class's base rate (a what-if knob)");
  b.boolean("arrhenius", f.model.arrhenius_enabled, true,
            "temperature acceleration exp((E_a/k_B)(1/T_ref − 1/T))");
  b.boolean("thermal_cycling", f.model.cycling_enabled, true,
            "thermal-cycling wear (Norris–Landzberg, Miner's rule) raises the cycling share of the "
            "hazard");
  double mttr_scale = 1.0;
  b.real("mttr_scale", mttr_scale, non_negative(), 1.0,
         "multiplies every class's `mttr_s`, after per-class overrides");
  keep(b, "hazard_update_s", f.hazard_update_s, Range{0.0, 3.2e8, true, false},
       "how often hazards are re-evaluated from temperatures and wear (rounded to whole ticks, at "
       "least one)");
  keep(b, "cycle_hysteresis_k", f.cycle_hysteresis_k, positive(),
       "smallest junction swing counted as a large thermal cycle");
  keep(b, "detection_s", f.recovery.detection_s, non_negative(),
       "watchdog time before a failure is noticed");
  keep(b, "restart_s", f.recovery.restart_s, non_negative(),
       "time to reschedule onto a spare and re-initialise");
  std::vector<std::string> names;
  for (int c = 0; c < faults::kFailureClassCount; ++c)
    names.emplace_back(faults::failure_class_name(static_cast<faults::FailureClass>(c)));
  b.named_sections(
      "classes", names,
      [&](Binder& c, const std::string& name) {
        faults::FailureClassSpec& spec = *faults::find_class(f.model, name);
        if (c.has("mtbf_s") && c.has("rate_per_s"))
          c.fail("mtbf_s", "give either mtbf_s or rate_per_s, not both");
        double mtbf_s = spec.base_rate_per_s > 0 ? 1.0 / spec.base_rate_per_s : 0.0;
        if (c.has("mtbf_s")) {
          c.real("mtbf_s", mtbf_s, positive(), std::nullopt,
                 "mean time between failures per instance (instead of rate_per_s)");
          spec.base_rate_per_s = 1.0 / mtbf_s;
          if (!std::isfinite(spec.base_rate_per_s))
            c.fail("mtbf_s", "value " + format_real(mtbf_s) + " is too small (1/mtbf_s overflows)");
        }
        keep(c, "rate_per_s", spec.base_rate_per_s, non_negative(),
             "base failure rate per instance at reference conditions. 0 disables the class");
        // Resolved as rate_per_s alone: both keys would not load again.
        if (c.has("mtbf_s")) c.forget("mtbf_s");
        keep(c, "weibull_shape", spec.weibull_shape, closed(0.1, 10.0),
             "Weibull shape β (1: constant rate)");
        keep(c, "activation_energy_ev", spec.activation_energy_ev, closed(0.0, 3.0),
             "Arrhenius activation energy (0: no temperature acceleration)");
        keep(c, "reference_temperature_c", spec.reference_temperature_c, closed(-50.0, 200.0),
             "temperature at which `rate_per_s` holds");
        keep(c, "cycling_fraction", spec.cycling_fraction, unit_interval(),
             "share of the base hazard due to thermal-cycling wear at the reference cycling "
             "condition");
        keep(c, "mttr_s", spec.mttr_s, non_negative(),
             "time to repair (the failed part is out of service)");
      },
      "per failure class overrides, by class name");
  for (auto& spec : f.model.classes) spec.mttr_s *= mttr_scale;
  b.section(
      "fail_slow", [&](Binder& s) { bind_fail_slow(s, f.fail_slow, campus); }, false,
      "components that keep working, slowly: stragglers that are not thermal");
}

}  // namespace ct::io::sections
