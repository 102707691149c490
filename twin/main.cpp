// clustertwin: command line (DESIGN §8). Exit status 0 success, 2 bad input, 3 runtime failure.
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
#include "twin/engine.hpp"
#include "twin/info.hpp"
#include "twin/memory_estimate.hpp"

namespace po = boost::program_options;

namespace {

constexpr int kOk = 0, kBadInput = 2, kRuntime = 3;
// A restart file was written on SIGUSR1/SIGTERM: resume with --restart (batch scripts requeue).
constexpr int kInterrupted = 75;

volatile int g_stop_requested = 0;
extern "C" void on_stop_signal(int) { g_stop_requested = 1; }

const char* kUsage =
    "usage: clustertwin <command> [options]\n"
    "\n"
    "commands:\n"
    "  run SCENARIO.yaml [-o OUT.h5]   simulate and write HDF5 output\n"
    "  validate SCENARIO.yaml          check a scenario and print it fully resolved\n"
    "  info SCENARIO.yaml              derived figures (counts, fabric, step time, MTBF,\n"
    "                                  checkpoint interval) without simulating\n"
    "  calibrate SCENARIO.yaml --target counts.csv [-o fitted.yaml]\n"
    "                                  fit failure rates to observed counts under the\n"
    "                                  scenario's simulated conditions\n"
    "  sweep STUDY.yaml --count|--list the variants of a what-if study\n"
    "  presets                         the preset catalogues (accelerators, fabrics, plants,\n"
    "                                  climates, carbon regions) with their key figures\n"
    "  summarize A.h5 B.h5 ... [-o T.csv]  one CSV row per run: swept parameters, summary\n"
    "  export OUT.h5 [-o FLAT.nc]      flat netCDF-4/CF copy (no groups) for CDO, ParaView, "
    "ncview\n"
    "\n"
    "Run 'clustertwin <command> --help' for the options of a command.\n"
    "Results go to standard output, messages and progress to standard error.\n"
    "Exit status: 0 success, 2 bad input (scenario or arguments), 3 runtime failure.\n";

struct BadArguments : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Another rank failed and rank 0 has printed why: end with this status, silently.
struct AgreedFailure {
  int status;
};

// Run `f` on rank 0 only; every rank ends the same way: nothing when it succeeds, else exit
// status 2 (ScenarioError) or 3 (any other error, as an OutputError) on all ranks, with the
// message printed once.
template <class F>
void on_rank0(int rank, F&& f) {
  int status = kOk;
  std::exception_ptr error;
  if (rank == 0) {
    try {
      f();
    } catch (const ct::io::ScenarioError&) {
      status = kBadInput;
      error = std::current_exception();
    } catch (const std::exception& e) {
      status = kRuntime;
      error = std::make_exception_ptr(ct::io::OutputError(e.what()));
    }
  }
  MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (status == kOk) return;
  if (rank == 0) std::rethrow_exception(error);
  throw AgreedFailure{status};
}

// Every rank checked something (`problem` empty when fine): all end with `status` when any
// rank found a problem; the first such rank's message is printed once (by rank 0).
void agree_all(int rank, int ranks, const std::string& problem, int status,
               const std::string& prefix) {
  int mine = problem.empty() ? ranks : rank, first = ranks;
  MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (first == ranks) return;
  std::string message = rank == first ? problem : std::string();
  int n = static_cast<int>(message.size());
  MPI_Bcast(&n, 1, MPI_INT, first, MPI_COMM_WORLD);
  message.resize(static_cast<std::size_t>(n));
  MPI_Bcast(message.data(), n, MPI_CHAR, first, MPI_COMM_WORLD);
  if (rank == 0) std::cerr << "error: " << prefix << message << "\n";
  throw AgreedFailure{status};
}

// A finite number in (0, inf) from a command-line option, or exit status 2 naming it.
double positive_option(const po::variables_map& vm, const char* name, const char* meaning) {
  const double v = vm[name].as<double>();
  if (!(std::isfinite(v) && v > 0))
    throw BadArguments(std::string("clustertwin run: --") + name + " " + ct::io::format_real(v) +
                       ": must be a finite number > 0 (" + meaning + ")");
  return v;
}

po::options_description scenario_options() {
  po::options_description o("scenario options");
  o.add_options()("help,h", "show this help")(
      "set", po::value<std::vector<std::string>>()->composing(),
      "override a scenario key: --set key.path=value (repeatable; list items by index, "
      "e.g. campus.buildings.0.halls=2)");
  return o;
}

struct Parsed {
  po::variables_map vm;
  std::string scenario;
};

Parsed parse(const std::string& command, const po::options_description& opts, int argc, char** argv,
             const char* synopsis) {
  po::options_description all(opts);
  all.add_options()("scenario", po::value<std::string>(), "scenario file");
  po::positional_options_description pos;
  pos.add("scenario", 1);
  Parsed p;
  try {
    po::store(po::command_line_parser(argc - 1, argv + 1).options(all).positional(pos).run(), p.vm);
    po::notify(p.vm);
  } catch (const po::error& e) {
    throw BadArguments("clustertwin " + command + ": " + e.what() + " (see 'clustertwin " +
                       command + " --help')");
  }
  if (p.vm.count("help")) {
    std::cout << "usage: clustertwin " << command << " " << synopsis << "\n\n" << opts << "\n";
    std::exit(kOk);
  }
  if (!p.vm.count("scenario"))
    throw BadArguments("clustertwin " + command + ": missing SCENARIO.yaml (see 'clustertwin " +
                       command + " --help')");
  p.scenario = p.vm["scenario"].as<std::string>();
  return p;
}

ct::io::LoadOptions load_options(const po::variables_map& vm) {
  ct::io::LoadOptions o;
  if (vm.count("set")) o.sets = vm["set"].as<std::vector<std::string>>();
  return o;
}

int cmd_validate(int argc, char** argv) {
  auto opts = scenario_options();
  opts.add_options()("key-reference", po::value<std::string>()->implicit_value(""),
                     "print the markdown tables of every key the scenario binds instead of the "
                     "resolved scenario; with =FILE, rewrite FILE's generated tables "
                     "(docs/scenario.md)")(
      "also", po::value<std::vector<std::string>>()->composing(),
      "with --key-reference: more scenarios whose keys join the tables");
  const Parsed p = parse("validate", opts, argc, argv, "SCENARIO.yaml [--set key=value]...");
  ct::io::KeyCatalogue catalogue;
  ct::io::LoadOptions lo = load_options(p.vm);
  lo.catalogue = &catalogue;
  const ct::io::Scenario sc = ct::io::load_scenario(p.scenario, lo);
  // More reference scenarios (alternatives a scenario cannot hold together, e.g. queue.trace and
  // queue.synthetic) add their keys to the tables.
  if (p.vm.count("also"))
    for (const auto& more : p.vm["also"].as<std::vector<std::string>>())
      (void)ct::io::load_scenario(more, lo);
  if (p.vm.count("key-reference")) {
    const auto tables = ct::io::key_reference_tables(catalogue);
    const std::string doc = p.vm["key-reference"].as<std::string>();
    if (doc.empty()) {
      for (const auto& [section, table] : tables)
        std::cout << "<!-- keys: " << (section.empty() ? "(top)" : section) << " -->\n"
                  << table << "<!-- end keys -->\n\n";
      return kOk;
    }
    std::ifstream in(doc);
    if (!in) throw BadArguments("clustertwin validate: cannot read " + doc);
    std::stringstream text;
    text << in.rdbuf();
    std::vector<std::string> missing, stale;
    const std::string updated = ct::io::splice_key_reference(text.str(), tables, &missing, &stale);
    for (const auto& m : missing) std::cerr << doc << ": no table for keys of '" << m << "'\n";
    for (const auto& m : stale) std::cerr << doc << ": table '" << m << "' has no keys\n";
    std::ofstream(doc) << updated;
    return missing.empty() && stale.empty() ? kOk : kBadInput;
  }
  std::cout << "# " << p.scenario << ": valid\n" << sc.resolved_yaml;
  return kOk;
}

int cmd_info(int argc, char** argv) {
  auto opts = scenario_options();
  const Parsed p = parse("info", opts, argc, argv, "SCENARIO.yaml [--set key=value]...");
  const ct::io::Scenario sc = ct::io::load_scenario(p.scenario, load_options(p.vm));
  try {
    ct::twin::print_info(sc, std::cout);
    std::cout.flush();
    for (const auto& w : ct::twin::scenario_warnings(sc)) std::cerr << "warning: " << w << "\n";
  } catch (const std::invalid_argument& e) {
    throw ct::io::ScenarioError(p.scenario + ": " + e.what());
  }
  return kOk;
}

int cmd_presets(int argc, char** argv) {
  po::options_description opts("presets options");
  opts.add_options()("help,h", "show this help");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc - 1, argv + 1).options(opts).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw BadArguments(std::string("clustertwin presets: ") + e.what() +
                       " (see 'clustertwin presets --help')");
  }
  if (vm.count("help")) {
    std::cout << "usage: clustertwin presets\n\nThe preset catalogues a scenario can start from, "
                 "with their key figures.\n\n"
              << opts << "\n";
    return kOk;
  }
  ct::twin::print_presets(std::cout);
  return kOk;
}

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
    std::signal(SIGUSR1, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
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

int cmd_calibrate(int argc, char** argv, int rank) {
  auto opts = scenario_options();
  opts.add_options()("target", po::value<std::string>(),
                     "observed counts, CSV: class,count,observed_days,accelerators")(
      "output,o", po::value<std::string>(),
      "write the fitted rates as a scenario fragment (for extends:) to this file (default: "
      "standard output)")("iterations", po::value<int>()->default_value(3),
                          "fixed-point iterations, each one run of the scenario (1 to 20)")(
      "seed", po::value<std::string>(), "random seed, 0 to 2^64-1 (overrides the scenario's seed)")(
      "replicas", po::value<int>(),
      "runs per iteration, averaged (default: the scenario's replicas)");
  const Parsed p = parse("calibrate", opts, argc, argv,
                         "SCENARIO.yaml --target counts.csv [-o fitted.yaml] [--set key=value]...");
  if (!p.vm.count("target"))
    throw BadArguments("clustertwin calibrate: missing --target counts.csv");
  const int iterations = p.vm["iterations"].as<int>();
  if (iterations < 1 || iterations > 20)
    throw BadArguments("clustertwin calibrate: --iterations must be 1 to 20");
  ct::io::LoadOptions lo = load_options(p.vm);
  if (p.vm.count("seed")) {
    const std::string text = p.vm["seed"].as<std::string>();
    std::uint64_t seed = 0;
    const auto res = std::from_chars(text.data(), text.data() + text.size(), seed);
    if (text.empty() || res.ec != std::errc() || res.ptr != text.data() + text.size())
      throw BadArguments("clustertwin calibrate: --seed '" + text +
                         "': expected a whole number from 0 to 18446744073709551615");
    lo.sets.push_back("seed=" + std::to_string(seed));
  }
  const ct::io::Scenario sc = ct::io::load_scenario(p.scenario, lo);
  const std::string target = p.vm["target"].as<std::string>();
  ct::faults::CountTargets targets;
  try {
    std::istringstream in(ct::io::read_input_file(target, ct::io::kMaxScenarioFileBytes));
    targets = ct::faults::load_count_targets(in, target);
  } catch (const ct::io::InputFileError& e) {
    throw ct::io::ScenarioError(target + ": cannot read the target counts: " + e.what());
  } catch (const std::invalid_argument& e) {
    throw ct::io::ScenarioError(e.what());
  }
  ct::twin::CalibrationOptions options;
  options.iterations = iterations;
  options.replicas = p.vm.count("replicas") ? p.vm["replicas"].as<int>() : sc.replicas;
  if (options.replicas < 1 || options.replicas > 1000)
    throw BadArguments("clustertwin calibrate: --replicas must be 1 to 1000");
  options.scenario_path = p.scenario;
  options.target_path = target;
  // The fragment's file is claimed before the runs (never one of the inputs, never half
  // written under its name).
  std::unique_ptr<ct::io::OutputTarget> out;
  if (p.vm.count("output"))
    on_rank0(rank, [&] {
      ct::io::OutputTarget::Options o;
      o.inputs.emplace_back("the scenario file", p.scenario);
      o.inputs.emplace_back("the target counts", target);
      for (std::size_t i = 1; i < sc.input_files.size(); ++i)
        o.inputs.emplace_back("an input file of the scenario", sc.input_files[i]);
      out = std::make_unique<ct::io::OutputTarget>(p.vm["output"].as<std::string>(), o);
    });
  std::ostringstream discard;
  const auto result = ct::twin::calibrate(
      sc, targets, options, MPI_COMM_WORLD,
      rank == 0 ? static_cast<std::ostream&>(std::cerr) : static_cast<std::ostream&>(discard));
  const std::string fragment =
      rank == 0 ? ct::twin::fitted_fragment(sc, targets, result, options) : std::string();
  if (!out) {
    if (rank == 0) std::cout << fragment;
    return kOk;
  }
  on_rank0(rank, [&] {
    {
      std::ofstream os(out->partial_path(), std::ios::trunc);
      os << fragment;
      os.close();
      if (!os) throw std::runtime_error(out->partial_path() + ": cannot write");
    }
    out->publish();
  });
  return kOk;
}

int cmd_sweep(int argc, char** argv) {
  po::options_description opts("sweep options");
  opts.add_options()("help,h", "show this help")("count", "print the number of variants")(
      "list", "print one line per variant: index, then its key.path=value settings");
  const Parsed p = parse("sweep", opts, argc, argv, "STUDY.yaml --count | --list");
  const bool count = p.vm.count("count") > 0, list = p.vm.count("list") > 0;
  if (count == list)
    throw BadArguments("clustertwin sweep: give exactly one of --count and --list");
  // One variant at a time: memory does not grow with the variant count.
  const auto plan = ct::io::load_sweep_plan(p.scenario);
  if (count) std::cout << plan.size() << "\n";
  for (std::size_t i = 0; list && i < plan.size(); ++i)
    std::cout << i << "\t" << ct::io::describe_variant(plan.variant(i)) << "\n";
  return kOk;
}

int cmd_summarize(int argc, char** argv) {
  po::options_description opts("summarize options");
  opts.add_options()("help,h", "show this help")("output,o", po::value<std::string>(),
                                                 "CSV file to write (default: standard output)");
  po::options_description all(opts);
  all.add_options()("files", po::value<std::vector<std::string>>(), "output files");
  po::positional_options_description pos;
  pos.add("files", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc - 1, argv + 1).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw BadArguments(std::string("clustertwin summarize: ") + e.what() +
                       " (see 'clustertwin summarize --help')");
  }
  if (vm.count("help")) {
    std::cout << "usage: clustertwin summarize A.h5 B.h5 ... [-o table.csv]\n\n" << opts << "\n";
    return kOk;
  }
  if (!vm.count("files"))
    throw BadArguments(
        "clustertwin summarize: no input files (see 'clustertwin summarize --help')");
  const auto files = vm["files"].as<std::vector<std::string>>();
  // Unreadable inputs are bad input (exit 2, the message names the file); failing to write
  // the table is a runtime failure (exit 3).
  auto run = [&files](std::ostream& csv) {
    try {
      ct::io::summarize(files, csv);
    } catch (const std::runtime_error& e) {
      throw ct::io::ScenarioError(std::string("clustertwin summarize: ") + e.what());
    }
  };
  if (!vm.count("output")) {
    run(std::cout);
    return kOk;
  }
  // Write next to the target and rename, so a failure leaves no half-written table.
  const std::string out = vm["output"].as<std::string>();
  const std::string tmp = out + ".partial";
  for (const auto& f : files)
    if (ct::io::same_file(f, out) || ct::io::same_file(f, tmp))
      throw ct::io::ScenarioError("clustertwin summarize: -o " + out + " is the input " + f +
                                  ": refusing to overwrite it");
  {
    std::ofstream csv(tmp);
    if (!csv) throw std::runtime_error(out + ": cannot open for writing");
    try {
      run(csv);
    } catch (...) {
      csv.close();
      std::filesystem::remove(tmp);
      throw;
    }
    csv.close();
    if (!csv) throw std::runtime_error(out + ": write failed");
  }
  std::filesystem::rename(tmp, out);
  return kOk;
}

