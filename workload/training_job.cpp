#include "workload/training_job.hpp"

#include <cmath>
#include <stdexcept>

namespace ct::workload {

namespace {

[[noreturn]] void fail(const JobSpec& job, const std::string& what) {
  throw std::invalid_argument("job '" + job.name + "': " + what);
}

bool positive(double v) { return v > 0.0 && std::isfinite(v); }
bool fraction(double v) { return v >= 0.0 && v <= 1.0; }

}  // namespace

void validate(const JobSpec& job) {
  const ModelSpec& m = job.model;
  const ParallelSpec& p = job.parallel;
  if (!positive(m.parameters)) fail(job, "model.parameters must be > 0");
  if (!positive(m.active_parameters) || m.active_parameters > m.parameters)
    fail(job, "model.active_parameters must be > 0 and <= parameters");
  if (!positive(m.sequence_length)) fail(job, "model.sequence_length must be > 0");
  if (!positive(m.global_batch_tokens)) fail(job, "model.global_batch_tokens must be > 0");
  if (m.layers < 1) fail(job, "model.layers must be >= 1");
  if (!positive(m.hidden_size)) fail(job, "model.hidden_size must be > 0");
  if (p.tp < 1 || p.pp < 1 || p.dp < 1 || p.ep < 1) fail(job, "tp, pp, dp and ep must be >= 1");
  if (p.dp % p.ep != 0) fail(job, "ep must divide dp (expert groups are carved out of DP)");
  if (p.microbatches < 1) fail(job, "microbatches must be >= 1");
  if (p.virtual_stages < 1) fail(job, "virtual_stages must be >= 1");
  if (p.schedule == ParallelSpec::one_f_one_b && p.virtual_stages != 1)
    fail(job, "virtual_stages > 1 needs the interleaved schedule");
  if (!positive(job.bytes_per_gradient_element) || !positive(job.bytes_per_activation_element))
    fail(job, "bytes per element must be > 0");
  if (!positive(job.peak_flops_per_accelerator))
    fail(job, "peak_flops_per_accelerator must be > 0");
  if (!positive(job.efficiency) || job.efficiency > 1.0) fail(job, "efficiency must be in (0, 1]");
  if (!fraction(job.dp_overlap_fraction) || !fraction(job.tp_exposed_fraction) ||
      !fraction(job.pp_exposed_fraction) || !fraction(job.ep_exposed_fraction))
    fail(job, "overlap/exposed fractions must be in [0, 1]");
  if (job.spare_nodes < 0) fail(job, "spare_nodes must be >= 0");
}

double microbatch_sequences(const JobSpec& job) {
  const ParallelSpec& p = job.parallel;
  return job.model.global_batch_tokens /
         (job.model.sequence_length * p.dp * static_cast<double>(p.microbatches));
}

}  // namespace ct::workload
