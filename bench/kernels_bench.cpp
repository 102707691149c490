// Microbenchmarks of clustertwin's per-tick kernels (Google Benchmark).
//
// Each benchmark runs one loop over a struct-of-arrays fleet of N accelerators (8 per node,
// 4 nodes per rack, as in configs/llama3-16k.yaml) that has the shape of the matching part of
// twin/fleet_kernel.cpp, calling the same physics functions (thermal/, faults/):
//
//   thermal_dvfs  governor_clock_ratio + accelerator power + exact RC step + clock write +
//                 large-cycle counter, per accelerator; rack inlet per node
//   accounting    per-category time and energy of each accelerator, node overhead shared out,
//                 per-rack fixed-point sums (the reduction's int64 layout)
//   fused_tick    the two above in one loop, as Engine::State::kernel does it
//   hazard        scope_hazard_rate_per_s (one Arrhenius exp per class of the calibrated H100
//                 table) + in-iteration cycling damage + threshold check, per accelerator, then
//                 per node and per rack (Engine::State::hazard_update; it runs every
//                 faults.hazard_update_s / tick_s ticks, 60 by default)
//   exp, pow      the hazard's exponentials and power laws over N values: libm's scalar calls
//                 against faults::hazard_exp_n / hazard_pow_n (faults/hazard_math.hpp)
//   triad         STREAM triad a[i] = b[i] + s·c[i] over arrays larger than the caches: the
//                 memory bandwidth of this machine, 24 bytes per element
//
// items/s = accelerator-updates per second; bytes/s counts the bytes each update reads and
// writes in the per-accelerator arrays (no write-allocate traffic: every written array is read
// first, and STREAM does not count it either). Single-threaded unless the name ends in
// /threads:2 (one fleet per thread, like one fleet block per MPI rank), so items/s is per core.
//
// After the run the harness prints a summary (stderr, or JSON with --summary_json=FILE):
// updates/s/core, bytes/update, the bandwidth bound = triad bytes/s ÷ bytes/update, and the
// measured rate over that bound.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_fleet.hpp"
#include "bench/bench_summary.hpp"
#include "faults/hazard_math.hpp"
#include "thermal/accelerator_power.hpp"
#include "thermal/junction.hpp"
#include "thermal/rack_inlet.hpp"
#include "thermal/thermal_cycles.hpp"

