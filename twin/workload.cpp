#include "twin/workload.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "io/schema_binder.hpp"

namespace ct::twin {

namespace {
std::vector<WorkloadFactory>& factories() {
  static std::vector<WorkloadFactory> f;
  return f;
}
}  // namespace

void bind_job_name(io::Binder& b, std::string& name, const std::string& fallback) {
  b.text("name", name, fallback,
         "job name (letters, digits, '_' and '-'): the group /jobs/<name> in the output");
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'))
      b.fail("name", "'" + name + "' may only contain letters, digits, '_' and '-'");
}

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

Allocation place_on_sites(Workload& work, const io::Scenario& sc, const io::ComponentConfig& config,
                          std::vector<std::int8_t>& taken) {
  if (sc.sites.size() < 2) return work.place(taken);
  const std::vector<workload::NodeRange> mine =
      sc.site_nodes(config.sites.empty() ? std::vector<int>{config.site} : config.sites);
  std::vector<std::int8_t> masked = workload::taken_outside(taken, mine);
  Allocation a = work.place(masked);
  workload::take_inside(taken, masked, mine);
  return a;
}

}  // namespace ct::twin
