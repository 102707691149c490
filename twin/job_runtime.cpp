#include "twin/job_runtime.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace ct::twin {

namespace {
constexpr double kNever = std::numeric_limits<double>::infinity();
}

void JobRuntime::make_durable(double iterations, double time_s) {
  previous_durable_ = Durable{durable_iterations_, durable_mark_, durable_time_s_};
  durable_iterations_ = iterations;
  durable_time_s_ = time_s;
  durable_pending_ = true;  // the compute mark is the snapshot's, resolved in settle_tick
  ++checkpoints_completed_;
  ++marks_.checkpoint_ends;
  marks_.last_checkpoint_end_s = time_s;
}

void JobRuntime::add_segment(double start_s, double end_s, SegmentKind kind) {
  if (!(end_s > start_s)) return;
  if (!segments_.empty() && segments_.back().kind == kind && segments_.back().end_s == start_s)
    segments_.back().end_s = end_s;
  else
    segments_.push_back(TickSegment{start_s, end_s, kind});
}

JobTickShare JobRuntime::advance(double t0_s, double t1_s) {
  JobTickShare share;
  tick_running_s_ = 0.0;
  segments_.clear();
  tick_time_s_.fill(0.0);
  tick_energy_j_.fill(0.0);
  double t = t0_s;
  // Each pass ends a phase or the tick; phases have positive length or change state, so this
  // terminates; the bound only guards against a logic error.
  for (int pass = 0; t < t1_s; ++pass) {
    if (pass > 100000) throw std::logic_error("job state machine does not advance");
    switch (phase_) {
      case JobPhase::running: {
        double until_checkpoint = kNever;
        if (t_.checkpoint_interval_steps > 0)
          until_checkpoint = (iterations_at_last_checkpoint_ +
                              static_cast<double>(t_.checkpoint_interval_steps) - iterations_) *
                             t_.step_s;
        else if (t_.checkpoint_interval_s > 0.0)
          until_checkpoint = t_.checkpoint_interval_s - running_since_checkpoint_s_;
        until_checkpoint = std::max(until_checkpoint, 0.0);
        const double until_write = write_in_flight_ ? std::max(write_end_s_ - t, 0.0) : kNever;
        const double until_done = t_.work_iterations > 0.0
                                      ? std::max(t_.work_iterations - iterations_, 0.0) * t_.step_s
                                      : kNever;
        const double seg = std::min({t1_s - t, until_checkpoint, until_write, until_done});
        iterations_ += seg / t_.step_s;
        running_since_checkpoint_s_ += seg;
        tick_running_s_ += seg;
        share.running_s += seg;
        add_segment(t, t + seg, SegmentKind::running);
        t = seg == until_write ? write_end_s_ : t + seg;
        if (write_in_flight_ && seg == until_write) {
          write_in_flight_ = false;
          make_durable(write_iterations_, t);
        }
        if (seg == until_done && seg < until_checkpoint) {
          // The work is done: exact, not the rounding of seg / step_s.
          iterations_ = t_.work_iterations;
          done_at_s_ = t;
          enter(JobPhase::done, kNever);
          break;
        }
        if (seg == until_checkpoint) {
          // Snapshot: the state that becomes durable when the write completes.
          snapshot_iterations_ = iterations_;
          snapshot_pending_ = true;
          snapshot_running_before_s_ = tick_running_s_;
          running_since_checkpoint_s_ = 0.0;
          iterations_at_last_checkpoint_ = iterations_;
          ++marks_.checkpoint_starts;
          marks_.last_checkpoint_start_s = t;
          enter(JobPhase::checkpointing, t + t_.checkpoint_stall_s);
        }
        break;
      }
      case JobPhase::checkpointing: {
        const double end = std::min(t1_s, phase_end_s_);
        share.checkpoint_s += end - t;
        add_segment(t, end, SegmentKind::checkpoint);
        t = end;
        if (t >= phase_end_s_) {
          if (t_.asynchronous) {
            write_in_flight_ = true;
            write_end_s_ = t + t_.checkpoint_write_s;
            write_iterations_ = snapshot_iterations_;
          } else {
            make_durable(snapshot_iterations_, t);
          }
          enter(JobPhase::running, kNever);
          if (stop_requested_) {
            stopped_ = true;
            done_at_s_ = t;
            enter(JobPhase::done, kNever);
          }
        }
        break;
      }
      case JobPhase::detecting:
      case JobPhase::restarting:
      case JobPhase::loading: {
        const double end = std::min(t1_s, phase_end_s_);
        share.recovery_s += std::max(end - t, 0.0);
        add_segment(t, end, SegmentKind::recovery);
        t = std::max(end, t);
        if (t >= phase_end_s_) {
          const double at = phase_end_s_;
          if (phase_ == JobPhase::detecting) {
            if (missing_)
              enter(JobPhase::waiting, kNever);
            else
              enter(JobPhase::restarting, at + t_.restart_s);
          } else if (phase_ == JobPhase::restarting) {
            enter(JobPhase::loading, at + t_.load_s);
          } else {
            ++marks_.recovery_ends;
            marks_.last_recovery_end_s = at;
            enter(JobPhase::running, kNever);
          }
        }
        break;
      }
      case JobPhase::waiting:
        share.waiting_s += t1_s - t;
        add_segment(t, t1_s, SegmentKind::waiting);
        t = t1_s;
        break;
      case JobPhase::done:
        share.done_s += t1_s - t;
        t = t1_s;
        break;
    }
  }
  return share;
}

