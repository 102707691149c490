#include "io/summarize.hpp"

#include <hdf5.h>

#include <charconv>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "io/hdf5_handle.hpp"

namespace ct::io {

namespace {

std::string number_text(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

template <class Int>
std::string int_text(Int v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

[[noreturn]] void fail(const std::string& file, const std::string& what) {
  throw std::runtime_error(file + ": " + what);
}

// Read an attribute as cell text: strings as they are, integers in decimal, floats shortest;
// an attribute with several elements as a JSON-like list "[a, b]".
std::string read_attribute_text(hid_t attr, const std::string& file, const std::string& label) {
  Handle type(H5Aget_type(attr), H5Tclose);
  Handle space(H5Aget_space(attr), H5Sclose);
  if (!type.ok() || !space.ok()) fail(file, "cannot read attribute " + label);
  const hssize_t npoints = H5Sget_simple_extent_npoints(space.get());
  if (npoints < 0) fail(file, "cannot read attribute " + label);
  const auto n = static_cast<std::size_t>(npoints);
  const H5T_class_t cls = H5Tget_class(type.get());

  std::vector<std::string> cells;
  if (cls == H5T_STRING) {
    if (H5Tis_variable_str(type.get()) > 0) {
      Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
      H5Tset_size(mem.get(), H5T_VARIABLE);
      H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
      std::vector<char*> ptrs(n, nullptr);
      if (H5Aread(attr, mem.get(), ptrs.data()) < 0) fail(file, "cannot read attribute " + label);
      for (char* p : ptrs) {
        cells.emplace_back(p ? p : "");
        if (p) H5free_memory(p);
      }
    } else {
      const std::size_t size = H5Tget_size(type.get());
      if (size == 0) fail(file, "cannot read attribute " + label);
      std::vector<char> buf(size * n + 1, '\0');
      Handle mem(H5Tcopy(type.get()), H5Tclose);
      if (H5Aread(attr, mem.get(), buf.data()) < 0) fail(file, "cannot read attribute " + label);
      for (std::size_t i = 0; i < n; ++i) {
        std::string s(buf.data() + i * size, size);
        s = s.substr(0, s.find('\0'));
        while (!s.empty() && s.back() == ' ') s.pop_back();  // space-padded strings
        cells.push_back(s);
      }
    }
  } else if (cls == H5T_INTEGER) {
    const bool is_unsigned = H5Tget_sign(type.get()) == H5T_SGN_NONE;
    if (is_unsigned) {
      std::vector<unsigned long long> v(n);
      if (H5Aread(attr, H5T_NATIVE_ULLONG, v.data()) < 0)
        fail(file, "cannot read attribute " + label);
      for (auto x : v) cells.push_back(int_text(x));
    } else {
      std::vector<long long> v(n);
      if (H5Aread(attr, H5T_NATIVE_LLONG, v.data()) < 0)
        fail(file, "cannot read attribute " + label);
      for (auto x : v) cells.push_back(int_text(x));
    }
  } else if (cls == H5T_FLOAT) {
    std::vector<double> v(n);
    if (H5Aread(attr, H5T_NATIVE_DOUBLE, v.data()) < 0)
      fail(file, "cannot read attribute " + label);
    for (double x : v) cells.push_back(number_text(x));
  } else if (cls == H5T_ENUM || cls == H5T_BITFIELD) {
    std::vector<long long> v(n);
    if (H5Aread(attr, H5T_NATIVE_LLONG, v.data()) < 0) fail(file, "cannot read attribute " + label);
    for (auto x : v) cells.push_back(int_text(x));
  } else {
    return "";  // compound, reference, ...: not a summary figure
  }
  if (H5Sget_simple_extent_type(space.get()) == H5S_SCALAR || cells.size() == 1)
    return cells.empty() ? "" : cells.front();
  std::string out = "[";
  for (std::size_t i = 0; i < cells.size(); ++i) out += (i ? ", " : "") + cells[i];
  return out + "]";
}

std::optional<std::string> root_attribute(hid_t file_id, const char* name,
                                          const std::string& file) {
  const htri_t exists = H5Aexists(file_id, name);
  if (exists < 0) fail(file, std::string("cannot query root attribute ") + name);
  if (exists == 0) return std::nullopt;
  Handle attr(H5Aopen(file_id, name, H5P_DEFAULT), H5Aclose);
  if (!attr.ok()) fail(file, std::string("cannot open root attribute ") + name);
  return read_attribute_text(attr.get(), file, std::string("/") + name);
}

herr_t collect_name(hid_t, const char* name, const H5A_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->emplace_back(name);
  return 0;
}

// All attributes of a group (creation order when tracked, else name order); empty if absent.
std::vector<std::pair<std::string, std::string>> group_attributes(hid_t file_id,
                                                                  const std::string& group,
                                                                  const std::string& file) {
  std::vector<std::pair<std::string, std::string>> out;
  const htri_t exists = H5Lexists(file_id, group.c_str(), H5P_DEFAULT);
  if (exists <= 0) return out;
  Handle g(H5Gopen2(file_id, group.c_str(), H5P_DEFAULT), H5Gclose);
  if (!g.ok()) return out;  // e.g. a dataset of that name: not the summary group
  unsigned order_flags = 0;
  {
    Handle gcpl(H5Gget_create_plist(g.get()), H5Pclose);
    if (gcpl.ok()) H5Pget_attr_creation_order(gcpl.get(), &order_flags);
  }
  const H5_index_t index =
      (order_flags & H5P_CRT_ORDER_TRACKED) ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
  std::vector<std::string> names;
  if (H5Aiterate2(g.get(), index, H5_ITER_INC, nullptr, collect_name, &names) < 0) {
    names.clear();
    if (H5Aiterate2(g.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_name, &names) < 0)
      fail(file, "cannot list the attributes of /" + group);
  }
  for (const auto& name : names) {
    Handle attr(H5Aopen(g.get(), name.c_str(), H5P_DEFAULT), H5Aclose);
    if (!attr.ok()) fail(file, "cannot open attribute /" + group + "/" + name);
    out.emplace_back(name, read_attribute_text(attr.get(), file, "/" + group + "@" + name));
  }
  return out;
}

// --- a small JSON reader for the flat `sweep_parameters` object -----------------------------

class JsonReader {
 public:
  JsonReader(const std::string& text, const std::string& file) : s_(text), file_(file) {}

  std::vector<std::pair<std::string, std::string>> object_cells() {
    std::vector<std::pair<std::string, std::string>> out;
    ws();
    expect('{');
    ws();
    if (peek() == '}') {
      ++i_;
    } else {
      for (;;) {
        ws();
        std::string key = string();
        ws();
        expect(':');
        ws();
        std::string cell = value_cell();
        bool replaced = false;
        for (auto& [k, v] : out)
          if (k == key) v = cell, replaced = true;
        if (!replaced) out.emplace_back(std::move(key), std::move(cell));
        ws();
        if (peek() == ',') {
          ++i_;
          continue;
        }
        expect('}');
        break;
      }
    }
    ws();
    if (i_ != s_.size()) error("trailing characters");
    return out;
  }

 private:
  [[noreturn]] void error(const std::string& what) const {
    fail(file_, "root attribute sweep_parameters is not a JSON object (" + what + " at character " +
                    std::to_string(i_ + 1) + ")");
  }
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }
  void expect(char c) {
    if (peek() != c) error(std::string("expected '") + c + "'");
    ++i_;
  }
  static void utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  unsigned hex4() {
    if (i_ + 4 > s_.size()) error("short \\u escape");
    unsigned v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = s_[i_++];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= static_cast<unsigned>(c - 'A' + 10);
      else
        error("bad \\u escape");
    }
    return v;
  }
  std::string string() {
    expect('"');
    std::string out;
    for (;;) {
      if (i_ >= s_.size()) error("unterminated string");
      const char c = s_[i_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) error("unterminated string");
      const char e = s_[i_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && peek() == '\\' && i_ + 1 < s_.size() &&
              s_[i_ + 1] == 'u') {
            i_ += 2;
            const unsigned lo = hex4();
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          utf8(out, cp);
          break;
        }
        default:
          error("bad escape");
      }
    }
  }
  // Skip one JSON value and return its text with whitespace outside strings removed.
  std::string raw_value() {
    std::string out;
    int depth = 0;
    do {
      ws();
      const char c = peek();
      if (c == '\0') error("unexpected end");
      if (c == '"') {
        const std::size_t start = i_;
        string();
        out.append(s_, start, i_ - start);
      } else if (c == '{' || c == '[') {
        ++depth;
        out += c;
        ++i_;
      } else if (c == '}' || c == ']') {
        if (--depth < 0) error("unbalanced brackets");
        out += c;
        ++i_;
      } else if (c == ',' || c == ':') {
        if (depth == 0) break;
        out += c;
        ++i_;
      } else {
        const std::size_t start = i_;
        while (i_ < s_.size() &&
               std::string_view(",:{}[] \t\r\n\"").find(s_[i_]) == std::string_view::npos)
          ++i_;
        if (i_ == start) error("unexpected character");
        out.append(s_, start, i_ - start);
      }
    } while (depth > 0);
    return out;
  }
  std::string value_cell() {
    if (peek() == '"') return string();
    std::string raw = raw_value();
    if (raw == "null") return "";
    return raw;
  }