namespace {

using namespace ct::bench;

// Bytes each accelerator-update reads + writes in the per-accelerator arrays.
//   thermal_dvfs: read R, T, φ, cycle state (8+8+8+8); write T, φ, cycle state (8+8+8) = 56
//   accounting:   read φ (the governor's result of the tick) = 8
//   fused_tick:   as thermal_dvfs (accounting adds no per-accelerator array) = 56
//   hazard:       read T, φ, R, acc_hazard, threshold (5·8), cycle damage (4); write hazard (8),
//                 cycle damage (4) = 56
constexpr double kThermalBytes = 56.0, kAccountingBytes = 8.0, kFusedBytes = 56.0,
                 kHazardBytes = 56.0, kTriadBytes = 24.0;

// ---- benchmarks ------------------------------------------------------------------------------

void set_rates(benchmark::State& state, std::int64_t n, double bytes_per_update) {
  const auto updates = static_cast<std::int64_t>(state.iterations()) * n;
  state.SetItemsProcessed(updates);
  state.SetBytesProcessed(
      static_cast<std::int64_t>(static_cast<double>(updates) * bytes_per_update));
  // Per-thread constants: averaged over threads, not summed.
  state.counters["bytes_per_update"] =
      benchmark::Counter(bytes_per_update, benchmark::Counter::kAvgThreads);
  state.counters["accelerators"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kAvgThreads);
}

void BM_thermal_dvfs(benchmark::State& state) {
  Fleet f(state.range(0));
  double t = 0.0;
  for (std::size_t w = 0; w < 30; ++w, t += 1.0) tick<false>(f, t);  // settle toward steady state
  std::int64_t throttled = 0;
  for (auto _ : state) {
    const TickOut o = tick<false>(f, t);
    throttled += o.throttled;
    benchmark::DoNotOptimize(o.max_junction);
    t += 1.0;
    f.pending.clear();
  }
  set_rates(state, f.n, kThermalBytes);
  state.counters["throttled_share"] =
      static_cast<double>(throttled) /
      (static_cast<double>(state.iterations()) * static_cast<double>(f.n));
}

void BM_accounting(benchmark::State& state) {
  Fleet f(state.range(0));
  for (double t = 0.0; t < 30.0; t += 1.0) tick<false>(f, t);  // realistic clocks
  for (auto _ : state) {
    benchmark::DoNotOptimize(accounting(f));
    benchmark::ClobberMemory();
  }
  set_rates(state, f.n, kAccountingBytes);
}

void BM_fused_tick(benchmark::State& state) {
  Fleet f(state.range(0));
  double t = 0.0;
  for (std::size_t w = 0; w < 30; ++w, t += 1.0) tick<true>(f, t);
  for (auto _ : state) {
    const TickOut o = tick<true>(f, t);
    benchmark::DoNotOptimize(o.max_junction);
    t += 1.0;
    f.pending.clear();
  }
  set_rates(state, f.n, kFusedBytes);
}

// The engine's per-unit fast path, with the engine's own functions (twin/fleet_kernel.cpp):
// a node whose units are all at the job's clock and below the thermal limit is stepped by
// thermal::step_common_power (one vectorized test and exact RC step for its 8 units; category
// times and energies are per-job constants counted per node), then thermal::observe_units runs
// the cycle counter on the node. A node that fails the test would take the per-unit governor
// path (BM_thermal_dvfs); with realistic inputs few do (`slow_share`, per unit).
// Reads R, T, clock, cycle state (8+8+8+4+4); writes T and cycle state (8+4+4): 48 bytes.
constexpr double kFastBytes = 48.0;
void BM_fast_units(benchmark::State& state) {
  Fleet f(state.range(0));
  double t = 0.0;
  for (std::size_t w = 0; w < 30; ++w, t += 1.0) tick<false>(f, t);  // realistic temperatures
  const thermal::AcceleratorSpec& spec = f.spec;
  const double gain = 1.0 - f.decay, full_w = spec.tdp_w - spec.idle_w;
  const double a_full = ct::twin::mean_activity(f.job, 1.0);
  const double k_per_r = gain * (spec.idle_w + a_full * full_w) + f.job.ripple_peak_per_r * full_w;
  const double p_fast_w = spec.idle_w + a_full * full_w;
  std::vector<float> turning(f.cycles.size()), extreme(f.cycles.size()), swing(kApn);
  for (std::size_t i = 0; i < f.cycles.size(); ++i) {
    turning[i] = f.cycles[i].turning_c;
    extreme[i] = f.cycles[i].extreme_c;
  }
  // As Engine::State::kernel: a tick with stretches (a stall starting or ending inside it) keeps
  // the node's junctions at the tick's start for the cycle counter; the job's tick here has none
  // (the common case), so only the test is paid.
  const ct::twin::TickTrajectory traj =
      ct::twin::tick_trajectory(f.job, f.dt, spec.time_constant_s);
  std::array<double, kApn> t0{};
  std::int64_t slow = 0, cycles = 0;
  for (auto _ : state) {
    double max_c = -1e300;
    for (std::int64_t r = 0; r < f.racks; ++r) {
      for (std::int64_t k = 0; k < kNpr; ++k) {
        const double inlet = thermal::air_inlet_c(
            f.air, f.supply_c, (static_cast<double>(k) + 0.5) / kNpr, f.rack_power_w[r], 0.0);
        const thermal::CommonPowerStep step{1.0,
                                            inlet,
                                            p_fast_w,
                                            f.decay,
                                            gain,
                                            k_per_r,
                                            spec.slowdown_temperature_c - gain * inlet};
        const std::int64_t base = (r * kNpr + k) * kApn;
        if (traj.boundaries > 0)
          std::copy(f.junction_c.data() + base, f.junction_c.data() + base + kApn, t0.data());
        if (!thermal::step_common_power(step, kApn, f.clock_ratio.data() + base,
                                        f.resistance_k_per_w.data() + base,
                                        f.junction_c.data() + base, max_c))
          slow += kApn;
        if (thermal::observe_units(kApn, f.junction_c.data() + base, f.hysteresis,
                                   turning.data() + base, extreme.data() + base, swing.data()))
          ++cycles;
      }
    }
    benchmark::DoNotOptimize(max_c);
    benchmark::DoNotOptimize(cycles);
  }
  set_rates(state, f.n, kFastBytes);
  state.counters["slow_share"] =
      static_cast<double>(slow) /
      (static_cast<double>(state.iterations()) * static_cast<double>(f.n));
}

void BM_hazard(benchmark::State& state) {
  Fleet f(state.range(0));
  double t = 0.0;
  for (std::size_t w = 0; w < 30; ++w, t += 1.0) tick<false>(f, t);
  for (auto _ : state) {
    hazard(f, t, 60.0);
    t += 60.0;
    benchmark::ClobberMemory();
    f.pending.clear();
  }
  set_rates(state, f.n, kHazardBytes);
}

// The acceleration factors' exp (arguments in [−5, 5], as the Arrhenius and T_max terms take)
// and power law ((ΔT/ΔT_ref)^2.65 for ratios in [0.05, 10]) of state.range(0) values: libm one by
// one (range(1) = 0) or the hazard model's batch form (1). 16 bytes per value (read, write).
std::vector<double> spread_values(std::size_t n, double lo, double hi) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = lo + (hi - lo) * static_cast<double>((i * 2654435761u) % n) / static_cast<double>(n);
  return v;
}

