#include "power/grid_data.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "thermal/weather.hpp"

namespace ct::power {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// One CSV row (RFC 4180 quoting: "a, b" and "" inside quotes). False on an unclosed quote.
bool split_csv(std::string_view row, std::vector<std::string>& fields) {
  fields.clear();
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < row.size(); ++i) {
    const char c = row[i];
    if (quoted) {
      if (c == '"' && i + 1 < row.size() && row[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back(trim(field));
      field.clear();
    } else {
      field += c;
    }
  }
  fields.emplace_back(trim(field));
  return !quoted;
}

// Header names compared case-insensitively, "₂" (U+2082) as "2", runs of spaces as one.
std::string normalize(std::string_view name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c == 0xE2 && i + 2 < name.size() && static_cast<unsigned char>(name[i + 1]) == 0x82 &&
        static_cast<unsigned char>(name[i + 2]) == 0x82) {
      out += '2';
      i += 2;
    } else if (c == ' ' || c == '\t') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += static_cast<char>(c);
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}
bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

constexpr std::size_t kNone = static_cast<std::size_t>(-1);

// Reads the header and rows of one provider CSV; the caller picks columns from the header.
class ProviderCsv {
 public:
  explicit ProviderCsv(std::string path) : path_(std::move(path)), in_(path_) {
    if (!in_) throw std::runtime_error("cannot open grid data file '" + path_ + "'");
    if (!next_row()) throw std::runtime_error(path_ + ": empty grid data file (no header)");
    header_ = fields_;
    if (!header_.empty() && starts_with(header_[0], "\xEF\xBB\xBF")) {  // UTF-8 byte order mark
      header_[0].erase(0, 3);
    }
    for (const std::string& h : header_) normalized_.push_back(normalize(h));
    header_line_ = line_;
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(path_ + ":" + std::to_string(line_) + ": " + what);
  }
  [[noreturn]] void fail_header(const std::string& what) const {
    throw std::runtime_error(path_ + ":" + std::to_string(header_line_) + ": " + what);
  }

  std::size_t find(bool (*match)(std::string_view)) const {
    std::size_t found = kNone;
    for (std::size_t i = 0; i < normalized_.size(); ++i) {
      if (!match(normalized_[i])) continue;
      if (found != kNone) {
        fail_header("columns '" + header_[found] + "' and '" + header_[i] +
                    "' both match; keep one");
      }
      found = i;
    }
    return found;
  }

  // Skips blank lines and '#' comments. False at the end of the file.
  bool next_row() {
    std::string text;
    while (std::getline(in_, text)) {
      ++line_;
      const std::string_view row = trim(text);
      if (row.empty() || row.front() == '#') continue;
      if (!split_csv(row, fields_)) fail("unclosed quote");
      if (!header_.empty() && fields_.size() != header_.size()) {
        fail("expected " + std::to_string(header_.size()) + " columns as in the header, got " +
             std::to_string(fields_.size()));
      }
      return true;
    }
    return false;
  }

  const std::string& field(std::size_t i) const { return fields_[i]; }
  const std::string& name(std::size_t i) const { return header_[i]; }
  const std::string& normalized(std::size_t i) const { return normalized_[i]; }
  const std::string& path() const { return path_; }

  double time_s(std::size_t column, bool utc_implied) const {
    std::string text = fields_[column];
    // "Datetime (UTC)" columns may omit the zone: the header says it.
    if (utc_implied && text.size() > 10 && text.back() != 'Z' &&
        text.find_first_of("+-", 10) == std::string::npos) {
      text += 'Z';
    }
    try {
      return thermal::parse_iso8601_utc(text);
    } catch (const std::invalid_argument& e) {
      fail("column '" + header_[column] + "': " + e.what());
    }
  }

  double number(std::size_t column, double lo, double hi) const {
    const std::string& text = fields_[column];
    double value = 0.0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty()) fail("column '" + header_[column] + "': empty value");
    if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(value)) {
      fail("column '" + header_[column] + "': cannot parse '" + text + "' as a number");
    }
    if (value < lo || value > hi) {
      fail("column '" + header_[column] + "': " + text + " is outside the plausible range [" +
           std::to_string(lo) + ", " + std::to_string(hi) + "] (wrong units?)");
    }
    return value;
  }

 private:
  std::string path_;
  std::ifstream in_;
  std::vector<std::string> header_;
  std::vector<std::string> normalized_;
  std::vector<std::string> fields_;
  std::size_t line_ = 0;
  std::size_t header_line_ = 0;
};