void JobRuntime::settle_tick(const CategoryValues& time_s, const CategoryValues& energy_j) {
  tick_time_s_ = time_s;
  tick_energy_j_ = energy_j;
  if (snapshot_pending_) {
    // The snapshot's share of the tick's running time came before it.
    const double before =
        tick_running_s_ > 0.0 ? snapshot_running_before_s_ / tick_running_s_ : 1.0;
    for (Category c : kRunningCategories) {
      snapshot_mark_.time_s[c] = running_.time_s[c] + before * time_s[c];
      snapshot_mark_.energy_j[c] = running_.energy_j[c] + before * energy_j[c];
    }
    snapshot_pending_ = false;
  }
  for (Category c : kRunningCategories) {
    running_.time_s[c] += time_s[c];
    running_.energy_j[c] += energy_j[c];
  }
  if (durable_pending_) {
    durable_mark_ = snapshot_mark_;
    durable_pending_ = false;
  }
}

JobRuntime::Loss JobRuntime::fail(double time_s, bool planned, double downtime_s,
                                  bool spares_missing) {
  Loss loss;
  // Done before the failure: nothing to lose. Done after it (same tick): it did not happen.
  if (phase_ == JobPhase::done && done_at_s_ <= time_s) return loss;
  stopped_ = false;
  stop_requested_ = false;
  write_in_flight_ = false;
  snapshot_pending_ = false;
  durable_pending_ = false;
  // The tick was booked before the failure was known: its stretches after the failure instant
  // become recovery (detection runs from the instant). Each kind's time and energy are uniform
  // over its stretches within a tick (one clock, constant activities), so the part after the
  // instant is that kind's share of its seconds.
  std::array<double, 4> total{}, after{};
  for (const TickSegment& s : segments_) {
    const auto k = static_cast<std::size_t>(s.kind);
    total[k] += s.end_s - s.start_s;
    after[k] += std::max(s.end_s - std::max(s.start_s, time_s), 0.0);
  }
  auto kind_of = [](int c) {
    return is_running_category(c) ? SegmentKind::running
           : c == checkpoint      ? SegmentKind::checkpoint
           : c == waiting         ? SegmentKind::waiting
                                  : SegmentKind::recovery;
  };
  for (int c = 0; c < kCategoryCount; ++c) {
    if (c == recovery || c == lost || c == unallocated) continue;
    const auto k = static_cast<std::size_t>(kind_of(c));
    if (!(after[k] > 0.0)) continue;
    const double f = std::min(after[k] / total[k], 1.0);
    const double mt = f * tick_time_s_[c], me = f * tick_energy_j_[c];
    loss.recovery_time_s[c] = mt;
    loss.recovery_energy_j[c] = me;
    tick_time_s_[c] -= mt, tick_time_s_[recovery] += mt;
    tick_energy_j_[c] -= me, tick_energy_j_[recovery] += me;
    if (is_running_category(c)) {
      running_.time_s[c] -= mt;
      running_.energy_j[c] -= me;
    }
  }
  const double running_after_s = after[static_cast<std::size_t>(SegmentKind::running)];
  if (running_after_s > 0.0) iterations_ -= running_after_s / t_.step_s;
  if (!segments_.empty() && segments_.back().end_s > time_s) {
    const double t0 = segments_.front().start_s, t1 = segments_.back().end_s;
    std::erase_if(segments_, [&](const TickSegment& s) { return s.start_s >= time_s; });
    if (!segments_.empty()) segments_.back().end_s = std::min(segments_.back().end_s, time_s);
    add_segment(std::max(t0, time_s), t1, SegmentKind::recovery);
  }
  if (planned) {
    // Announced: the job checkpoints before stopping, nothing is lost.
    durable_iterations_ = iterations_;
    durable_mark_ = running_;
    durable_time_s_ = time_s;
    missing_ = spares_missing;
    enter(JobPhase::restarting, time_s + downtime_s + t_.restart_s);
  } else {
    // A durable point reached after the failure instant (same tick) did not happen.
    if (durable_time_s_ > time_s) {
      durable_iterations_ = previous_durable_.iterations;
      durable_mark_ = previous_durable_.mark;
      durable_time_s_ = previous_durable_.time_s;
    }
    // Every running category of the iterations since then is thrown away.
    for (Category c : kRunningCategories) {
      loss.lost_time_s[c] = std::max(running_.time_s[c] - durable_mark_.time_s[c], 0.0);
      loss.lost_energy_j[c] = std::max(running_.energy_j[c] - durable_mark_.energy_j[c], 0.0);
    }
    loss.iterations = iterations_ - durable_iterations_;
    iterations_ = durable_iterations_;
    running_ = durable_mark_;
    missing_ = spares_missing;
    enter(JobPhase::detecting, time_s + t_.detection_s);
  }
  running_since_checkpoint_s_ = 0.0;
  iterations_at_last_checkpoint_ = iterations_;
  return loss;
}

