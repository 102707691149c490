#include "io/components.hpp"

#include <algorithm>
#include <stdexcept>

namespace ct::io {

namespace {
// Function-local: filled by static registrars whatever the order of static initialisation.
std::vector<ComponentBinding>& registry() {
  static std::vector<ComponentBinding> r;
  return r;
}
}  // namespace

bool register_binding(ComponentBinding binding) {
  if (find_binding(binding.family, binding.kind))
    throw std::logic_error("component '" + binding.family + "/" + binding.kind +
                           "' registered twice");
  registry().push_back(std::move(binding));
  return true;
}

const ComponentBinding* find_binding(std::string_view family, std::string_view kind) {
  for (const auto& b : registry())
    if (b.family == family && b.kind == kind) return &b;
  return nullptr;
}

std::vector<const ComponentBinding*> bindings(std::string_view family) {
  std::vector<const ComponentBinding*> out;
  for (const auto& b : registry())
    if (b.family == family) out.push_back(&b);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->kind < b->kind; });
  return out;
}

std::vector<std::string> binding_kinds(std::string_view family) {
  std::vector<std::string> names;
  for (const auto* b : bindings(family)) names.push_back(b->kind);
  return names;
}

}  // namespace ct::io
