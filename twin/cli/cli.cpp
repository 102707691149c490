// The command line's shared parts (cli.hpp).
#include "twin/cli/cli.hpp"

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <vector>

#include "io/schema_binder.hpp"

namespace ct::cli {

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

}  // namespace ct::cli
