#include "power/cap_controller.hpp"

namespace ct::power {

CapResult solve_accelerator_cap(const CapInputs& in) {
  double low_w = std::min(in.accelerator_idle_w + in.min_cap_above_idle_w, in.accelerator_tdp_w);
  double high_w = in.accelerator_tdp_w;
  const double high_facility_w = worst_case_facility_w(in, high_w);
  if (high_facility_w <= in.facility_cap_w) return {high_w, high_facility_w, false, false};
  double low_facility_w = worst_case_facility_w(in, low_w);
  if (low_facility_w > in.facility_cap_w) return {low_w, low_facility_w, true, true};
  // Invariant: F(low) ≤ cap < F(high). Return low, so the bound is one we evaluated.
  for (int i = 0; i < 200 && high_w - low_w > kCapToleranceW; ++i) {
    const double mid_w = 0.5 * (low_w + high_w);
    const double mid_facility_w = worst_case_facility_w(in, mid_w);
    if (mid_facility_w <= in.facility_cap_w) {
      low_w = mid_w;
      low_facility_w = mid_facility_w;
    } else {
      high_w = mid_w;
    }
  }
  return {low_w, low_facility_w, true, false};
}

}  // namespace ct::power
