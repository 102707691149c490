// Checkpoint cost and optimal checkpoint intervals (Young 1974, Daly 2006).
//
// δ = checkpoint write time (the job's stall), M = job MTBF, R = restart time (detection +
// restart + checkpoint load), T_s = failure-free solve time, τ = compute time between
// checkpoints.
#pragma once

#include <cmath>

namespace ct::faults {

// bf16 weights (2) + fp32 master weights (4) + Adam first and second moments (4 + 4).
inline constexpr double kDefaultCheckpointBytesPerParameter = 14.0;

inline double checkpoint_size_bytes(
    double parameters, double bytes_per_parameter = kDefaultCheckpointBytesPerParameter) {
  return parameters * bytes_per_parameter;
}

// All writers share the storage system, so the time is size over the aggregate bandwidth.
inline double checkpoint_write_time_s(double size_bytes, double aggregate_bandwidth_bytes_per_s) {
  return size_bytes / aggregate_bandwidth_bytes_per_s;
}

// Young: τ = √(2δM).
inline double young_interval_s(double delta_s, double mtbf_s) {
  return std::sqrt(2.0 * delta_s * mtbf_s);
}

// Daly higher-order optimum: τ = √(2δM)·[1 + ⅓√(δ/2M) + (1/9)(δ/2M)] − δ for δ < 2M, else M.
inline double daly_interval_s(double delta_s, double mtbf_s) {
  if (delta_s >= 2.0 * mtbf_s) return mtbf_s;
  const double x = delta_s / (2.0 * mtbf_s);
  return std::sqrt(2.0 * delta_s * mtbf_s) * (1.0 + std::sqrt(x) / 3.0 + x / 9.0) - delta_s;
}

// Daly's expected wall time with exponential failures:
// T_w = M·e^{R/M}·(e^{(τ+δ)/M} − 1)·T_s/τ.
inline double daly_expected_wall_time_s(double solve_time_s, double tau_s, double delta_s,
                                        double restart_s, double mtbf_s) {
  return mtbf_s * std::exp(restart_s / mtbf_s) * std::expm1((tau_s + delta_s) / mtbf_s) *
         solve_time_s / tau_s;
}

// Effective training time ratio T_s / T_w (independent of T_s).
inline double expected_ettr(double tau_s, double delta_s, double restart_s, double mtbf_s) {
  return 1.0 / daly_expected_wall_time_s(1.0, tau_s, delta_s, restart_s, mtbf_s);
}

}  // namespace ct::faults