  const std::string& s_;
  const std::string& file_;
  std::size_t i_ = 0;
};

// --- CSV ------------------------------------------------------------------------------------

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos &&
      (s.empty() || (s.front() != ' ' && s.back() != ' ')))
    return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void add_names(std::vector<std::string>& names,
               const std::vector<std::pair<std::string, std::string>>& values) {
  for (const auto& [k, v] : values) {
    bool have = false;
    for (const auto& n : names)
      if (n == k) have = true;
    if (!have) names.push_back(k);
  }
}

const std::string* lookup(const std::vector<std::pair<std::string, std::string>>& values,
                          const std::string& key) {
  for (const auto& [k, v] : values)
    if (k == key) return &v;
  return nullptr;
}

}  // namespace

RunSummary read_run_summary(const std::string& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) fail(file, "no such file");
  if (std::filesystem::is_directory(file, ec)) fail(file, "is a directory, not an HDF5 file");
  QuietHdf5 quiet;
  if (H5Fis_hdf5(file.c_str()) <= 0) fail(file, "not an HDF5 file (or unreadable)");
  Handle f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!f.ok()) fail(file, "cannot open as HDF5 (unreadable, truncated or locked)");

  RunSummary r;
  r.file = file;
  r.name = root_attribute(f.get(), "name", file);
  r.seed = root_attribute(f.get(), "seed", file);
  if (auto idx = root_attribute(f.get(), "sweep_index", file)) {
    long long v = 0;
    const auto res = std::from_chars(idx->data(), idx->data() + idx->size(), v);
    if (res.ec != std::errc() || res.ptr != idx->data() + idx->size())
      fail(file, "root attribute sweep_index is not an integer ('" + *idx + "')");
    r.sweep_index = v;
  }
  if (auto json = root_attribute(f.get(), "sweep_parameters", file))
    r.sweep_parameters = JsonReader(*json, file).object_cells();
  r.summary = group_attributes(f.get(), "summary", file);
  r.ensemble = group_attributes(f.get(), "ensemble", file);
  return r;
}

