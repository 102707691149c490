// Facility power swings at the tick's resolution.
//
// The engine feeds one value per tick: the facility power averaged over the tick, P_i. Then
//   peak demand          = max_i P_i
//   largest step         = max_i |P_i − P_{i−1}|                 (W)
//   largest ramp         = largest step / tick_s                 (W/s)
//   largest window swing = max over every run of consecutive ticks spanning at most window_s
//                          (n = ⌊window_s/tick_s⌋ + 1 samples, at least 2) of max − min   (W)
// The window swing sees a stall that drains power over several ticks, which the single-tick step
// splits up. Anything faster than the tick is averaged away: finer ticks can only raise the
// figures. Sliding max/min with monotone queues in fixed buffers: O(1) amortized per tick, no
// allocation after construction.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

namespace ct::power {

class SwingMeter {
 public:
  explicit SwingMeter(double tick_s, double window_s = 60.0)
      : tick_s_(tick_s),
        window_samples_(window_sample_count(tick_s, window_s)),
        max_queue_(window_samples_),
        min_queue_(window_samples_) {}

  void observe(double facility_power_w) {
    const std::uint64_t i = ticks_++;
    if (i == 0) {
      peak_w_ = min_w_ = facility_power_w;
    } else {
      peak_w_ = std::max(peak_w_, facility_power_w);
      min_w_ = std::min(min_w_, facility_power_w);
      largest_step_w_ = std::max(largest_step_w_, std::abs(facility_power_w - last_w_));
    }
    last_w_ = facility_power_w;
    max_queue_.push(i, facility_power_w, window_samples_,
                    [](double a, double b) { return a <= b; });
    min_queue_.push(i, facility_power_w, window_samples_,
                    [](double a, double b) { return a >= b; });
    largest_window_swing_w_ =
        std::max(largest_window_swing_w_, max_queue_.front_value() - min_queue_.front_value());
  }

  std::uint64_t ticks() const { return ticks_; }
  double tick_s() const { return tick_s_; }
  std::size_t window_samples() const { return window_samples_; }
  double peak_w() const { return peak_w_; }  // 0 before the first tick
  double min_w() const { return min_w_; }
  double largest_step_w() const { return largest_step_w_; }
  double largest_ramp_w_per_s() const { return largest_step_w_ / tick_s_; }
  double largest_window_swing_w() const { return largest_window_swing_w_; }
  template <class Archive>
  void serialize(Archive& ar) {  // restart files
    ar(max_queue_, min_queue_, ticks_, last_w_, peak_w_, min_w_, largest_step_w_,
       largest_window_swing_w_);
  }

 private:
  static std::size_t window_sample_count(double tick_s, double window_s) {
    if (!(tick_s > 0.0) || !(window_s >= 0.0) || !std::isfinite(window_s)) {
      throw std::invalid_argument("SwingMeter: need tick_s > 0 and a finite window_s ≥ 0");
    }
    // Tolerance so that window_s = 60, tick_s = 0.1 gives 601 samples despite rounding.
    const auto ticks = static_cast<std::size_t>(std::floor(window_s / tick_s * (1.0 + 1e-12)));
    return std::max<std::size_t>(ticks + 1, 2);
  }

  // Monotone queue of (tick, value) in a ring buffer of the window's capacity: the front is the
  // extreme value of the current window.
  class MonotoneQueue {
   public:
    explicit MonotoneQueue(std::size_t capacity) : ticks_(capacity), values_(capacity) {}

    // dominated(old, new): the old value can never again be the extreme once `new` is in.
    template <class Dominated>
    void push(std::uint64_t tick, double value, std::size_t window, Dominated dominated) {
      while (count_ > 0 && ticks_[head_] + window <= tick) pop_front();
      while (count_ > 0 && dominated(values_[back()], value)) --count_;
      const std::size_t slot = (head_ + count_) % ticks_.size();
      ticks_[slot] = tick;
      values_[slot] = value;
      ++count_;
    }
    double front_value() const { return values_[head_]; }
    template <class Archive>
    void serialize(Archive& ar) {
      ar(ticks_, values_, head_, count_);
    }

   private:
    std::size_t back() const { return (head_ + count_ - 1) % ticks_.size(); }
    void pop_front() {
      head_ = (head_ + 1) % ticks_.size();
      --count_;
    }
    std::vector<std::uint64_t> ticks_;
    std::vector<double> values_;
    std::size_t head_ = 0;
    std::size_t count_ = 0;
  };

  double tick_s_;
  std::size_t window_samples_;
  MonotoneQueue max_queue_;
  MonotoneQueue min_queue_;
  std::uint64_t ticks_ = 0;
  double last_w_ = 0.0;
  double peak_w_ = 0.0;
  double min_w_ = 0.0;
  double largest_step_w_ = 0.0;
  double largest_window_swing_w_ = 0.0;
};

}  // namespace ct::power
