// Binds a ConfigNode tree to C++ structs, one declaration per key: type, allowed range and
// default live next to the field they fill. Everything the scenario format accepts is declared
// this way, so an undeclared key is an error with a "did you mean", a bad value names its key,
// origin and allowed range, and the binder records the fully resolved scenario (defaults
// included) as it goes.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "io/config_tree.hpp"

namespace ct::io {

// Allowed interval of a numeric key.
struct Range {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false;  // lo itself not allowed
  bool hi_open = false;
  bool contains(double v) const;
  std::string describe(const std::string& key) const;
  std::string interval() const;  // "[1, 1024]", "(0, 3600]", "> 0", "any"
};
inline Range positive() { return Range{0.0, std::numeric_limits<double>::infinity(), true, false}; }
inline Range non_negative() { return Range{0.0, std::numeric_limits<double>::infinity()}; }
inline Range at_least(double lo) { return Range{lo, std::numeric_limits<double>::infinity()}; }
inline Range closed(double lo, double hi) { return Range{lo, hi}; }
inline Range unit_interval() { return Range{0.0, 1.0}; }

// One scenario key as it was bound: the source of truth for docs/scenario.md's key reference.
struct KeyDoc {
  std::string path;          // list items as [], named sections as <name>: jobs[].parallel.tp
  std::string kind;          // number, integer, text, true/false, one of ..., section, list, ...
  std::string allowed;       // the allowed range or values ("" when any)
  std::string default_text;  // "" when the key is required
  std::string doc;           // one-line description
};
using KeyCatalogue = std::vector<KeyDoc>;

class Binder {
 public:
  // `node` may be null (absent optional section: every key takes its default).
  Binder(const ConfigNode* node, std::string path, Origin where, ConfigNode* resolved);
  // Record every key bound from here down (with its description) into `catalogue`.
  void set_catalogue(KeyCatalogue* catalogue) { catalogue_ = catalogue; }
  // A list item of a component family documents its keys under its kind: jobs[] → jobs[kind].
  void qualify_pattern(const std::string& kind);

  void real(const std::string& key, double& out, Range range, std::optional<double> fallback,
            std::string_view doc = {});
  // A number that may be absent ("none": `out` keeps its value, e.g. an infinite limit, and
  // nothing is recorded, so the resolved scenario loads again).
  void optional_real(const std::string& key, double& out, Range range, std::string_view doc = {});
  void integer(const std::string& key, std::int64_t& out, Range range,
               std::optional<std::int64_t> fallback, std::string_view doc = {});
  void integer(const std::string& key, std::int32_t& out, Range range,
               std::optional<std::int32_t> fallback, std::string_view doc = {});
  void seed(const std::string& key, std::uint64_t& out, std::uint64_t fallback,
            std::string_view doc = {});
  void boolean(const std::string& key, bool& out, std::optional<bool> fallback,
               std::string_view doc = {});
  void text(const std::string& key, std::string& out, std::optional<std::string> fallback,
            std::string_view doc = {});
  // One of `allowed`; returns the index of the chosen value.
  std::size_t choice(const std::string& key, std::string& out,
                     const std::vector<std::string>& allowed, std::optional<std::string> fallback,
                     std::string_view doc = {});
  // A list of numbers, e.g. position_m: [x, y]; count 0: any length ≥ 1.
  void reals(const std::string& key, std::vector<double>& out, std::size_t count, Range range,
             std::optional<std::vector<double>> fallback, std::string_view doc = {});
  // A list of names, each one of `allowed`, none twice (e.g. a link's two sites); count 0: any
  // length ≥ 1. Returns their indices in `allowed`.
  std::vector<std::size_t> names(const std::string& key, std::size_t count,
                                 const std::vector<std::string>& allowed,
                                 std::string_view doc = {});

  // Nested map. Absent → the callback still runs (defaults), unless `required`.
  void section(const std::string& key, const std::function<void(Binder&)>& bind,
               bool required = false, std::string_view doc = {});
  // List of maps; each item bound by `bind(item, index)`.
  void list(const std::string& key, std::size_t min_items,
            const std::function<void(Binder&, std::size_t)>& bind, std::string_view doc = {});
  // Map of name → map (e.g. per-class overrides): each present entry's name must be in `names`.
  void named_sections(const std::string& key, const std::vector<std::string>& names,
                      const std::function<void(Binder&, const std::string&)>& bind,
                      std::string_view doc = {});

  // Drop a bound key from the resolved scenario (an option that only applies when given, or a
  // key recorded as another one, e.g. mtbf_s as rate_per_s).
  void forget(const std::string& key);
  // The key reference shows `text` (plain words) as the default of `key`, bound just before:
  // for a default that depends on other keys ("the year of `time.start`").
  void document_default(const std::string& key, const std::string& text);
  // Replace the resolved value of a key already bound (e.g. a path made absolute).
  void record(const std::string& key, const std::string& scalar, bool quoted = false);
  // The file a key's value came from ("" for --set or defaults): relative paths resolve there.
  std::string origin_file(const std::string& key) const;
  // Is the key present in the input (not defaulted)?
  bool has(const std::string& key) const;
  // Errors for keys that were not declared. Called by section()/list(); call it on the root.
  void finish();

  // Error at the key's value (or the section when the key is absent).
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;
  // Error at a nested key (e.g. {"parallel", "dp"}), or the deepest part of it present.
  [[noreturn]] void fail_nested(const std::vector<std::string>& keys,
                                const std::string& message) const;
  [[noreturn]] void fail_no_value(const std::string& key, const std::string& expected) const;
  // " — is 'tmie' at f:3:1 a misspelling?" for an undeclared sibling close to `key`.
  std::string misspelling_hint(const std::string& key) const;
  const std::string& path() const { return path_; }
  std::string key_path(const std::string& key) const;

 private:
  const ConfigNode* value_of(const std::string& key);
  const Origin& origin_of(const std::string& key) const;
  double parse_number(const std::string& key, const ConfigNode& node) const;

  void describe(const std::string& key, std::string kind, std::string allowed,
                std::string default_text, std::string_view doc);
  Binder child(const ConfigNode* node, const std::string& path, const std::string& pattern,
               Origin where, ConfigNode* resolved) const;

  const ConfigNode* node_;
  std::string path_;
  std::string pattern_;  // path_ with list indices as [] and named sections as <name>
  KeyCatalogue* catalogue_ = nullptr;
  Origin where_;
  ConfigNode* resolved_;
  std::vector<std::string> declared_;
};

// A numeric key whose default is the field's current value (a preset's, or the struct's).
inline void keep(Binder& b, const std::string& key, double& field, Range range,
                 std::string_view doc = {}) {
  b.real(key, field, range, field, doc);
}
inline void keep(Binder& b, const std::string& key, std::int32_t& field, Range range,
                 std::string_view doc = {}) {
  b.integer(key, field, range, field, doc);
}

std::string format_real(double v);
// Levenshtein distance, for "did you mean".
std::size_t edit_distance(const std::string& a, const std::string& b);

}  // namespace ct::io
