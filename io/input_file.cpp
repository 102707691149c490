#include "io/input_file.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace ct::io {

std::string format_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (bytes >= 1024.0 && u < 6) bytes /= 1024.0, ++u;
  char buf[48];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buf;
}

namespace {

std::string kind_problem(mode_t mode) {
  if (S_ISREG(mode)) return "";
  if (S_ISDIR(mode)) return "is a directory, not a file";
  if (S_ISFIFO(mode)) return "is a FIFO (named pipe), not a regular file";
  if (S_ISCHR(mode)) return "is a character device, not a regular file";
  if (S_ISBLK(mode)) return "is a block device, not a regular file";
  if (S_ISSOCK(mode)) return "is a socket, not a regular file";
  return "is not a regular file";
}

// /proc and /sys files claim to be regular files of size 0 (or 4096) and may be endless,
// blocking or unreadable (/proc/self/mem): never input.
std::string filesystem_problem(int fd) {
  struct statfs fs {};
  if (fstatfs(fd, &fs) != 0) return "";
  const auto type = static_cast<unsigned long>(fs.f_type);
  if (type == PROC_SUPER_MAGIC) return "is a /proc pseudo-file, not a regular file";
  if (type == SYSFS_MAGIC) return "is a /sys pseudo-file, not a regular file";
  return "";
}

std::string size_problem(std::uintmax_t size, std::uintmax_t max_bytes) {
  if (size <= max_bytes) return "";
  return "is " + format_bytes(static_cast<double>(size)) + ", over the limit of " +
         format_bytes(static_cast<double>(max_bytes)) + " for this kind of input";
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Open without blocking (a FIFO would wait for a writer) and check what was opened.
Fd open_checked(const std::string& path, std::uintmax_t max_bytes, struct stat& st) {
  Fd f;
  f.fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (f.fd < 0) {
    const int e = errno;
    if (e == ENOENT || e == ENOTDIR) throw InputFileError("not found");
    if (e == EACCES) throw InputFileError("permission denied");
    throw InputFileError(std::string("cannot open: ") + std::strerror(e));
  }
  if (fstat(f.fd, &st) != 0)
    throw InputFileError(std::string("cannot stat: ") + std::strerror(errno));
  if (auto p = kind_problem(st.st_mode); !p.empty()) throw InputFileError(p);
  if (auto p = filesystem_problem(f.fd); !p.empty()) throw InputFileError(p);
  if (auto p = size_problem(static_cast<std::uintmax_t>(st.st_size), max_bytes); !p.empty())
    throw InputFileError(p);
  return f;
}

}  // namespace

std::string input_file_problem(const std::string& path, std::uintmax_t max_bytes) {
  try {
    struct stat st {};
    (void)open_checked(path, max_bytes, st);
  } catch (const InputFileError& e) {
    return e.what();
  }
  return "";
}

std::string read_input_file(const std::string& path, std::uintmax_t max_bytes) {
  struct stat st {};
  Fd f = open_checked(path, max_bytes, st);
  // Read to the end but never past the limit: a file may grow while it is read.
  std::string text;
  text.reserve(static_cast<std::size_t>(st.st_size));
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(f.fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw InputFileError(std::string("read failed: ") + std::strerror(errno));
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > max_bytes) throw InputFileError(size_problem(text.size(), max_bytes));
  }
  return text;
}

std::optional<FileId> file_id(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileId{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
}

bool same_file(const std::string& a, const std::string& b) {
  const auto ia = file_id(a), ib = file_id(b);
  if (ia && ib) return *ia == *ib;
  std::error_code ea, eb;
  const auto ca = std::filesystem::weakly_canonical(a, ea);
  const auto cb = std::filesystem::weakly_canonical(b, eb);
  return !ea && !eb && ca == cb;
}

}  // namespace ct::io
