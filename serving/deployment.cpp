#include "serving/deployment.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

namespace ct::serving {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}

Deployment::Deployment(const DeploymentSpec& spec, std::uint64_t seed, std::uint32_t deployment_id)
    : spec_(&spec), source_(&spec.arrivals, seed, deployment_id) {
  pending_ = source_.next();
  const auto n = static_cast<std::size_t>(spec.replicas);
  replicas_.resize(n);
  tick_.resize(n);
  indexed_.assign(n, 0);
  indexed_batch_.assign(n, 0);
  const double kv_bytes = spec.model.kv_bytes_per_token;
  kv_capacity_tokens_ =
      kv_bytes > 0.0 ? kv_capacity_bytes(spec.model, spec.hardware) / kv_bytes : kInf;
  available_ = spec.replicas;
  batch_limit_ = spec.max_batch;
  const AutoscaleSpec& a = spec.autoscale;
  wanted_ = !a.enabled               ? spec.replicas
            : a.initial_replicas > 0 ? std::min(a.initial_replicas, spec.replicas)
                                     : spec.min_replicas;
  demanded_ = wanted_;
  for (std::int64_t r = 0; r < wanted_; ++r) replicas_[r].state = ReplicaState::active;
  rebuild_indexes();
}

std::int64_t Deployment::limit() const { return std::min(spec_->max_batch, batch_limit_); }

std::int64_t Deployment::serving_replicas() const {
  std::int64_t n = 0;
  for (std::int64_t r = 0; r < available_; ++r)
    n += replicas_[r].state == ReplicaState::active || replicas_[r].state == ReplicaState::warming;
  return n;
}

// --- indexes of replicas that can take a request -------------------------------------------------

void Deployment::unindex(std::int64_t r) {
  if (indexed_[r] == 1) idle_.erase(r);
  if (indexed_[r] == 2) room_.erase({indexed_batch_[r], r});
  indexed_[r] = 0;
}

void Deployment::index(std::int64_t r) {
  unindex(r);
  const Replica& rep = replicas_[r];
  if (r >= available_ || rep.state != ReplicaState::active) return;
  const auto batch = static_cast<std::int64_t>(rep.seqs.size());
  if (rep.busy == Busy::idle) {
    idle_.insert(r);
    indexed_[r] = 1;
  } else if (rep.busy == Busy::decode && batch < limit()) {
    room_.insert({batch, r});
    indexed_[r] = 2;
    indexed_batch_[r] = batch;
  }
}

void Deployment::rebuild_indexes() {
  const auto n = replicas_.size();
  idle_.clear();
  room_.clear();
  indexed_.assign(n, 0);
  indexed_batch_.assign(n, 0);
  tick_.resize(n);
  heap_.clear();
  for (std::size_t r = 0; r < n; ++r) {
    const Replica& rep = replicas_[r];
    const bool pending_event =
        rep.busy != Busy::idle ||
        ((rep.state == ReplicaState::warming || rep.state == ReplicaState::recovering) &&
         static_cast<std::int64_t>(r) < available_);
    if (pending_event)
      heap_.push_back(Event{rep.seg_end_s, static_cast<std::int64_t>(r), rep.epoch});
    index(static_cast<std::int64_t>(r));
  }
  std::make_heap(heap_.begin(), heap_.end(), std::greater<>{});
}

// --- time ----------------------------------------------------------------------------------------

void Deployment::integrate(double t_s) {
  const double dt = t_s - now_s_;
  if (dt > 0.0) {
    const double q = static_cast<double>(queue_.size()) * dt;
    const double f = static_cast<double>(in_flight_) * dt;
    run_.queue_req_s += q;
    interval_.queue_req_s += q;
    run_.in_flight_req_s += f;
    interval_.in_flight_req_s += f;
    window_queue_ += q;
    window_in_flight_ += f;
    now_s_ = t_s;
  }
}

void Deployment::account(std::int64_t r, double t_s) {
  Replica& rep = replicas_[r];
  const double dt = t_s - rep.accounted_s;
  if (!(dt > 0.0)) return;
  rep.accounted_s = t_s;
  if (r >= available_) return;  // lent: its nodes belong to another job
  ReplicaTick& u = tick_[r];
  switch (rep.state) {
    case ReplicaState::recovering:
      u.recovery_s += dt;
      return;
    case ReplicaState::waiting:
      u.waiting_s += dt;
      return;
    case ReplicaState::standby:
    case ReplicaState::warming:
      u.idle_s += dt;
      return;
    case ReplicaState::active:
    case ReplicaState::draining:
      break;
  }
  switch (rep.busy) {
    case Busy::prefill:
      u.prefill_s += dt;
      u.prefill_activity_s += dt * rep.run_activity;
      break;
    case Busy::decode:
      u.decode_s += dt;
      u.decode_activity_s += dt * rep.run_activity;
      break;
    case Busy::idle:
      u.idle_s += dt;
      break;
  }
}

