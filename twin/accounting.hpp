// Where every accelerator-second goes (DESIGN §4, §11). Each accelerator-second of the run lands
// in exactly one category; energy is split the same way. Inference serving (twin/workloads/serving)
// has its own categories; its failures use `recovery`, `waiting` and `lost` like training.
#pragma once

#include <array>
#include <string_view>

namespace ct::twin {

enum Category : int {
  compute = 0,      // useful work (lost work is moved out when a failure throws it away)
  pipeline_bubble,  // idle in the pipeline fill/drain
  exposed_comm,     // waiting for communication not hidden behind compute
  straggler_wait,   // waiting for the slowest (most throttled) participant
  checkpoint,       // stalled for a checkpoint write or snapshot
  recovery,         // failure detection, restart, checkpoint load
  waiting,          // no spare: waiting for a repair
  lost,             // work since the last durable checkpoint, thrown away by a failure
  serving_prefill,  // inference: prefill iterations (prompt processing)
  serving_decode,   // inference: decode iterations (token generation)
  serving_idle,     // inference: replicas with nothing to do, warming up or scaled down
  unallocated,      // in no job (free, spare, or under repair)
  kCategoryCount
};

inline constexpr std::array<std::string_view, kCategoryCount> kCategoryNames = {
    "compute",         "pipeline_bubble", "exposed_comm", "straggler_wait",
    "checkpoint",      "recovery",        "waiting",      "lost",
    "serving_prefill", "serving_decode",  "serving_idle", "unallocated"};

inline constexpr std::array<std::string_view, kCategoryCount> kCategoryLongNames = {
    "useful compute",
    "pipeline bubble",
    "exposed (non-overlapped) communication",
    "waiting for the slowest participant",
    "checkpoint stall",
    "failure detection, restart and checkpoint load",
    "waiting for a repair (no spare)",
    "work lost since the last durable checkpoint",
    "inference prefill (prompt processing)",
    "inference decode (token generation)",
    "inference replicas idle, warming up or scaled down",
    "not allocated to any job"};

}  // namespace ct::twin
