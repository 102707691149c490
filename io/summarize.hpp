// `clustertwin summarize A.h5 B.h5 ... [-o table.csv]`: one CSV row per run (DESIGN §8, §10).
//
// Columns: `file`, `name`, `sweep_index`, `seed` (root attributes), `sweep_keys` (the key paths
// of the run's `sweep_parameters`, space-separated: which columns are parameters), then the
// union of the
// sweep parameter keys (from the root attribute `sweep_parameters`, a JSON object; in order of
// first appearance), then the `/summary` attribute names (union, in the order of the first file
// that has them, creation order when tracked), then the `/ensemble` ones. Missing values are
// empty cells. Numbers are written in the shortest form that reads back to the same double;
// JSON lists/objects as compact JSON text; cells are quoted as RFC 4180 requires.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace ct::io {

// What summarize reads from one output file.
struct RunSummary {
  std::string file;
  std::optional<std::string> name;
  std::optional<std::int64_t> sweep_index;
  std::optional<std::string> seed;                                    // decimal text (uint64)
  std::vector<std::pair<std::string, std::string>> sweep_parameters;  // key → cell text
  std::vector<std::pair<std::string, std::string>> summary;           // figure → cell text
  std::vector<std::pair<std::string, std::string>> ensemble;
};

// Throws std::runtime_error naming the file when it cannot be opened as HDF5 or an attribute
// cannot be read, or when `sweep_parameters` is not a JSON object.
RunSummary read_run_summary(const std::string& file);

void write_summary_csv(const std::vector<RunSummary>& runs, std::ostream& csv);

// read_run_summary for every file, then write_summary_csv.
void summarize(const std::vector<std::string>& files, std::ostream& csv);

}  // namespace ct::io