void Deployment::schedule(std::int64_t r, double end_s) {
  Replica& rep = replicas_[r];
  rep.seg_end_s = end_s;
  ++rep.epoch;
  heap_.push_back(Event{end_s, r, rep.epoch});
  std::push_heap(heap_.begin(), heap_.end(), std::greater<>{});
}

void Deployment::advance(double t0_s, double t1_s, double clock_ratio, std::int64_t batch_limit) {
  for (ReplicaTick& u : tick_) u = ReplicaTick{};
  batch_limit = std::clamp<std::int64_t>(batch_limit, 1, spec_->max_batch);
  const bool limit_changed = batch_limit != batch_limit_;
  batch_limit_ = batch_limit;
  if (limit_changed)
    for (std::size_t r = 0; r < replicas_.size(); ++r) index(static_cast<std::int64_t>(r));
  if (clock_ratio != clock_) {
    // Runs planned at the old clock end at their first step boundary from now on, and the
    // replica plans the rest at the new clock.
    clock_ = clock_ratio;
    for (std::size_t r = 0; r < replicas_.size(); ++r) {
      const Replica& rep = replicas_[r];
      if (rep.busy == Busy::decode && rep.run_clock != clock_)
        cut_run(static_cast<std::int64_t>(r), t0_s);
    }
  }
  const AutoscaleSpec& a = spec_->autoscale;
  if (a.enabled && t0_s - window_start_s_ >= a.interval_s * (1.0 - 1e-12)) autoscale(t0_s);

  for (;;) {
    while (!heap_.empty()) {  // drop events made stale by a later schedule()
      const Event& top = heap_.front();
      if (top.epoch == replicas_[top.replica].epoch) break;
      std::pop_heap(heap_.begin(), heap_.end(), std::greater<>{});
      heap_.pop_back();
    }
    const double te = heap_.empty() ? kInf : heap_.front().time_s;
    const double ta = pending_.arrival_s;
    if (std::min(te, ta) >= t1_s) break;
    if (te <= ta) {
      const Event e = heap_.front();
      std::pop_heap(heap_.begin(), heap_.end(), std::greater<>{});
      heap_.pop_back();
      integrate(e.time_s);
      end_segment(e.replica, e.time_s);
    } else {
      integrate(ta);
      arrive(ta);
      pending_ = source_.next();
    }
  }
  integrate(t1_s);
  for (std::size_t r = 0; r < replicas_.size(); ++r) account(static_cast<std::int64_t>(r), t1_s);
}

// --- replicas ------------------------------------------------------------------------------------

bool Deployment::admits(const Replica& rep, const Queued& q) const {
  return rep.kv_reserved + static_cast<double>(q.prompt) + static_cast<double>(q.output) <=
         kv_capacity_tokens_;
}