void BM_exp(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::vector<double> x = spread_values(n, -5.0, 5.0);
  std::vector<double> out(n);
  for (auto _ : state) {
    if (state.range(1) == 0)
      for (std::size_t i = 0; i < n; ++i) out[i] = std::exp(x[i]);
    else
      ct::faults::hazard_exp_n(x.data(), out.data(), n);
    benchmark::ClobberMemory();
  }
  set_rates(state, state.range(0), 16.0);
}

void BM_pow(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::vector<double> x = spread_values(n, 0.05, 10.0);
  std::vector<double> out(n);
  for (auto _ : state) {
    if (state.range(1) == 0)
      for (std::size_t i = 0; i < n; ++i) out[i] = std::pow(x[i], 2.65);
    else
      ct::faults::hazard_pow_n(x.data(), 2.65, out.data(), n);
    benchmark::ClobberMemory();
  }
  set_rates(state, state.range(0), 16.0);
}

// STREAM triad over three arrays of state.range(0) MiB each (one set per thread).
void BM_triad(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0)) * (1u << 20) / sizeof(double);
  std::vector<double> a(n, 0.0), b(n, 1.0), c(n, 2.0);
  const double s = 3.0;
  for (auto _ : state) {
    double* __restrict pa = a.data();
    const double* __restrict pb = b.data();
    const double* __restrict pc = c.data();
    for (std::size_t i = 0; i < n; ++i) pa[i] = pb[i] + s * pc[i];
    benchmark::ClobberMemory();
  }
  const auto elements =
      static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n);
  state.SetItemsProcessed(elements);
  state.SetBytesProcessed(static_cast<std::int64_t>(static_cast<double>(elements) * kTriadBytes));
  state.counters["array_mib"] =
      benchmark::Counter(static_cast<double>(state.range(0)), benchmark::Counter::kAvgThreads);
  benchmark::DoNotOptimize(a[n / 2]);
}

BENCHMARK(BM_thermal_dvfs)->Arg(16384)->Arg(1 << 20)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_accounting)->Arg(16384)->Arg(1 << 20)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_fused_tick)->Arg(16384)->Arg(1 << 20)->Arg(1 << 22)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_fused_tick)->Arg(1 << 20)->Threads(2)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_fast_units)->Arg(16384)->Arg(1 << 20)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_hazard)->Arg(16384)->Arg(1 << 20)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_exp)->Args({4096, 0})->Args({4096, 1})->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_pow)->Args({4096, 0})->Args({4096, 1})->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_triad)->Arg(128)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_triad)->Arg(128)->Threads(2)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  std::string summary_path, format = "console";
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--summary_json=", 0) == 0) {
      summary_path = a.substr(15);
      continue;
    }
    if (a.rfind("--benchmark_format=", 0) == 0) format = a.substr(19);
    args.push_back(argv[i]);
  }
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  std::unique_ptr<benchmark::BenchmarkReporter> inner;
  if (format == "json")
    inner = std::make_unique<benchmark::JSONReporter>();
  else
    inner = std::make_unique<benchmark::ConsoleReporter>(benchmark::ConsoleReporter::OO_Tabular);
  Collector collector(inner.get());
  benchmark::RunSpecifiedBenchmarks(&collector);
  benchmark::Shutdown();

  if (!write_summary(collector.results, summary_path)) return 1;
  return collector.results.empty() ? 1 : 0;
}
