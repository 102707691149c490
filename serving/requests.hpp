// Requests of a deployment: arrival times and prompt/output lengths (serving/README.md).
//
// Poisson arrivals with a daily profile λ(t) = λ̄·(1 + α·cos(2π(t − t_peak)/1 day)), sampled by
// thinning: candidates of a homogeneous process at λ_max = λ̄·(1 + α), each kept with probability
// λ(t)/λ_max. Candidate k draws from counter-based Philox keyed by the seed, the deployment and k,
// so the stream does not depend on ranks, ticks or restarts. Or a CSV trace (arrival_s,
// prompt_tokens, output_tokens). Plain C++: no MPI, HDF5 or YAML.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

namespace ct::serving {

// Token counts of prompts or outputs.
struct LengthDist {
  enum class Kind : std::int8_t { fixed, uniform, lognormal } kind = Kind::fixed;
  double value = 256.0;  // fixed: the length; lognormal: the median
  double sigma = 0.5;    // lognormal: σ of ln(length)
  std::int64_t min = 1;  // uniform range, and the clamp of lognormal draws
  std::int64_t max = 1 << 20;
  double mean() const;  // expected value (lognormal: before the clamp)
  // A length from two independent uniforms in (0, 1).
  std::int64_t sample(double u1, double u2) const;
};

struct Request {
  double arrival_s = 0.0;
  std::int32_t prompt_tokens = 1;
  std::int32_t output_tokens = 1;
};

struct TraceRow {
  double arrival_s;
  std::int32_t prompt_tokens, output_tokens;
};
// CSV with the header `arrival_s,prompt_tokens,output_tokens`, '#' comments and blank lines;
// arrival times nondecreasing, ≥ 0; token counts ≥ 1. Throws std::runtime_error
// "name:line: …" on bad input.
std::vector<TraceRow> parse_trace_csv(std::istream& in, const std::string& name);
std::vector<TraceRow> read_trace_csv(const std::string& path);

struct ArrivalSpec {
  enum class Source : std::int8_t { poisson, trace } source = Source::poisson;
  double rate_per_s = 1.0;           // λ̄
  double daily_amplitude = 0.0;      // α ∈ [0, 1]
  double peak_s_of_day = 14 * 3600;  // t_peak (UTC seconds of day)
  double start_unix_s = 0.0;         // simulated time 0 as UTC unix seconds
  LengthDist prompt, output;
  std::vector<TraceRow> trace;  // source == trace
};

// The arrival stream of one deployment: a replicated, restartable cursor.
class ArrivalSource {
 public:
  ArrivalSource() = default;
  ArrivalSource(const ArrivalSpec* spec, std::uint64_t seed, std::uint32_t deployment)
      : spec_(spec), seed_(seed), deployment_(deployment) {}
  // Rate λ(t) at simulated time t.
  double rate_per_s(double t_s) const;
  // The next request (advancing the cursor); arrival_s is +inf when the stream has ended.
  Request next();

  template <class Archive>
  void serialize(Archive& ar) {
    ar(candidate_, candidate_s_, index_);
  }

 private:
  const ArrivalSpec* spec_ = nullptr;
  std::uint64_t seed_ = 0;
  std::uint32_t deployment_ = 0;
  std::uint64_t candidate_ = 0;  // candidates drawn (Poisson)
  double candidate_s_ = 0.0;     // time of the last candidate
  std::uint64_t index_ = 0;      // requests emitted (trace row)
};

}  // namespace ct::serving
