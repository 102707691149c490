#include "io/config_tree.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "io/input_file.hpp"

namespace ct::io {

std::string Origin::describe() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

const ConfigNode* ConfigNode::find(const std::string& key) const {
  for (const auto& [k, v] : entries)
    if (k == key) return v.get();
  return nullptr;
}

std::shared_ptr<ConfigNode> ConfigNode::find_shared(const std::string& key) const {
  for (const auto& [k, v] : entries)
    if (k == key) return v;
  return nullptr;
}

const Origin* ConfigNode::key_origin(const std::string& key) const {
  for (std::size_t i = 0; i < entries.size(); ++i)
    if (entries[i].first == key) return &key_origins[i];
  return nullptr;
}

void ConfigNode::set(const std::string& key, std::shared_ptr<ConfigNode> value, Origin korigin) {
  kind = Kind::map;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].first == key) {
      entries[i].second = std::move(value);
      key_origins[i] = std::move(korigin);
      return;
    }
  }
  entries.emplace_back(key, std::move(value));
  key_origins.push_back(std::move(korigin));
}

void ConfigNode::erase(const std::string& key) {
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].first == key) {
      entries.erase(entries.begin() + static_cast<std::ptrdiff_t>(i));
      key_origins.erase(key_origins.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    }
  }
}

std::shared_ptr<ConfigNode> ConfigNode::clone() const {
  auto copy = std::make_shared<ConfigNode>(*this);
  for (auto& [k, v] : copy->entries) v = v->clone();
  for (auto& item : copy->items) item = item->clone();
  return copy;
}

namespace {

Origin origin_of(const YAML::Mark& mark, const std::string& source) {
  return Origin{source, mark.line + 1, mark.column + 1};
}

// Builds the ConfigNode tree from yaml-cpp's parser events (no YAML::Node tree in between), so
// untrusted text is bounded as it is read: an alias is expanded by copying the anchored node
// only while the total stays within kMaxYamlNodes (a "billion laughs" file of a few hundred
// bytes fails at once instead of growing to gigabytes), nesting is limited to kMaxYamlDepth,
// and a second document is an error instead of being ignored.
class TreeBuilder : public YAML::EventHandler {
 public:
  explicit TreeBuilder(std::string source) : source_(std::move(source)) {}
  ConfigPtr root;

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > 1)
      throw ScenarioError(where(mark) +
                          ": a second YAML document ('---'): the file must hold one document");
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto n = make(mark);
    n->kind = ConfigNode::Kind::null;
    finish(n, anchor, 1);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (anchor >= anchors_.size() || !anchors_[anchor].first)
      throw ScenarioError(where(mark) + ": alias to an anchor that is not complete here " +
                          "(an alias inside the node it names)");
    const auto& [node, size] = anchors_[anchor];
    count(size, mark);
    finish(node->clone(), YAML::NullAnchor, size);
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    auto n = make(mark);
    n->kind = ConfigNode::Kind::scalar;
    n->scalar = value;
    n->quoted = tag == "!";
    finish(n, anchor, 1);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, ConfigNode::Kind::sequence, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, ConfigNode::Kind::map, anchor);
  }
  void OnMapEnd() override {
    if (stack_.back().have_key)
      throw ScenarioError(stack_.back().key_origin.describe() + ": key '" + stack_.back().key +
                          "' has no value");
    close();
  }

 private:
  struct Frame {
    ConfigPtr node;
    YAML::anchor_t anchor;
    std::size_t nodes_before;
    bool have_key = false;  // maps: a key was read, its value comes next
    std::string key;
    Origin key_origin;
  };

  std::string where(const YAML::Mark& mark) const { return origin_of(mark, source_).describe(); }

  void count(std::size_t n, const YAML::Mark& mark) {
    nodes_ += n;
    if (nodes_ > kMaxYamlNodes)
      throw ScenarioError(where(mark) + ": more than " + std::to_string(kMaxYamlNodes) +
                          " values (after expanding aliases): not a scenario file");
  }

  ConfigPtr make(const YAML::Mark& mark) {
    count(1, mark);
    auto n = std::make_shared<ConfigNode>();
    n->origin = origin_of(mark, source_);
    return n;
  }

  // A map key must be a scalar; checked before a collection starts in its place.
  void check_not_key(const YAML::Mark& mark) const {
    if (!stack_.empty() && stack_.back().node->kind == ConfigNode::Kind::map &&
        !stack_.back().have_key)
      throw ScenarioError(where(mark) + ": map keys must be plain names");
  }

  void open(const YAML::Mark& mark, ConfigNode::Kind kind, YAML::anchor_t anchor) {
    check_not_key(mark);
    if (static_cast<int>(stack_.size()) >= kMaxYamlDepth)
      throw ScenarioError(where(mark) + ": nesting deeper than " + std::to_string(kMaxYamlDepth) +
                          " levels: not a scenario file");
    const std::size_t before = nodes_;
    auto n = make(mark);
    n->kind = kind;
    stack_.push_back(Frame{n, anchor, before, false, {}, {}});
  }

  void close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    finish(f.node, f.anchor, nodes_ - f.nodes_before);
  }

  // A complete node: remember its anchor, attach it to its parent.
  void finish(const ConfigPtr& n, YAML::anchor_t anchor, std::size_t size) {
    if (anchor != YAML::NullAnchor) {
      if (anchors_.size() <= anchor) anchors_.resize(anchor + 1);
      anchors_[anchor] = {n, size};
    }
    if (stack_.empty()) {
      root = n;
      return;
    }
    Frame& parent = stack_.back();
    if (parent.node->kind == ConfigNode::Kind::sequence) {
      parent.node->items.push_back(n);
      return;
    }
    if (!parent.have_key) {
      if (n->kind != ConfigNode::Kind::scalar)
        throw ScenarioError(n->origin.describe() + ": map keys must be plain names");
      if (parent.node->find(n->scalar))
        throw ScenarioError(n->origin.describe() + ": duplicate key '" + n->scalar + "'");
      parent.have_key = true;
      parent.key = n->scalar;
      parent.key_origin = n->origin;
      return;
    }
    parent.node->entries.emplace_back(std::move(parent.key), n);
    parent.node->key_origins.push_back(std::move(parent.key_origin));
    parent.have_key = false;
    parent.key.clear();
  }

  std::string source_;
  std::vector<Frame> stack_;
  std::vector<std::pair<ConfigPtr, std::size_t>> anchors_;  // by anchor id: node, its size
  std::size_t nodes_ = 0;
  int documents_ = 0;
};