void Deployment::decide(std::int64_t r, double t_s) {
  Replica& rep = replicas_[r];
  const DeploymentSpec& sp = *spec_;
  rep.busy = Busy::idle;
  if (rep.state == ReplicaState::draining && rep.seqs.empty()) {
    rep.state = ReplicaState::standby;
    ++rep.epoch;
    unindex(r);
    return;
  }
  if (rep.state != ReplicaState::active && rep.state != ReplicaState::draining) {
    unindex(r);
    return;
  }
  if (rep.state == ReplicaState::active && !queue_.empty() &&
      static_cast<std::int64_t>(rep.seqs.size()) < limit()) {
    double tokens = 0.0;
    std::int64_t k = 0;
    while (!queue_.empty() && static_cast<std::int64_t>(rep.seqs.size()) < limit()) {
      const Queued& q = queue_.front();
      if (!admits(rep, q)) break;
      if (k > 0 && tokens + q.prompt > static_cast<double>(sp.max_prefill_tokens)) break;
      Sequence s;
      s.id = q.id;
      s.arrival_s = q.arrival_s;
      s.admitted_s = t_s;
      s.prompt = q.prompt;
      s.output = q.output;
      s.attempts = q.attempts;
      if (q.attempts == 0) {
        run_.wait_sum_s += t_s - q.arrival_s;
        interval_.wait_sum_s += t_s - q.arrival_s;
        ++run_.wait_n;
        ++interval_.wait_n;
      }
      rep.kv_reserved += static_cast<double>(q.prompt) + static_cast<double>(q.output);
      rep.context += static_cast<double>(q.prompt);
      tokens += static_cast<double>(q.prompt);
      rep.seqs.push_back(s);
      queue_.pop_front();
      ++in_flight_;
      ++k;
    }
    if (k > 0) {
      const StepParts p = prefill_step(sp.model, sp.hardware, tokens);
      const double d = p.time_s(clock_);
      rep.run_activity = p.activity(clock_, sp.hardware.memory_activity);
      for (std::size_t i = rep.seqs.size() - static_cast<std::size_t>(k); i < rep.seqs.size(); ++i)
        rep.seqs[i].prefill_work_s = d * static_cast<double>(rep.seqs[i].prompt) / tokens;
      rep.prefilling = k;
      rep.busy = Busy::prefill;
      rep.seg_start_s = t_s;
      unindex(r);
      schedule(r, t_s + d);
      return;
    }
  }
  if (!rep.seqs.empty()) {
    std::int64_t n = std::numeric_limits<std::int64_t>::max();
    for (const Sequence& s : rep.seqs) n = std::min<std::int64_t>(n, s.output - s.generated);
    n = std::max<std::int64_t>(n, 1);
    const auto batch = static_cast<double>(rep.seqs.size());
    rep.run = DecodeRun::make(sp.model, sp.hardware, batch, rep.context, clock_);
    rep.run_clock = clock_;
    rep.run_steps = n;
    rep.run_activity = rep.run.activity(n);
    rep.busy = Busy::decode;
    rep.seg_start_s = t_s;
    schedule(r, t_s + rep.run.time_s(n));
    index(r);
    return;
  }
  ++rep.epoch;  // nothing to do: no event until an arrival
  index(r);
}

void Deployment::complete(Replica& rep, std::size_t k, double t_s) {
  const DeploymentSpec& sp = *spec_;
  const Sequence& s = rep.seqs[k];
  const double ttft = s.first_token_s - s.arrival_s;
  const bool has_tpot = s.output > 1;
  const double tpot = has_tpot ? (t_s - s.first_token_s) / static_cast<double>(s.output - 1) : 0.0;
  const bool good = ttft <= sp.ttft_target_s && (!has_tpot || tpot <= sp.tpot_target_s);
  for (ServiceStats* st : {&run_, &interval_}) {
    ++st->completed;
    st->good += good ? 1 : 0;
    st->output_tokens += static_cast<double>(s.output);
    st->prompt_tokens += static_cast<double>(s.prompt);
    st->ttft_sum_s += ttft;
    st->e2e_sum_s += t_s - s.arrival_s;
    st->ttft.add(ttft);
    if (has_tpot) {
      st->tpot_sum_s += tpot;
      ++st->tpot_n;
      st->tpot.add(tpot);
    }
  }
  rep.kv_reserved -= static_cast<double>(s.prompt) + static_cast<double>(s.output);
  rep.context -= static_cast<double>(s.prompt) + static_cast<double>(s.generated);
  --in_flight_;
}

void Deployment::end_segment(std::int64_t r, double t_s) {
  account(r, t_s);
  Replica& rep = replicas_[r];
  if (rep.state == ReplicaState::warming || rep.state == ReplicaState::recovering) {
    rep.state = ReplicaState::active;
    rep.busy = Busy::idle;
    rep.seqs.clear();
    decide(r, t_s);
    return;
  }
  if (rep.busy == Busy::prefill) {
    const std::size_t first = rep.seqs.size() - static_cast<std::size_t>(rep.prefilling);
    for (std::size_t i = first; i < rep.seqs.size(); ++i) {
      Sequence& s = rep.seqs[i];
      s.first_token_s = t_s;
      s.generated = 1;  // the prefill produces the first token
      s.decode_mark = rep.decode_work;
    }
    rep.prefilling = 0;
  } else if (rep.busy == Busy::decode) {
    const std::int64_t n = rep.run_steps;
    const auto batch = static_cast<double>(rep.seqs.size());
    rep.decode_work += rep.run.time_s(n) / batch;
    for (Sequence& s : rep.seqs) s.generated += static_cast<std::int32_t>(n);
    rep.context += static_cast<double>(n) * batch;
  }
  // Sequences that have all their tokens leave the batch (in order, for determinism).
  std::size_t kept = 0;
  for (std::size_t i = 0; i < rep.seqs.size(); ++i) {
    if (rep.seqs[i].generated >= rep.seqs[i].output)
      complete(rep, i, t_s);
    else
      rep.seqs[kept++] = rep.seqs[i];
  }
  rep.seqs.resize(kept);
  decide(r, t_s);
}

