#include "twin/workloads/serving.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>
#include <stdexcept>

#include "common/random.hpp"
#include "io/schema_binder.hpp"
#include "thermal/accelerator_power.hpp"
#include "twin/series.hpp"
#include "twin/workload.hpp"
#include "workload/placement.hpp"

namespace ct::twin {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// --- scenario keys -----------------------------------------------------------------------------

void bind_model(io::Binder& m, serving::ModelSpec& model) {
  using io::Range;
  m.real("parameters", model.parameters, Range{0.0, 1e15, true, false}, std::nullopt,
         "total parameters (every expert is held in HBM)");
  m.real("active_parameters", model.active_parameters, Range{0.0, 1e15, true, false},
         model.parameters, "parameters used per token (mixture of experts; default: all)");
  if (model.active_parameters > model.parameters)
    m.fail("active_parameters", "exceeds parameters (" + io::format_real(model.parameters) + ")");
  m.integer("layers", model.layers, io::closed(1, 100000), std::nullopt, "transformer layers");
  m.real("hidden_size", model.hidden_size, io::closed(1.0, 1e7), std::nullopt,
         "hidden (model) dimension: sets the tensor-parallel all-reduce sizes");
  std::string precision;
  model.precision = m.choice("precision", precision, {"bf16", "fp8"}, std::string("bf16"),
                             "weights and arithmetic: bf16 (2 bytes, peak BF16 FLOP/s) or fp8 "
                             "(1 byte, twice the peak)") == 0
                        ? serving::Precision::bf16
                        : serving::Precision::fp8;
  // Multi-head attention without grouping as the default; models with grouped-query attention
  // should give theirs (2 · layers · kv_heads · head_dim · bytes).
  const double mha = serving::kv_bytes_per_token(model.layers, 1.0, model.hidden_size,
                                                 model.bytes_per_parameter());
  m.real("kv_bytes_per_token", model.kv_bytes_per_token, io::non_negative(), mha,
         "KV cache per token: 2 · layers · kv_heads · head_dim · bytes (default: no "
         "grouped-query attention, 2 · layers · hidden_size · bytes)");
}

void bind_length(io::Binder& b, serving::LengthDist& d, double fallback) {
  std::string kind;
  d.kind = static_cast<serving::LengthDist::Kind>(
      b.choice("distribution", kind, {"fixed", "uniform", "lognormal"}, std::string("lognormal"),
               "fixed, uniform in [min, max], or lognormal (median `tokens`, σ `sigma`) clamped "
               "to [min, max]"));
  b.real("tokens", d.value, io::closed(1.0, 1e7), fallback,
         "the length (fixed) or the median (lognormal)");
  b.real("sigma", d.sigma, io::closed(0.0, 5.0), 0.8, "lognormal: σ of ln(tokens)");
  b.integer("min", d.min, io::closed(1, 1e7), 1, "shortest length");
  b.integer("max", d.max, io::closed(1, 1e7), 32768, "longest length");
  if (d.max < d.min) b.fail("max", "must be >= min (" + std::to_string(d.min) + ")");
}

void bind_requests(io::Binder& b, serving::ArrivalSpec& a, const io::Scenario& sc) {
  std::string source;
  a.source = b.choice("source", source, {"poisson", "trace"}, std::string("poisson"),
                      "poisson: arrivals at `rate_per_s` with a daily profile; trace: a CSV "
                      "file of arrival_s, prompt_tokens, output_tokens") == 0
                 ? serving::ArrivalSpec::Source::poisson
                 : serving::ArrivalSpec::Source::trace;
  b.real("rate_per_s", a.rate_per_s, io::non_negative(), 10.0,
         "poisson: mean arrival rate λ̄ (requests per second)");
  b.real("daily_amplitude", a.daily_amplitude, io::unit_interval(), 0.0,
         "poisson: λ(t) = λ̄·(1 + amplitude·cos(2π(t − peak)/day))");
  double peak_h = 14.0;
  b.real("peak_hour_utc", peak_h, io::Range{0.0, 24.0, false, true}, 14.0,
         "poisson: hour of day (UTC) of the daily peak");
  a.peak_s_of_day = peak_h * 3600.0;
  a.start_unix_s = sc.time.start_unix_s;
  b.section(
      "prompt_tokens", [&](io::Binder& s) { bind_length(s, a.prompt, 512.0); }, false,
      "prompt length distribution");
  b.section(
      "output_tokens", [&](io::Binder& s) { bind_length(s, a.output, 256.0); }, false,
      "output length distribution");
  std::string path;
  b.text("trace_file", path, std::string(),
         "trace: CSV with header arrival_s,prompt_tokens,output_tokens (arrival relative to the "
         "start), relative to the file naming it");
  if (!path.empty()) {
    std::filesystem::path p(path);
    std::string from = b.origin_file("trace_file");
    if (from.empty()) from = sc.source_file;
    if (p.is_relative()) p = std::filesystem::path(from).parent_path() / p;
    path = std::filesystem::absolute(p).lexically_normal().string();
    b.record("trace_file", path, true);
  }
  if (a.source == serving::ArrivalSpec::Source::trace) {
    if (path.empty()) b.fail("trace_file", "required when source is trace");
    try {
      a.trace = serving::read_trace_csv(path);
    } catch (const std::exception& e) {
      b.fail("trace_file", std::string("bad trace: ") + e.what());
    }
  }
}

std::int64_t campus_accelerators_per_node(const io::Scenario& sc) {
  return topology::Campus(sc.campus).accelerators_per_node();
}

// The replicas as a data-parallel job of TP groups, for the shared placement code: TP inside a
// scale-up domain, replicas filling free nodes in id order, hot spares.
workload::JobSpec placement_spec(const ServingConfig& c) {
  workload::JobSpec j;
  j.name = c.name;
  j.model.parameters = c.spec.model.parameters;
  j.model.active_parameters = c.spec.model.active_parameters;
  j.model.layers = static_cast<std::int32_t>(c.spec.model.layers);
  j.model.hidden_size = c.spec.model.hidden_size;
  j.model.global_batch_tokens = 1.0;
  j.model.sequence_length = 1.0;
  j.parallel.tp = c.spec.hardware.tp;
  j.parallel.dp = static_cast<std::int32_t>(c.spec.replicas);
  j.peak_flops_per_accelerator = c.spec.hardware.peak_flops;
  j.spare_nodes = static_cast<std::int32_t>(c.spare_nodes);
  return j;
}

std::shared_ptr<io::ComponentConfig> bind_serving(io::Binder& b, io::BindContext& ctx) {
  const io::Scenario& sc = ctx.scenario;
  auto cfg = std::make_shared<ServingConfig>();
  serving::DeploymentSpec& d = cfg->spec;
  bind_job_name(b, cfg->name, "serve" + std::to_string(ctx.index));
  b.section(
      "model", [&](io::Binder& m) { bind_model(m, d.model); }, true, "the model served");
  std::int64_t tp = 1;
  b.integer("tp", tp, io::closed(1, 1 << 20), 1,
            "tensor-parallel accelerators per replica (inside one scale-up domain)");
  d.hardware.tp = static_cast<int>(tp);
  b.integer("replicas", d.replicas, io::closed(1, 1 << 24), std::nullopt,
            "replicas placed: the most that can serve (tp · replicas accelerators)");
  b.integer("min_replicas", d.min_replicas, io::closed(1, 1 << 24), 1,
            "autoscaling keeps at least this many serving");
  if (d.min_replicas > d.replicas)
    b.fail("min_replicas", "exceeds replicas (" + std::to_string(d.replicas) + ")");
  b.integer("max_batch", d.max_batch, io::closed(1, 1 << 16), 64,
            "sequences a replica decodes together (continuous batching)");
  b.integer("max_prefill_tokens", d.max_prefill_tokens, io::closed(1, 1 << 24), 8192,
            "prompt tokens admitted per prefill iteration (at least one request)");
  b.integer("max_queue", d.max_queue, io::closed(1, 1e12), 1000000,
            "requests waiting for admission beyond this are rejected (load shedding)");
  serving::ReplicaHardware& h = d.hardware;
  const auto& acc = sc.accelerator;
  h.peak_flops =
      acc.peak_dense_bf16_flops * (d.model.precision == serving::Precision::fp8 ? 2.0 : 1.0);
  h.hbm_bandwidth_bytes_per_s = acc.hbm_bandwidth_bytes_per_s;
  h.hbm_bytes = acc.hbm_bytes;
  h.scaleup_latency_s = sc.fabric.scaleup_latency_s;
  h.scaleup_bandwidth_bytes_per_s = sc.fabric.scaleup_bandwidth_bytes_per_s;
  b.section(
      "efficiency",
      [&](io::Binder& e) {
        using io::keep;
        keep(e, "compute", h.compute_efficiency, io::Range{0.0, 1.0, true, false},
             "achieved share of peak FLOP/s in prefill and decode matrix products");
        keep(e, "memory", h.memory_efficiency, io::Range{0.0, 1.0, true, false},
             "achieved share of the HBM bandwidth when streaming weights and KV cache");
        keep(e, "memory_fraction", h.memory_fraction, io::Range{0.0, 1.0, true, false},
             "share of HBM for weights and KV cache (the rest: activations, runtime)");
        keep(e, "step_overhead_s", h.step_overhead_s, io::non_negative(),
             "fixed time per iteration (scheduling, sampling, kernel launches)");
        keep(e, "memory_activity", h.memory_activity, io::unit_interval(),
             "activity of a unit streaming HBM at full rate with idle compute (decode power)");
      },
      false, "achieved efficiencies and the power of memory-bound work");
  b.section(
      "slo",
      [&](io::Binder& s) {
        s.real("ttft_s", d.ttft_target_s, io::positive(), 2.0,
               "goodput: time to first token at most this");
        s.real("tpot_s", d.tpot_target_s, io::positive(), 0.1,
               "goodput: and time per output token at most this");
      },
      false, "latency targets of goodput");
  b.section(
      "requests", [&](io::Binder& r) { bind_requests(r, d.arrivals, sc); }, true,
      "the request stream");
  b.section(
      "autoscale",
      [&](io::Binder& a) {
        serving::AutoscaleSpec& s = d.autoscale;
        a.boolean("enabled", s.enabled, true, "`false`: every replica serves all the time");
        a.real("interval_s", s.interval_s, io::positive(), 60.0, "time between decisions");
        a.real("target_utilization", s.target_utilization, io::Range{0.0, 1.0, true, false}, 0.7,
               "wanted requests in the system per replica, as a share of max_batch");
        a.real("warmup_s", s.warmup_s, io::non_negative(), 120.0,
               "a started replica loads the model this long before it serves");
        a.integer("initial_replicas", s.initial_replicas, io::closed(0, 1 << 24), 0,
                  "replicas serving at time zero (0: min_replicas)");
      },
      false, "replicas follow the load between min_replicas and replicas");
  b.section(
      "recovery",
      [&](io::Binder& r) {
        r.real("load_bandwidth_bytes_per_s", cfg->load_bandwidth_bytes_per_s, io::positive(), 2e9,
               "per accelerator: reading the weights after a restart takes weights / (tp · this)");
      },
      false, "a failed replica restarts (faults.recovery detection and restart) and reloads");
  d.detection_s = sc.faults.recovery.detection_s;
  d.restart_s = sc.faults.recovery.restart_s;
  d.load_s = d.model.weight_bytes() / (static_cast<double>(tp) * cfg->load_bandwidth_bytes_per_s);
  b.section(
      "power",
      [&](io::Binder& p) {
        std::int64_t prio = 1;
        p.integer("priority", prio, io::closed(-1000, 1000), 1,
                  "under a facility cap lower priorities yield power first (training: 0)");
        cfg->priority = static_cast<int>(prio);
        std::string resp;
        cfg->cap_response =
            p.choice("cap_response", resp, {"clock", "batch"}, std::string("clock"),
                     "when its own accelerator cap binds: clock (the governor slows the "
                     "replicas) or batch (admit fewer sequences first, then the clock)") == 0
                ? ServingConfig::CapResponse::clock
                : ServingConfig::CapResponse::batch;
      },
      false, "power priority and the response to a binding cap");
  b.section(
      "placement",
      [&](io::Binder& p) {
        p.integer("spare_nodes", cfg->spare_nodes, io::closed(0, 1 << 24), 0,
                  "hot-spare nodes held back for the deployment");
      },
      false, "hot spares (replicas fill free nodes in id order)");
  b.section(
      "borrow",
      [&](io::Binder& p) {
        p.text("from", cfg->borrow_from, std::string(),
               "a preemptible job (a training job) whose nodes the deployment claims when the "
               "load needs more than `replicas` (empty: none)");
        p.integer("replicas", cfg->surge_replicas, io::closed(0, 1 << 24), 0,
                  "surge replicas on those nodes: tp · replicas = that job's accelerators");
        p.real("hold_s", cfg->hold_s, io::non_negative(), 1800.0,
               "claimed nodes go back only after the load has not needed them this long");
        if (!cfg->borrow_from.empty() && cfg->surge_replicas == 0)
          p.fail("replicas", "must be > 0 when `from` names a job");
        if (cfg->surge_replicas > 0 && tp > campus_accelerators_per_node(sc))
          p.fail("replicas", "surge replicas need tp within one node");
      },
      false, "surge capacity on a preemptible job's nodes (lending)");

  // The weights must fit the tensor-parallel group's HBM, with room for some KV cache.
  if (serving::kv_capacity_bytes(d.model, h) <= 0.0)
    b.fail("tp",
           fmt::format("the weights ({:.3g} GB) do not fit tp · HBM · memory_fraction = "
                       "{} · {:.3g} GB · {}",
                       d.model.weight_bytes() / 1e9, tp, h.hbm_bytes / 1e9, h.memory_fraction));
  const topology::Campus campus(sc.campus);
  const std::int64_t apn = campus.accelerators_per_node();
  if (tp <= apn && (d.replicas * tp) % apn != 0)
    b.fail("replicas", fmt::format("tp · replicas = {} must fill whole nodes of {} accelerators",
                                   d.replicas * tp, apn));
  try {
    (void)workload::place_job(campus, sc.fabric, placement_spec(*cfg), *ctx.nodes_taken);
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    if (what.find("TP") != std::string::npos || what.find("tp") != std::string::npos)
      b.fail("tp", what);
    b.fail("replicas", what);
  }
  return cfg;
}

// --- the deployment at run time ----------------------------------------------------------------

struct EnergyTotals {
  double it_j = 0.0, facility_j = 0.0, water_l = 0.0, carbon_g = 0.0;
};

class ServingJob final : public Workload {
 public:
  ServingJob(const ServingConfig& c, const WorkloadEnv& env, int index)
      : Workload(c.name, index), cfg_(c), env_(env), own_replicas_(c.spec.replicas) {
    cfg_.spec.replicas += cfg_.surge_replicas;  // the deployment plays own + surge replicas
  }
  const char* kind() const override { return "serving"; }

