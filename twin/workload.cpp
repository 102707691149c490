#include "twin/workload.hpp"

#include <stdexcept>

namespace ct::twin {

namespace {
std::vector<WorkloadFactory>& factories() {
  static std::vector<WorkloadFactory> f;
  return f;
}
}  // namespace

bool register_workload(WorkloadFactory factory) {
  for (const auto& f : factories())
    if (f.kind == factory.kind)
      throw std::logic_error("workload kind '" + factory.kind + "' registered twice");
  factories().push_back(std::move(factory));
  return true;
}

std::unique_ptr<Workload> make_workload(const io::ComponentConfig& config, const WorkloadEnv& env,
                                        int index) {
  for (const auto& f : factories())
    if (f.kind == config.kind) return f.create(config, env, index);
  throw std::logic_error("workload kind '" + config.kind + "' has no engine factory");
}

}  // namespace ct::twin
