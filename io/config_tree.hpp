// A YAML document tree that remembers where every node came from (file, line, column, or the
// --set argument that made it), so errors after `extends:` merging and `--set` overrides still
// point at the right place.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ct::io {

struct Origin {
  std::string file;  // file path, or "--set" for command-line overrides
  int line = 0;      // 1-based; 0 when unknown
  int column = 0;    // 1-based
  std::string describe() const;
};

// Bad input: exit status 2. The message already names file:line:column and the key path.
class ScenarioError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ConfigNode {
  enum class Kind { null, scalar, sequence, map };
  Kind kind = Kind::null;
  std::string scalar;
  bool quoted = false;  // the scalar was written in quotes (so it is a string, never a number)
  std::vector<std::pair<std::string, std::shared_ptr<ConfigNode>>> entries;  // map, in order
  std::vector<Origin> key_origins;                                           // one per entry
  std::vector<std::shared_ptr<ConfigNode>> items;                            // sequence
  Origin origin;

  const ConfigNode* find(const std::string& key) const;
  std::shared_ptr<ConfigNode> find_shared(const std::string& key) const;
  const Origin* key_origin(const std::string& key) const;
  void set(const std::string& key, std::shared_ptr<ConfigNode> value, Origin key_origin);
  void erase(const std::string& key);
  std::shared_ptr<ConfigNode> clone() const;
};
using ConfigPtr = std::shared_ptr<ConfigNode>;

// Limits on untrusted YAML (docs/scenario.md, "Limits"): values after expanding aliases,
// nesting depth, and files in an `extends:` chain. A scenario needs a few hundred values and
// five levels.
inline constexpr std::size_t kMaxYamlNodes = 100000;
inline constexpr int kMaxYamlDepth = 64;
inline constexpr std::size_t kMaxExtendsDepth = 32;

// Parse YAML text (one document); `source` names the file in error messages.
ConfigPtr parse_yaml(const std::string& text, const std::string& source);
// A scenario file (a regular file of at most kMaxScenarioFileBytes) that must hold a YAML map.
ConfigPtr load_yaml_file(const std::string& path);
// The same for text already read (`path` names it in messages).
ConfigPtr load_yaml_text(const std::string& text, const std::string& path);

// Load a scenario file and resolve its `extends:` chain (paths relative to the extending file);
// the extending file's maps merge over the base, sequences and scalars replace. `files`, if
// given, receives the path of every file read (the scenario first, then its bases). `text`, if
// given, is the scenario's content (it is not read from `path`; bases still are).
ConfigPtr load_with_extends(const std::string& path, std::vector<std::string>* files = nullptr,
                            const std::string* text = nullptr);

// A `--set`/sweep key path split into its parts: `a.b.0.c`, `a.b[0].c` → a, b, 0, c.
// Throws std::invalid_argument naming the problem (empty component, unbalanced brackets...).
struct KeyPathPart {
  std::string name;
  bool bracketed = false;  // written as [i]: must be a list index
};
std::vector<KeyPathPart> parse_key_path(const std::string& path);
void merge_into(ConfigNode& base, const ConfigNode& over);

// Apply one `key.path=value` override. Path segments are map keys or list indices
// (`campus.buildings.1.halls` or `campus.buildings[1].halls`); the value is parsed as YAML.
void apply_set(ConfigNode& root, const std::string& assignment);

// Emit as block-style YAML.
std::string emit_yaml(const ConfigNode& node);
// Emit on one line in flow style (e.g. a --set value).
std::string emit_yaml_flow(const ConfigNode& node);

}  // namespace ct::io
