#include "io/schema_binder.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <memory>

namespace ct::io {

bool Range::contains(double v) const {
  if (!std::isfinite(v)) return false;
  if (lo_open ? !(v > lo) : !(v >= lo)) return false;
  if (hi_open ? !(v < hi) : !(v <= hi)) return false;
  return true;
}

namespace {
// A value echoed in a message: long ones (a 100,000-digit number) abbreviated.
std::string shown(const std::string& v) {
  if (v.size() <= 64) return v;
  return v.substr(0, 40) + "... (" + std::to_string(v.size()) + " characters)";
}

// Whole numbers print without a fraction (1 <= halls <= 1000, not 1.0 <= ... <= 1e+03).
std::string bound(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  return format_real(v);
}
}  // namespace

std::string Range::describe(const std::string& key) const {
  const bool has_lo = std::isfinite(lo);
  const bool has_hi = std::isfinite(hi);
  std::string s;
  if (has_lo) s += bound(lo) + (lo_open ? " < " : " <= ");
  s += key;
  if (has_hi) s += std::string(hi_open ? " < " : " <= ") + bound(hi);
  if (!has_lo && !has_hi) s += " any number";
  return s;
}

std::string Range::interval() const {
  const bool has_lo = std::isfinite(lo), has_hi = std::isfinite(hi);
  if (has_lo && has_hi)
    return std::string(lo_open ? "(" : "[") + bound(lo) + ", " + bound(hi) + (hi_open ? ")" : "]");
  if (has_lo) return std::string(lo_open ? "> " : "≥ ") + bound(lo);
  if (has_hi) return std::string(hi_open ? "< " : "≤ ") + bound(hi);
  return "any";
}

std::string format_real(double v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, res.ptr);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

Binder::Binder(const ConfigNode* node, std::string path, Origin where, ConfigNode* resolved)
    : node_(node),
      path_(std::move(path)),
      pattern_(path_),
      where_(std::move(where)),
      resolved_(resolved) {
  if (resolved_) resolved_->kind = ConfigNode::Kind::map;
  if (node_ && node_->kind != ConfigNode::Kind::map && node_->kind != ConfigNode::Kind::null)
    throw ScenarioError(node_->origin.describe() + ": key '" + path_ + "': expected a map of keys");
}

Binder Binder::child(const ConfigNode* node, const std::string& path, const std::string& pattern,
                     Origin where, ConfigNode* resolved) const {
  Binder c(node, path, std::move(where), resolved);
  c.pattern_ = pattern;
  c.catalogue_ = catalogue_;
  return c;
}

void Binder::describe(const std::string& key, std::string kind, std::string allowed,
                      std::string default_text, std::string_view doc) {
  if (!catalogue_) return;
  const std::string path = pattern_.empty() ? key : pattern_ + "." + key;
  for (const KeyDoc& d : *catalogue_)
    if (d.path == path) return;
  catalogue_->push_back(
      KeyDoc{path, std::move(kind), std::move(allowed), std::move(default_text), std::string(doc)});
}

void Binder::qualify_pattern(const std::string& kind) {
  if (pattern_.size() >= 2 && pattern_.compare(pattern_.size() - 2, 2, "[]") == 0)
    pattern_ = pattern_.substr(0, pattern_.size() - 1) + kind + "]";
}

std::string Binder::key_path(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

const ConfigNode* Binder::value_of(const std::string& key) {
  declared_.push_back(key);
  if (!node_ || node_->kind != ConfigNode::Kind::map) return nullptr;
  const ConfigNode* v = node_->find(key);
  if (v && v->kind == ConfigNode::Kind::null) {
    // `key:` with nothing after it: treat as absent for sections, an error for values.
    return v;
  }
  return v;
}

std::string Binder::origin_file(const std::string& key) const {
  if (!has(key)) return "";
  const std::string& file = origin_of(key).file;
  return file.rfind("--set", 0) == 0 ? "" : file;
}

bool Binder::has(const std::string& key) const {
  return node_ && node_->kind == ConfigNode::Kind::map && node_->find(key) != nullptr;
}

const Origin& Binder::origin_of(const std::string& key) const {
  if (node_ && node_->kind == ConfigNode::Kind::map)
    if (const ConfigNode* v = node_->find(key)) return v->origin;
  return where_;
}

void Binder::fail_no_value(const std::string& key, const std::string& expected) const {
  const Origin* at = node_ ? node_->key_origin(key) : nullptr;
  throw ScenarioError((at ? *at : where_).describe() + ": key '" + key_path(key) +
                      "' has no value (expected " + expected + ")");
}

std::string Binder::misspelling_hint(const std::string& key) const {
  if (!node_ || node_->kind != ConfigNode::Kind::map) return "";
  std::size_t best = std::max<std::size_t>(3, key.size() / 3 + 1);
  std::string hint;
  for (std::size_t i = 0; i < node_->entries.size(); ++i) {
    const std::string& other = node_->entries[i].first;
    if (other == key) continue;
    // A key already bound here is a valid key, not a misspelling ('name' is not 'time').
    if (std::find(declared_.begin(), declared_.end(), other) != declared_.end()) continue;
    const auto d = edit_distance(key, other);
    if (d < best) {
      best = d;
      hint = " — did you mean '" + key_path(key) + "' instead of '" + other + "' at " +
             node_->key_origins[i].describe() + "?";
    }
  }
  return hint;
}

void Binder::fail_nested(const std::vector<std::string>& keys, const std::string& message) const {
  const ConfigNode* node = node_;
  const Origin* at = &where_;
  std::string path = path_;
  for (const std::string& k : keys) {
    path += (path.empty() ? "" : ".") + k;
    const ConfigNode* next = node && node->kind == ConfigNode::Kind::map ? node->find(k) : nullptr;
    if (!next) break;
    at = &next->origin;
    node = next;
  }
  throw ScenarioError(at->describe() + ": key '" + path + "': " + message);
}

void Binder::fail(const std::string& key, const std::string& message) const {
  throw ScenarioError(origin_of(key).describe() + ": key '" + key_path(key) + "': " + message);
}

double Binder::parse_number(const std::string& key, const ConfigNode& node) const {
  if (node.kind == ConfigNode::Kind::null) fail_no_value(key, "a number");
  if (node.kind != ConfigNode::Kind::scalar || node.quoted)
    fail(key, "expected a number, got " + (node.kind == ConfigNode::Kind::scalar
                                               ? "'" + shown(node.scalar) + "'"
                                               : std::string("a list or map")));
  const std::string& s = node.scalar;
  double v = 0.0;
  const char* begin = s.data();
  if (!s.empty() && s[0] == '+') ++begin;
  auto res = std::from_chars(begin, s.data() + s.size(), v);
  if (res.ec != std::errc() || res.ptr != s.data() + s.size() || s.empty())
    fail(key, "expected a number, got '" + shown(s) + "'");
  return v;
}

void Binder::document_default(const std::string& key, const std::string& text) {
  if (!catalogue_) return;
  const std::string path = pattern_.empty() ? key : pattern_ + "." + key;
  for (KeyDoc& d : *catalogue_)
    if (d.path == path) d.default_text = "(" + text + ")";
}

void Binder::forget(const std::string& key) {
  if (resolved_) resolved_->erase(key);
}

void Binder::record(const std::string& key, const std::string& scalar, bool quoted) {
  if (!resolved_) return;
  auto n = std::make_shared<ConfigNode>();
  n->kind = ConfigNode::Kind::scalar;
  n->scalar = scalar;
  n->quoted = quoted;
  resolved_->set(key, n, Origin{});
}

void Binder::real(const std::string& key, double& out, Range range, std::optional<double> fallback,
                  std::string_view doc) {
  describe(key, "number", range.interval(), fallback ? format_real(*fallback) : "", doc);
  const ConfigNode* v = value_of(key);
  if (!v) {
    if (!fallback)
      fail(key,
           "missing required key (allowed: " + range.describe(key) + ")" + misspelling_hint(key));
    out = *fallback;
  } else {
    out = parse_number(key, *v);
    if (!range.contains(out))
      fail(key,
           "value " + shown(v->scalar) + " is out of range (allowed: " + range.describe(key) + ")");
  }
  record(key, format_real(out));
}

void Binder::optional_real(const std::string& key, double& out, Range range, std::string_view doc) {
  describe(key, "number", range.interval(), "none", doc);
  const ConfigNode* v = value_of(key);
  if (!v) return;
  out = parse_number(key, *v);
  if (!range.contains(out))
    fail(key,
         "value " + shown(v->scalar) + " is out of range (allowed: " + range.describe(key) + ")");
  record(key, format_real(out));
}

void Binder::integer(const std::string& key, std::int64_t& out, Range range,
                     std::optional<std::int64_t> fallback, std::string_view doc) {
  describe(key, "integer", range.interval(), fallback ? std::to_string(*fallback) : "", doc);
  const ConfigNode* v = value_of(key);
  if (!v) {
    if (!fallback)
      fail(key, "missing required key (allowed: integer " + range.describe(key) + ")" +
                    misspelling_hint(key));
    out = *fallback;
  } else {
    const double d = parse_number(key, *v);
    if (d != std::floor(d) || std::fabs(d) > 9.0e15)
      fail(key, "expected an integer, got '" + shown(v->scalar) + "'");
    if (!range.contains(d))
      fail(key, "value " + shown(v->scalar) + " is out of range (allowed: integer " +
                    range.describe(key) + ")");
    out = static_cast<std::int64_t>(d);
  }
  record(key, std::to_string(out));
}

void Binder::integer(const std::string& key, std::int32_t& out, Range range,
                     std::optional<std::int32_t> fallback, std::string_view doc) {
  std::int64_t wide = out;
  range.lo = std::max(range.lo, -2147483648.0);
  range.hi = std::min(range.hi, 2147483647.0);
  integer(key, wide, range, fallback ? std::optional<std::int64_t>(*fallback) : std::nullopt, doc);
  out = static_cast<std::int32_t>(wide);
}

void Binder::seed(const std::string& key, std::uint64_t& out, std::uint64_t fallback,
                  std::string_view doc) {
  describe(key, "integer", "[0, 2^64)", std::to_string(fallback), doc);
  const ConfigNode* v = value_of(key);
  if (!v) {
    out = fallback;
  } else {
    if (v->kind != ConfigNode::Kind::scalar || v->quoted)
      fail(key, "expected a non-negative integer seed");
    auto res = std::from_chars(v->scalar.data(), v->scalar.data() + v->scalar.size(), out);
    if (res.ec != std::errc() || res.ptr != v->scalar.data() + v->scalar.size())
      fail(key, "expected a non-negative integer seed (0 <= seed < 2^64), got '" +
                    shown(v->scalar) + "'");
  }
  record(key, std::to_string(out));
}

void Binder::boolean(const std::string& key, bool& out, std::optional<bool> fallback,
                     std::string_view doc) {
  describe(key, "true/false", "", fallback ? (*fallback ? "true" : "false") : "", doc);
  const ConfigNode* v = value_of(key);
  if (!v) {
    if (!fallback) fail(key, "missing required key (allowed: true or false)");
    out = *fallback;
  } else {
    if (v->kind == ConfigNode::Kind::null) fail_no_value(key, "true or false");
    if (v->kind != ConfigNode::Kind::scalar || v->quoted ||
        (v->scalar != "true" && v->scalar != "false"))
      fail(key, "expected true or false, got '" + shown(v->scalar) + "'");
    out = v->scalar == "true";
  }
  record(key, out ? "true" : "false");
}

void Binder::text(const std::string& key, std::string& out, std::optional<std::string> fallback,
                  std::string_view doc) {
  describe(key, "text", "", fallback ? (fallback->empty() ? "(empty)" : *fallback) : "", doc);
  const ConfigNode* v = value_of(key);
  if (!v) {
    if (!fallback) fail(key, "missing required key (a text value)");
    out = *fallback;
  } else {
    if (v->kind == ConfigNode::Kind::null) fail_no_value(key, "a text value");
    if (v->kind != ConfigNode::Kind::scalar) fail(key, "expected a text value");
    out = v->scalar;
  }
  record(key, out, true);
}

std::size_t Binder::choice(const std::string& key, std::string& out,
                           const std::vector<std::string>& allowed,
                           std::optional<std::string> fallback, std::string_view doc) {
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  std::string choices;
  for (const auto& a : allowed) choices += (choices.empty() ? "`" : " \\| `") + a + "`";
  describe(key, "choice", choices, fallback ? *fallback : "", doc);
  const ConfigNode* v = value_of(key);
  if (!v) {
    if (!fallback) fail(key, "missing required key (allowed: " + list + ")");
    out = *fallback;
  } else {
    if (v->kind == ConfigNode::Kind::null) fail_no_value(key, "one of: " + list);
    if (v->kind != ConfigNode::Kind::scalar) fail(key, "expected one of: " + list);
    out = v->scalar;
  }
  const auto it = std::find(allowed.begin(), allowed.end(), out);
  if (it == allowed.end()) {
    std::string hint;
    std::size_t best = 3;
    for (const auto& a : allowed) {
      const auto d = edit_distance(out, a);
      if (d < best) best = d, hint = " — did you mean '" + a + "'?";
    }
    fail(key, "'" + shown(out) + "' is not allowed (allowed: " + list + ")" + hint);
  }
  record(key, out);
  return static_cast<std::size_t>(it - allowed.begin());
}

std::vector<std::size_t> Binder::names(const std::string& key, std::size_t count,
                                       const std::vector<std::string>& allowed,
                                       std::string_view doc) {
  const std::string n = count > 0 ? std::to_string(count) + " names" : std::string("names");
  describe(key, "list of " + n, "", "", doc);
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  const ConfigNode* v = value_of(key);
  if (!v) fail(key, "missing required key (a list of " + n + ")");
  if (v->kind != ConfigNode::Kind::sequence || (count > 0 && v->items.size() != count) ||
      v->items.empty())
    fail(key, "expected a list of " + n + " (allowed: " + list + ")");
  std::vector<std::size_t> out;
  for (const auto& item : v->items) {
    const auto at = item->kind == ConfigNode::Kind::scalar
                        ? std::find(allowed.begin(), allowed.end(), item->scalar)
                        : allowed.end();
    if (at == allowed.end())
      fail(key, "'" + item->scalar + "' is not allowed (allowed: " + list + ")");
    const auto i = static_cast<std::size_t>(at - allowed.begin());
    if (std::find(out.begin(), out.end(), i) != out.end())
      fail(key, "'" + item->scalar + "' is listed twice");
    out.push_back(i);
  }
  if (resolved_) {
    auto seq = std::make_shared<ConfigNode>();
    seq->kind = ConfigNode::Kind::sequence;
    for (std::size_t i : out) {
      auto item = std::make_shared<ConfigNode>();
      item->kind = ConfigNode::Kind::scalar;
      item->scalar = allowed[i];
      item->quoted = true;
      seq->items.push_back(item);
    }
    resolved_->set(key, seq, Origin{});
  }
  return out;
}

void Binder::reals(const std::string& key, std::vector<double>& out, std::size_t count, Range range,
                   std::optional<std::vector<double>> fallback, std::string_view doc) {
  std::string fb;
  if (fallback)
    for (double d : *fallback) fb += (fb.empty() ? "[" : ", ") + format_real(d);
  describe(key, count > 0 ? "list of " + std::to_string(count) + " numbers" : "list of numbers",
           "each " + range.interval(), fallback ? fb + "]" : "", doc);
  const ConfigNode* v = value_of(key);
  if (!v) {
    if (!fallback)
      fail(key, "missing required key (a list of " + std::to_string(count) + " numbers)");
    out = *fallback;
  } else {
    if (v->kind == ConfigNode::Kind::null)
      fail_no_value(key, "a list of " + std::to_string(count) + " numbers");
    if (v->kind != ConfigNode::Kind::sequence || (count > 0 && v->items.size() != count) ||
        v->items.empty())
      fail(key, count > 0 ? "expected a list of " + std::to_string(count) + " numbers"
                          : std::string("expected a list of numbers"));
    out.clear();
    for (const auto& item : v->items) {
      const double d = parse_number(key, *item);
      if (!range.contains(d))
        fail(key, "value " + shown(item->scalar) +
                      " is out of range (allowed: " + range.describe(key) + ")");
      out.push_back(d);
    }
  }
  if (resolved_) {
    auto n = std::make_shared<ConfigNode>();
    n->kind = ConfigNode::Kind::sequence;
    for (double d : out) {
      auto item = std::make_shared<ConfigNode>();
      item->kind = ConfigNode::Kind::scalar;
      item->scalar = format_real(d);
      n->items.push_back(item);
    }
    resolved_->set(key, n, Origin{});
  }
}

void Binder::section(const std::string& key, const std::function<void(Binder&)>& bind,
                     bool required, std::string_view doc) {
  describe(key, "section", "", required ? "" : "(defaults)", doc);
  const ConfigNode* v = value_of(key);
  if (!v && required) fail(key, "missing required section" + misspelling_hint(key));
  if (v && v->kind != ConfigNode::Kind::map && v->kind != ConfigNode::Kind::null)
    fail(key, "expected a map of keys");
  std::shared_ptr<ConfigNode> out;
  if (resolved_) {
    out = std::make_shared<ConfigNode>();
    resolved_->set(key, out, Origin{});
  }
  const std::string pattern = pattern_.empty() ? key : pattern_ + "." + key;
  Binder sub = child(v, key_path(key), pattern, v ? v->origin : where_, out.get());
  bind(sub);
  sub.finish();
}

void Binder::list(const std::string& key, std::size_t min_items,
                  const std::function<void(Binder&, std::size_t)>& bind, std::string_view doc) {
  describe(key, "list", min_items > 0 ? "at least " + std::to_string(min_items) + " items" : "",
           min_items > 0 ? "" : "(empty)", doc);
  const ConfigNode* v = value_of(key);
  if (!v) {
    if (min_items > 0)
      fail(key, "missing required list (at least " + std::to_string(min_items) + " items)" +
                    misspelling_hint(key));
    return;
  }
  if (v->kind != ConfigNode::Kind::sequence) fail(key, "expected a list");
  if (v->items.size() < min_items)
    fail(key, "needs at least " + std::to_string(min_items) + " items, has " +
                  std::to_string(v->items.size()));
  std::shared_ptr<ConfigNode> out;
  if (resolved_) {
    out = std::make_shared<ConfigNode>();
    out->kind = ConfigNode::Kind::sequence;
    resolved_->set(key, out, Origin{});
  }
  for (std::size_t i = 0; i < v->items.size(); ++i) {
    std::shared_ptr<ConfigNode> item_out;
    if (out) {
      item_out = std::make_shared<ConfigNode>();
      out->items.push_back(item_out);
    }
    Binder sub = child(v->items[i].get(), key_path(key) + "[" + std::to_string(i) + "]",
                       (pattern_.empty() ? key : pattern_ + "." + key) + "[]", v->items[i]->origin,
                       item_out.get());
    bind(sub, i);
    sub.finish();
  }
}

void Binder::named_sections(const std::string& key, const std::vector<std::string>& names,
                            const std::function<void(Binder&, const std::string&)>& bind,
                            std::string_view doc) {
  std::string all_names;
  for (const auto& n : names) all_names += (all_names.empty() ? "" : ", ") + n;
  describe(key, "map of names", all_names, "(none)", doc);
  const ConfigNode* v = value_of(key);
  if (!v || v->kind == ConfigNode::Kind::null) return;
  if (v->kind != ConfigNode::Kind::map) fail(key, "expected a map of names");
  std::shared_ptr<ConfigNode> out;
  if (resolved_) {
    out = std::make_shared<ConfigNode>();
    out->kind = ConfigNode::Kind::map;
    resolved_->set(key, out, Origin{});
  }
  for (std::size_t i = 0; i < v->entries.size(); ++i) {
    const auto& [name, item] = v->entries[i];
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      std::string hint, all;
      std::size_t best = 4;
      for (const auto& n : names) {
        all += (all.empty() ? "" : ", ") + n;
        const auto d = edit_distance(name, n);
        if (d < best) best = d, hint = " — did you mean '" + n + "'?";
      }
      throw ScenarioError(v->key_origins[i].describe() + ": unknown name '" + key_path(key) + "." +
                          name + "'" + hint + " (valid: " + all + ")");
    }
    std::shared_ptr<ConfigNode> item_out;
    if (out) {
      item_out = std::make_shared<ConfigNode>();
      out->set(name, item_out, Origin{});
    }
    Binder sub = child(item.get(), key_path(key) + "." + name,
                       (pattern_.empty() ? key : pattern_ + "." + key) + ".<name>", item->origin,
                       item_out.get());
    bind(sub, name);
    sub.finish();
  }
}

void Binder::finish() {
  if (!node_ || node_->kind != ConfigNode::Kind::map) return;
  for (std::size_t i = 0; i < node_->entries.size(); ++i) {
    const std::string& key = node_->entries[i].first;
    if (std::find(declared_.begin(), declared_.end(), key) != declared_.end()) continue;
    std::string hint;
    std::size_t best = std::max<std::size_t>(3, key.size() / 3 + 1);
    for (const auto& d : declared_) {
      const auto dist = edit_distance(key, d);
      if (dist < best) best = dist, hint = " — did you mean '" + key_path(d) + "'?";
    }
    std::string valid;
    for (const auto& d : declared_) valid += (valid.empty() ? "" : ", ") + d;
    throw ScenarioError(node_->key_origins[i].describe() + ": unknown key '" + key_path(key) + "'" +
                        hint + " (valid keys here: " + valid + ")");
  }
}

}  // namespace ct::io