void Deployment::cut_run(std::int64_t r, double t_s) {
  Replica& rep = replicas_[r];
  if (rep.busy != Busy::decode) return;
  const std::int64_t k = std::min(rep.run.steps_to_reach(t_s - rep.seg_start_s), rep.run_steps);
  if (k >= rep.run_steps) return;
  rep.run_steps = k;
  if (k > 0) rep.run_activity = rep.run.activity(k);
  schedule(r, rep.seg_start_s + rep.run.time_s(k));
}

void Deployment::arrive(double t_s) {
  const Request& q = pending_;
  ++run_.arrived;
  ++interval_.arrived;
  if (static_cast<double>(q.prompt_tokens) + static_cast<double>(q.output_tokens) >
          kv_capacity_tokens_ ||
      static_cast<std::int64_t>(queue_.size()) >= spec_->max_queue) {
    ++run_.rejected;  // can never fit a replica's KV cache, or the queue is full (shed)
    ++interval_.rejected;
    return;
  }
  queue_.push_back(Queued{next_seq_++, t_s, q.prompt_tokens, q.output_tokens, 0});
  // An idle replica starts at once; otherwise the least busy replica with room admits it at its
  // next step boundary.
  if (!idle_.empty()) {
    const std::int64_t r = *idle_.begin();
    account(r, t_s);
    decide(r, t_s);
  } else if (!room_.empty()) {
    cut_run(room_.begin()->second, t_s);
  }
}

// --- failures, autoscaling, lending --------------------------------------------------------------

LostWork Deployment::take_down(std::int64_t r, double now_s) {
  account(r, now_s);
  Replica& rep = replicas_[r];
  LostWork lw;
  const double seg = rep.seg_end_s - rep.seg_start_s;
  const double done = seg > 0.0 ? std::clamp((now_s - rep.seg_start_s) / seg, 0.0, 1.0) : 1.0;
  const double decode_now =
      rep.decode_work + (rep.busy == Busy::decode && !rep.seqs.empty()
                             ? (now_s - rep.seg_start_s) / static_cast<double>(rep.seqs.size())
                             : 0.0);
  std::vector<Queued> retry;
  const std::size_t first_prefill = rep.seqs.size() - static_cast<std::size_t>(rep.prefilling);
  for (std::size_t i = 0; i < rep.seqs.size(); ++i) {
    const Sequence& s = rep.seqs[i];
    const bool in_prefill = rep.busy == Busy::prefill && i >= first_prefill;
    lw.prefill_s += in_prefill ? s.prefill_work_s * done : s.prefill_work_s;
    if (s.first_token_s >= 0.0) lw.decode_s += std::max(decode_now - s.decode_mark, 0.0);
    for (ServiceStats* st : {&run_, &interval_}) {
      st->lost_tokens += static_cast<double>(s.generated);
      ++st->retried;
    }
    retry.push_back(Queued{s.id, s.arrival_s, s.prompt, s.output, s.attempts + 1});
    ++lw.requests;
  }
  std::sort(retry.begin(), retry.end(), [](const Queued& a, const Queued& b) {
    return a.arrival_s != b.arrival_s ? a.arrival_s < b.arrival_s : a.id < b.id;
  });
  queue_.insert(queue_.begin(), retry.begin(), retry.end());
  in_flight_ -= static_cast<std::int64_t>(rep.seqs.size());
  rep.seqs.clear();
  rep.prefilling = 0;
  rep.kv_reserved = 0.0;
  rep.context = 0.0;
  rep.busy = Busy::idle;
  ++rep.epoch;
  unindex(r);
  return lw;
}

LostWork Deployment::fail(std::int64_t r, double time_s, double now_s, bool waiting) {
  const DeploymentSpec& sp = *spec_;
  Replica& rep = replicas_[r];
  if (rep.state == ReplicaState::waiting) return LostWork{};
  const bool was_serving = rep.state == ReplicaState::active || rep.state == ReplicaState::draining;
  LostWork lw = take_down(r, now_s);
  if (waiting) {
    rep.state = ReplicaState::waiting;
  } else if (was_serving || rep.state == ReplicaState::warming ||
             rep.state == ReplicaState::recovering) {
    rep.state = ReplicaState::recovering;
    rep.until_s = std::max(time_s + sp.detection_s + sp.restart_s + sp.load_s, now_s);
    schedule(r, rep.until_s);
  }
  // A standby replica stays standby (it held no model); its nodes were swapped.
  for (std::int64_t k = 0; k < lw.requests && !idle_.empty(); ++k) {
    const std::int64_t i = *idle_.begin();
    account(i, now_s);
    const std::size_t before = queue_.size();
    decide(i, now_s);
    if (queue_.size() == before) break;
  }
  return lw;
}

