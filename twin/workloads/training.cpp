#include "twin/workloads/training.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <stdexcept>

#include "faults/checkpoint.hpp"
#include "faults/failure_classes.hpp"
#include "io/schema_binder.hpp"
#include "thermal/junction.hpp"
#include "twin/series.hpp"
#include "twin/workload.hpp"
#include "workload/step_time.hpp"

namespace ct::twin {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// --- scenario keys -----------------------------------------------------------------------------

// A job over several sites (docs/sites.md): its replicas per site and the links of its ring.
void bind_split(io::Binder& b, const io::BindContext& ctx, TrainingConfig& cfg) {
  const io::Scenario& sc = ctx.scenario;
  const auto k = ctx.sites.size();
  const int dp = cfg.spec.parallel.dp;
  std::vector<double> even;
  for (std::size_t s = 0; s < k; ++s)
    even.push_back(static_cast<double>(dp / static_cast<int>(k) +
                                       (static_cast<int>(s) < dp % static_cast<int>(k) ? 1 : 0)));
  std::vector<double> reps;
  b.reals("replicas_per_site", reps, k, io::closed(1.0, 1 << 24), even,
          "over several sites: DP replicas at each site, in the order of `sites` (default: an "
          "even split). They sum to parallel.dp");
  b.document_default("replicas_per_site", "an even split of parallel.dp");
  double sum = 0.0;
  for (double r : reps) {
    if (r != std::floor(r)) b.fail("replicas_per_site", "each entry must be a whole number");
    sum += r;
    cfg.replicas_per_site.push_back(static_cast<int>(r));
  }
  if (sum != dp)
    b.fail("replicas_per_site", "the entries sum to " + io::format_real(sum) +
                                    " (allowed: parallel.dp = " + std::to_string(dp) + ")");
  cfg.site_nodes = sc.site_nodes(ctx.sites);
  // The ring's links: k = 2, the one between the two sites; k ≥ 3, each consecutive pair and
  // the last back to the first.
  const std::size_t n_links = k == 2 ? 1 : k;
  for (std::size_t i = 0; i < n_links; ++i) {
    const int a = ctx.sites[i], c = ctx.sites[(i + 1) % k];
    const io::LinkSpec* l = sc.link_between(a, c);
    if (!l)
      b.fail("sites", "no link joins " + sc.sites[static_cast<std::size_t>(a)].name + " and " +
                          sc.sites[static_cast<std::size_t>(c)].name +
                          " (give one in `links:`; the job's sites form a ring in this order)");
    cfg.links.push_back(l->link);
  }
}

void bind_model(io::Binder& m, workload::ModelSpec& model) {
  using io::Range;
  m.real("parameters", model.parameters, Range{0.0, 1e15, true, false}, std::nullopt,
         "total parameters of the model");
  m.real("active_parameters", model.active_parameters, Range{0.0, 1e15, true, false},
         model.parameters, "parameters active per token (mixture of experts; default: all)");
  if (model.active_parameters > model.parameters)
    m.fail("active_parameters", "exceeds parameters (" + io::format_real(model.parameters) + ")");
  m.real("sequence_length", model.sequence_length, io::closed(1.0, 1e8), 8192.0,
         "tokens per training sequence");
  m.real("global_batch_tokens", model.global_batch_tokens, io::closed(1.0, 1e12), std::nullopt,
         "tokens per optimizer step over all data-parallel replicas");
  m.integer("layers", model.layers, io::closed(1, 100000), std::nullopt, "transformer layers");
  m.real("hidden_size", model.hidden_size, io::closed(1.0, 1e7), std::nullopt,
         "hidden (model) dimension: sets activation message sizes");
}

void bind_parallel(io::Binder& p, workload::ParallelSpec& par) {
  p.integer("tp", par.tp, io::closed(1, 1 << 20), 1,
            "tensor parallel. The group must fit in one scale-up domain");
  p.integer("pp", par.pp, io::closed(1, 1 << 20), 1, "pipeline stages");
  p.integer("dp", par.dp, io::closed(1, 1 << 24), 1, "data-parallel replicas");
  p.integer("ep", par.ep, io::closed(1, 1 << 20), 1,
            "expert-parallel degree, carved out of the data-parallel replicas (divides dp)");
  p.integer("microbatches", par.microbatches, io::closed(1, 1 << 20), 1,
            "m, microbatches per pipeline per step");
  std::string schedule;
  par.schedule = p.choice("schedule", schedule, {"1f1b", "interleaved"}, std::string("1f1b"),
                          "pipeline schedule: bubble (pp−1)/m, or (pp−1)/(v·m) interleaved") == 0
                     ? workload::ParallelSpec::one_f_one_b
                     : workload::ParallelSpec::interleaved;
  p.integer("virtual_stages", par.virtual_stages, io::closed(1, 1024), 1,
            "model chunks per stage (v) of the interleaved schedule");
  if (par.dp % par.ep != 0) p.fail("ep", "must divide dp");
}

void bind_checkpoint(io::Binder& b, faults::CheckpointPolicy& c) {
  using io::keep;
  std::string policy;
  c.policy = static_cast<faults::CheckpointIntervalPolicy>(b.choice(
      "interval", policy, {"none", "fixed_s", "fixed_steps", "young", "daly"}, std::string("daly"),
      "checkpoint interval policy: none, fixed seconds or steps, Young's or Daly's optimum"));
  keep(b, "interval_s", c.interval_s, io::positive(),
       "`fixed_s`: running seconds between checkpoint starts");
  b.integer("interval_steps", c.interval_steps, io::closed(1, 1e12), c.interval_steps,
            "fixed_steps: training steps between checkpoint starts");
  b.boolean("asynchronous", c.asynchronous, true,
            "`true`: stall only for the snapshot to host memory; the checkpoint becomes durable "
            "when the background write ends. `false`: stall for the whole write");
  keep(b, "bytes_per_parameter", c.bytes_per_parameter, io::closed(1.0, 64.0),
       "checkpoint bytes per parameter (weights, master weights and optimizer state)");
  keep(b, "storage_write_bandwidth_bytes_per_s", c.storage_write_bandwidth_bytes_per_s,
       io::positive(), "aggregate storage write bandwidth shared by the job's writers");
  keep(b, "storage_read_bandwidth_bytes_per_s", c.storage_read_bandwidth_bytes_per_s,
       io::positive(), "aggregate storage read bandwidth when the job loads a checkpoint");
  keep(b, "snapshot_bandwidth_bytes_per_s", c.snapshot_bandwidth_bytes_per_s, io::positive(),
       "per-accelerator device-to-host copy bandwidth (asynchronous snapshot)");
}

std::shared_ptr<io::ComponentConfig> bind_training(io::Binder& b, io::BindContext& ctx) {
  using io::keep;
  const io::Scenario& sc = ctx.scenario;
  auto cfg = std::make_shared<TrainingConfig>();
  workload::JobSpec& j = cfg->spec;
  j.peak_flops_per_accelerator = sc.accelerator.peak_dense_bf16_flops;
  bind_job_name(b, j.name, "job" + std::to_string(ctx.index));
  b.section(
      "model", [&](io::Binder& m) { bind_model(m, j.model); }, true, "the model trained");
  b.section(
      "parallel", [&](io::Binder& p) { bind_parallel(p, j.parallel); }, true,
      "how the job is parallelised: tp × pp × dp accelerators");
  keep(b, "efficiency", j.efficiency, io::Range{0.0, 1.0, true, false},
       "achieved fraction of peak FLOP/s while computing");
  keep(b, "dp_overlap_fraction", j.dp_overlap_fraction, io::unit_interval(),
       "share of the data-parallel gradient all-reduce hidden behind compute");
  keep(b, "tp_exposed_fraction", j.tp_exposed_fraction, io::unit_interval(),
       "share of tensor-parallel all-reduce time on the step's critical path");
  keep(b, "pp_exposed_fraction", j.pp_exposed_fraction, io::unit_interval(),
       "share of pipeline point-to-point time on the step's critical path");
  keep(b, "ep_exposed_fraction", j.ep_exposed_fraction, io::unit_interval(),
       "share of expert-parallel all-to-all time on the step's critical path");
  keep(b, "bytes_per_gradient_element", j.bytes_per_gradient_element, io::closed(0.5, 16.0),
       "bytes per gradient element in the data-parallel all-reduce (2: bf16)");
  keep(b, "bytes_per_activation_element", j.bytes_per_activation_element, io::closed(0.5, 16.0),
       "bytes per activation element in pipeline, tensor and expert messages (2: bf16)");
  b.section(
      "placement",
      [&](io::Binder& p) {
        std::string order;
        j.order = p.choice("order", order, {"compact", "spread_buildings"}, std::string("compact"),
                           "compact: free nodes in id order; spread_buildings: DP replicas "
                           "dealt round-robin over the buildings") == 0
                      ? workload::Placement::compact
                      : workload::Placement::spread_buildings;
        p.integer("spare_nodes", j.spare_nodes, io::closed(0, 1 << 24), 0,
                  "hot-spare nodes held back for this job");
      },
      false, "where the job's nodes and hot spares go");
  b.section(
      "checkpoint", [&](io::Binder& c) { bind_checkpoint(c, cfg->checkpoint); }, false,
      "checkpointing: interval policy, size, storage bandwidths");
  cfg->name = j.name;
  if (ctx.sites.size() > 1) bind_split(b, ctx, *cfg);
  // The job must fit the campus next to the jobs before it; blame the key that makes it not fit.
  const topology::Campus campus(sc.campus);
  try {
    workload::validate(j);
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    b.fail_nested({"parallel", what.find("virtual_stages") != std::string::npos ? "virtual_stages"
                               : what.find("ep ") != std::string::npos          ? "ep"
                                                                                : "dp"},
                  what);
  }
  workload::JobPlacement placement;
  workload::SplitPlacement split;
  try {
    if (cfg->site_nodes.empty()) {
      placement = workload::place_job(campus, sc.fabric, j, *ctx.nodes_taken);
    } else {
      split = workload::place_split(campus, sc.fabric, j, cfg->site_nodes, cfg->replicas_per_site,
                                    *ctx.nodes_taken);
      placement = split.combined;
    }
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    const std::string shape = "tp " + std::to_string(j.parallel.tp) + " x pp " +
                              std::to_string(j.parallel.pp) + " x dp " +
                              std::to_string(j.parallel.dp);
    if (what.find("TP") != std::string::npos || what.find("tp") != std::string::npos)
      b.fail_nested({"parallel", "tp"}, shape + " does not fit the campus: " + what);
    bool fits_without_spares = false;
    if (j.spare_nodes > 0) {
      workload::JobSpec bare = j;
      bare.spare_nodes = 0;
      std::vector<std::int8_t> trial = *ctx.nodes_taken;
      try {
        (void)workload::place_job(campus, sc.fabric, bare, trial);
        fits_without_spares = true;
      } catch (const std::invalid_argument&) {
      }
    }
    if (fits_without_spares)
      b.fail_nested({"placement", "spare_nodes"}, std::to_string(j.spare_nodes) +
                                                      " spare nodes do not fit next to the job (" +
                                                      shape + "): " + what);
    b.fail_nested({"parallel", "dp"}, shape + " does not fit the campus: " + what);
  }
  // Derived: the step time must be a positive, finite number of seconds (a denormal peak
  // FLOP/s or efficiency gives inf or NaN, which would corrupt every figure with exit 0).
  workload::StepBreakdown bd;
  try {
    bd = cfg->site_nodes.empty()
             ? workload::step_breakdown(j, placement, campus, sc.fabric)
             : workload::split_step_breakdown(
                   j, placement, workload::split_cost(j, split, campus, sc.fabric, cfg->links),
                   campus, sc.fabric);
  } catch (const std::invalid_argument& e) {
    b.fail_nested({"parallel", "dp"}, e.what());
  }
  if (!(std::isfinite(bd.compute_s) && bd.compute_s > 0.0)) {
    const std::string what =
        "gives jobs[" + std::to_string(ctx.index) + "] a compute time per step of " +
        io::format_real(bd.compute_s) + " s (6 x active_parameters x tokens / (accelerators x " +
        "peak_dense_bf16_flops x efficiency)); allowed: values that make it a positive finite " +
        "number";
    if (ctx.root && j.efficiency >= 1e-6)
      ctx.root->fail_nested({"accelerator", "peak_dense_bf16_flops"}, what);
    b.fail("efficiency", what);
  }
  const auto finite = [](double v) { return std::isfinite(v) && v >= 0.0; };
  if (!finite(bd.bubble_s) || !finite(bd.exposed_comm_s) || !(bd.step_s < 1e12))
    b.fail_nested({"parallel"}, "step time " + io::format_real(bd.step_s) + " s (bubble " +
                                    io::format_real(bd.bubble_s) + " s, exposed communication " +
                                    io::format_real(bd.exposed_comm_s) +
                                    " s) is not a finite number below 1e12 s: check the fabric " +
                                    "bandwidths and latencies and the model size");
  return cfg;
}

// --- the job at run time -----------------------------------------------------------------------

class TrainingJob final : public Workload {
 public:
  TrainingJob(const TrainingConfig& config, const WorkloadEnv& env, int index)
      : Workload(config.name, index), cfg_(config), env_(env) {}

