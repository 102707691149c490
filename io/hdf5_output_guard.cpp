// The HDF5 writer's agreed failures (hdf5_output.hpp): room checked before each write, and every
// rank told of the first rank's failure, within a timeout, with the file closed together.
#include <mpi.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <thread>

#include "io/hdf5_output_impl.hpp"
#include "io/input_file.hpp"

namespace ct::io {

using namespace hdf5_detail;

namespace {

std::size_t store_size(StoreType t) {
  switch (t) {
    case StoreType::f64:
    case StoreType::i64:
      return 8;
    case StoreType::f32:
      return 4;
    case StoreType::i16:
      return 2;
    case StoreType::i8:
      return 1;
  }
  return 8;
}

constexpr double kEventRowBytes = 8 + 8 + 1 + 2 + 8 + 8 + 2 + 8;  // index and columns

// CLUSTERTWIN_IO_PREFLIGHT=0 turns the free-space check off (to test the HDF5 failure path).
bool preflight_enabled() {
  const char* v = std::getenv("CLUSTERTWIN_IO_PREFLIGHT");
  return !(v && std::string(v) == "0");
}

}  // namespace

double OutputFile::pending_bytes() const {
  double per_sample = 8.0;  // time
  for (const SeriesSpec& s : specs_)
    per_sample += static_cast<double>(store_size(s.type)) *
                  (s.rack_series ? static_cast<double>(racks_.total_racks) : 1.0);
  return static_cast<double>(time_buffer_.size()) * per_sample +
         static_cast<double>(pending_events_.size()) * kEventRowBytes;
}

std::string OutputFile::space_problem(double bytes) const {
  if (!preflight_enabled()) return "";
  // Data, plus what HDF5 adds (chunk index and object header updates) and closing needs.
  const double needed =
      bytes * 1.1 + metadata_bytes(specs_.size(), 0) + static_cast<double>(1 << 20);
  const auto parent = std::filesystem::path(partial_path_).parent_path();
  const std::string dir = parent.empty() ? std::string(".") : parent.string();
  struct statvfs vfs {};
  if (::statvfs(dir.c_str(), &vfs) == 0) {
    const double blocks = static_cast<double>(::geteuid() == 0 ? vfs.f_bfree : vfs.f_bavail);
    const double avail = blocks * static_cast<double>(vfs.f_frsize);
    if (avail < needed)
      return "no space left on the file system of " + partial_path_ + ": the next write needs " +
             "about " + format_bytes(needed) + ", " + format_bytes(avail) + " are free";
  }
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    struct stat st {};
    const double size =
        ::stat(partial_path_.c_str(), &st) == 0 ? static_cast<double>(st.st_size) : 0.0;
    if (size + needed > static_cast<double>(limit.rlim_cur))
      return "the next write would take " + partial_path_ + " (" + format_bytes(size) +
             ") past the file size limit (ulimit -f) of " +
             format_bytes(static_cast<double>(limit.rlim_cur)) + ": it needs about " +
             format_bytes(needed);
  }
  return "";
}

void OutputFile::run_step(double bytes, const std::function<void()>& step) {
  if (!impl_) throw OutputError(partial_path_ + " was closed after an earlier output failure");
  // Room first, agreed before any HDF5 call: a full disk then ends the run with the file
  // closed cleanly, every flushed sample readable.
  agree(space_problem(bytes), true);
  std::string error;
  try {
    step();
  } catch (const std::exception& e) {
    error = e.what();  // no further HDF5 call on this rank in this step
  }
  agree(error, false);
}

void OutputFile::agree(const std::string& error, bool consistent) {
  int ranks = 1;
  MPI_Comm_size(comm_, &ranks);
  int mine = error.empty() ? std::numeric_limits<int>::max() : rank_, first = 0;
  MPI_Request request;
  MPI_Iallreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm_, &request);
  if (error.empty()) {
    MPI_Wait(&request, MPI_STATUS_IGNORE);
  } else {
    // The other ranks may be inside a collective HDF5 call this rank left: wait, but not
    // forever.
    const double deadline = MPI_Wtime() + io_timeout_s_;
    int done = 0;
    for (;;) {
      MPI_Test(&request, &done, MPI_STATUS_IGNORE);
      if (done) break;
      if (MPI_Wtime() > deadline) {
        std::fprintf(stderr,
                     "clustertwin: output failure on rank %d: %s; the other ranks did not "
                     "answer within %.0f s (stuck in a collective HDF5 call): aborting the job "
                     "with exit status 3 (%s is kept)\n",
                     rank_, error.c_str(), io_timeout_s_, partial_path_.c_str());
        std::fflush(stderr);
        MPI_Abort(comm_, 3);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  if (first == std::numeric_limits<int>::max()) return;
  // Every rank gets the first failing rank's message.
  std::string message = rank_ == first ? error : std::string();
  std::uint64_t n = message.size();
  MPI_Bcast(&n, 1, MPI_UINT64_T, first, comm_);
  message.resize(static_cast<std::size_t>(n));
  MPI_Bcast(message.data(), static_cast<int>(n), MPI_CHAR, first, comm_);
  if (ranks > 1) message = "rank " + std::to_string(first) + ": " + message;
  if (!consistent && ranks > 1 && !(impl_ && impl_->watchdog)) exit_watchdog(io_timeout_s_, rank_);
  try {
    close_handles();  // every rank, together; nothing of the failed step is pending
  } catch (const std::exception&) {
  }
  if (message.find("kept as") != std::string::npos) throw OutputError(message);
  throw OutputError(message +
                    (consistent ? "; the output so far is kept as "
                                : "; the output so far is kept (possibly without "
                                  "its last write) as ") +
                    partial_path_);
}

}  // namespace ct::io