int cmd_export(int argc, char** argv) {
  po::options_description opts("export options");
  opts.add_options()("help,h", "show this help")(
      "output,o", po::value<std::string>(),
      "netCDF file to write (default: OUT.nc next to OUT.h5)")(
      "no-events", "leave out the /events table (dimension event)")(
      "deflate", po::value<int>()->default_value(1),
      "zlib level 0-9 of the rack x time variables (0: uncompressed)");
  po::options_description all(opts);
  all.add_options()("input", po::value<std::string>(), "output file of clustertwin run");
  po::positional_options_description pos;
  pos.add("input", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc - 1, argv + 1).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw BadArguments(std::string("clustertwin export: ") + e.what() +
                       " (see 'clustertwin export --help')");
  }
  if (vm.count("help")) {
    std::cout << "usage: clustertwin export OUT.h5 [-o FLAT.nc] [--no-events] [--deflate N]\n\n"
              << "Writes a flat netCDF-4 file following the CF conventions: every variable at the\n"
                 "root, named after its path ('/facility/power_it_w' -> facility_power_it_w), so\n"
                 "that CDO, ParaView and ncview open it as is. See docs/output.md.\n\n"
              << opts << "\n";
    return kOk;
  }
  if (!vm.count("input"))
    throw BadArguments("clustertwin export: missing OUT.h5 (see 'clustertwin export --help')");
  const std::string in = vm["input"].as<std::string>();
  std::string out;
  if (vm.count("output")) {
    out = vm["output"].as<std::string>();
  } else {
    std::filesystem::path p(in);
    out = p.replace_extension(".nc").string();
  }
  if (ct::io::same_file(in, out) || ct::io::same_file(in, out + ".partial"))
    throw ct::io::ScenarioError("clustertwin export: -o " + out + " is the input " + in +
                                ": refusing to overwrite it");
  ct::io::ExportOptions eo;
  eo.events = vm.count("no-events") == 0;
  eo.deflate = vm["deflate"].as<int>();
  if (eo.deflate < 0 || eo.deflate > 9)
    throw BadArguments("clustertwin export: --deflate must be 0 to 9 (got " +
                       std::to_string(eo.deflate) + ")");
  ct::io::ExportResult r;
  try {
    r = ct::io::export_flat_netcdf(in, out, eo);
  } catch (const ct::io::ExportInputError& e) {
    throw ct::io::ScenarioError(std::string("clustertwin export: ") + e.what());
  }
  std::cout << out << ": " << r.variables << " variables, " << r.samples << " samples, " << r.racks
            << " racks, " << r.events << " events\n";
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command.empty() || command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsage;
    return command.empty() ? kBadInput : kOk;
  }
  if (command == "--version") {
    std::cout << "clustertwin " << CLUSTERTWIN_VERSION << "\n";
    return kOk;
  }
  if (command != "run" && command != "validate" && command != "info" && command != "sweep" &&
      command != "summarize" && command != "export" && command != "presets" &&
      command != "calibrate") {
    std::cerr << "clustertwin: unknown command '" << command << "'\n\n" << kUsage;
    return kBadInput;
  }
  int rank = 0, ranks = 1;
  const bool mpi = command == "run" || command == "calibrate";
  if (mpi) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  }
  // Past `ulimit -f` a write fails with EFBIG (an I/O failure, exit 3) instead of killing us.
  std::signal(SIGXFSZ, SIG_IGN);
  int status = kOk;
  try {
    if (command == "validate") status = cmd_validate(argc, argv);
    if (command == "info") status = cmd_info(argc, argv);
    if (command == "run") status = cmd_run(argc, argv, rank, ranks);
    if (command == "calibrate") status = cmd_calibrate(argc, argv, rank);
    if (command == "sweep") status = cmd_sweep(argc, argv);
    if (command == "summarize") status = cmd_summarize(argc, argv);
    if (command == "export") status = cmd_export(argc, argv);
    if (command == "presets") status = cmd_presets(argc, argv);
  } catch (const BadArguments& e) {
    if (rank == 0) std::cerr << e.what() << "\n";
    status = kBadInput;
  } catch (const ct::io::ScenarioError& e) {
    if (rank == 0) std::cerr << "error: " << e.what() << "\n";
    status = kBadInput;
  } catch (const AgreedFailure& f) {
    status = f.status;  // rank 0 printed the reason
  } catch (const ct::io::OutputError& e) {
    // Agreed by every rank: no MPI_Abort needed, the .partial file is closed and kept.
    if (rank == 0) std::cerr << "clustertwin: output failure: " << e.what() << "\n";
    status = kRuntime;
  } catch (const std::bad_alloc&) {
    std::cerr << "clustertwin: out of memory on rank " << rank
              << " (the estimate made before the run was too low; see 'clustertwin info')\n";
    if (mpi && ranks > 1) MPI_Abort(MPI_COMM_WORLD, kRuntime);
    status = kRuntime;
  } catch (const std::exception& e) {
    std::cerr << "clustertwin: runtime failure on rank " << rank << ": " << e.what() << "\n";
    if (mpi && ranks > 1) MPI_Abort(MPI_COMM_WORLD, kRuntime);
    status = kRuntime;
  }
  if (mpi) MPI_Finalize();
  return status;
}