struct TimeColumn {
  std::size_t index = kNone;
  bool utc_implied = false;
};

TimeColumn time_column(const ProviderCsv& csv) {
  const std::size_t utc = csv.find([](std::string_view h) { return h == "datetime (utc)"; });
  if (utc != kNone) return {utc, true};
  const std::size_t ts = csv.find([](std::string_view h) { return h == "timestamp"; });
  if (ts != kNone) return {ts, false};
  csv.fail_header("no timestamp column: expected 'Datetime (UTC)' or 'timestamp'");
}

// Zone filter: keeps the row if it belongs to the requested zone; with no zone requested,
// insists that the file holds one.
class ZoneFilter {
 public:
  ZoneFilter(const ProviderCsv& csv, std::size_t column, const std::string& wanted)
      : column_(column), wanted_(wanted) {
    if (!wanted_.empty() && column_ == kNone) {
      csv.fail_header("zone '" + wanted_ + "' requested but the file has no zone column");
    }
  }
  bool keep(const ProviderCsv& csv) {
    if (column_ == kNone) return true;
    const std::string& zone = csv.field(column_);
    if (!wanted_.empty()) return zone == wanted_;
    if (seen_.empty()) {
      seen_ = zone;
    } else if (zone != seen_) {
      csv.fail("column '" + csv.name(column_) + "': the file holds several zones ('" + seen_ +
               "', '" + zone + "'): choose one with the zone option");
    }
    return true;
  }
  std::string zone() const { return wanted_.empty() ? seen_ : wanted_; }

 private:
  std::size_t column_;
  std::string wanted_;
  std::string seen_;
};

void check_increasing(const ProviderCsv& csv, const std::vector<double>& times_s, double t,
                      std::size_t column) {
  if (!times_s.empty() && !(t > times_s.back())) {
    csv.fail("column '" + csv.name(column) + "': '" + csv.field(column) +
             "' is not after the previous row's timestamp");
  }
}

}  // namespace

HourlySeries labelled_series(std::vector<double> times_s, std::vector<double> values,
                             TimeLabel label) {
  switch (label) {
    case TimeLabel::instant:
      return HourlySeries(std::move(times_s), std::move(values),
                          HourlySeries::Interpolation::linear);
    case TimeLabel::interval_end:
      if (times_s.size() >= 2) {
        // Value i covers (t_{i−1}, t_i]: starts at t_{i−1}; the first one spacing earlier.
        const double first_start = times_s[0] - (times_s[1] - times_s[0]);
        for (std::size_t i = times_s.size() - 1; i > 0; --i) times_s[i] = times_s[i - 1];
        times_s[0] = first_start;
      }
      break;
    case TimeLabel::interval_start:
      break;
  }
  return HourlySeries(std::move(times_s), std::move(values), HourlySeries::Interpolation::step);
}

const HourlySeries& carbon_series(const CarbonIntensityData& data, CarbonAccounting basis,
                                  const std::string& path) {
  const auto& s = basis == CarbonAccounting::direct ? data.direct : data.lifecycle;
  if (!s) {
    throw std::runtime_error(path + ": no " +
                             (basis == CarbonAccounting::direct
                                  ? std::string("direct ('Carbon intensity gCO2eq/kWh (direct)')")
                                  : std::string("life-cycle ('Carbon intensity gCO2eq/kWh "
                                                "(Life cycle)')")) +
                             " carbon-intensity column");
  }
  return *s;
}