void Deployment::restore(std::int64_t r, double time_s) {
  Replica& rep = replicas_[r];
  if (rep.state != ReplicaState::waiting) return;
  account(r, std::max(time_s, rep.accounted_s));
  rep.state = ReplicaState::recovering;
  rep.until_s = std::max(time_s + spec_->restart_s + spec_->load_s, now_s_);
  schedule(r, rep.until_s);
}

void Deployment::start_replica(std::int64_t r, double t_s) {
  account(r, t_s);
  Replica& rep = replicas_[r];
  rep.state = ReplicaState::warming;
  rep.until_s = t_s + spec_->autoscale.warmup_s;
  schedule(r, rep.until_s);
}

void Deployment::autoscale(double t_s) {
  const DeploymentSpec& sp = *spec_;
  const double window = t_s - window_start_s_;
  std::int64_t active = 0, serving = 0;
  for (std::int64_t r = 0; r < available_; ++r) {
    const ReplicaState s = replicas_[r].state;
    active += s == ReplicaState::active;
    serving += s == ReplicaState::active || s == ReplicaState::warming;
  }
  const auto cap = static_cast<double>(sp.max_batch);
  last_utilization_ =
      window_in_flight_ / (window * cap * static_cast<double>(std::max<std::int64_t>(active, 1)));
  // Requests in the system (queued or decoding), as replicas at the target occupancy.
  const double demand = (window_in_flight_ + window_queue_) / window;
  auto desired =
      static_cast<std::int64_t>(std::ceil(demand / (cap * sp.autoscale.target_utilization) - 1e-9));
  demanded_ = std::clamp(desired, sp.min_replicas, static_cast<std::int64_t>(replicas_.size()));
  const std::int64_t lo = std::min(sp.min_replicas, available_);
  desired = std::clamp(desired, lo, available_);
  window_in_flight_ = window_queue_ = 0.0;
  window_start_s_ = t_s;
  wanted_ = desired;
  if (desired > serving) {
    std::int64_t need = desired - serving;
    // Draining replicas still hold the model: they serve again at once.
    for (std::int64_t r = 0; r < available_ && need > 0; ++r)
      if (replicas_[r].state == ReplicaState::draining) {
        account(r, t_s);
        replicas_[r].state = ReplicaState::active;
        index(r);
        --need;
      }
    for (std::int64_t r = 0; r < available_ && need > 0; ++r)
      if (replicas_[r].state == ReplicaState::standby) {
        start_replica(r, t_s);
        --need;
      }
  } else if (desired < serving) {
    std::int64_t drop = serving - desired;
    for (std::int64_t r = available_ - 1; r >= 0 && drop > 0; --r) {
      Replica& rep = replicas_[r];
      if (rep.state == ReplicaState::warming) {
        account(r, t_s);
        rep.state = ReplicaState::standby;
        ++rep.epoch;
        --drop;
      } else if (rep.state == ReplicaState::active) {
        account(r, t_s);
        rep.state = ReplicaState::draining;
        unindex(r);
        if (rep.busy == Busy::idle) {
          rep.state = ReplicaState::standby;
          ++rep.epoch;
        }
        --drop;
      }
    }
  }
}

LostWork Deployment::set_available(std::int64_t replicas, double now_s) {
  LostWork total;
  replicas = std::clamp<std::int64_t>(replicas, 0, static_cast<std::int64_t>(replicas_.size()));
  for (std::int64_t r = replicas; r < available_; ++r) {  // lent out
    const LostWork lw = take_down(r, now_s);
    total.prefill_s += lw.prefill_s;
    total.decode_s += lw.decode_s;
    total.requests += lw.requests;
    replicas_[r].state = ReplicaState::standby;
  }
  for (std::int64_t r = available_; r < replicas; ++r) {  // given back: standby from now on
    Replica& rep = replicas_[r];
    rep.accounted_s = now_s;
    rep.state = ReplicaState::standby;
    rep.busy = Busy::idle;
    ++rep.epoch;
  }
  available_ = replicas;
  for (std::int64_t r = 0; r < static_cast<std::int64_t>(replicas_.size()); ++r) index(r);
  for (std::int64_t k = 0; k < total.requests && !idle_.empty(); ++k) {
    const std::int64_t i = *idle_.begin();
    account(i, now_s);
    const std::size_t before = queue_.size();
    decide(i, now_s);
    if (queue_.size() == before) break;
  }
  return total;
}

}  // namespace ct::serving
