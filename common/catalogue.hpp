// A catalogue of named presets (accelerators, fabrics, cooling plants, climates, carbon regions):
// one generic lookup instead of one hand-made find/names pair per module. A module builds its
// catalogue once (a function-local static) and the scenario binder, `info`, `presets` and the
// tests all read it through the same three calls.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ct {

template <class T>
class Catalogue {
 public:
  struct Entry {
    std::string name;
    std::string description;  // one line, for `clustertwin presets` and the docs
    T value;
  };
  explicit Catalogue(std::vector<Entry> entries) : entries_(std::move(entries)) {}

  // nullptr if no preset has that name.
  const T* find(std::string_view name) const {
    for (const Entry& e : entries_)
      if (e.name == name) return &e.value;
    return nullptr;
  }
  // Names in catalogue order (the scenario's allowed values).
  std::vector<std::string> names() const {
    std::vector<std::string> n;
    n.reserve(entries_.size());
    for (const Entry& e : entries_) n.push_back(e.name);
    return n;
  }
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;
};

}  // namespace ct
