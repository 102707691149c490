// The kernel benchmark's summary (bench_summary.hpp).
#include "bench/bench_summary.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>

namespace ct::bench {

namespace {

std::string json_escape(const std::string& s) {
  std::string o;
  for (char ch : s) {
    if (ch == '"' || ch == '\\') o += '\\';
    o += ch;
  }
  return o;
}

}  // namespace

bool write_summary(const std::vector<Result>& results, const std::string& json_path) {
  // Triad bytes/s per core: single-threaded, and per core with both cores streaming.
  double triad_1 = 0, triad_2 = 0;
  for (const Result& r : results) {
    if (r.name.rfind("BM_triad", 0) != 0) continue;
    if (r.threads == 1) triad_1 = std::max(triad_1, r.bytes_per_s);
    if (r.threads > 1) triad_2 = std::max(triad_2, r.bytes_per_s / r.threads);
  }
  std::FILE* out = stderr;
  std::fprintf(out,
               "\nkernel summary (per core; bound = triad bytes/s per core / bytes per update)\n"
               "triad: %.2f GB/s on 1 core, %.2f GB/s per core with 2 cores streaming\n"
               "%-34s %14s %10s %14s %8s\n",
               triad_1 / 1e9, triad_2 / 1e9, "kernel", "M updates/s", "B/update", "bound M/s",
               "of bound");
  std::string json = "{\n  \"triad_bytes_per_s_1core\": " + std::to_string(triad_1) +
                     ",\n  \"triad_bytes_per_s_per_core_2cores\": " + std::to_string(triad_2) +
                     ",\n  \"kernels\": [";
  bool first = true;
  for (const Result& r : results) {
    if (r.name.rfind("BM_triad", 0) == 0) continue;
    const double per_core = r.items_per_s / r.threads;
    const double triad = r.threads > 1 && triad_2 > 0 ? triad_2 : triad_1;
    const double bound = r.bytes_per_update > 0 ? triad / r.bytes_per_update : 0.0;
    const double ratio = bound > 0 ? per_core / bound : 0.0;
    std::fprintf(out, "%-34s %14.1f %10.0f %14.1f %8.2f\n", r.name.c_str(), per_core / 1e6,
                 r.bytes_per_update, bound / 1e6, ratio);
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "%s\n    {\"name\": \"%s\", \"threads\": %d, \"updates_per_s_per_core\": %.6g, "
                  "\"bytes_per_update\": %.6g, \"bandwidth_bound_updates_per_s\": %.6g, "
                  "\"fraction_of_bound\": %.6g}",
                  first ? "" : ",", json_escape(r.name).c_str(), r.threads, per_core,
                  r.bytes_per_update, bound, ratio);
    json += buf;
    first = false;
  }
  json += "\n  ]\n}\n";
  if (!json_path.empty()) {
    std::ofstream os(json_path);
    os << json;
    if (!os) {
      std::fprintf(stderr, "cannot write %s\n", json_path.c_str());
      return false;
    }
  }
  return true;
}

}  // namespace ct::bench