  Allocation place(std::vector<std::int8_t>& taken) override {
    ServingConfig own = cfg_;
    own.spec.replicas = own_replicas_;
    placement_ = workload::place_job(env_.campus, env_.scenario.fabric, placement_spec(own), taken);
    return Allocation{placement_.nodes, placement_.spares, {}};
  }

  void start(const Allocation& allocation) override {
    apn_ = env_.campus.accelerators_per_node();
    deployment_ = std::make_unique<serving::Deployment>(cfg_.spec, env_.seed,
                                                        static_cast<std::uint32_t>(index()));
    present_.assign(static_cast<std::size_t>(cfg_.spec.replicas), cfg_.spec.hardware.tp);
    if (cfg_.surge_replicas > 0) (void)deployment_->set_available(own_replicas_, 0.0);
    nodes_changed(allocation);
    ticks_per_output_ = env_.scenario.ticks_per_output();
  }

  std::int64_t accelerators() const override { return own_replicas_ * cfg_.spec.hardware.tp; }
  std::string claims_from() const override { return cfg_.borrow_from; }
  std::int64_t claim_accelerators() const override {
    return cfg_.surge_replicas * cfg_.spec.hardware.tp;
  }
  bool wants_claimed_nodes() const override { return want_; }
  void claimed(const Allocation& allocation, bool holding, double time_s) override {
    holding_ = holding;
    quiet_since_s_ = time_s;
    (void)deployment_->set_available(holding ? cfg_.spec.replicas : own_replicas_, time_s);
    nodes_changed(allocation);
  }
  std::uint32_t tracked_categories() const override {
    return (1u << serving_prefill) | (1u << serving_decode) | (1u << serving_idle) |
           (1u << recovery) | (1u << waiting);
  }
  int power_priority() const override { return cfg_.priority; }

