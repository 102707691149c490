// Message building for sched/: appends pieces into one string. (GCC 12 warns falsely under
// -Werror=restrict about `"literal" + std::string&&`; appending avoids that pattern.)
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace ct::sched {

inline std::string cat(std::initializer_list<std::string_view> pieces) {
  std::string out;
  std::size_t size = 0;
  for (const auto p : pieces) size += p.size();
  out.reserve(size);
  for (const auto p : pieces) out.append(p);
  return out;
}

}  // namespace ct::sched