  const char* kind() const override { return "training"; }

  Allocation place(std::vector<std::int8_t>& taken) override {
    if (cfg_.site_nodes.empty()) {
      placement_ = workload::place_job(env_.campus, env_.scenario.fabric, cfg_.spec, taken);
    } else {
      // Over several sites: the split all-reduce's cost follows this placement (replicas stay
      // at their site; a spare that replaces a node keeps the figure).
      const workload::SplitPlacement split =
          workload::place_split(env_.campus, env_.scenario.fabric, cfg_.spec, cfg_.site_nodes,
                                cfg_.replicas_per_site, taken);
      placement_ = split.combined;
      split_ =
          workload::split_cost(cfg_.spec, split, env_.campus, env_.scenario.fabric, cfg_.links);
    }
    return Allocation{placement_.nodes, placement_.spares, {}};
  }

  void start(const Allocation& allocation) override {
    derive(allocation);
    timings_ = training_timings(cfg_, placement_, breakdown_, env_.campus, env_.scenario);
    runtime_ = JobRuntime(timings_.runtime);
    tokens_per_step_ = workload::tokens_per_step(cfg_.spec);
  }

  std::int64_t accelerators() const override { return cfg_.spec.accelerators(); }
  // Every category of a job's units: the running ones carry the lost-work marks, and a failure
  // moves the part of its tick after the instant (any of them) to recovery.
  std::uint32_t tracked_categories() const override {
    std::uint32_t bits = 0;
    for (int c = compute; c <= waiting; ++c) bits |= 1u << c;
    return bits;
  }