  void begin_tick(double t0_s, double t1_s, JobTick& jt) override {
    const double dt = env_.tick_s;
    const auto k = static_cast<std::int64_t>(std::llround(t0_s / dt));
    if (k % ticks_per_output_ == 0) {
      deployment_->clear_interval();
      interval_ = EnergyTotals{};
    }
    current_limit_ = batch_limit();
    deployment_->advance(t0_s, t1_s, clock_, current_limit_);
    tick_end_s_ = t1_s;
    // The replica-weighted phases: every unit of the job runs their mean.
    const auto& use = deployment_->tick_use();
    double pre = 0, pre_a = 0, dec = 0, dec_a = 0, idle = 0, rec = 0, wait = 0, acc = 0;
    for (std::size_t r = 0; r < use.size(); ++r) {
      const auto w = static_cast<double>(present_[r]);
      if (w == 0.0) continue;
      const serving::ReplicaTick& u = use[r];
      pre += w * u.prefill_s;
      pre_a += w * u.prefill_activity_s;
      dec += w * u.decode_s;
      dec_a += w * u.decode_activity_s;
      idle += w * u.idle_s;
      rec += w * u.recovery_s;
      wait += w * u.waiting_s;
      acc += w;
    }
    const double a_stall = env_.scenario.activity.stalled;
    jt.clear();
    jt.interleaved = true;
    jt.clock_request = 1.0;
    jt.slowest_clock = clock_;
    if (acc > 0.0) {
      const double unit_s = acc * dt;
      const double run = pre + dec;
      jt.run_f = run / unit_s;
      if (run > 0.0) {
        jt.add_running(serving_prefill, pre / run, pre > 0 ? pre_a / pre : 0.0);
        jt.add_running(serving_decode, dec / run, dec > 0 ? dec_a / dec : 0.0);
        jt.running_activity = (pre_a + dec_a) / run;
      }
      jt.add_stalled(serving_idle, idle / unit_s, a_stall);
      jt.add_stalled(recovery, rec / unit_s, a_stall);
      jt.add_stalled(waiting, wait / unit_s, a_stall);
    } else {
      jt.add_stalled(waiting, 1.0, a_stall);
    }
  }