// The length of the well-formed UTF-8 sequence at text[i] (RFC 3629: no overlong forms, no
// surrogates, nothing past U+10FFFF), or 0.
std::size_t utf8_sequence(const std::string& text, std::size_t i) {
  const auto byte = [&](std::size_t k) {
    return k < text.size() ? static_cast<unsigned char>(text[k]) : 0u;
  };
  const unsigned b0 = byte(i);
  if (b0 < 0x80) return 1;
  auto continuation = [&](std::size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) {
    return byte(k) >= lo && byte(k) <= hi;
  };
  if (b0 >= 0xC2 && b0 <= 0xDF) return continuation(i + 1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    const unsigned lo = b0 == 0xE0 ? 0xA0 : 0x80, hi = b0 == 0xED ? 0x9F : 0xBF;
    return continuation(i + 1, lo, hi) && continuation(i + 2) ? 3 : 0;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    const unsigned lo = b0 == 0xF0 ? 0x90 : 0x80, hi = b0 == 0xF4 ? 0x8F : 0xBF;
    return continuation(i + 1, lo, hi) && continuation(i + 2) && continuation(i + 3) ? 4 : 0;
  }
  return 0;
}

// A NUL byte or a byte that is not UTF-8 is never valid YAML; say so with its position
// (yaml-cpp reports something else for a NUL and passes other bytes through, which then do not
// survive the resolved scenario's round trip).
void check_text(const std::string& text, const std::string& source) {
  auto at = [&](std::size_t pos) {
    int line = 1, column = 1;
    for (std::size_t i = 0; i < pos; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return Origin{source, line, column}.describe();
  };
  const auto nul = text.find('\0');
  if (nul != std::string::npos)
    throw ScenarioError(at(nul) + ": NUL byte: a scenario is UTF-8 text (is this a binary file?)");
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_sequence(text, i);
    if (n == 0) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(text[i]));
      throw ScenarioError(at(i) + ": byte " + hex +
                          " is not UTF-8: a scenario is UTF-8 text (re-save it as UTF-8)");
    }
    i += n;
  }
}

