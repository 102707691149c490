// Scheduling policies by name. A policy is one file pair (a Scheduler subclass and a function
// returning its PolicyInfo) plus one line in registry.cpp.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "sched/scheduler.hpp"

namespace ct::sched {

struct OptionDoc {
  std::string_view key;
  std::string_view default_value;
  std::string_view range;
  std::string_view meaning;
};

struct PolicyInfo {
  std::string_view name;
  std::string_view summary;
  std::vector<OptionDoc> options;
  // Reads its options (throws std::invalid_argument naming a bad key, value and range).
  std::unique_ptr<Scheduler> (*make)(const PolicyOptions& options);
};

// Every registered policy, in registration order.
const std::vector<PolicyInfo>& policies();
const PolicyInfo* find_policy(std::string_view name);  // nullptr if unknown

// Builds a policy; throws std::invalid_argument for an unknown name (listing the known ones) or
// a bad or unknown option.
std::unique_ptr<Scheduler> make_scheduler(std::string_view name, const PolicyOptions& options = {});

// The option every policy takes: placement (compact | first_fit).
inline constexpr OptionDoc kPlacementOption = {
    "placement", "compact", "compact | first_fit",
    "compact: one rack, else one hall, else one building, else spread; first_fit: lowest ids"};
PlacementMode placement_option(const PolicyOptions& options);

}  // namespace ct::sched