  void end_tick(const JobSums& sums) override {
    if (sums.clock_known) clock_ = sums.slowest_clock;
    if (cfg_.surge_replicas > 0) {
      // Claim the lender's nodes when the autoscaler wants more than the own replicas; give
      // them back once it has not for hold_s and the surge replicas have drained.
      const bool needed = deployment_->demanded_replicas() > own_replicas_;
      if (needed) quiet_since_s_ = tick_end_s_;
      bool drained = true;
      for (std::int64_t r = own_replicas_; r < cfg_.spec.replicas; ++r)
        drained = drained && deployment_->state(r) == serving::ReplicaState::standby;
      want_ = holding_ ? needed || tick_end_s_ - quiet_since_s_ < cfg_.hold_s || !drained : needed;
    }
    cap_w_ = sums.accelerator_cap_w;
    double it_j = 0.0;
    for (int c : {serving_prefill, serving_decode, serving_idle, recovery, waiting}) {
      it_j += sums.energy_j[c];
      run_time_s_[c] += sums.time_s[c];
      run_energy_j_[c] += sums.energy_j[c];
    }
    for (EnergyTotals* e : {&interval_, &run_}) {
      e->it_j += it_j;
      e->facility_j += it_j * sums.facility_j_per_it_j;
      e->water_l += it_j * sums.water_l_per_it_j;
      e->carbon_g += it_j * sums.carbon_g_per_it_j;
    }
  }