ConfigPtr parse_events(const std::string& text, const std::string& source) {
  check_text(text, source);
  std::istringstream in(text);
  YAML::Parser parser(in);
  TreeBuilder builder(source);
  try {
    while (parser.HandleNextDocument(builder)) {
    }
  } catch (const YAML::DeepRecursion& e) {
    throw ScenarioError(source + ":" + std::to_string(e.mark.line + 1) + ":" +
                        std::to_string(e.mark.column + 1) + ": nesting deeper than " +
                        std::to_string(e.depth()) + " levels: not a scenario file");
  } catch (const YAML::Exception& e) {
    throw ScenarioError(source + ":" + std::to_string(e.mark.line + 1) + ":" +
                        std::to_string(e.mark.column + 1) + ": YAML syntax error: " + e.msg);
  }
  if (!builder.root) {  // empty text
    builder.root = std::make_shared<ConfigNode>();
    builder.root->origin = Origin{source, 0, 0};
  }
  return builder.root;
}

}  // namespace

ConfigPtr parse_yaml(const std::string& text, const std::string& source) {
  return parse_events(text, source);
}

ConfigPtr load_yaml_file(const std::string& path) {
  std::string text;
  try {
    text = read_input_file(path, kMaxScenarioFileBytes);
  } catch (const InputFileError& e) {
    throw ScenarioError(path + ": cannot open scenario file: " + e.what());
  }
  return load_yaml_text(text, path);
}

ConfigPtr load_yaml_text(const std::string& text, const std::string& path) {
  if (text.size() > kMaxScenarioFileBytes)
    throw ScenarioError(path + ": cannot open scenario file: is " +
                        format_bytes(static_cast<double>(text.size())) + ", over the limit of " +
                        format_bytes(static_cast<double>(kMaxScenarioFileBytes)));
  auto root = parse_yaml(text, path);
  if (root->kind == ConfigNode::Kind::null) {
    root->kind = ConfigNode::Kind::map;
    root->origin = Origin{path, 1, 1};
  }
  if (root->kind != ConfigNode::Kind::map)
    throw ScenarioError(root->origin.describe() + ": a scenario file must be a YAML map");
  return root;
}

void merge_into(ConfigNode& base, const ConfigNode& over) {
  if (base.kind != ConfigNode::Kind::map || over.kind != ConfigNode::Kind::map) {
    base = *over.clone();
    return;
  }
  for (std::size_t i = 0; i < over.entries.size(); ++i) {
    const auto& [key, value] = over.entries[i];
    auto existing = base.find_shared(key);
    if (existing && existing->kind == ConfigNode::Kind::map &&
        value->kind == ConfigNode::Kind::map) {
      merge_into(*existing, *value);
    } else {
      base.set(key, value->clone(), over.key_origins[i]);
    }
  }
}