  void begin_tick(double t0_s, double t1_s, JobTick& jt) override {
    const io::Scenario& sc = env_.scenario;
    const double dt = env_.tick_s;
    // A fail-slow member stretches the whole step (the job runs at its slowest member).
    const double step_s = workload::step_time_s(breakdown_, slowest_clock_) * slowdown_;
    runtime_.set_step_s(step_s);
    const JobTickShare share = runtime_.advance(t0_s, t1_s);
    const double a_comm = sc.activity.communicating, a_stall = sc.activity.stalled;
    // Of running time: compute of the slowest member (paced), the pipeline bubble and the
    // exposed communication.
    const double compute_f = breakdown_.compute_s / slowest_clock_ / step_s;
    const double bubble_f = breakdown_.bubble_s / slowest_clock_ / step_s;
    const double comm_f = breakdown_.exposed_comm_s / step_s;
    jt.clear();
    jt.run_f = share.running_s / dt;
    jt.add_running(compute, compute_f, 1.0, true);
    jt.add_running(pipeline_bubble, bubble_f, a_comm);
    jt.add_running(exposed_comm, comm_f, a_comm);
    // The rest of a step stretched by a fail-slow member (1 − 1/s of the running time): every
    // unit waits for the slow one.
    if (slowdown_ > 1.0)
      jt.add_running(straggler_wait, std::max(1.0 - (compute_f + bubble_f + comm_f), 0.0), a_comm);
    jt.add_stalled(checkpoint, share.checkpoint_s / dt, a_stall);
    jt.add_stalled(recovery, share.recovery_s / dt, a_stall);
    jt.add_stalled(waiting, share.waiting_s / dt, a_stall);
    // The tick's time order: its running and stalled stretches (exact junction trajectory).
    runtime_.add_segments_to(jt, dt);
    jt.slowest_clock = slowest_clock_;
    jt.straggler_activity = a_comm;
    jt.step_s = step_s;
    jt.half_swing_per_r = thermal::half_swing_k_per_w(1.0, sc.accelerator.time_constant_s, step_s,
                                                      compute_f, 1.0, a_comm);
    jt.ripple_peak_per_r = thermal::ripple_peak_k_per_w(1.0, sc.accelerator.time_constant_s, step_s,
                                                        compute_f, 1.0, a_comm);
    jt.running_activity = compute_f + (1.0 - compute_f) * a_comm;
    if (table_) table_->add_ratio(step_series_, step_s * share.running_s, share.running_s);
    const JobRuntime::Marks marks = runtime_.take_marks();
    if (marks.checkpoint_starts)
      env_.emit_event(marks.last_checkpoint_start_s, ev_checkpoint_start, index());
    if (marks.checkpoint_ends)
      env_.emit_event(marks.last_checkpoint_end_s, ev_checkpoint_end, index());
    if (marks.recovery_ends) env_.emit_event(marks.last_recovery_end_s, ev_recovery_end, index());
  }

