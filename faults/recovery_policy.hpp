// How a job checkpoints and recovers: the parameters of the job state machine in twin/.
#pragma once

#include <cstdint>

namespace ct::faults {

enum class CheckpointIntervalPolicy : std::uint8_t { none, fixed_s, fixed_steps, young, daly };

struct CheckpointPolicy {
  CheckpointIntervalPolicy policy = CheckpointIntervalPolicy::daly;
  double interval_s = 3600.0;         // fixed_s: running seconds between checkpoint starts
  std::int64_t interval_steps = 100;  // fixed_steps
  bool asynchronous = true;  // stall only for the snapshot to host memory; durable when written
  double bytes_per_parameter = 14.0;  // bf16 weights + fp32 master weights + Adam moments
  // Aggregate storage bandwidth shared by all writers (readers) of the job.
  double storage_write_bandwidth_bytes_per_s = 1e12;
  double storage_read_bandwidth_bytes_per_s = 2e12;
  // Device → host memory copy per accelerator (PCIe 5 x16 ≈ 50 GB/s; half achieved).
  double snapshot_bandwidth_bytes_per_s = 25e9;
};

struct RecoveryPolicy {
  double detection_s = 300.0;  // watchdog (e.g. NCCL) timeout before the failure is noticed
  double restart_s = 300.0;    // reschedule, swap in the hot spare, re-initialise the job
};

}  // namespace ct::faults
