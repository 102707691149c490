// Component families bound from the scenario by name, the way LAMMPS adds a style: a workload
// kind (`jobs[i].kind`), and later other families, is one file pair that registers how its
// scenario keys are bound. io/ only knows the binding half; the engine half (what the component
// does at run time) is registered by the same file in twin/ (twin/workload.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ct::io {

class Binder;
struct Scenario;

// The compiled configuration of one component instance (for example one job of a workload
// kind). Kinds derive from it; the engine's factory of the same kind casts it back.
struct ComponentConfig {
  virtual ~ComponentConfig() = default;
  std::string kind;  // registered name
  std::string name;  // instance name (jobs: the job name)
  int site = 0;      // jobs: the site whose nodes it is placed on (`site:`; index in sites)
  // Jobs over several sites (`sites:`, training only): their indices in ring order.
  std::vector<int> sites;
};
using ComponentPtr = std::shared_ptr<const ComponentConfig>;

// What a kind's binder may look at while it binds: the scenario bound so far (campus, fabric,
// accelerator, faults come before jobs), the instance's index, and the nodes that instances
// bound before it already take (so a job that cannot fit is an error at its own keys).
struct BindContext {
  const Scenario& scenario;
  std::size_t index = 0;
  std::vector<std::int8_t>* nodes_taken = nullptr;
  const Binder* root = nullptr;  // the scenario's top level (to name keys outside the job)
  std::vector<int> sites;        // with `sites:`: the job's sites (one, or several in ring order)
};

struct ComponentBinding {
  std::string family;       // "workload", ...
  std::string kind;         // "training", ...
  std::string description;  // one line, for `docs/scenario.md` and error messages
  std::function<std::shared_ptr<ComponentConfig>(Binder&, BindContext&)> bind;
};

// Registration (from a static object in the component's file). Returns true.
bool register_binding(ComponentBinding binding);
const ComponentBinding* find_binding(std::string_view family, std::string_view kind);
// Registered kinds of a family, sorted by name.
std::vector<std::string> binding_kinds(std::string_view family);
std::vector<const ComponentBinding*> bindings(std::string_view family);

}  // namespace ct::io
