// clustertwin: command line (DESIGN §8). Exit status 0 success, 2 bad input, 3 runtime failure.
// The commands are in twin/cli/ (cli.hpp: what they share; run.cpp; tools.cpp).
#include <mpi.h>

#include <csignal>
#include <iostream>
#include <new>
#include <string>

#include "io/hdf5_output.hpp"
#include "io/scenario.hpp"
#include "twin/cli/cli.hpp"

using namespace ct::cli;

namespace {

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
