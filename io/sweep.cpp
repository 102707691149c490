#include "io/sweep.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <set>

namespace ct::io {

namespace {

// A value as one line of YAML that apply_set parses back to the same node.
std::string render_value(const ConfigNode& node) { return emit_yaml_flow(node); }

std::string where(const Origin& o) { return o.describe(); }

using Axis = SweepAxis;

const char* kind_name(ConfigNode::Kind k) {
  switch (k) {
    case ConfigNode::Kind::null:
      return "empty";
    case ConfigNode::Kind::scalar:
      return "a single value";
    case ConfigNode::Kind::sequence:
      return "a list";
    case ConfigNode::Kind::map:
      return "a map";
  }
  return "?";
}

void check_key_path(const std::string& key, const Origin& o, const std::string& section) {
  try {
    (void)parse_key_path(key);
  } catch (const std::invalid_argument& e) {
    throw ScenarioError(where(o) + ": sweep." + section + ": " + e.what());
  }
  if (key == "sweep" || key.rfind("sweep.", 0) == 0 || key == "extends" ||
      key.rfind("extends.", 0) == 0)
    throw ScenarioError(where(o) + ": sweep." + section + ": key '" + key + "' cannot be swept");
}

std::vector<Axis> read_axes(const ConfigNode& section, const Origin& section_origin,
                            const std::string& name) {
  if (section.kind != ConfigNode::Kind::map)
    throw ScenarioError(where(section.origin.line > 0 ? section.origin : section_origin) +
                        ": sweep." + name + " must be a map of key.path: [values...], not " +
                        kind_name(section.kind));
  if (section.entries.empty())
    throw ScenarioError(where(section_origin) + ": sweep." + name + " has no keys");
  std::vector<Axis> axes;
  for (std::size_t i = 0; i < section.entries.size(); ++i) {
    const auto& [key, value] = section.entries[i];
    const Origin& ko = section.key_origins[i];
    check_key_path(key, ko, name);
    if (value->kind != ConfigNode::Kind::sequence)
      throw ScenarioError(where(ko) + ": sweep." + name + "." + key +
                          ": expected a list of values (e.g. [1, 2, 3]), not " +
                          kind_name(value->kind));
    if (value->items.empty())
      throw ScenarioError(where(ko) + ": sweep." + name + "." + key +
                          ": the list of values is empty");
    axes.push_back(Axis{key, ko, value->items});
  }
  return axes;
}

// Hand-written matchers (std::regex recurses per character: a 100,000-digit value would
// overflow the stack). digits(): advance over [0-9]*, return how many.
std::size_t digits(const std::string& s, std::size_t& i) {
  const std::size_t from = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  return i - from;
}

bool exponent_ok(const std::string& s, std::size_t& i) {  // ([eE][+-]?[0-9]+)?
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits(s, i) == 0) return false;
  }
  return i == s.size();
}

// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool json_number_shape(const std::string& s) {
  std::size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  if (i >= s.size()) return false;
  if (s[i] == '0') {
    ++i;
  } else if (s[i] >= '1' && s[i] <= '9') {
    digits(s, i);
  } else {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (digits(s, i) == 0) return false;
  }
  return exponent_ok(s, i);
}

// [-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?
bool yaml_number_shape(const std::string& s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  const std::size_t whole = digits(s, i);
  if (whole > 0) {
    if (i < s.size() && s[i] == '.') {
      ++i;
      digits(s, i);
    }
  } else {
    if (i >= s.size() || s[i] != '.') return false;
    ++i;
    if (digits(s, i) == 0) return false;
  }
  return exponent_ok(s, i);
}

std::string shortest(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

}  // namespace

