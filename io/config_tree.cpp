#include "io/config_tree.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

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

ConfigPtr convert(const YAML::Node& node, const std::string& source) {
  auto out = std::make_shared<ConfigNode>();
  out->origin = origin_of(node.Mark(), source);
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      out->kind = ConfigNode::Kind::null;
      break;
    case YAML::NodeType::Scalar:
      out->kind = ConfigNode::Kind::scalar;
      out->scalar = node.Scalar();
      out->quoted = node.Tag() == "!";
      break;
    case YAML::NodeType::Sequence:
      out->kind = ConfigNode::Kind::sequence;
      for (const auto& item : node) out->items.push_back(convert(item, source));
      break;
    case YAML::NodeType::Map:
      out->kind = ConfigNode::Kind::map;
      for (const auto& kv : node) {
        const Origin korigin = origin_of(kv.first.Mark(), source);
        if (!kv.first.IsScalar())
          throw ScenarioError(korigin.describe() + ": map keys must be plain names");
        const std::string key = kv.first.Scalar();
        if (out->find(key))
          throw ScenarioError(korigin.describe() + ": duplicate key '" + key + "'");
        out->entries.emplace_back(key, convert(kv.second, source));
        out->key_origins.push_back(korigin);
      }
      break;
  }
  return out;
}

}  // namespace

ConfigPtr parse_yaml(const std::string& text, const std::string& source) {
  try {
    return convert(YAML::Load(text), source);
  } catch (const YAML::Exception& e) {
    throw ScenarioError(source + ":" + std::to_string(e.mark.line + 1) + ":" +
                        std::to_string(e.mark.column + 1) + ": YAML syntax error: " + e.msg);
  }
}

ConfigPtr load_yaml_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ScenarioError(path + ": cannot open scenario file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto root = parse_yaml(buffer.str(), path);
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

// `chain`: canonical path → origin of its `extends` key, for the files being loaded.
ConfigPtr load_chain(const std::string& path, std::map<std::string, Origin>& chain,
                     const Origin* extended_from) {
  std::error_code ec;
  const auto canonical = std::filesystem::weakly_canonical(path, ec).string();
  if (auto it = chain.find(canonical); it != chain.end())
    throw ScenarioError(it->second.describe() +
                        ": key 'extends': cycle of extended files through " + path +
                        " (closed at " + (extended_from ? extended_from->describe() : path) + ")");
  auto node = load_yaml_file(path);
  const ConfigNode* ext = node->find("extends");
  if (!ext) return node;
  const Origin where = *node->key_origin("extends");
  chain[canonical] = where;
  if (ext->kind != ConfigNode::Kind::scalar || ext->scalar.empty())
    throw ScenarioError(where.describe() + ": key 'extends' must be a file name");
  std::filesystem::path base_path(ext->scalar);
  if (base_path.is_relative()) base_path = std::filesystem::path(path).parent_path() / base_path;
  if (!std::filesystem::exists(base_path))
    throw ScenarioError(where.describe() + ": key 'extends': base file '" + ext->scalar +
                        "' not found (looked for " + base_path.string() + ")");
  auto base = load_chain(base_path.string(), chain, &where);
  node->erase("extends");
  merge_into(*base, *node);
  return base;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : path) {
    if (c == '.' || c == '[' || c == ']') {
      if (!cur.empty()) parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) parts.push_back(cur);
  return parts;
}

bool is_index(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

ConfigPtr load_with_extends(const std::string& path) {
  std::map<std::string, Origin> chain;
  return load_chain(path, chain, nullptr);
}

void apply_set(ConfigNode& root, const std::string& assignment) {
  const Origin origin{"--set " + assignment, 0, 0};
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ScenarioError(origin.describe() + ": expected key.path=value");
  const auto parts = split_path(assignment.substr(0, eq));
  if (parts.empty()) throw ScenarioError(origin.describe() + ": empty key path");
  ConfigPtr value;
  try {
    value = convert(YAML::Load(assignment.substr(eq + 1)), origin.file);
  } catch (const YAML::Exception& e) {
    throw ScenarioError(origin.describe() + ": value is not valid YAML: " + e.msg);
  }
  std::function<void(ConfigNode&, const ConfigPtr&)> stamp = [&](ConfigNode& n, const ConfigPtr&) {
    n.origin = origin;
    for (auto& ko : n.key_origins) ko = origin;
    for (auto& [k, v] : n.entries) stamp(*v, v);
    for (auto& item : n.items) stamp(*item, item);
  };
  stamp(*value, value);

  ConfigNode* node = &root;
  std::string walked;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    const bool last = i + 1 == parts.size();
    walked += (walked.empty() ? "" : ".") + part;
    if (node->kind == ConfigNode::Kind::sequence) {
      if (!is_index(part))
        throw ScenarioError(origin.describe() + ": '" + walked + "': expected a list index");
      const auto index = std::stoul(part);
      if (index >= node->items.size())
        throw ScenarioError(origin.describe() + ": '" + walked + "': index " + part +
                            " out of range (list has " + std::to_string(node->items.size()) +
                            " items)");
      if (last) {
        node->items[index] = value;
        return;
      }
      node = node->items[index].get();
      continue;
    }
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