void write_summary_csv(const std::vector<RunSummary>& runs, std::ostream& csv) {
  std::vector<std::string> params, summary, ensemble;
  for (const auto& r : runs) {
    add_names(params, r.sweep_parameters);
    add_names(summary, r.summary);
    add_names(ensemble, r.ensemble);
  }
  // A swept key path that is also a fixed column (e.g. `seed`) is written once, as the fixed one.
  // `sweep_keys` lists the key paths the row's run swept (space-separated), so that a reader of
  // the table knows which columns are parameters without guessing from their names.
  const std::vector<std::string> fixed{"file", "name", "sweep_index", "seed", "sweep_keys"};
  std::vector<std::string> columns = fixed;
  std::vector<std::string> used = fixed;
  auto add_unique = [&](const std::vector<std::string>& names) {
    for (const auto& n : names) {
      bool dup = false;
      for (const auto& u : used)
        if (u == n) dup = true;
      if (!dup) {
        columns.push_back(n);
        used.push_back(n);
      }
    }
  };
  add_unique(params);
  const std::size_t n_param_end = columns.size();
  add_unique(summary);
  const std::size_t n_summary_end = columns.size();
  add_unique(ensemble);

  for (std::size_t c = 0; c < columns.size(); ++c) csv << (c ? "," : "") << csv_cell(columns[c]);
  csv << "\n";
  for (const auto& r : runs) {
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const std::string& col = columns[c];
      std::string cell;
      if (col == "file") {
        cell = r.file;
      } else if (col == "name") {
        cell = r.name.value_or("");
      } else if (col == "sweep_index") {
        cell = r.sweep_index ? int_text(*r.sweep_index) : "";
      } else if (col == "seed") {
        if (r.seed)
          cell = *r.seed;
        else if (const auto* v = lookup(r.sweep_parameters, "seed"))
          cell = *v;
      } else if (col == "sweep_keys") {
        for (const auto& [k, v] : r.sweep_parameters) cell += (cell.empty() ? "" : " ") + k;
      } else {
        const auto& source = c < n_param_end     ? r.sweep_parameters
                             : c < n_summary_end ? r.summary
                                                 : r.ensemble;
        if (const auto* v = lookup(source, col)) cell = *v;
      }
      csv << (c ? "," : "") << csv_cell(cell);
    }
    csv << "\n";
  }
  csv.flush();
  if (!csv) throw std::runtime_error("summarize: cannot write the CSV table");
}

void summarize(const std::vector<std::string>& files, std::ostream& csv) {
  if (files.empty()) throw std::runtime_error("summarize: no input files");
  std::vector<RunSummary> runs;
  runs.reserve(files.size());
  for (const auto& f : files) runs.push_back(read_run_summary(f));
  write_summary_csv(runs, csv);
}

}  // namespace ct::io
