#include "twin/workloads/burn_in.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "io/schema_binder.hpp"
#include "twin/series.hpp"
#include "twin/workload.hpp"

namespace ct::twin {

namespace {

std::shared_ptr<io::ComponentConfig> bind_burn_in(io::Binder& b, io::BindContext& ctx) {
  auto cfg = std::make_shared<BurnInConfig>();
  bind_job_name(b, cfg->name, "burn_in" + std::to_string(ctx.index));
  b.integer("nodes", cfg->nodes, io::closed(1, 1e9), std::nullopt, "nodes under burn-in");
  b.real("activity", cfg->activity, io::unit_interval(), 1.0,
         "accelerator activity while burning in (1: full dynamic power at the clock)");
  b.real("clock_ratio", cfg->clock_ratio, io::Range{0.0, 1.0, true, false}, 1.0,
         "requested clock ratio f/f_max (the DVFS governor may lower it further)");
  b.real("duration_s", cfg->duration_s, io::positive(), 86400.0,
         "burn-in time; afterwards the nodes idle as unallocated");
  const topology::Campus campus(ctx.scenario.campus);
  std::int64_t free_nodes = 0;
  for (std::int8_t t : *ctx.nodes_taken) free_nodes += t ? 0 : 1;
  if (cfg->nodes > free_nodes)
    b.fail("nodes", std::to_string(cfg->nodes) + " nodes requested but only " +
                        std::to_string(free_nodes) +
                        " are free (allowed: 1 <= nodes <= " + std::to_string(free_nodes) + ")");
  for (std::int64_t n = 0, taken = 0; n < campus.nodes() && taken < cfg->nodes; ++n)
    if (!(*ctx.nodes_taken)[n]) (*ctx.nodes_taken)[n] = 1, ++taken;
  return cfg;
}

class BurnIn final : public Workload {
 public:
  BurnIn(const BurnInConfig& c, const WorkloadEnv& env, int index)
      : Workload(c.name, index), cfg_(c), env_(env) {}
  const char* kind() const override { return "burn_in"; }

  Allocation place(std::vector<std::int8_t>& taken) override {
    Allocation a;
    for (std::int64_t n = 0; n < env_.campus.nodes() && std::ssize(a.nodes) < cfg_.nodes; ++n)
      if (!taken[n]) taken[n] = 1, a.nodes.push_back(n);
    if (std::ssize(a.nodes) < cfg_.nodes)
      throw std::invalid_argument("not enough free nodes for the burn-in");
    return a;
  }
  void start(const Allocation&) override {}
  std::int64_t accelerators() const override {
    return cfg_.nodes * env_.campus.accelerators_per_node();
  }

  void begin_tick(double t0_s, double t1_s, JobTick& jt) override {
    const double dt = env_.tick_s, a_stall = env_.scenario.activity.stalled;
    // Exact sub-tick segments: recovering until recovered_s, then burning until done.
    const double recover_s = std::clamp(recovered_s_ - t0_s, 0.0, t1_s - t0_s);
    const double burn_s = std::clamp(cfg_.duration_s - burned_s_, 0.0, t1_s - t0_s - recover_s);
    burned_s_ += burn_s;
    jt.clear();
    jt.run_f = burn_s / dt;
    jt.add_running(compute, 1.0, cfg_.activity);
    jt.add_stalled(recovery, recover_s / dt, a_stall);
    jt.add_stalled(unallocated, (t1_s - t0_s - recover_s - burn_s) / dt, a_stall);
    jt.clock_request = cfg_.clock_ratio;
    jt.running_activity = cfg_.activity;
  }
  void end_tick(const JobSums&) override {}
  Loss fail(const FailureHit& hit) override {
    // The burn-in of the group starts again after detection and restart (nothing to lose).
    const auto& r = env_.scenario.faults.recovery;
    recovered_s_ = std::max(recovered_s_, hit.time_s + r.detection_s + r.restart_s);
    if (hit.planned) recovered_s_ += hit.downtime_s;
    waiting_ = hit.nodes_missing;
    if (waiting_) recovered_s_ = std::numeric_limits<double>::infinity();
    ++restarts_;
    return Loss{};
  }
  void nodes_changed(const Allocation&) override {}
  void nodes_restored(double time_s) override {
    const auto& r = env_.scenario.faults.recovery;
    waiting_ = false;
    recovered_s_ = time_s + r.restart_s;
  }

  void declare_series(SeriesTable& t) override {
    SeriesDef burned = series_def("jobs/" + name() + "/burned_s", "s",
                                  "burn-in time completed (cumulative)", Accumulate::last);
    burned.sample = [this] { return burned_s_; };
    t.add(std::move(burned));
  }
  void add_figures(WorkloadTotals&) const override {}
  void describe(std::ostream& os) const override {
    os << fmt::format(
        "\njob {}: burn-in of {} nodes ({} accelerators) at activity {} and clock {} "
        "for {} s\n",
        name(), cfg_.nodes, accelerators(), cfg_.activity, cfg_.clock_ratio, cfg_.duration_s);
  }
  void save(archive::Writer& w) override { w(burned_s_, recovered_s_, restarts_, waiting_); }
  void load(archive::Reader& r) override { r(burned_s_, recovered_s_, restarts_, waiting_); }

 private:
  BurnInConfig cfg_;
  WorkloadEnv env_;
  double burned_s_ = 0.0;
  double recovered_s_ = -1.0;
  std::int64_t restarts_ = 0;
  bool waiting_ = false;
};

const bool registered = register_workload_kind(
    io::ComponentBinding{"workload", "burn_in",
                         "nodes held at a constant activity and clock for a burn-in period",
                         bind_burn_in},
    WorkloadFactory{"burn_in",
                    [](const io::ComponentConfig& c, const WorkloadEnv& env,
                       int index) -> std::unique_ptr<Workload> {
                      return std::make_unique<BurnIn>(dynamic_cast<const BurnInConfig&>(c), env,
                                                      index);
                    }});

}  // namespace
}  // namespace ct::twin