  void end_tick(const JobSums& sums) override {
    runtime_.settle_tick(sums.time_s, sums.energy_j);
    if (sums.clock_known) slowest_clock_ = sums.slowest_clock;
  }

  Loss fail(const FailureHit& hit) override {
    return booked_loss(runtime_.fail(hit.time_s, hit.planned, hit.downtime_s, hit.nodes_missing));
  }

  void set_slowdown(double factor) override { slowdown_ = std::max(factor, 1.0); }

  void nodes_changed(const Allocation& allocation) override { derive(allocation); }
  void nodes_restored(double time_s) override { runtime_.spares_ready(time_s); }
  // Lent to a job that claims its nodes (a serving deployment's surge capacity): it saves,
  // waits, and restarts from that checkpoint when they come back.
  bool preemptible() const override { return true; }
  void preempted(double time_s) override { runtime_.preempt(time_s); }
  void resumed(double time_s) override { runtime_.spares_ready(time_s); }

  void declare_series(SeriesTable& t) override {
    table_ = &t;
    const std::string g = "jobs/" + name() + "/";
    auto last = [&](const std::string& n, const char* units, const char* long_name,
                    std::function<double()> sample) {
      SeriesDef d = series_def(g + n, units, long_name, Accumulate::last);
      d.sample = std::move(sample);
      return d;
    };
    SeriesDef state = last("state", "1", "job phase at the end of the interval",
                           [this] { return static_cast<double>(runtime_.phase()); });
    state.type = io::StoreType::i8;
    state.text_attributes = {{"flag_meanings", std::string(kJobPhaseMeanings)}};
    state.flag_values = {0, 1, 2, 3, 4, 5};
    t.add(std::move(state));
    t.add(last("iterations", "1", "durable training iterations (cumulative)",
               [this] { return runtime_.durable_iterations(); }));
    t.add(last("progress_iterations", "1",
               "training iterations including work not yet checkpointed",
               [this] { return runtime_.iterations(); }));
    t.add(last("tokens", "1", "tokens of durable progress (cumulative)",
               [this] { return runtime_.durable_iterations() * tokens_per_step_; }));
    step_series_ = t.add(series_def(g + "step_time_s", "s",
                                    "mean step time while running in the interval (0 if not "
                                    "running)",
                                    Accumulate::ratio));
    t.add(last("slowest_clock_ratio", "1",
               "clock ratio of the slowest participant at the end of the interval",
               [this] { return slowest_clock_; }));
  }

