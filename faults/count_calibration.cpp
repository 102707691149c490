#include "faults/count_calibration.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace ct::faults {

namespace {

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t\r") - a + 1);
}

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : line) {
    if (c == ',') {
      out.push_back(trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(trim(cur));
  return out;
}

double number(const std::string& text, const std::string& where, const std::string& column) {
  std::size_t used = 0;
  double v = 0.0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !std::isfinite(v))
    throw std::invalid_argument(where + ": column '" + column + "': '" + text +
                                "' is not a number");
  return v;
}

}  // namespace

CountTargets load_count_targets(std::istream& in, const std::string& name) {
  CountTargets targets{};
  std::string line;
  int number_of_line = 0;
  bool header = false, data = false;
  while (std::getline(in, line)) {
    ++number_of_line;
    const std::string text = trim(line);
    if (text.empty() || text[0] == '#') continue;
    const std::string where = name + ":" + std::to_string(number_of_line);
    const auto cols = split_csv(text);
    if (!header) {
      if (cols != std::vector<std::string>{"class", "count", "observed_days", "accelerators"})
        throw std::invalid_argument(
            where + ": expected the header 'class,count,observed_days,accelerators', got '" + text +
            "'");
      header = true;
      continue;
    }
    if (cols.size() != 4)
      throw std::invalid_argument(where +
                                  ": expected 4 columns (class, count, observed_days, "
                                  "accelerators), got " +
                                  std::to_string(cols.size()));
    const auto cls = failure_class_from_name(cols[0]);
    if (!cls) {
      std::string names;
      for (int c = 0; c < kFailureClassCount; ++c)
        names += (c ? ", " : "") + std::string(failure_class_name(static_cast<FailureClass>(c)));
      throw std::invalid_argument(where + ": column 'class': unknown failure class '" + cols[0] +
                                  "' (allowed: " + names + ")");
    }
    const double count = number(cols[1], where, "count");
    const double days = number(cols[2], where, "observed_days");
    const double acc = number(cols[3], where, "accelerators");
    if (count < 0) throw std::invalid_argument(where + ": column 'count': must be ≥ 0");
    if (!(days > 0)) throw std::invalid_argument(where + ": column 'observed_days': must be > 0");
    if (!(acc > 0)) throw std::invalid_argument(where + ": column 'accelerators': must be > 0");
    ClassTarget& t = targets[static_cast<int>(*cls)];
    if (t.present && (t.observed_s != days * 86400.0 || t.accelerators != acc))
      throw std::invalid_argument(where + ": class '" + cols[0] +
                                  "' was observed differently on line " + std::to_string(t.line) +
                                  " (observed_days and accelerators must agree)");
    if (!t.present) t.line = number_of_line;
    t.present = true;
    t.count += count;
    t.observed_s = days * 86400.0;
    t.accelerators = acc;
    data = true;
  }
  if (!header) throw std::invalid_argument(name + ": empty (no header line)");
  if (!data) throw std::invalid_argument(name + ": no data line after the header");
  return targets;
}

double scaled_target(const ClassTarget& t, double job_accelerators, double run_s) {
  if (!t.present) return 0.0;
  return t.count * (job_accelerators / t.accelerators) * (run_s / t.observed_s);
}

double fitted_base_rate(double base_rate_per_s, double target, double expected,
                        double nominal_exposure_s) {
  if (expected > 0.0 && base_rate_per_s > 0.0) return base_rate_per_s * target / expected;
  return nominal_exposure_s > 0.0 ? target / nominal_exposure_s : 0.0;
}

}  // namespace ct::faults
