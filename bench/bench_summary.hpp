// The kernel benchmark's summary (kernels_bench.cpp): a reporter that passes every run to the
// usual one and keeps the rates, then each kernel's updates per second per core against the
// memory-bandwidth bound (triad bytes per second over the kernel's bytes per update).
#pragma once

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

namespace ct::bench {

struct Result {
  std::string name;
  int threads = 1;
  double items_per_s = 0, bytes_per_s = 0, bytes_per_update = 0;
};

class Collector : public benchmark::BenchmarkReporter {
 public:
  explicit Collector(benchmark::BenchmarkReporter* inner) : inner_(inner) {}
  bool ReportContext(const Context& c) override { return inner_->ReportContext(c); }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.error_occurred || run.run_type != Run::RT_Iteration) continue;
      Result r;
      r.name = run.benchmark_name();
      r.threads = static_cast<int>(run.threads);
      auto get = [&](const char* key) {
        auto it = run.counters.find(key);
        return it == run.counters.end() ? 0.0 : it->second.value;
      };
      r.items_per_s = get("items_per_second");
      r.bytes_per_s = get("bytes_per_second");
      r.bytes_per_update = get("bytes_per_update");
      results.push_back(r);
    }
    inner_->ReportRuns(runs);
  }
  void Finalize() override { inner_->Finalize(); }
  std::vector<Result> results;

 private:
  benchmark::BenchmarkReporter* inner_;
};

// Prints the summary to stderr and, with a path, writes it as JSON; false if that fails.
bool write_summary(const std::vector<Result>& results, const std::string& json_path);

}  // namespace ct::bench