  void add_figures(WorkloadTotals& totals) const override {
    // Progress at the end of the run: failures have already rolled back what they lost.
    totals.iterations += runtime_.iterations();
    totals.tokens += runtime_.iterations() * tokens_per_step_;
  }

  void describe(std::ostream& os) const override;
  void warnings(std::vector<std::string>& out) const override;

  void save(archive::Writer& w) override { serialize(w); }
  void load(archive::Reader& r) override {
    serialize(r);
    derive(Allocation{placement_.nodes, placement_.spares, {}});
  }

 private:
  template <class Archive>
  void serialize(Archive& ar) {
    // The placement the step time was last derived from (a partly refilled job keeps its
    // previous figures until its last slot is filled), the state machine, the slowest clock.
    ar(placement_.nodes, placement_.spares, runtime_, slowest_clock_);
  }
  // Rings, stage boundaries and the step breakdown from the allocation's nodes.
  void derive(const Allocation& allocation) {
    placement_.nodes = allocation.nodes;
    placement_.spares = allocation.spares;
    workload::derive_communication(placement_, cfg_.spec.parallel);
    breakdown_ =
        cfg_.site_nodes.empty()
            ? workload::step_breakdown(cfg_.spec, placement_, env_.campus, env_.scenario.fabric)
            : workload::split_step_breakdown(cfg_.spec, placement_, split_, env_.campus,
                                             env_.scenario.fabric);
  }