namespace {

// `chain`: the files being loaded (by identity) → origin of their `extends` key.
struct ChainLink {
  FileId id;
  std::string path;
  Origin extends_at;
};

ConfigPtr load_chain(const std::string& path, std::vector<ChainLink>& chain,
                     const Origin* extended_from, std::vector<std::string>* files,
                     const std::string* text) {
  const auto id = file_id(path);
  for (const ChainLink& link : chain)
    if (id && link.id == *id)
      throw ScenarioError(
          link.extends_at.describe() + ": key 'extends': cycle of extended files through " + path +
          " (closed at " + (extended_from ? extended_from->describe() : path) + ")");
  if (chain.size() >= kMaxExtendsDepth)
    throw ScenarioError((extended_from ? extended_from->describe() : path) +
                        ": key 'extends': more than " + std::to_string(kMaxExtendsDepth) +
                        " files in the chain of extended files");
  auto node = text ? load_yaml_text(*text, path) : load_yaml_file(path);
  if (files) files->push_back(path);
  const ConfigNode* ext = node->find("extends");
  if (!ext) return node;
  const Origin where = *node->key_origin("extends");
  chain.push_back(ChainLink{id.value_or(FileId{}), path, where});
  if (ext->kind != ConfigNode::Kind::scalar || ext->scalar.empty())
    throw ScenarioError(where.describe() + ": key 'extends' must be a file name");
  std::filesystem::path base_path(ext->scalar);
  if (base_path.is_relative()) base_path = std::filesystem::path(path).parent_path() / base_path;
  // Only a regular file of bounded size: /dev/zero, a FIFO, a directory or /proc/self/mem
  // would block, grow without end, or read as an empty scenario.
  if (const std::string why = input_file_problem(base_path.string(), kMaxScenarioFileBytes);
      !why.empty()) {
    if (why == "not found")
      throw ScenarioError(where.describe() + ": key 'extends': base file '" + ext->scalar +
                          "' not found (looked for " + base_path.string() + ")");
    throw ScenarioError(where.describe() + ": key 'extends': base file '" + ext->scalar + "' " +
                        why + " (looked for " + base_path.string() + "; allowed: a regular " +
                        "YAML file of at most " +
                        format_bytes(static_cast<double>(kMaxScenarioFileBytes)) + ")");
  }
  auto base = load_chain(base_path.string(), chain, &where, files, nullptr);
  node->erase("extends");
  merge_into(*base, *node);
  return base;
}

const char* const kKeyPathExample = "e.g. time.duration_s or campus.buildings[0].halls";

}  // namespace

std::vector<KeyPathPart> parse_key_path(const std::string& path) {
  std::vector<KeyPathPart> parts;
  auto bad = [&](const std::string& why) {
    throw std::invalid_argument("'" + path + "' is not a key path: " + why + " (expected " +
                                kKeyPathExample + ")");
  };
  if (path.empty()) bad("empty");
  std::size_t i = 0;
  bool need_part = true;  // at the start and after '.'
  while (i < path.size()) {
    const char c = path[i];
    if (c == '[') {
      if (parts.empty()) bad("'[' before the first key");
      if (need_part) bad("'[' right after '.'");
      const auto close = path.find(']', i + 1);
      if (close == std::string::npos) bad("'[' without a matching ']'");
      const std::string index = path.substr(i + 1, close - i - 1);
      if (index.empty() || index.find_first_not_of("0123456789") != std::string::npos)
        bad("'[" + index + "]' is not a list index (a whole number)");
      parts.push_back(KeyPathPart{index, true});
      i = close + 1;
      if (i < path.size() && path[i] != '.' && path[i] != '[') bad("expected '.' or '[' after ']'");
      continue;
    }
    if (c == ']') bad("']' without a matching '['");
    if (c == '.') {
      if (need_part) bad(i == 0 ? "starts with '.'" : "empty component ('..')");
      need_part = true;
      ++i;
      continue;
    }
    const auto end = path.find_first_of(".[]", i);
    const std::string name = path.substr(i, end == std::string::npos ? std::string::npos : end - i);
    if (!need_part) bad("expected '.' before '" + name + "'");
    if (name.find_first_of(" \t=") != std::string::npos)
      bad("'" + name + "' contains a space, tab or '='");
    parts.push_back(KeyPathPart{name, false});
    need_part = false;
    i = end == std::string::npos ? path.size() : end;
  }
  if (need_part) bad("ends with '.'");
  return parts;
}

ConfigPtr load_with_extends(const std::string& path, std::vector<std::string>* files,
                            const std::string* text) {
  std::vector<ChainLink> chain;
  return load_chain(path, chain, nullptr, files, text);
}