  Loss fail(const FailureHit& hit) override {
    std::vector<std::int64_t> hit_replicas;
    for (std::size_t slot : hit.slots)
      for (std::int64_t r : replicas_of_slot(slot)) hit_replicas.push_back(r);
    if (hit.slots.empty()) {
      // A job-scope failure (software): one serving replica, chosen by a counter-based draw.
      std::vector<std::int64_t> serving;
      for (std::int64_t r = 0; r < cfg_.spec.replicas; ++r) {
        const serving::ReplicaState s = deployment_->state(r);
        if (s == serving::ReplicaState::active || s == serving::ReplicaState::draining)
          serving.push_back(r);
      }
      if (!serving.empty()) {
        const double u = rng::uniform01(env_.seed, rng::Stream::serving_requests, job_failures_,
                                        (static_cast<std::uint32_t>(index()) << 4) | 3u);
        const auto pick = std::min(
            static_cast<std::size_t>(u * static_cast<double>(serving.size())), serving.size() - 1);
        hit_replicas.push_back(serving[pick]);
      }
      ++job_failures_;
    }
    std::sort(hit_replicas.begin(), hit_replicas.end());
    hit_replicas.erase(std::unique(hit_replicas.begin(), hit_replicas.end()), hit_replicas.end());
    Loss loss;
    const auto tp = static_cast<double>(cfg_.spec.hardware.tp);
    for (std::int64_t r : hit_replicas) {
      const serving::LostWork lw =
          deployment_->fail(r, hit.time_s, tick_end_s_, replica_missing(r));
      loss.time_s[serving_prefill] += tp * lw.prefill_s;
      loss.time_s[serving_decode] += tp * lw.decode_s;
    }
    // Joules at the run's mean power of each category so far.
    for (int c : {serving_prefill, serving_decode})
      if (run_time_s_[c] > 0.0)
        loss.energy_j[c] = loss.time_s[c] * run_energy_j_[c] / run_time_s_[c];
    return loss;
  }

  void nodes_changed(const Allocation& a) override {
    missing_.assign(a.missing_slots.begin(), a.missing_slots.end());
    update_present();
  }
  void nodes_restored(double) override {}
  void slot_restored(std::size_t slot, double time_s) override {
    std::erase(missing_, slot);
    update_present();
    for (std::int64_t r : replicas_of_slot(slot))
      if (!replica_missing(r)) deployment_->restore(r, time_s);
  }

