#include "sched/energy_aware.hpp"

#include <algorithm>
#include <cmath>

namespace ct::sched {

double EnergyAwareScheduler::best_start_s(const QueuedJob& job, const SignalForecast& forecast,
                                          double now_s) const {
  if (!(job.deadline_s < kNever) || !forecast) return now_s;
  const double wall_s = job.walltime_s;
  const double latest_s = std::min(job.deadline_s - wall_s, now_s + options_.horizon_s);
  if (!(latest_s > now_s)) return now_s;
  const double value_now = forecast(now_s, now_s + wall_s);
  double best_s = now_s;
  double best_value = value_now;
  const auto consider = [&](double t) {
    const double v = forecast(t, t + wall_s);
    if (v < best_value) {
      best_value = v;
      best_s = t;
    }
  };
  for (double t = (std::floor(now_s / options_.step_s) + 1.0) * options_.step_s; t < latest_s;
       t += options_.step_s) {
    consider(t);
  }
  consider(latest_s);
  return value_now - best_value > options_.min_saving * std::fabs(value_now) ? best_s : now_s;
}

DecisionSet EnergyAwareScheduler::decide(const ClusterView& view, double now_s) const {
  DecisionSet out;
  Pass pass(view, now_s, options_.placement, options_.cap_admission);
  const SignalForecast* forecast =
      options_.signal == EnergyAwareOptions::Signal::carbon  ? &view.carbon_forecast
      : options_.signal == EnergyAwareOptions::Signal::price ? &view.price_forecast
                                                             : nullptr;
  const auto hold = [&](const QueuedJob& job) {
    if (forecast == nullptr || !*forecast || !(job.deadline_s < kNever)) return false;
    const double best = best_start_s(job, *forecast, now_s);
    if (best <= now_s) return false;
    out.wake_at_s = std::min(out.wake_at_s, best);
    return true;
  };
  const auto order = fcfs_order(view.queue);
  const std::size_t head = start_in_order(pass, order, hold, out);
  if (head < order.size()) {
    const Pass::Plan plan = pass.reservation(*order[head]);
    out.reservations.push_back({order[head]->id, plan.shadow_s});
    if (options_.backfill) backfill(pass, order, head, plan, hold, out);
  }
  return out;
}

PolicyInfo energy_aware_policy() {
  return {
      "energy_aware",
      "FCFS + EASY backfilling; flexible jobs held for low-carbon or low-price hours; jobs "
      "admitted only while the facility stays under the power cap",
      {kPlacementOption,
       {"backfill", "true", "true | false", "EASY backfilling behind the blocked head"},
       {"signal", "carbon", "carbon | price | none", "the forecast flexible jobs are shifted on"},
       {"step_s", "3600", "[60, 86400]", "spacing of the candidate start times"},
       {"horizon_s", "172800", "[0, 2592000]", "how far ahead a job may be held"},
       {"min_saving", "0.1", "[0, 1]",
        "hold only if the mean signal over the run drops by more than this fraction"},
       {"cap_admission", "true", "true | false",
        "start a job only if its power fits the headroom under the cap"}},
      [](const PolicyOptions& o) -> std::unique_ptr<Scheduler> {
        EnergyAwareOptions e;
        e.placement = placement_option(o);
        e.backfill = o.flag("backfill", true);
        const std::string signal = o.choice("signal", "carbon", {"carbon", "price", "none"});
        e.signal = signal == "carbon"  ? EnergyAwareOptions::Signal::carbon
                   : signal == "price" ? EnergyAwareOptions::Signal::price
                                       : EnergyAwareOptions::Signal::none;
        e.step_s = o.number("step_s", 3600.0, 60.0, 86400.0);
        e.horizon_s = o.number("horizon_s", 172800.0, 0.0, 2592000.0);
        e.min_saving = o.number("min_saving", 0.1, 0.0, 1.0);
        e.cap_admission = o.flag("cap_admission", true);
        return std::make_unique<EnergyAwareScheduler>(e);
      }};
}

}  // namespace ct::sched
