#include "sched/scheduler.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "sched/strings.hpp"

namespace ct::sched {

namespace {

std::string number_text(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

}  // namespace

double PolicyOptions::number(const std::string& key, double fallback, double lo, double hi) const {
  read_.insert(key);
  const auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  const std::string& text = it->second;
  double v = 0.0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(v)) {
    throw std::invalid_argument(cat({"option '", key, "': '", text, "' is not a number"}));
  }
  if (v < lo || v > hi) {
    throw std::invalid_argument(cat({"option '", key, "': ", text, " is outside [", number_text(lo),
                                     ", ", number_text(hi), "]"}));
  }
  return v;
}

std::int64_t PolicyOptions::integer(const std::string& key, std::int64_t fallback, std::int64_t lo,
                                    std::int64_t hi) const {
  const double v =
      number(key, static_cast<double>(fallback), static_cast<double>(lo), static_cast<double>(hi));
  if (v != std::floor(v)) {
    throw std::invalid_argument(
        cat({"option '", key, "': ", values_.at(key), " is not a whole number"}));
  }
  return static_cast<std::int64_t>(v);
}

bool PolicyOptions::flag(const std::string& key, bool fallback) const {
  read_.insert(key);
  const auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  if (it->second == "true") return true;
  if (it->second == "false") return false;
  throw std::invalid_argument(cat({"option '", key, "': '", it->second, "' is not true or false"}));
}

std::string PolicyOptions::choice(const std::string& key, const std::string& fallback,
                                  std::initializer_list<std::string_view> allowed) const {
  read_.insert(key);
  const auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  std::string list;
  for (const auto a : allowed) {
    if (a == it->second) return it->second;
    list += list.empty() ? "" : ", ";
    list += a;
  }
  throw std::invalid_argument(cat({"option '", key, "': '", it->second, "' is not one of ", list}));
}

void PolicyOptions::reject_unknown(std::string_view policy) const {
  for (const auto& [key, value] : values_) {
    if (read_.count(key) == 0) {
      std::string known;
      for (const auto& k : read_) known.append(known.empty() ? "" : ", ").append(k);
      throw std::invalid_argument(
          cat({"option '", key, "': unknown for policy '", policy, "' (known: ", known, ")"}));
    }
  }
}

Pass::Pass(const ClusterView& view, double now_s, PlacementMode placement, bool power_gate)
    : view_(&view),
      now_(now_s),
      placement_(placement),
      power_gate_(power_gate && view.power.node_power_w > 0.0 && view.power.headroom_w < kNever),
      pool_(view.topology != nullptr ? FreePool(*view.topology, view.free_nodes)
                                     : throw std::invalid_argument("ClusterView: no topology")),
      power_left_w_(view.power.headroom_w) {
  releases_.reserve(view.running.size() + view.queue.size());
  for (const RunningJob& r : view.running) {
    releases_.push_back({std::max(r.requested_end_s, now_s), r.id, r.nodes});
    running_power_w_ += static_cast<double>(r.nodes) * view.power.node_power_w;
  }
  std::sort(releases_.begin(), releases_.end(), [](const Release& a, const Release& b) {
    return a.end_s != b.end_s ? a.end_s < b.end_s : a.id < b.id;
  });
}

Pass::Fit Pass::fit(const QueuedJob& job) const {
  if (power_gate_) {
    const double need_w = static_cast<double>(job.nodes) * view_->power.node_power_w;
    if (need_w > power_left_w_ + running_power_w_) return Fit::never;
    if (job.nodes > pool_.free()) return Fit::nodes_later;
    return need_w <= power_left_w_ ? Fit::now : Fit::power_later;
  }
  return job.nodes <= pool_.free() ? Fit::now : Fit::nodes_later;
}

void Pass::start(const QueuedJob& job, DecisionSet& out) {
  Placement p = pool_.take(job.nodes, placement_);
  Decision d;
  d.kind = Decision::Kind::start;
  d.job_id = job.id;
  d.nodes = std::move(p.nodes);
  d.locality = p.locality;
  out.decisions.push_back(std::move(d));
  if (power_gate_) {
    const double w = static_cast<double>(job.nodes) * view_->power.node_power_w;
    power_left_w_ -= w;
    running_power_w_ += w;
  }
  const Release r{now_ + job.walltime_s, job.id, job.nodes};
  const auto at = std::upper_bound(releases_.begin(), releases_.end(), r,
                                   [](const Release& a, const Release& b) {
                                     return a.end_s != b.end_s ? a.end_s < b.end_s : a.id < b.id;
                                   });
  releases_.insert(at, r);
}

Pass::Plan Pass::reservation(const QueuedJob& head) const {
  Plan plan;
  if (fit(head) == Fit::power_later) {
    plan.power_blocked = true;
    plan.shadow_s = now_;
    return plan;
  }
  std::int64_t available = pool_.free();
  for (const Release& r : releases_) {
    available += r.nodes;
    if (available >= head.nodes) {
      plan.shadow_s = r.end_s;
      plan.extra_nodes = available - head.nodes;
      return plan;
    }
  }
  plan.shadow_s = kNever;  // cannot be reserved with the nodes up now: no promise to keep
  plan.extra_nodes = std::numeric_limits<std::int64_t>::max();
  return plan;
}

std::vector<const QueuedJob*> fcfs_order(std::span<const QueuedJob> queue) {
  std::vector<const QueuedJob*> order;
  order.reserve(queue.size());
  for (const QueuedJob& q : queue) order.push_back(&q);
  std::sort(order.begin(), order.end(), [](const QueuedJob* a, const QueuedJob* b) {
    return a->order_s != b->order_s ? a->order_s < b->order_s : a->id < b->id;
  });
  return order;
}

}  // namespace ct::sched
