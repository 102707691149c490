// clustertwin's command line (DESIGN §8), shared by its commands: exit statuses, argument and
// error handling agreed across ranks, the scenario options. main.cpp dispatches; run.cpp is
// `clustertwin run`, tools.cpp the other commands.
#pragma once

#include <mpi.h>

#include <boost/program_options.hpp>
#include <exception>
#include <stdexcept>
#include <string>

#include "io/config_tree.hpp"
#include "io/hdf5_output.hpp"
#include "io/scenario.hpp"

namespace ct::cli {

namespace po = boost::program_options;

constexpr int kOk = 0, kBadInput = 2, kRuntime = 3;
// A restart file was written on SIGUSR1/SIGTERM: resume with --restart (batch scripts requeue).
constexpr int kInterrupted = 75;

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
               const std::string& prefix);
// A finite number in (0, inf) from a command-line option, or exit status 2 naming it.
double positive_option(const po::variables_map& vm, const char* name, const char* meaning);
po::options_description scenario_options();

struct Parsed {
  po::variables_map vm;
  std::string scenario;
};
// A command's options and its SCENARIO.yaml; --help prints `synopsis` and exits 0.
Parsed parse(const std::string& command, const po::options_description& opts, int argc, char** argv,
             const char* synopsis);
ct::io::LoadOptions load_options(const po::variables_map& vm);

// The commands (argv[1] is the command's name). run.cpp:
int cmd_run(int argc, char** argv, int rank, int ranks);
// tools.cpp:
int cmd_validate(int argc, char** argv);
int cmd_info(int argc, char** argv);
int cmd_presets(int argc, char** argv);
int cmd_calibrate(int argc, char** argv, int rank);
int cmd_sweep(int argc, char** argv);
int cmd_summarize(int argc, char** argv);
int cmd_export(int argc, char** argv);

}  // namespace ct::cli
