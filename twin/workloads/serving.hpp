// Workload kind `serving`: an inference deployment (DESIGN §11) on the same campus as training.
// Its physics (step times, requests, continuous batching, autoscaling) is in serving/; this file
// pair binds its keys and plays it in the engine through the Workload interface.
//
// Accounting: replica time in prefill and decode iterations is `serving_prefill` and
// `serving_decode`; replicas with nothing to do, warming up or scaled down are `serving_idle`;
// failure detection, restart and weight load are `recovery`; a replica whose node awaits repair
// is `waiting`; the work spent on requests a failure sends back to the queue moves to `lost`.
// The job's units all run one JobTick: the replica-weighted mean of its replicas' phases.
#pragma once

#include <cstdint>
#include <string>

#include "io/components.hpp"
#include "serving/deployment.hpp"

namespace ct::twin {

struct ServingConfig : io::ComponentConfig {
  serving::DeploymentSpec spec;
  std::int64_t spare_nodes = 0;
  int priority = 1;  // power priority (training jobs have 0)
  enum class CapResponse : std::int8_t { clock, batch } cap_response = CapResponse::clock;
  double load_bandwidth_bytes_per_s = 2e9;  // per accelerator, loading the weights
  // Surge capacity on a preemptible job's nodes (twin/README.md, lending): `surge_replicas`
  // more replicas that serve only while the deployment claims that job's nodes.
  std::string borrow_from;
  std::int64_t surge_replicas = 0;
  double hold_s = 1800.0;  // keep claimed nodes at least this long after the load needed them
};

}  // namespace ct::twin