  void declare_series(SeriesTable& t) override;
  void add_figures(WorkloadTotals& totals) const override;
  void describe(std::ostream& os) const override;

  void save(archive::Writer& w) override { serialize(w); }
  void load(archive::Reader& r) override {
    serialize(r);
    update_present();
  }

 private:
  template <class Archive>
  void serialize(Archive& ar) {
    ar(*deployment_, missing_, clock_, cap_w_, tick_end_s_, job_failures_, interval_, run_,
       run_time_s_, run_energy_j_, holding_, want_, quiet_since_s_);
  }

  // Replicas on the node in allocation slot `slot` (accelerators fill nodes in replica order).
  std::vector<std::int64_t> replicas_of_slot(std::size_t slot) const {
    const std::int64_t tp = cfg_.spec.hardware.tp;
    const auto s = static_cast<std::int64_t>(slot);
    std::vector<std::int64_t> out;
    if (tp <= apn_)
      for (std::int64_t r = s * apn_ / tp; r < (s + 1) * apn_ / tp; ++r) out.push_back(r);
    else
      out.push_back(s * apn_ / tp);
    return out;
  }
  bool replica_missing(std::int64_t r) const {
    return present_[static_cast<std::size_t>(r)] < cfg_.spec.hardware.tp;
  }
  void update_present() {
    std::fill(present_.begin(), present_.end(), cfg_.spec.hardware.tp);
    // Surge replicas whose nodes are with the lender are not in service.
    for (std::int64_t r = deployment_->available_replicas(); r < cfg_.spec.replicas; ++r)
      present_[static_cast<std::size_t>(r)] = 0;
    for (std::size_t slot : missing_)
      for (std::int64_t r : replicas_of_slot(slot)) {
        auto& p = present_[static_cast<std::size_t>(r)];
        p = std::max<std::int64_t>(p - std::min<std::int64_t>(apn_, cfg_.spec.hardware.tp), 0);
      }
  }

  // Sequences per replica: the configured batch, or under a binding cap with the `batch`
  // policy the largest batch whose decode activity at full clock fits the cap.
  std::int64_t batch_limit() {
    const std::int64_t max_batch = cfg_.spec.max_batch;
    const auto& acc = env_.scenario.accelerator;
    if (cfg_.cap_response != ServingConfig::CapResponse::batch || !(cap_w_ > 0.0) ||
        cap_w_ >= acc.tdp_w)
      return max_batch;
    if (cap_w_ == limit_cap_w_) return limit_;
    const double a_cap = (cap_w_ - acc.idle_w) / (acc.tdp_w - acc.idle_w);
    const auto& sp = cfg_.spec;
    const double context = sp.arrivals.prompt.mean() + 0.5 * sp.arrivals.output.mean();
    std::int64_t best = 1;
    for (std::int64_t b = 1; b <= max_batch; ++b) {
      const serving::StepParts p = serving::decode_step(
          sp.model, sp.hardware, static_cast<double>(b), static_cast<double>(b) * context);
      if (p.activity(1.0, sp.hardware.memory_activity) > a_cap) break;
      best = b;
    }
    limit_cap_w_ = cap_w_;
    limit_ = best;
    return best;
  }

