// Failure scope `job`: classes counted per accelerator of a job (software bugs, NCCL watchdog,
// planned maintenance). Replicated: each job's hazard grows only while it runs, at its rate
// (per-accelerator rate × its accelerators), against an Exp(1) threshold; the cause is drawn in
// proportion to the classes' rates. A failure interrupts that job only.
#include "twin/failure_scope.hpp"

namespace ct::twin {
namespace {

class JobScope final : public FailureScope {
 public:
  faults::Scope scope() const override { return faults::Scope::job; }
  void effect(const Engine::State&, std::int64_t index, faults::TakesDown,
              FailureEffect& e) const override {
    e.hit.push_back(static_cast<int>(index));
  }
  void renew(Engine::State& s, std::int64_t index, std::uint64_t key, double) const override {
    JobControl::Job& job = s.control.jobs[index];
    ++job.life;
    job.hazard = 0.0;
    job.threshold = faults::failure_threshold(s.seed, key, job.life);
  }
  void candidates(Engine::State& s, double t0_s, double,
                  std::vector<Candidate>& out) const override {
    for (std::size_t j = 0; j < s.control.jobs.size(); ++j) {
      JobControl::Job& job = s.control.jobs[j];
      if (!job.active) continue;
      const double run_s = job.tick.run_f * s.dt;
      if (!(job.rate_per_s > 0 && run_s > 0)) continue;
      const double before = job.hazard;
      job.hazard += job.rate_per_s * run_s;
      // Expected interruptions: the job's hazard while it runs (up to a failure), per class in
      // proportion to the classes' rates.
      const double alive = std::min(job.rate_per_s * run_s, std::max(job.threshold - before, 0.0));
      const faults::ScopeHazardTable& tab = s.job_table;
      double per_acc = 0.0;
      for (int c = 0; c < tab.count; ++c)
        per_acc += tab.steady_rate_per_s[c] + tab.cycling_rate_per_s[c];
      for (int c = 0; c < tab.count; ++c)
        s.acct.expected_interruptions[static_cast<int>(tab.classes[c])] +=
            (tab.steady_rate_per_s[c] + tab.cycling_rate_per_s[c]) / per_acc * alive;
      if (job.hazard < job.threshold) continue;
      const double frac = (job.threshold - before) / (job.rate_per_s * run_s);
      double* rates = s.scratch_rates.data();
      const faults::ScopeHazardTable& t = s.job_table;
      for (int c = 0; c < t.count; ++c) rates[c] = t.steady_rate_per_s[c] + t.cycling_rate_per_s[c];
      const auto key = faults::component_key(faults::Scope::job, j);
      const auto cls = faults::choose_cause(rates, t.classes.data(), t.count,
                                            faults::cause_uniform(s.seed, key, job.life));
      // The instant the job's running time reaches the threshold (its stretches in time order).
      const double at_f = job.tick.running_instant_f(frac * job.tick.run_f);
      out.push_back(Candidate{t0_s + at_f * s.dt, static_cast<std::int64_t>(key),
                              static_cast<std::int32_t>(cls)});
    }
  }
};

const bool registered = register_failure_scope(std::make_unique<JobScope>());

}  // namespace
}  // namespace ct::twin