void JobRuntime::request_stop(double time_s) {
  if (phase_ == JobPhase::done) return;
  if (phase_ == JobPhase::running) {
    // Checkpoint now, synchronously, and stop when it is durable.
    snapshot_iterations_ = iterations_;
    snapshot_pending_ = true;
    snapshot_running_before_s_ = tick_running_s_;
    running_since_checkpoint_s_ = 0.0;
    iterations_at_last_checkpoint_ = iterations_;
    ++marks_.checkpoint_starts;
    marks_.last_checkpoint_start_s = time_s;
    t_.asynchronous = false;  // the stop waits for the whole write
    stop_requested_ = true;
    enter(JobPhase::checkpointing, time_s + t_.checkpoint_stall_s + t_.checkpoint_write_s);
    return;
  }
  if (phase_ == JobPhase::checkpointing) {  // the checkpoint in progress is the last
    t_.asynchronous = false;
    stop_requested_ = true;
    return;
  }
  // Not running: what is durable stays; the rest is given up.
  iterations_ = durable_iterations_;
  stopped_ = true;
  done_at_s_ = time_s;
  enter(JobPhase::done, kNever);
}

void JobRuntime::spares_ready(double time_s) {
  missing_ = false;
  if (phase_ == JobPhase::waiting) enter(JobPhase::restarting, time_s + t_.restart_s);
}

void JobRuntime::preempt(double time_s) {
  (void)fail(time_s, true, 0.0, true);  // announced: durable now, nothing lost
  enter(JobPhase::waiting, kNever);
}

}  // namespace ct::twin
