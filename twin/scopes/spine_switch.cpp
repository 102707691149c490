// Failure scope `spine_switch`: the spine tier of a hall. Replicated: a constant-rate
// exponential clock per hall (no temperature source), drawn from its Exp(1) threshold. A failure
// drains nothing (bandwidth only); the jobs with nodes in the hall restart.
#include "twin/failure_scope.hpp"

namespace ct::twin {
namespace {

class SpineSwitchScope final : public FailureScope {
 public:
  faults::Scope scope() const override { return faults::Scope::spine_switch; }
  void effect(const Engine::State& s, std::int64_t index, faults::TakesDown,
              FailureEffect& e) const override {
    for (std::size_t j = 0; j < s.control.jobs.size(); ++j)
      for (std::int64_t n : s.control.jobs[j].alloc.nodes)
        if (s.campus.hall_of_rack(s.campus.rack_of_node(n)) == index) {
          e.hit.push_back(static_cast<int>(j));
          break;
        }
  }
  void renew(Engine::State& s, std::int64_t index, std::uint64_t key,
             double time_s) const override {
    JobControl& c = s.control;
    ++c.spine_life[index];
    c.spine_next_s[index] =
        time_s + faults::failure_threshold(s.seed, key, c.spine_life[index]) / c.spine_rate_per_s;
  }
  void candidates(Engine::State& s, double, double t1_s,
                  std::vector<Candidate>& out) const override {
    const auto& next = s.control.spine_next_s;
    for (std::int64_t h = 0; h < static_cast<std::int64_t>(next.size()); ++h)
      if (next[h] < t1_s)
        out.push_back(Candidate{next[h],
                                static_cast<std::int64_t>(faults::component_key(
                                    faults::Scope::spine_switch, static_cast<std::uint64_t>(h))),
                                static_cast<std::int32_t>(faults::FailureClass::spine_switch)});
  }
};

const bool registered = register_failure_scope(std::make_unique<SpineSwitchScope>());

}  // namespace
}  // namespace ct::twin