  ServingConfig cfg_;
  WorkloadEnv env_;
  workload::JobPlacement placement_;
  std::unique_ptr<serving::Deployment> deployment_;
  std::int64_t apn_ = 8;
  std::vector<std::int64_t> present_;  // accelerators of each replica that are in service
  std::vector<std::size_t> missing_;   // allocation slots awaiting a repaired node
  double clock_ = 1.0;
  double cap_w_ = 0.0;
  double tick_end_s_ = 0.0;
  std::uint64_t job_failures_ = 0;
  std::int64_t ticks_per_output_ = 1;
  EnergyTotals interval_, run_;
  std::array<double, kCategoryCount> run_time_s_{}, run_energy_j_{};
  double limit_cap_w_ = -1.0;
  std::int64_t limit_ = 1;
  std::int64_t current_limit_ = 1;
  std::int64_t own_replicas_ = 0;  // on its own nodes (the rest are surge replicas)
  bool holding_ = false, want_ = false;
  double quiet_since_s_ = 0.0;
};

double ratio_or_nan(double a, double b) { return b > 0.0 ? a / b : kNaN; }

void ServingJob::declare_series(SeriesTable& t) {
  const std::string g = "serving/" + name() + "/";
  const double interval_s = t.interval_s();
  auto add = [&](const std::string& n, const char* units, const char* long_name,
                 const char* cell_methods, std::function<double()> sample) {
    SeriesDef d = series_def(g + n, units, long_name, Accumulate::last);
    d.cell_methods = cell_methods;
    d.sample = std::move(sample);
    t.add(std::move(d));
  };
  const serving::Deployment* dep = deployment_.get();
  const EnergyTotals* e = &interval_;
  const char* mean = "time: mean";
  const char* point = "time: point";
  add("tokens_per_s", "s-1", "output tokens delivered per second (completed requests)", mean,
      [dep, interval_s] { return dep->interval_stats().output_tokens / interval_s; });
  add("prompt_tokens_per_s", "s-1", "prompt tokens of completed requests per second", mean,
      [dep, interval_s] { return dep->interval_stats().prompt_tokens / interval_s; });
  add("requests_per_s", "s-1", "requests completed per second", mean, [dep, interval_s] {
    return static_cast<double>(dep->interval_stats().completed) / interval_s;
  });
  add("arrivals_per_s", "s-1", "requests arrived per second", mean, [dep, interval_s] {
    return static_cast<double>(dep->interval_stats().arrived) / interval_s;
  });
  add("ttft_p50_s", "s", "median time to first token of requests completed in the interval", mean,
      [dep] { return dep->interval_stats().ttft.quantile(0.5); });
  add("ttft_p99_s", "s", "99th percentile time to first token (requests completed)", mean,
      [dep] { return dep->interval_stats().ttft.quantile(0.99); });
  add("tpot_p50_s", "s", "median time per output token after the first (requests completed)", mean,
      [dep] { return dep->interval_stats().tpot.quantile(0.5); });
  add("tpot_p99_s", "s", "99th percentile time per output token (requests completed)", mean,
      [dep] { return dep->interval_stats().tpot.quantile(0.99); });
  add("goodput", "1",
      "share of requests completed or rejected in the interval that met both latency targets", mean,
      [dep] {
        const auto& s = dep->interval_stats();
        return ratio_or_nan(static_cast<double>(s.good),
                            static_cast<double>(s.completed + s.rejected));
      });
  add("queue_length", "1", "requests waiting for admission, interval mean", mean,
      [dep, interval_s] { return dep->interval_stats().queue_req_s / interval_s; });
  add("in_flight", "1", "sequences in replicas' batches, interval mean", mean,
      [dep, interval_s] { return dep->interval_stats().in_flight_req_s / interval_s; });
  add("replicas_serving", "1", "replicas serving or warming up at the end of the interval", point,
      [dep] { return static_cast<double>(dep->serving_replicas()); });
  add("retried", "1", "requests sent back to the queue by failures in the interval", "time: sum",
      [dep] { return static_cast<double>(dep->interval_stats().retried); });
  add("power_it_w", "W", "IT power of the deployment's nodes, interval mean", mean,
      [e, interval_s] { return e->it_j / interval_s; });
  add("joules_per_token_it", "J", "IT energy per output token delivered in the interval", mean,
      [dep, e] { return ratio_or_nan(e->it_j, dep->interval_stats().output_tokens); });
  add("joules_per_token_facility", "J",
      "facility energy (IT, cooling, distribution) per output token delivered", mean,
      [dep, e] { return ratio_or_nan(e->facility_j, dep->interval_stats().output_tokens); });
  add("water_l_per_mtok", "L", "make-up water per million output tokens", mean,
      [dep, e] { return ratio_or_nan(e->water_l * 1e6, dep->interval_stats().output_tokens); });
  add("carbon_kg_per_mtok", "kg", "CO2 of the facility energy per million output tokens", mean,
      [dep, e] { return ratio_or_nan(e->carbon_g * 1e3, dep->interval_stats().output_tokens); });
  add("clock_ratio", "1", "slowest replica clock ratio at the end of the interval", point,
      [this] { return clock_; });
  add("batch_limit", "1", "sequences a replica may decode together at the end of the interval",
      point, [this] { return static_cast<double>(current_limit_); });
}

void ServingJob::add_figures(WorkloadTotals& totals) const {
  const serving::ServiceStats& s = deployment_->run_stats();
  const double sim_s = env_.scenario.time.duration_s;
  const std::string p = "serving_" + name() + "_";
  auto fig = [&](const std::string& n, double v) { totals.figures.emplace_back(p + n, v); };
  fig("requests", static_cast<double>(s.completed));
  fig("output_tokens", s.output_tokens);
  fig("tokens_per_s", s.output_tokens / sim_s);
  fig("ttft_p50_s", s.ttft.quantile(0.5));
  fig("ttft_p99_s", s.ttft.quantile(0.99));
  fig("ttft_mean_s", ratio_or_nan(s.ttft_sum_s, static_cast<double>(s.completed)));
  fig("tpot_p50_s", s.tpot.quantile(0.5));
  fig("tpot_p99_s", s.tpot.quantile(0.99));
  fig("tpot_mean_s", ratio_or_nan(s.tpot_sum_s, static_cast<double>(s.tpot_n)));
  fig("wait_mean_s", ratio_or_nan(s.wait_sum_s, static_cast<double>(s.wait_n)));
  fig("goodput",
      ratio_or_nan(static_cast<double>(s.good), static_cast<double>(s.completed + s.rejected)));
  fig("queue_length_mean", s.queue_req_s / sim_s);
  fig("rejected", static_cast<double>(s.rejected));
  fig("retried", static_cast<double>(s.retried));
  fig("lost_tokens", s.lost_tokens);
  fig("energy_it_j", run_.it_j);
  fig("energy_facility_j", run_.facility_j);
  fig("joules_per_token_it", ratio_or_nan(run_.it_j, s.output_tokens));
  fig("joules_per_token_facility", ratio_or_nan(run_.facility_j, s.output_tokens));
  fig("water_l_per_mtok", ratio_or_nan(run_.water_l * 1e6, s.output_tokens));
  fig("carbon_kg_per_mtok", ratio_or_nan(run_.carbon_g * 1e3, s.output_tokens));
}

void ServingJob::describe(std::ostream& os) const {
  const auto& sp = cfg_.spec;
  const auto& m = sp.model;
  const auto& h = sp.hardware;
  const auto& acc = env_.scenario.accelerator;
  os << fmt::format(
      "\njob {}: inference serving, {} replicas of TP {} ({} accelerators), {} "
      "spare nodes, power priority {}\n",
      name(), sp.replicas, h.tp, accelerators(), placement_.spares.size(), cfg_.priority);
  const double kv_cap = serving::kv_capacity_bytes(m, h);
  os << fmt::format(
      "  weights               {:.3g} GB; KV cache {:.3g} GB per replica = {:.0f} "
      "tokens ({:.3g} kB per token)\n",
      m.weight_bytes() / 1e9, kv_cap / 1e9,
      m.kv_bytes_per_token > 0 ? kv_cap / m.kv_bytes_per_token : 0.0, m.kv_bytes_per_token / 1e3);
  const double prompt = sp.arrivals.prompt.mean(), output = sp.arrivals.output.mean();
  const serving::StepParts pf = serving::prefill_step(m, h, prompt);
  os << fmt::format(
      "  prefill ({:.0f} tokens) {:.4f} s (compute {:.4f}, weights {:.4f}, "
      "TP/overhead {:.4f}), activity {:.2f}\n",
      prompt, pf.time_s(1.0), pf.compute_s, pf.memory_s, pf.fixed_s,
      pf.activity(1.0, h.memory_activity));
  const double b = static_cast<double>(sp.max_batch);
  const double ctx = prompt + 0.5 * output;
  const serving::StepParts dc = serving::decode_step(m, h, b, b * ctx);
  const double t = dc.time_s(1.0), a = dc.activity(1.0, h.memory_activity);
  const double p_w = thermal::accelerator_power_w(acc, a, 1.0);
  os << fmt::format(
      "  decode (batch {}, {:.0f} tokens of context each) {:.4f} s per step "
      "(compute {:.4f}, memory {:.4f}, TP/overhead {:.4f}), activity {:.2f}, "
      "{:.0f} W per accelerator\n",
      sp.max_batch, ctx, t, dc.compute_s, dc.memory_s, dc.fixed_s, a, p_w);
  os << fmt::format(
      "  at full batch          {:.0f} tokens/s per replica, {:.3f} J per output "
      "token (accelerators, decode only)\n",
      b / t, p_w * h.tp * t / b);
  os << fmt::format(
      "  requests               {} at {} /s, prompt mean {:.0f}, output mean {:.0f}; "
      "SLO TTFT {} s, TPOT {} s\n",
      sp.arrivals.source == serving::ArrivalSpec::Source::trace ? "trace" : "poisson",
      sp.arrivals.rate_per_s, prompt, output, sp.ttft_target_s, sp.tpot_target_s);
}

const bool registered = register_workload_kind(
    io::ComponentBinding{"workload", "serving",
                         "an inference deployment: replicas with continuous batching, "
                         "autoscaling, latency and energy per token (DESIGN §11)",
                         bind_serving},
    WorkloadFactory{"serving",
                    [](const io::ComponentConfig& c, const WorkloadEnv& env,
                       int index) -> std::unique_ptr<Workload> {
                      return std::make_unique<ServingJob>(dynamic_cast<const ServingConfig&>(c),
                                                          env, index);
                    }});

}  // namespace
}  // namespace ct::twin
