#include "serving/requests.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "common/random.hpp"

namespace ct::serving {

namespace {
constexpr double kTwoPi = 6.283185307179586476925286766559;
constexpr double kDay = 86400.0;

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}
}  // namespace

double LengthDist::mean() const {
  switch (kind) {
    case Kind::fixed:
      return value;
    case Kind::uniform:
      return 0.5 * static_cast<double>(min + max);
    case Kind::lognormal:
      return value * std::exp(0.5 * sigma * sigma);
  }
  return value;
}

std::int64_t LengthDist::sample(double u1, double u2) const {
  switch (kind) {
    case Kind::fixed:
      return std::max<std::int64_t>(1, std::llround(value));
    case Kind::uniform: {
      const auto span = static_cast<double>(max - min + 1);
      return std::min(max, min + static_cast<std::int64_t>(std::floor(u1 * span)));
    }
    case Kind::lognormal: {
      // Box–Muller (cosine branch) for z ~ N(0, 1), then median · e^(σz), rounded and clamped.
      const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
      const double v = value * std::exp(sigma * z);
      const double hi = static_cast<double>(max);
      return std::clamp<std::int64_t>(std::llround(std::min(v, hi)), min, max);
    }
  }
  return min;
}

std::vector<TraceRow> parse_trace_csv(std::istream& in, const std::string& name) {
  std::vector<TraceRow> rows;
  std::string line;
  int lineno = 0;
  bool header = false;
  auto fail = [&](const std::string& what) {
    throw std::runtime_error(name + ":" + std::to_string(lineno) + ": " + what);
  };
  while (std::getline(in, line)) {
    ++lineno;
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    if (!header) {
      std::string h;
      for (char c : t)
        if (c != ' ' && c != '\t') h += c;
      if (h != "arrival_s,prompt_tokens,output_tokens")
        fail("header must be 'arrival_s,prompt_tokens,output_tokens', found '" + t + "'");
      header = true;
      continue;
    }
    std::stringstream ss(t);
    std::string f[3], extra;
    for (int k = 0; k < 3; ++k)
      if (!std::getline(ss, f[k], ',')) fail("expected 3 columns, found " + std::to_string(k));
    if (std::getline(ss, extra, ',')) fail("expected 3 columns, found more");
    TraceRow r{};
    try {
      std::size_t used = 0;
      const std::string a = trim(f[0]);
      r.arrival_s = std::stod(a, &used);
      if (used != a.size()) throw std::invalid_argument(a);
      const std::string p = trim(f[1]), o = trim(f[2]);
      const long long pv = std::stoll(p, &used);
      if (used != p.size()) throw std::invalid_argument(p);
      const long long ov = std::stoll(o, &used);
      if (used != o.size()) throw std::invalid_argument(o);
      if (pv < 1 || ov < 1 || pv > std::numeric_limits<std::int32_t>::max() ||
          ov > std::numeric_limits<std::int32_t>::max())
        fail("token counts must be in [1, 2147483647], found '" + p + "', '" + o + "'");
      r.prompt_tokens = static_cast<std::int32_t>(pv);
      r.output_tokens = static_cast<std::int32_t>(ov);
    } catch (const std::logic_error&) {
      fail("not a number in '" + t + "'");
    }
    if (!(r.arrival_s >= 0.0) || !std::isfinite(r.arrival_s))
      fail("arrival_s must be a finite number >= 0, found '" + trim(f[0]) + "'");
    if (!rows.empty() && r.arrival_s < rows.back().arrival_s)
      fail("arrival_s must not decrease (previous row " + std::to_string(rows.back().arrival_s) +
           ")");
    rows.push_back(r);
  }
  if (!header) throw std::runtime_error(name + ": empty trace (no header)");
  return rows;
}

std::vector<TraceRow> read_trace_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open the trace");
  return parse_trace_csv(in, path);
}

double ArrivalSource::rate_per_s(double t_s) const {
  const ArrivalSpec& a = *spec_;
  const double s_of_day = std::fmod(a.start_unix_s + t_s - a.peak_s_of_day, kDay);
  return a.rate_per_s * (1.0 + a.daily_amplitude * std::cos(kTwoPi * s_of_day / kDay));
}

Request ArrivalSource::next() {
  const ArrivalSpec& a = *spec_;
  Request r;
  if (a.source == ArrivalSpec::Source::trace) {
    if (index_ >= a.trace.size()) {
      r.arrival_s = std::numeric_limits<double>::infinity();
      return r;
    }
    const TraceRow& row = a.trace[index_++];
    r.arrival_s = row.arrival_s;
    r.prompt_tokens = row.prompt_tokens;
    r.output_tokens = row.output_tokens;
    return r;
  }
  const double max_rate = a.rate_per_s * (1.0 + a.daily_amplitude);
  if (!(max_rate > 0.0)) {
    r.arrival_s = std::numeric_limits<double>::infinity();
    return r;
  }
  const std::uint32_t draw = deployment_ << 4;
  for (;;) {
    const std::uint64_t k = candidate_++;
    const auto w = rng::philox_words(seed_, rng::Stream::serving_arrivals, k, draw);
    candidate_s_ += -std::log(rng::bits_to_open01(w[0], w[1])) / max_rate;
    const double keep = rng::bits_to_open01(w[2], w[3]);
    if (keep * max_rate >= rate_per_s(candidate_s_)) continue;
    const auto l = rng::philox_words(seed_, rng::Stream::serving_requests, k, draw | 1u);
    const std::int64_t p =
        a.prompt.sample(rng::bits_to_open01(l[0], l[1]), rng::bits_to_open01(l[2], l[3]));
    const auto o = rng::philox_words(seed_, rng::Stream::serving_requests, k, draw | 2u);
    const std::int64_t q =
        a.output.sample(rng::bits_to_open01(o[0], o[1]), rng::bits_to_open01(o[2], o[3]));
    r.arrival_s = candidate_s_;
    r.prompt_tokens = static_cast<std::int32_t>(std::min<std::int64_t>(p, 1 << 30));
    r.output_tokens = static_cast<std::int32_t>(std::min<std::int64_t>(q, 1 << 30));
    ++index_;
    return r;
  }
}

}  // namespace ct::serving
