// Claiming an output file for one run (DESIGN §8: never a half-written file under the output
// name, and two runs never mix their data). Plain POSIX, used on one process (MPI rank 0).
//
//  - Checked before anything is simulated: the output is not a directory or a device, its
//    directory exists and is writable, and none of OUT, OUT.partial, OUT.restart (nor other
//    files the run writes) is one of the run's inputs, compared by file identity (device,
//    inode), so a symbolic link, a hard link or "../x/s.yaml" does not hide the scenario.
//  - OUT.partial is locked (flock, exclusive, released by the kernel when the process ends,
//    even on kill -9) for the whole run: a second run with the same output fails at once with
//    exit status 2 instead of overwriting the first one's file.
//  - publish() moves OUT.partial to OUT without ever replacing a file that appeared under OUT
//    after this run started (another run's result: this run fails with exit status 3 and keeps
//    its data as OUT.partial). A file that was already under OUT when the run started (an
//    older run's output) is replaced, as a rerun is expected to.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ct::io {

// What a path is to the run, for messages: {"the scenario file", "s.yaml"}.
using RoleAndPath = std::pair<std::string, std::string>;

class OutputTarget {
 public:
  struct Options {
    bool resume = false;               // reopen OUT.partial of an interrupted run
    std::vector<RoleAndPath> inputs;   // files the run reads
    std::vector<RoleAndPath> outputs;  // other files the run writes (OUT.restart, stats...)
  };
  // Throws ScenarioError (exit status 2) when the output cannot be used: a directory, a
  // device, an unwritable or missing directory, one of the inputs, or in use by another run.
  // Throws std::runtime_error (3) when OUT.partial cannot be created or (resume) is missing.
  OutputTarget(std::string final_path, const Options& options);
  ~OutputTarget();  // releases the lock; removes OUT.partial if this run created it unused
  OutputTarget(const OutputTarget&) = delete;
  OutputTarget& operator=(const OutputTarget&) = delete;

  const std::string& final_path() const { return final_; }
  const std::string& partial_path() const { return partial_; }
  // OUT.partial holds this run's data now: keep it whatever happens (for a resume or a look).
  void keep_partial() { keep_ = true; }
  // Move OUT.partial to OUT (see above). Throws std::runtime_error.
  void publish();
  // Set when the lock could not be taken because the file system has no locks.
  const std::string& warning() const { return warning_; }

  // A file's state, to tell "the file that was there when the run started" from a newer one.
  struct Stamp {
    std::uint64_t device = 0, inode = 0, size = 0;
    std::int64_t mtime_ns = 0, ctime_ns = 0;
    bool operator==(const Stamp&) const = default;
  };

 private:
  std::string final_, partial_;
  int lock_fd_ = -1;
  bool created_ = false, keep_ = false;
  std::optional<Stamp> before_;  // OUT when the run started
  std::string warning_;
};

}  // namespace ct::io