  TrainingConfig cfg_;
  WorkloadEnv env_;
  workload::JobPlacement placement_;
  workload::StepBreakdown breakdown_;
  topology::SplitCost split_;  // over several sites: the DP all-reduce's split
  TrainingTimings timings_;
  JobRuntime runtime_{JobTimings{}};
  double tokens_per_step_ = 0.0;
  double slowest_clock_ = 1.0;
  double slowdown_ = 1.0;  // fail-slow factor of this tick (set before begin_tick)
  SeriesTable* table_ = nullptr;
  int step_series_ = -1;
};

std::string si(double v, const char* unit) {
  const char* prefixes[] = {"", "k", "M", "G", "T", "P", "E"};
  int p = 0;
  while (std::fabs(v) >= 1000.0 && p < 6) v /= 1000.0, ++p;
  return fmt::format("{:.3g} {}{}", v, prefixes[p], unit);
}

std::string duration(double s) {
  if (!std::isfinite(s)) return "never";
  if (s < 120) return fmt::format("{:.1f} s", s);
  if (s < 7200) return fmt::format("{:.1f} min", s / 60);
  if (s < 172800) return fmt::format("{:.2f} h", s / 3600);
  return fmt::format("{:.2f} d", s / 86400);
}

void TrainingJob::describe(std::ostream& os) const {
  const workload::JobSpec& job = cfg_.spec;
  const workload::StepBreakdown& b = breakdown_;
  const io::Scenario& sc = env_.scenario;
  os << fmt::format("\njob {}: {} accelerators (TP {} x PP {} x DP {}), {} spare nodes\n", job.name,
                    job.accelerators(), job.parallel.tp, job.parallel.pp, job.parallel.dp,
                    placement_.spares.size());
  os << fmt::format("  compute per step      {:.4f} s (full clock, efficiency {})\n", b.compute_s,
                    job.efficiency);
  os << fmt::format("  pipeline bubble       {:.4f} s\n", b.bubble_s);
  os << fmt::format("  exposed communication {:.4f} s\n", b.exposed_comm_s);
  os << fmt::format("  step time             {:.4f} s  (MFU {:.1f}%)\n", b.step_s,
                    100.0 * workload::model_flops_utilization(job, b.step_s));
  os << "  collective      tier      members  calls/step  alpha (us)  latency (s)  bandwidth (s) "
        " exposed (s)\n";
  for (const auto& c : b.collectives)
    os << fmt::format(
        "  {:<14}  {:<8}  {:>7}  {:>10.0f}  {:>10.3f}  {:>11.6f}  {:>13.6f}  {:>11.6f}\n", c.name,
        topology::tier_name(c.tier), c.members, c.calls_per_step, c.alpha_s * 1e6, c.latency_s,
        c.bandwidth_s, c.exposed_s);
  if (!cfg_.site_nodes.empty()) {
    // The split over sites (docs/sites.md): the hierarchical DP all-reduce against one site.
    const topology::SplitCost& c = split_;
    std::string reps;
    for (int r : cfg_.replicas_per_site) reps += (reps.empty() ? "" : " + ") + std::to_string(r);
    os << fmt::format("  over {} sites         DP replicas {}; {} link(s)\n",
                      cfg_.site_nodes.size(), reps, cfg_.links.size());
    for (const topology::LongHaulLink& l : cfg_.links)
      os << fmt::format(
          "    link                {:.0f} km, fibre {:.0f} km, alpha_L {:.3f} ms, {}\n",
          l.distance_m / 1e3, topology::fibre_length_m(l) / 1e3,
          topology::one_way_latency_s(l) * 1e3, si(l.bandwidth_bytes_per_s, "B/s"));
    os << fmt::format("    B_eff               {} ({} bound), {} per link direction per step\n",
                      si(c.inter_bandwidth_bytes_per_s, "B/s"), c.link_bound ? "link" : "NIC",
                      si(c.bytes_per_link_direction, "B"));
    os << fmt::format(
        "    DP all-reduce       reduce-scatter {:.6f} s + long haul {:.6f} s (alpha {:.6f}, "
        "beta {:.6f}) + all-gather {:.6f} s = {:.6f} s; one site {:.6f} s\n",
        c.reduce_scatter.total_s(), c.inter_site.total_s(), c.inter_site.latency_s,
        c.inter_site.bandwidth_s, c.all_gather.total_s(), c.total.total_s(),
        c.single_site.total_s());
    os << fmt::format("    added per step      {:.6f} s exposed ({:.2f}% of the step)\n",
                      c.added_per_step_s, 100.0 * c.added_per_step_s / b.step_s);
  }
  const TrainingTimings& t = timings_;
  const auto& cp = cfg_.checkpoint;
  os << fmt::format("  expected MTBF M       {} (unplanned, nominal conditions)\n",
                    duration(t.mtbf_s));
  os << fmt::format("  checkpoint            {} ({} per parameter), write {}, {} stall delta {}\n",
                    si(t.checkpoint_bytes, "B"), cp.bytes_per_parameter, duration(t.write_s),
                    cp.asynchronous ? "asynchronous" : "synchronous", duration(t.delta_s));
  os << fmt::format("  restart R             {} (detection {} + restart {} + load {})\n",
                    duration(t.restart_total_s), duration(sc.faults.recovery.detection_s),
                    duration(sc.faults.recovery.restart_s), duration(t.load_s));
  if (std::isfinite(t.mtbf_s)) {
    const double young = faults::young_interval_s(t.delta_s, t.mtbf_s);
    const double daly = faults::daly_interval_s(t.delta_s, t.mtbf_s);
    os << fmt::format("  interval              Young {}, Daly {}; expected ETTR at Daly {:.4f}\n",
                      duration(young), duration(daly),
                      faults::expected_ettr(daly, t.delta_s, t.restart_total_s, t.mtbf_s));
  }
}

std::string count(double v) {
  // 28459 → "28,459"
  const std::string digits = fmt::format("{:.0f}", std::fabs(v));
  std::string out = v < 0 ? "-" : "";
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

// Durations below a second in ms (a checkpoint snapshot stall), else as duration().
std::string short_duration(double s) {
  return s < 1.0 ? fmt::format("{:.3g} ms", s * 1e3) : duration(s);
}

void TrainingJob::warnings(std::vector<std::string>& out) const {
  const workload::JobSpec& job = cfg_.spec;
  // The global batch in sequences over dp replicas × microbatches.
  const double sequences = job.model.global_batch_tokens / job.model.sequence_length;
  const double per_micro = workload::microbatch_sequences(job);
  const auto slots = static_cast<double>(job.parallel.dp) * job.parallel.microbatches;
  if (std::fabs(sequences - std::round(sequences)) > 1e-9 * sequences)
    out.push_back(fmt::format(
        "job {}: global_batch_tokens / sequence_length = {:.4g} is not a whole number of "
        "sequences",
        job.name, sequences));
  else if (std::fabs(per_micro - std::round(per_micro)) > 1e-9 * per_micro || per_micro < 1)
    out.push_back(fmt::format(
        "job {}: the global batch of {:.0f} sequences does not divide over dp × microbatches = "
        "{} × {} = {:.0f}: a micro-batch would hold {:.3g} sequences (the step time uses the "
        "fraction as if it were possible)",
        job.name, sequences, job.parallel.dp, job.parallel.microbatches, slots, per_micro));
  // A checkpoint interval floored by the asynchronous write time: checkpoints then start back
  // to back.
  const TrainingTimings& t = timings_;
  const auto& cp = cfg_.checkpoint;
  const char* policy = cp.policy == faults::CheckpointIntervalPolicy::fixed_s ? "fixed_s"
                       : cp.policy == faults::CheckpointIntervalPolicy::young ? "Young"
                       : cp.policy == faults::CheckpointIntervalPolicy::daly  ? "Daly"
                                                                              : "";
  const double stall_s = t.delta_s, interval = t.policy_interval_s;
  if (interval > 0 && cp.asynchronous && interval < t.write_s) {
    const double period = t.write_s + stall_s;  // running time between starts + the stall
    out.push_back(fmt::format(
        "job {}: the checkpoint interval ({} {}) is floored by the asynchronous write time "
        "{}: checkpoints start back to back, about {} per simulated week ({} in this run), "
        "each stalling the job {} ({:.2f}% of its time), and the storage writes all the time. "
        "Raise checkpoint.storage_write_bandwidth_bytes_per_s or choose a longer "
        "checkpoint.interval_s",
        job.name, policy, duration(interval), duration(t.write_s), count(604800.0 / period),
        count(std::floor(env_.scenario.time.duration_s / period)), short_duration(stall_s),
        100.0 * stall_s / period));
  } else if (interval > 0 && stall_s / (interval + stall_s) > 0.1) {
    out.push_back(
        fmt::format("job {}: checkpoint stalls of {} every {} take {:.1f}% of the job's "
                    "time",
                    job.name, short_duration(stall_s), duration(interval),
                    100.0 * stall_s / (interval + stall_s)));
  }
}

const bool registered = register_workload_kind(
    io::ComponentBinding{"workload", "training",
                         "a synchronous data/tensor/pipeline-parallel training job with "
                         "checkpoints (DESIGN §4, §6)",
                         bind_training},
    WorkloadFactory{"training",
                    [](const io::ComponentConfig& c, const WorkloadEnv& env,
                       int index) -> std::unique_ptr<Workload> {
                      return std::make_unique<TrainingJob>(dynamic_cast<const TrainingConfig&>(c),
                                                           env, index);
                    }});

}  // namespace

TrainingTimings training_timings(const TrainingConfig& config,
                                 const workload::JobPlacement& placement,
                                 const workload::StepBreakdown& breakdown,
                                 const topology::Campus& campus, const io::Scenario& sc) {
  const auto& cp = config.checkpoint;
  TrainingTimings out;
  const double size_bytes =
      faults::checkpoint_size_bytes(config.spec.model.parameters, cp.bytes_per_parameter);
  const double write_s =
      faults::checkpoint_write_time_s(size_bytes, cp.storage_write_bandwidth_bytes_per_s);
  const double acc = static_cast<double>(config.spec.accelerators());
  const double snapshot_s = size_bytes / acc / cp.snapshot_bandwidth_bytes_per_s;
  JobTimings& t = out.runtime;
  t.step_s = workload::step_time_s(breakdown, 1.0);
  t.asynchronous = cp.asynchronous;
  t.checkpoint_stall_s = cp.asynchronous ? snapshot_s : write_s;
  t.checkpoint_write_s = cp.asynchronous ? write_s : 0.0;
  t.detection_s = sc.faults.recovery.detection_s;
  t.restart_s = sc.faults.recovery.restart_s;
  t.load_s = size_bytes / cp.storage_read_bandwidth_bytes_per_s;
  // Expected MTBF of the job: the unplanned rates of the components it uses.
  faults::ComponentCounts counts;
  counts.accelerators = config.spec.accelerators();
  counts.nodes = static_cast<std::int64_t>(placement.nodes.size());
  std::vector<std::int8_t> seen_rack(campus.racks(), 0), seen_hall(campus.halls(), 0);
  for (std::int64_t n : placement.nodes) {
    const std::int64_t r = campus.rack_of_node(n);
    if (!seen_rack[r]) ++counts.racks, seen_rack[r] = 1;
    const std::int64_t h = campus.hall_of_rack(r);
    if (!seen_hall[h]) ++counts.spine_switches, seen_hall[h] = 1;
  }
  counts.job_accelerators = counts.accelerators;
  const double rate =
      sc.faults.enabled ? faults::expected_failure_rate_per_s(sc.faults.model, counts) : 0.0;
  out.mtbf_s = rate > 0 ? 1.0 / rate : kInf;
  const double delta = cp.asynchronous ? snapshot_s : write_s;
  double interval = 0.0;
  switch (cp.policy) {
    case faults::CheckpointIntervalPolicy::none:
      break;
    case faults::CheckpointIntervalPolicy::fixed_s:
      interval = cp.interval_s;
      break;
    case faults::CheckpointIntervalPolicy::fixed_steps:
      t.checkpoint_interval_steps = cp.interval_steps;
      break;
    case faults::CheckpointIntervalPolicy::young:
      interval = std::isfinite(out.mtbf_s) ? faults::young_interval_s(delta, out.mtbf_s) : 0.0;
      break;
    case faults::CheckpointIntervalPolicy::daly:
      interval = std::isfinite(out.mtbf_s) ? faults::daly_interval_s(delta, out.mtbf_s) : 0.0;
      break;
  }
  out.policy_interval_s = interval;
  // An asynchronous write must finish before the next snapshot.
  if (interval > 0 && cp.asynchronous) interval = std::max(interval, write_s);
  t.checkpoint_interval_s = interval;
  out.checkpoint_bytes = size_bytes;
  out.write_s = write_s;
  out.snapshot_s = snapshot_s;
  out.delta_s = delta;
  out.load_s = t.load_s;
  out.restart_total_s = t.detection_s + t.restart_s + t.load_s;
  out.interval_s = interval;
  return out;
}

}  // namespace ct::twin
