// Reading untrusted input files (scenarios, their `extends:` bases, CSV series) safely: only
// regular files, never /proc or /sys pseudo-files, devices, FIFOs or directories, and never
// more than a size limit, so a hostile path cannot block the program or exhaust its memory.
// Plus file identity (device, inode), to tell whether two paths name the same file.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace ct::io {

// Size limits of input files (docs/scenario.md, "Limits").
inline constexpr std::uintmax_t kMaxScenarioFileBytes = 8u << 20;  // hand-written YAML
inline constexpr std::uintmax_t kMaxCsvFileBytes = 256u << 20;     // hourly/minutely series

// Why a path cannot be read as an input file (the message has no path in it).
class InputFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Why `path` is not a readable regular file of at most `max_bytes`, or "" when it is.
// ("not found", "is a directory", "is a FIFO, not a regular file", "is 9.0 MiB; the limit ...")
std::string input_file_problem(const std::string& path, std::uintmax_t max_bytes);

// The whole content of `path`, with the checks of input_file_problem made on the opened file
// (a FIFO is opened without blocking and refused). Throws InputFileError.
std::string read_input_file(const std::string& path, std::uintmax_t max_bytes);

// A file's identity: two paths name the same file when (device, inode) are equal, whatever
// symbolic links, hard links, "..", or bind mounts lie between them.
struct FileId {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  bool operator==(const FileId&) const = default;
};
// Empty when `path` does not exist (or cannot be examined).
std::optional<FileId> file_id(const std::string& path);
// Same file: equal identities when both exist, else the same normalized absolute path.
bool same_file(const std::string& a, const std::string& b);

// "8.0 MiB", "512 B": sizes in messages.
std::string format_bytes(double bytes);

}  // namespace ct::io
