// The commands other than `run`: validate, info, presets, calibrate, sweep, summarize, export.
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

}  // namespace ct::cli