CarbonIntensityData load_carbon_intensity_csv(const std::string& path,
                                              const GridDataOptions& options) {
  ProviderCsv csv(path);
  const TimeColumn time = time_column(csv);
  const std::size_t direct = csv.find([](std::string_view h) {
    return starts_with(h, "carbon intensity") && contains(h, "(direct)");
  });
  const std::size_t lifecycle = csv.find([](std::string_view h) {
    return starts_with(h, "carbon intensity") &&
           (contains(h, "(life cycle") || contains(h, "lifecycle"));
  });
  if (direct == kNone && lifecycle == kNone) {
    csv.fail_header(
        "no carbon-intensity column: expected 'Carbon intensity gCO2eq/kWh (direct)' and/or "
        "'Carbon intensity gCO2eq/kWh (Life cycle)' (Electricity Maps hourly export)");
  }
  for (const std::size_t c : {direct, lifecycle}) {
    if (c != kNone && !contains(csv.normalized(c), "gco2eq/kwh")) {
      csv.fail_header("column '" + csv.name(c) + "': expected gCO2eq/kWh in its name");
    }
  }
  const std::size_t estimated = csv.find([](std::string_view h) { return h == "data estimated"; });
  ZoneFilter zones(csv, csv.find([](std::string_view h) { return h == "zone id"; }), options.zone);

  std::vector<double> times_s, direct_values, lifecycle_values;
  CarbonIntensityData data;
  while (csv.next_row()) {
    if (!zones.keep(csv)) continue;
    const double t = csv.time_s(time.index, time.utc_implied);
    check_increasing(csv, times_s, t, time.index);
    times_s.push_back(t);
    if (direct != kNone) direct_values.push_back(csv.number(direct, 0.0, 3000.0));
    if (lifecycle != kNone) lifecycle_values.push_back(csv.number(lifecycle, 0.0, 3000.0));
    if (estimated != kNone) {
      const std::string flag = normalize(csv.field(estimated));
      if (flag == "true") {
        ++data.estimated_rows;
      } else if (flag != "false" && !flag.empty()) {
        csv.fail("column '" + csv.name(estimated) + "': expected true or false, got '" +
                 csv.field(estimated) + "'");
      }
    }
  }
  if (times_s.empty()) {
    throw std::runtime_error(
        path + ": no data rows" +
        (options.zone.empty() ? std::string() : " for zone '" + options.zone + "'"));
  }
  data.zone = zones.zone();
  if (direct != kNone) data.direct = labelled_series(times_s, direct_values, options.label);
  if (lifecycle != kNone) {
    data.lifecycle = labelled_series(times_s, lifecycle_values, options.label);
  }
  return data;
}

PriceData load_price_csv_export(const std::string& path, const GridDataOptions& options) {
  ProviderCsv csv(path);
  const TimeColumn time = time_column(csv);
  // "Price (EUR/MWhe)", "Day-ahead price (EUR/MWh)", or "price_usd_per_mwh".
  const std::size_t price = csv.find([](std::string_view h) {
    return (starts_with(h, "price") || contains(h, " price")) &&
           (contains(h, "/mwh") || (starts_with(h, "price_") && contains(h, "_per_mwh")));
  });
  if (price == kNone) {
    csv.fail_header(
        "no price column: expected a name such as 'Price (EUR/MWhe)' or "
        "'price_usd_per_mwh' (currency per MWh)");
  }
  const std::string& name = csv.normalized(price);
  std::string currency;
  if (const std::size_t slash = name.find("/mwh"); slash != std::string::npos) {
    const std::size_t open = name.rfind('(', slash);
    if (open != std::string::npos)
      currency = std::string(trim(name.substr(open + 1, slash - open - 1)));
  } else {
    currency = name.substr(6, name.find("_per_mwh") - 6);  // price_<cur>_per_mwh
  }
  if (currency.size() != 3) {
    csv.fail_header("column '" + csv.name(price) +
                    "': cannot read a 3-letter currency code before '/MWh'");
  }
  for (char& c : currency) {
    if (c < 'a' || c > 'z') {
      csv.fail_header("column '" + csv.name(price) + "': '" + currency +
                      "' is not a currency code");
    }
    c = static_cast<char>(c - 'a' + 'A');
  }
  ZoneFilter zones(csv,
                   csv.find([](std::string_view h) { return h == "zone id" || h == "iso3 code"; }),
                   options.zone);

  std::vector<double> times_s, values;
  while (csv.next_row()) {
    if (!zones.keep(csv)) continue;
    const double t = csv.time_s(time.index, time.utc_implied);
    check_increasing(csv, times_s, t, time.index);
    times_s.push_back(t);
    values.push_back(csv.number(price, -10000.0, 100000.0));
  }
  if (times_s.empty()) {
    throw std::runtime_error(
        path + ": no data rows" +
        (options.zone.empty() ? std::string() : " for zone '" + options.zone + "'"));
  }
  return {zones.zone(), currency,
          labelled_series(std::move(times_s), std::move(values), options.label)};
}

}  // namespace ct::power
