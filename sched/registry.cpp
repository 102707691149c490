#include "sched/registry.hpp"

#include <stdexcept>
#include <string>

#include "sched/easy.hpp"
#include "sched/energy_aware.hpp"
#include "sched/fcfs.hpp"
#include "sched/priority.hpp"
#include "sched/strings.hpp"

namespace ct::sched {

const std::vector<PolicyInfo>& policies() {
  static const std::vector<PolicyInfo> all = {
      fcfs_policy(),
      easy_policy(),
      priority_policy(),
      energy_aware_policy(),
  };
  return all;
}

const PolicyInfo* find_policy(std::string_view name) {
  for (const PolicyInfo& p : policies()) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::unique_ptr<Scheduler> make_scheduler(std::string_view name, const PolicyOptions& options) {
  const PolicyInfo* info = find_policy(name);
  if (info == nullptr) {
    std::string known;
    for (const PolicyInfo& p : policies()) known.append(known.empty() ? "" : ", ").append(p.name);
    throw std::invalid_argument(cat({"policy '", name, "': unknown (known: ", known, ")"}));
  }
  auto scheduler = info->make(options);
  options.reject_unknown(name);
  return scheduler;
}

PlacementMode placement_option(const PolicyOptions& options) {
  return options.choice("placement", "compact", {"compact", "first_fit"}) == "first_fit"
             ? PlacementMode::first_fit
             : PlacementMode::compact;
}

}  // namespace ct::sched
