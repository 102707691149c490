#include "io/output_target.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "io/config_tree.hpp"
#include "io/input_file.hpp"

namespace ct::io {

namespace {

std::optional<OutputTarget::Stamp> stamp_of(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
  return OutputTarget::Stamp{
      static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
      static_cast<std::uint64_t>(st.st_size), st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec,
      st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec};
}

std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

[[noreturn]] void location_error(const std::string& path, const std::string& why) {
  throw std::runtime_error("output " + path + ": " + why +
                           " (checked before simulating: nothing was run)");
}

bool no_renameat2(int e) { return e == EINVAL || e == ENOSYS || e == ENOTSUP; }

}  // namespace

OutputTarget::OutputTarget(std::string final_path, const Options& options)
    : final_(std::move(final_path)), partial_(final_ + ".partial") {
  if (final_.empty()) location_error("''", "empty output path");
  struct stat st {};
  // The output itself: absent, or a regular file (an older run's) that will be replaced.
  if (::stat(final_.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode)) {
      if (S_ISDIR(st.st_mode))
        location_error(final_, std::string("is a directory (give a file name, e.g. ")
                                   .append((std::filesystem::path(final_) / "run.h5").string())
                                   .append(")"));
      location_error(final_, std::string("is ")
                                 .append(kind_of(st.st_mode))
                                 .append("; the output must be a regular file"));
    }
  } else if (errno != ENOENT) {
    location_error(final_, std::string("cannot be examined: ") + std::strerror(errno));
  }
  const auto parent = std::filesystem::path(final_).parent_path();
  const std::string dir = parent.empty() ? std::string(".") : parent.string();
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT) location_error(final_, "directory " + dir + " does not exist");
    location_error(final_, "directory " + dir + ": " + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) location_error(final_, dir + " is not a directory");
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    location_error(final_, "directory " + dir + " is not writable");
  if (::lstat(partial_.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    location_error(final_, partial_ + " is " + kind_of(st.st_mode));

  // Never write over an input: compared by identity, so links and ".." do not hide it.
  std::vector<RoleAndPath> written{{"the output", final_}, {"the output's partial file", partial_}};
  written.insert(written.end(), options.outputs.begin(), options.outputs.end());
  for (const auto& [orole, opath] : written)
    for (const auto& [irole, ipath] : options.inputs)
      if (same_file(opath, ipath))
        throw ScenarioError("output " + final_ + ": " + orole + " " + opath + " is " + irole + " " +
                            ipath +
                            ", an input of this run: refusing to overwrite it (allowed: an "
                            "output path that is none of the run's inputs)");
  for (std::size_t i = 0; i < written.size(); ++i)
    for (std::size_t j = i + 1; j < written.size(); ++j)
      if (same_file(written[i].second, written[j].second))
        throw ScenarioError("output " + final_ + ": " + written[i].first + " and " +
                            written[j].first + " are the same file " + written[j].second);

  // Lock OUT.partial for the whole run. Open without O_TRUNC: a file another run is writing
  // must not be touched before we know it is free.
  for (int attempt = 0; attempt < 4 && lock_fd_ < 0; ++attempt) {
    const bool existed = ::lstat(partial_.c_str(), &st) == 0;
    const int fd = ::open(partial_.c_str(),
                          O_RDWR | O_CLOEXEC | O_NOFOLLOW | (options.resume ? 0 : O_CREAT), 0666);
    if (fd < 0) {
      const int e = errno;
      if (options.resume && e == ENOENT)
        throw std::runtime_error("cannot reopen the interrupted run's output " + partial_ +
                                 ": not found");
      location_error(final_, "cannot create " + partial_ + ": " + std::strerror(e));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int e = errno;
      if (e == EWOULDBLOCK) {
        ::close(fd);
        throw ScenarioError("output " + final_ + ": another run is writing it now (" + partial_ +
                            " is locked); give this run another -o, or wait for that run to end");
      }
      warning_ = "cannot lock " + partial_ + " (" + std::strerror(e) +
                 "): a second run with the same output would not be detected";
    }
    // The path may have been renamed or replaced between open and flock: lock what it names.
    struct stat by_fd {};
    if (::fstat(fd, &by_fd) == 0 && ::lstat(partial_.c_str(), &st) == 0 &&
        by_fd.st_ino == st.st_ino && by_fd.st_dev == st.st_dev) {
      lock_fd_ = fd;
      created_ = !existed;
    } else {
      ::close(fd);
    }
  }
  if (lock_fd_ < 0) location_error(final_, "cannot claim " + partial_ + ": it keeps changing");
  before_ = stamp_of(final_);
}

OutputTarget::~OutputTarget() {
  if (lock_fd_ < 0) return;
  if (created_ && !keep_) {
    // Only the file this run created and holds locked (never another run's).
    struct stat by_fd {
    }, st{};
    if (::fstat(lock_fd_, &by_fd) == 0 && ::lstat(partial_.c_str(), &st) == 0 &&
        by_fd.st_ino == st.st_ino && by_fd.st_dev == st.st_dev)
      ::unlink(partial_.c_str());
  }
  ::close(lock_fd_);
}

void OutputTarget::publish() {
  const std::string race = final_ +
                           " was written by another run after this run started: it is not "
                           "replaced, and this run's output is kept as " +
                           partial_;
  // A file under OUT may only be replaced if it is the one that was there at the start.
  auto replace_older = [&]() {
    const auto now = stamp_of(final_);
    if (!before_ || !now || *now != *before_) throw std::runtime_error(race);
    // Swap atomically, then check what was swapped out; swap back if it was not the older file.
    if (::renameat2(AT_FDCWD, partial_.c_str(), AT_FDCWD, final_.c_str(), RENAME_EXCHANGE) == 0) {
      // (rename changes ctime: compare identity.)
      const auto out = stamp_of(partial_);
      if (out && out->device == before_->device && out->inode == before_->inode) {
        ::unlink(partial_.c_str());
        return;
      }
      ::renameat2(AT_FDCWD, partial_.c_str(), AT_FDCWD, final_.c_str(), RENAME_EXCHANGE);
      throw std::runtime_error(race);
    }
    if (!no_renameat2(errno))
      throw std::runtime_error("cannot rename " + partial_ + " to " + final_ + ": " +
                               std::strerror(errno));
    // No RENAME_EXCHANGE here (e.g. NFS): a plain rename right after the check.
    if (std::rename(partial_.c_str(), final_.c_str()) != 0)
      throw std::runtime_error("cannot rename " + partial_ + " to " + final_ + ": " +
                               std::strerror(errno));
  };

  if (::renameat2(AT_FDCWD, partial_.c_str(), AT_FDCWD, final_.c_str(), RENAME_NOREPLACE) == 0)
    return;
  const int e = errno;
  if (e == EEXIST) return replace_older();
  if (!no_renameat2(e))
    throw std::runtime_error("cannot rename " + partial_ + " to " + final_ + ": " +
                             std::strerror(e));
  // No RENAME_NOREPLACE here: link() never replaces an existing name either.
  if (::link(partial_.c_str(), final_.c_str()) == 0) {
    ::unlink(partial_.c_str());
    return;
  }
  if (errno == EEXIST) return replace_older();
  if (stamp_of(final_)) return replace_older();
  if (std::rename(partial_.c_str(), final_.c_str()) != 0)
    throw std::runtime_error("cannot rename " + partial_ + " to " + final_ + ": " +
                             std::strerror(errno));
}

}  // namespace ct::io
