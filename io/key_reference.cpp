#include "io/key_reference.hpp"

#include <algorithm>
#include <vector>

#include "io/scenario.hpp"

namespace ct::io {

namespace {

std::string section_of(const std::string& path) {
  const auto dot = path.rfind('.');
  return dot == std::string::npos ? "" : path.substr(0, dot);
}

std::string key_of(const std::string& path) {
  const auto dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

std::string cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|' && (out.empty() || out.back() != '\\')) out += '\\';
    out += c;
  }
  return out;
}

const char* kBegin = "<!-- keys: ";
const char* kEnd = "<!-- end keys -->";

}  // namespace

std::map<std::string, std::string> key_reference_tables(const KeyCatalogue& catalogue) {
  std::map<std::string, std::string> tables;
  std::vector<std::string> order;
  for (const KeyDoc& d : catalogue) {
    const std::string sec = section_of(d.path);
    if (!tables.count(sec)) {
      tables[sec] = "| key | type | allowed | default | meaning |\n|---|---|---|---|---|\n";
      order.push_back(sec);
    }
    std::string def = d.default_text.empty() ? "required" : "`" + d.default_text + "`";
    // "(words)": a default described in words (Binder::document_default), shown as they are.
    if (d.default_text.size() > 2 && d.default_text.front() == '(' && d.default_text.back() == ')')
      def = d.default_text.substr(1, d.default_text.size() - 2);
    tables[sec] += "| `" + key_of(d.path) + "` | " + d.kind + " | " + cell(d.allowed) + " | " +
                   def + " | " + cell(d.doc) + " |\n";
  }
  return tables;
}

std::string splice_key_reference(const std::string& text,
                                 const std::map<std::string, std::string>& tables,
                                 std::vector<std::string>* missing,
                                 std::vector<std::string>* stale) {
  std::string out;
  std::vector<std::string> seen;
  std::size_t pos = 0;
  while (true) {
    const std::size_t b = text.find(kBegin, pos);
    if (b == std::string::npos) break;
    const std::size_t name_end = text.find(" -->", b);
    const std::size_t e = text.find(kEnd, name_end);
    if (name_end == std::string::npos || e == std::string::npos) break;
    std::string name =
        text.substr(b + std::string(kBegin).size(), name_end - b - std::string(kBegin).size());
    const std::string sec = name == "(top)" ? "" : name;
    out += text.substr(pos, name_end + 4 - pos) + "\n";
    const auto it = tables.find(sec);
    if (it != tables.end())
      out += it->second;
    else if (stale)
      stale->push_back(name);
    seen.push_back(sec);
    out += kEnd;
    pos = e + std::string(kEnd).size();
  }
  out += text.substr(pos);
  if (missing)
    for (const auto& [sec, table] : tables)
      if (std::find(seen.begin(), seen.end(), sec) == seen.end())
        missing->push_back(sec.empty() ? "(top)" : sec);
  return out;
}

KeyCatalogue reference_catalogue(const std::vector<std::string>& reference_scenarios) {
  KeyCatalogue catalogue;
  LoadOptions options;
  options.catalogue = &catalogue;
  for (const std::string& path : reference_scenarios) (void)load_scenario(path, options);
  return catalogue;
}

}  // namespace ct::io