std::string json_quote(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          static const char* hex = "0123456789abcdef";
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string yaml_value_to_json(const ConfigNode& value) {
  switch (value.kind) {
    case ConfigNode::Kind::null:
      return "null";
    case ConfigNode::Kind::scalar: {
      const std::string& s = value.scalar;
      if (value.quoted) return json_quote(s);
      if (s == "true" || s == "True" || s == "TRUE") return "true";
      if (s == "false" || s == "False" || s == "FALSE") return "false";
      if (s == "null" || s == "Null" || s == "NULL" || s == "~" || s.empty()) return "null";
      if (json_number_shape(s)) return s;
      if (yaml_number_shape(s)) {
        const double v = std::strtod(s.c_str(), nullptr);
        if (std::isfinite(v)) return shortest(v);
      }
      return json_quote(s);
    }
    case ConfigNode::Kind::sequence: {
      std::string out = "[";
      for (std::size_t i = 0; i < value.items.size(); ++i)
        out += (i ? ", " : "") + yaml_value_to_json(*value.items[i]);
      return out + "]";
    }
    case ConfigNode::Kind::map: {
      std::string out = "{";
      for (std::size_t i = 0; i < value.entries.size(); ++i)
        out += (i ? ", " : "") + json_quote(value.entries[i].first) + ": " +
               yaml_value_to_json(*value.entries[i].second);
      return out + "}";
    }
  }
  return "null";
}

SweepPlan::SweepPlan(const ConfigNode& sweep) {
  const Origin& at = sweep.origin;
  if (sweep.kind != ConfigNode::Kind::map)
    throw ScenarioError(where(at) + ": 'sweep' must be a map with 'grid' and/or 'zip', not " +
                        kind_name(sweep.kind));
  std::vector<Axis> grid, zip;
  for (std::size_t i = 0; i < sweep.entries.size(); ++i) {
    const auto& [key, value] = sweep.entries[i];
    const Origin& ko = sweep.key_origins[i];
    if (key == "grid")
      grid = read_axes(*value, ko, "grid");
    else if (key == "zip")
      zip = read_axes(*value, ko, "zip");
    else
      throw ScenarioError(where(ko) + ": sweep: unknown key '" + key + "' (allowed: grid, zip)");
  }
  if (grid.empty() && zip.empty())
    throw ScenarioError(where(at) + ": 'sweep' needs a 'grid' or a 'zip' section");

  std::set<std::string> seen;
  for (const auto* axes : {&grid, &zip})
    for (const auto& a : *axes)
      if (!seen.insert(a.key).second)
        throw ScenarioError(where(a.key_origin) + ": sweep: key path '" + a.key +
                            "' is swept twice (in grid and zip)");

  std::size_t zip_len = 1;
  if (!zip.empty()) {
    zip_len = zip.front().values.size();
    for (const auto& a : zip)
      if (a.values.size() != zip_len)
        throw ScenarioError(where(a.key_origin) + ": sweep.zip." + a.key + " has " +
                            std::to_string(a.values.size()) + " values but sweep.zip." +
                            zip.front().key + " has " + std::to_string(zip_len) +
                            " (zip lists must all have the same length)");
  }

  // The variant count is checked before anything is expanded (and without overflow).
  std::size_t total = zip_len;
  for (const auto& a : grid) {
    if (total > kMaxSweepVariants / a.values.size())
      throw ScenarioError(where(a.key_origin) + ": sweep: more than " +
                          std::to_string(kMaxSweepVariants) + " variants (allowed: at most " +
                          std::to_string(kMaxSweepVariants) + "; split the study)");
    total *= a.values.size();
  }
  if (total > kMaxSweepVariants)
    throw ScenarioError(where(at) + ": sweep: more than " + std::to_string(kMaxSweepVariants) +
                        " variants (allowed: at most " + std::to_string(kMaxSweepVariants) +
                        "; split the study)");
  grid_ = std::move(grid);
  zip_ = std::move(zip);
  zip_len_ = zip_len;
  total_ = total;
}

SweepVariant SweepPlan::variant(std::size_t v) const {
  if (v >= total_) throw std::out_of_range("sweep variant index");
  SweepVariant var;
  auto add = [&var](const Axis& a, std::size_t i) {
    const ConfigNode& node = *a.values[i];
    const std::string text = render_value(node);
    var.sets.push_back(a.key + "=" + text);
    var.parameters.emplace_back(a.key, text);
    var.origins.push_back(node.origin.line > 0 ? node.origin : a.key_origin);
  };
  // Mixed radix: the zip axis is the innermost digit, grid's last key the next one.
  std::size_t rest = v;
  const std::size_t zi = rest % zip_len_;
  rest /= zip_len_;
  std::vector<std::size_t> gi(grid_.size());
  for (std::size_t k = grid_.size(); k-- > 0;) {
    gi[k] = rest % grid_[k].values.size();
    rest /= grid_[k].values.size();
  }
  for (std::size_t k = 0; k < grid_.size(); ++k) add(grid_[k], gi[k]);
  for (const auto& a : zip_) add(a, zi);
  return var;
}

std::vector<SweepVariant> expand_sweep(const ConfigNode& sweep) {
  const SweepPlan plan(sweep);
  std::vector<SweepVariant> variants;
  variants.reserve(plan.size());
  for (std::size_t v = 0; v < plan.size(); ++v) variants.push_back(plan.variant(v));
  return variants;
}

std::vector<SweepVariant> extract_sweep(ConfigNode& root) {
  const auto node = root.find_shared("sweep");
  if (!node) return {};
  auto variants = expand_sweep(*node);
  root.erase("sweep");
  return variants;
}

void check_sweep(const ConfigNode& root) {
  if (const ConfigNode* node = root.find("sweep")) (void)SweepPlan(*node);
}

Study load_study(const std::string& path) {
  Study s;
  s.scenario = load_with_extends(path);
  s.has_sweep = s.scenario->find("sweep") != nullptr;
  s.variants = extract_sweep(*s.scenario);
  return s;
}

SweepPlan load_sweep_plan(const std::string& path) {
  const ConfigPtr root = load_with_extends(path);
  const ConfigNode* node = root->find("sweep");
  if (!node)
    throw ScenarioError(path +
                        ": not a study: no 'sweep:' section (expected sweep: {grid: "
                        "{key.path: [values...]}} and/or zip)");
  return SweepPlan(*node);
}

std::vector<SweepVariant> load_sweep_variants(const std::string& path) {
  Study s = load_study(path);
  if (!s.has_sweep)
    throw ScenarioError(path +
                        ": not a study: no 'sweep:' section (expected sweep: {grid: "
                        "{key.path: [values...]}} and/or zip)");
  return std::move(s.variants);
}

void check_variant_index(std::size_t variants, long long index, const std::string& study_path) {
  if (variants == 0)
    throw ScenarioError(study_path + ": --sweep-index given but the file has no 'sweep:' section");
  if (index < 0 || static_cast<unsigned long long>(index) >= variants)
    throw ScenarioError(study_path + ": --sweep-index " + std::to_string(index) +
                        " out of range (the study has " + std::to_string(variants) +
                        " variants: 0 to " + std::to_string(variants - 1) + ")");
}

const SweepVariant& select_variant(const std::vector<SweepVariant>& variants, long long index,
                                   const std::string& study_path) {
  check_variant_index(variants.size(), index, study_path);
  return variants[static_cast<std::size_t>(index)];
}

std::string parameters_json(const SweepVariant& variant) {
  std::string out = "{";
  for (std::size_t i = 0; i < variant.parameters.size(); ++i) {
    const auto& [key, text] = variant.parameters[i];
    std::string value;
    try {
      value = yaml_value_to_json(*parse_yaml(text, "sweep value"));
    } catch (const ScenarioError&) {
      value = json_quote(text);
    }
    out += (i ? ", " : "") + json_quote(key) + ": " + value;
  }
  return out + "}";
}

std::string describe_variant(const SweepVariant& variant) {
  std::string out;
  for (std::size_t i = 0; i < variant.sets.size(); ++i) out += (i ? " " : "") + variant.sets[i];
  return out;
}

}  // namespace ct::io
