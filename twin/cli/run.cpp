// `clustertwin run`: a scenario (or one variant of a study, or an ensemble) simulated and written
// to HDF5, restartable (SIGUSR1/SIGTERM write a restart file and exit 75), with --stats-json.
#include <mpi.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "common/random.hpp"
#include "faults/ensemble_stats.hpp"
#include "io/config_tree.hpp"
#include "io/export_netcdf.hpp"
#include "io/hdf5_output.hpp"
#include "io/input_file.hpp"
#include "io/key_reference.hpp"
#include "io/output_target.hpp"
#include "io/scenario.hpp"
#include "io/schema_binder.hpp"
#include "io/summarize.hpp"
#include "io/sweep.hpp"
#include "twin/calibrate.hpp"
#include "twin/cli/cli.hpp"
#include "twin/engine.hpp"
#include "twin/info.hpp"
#include "twin/memory_estimate.hpp"

namespace ct::cli {

namespace {

volatile int g_stop_requested = 0;
extern "C" void on_stop_signal(int) { g_stop_requested = 1; }

std::string now_iso() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

// Peak resident set size of this process, bytes (Linux).
double peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) * 1024.0;
  return 0.0;
}

void write_stats(const std::string& path, const ct::io::Scenario& sc, const ct::twin::Engine& e,
                 const ct::twin::Figures& figures, int ranks, int rank) {
  const auto& st = e.statistics();
  double local[6] = {st.mpi_reduce_s, st.output_s,           peak_rss_bytes(),
                     st.wall_s,       st.coasted_rack_ticks, st.stepped_rack_ticks};
  double maxv[6], sumv[6];
  MPI_Reduce(local, maxv, 6, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
  MPI_Reduce(local, sumv, 6, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
  double min_reduce_s = 0.0;  // max ≫ min: a rank waits for a slower one (imbalance, jitter)
  MPI_Reduce(&local[0], &min_reduce_s, 1, MPI_DOUBLE, MPI_MIN, 0, MPI_COMM_WORLD);
  if (rank != 0) return;
  double accelerators = 0, simulated = 0;
  for (const auto& [k, v] : figures) {
    if (k == "accelerators") accelerators = v;
    if (k == "simulated_s") simulated = v;
  }
  const double acc_ticks = accelerators * static_cast<double>(st.ticks);
  std::ofstream os(path);
  os << "{\n  \"scenario\": \"" << sc.name << "\",\n  \"ranks\": " << ranks
     << ",\n  \"accelerators\": " << accelerators << ",\n  \"ticks\": " << st.ticks
     << ",\n  \"simulated_s\": " << simulated << ",\n  \"wall_s\": " << maxv[3]
     << ",\n  \"accelerator_ticks_per_s_per_core\": " << acc_ticks / maxv[3] / ranks
     << ",\n  \"simulated_s_per_wall_s\": " << simulated / maxv[3]
     << ",\n  \"mpi_reduce_s_max\": " << maxv[0] << ",\n  \"mpi_reduce_s_min\": " << min_reduce_s
     << ",\n  \"hdf5_output_s_max\": " << maxv[1] << ",\n  \"peak_rss_bytes_total\": " << sumv[2]
     << ",\n  \"peak_rss_bytes_per_accelerator\": " << sumv[2] / accelerators
     << ",\n  \"reduction_bytes\": " << st.reduction_bytes
     << ",\n  \"coasted_rack_tick_fraction\": "
     << (sumv[4] + sumv[5] > 0 ? sumv[4] / (sumv[4] + sumv[5]) : 0.0)
     << ",\n  \"repeated_reduction_fraction\": "
     << (st.ticks > 0 ? st.repeated_reductions / static_cast<double>(st.ticks) : 0.0) << "\n}\n";
}

}  // namespace

int cmd_run(int argc, char** argv, int rank, int ranks) {
  auto opts = scenario_options();
  opts.add_options()("output,o", po::value<std::string>(), "output file (default NAME.h5)")(
      "seed", po::value<std::string>(), "random seed, 0 to 2^64-1 (overrides the scenario's seed)")(
      "replicas", po::value<int>(), "number of ensemble realizations (overrides replicas)")(
      "sweep-index", po::value<long long>(),
      "run variant I of the study's sweep: section (see 'clustertwin sweep --list')")(
      "restart", po::value<std::string>(),
      "resume from a restart file (same scenario and --set options; any number of ranks)")(
      "restart-every", po::value<double>(),
      "also write OUT.restart every this many wall-clock seconds")(
      "stop-after", po::value<double>(),
      "stop at this simulated time (s), writing OUT.restart, exit status 75")(
      "stats-json", po::value<std::string>(),
      "write run statistics (wall time, MPI and HDF5 time, memory) to this JSON file")(
      "pace", po::value<double>(),
      "run no faster than this many simulated seconds per wall second (live twins, demos)")(
      "quiet,q", "no progress and no informational messages (warnings and errors only)")(
      "log-level", po::value<std::string>()->default_value("info"),
      "messages on standard error: trace, debug, info, warn, error or off")(
      "progress-interval", po::value<double>(),
      "wall seconds between progress lines (default: a live line updated every second when "
      "standard error is a terminal, a line every 300 s otherwise, e.g. in a batch log)");
  const Parsed p = parse("run", opts, argc, argv, "SCENARIO.yaml [-o OUT.h5] [options]");
  const std::string level = p.vm["log-level"].as<std::string>();
  auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off")
    throw BadArguments("clustertwin run: --log-level '" + level +
                       "' is not one of trace, debug, info, warn, error, off");
  const bool quiet = p.vm.count("quiet") > 0;
  // --quiet keeps warnings and errors; an explicit --log-level wins.
  if (quiet && p.vm["log-level"].defaulted()) lvl = spdlog::level::warn;
  // Messages go to standard error, results (the summary below) to standard output.
  spdlog::set_default_logger(spdlog::stderr_color_mt("clustertwin"));
  spdlog::set_level(rank == 0 ? lvl : spdlog::level::off);
  spdlog::set_pattern("[%H:%M:%S] %^%v%$");
  ct::twin::ProgressOptions progress;
  progress.quiet = quiet || lvl > spdlog::level::info;
  progress.live_line = isatty(fileno(stderr)) == 1;
  progress.log_interval_wall_s = progress.live_line ? 1.0 : 300.0;
  if (p.vm.count("progress-interval")) {
    progress.log_interval_wall_s = p.vm["progress-interval"].as<double>();
    if (!(progress.log_interval_wall_s >= 0))
      throw BadArguments("clustertwin run: --progress-interval must be >= 0 wall seconds");
  }

  // Options are checked before anything is read or allocated.
  ct::twin::RunControl control;
  if (p.vm.count("restart-every"))
    control.restart_every_wall_s =
        positive_option(p.vm, "restart-every", "wall-clock seconds between restart files");
  if (p.vm.count("stop-after"))
    control.stop_after_s =
        positive_option(p.vm, "stop-after", "simulated seconds from the start of the run");
  if (p.vm.count("pace"))
    control.pace = positive_option(p.vm, "pace", "simulated seconds per wall second");
  ct::io::LoadOptions lo = load_options(p.vm);
  std::optional<ct::io::SweepVariant> variant;
  if (p.vm.count("sweep-index")) {
    const auto plan = ct::io::load_sweep_plan(p.scenario);
    const long long index = p.vm["sweep-index"].as<long long>();
    ct::io::check_variant_index(plan.size(), index, p.scenario);
    variant = plan.variant(static_cast<std::size_t>(index));
    lo.sets.insert(lo.sets.begin(), variant->sets.begin(), variant->sets.end());
  }
  if (p.vm.count("seed")) {
    // Digits only: boost would read "-1" as 2^64 - 1.
    const std::string text = p.vm["seed"].as<std::string>();
    std::uint64_t seed = 0;
    const auto res = std::from_chars(text.data(), text.data() + text.size(), seed);
    if (text.empty() || res.ec != std::errc() || res.ptr != text.data() + text.size())
      throw BadArguments("clustertwin run: --seed '" + text +
                         "': expected a whole number from 0 to 18446744073709551615");
    lo.sets.push_back("seed=" + std::to_string(seed));
  }
  if (p.vm.count("replicas"))
    lo.sets.push_back("replicas=" + std::to_string(p.vm["replicas"].as<int>()));
  const ct::io::Scenario sc = ct::io::load_scenario(p.scenario, lo);
  const ct::topology::Campus campus(sc.campus);
  if (ranks > campus.racks())
    throw ct::io::ScenarioError(
        "clustertwin run: " + std::to_string(ranks) + " MPI ranks but the campus has only " +
        std::to_string(campus.racks()) + " racks (allowed: 1 to " + std::to_string(campus.racks()) +
        " ranks; racks are the unit of decomposition)");
  // Caught from here on, before anything slow (the memory check's collectives, the engine, the
  // output), so a signal is never lost to a slow start: it stops the run at its first tick
  // boundary with a restart file. Replicas are not resumable: the default action stays.
  if (sc.replicas == 1) {
    std::signal(SIGUSR1, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
  }
  const std::string out_path =
      p.vm.count("output") ? p.vm["output"].as<std::string>() : sc.name + ".h5";
  // Samples between flushes, in [1, samples of the run] (a huge flush_interval_s would
  // overflow the conversion).
  const double samples_total = static_cast<double>(sc.ticks() / sc.ticks_per_output());
  const auto flush_every = static_cast<std::int64_t>(
      std::clamp(std::floor(sc.output.flush_interval_s / sc.time.output_interval_s), 1.0,
                 std::max(1.0, samples_total)));

  // Memory: stated and compared with what each rank may have before anything is allocated.
  {
    MPI_Comm node;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node);
    int on_node = 1;
    MPI_Comm_size(node, &on_node);
    MPI_Comm_free(&node);
    const auto need = ct::twin::estimate_memory(sc, ranks, rank, flush_every, sc.replicas == 1);
    const char* check = std::getenv("CLUSTERTWIN_MEMORY_CHECK");
    const std::string problem =
        check && std::string(check) == "0"
            ? std::string()
            : ct::twin::memory_problem(need, ct::twin::memory_budget(on_node), rank, ranks,
                                       campus.accelerators());
    agree_all(rank, ranks, problem, kBadInput, p.scenario + ": ");
    spdlog::debug("memory estimate on rank 0: {}", ct::io::format_bytes(need.total()));
  }

  // The output is checked and claimed before simulating (rank 0; every rank learns the result).
  const std::string restart_path = out_path + ".restart";
  std::unique_ptr<ct::io::OutputTarget> target;
  on_rank0(rank, [&] {
    ct::io::OutputTarget::Options o;
    o.resume = p.vm.count("restart") > 0;
    o.inputs.emplace_back("the scenario file", p.scenario);
    for (std::size_t i = 1; i < sc.input_files.size(); ++i)
      o.inputs.emplace_back(i < sc.scenario_files
                                ? "a base file of the scenario (extends:)"
                                : "an input data file (weather or grid CSV, queue trace)",
                            sc.input_files[i]);
    if (o.resume) {
      const std::string from = p.vm["restart"].as<std::string>();
      o.inputs.emplace_back("the restart file", from);
      // Resuming from OUT.restart is the normal case: the run replaces it when it stops again.
      if (!ct::io::same_file(from, restart_path))
        o.outputs.emplace_back("the output's restart file", restart_path);
    } else {
      o.outputs.emplace_back("the output's restart file", restart_path);
    }
    if (p.vm.count("stats-json"))
      o.outputs.emplace_back("the --stats-json file", p.vm["stats-json"].as<std::string>());
    target = std::make_unique<ct::io::OutputTarget>(out_path, o);
    if (!target->warning().empty()) spdlog::warn("{}", target->warning());
  });

  spdlog::debug("scenario {} resolved ({} bytes of YAML); seed {}; output {}", p.scenario,
                sc.resolved_yaml.size(), sc.seed, out_path);
  if (variant)
    spdlog::debug("sweep variant {}: {}", p.vm["sweep-index"].as<long long>(),
                  ct::io::describe_variant(*variant));
  if (rank == 0)
    for (const auto& w : ct::twin::scenario_warnings(sc)) spdlog::warn("warning: {}", w);
  ct::twin::Engine first(sc, MPI_COMM_WORLD, sc.seed);
  spdlog::info("{}: {} accelerators in {} racks on {} ranks, {} ticks of {} s, {} replica(s)",
               sc.name, campus.accelerators(), campus.racks(), ranks, sc.ticks(), sc.time.tick_s,
               sc.replicas);
  spdlog::debug("decomposition: {} racks over {} ranks (about {} racks, {} accelerators per rank)",
                campus.racks(), ranks, campus.racks() / ranks, campus.accelerators() / ranks);

  ct::io::OutputMeta meta;
  meta.title = "clustertwin simulation: " + sc.name;
  meta.scenario_name = sc.name;
  meta.scenario_yaml = sc.resolved_yaml;
  meta.start_iso = sc.time.start_iso;
  meta.output_interval_s = sc.time.output_interval_s;
  meta.seed = sc.seed;
  meta.mpi_ranks = ranks;
  meta.history = now_iso() + " clustertwin " + CLUSTERTWIN_VERSION + " run " + p.scenario;
  meta.event_kinds = ct::twin::Engine::event_kind_names();
  meta.component_classes = ct::twin::Engine::component_class_names();
  std::string job_names;
  for (const auto& j : sc.jobs) job_names += (job_names.empty() ? "" : " ") + j->name;
  meta.extra_text.emplace_back("jobs", job_names);
  if (variant) {
    meta.extra_text.emplace_back("sweep_parameters", ct::io::parameters_json(*variant));
    meta.extra_int.emplace_back("sweep_index", p.vm["sweep-index"].as<long long>());
  }
  spdlog::debug("output: {} samples every {} s, flushed every {} samples; writing {}.partial",
                sc.ticks() / std::max<std::int64_t>(sc.ticks_per_output(), 1),
                sc.time.output_interval_s, flush_every, out_path);
  std::optional<ct::io::OutputFile> out;
  if (p.vm.count("restart")) {
    const std::string from = p.vm["restart"].as<std::string>();
    if (sc.replicas > 1)
      throw ct::io::ScenarioError("--restart: runs with replicas > 1 cannot be resumed");
    const auto resume = first.restore(from);
    out.emplace(
        MPI_COMM_WORLD, out_path, first.series(), first.rack_layout(), flush_every,
        ct::io::OutputFile::Reopen{resume.samples, resume.events, sc.time.output_interval_s});
    spdlog::info("resumed from {} ({} output samples already written)", from, resume.samples);
  } else {
    out.emplace(MPI_COMM_WORLD, out_path, meta, first.series(), first.rack_layout(), flush_every);
  }
  if (target) target->keep_partial();  // it holds this run's data now
  out->attach(target.get());

  if (sc.replicas == 1) {
    control.stop_flag = &g_stop_requested;
    control.restart_path = restart_path;
  } else {
    control.restart_every_wall_s = control.stop_after_s = 0.0;  // no restart files: replicas
  }
  const ct::twin::Figures figures = first.run(&*out, progress, control);
  if (first.interrupted()) {
    out->close_keep();
    spdlog::warn("interrupted: restart file {}; resume with --restart {} (output so far: {})",
                 restart_path, restart_path, out->partial_path());
    return kInterrupted;
  }
  out->write_group_attributes("summary", figures);
  for (const auto& [site, site_figures] : first.site_figures())
    out->write_group_attributes("summary/sites/" + site, site_figures);
  first.write_tables(*out);
  if (sc.replicas > 1) {
    std::vector<ct::twin::Figures> all{figures};
    for (int r = 1; r < sc.replicas; ++r) {
      const auto seed = ct::rng::replica_seed(sc.seed, static_cast<std::uint32_t>(r));
      spdlog::info("replica {}/{}", r + 1, sc.replicas);
      spdlog::debug("replica {} seed {}", r + 1, seed);
      ct::twin::Engine replica(sc, MPI_COMM_WORLD, seed);
      all.push_back(replica.run(nullptr, progress));
    }
    ct::twin::Figures ensemble;
    for (std::size_t i = 0; i < figures.size(); ++i) {
      std::vector<double> samples;
      for (const auto& f : all) samples.push_back(f[i].second);
      const auto m = ct::faults::mean_ci95(samples);
      ensemble.emplace_back(figures[i].first + "_mean", m.mean);
      ensemble.emplace_back(figures[i].first + "_ci95", m.ci95_half_width);
    }
    ensemble.emplace_back("replicas", static_cast<double>(sc.replicas));
    out->write_group_attributes("ensemble", ensemble);
  }
  out->commit();
  if (p.vm.count("stats-json"))
    write_stats(p.vm["stats-json"].as<std::string>(), sc, first, figures, ranks, rank);
  if (rank == 0) std::remove(restart_path.c_str());  // the run finished: nothing to resume
  {
    const auto& st = first.statistics();
    spdlog::debug("wall {:.3f} s: MPI reductions {:.3f} s, HDF5 output {:.3f} s, {} ticks",
                  st.wall_s, st.mpi_reduce_s, st.output_s, st.ticks);
  }

  if (rank == 0) {
    const auto& st = first.statistics();
    auto fig = [&](const char* name) {
      for (const auto& [k, v] : figures)
        if (k == name) return v;
      return 0.0;
    };
    std::printf("\n%s: %.2f days simulated in %.1f s wall (%.0f simulated s per wall s)\n",
                sc.name.c_str(), fig("simulated_s") / 86400.0, st.wall_s,
                fig("simulated_s") / std::max(st.wall_s, 1e-9));
    std::printf("  accelerators %.0f   IT energy %.3f MWh   facility energy %.3f MWh   PUE %.3f\n",
                fig("accelerators"), fig("energy_it_j") / 3.6e9, fig("energy_facility_j") / 3.6e9,
                fig("pue_mean"));
    std::printf(
        "  ETTR %.4f   iterations %.1f   interruptions %.0f (%.0f unplanned)   throttled %.4f\n",
        fig("ettr"), fig("iterations"), fig("interruptions"), fig("interruptions_unplanned"),
        fig("throttled_fraction"));
    std::printf("  output: %s\n", std::filesystem::absolute(out_path).c_str());
  }
  return kOk;
}

}  // namespace ct::cli