void apply_set(ConfigNode& root, const std::string& assignment) {
  const Origin origin{"--set " + assignment, 0, 0};
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ScenarioError(origin.describe() + ": expected key.path=value");
  std::vector<KeyPathPart> parts;
  try {
    parts = parse_key_path(assignment.substr(0, eq));
  } catch (const std::invalid_argument& e) {
    throw ScenarioError(origin.describe() + ": " + e.what());
  }
  ConfigPtr value;
  try {
    value = parse_yaml(assignment.substr(eq + 1), origin.file);
  } catch (const ScenarioError& e) {
    // Positions inside a one-line value say little; keep the reason.
    std::string why = e.what();
    const auto at = why.find(": YAML syntax error: ");
    if (at != std::string::npos) why = why.substr(at + 21);
    throw ScenarioError(origin.describe() + ": value is not valid YAML: " + why);
  }
  std::function<void(ConfigNode&)> stamp = [&](ConfigNode& n) {
    n.origin = origin;
    for (auto& ko : n.key_origins) ko = origin;
    for (auto& [k, v] : n.entries) stamp(*v);
    for (auto& item : n.items) stamp(*item);
  };
  stamp(*value);

  ConfigNode* node = &root;
  std::string walked;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i].name;
    const bool last = i + 1 == parts.size();
    const std::string parent = walked;
    walked += parts[i].bracketed ? "[" + part + "]" : (walked.empty() ? "" : ".") + part;
    if (node->kind == ConfigNode::Kind::sequence) {
      if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos)
        throw ScenarioError(origin.describe() + ": '" + walked +
                            "': expected a list index (the list has " +
                            std::to_string(node->items.size()) + " items)");
      // Any number of digits: parsed without overflow, compared with the list's length.
      std::size_t index = 0;
      const auto res = std::from_chars(part.data(), part.data() + part.size(), index);
      if (res.ec != std::errc() || index >= node->items.size())
        throw ScenarioError(origin.describe() + ": '" + walked + "': index " +
                            (part.size() > 24 ? part.substr(0, 20) + "..." : part) +
                            " out of range (list has " + std::to_string(node->items.size()) +
                            " items)");
      if (last) {
        node->items[index] = value;
        return;
      }
      node = node->items[index].get();
      continue;
    }
    if (parts[i].bracketed)
      throw ScenarioError(origin.describe() + ": '" + walked + "': '" + parent + "' is not a list");
    if (node->kind == ConfigNode::Kind::scalar)
      throw ScenarioError(origin.describe() + ": '" + walked + "': parent is a value, not a map");
    if (last) {
      node->set(part, value, origin);
      return;
    }
    auto child = node->find_shared(part);
    if (!child) {
      child = std::make_shared<ConfigNode>();
      child->kind = ConfigNode::Kind::map;
      child->origin = origin;
      node->set(part, child, origin);
    }
    node = child.get();
  }
}

namespace {

// Block style, with lists of scalars in flow style; or everything in flow style (one line).
void emit_node(YAML::Emitter& out, const ConfigNode& node, bool flow) {
  switch (node.kind) {
    case ConfigNode::Kind::null:
      out << YAML::Null;
      break;
    case ConfigNode::Kind::scalar:
      if (node.quoted)
        out << YAML::DoubleQuoted << node.scalar;
      else
        out << node.scalar;
      break;
    case ConfigNode::Kind::sequence: {
      const bool flat =
          flow || std::all_of(node.items.begin(), node.items.end(),
                              [](const auto& i) { return i->kind == ConfigNode::Kind::scalar; });
      if (flat) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const auto& item : node.items) emit_node(out, *item, flow);
      out << YAML::EndSeq;
      break;
    }
    case ConfigNode::Kind::map:
      if (flow) out << YAML::Flow;
      out << YAML::BeginMap;
      for (const auto& [k, v] : node.entries) {
        out << YAML::Key << k << YAML::Value;
        emit_node(out, *v, flow);
      }
      out << YAML::EndMap;
      break;
  }
}

}  // namespace

std::string emit_yaml_flow(const ConfigNode& node) {
  YAML::Emitter out;
  emit_node(out, node, true);
  return out.c_str();
}

std::string emit_yaml(const ConfigNode& node) {
  YAML::Emitter out;
  emit_node(out, node, false);
  return std::string(out.c_str()) + "\n";
}

}  // namespace ct::io
