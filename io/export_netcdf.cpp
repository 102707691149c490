#include "io/export_netcdf.hpp"

#include <hdf5.h>
#include <hdf5_hl.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <set>
#include <string_view>
#include <vector>

#include "io/hdf5_handle.hpp"

namespace ct::io {

namespace {

// Input problems are bad input (exit 2); output problems are runtime failures (exit 3).
hid_t in_check(hid_t id, const std::string& file, const std::string& what) {
  if (id < 0) throw ExportInputError(file + ": cannot read " + what);
  return id;
}
void in_status(herr_t st, const std::string& file, const std::string& what) {
  if (st < 0) throw ExportInputError(file + ": cannot read " + what);
}
hid_t out_check(hid_t id, const std::string& file, const std::string& what) {
  if (id < 0) throw std::runtime_error(file + ": cannot write " + what);
  return id;
}
void out_status(herr_t st, const std::string& file, const std::string& what) {
  if (st < 0) throw std::runtime_error(file + ": cannot write " + what);
}

std::string flat_name(const std::string& path) {
  std::string s = path;
  if (!s.empty() && s.front() == '/') s.erase(0, 1);
  for (char& c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      c = '_';
  return s;
}

// Attributes the HDF5 dimension-scale machinery and netCDF-C manage themselves.
bool internal_attribute(std::string_view name) {
  return name == "CLASS" || name == "NAME" || name == "DIMENSION_LIST" ||
         name == "REFERENCE_LIST" || name == "_Netcdf4Dimid" || name == "_Netcdf4Coordinates" ||
         name == "_NCProperties";
}

std::vector<std::string> attribute_names(hid_t obj) {
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
  };
  if (H5Aiterate2(obj, H5_INDEX_CRT_ORDER, H5_ITER_INC, nullptr, collect, &names) < 0) {
    names.clear();
    H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names);
  }
  return names;
}

// Strings of a string attribute (vlen or fixed length), one per element.
std::vector<std::string> read_strings(hid_t attr, const std::string& file,
                                      const std::string& label) {
  Handle type(in_check(H5Aget_type(attr), file, label), H5Tclose);
  Handle space(in_check(H5Aget_space(attr), file, label), H5Sclose);
  const hssize_t npoints = H5Sget_simple_extent_npoints(space.get());
  if (npoints < 0) throw ExportInputError(file + ": cannot read " + label);
  const auto n = static_cast<std::size_t>(npoints);
  std::vector<std::string> out;
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
    std::vector<char*> ptrs(n, nullptr);
    in_status(H5Aread(attr, mem.get(), ptrs.data()), file, label);
    for (char* p : ptrs) {
      out.emplace_back(p ? p : "");
      if (p) H5free_memory(p);
    }
  } else {
    const std::size_t size = H5Tget_size(type.get());
    std::vector<char> buf(size * n + 1, '\0');
    if (n > 0) in_status(H5Aread(attr, type.get(), buf.data()), file, label);
    for (std::size_t i = 0; i < n; ++i) {
      std::string s(buf.data() + i * size, size);
      out.push_back(s.substr(0, s.find('\0')));
    }
  }
  return out;
}

bool ascii(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 128; });
}

// A netCDF character attribute (NC_CHAR): a fixed-length string, as netCDF-C writes them.
void write_text(hid_t obj, const std::string& name, const std::string& value,
                const std::string& file) {
  Handle type(out_check(H5Tcopy(H5T_C_S1), file, "string type"), H5Tclose);
  H5Tset_size(type.get(), std::max<std::size_t>(value.size(), 1));
  H5Tset_strpad(type.get(), H5T_STR_NULLTERM);
  if (!ascii(value)) H5Tset_cset(type.get(), H5T_CSET_UTF8);
  // An empty text has a null dataspace (netCDF: an attribute of length 0).
  Handle space(out_check(H5Screate(value.empty() ? H5S_NULL : H5S_SCALAR), file, "dataspace"),
               H5Sclose);
  if (H5Aexists(obj, name.c_str()) > 0) H5Adelete(obj, name.c_str());
  Handle attr(
      out_check(H5Acreate2(obj, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                file, "attribute " + name),
      H5Aclose);
  if (!value.empty()) out_status(H5Awrite(attr.get(), type.get(), value.data()), file, name);
}

// A list of texts (netCDF NC_STRING attribute).
void write_text_list(hid_t obj, const std::string& name, const std::vector<std::string>& values,
                     const std::string& file) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  const hsize_t n = values.size();
  Handle space(out_check(H5Screate_simple(1, &n, nullptr), file, "dataspace"), H5Sclose);
  Handle attr(
      out_check(H5Acreate2(obj, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                file, "attribute " + name),
      H5Aclose);
  std::vector<const char*> ptrs;
  for (const auto& v : values) ptrs.push_back(v.c_str());
  out_status(H5Awrite(attr.get(), type.get(), ptrs.data()), file, name);
}

// Copy one attribute, numbers bit for bit (same file type), texts as NC_CHAR (several texts
// as NC_STRING).
void copy_attribute(hid_t src, hid_t dst, const std::string& name, const std::string& in,
                    const std::string& out) {
  Handle attr(in_check(H5Aopen(src, name.c_str(), H5P_DEFAULT), in, "attribute " + name), H5Aclose);
  Handle type(in_check(H5Aget_type(attr.get()), in, "attribute " + name), H5Tclose);
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls == H5T_STRING) {
    const auto texts = read_strings(attr.get(), in, "attribute " + name);
    if (texts.size() == 1)
      write_text(dst, name, texts.front(), out);
    else
      write_text_list(dst, name, texts, out);
    return;
  }
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) return;  // nothing else is written by clustertwin
  Handle space(in_check(H5Aget_space(attr.get()), in, "attribute " + name), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  Handle mem(H5Tget_native_type(type.get(), H5T_DIR_ASCEND), H5Tclose);
  std::vector<unsigned char> buf(static_cast<std::size_t>(std::max<hssize_t>(n, 1)) *
                                 H5Tget_size(mem.get()));
  in_status(H5Aread(attr.get(), mem.get(), buf.data()), in, "attribute " + name);
  if (H5Aexists(dst, name.c_str()) > 0) H5Adelete(dst, name.c_str());
  Handle copy(
      out_check(H5Acreate2(dst, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                out, "attribute " + name),
      H5Aclose);
  out_status(H5Awrite(copy.get(), mem.get(), buf.data()), out, "attribute " + name);
}

std::string netcdf_dimension_only_name(long long length) {
  char tail[16];
  std::snprintf(tail, sizeof tail, "%10lld", length);
  return std::string("This is a netCDF dimension but not a netCDF variable.") + tail;
}

std::vector<hsize_t> dims_of(hid_t ds) {
  Handle space(H5Dget_space(ds), H5Sclose);
  const int nd = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> d(static_cast<std::size_t>(std::max(nd, 0)));
  if (nd > 0) H5Sget_simple_extent_dims(space.get(), d.data(), nullptr);
  return d;
}

// Every dataset of the file (hard links), in creation order where it is tracked.
std::vector<std::string> dataset_paths(hid_t file) {
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5L_info_t* info, void* data) -> herr_t {
    if (info->type == H5L_TYPE_HARD)
      static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
  };
  if (H5Lvisit(file, H5_INDEX_CRT_ORDER, H5_ITER_INC, collect, &names) < 0) {
    names.clear();
    H5Lvisit(file, H5_INDEX_NAME, H5_ITER_INC, collect, &names);
  }
  std::vector<std::string> datasets;
  for (const auto& n : names) {
    Handle obj(H5Oopen(file, n.c_str(), H5P_DEFAULT), H5Oclose);
    if (obj.ok() && H5Iget_type(obj.get()) == H5I_DATASET) datasets.push_back(n);
  }
  return datasets;
}

enum class Shape { time, time_rack, rack, event };

struct Variable {
  std::string path;  // in the input, e.g. facility/power_it_w
  std::string name;  // in the output, e.g. facility_power_it_w
  Shape shape = Shape::time;
};

class Exporter {
 public:
  Exporter(std::string in, std::string out, const ExportOptions& options)
      : in_(std::move(in)), out_(std::move(out)), options_(options) {}

  ExportResult run(const std::string& partial) {
    src_ = Handle(H5Fopen(in_.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!src_.ok()) throw ExportInputError(in_ + ": cannot open as HDF5");
    if (H5Lexists(src_.get(), "time", H5P_DEFAULT) <= 0)
      throw ExportInputError(in_ + ": no /time dataset; not a clustertwin output file");
    time_in_ = Handle(in_check(H5Dopen2(src_.get(), "time", H5P_DEFAULT), in_, "/time"), H5Dclose);
    ntime_ = dims_of(time_in_.get()).at(0);
    if (H5Lexists(src_.get(), "racks", H5P_DEFAULT) > 0 &&
        H5Lexists(src_.get(), "racks/rack", H5P_DEFAULT) > 0)
      rack_in_ = Handle(H5Dopen2(src_.get(), "racks/rack", H5P_DEFAULT), H5Dclose);
    if (options_.events && H5Lexists(src_.get(), "events", H5P_DEFAULT) > 0 &&
        H5Lexists(src_.get(), "events/event", H5P_DEFAULT) > 0)
      event_in_ = Handle(H5Dopen2(src_.get(), "events/event", H5P_DEFAULT), H5Dclose);
    classify();

    const hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18);
    const hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    dst_ = Handle(H5Fcreate(partial.c_str(), H5F_ACC_TRUNC, fcpl, fapl), H5Fclose);
    H5Pclose(fcpl);
    H5Pclose(fapl);
    if (!dst_.ok()) throw std::runtime_error(out_ + ": cannot create " + partial);

    global_attributes();
    time_axis();
    for (const Variable& v : vars_)
      if (v.shape == Shape::time) copy_variable(v);
    if (rack_in_.ok()) rack_axis();
    for (const Variable& v : vars_)
      if (v.shape == Shape::time_rack) copy_variable(v);
    if (event_in_.ok()) event_table();

    ExportResult r;
    r.variables = static_cast<int>(vars_.size()) + 2;  // + time, time_bnds
    r.samples = static_cast<long long>(ntime_);
    r.racks = static_cast<long long>(nracks_);
    r.events = static_cast<long long>(nevents_);
    rack_out_.reset();
    event_out_.reset();
    time_out_.reset();
    out_status(H5Fflush(dst_.get(), H5F_SCOPE_GLOBAL), out_, "data");
    dst_.reset();
    return r;
  }

 private:
  void classify() {
    if (rack_in_.ok()) nracks_ = dims_of(rack_in_.get()).at(0);
    if (event_in_.ok()) nevents_ = dims_of(event_in_.get()).at(0);
    std::set<std::string> taken = {"time", "time_bnds", "bnds", "rack", "event"};
    for (const std::string& path : dataset_paths(src_.get())) {
      if (path == "time" || path == "time_bnds" || path == "bnds" || path == "racks/rack" ||
          path == "events/event")
        continue;
      Handle ds(in_check(H5Dopen2(src_.get(), path.c_str(), H5P_DEFAULT), in_, path), H5Dclose);
      const auto d = dims_of(ds.get());
      Variable v{path, flat_name(path), Shape::time};
      auto attached = [&](const Handle& scale, unsigned idx) {
        return scale.ok() && d.size() > idx && H5DSis_attached(ds.get(), scale.get(), idx) > 0;
      };
      if (d.size() == 1 && attached(time_in_, 0)) {
        v.shape = Shape::time;
      } else if (d.size() == 2 && attached(time_in_, 0) && attached(rack_in_, 1)) {
        v.shape = Shape::time_rack;
      } else if (d.size() == 1 && attached(rack_in_, 0)) {
        v.shape = Shape::rack;
      } else if (d.size() == 1 && attached(event_in_, 0)) {
        v.shape = Shape::event;
      } else {
        continue;  // not on the contract's dimensions (none today)
      }
      if (!taken.insert(v.name).second)
        throw ExportInputError(in_ + ": two variables map to the flat name '" + v.name +
                               "' (rename a job?)");
      vars_.push_back(v);
    }
  }

  void global_attributes() {
    const hid_t root = dst_.get();
    std::string history;
    for (const std::string& name : attribute_names(src_.get())) {
      if (internal_attribute(name)) continue;
      if (name == "history") {
        Handle a(H5Aopen(src_.get(), "history", H5P_DEFAULT), H5Aclose);
        const auto texts = read_strings(a.get(), in_, "attribute history");
        if (!texts.empty()) history = texts.front();
        continue;
      }
      copy_attribute(src_.get(), root, name, in_, out_);
    }
    char now[32];
    const std::time_t t = std::time(nullptr);
    std::strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    // CF: one line per program, the newest first.
    write_text(root, "history",
               std::string(now) + " clustertwin " + CLUSTERTWIN_VERSION + " export " + in_ +
                   " -o " + out_ + (history.empty() ? "" : "\n" + history),
               out_);
    for (const char* group : {"summary", "ensemble"}) {
      if (H5Lexists(src_.get(), group, H5P_DEFAULT) <= 0) continue;
      Handle g(in_check(H5Gopen2(src_.get(), group, H5P_DEFAULT), in_, group), H5Gclose);
      for (const std::string& name : attribute_names(g.get())) {
        Handle a(in_check(H5Aopen(g.get(), name.c_str(), H5P_DEFAULT), in_, name), H5Aclose);
        Handle type(H5Aget_type(a.get()), H5Tclose);
        if (H5Tget_class(type.get()) != H5T_FLOAT && H5Tget_class(type.get()) != H5T_INTEGER)
          continue;
        double v = 0.0;
        in_status(H5Aread(a.get(), H5T_NATIVE_DOUBLE, &v), in_, std::string(group) + "/" + name);
        const std::string flat = std::string(group) + "_" + name;
        Handle space(H5Screate(H5S_SCALAR), H5Sclose);
        Handle attr(out_check(H5Acreate2(root, flat.c_str(), H5T_IEEE_F64LE, space.get(),
                                         H5P_DEFAULT, H5P_DEFAULT),
                              out_, flat),
                    H5Aclose);
        out_status(H5Awrite(attr.get(), H5T_NATIVE_DOUBLE, &v), out_, flat);
      }
    }
  }

  // A new dataset at the root. `unlimited0`: the first dimension can grow (time, as in the
  // native file: CDO treats the unlimited dimension as the record axis).
  Handle create(const std::string& name, hid_t src_ds, hid_t type, const std::vector<hsize_t>& d,
                bool unlimited0, bool compress) {
    Handle space;
    std::vector<hsize_t> maxd = d;
    if (unlimited0 && !d.empty()) maxd[0] = H5S_UNLIMITED;
    space = Handle(
        out_check(H5Screate_simple(static_cast<int>(d.size()), d.data(), maxd.data()), out_, name),
        H5Sclose);
    Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    H5Pset_attr_creation_order(dcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    if (unlimited0) {
      std::vector<hsize_t> chunk = d;
      chunk[0] = d.size() == 1 ? 1024 : 64;
      if (d.size() == 2) chunk[1] = std::clamp<hsize_t>(d[1], 1, 4096);
      out_status(H5Pset_chunk(dcpl.get(), static_cast<int>(d.size()), chunk.data()), out_, name);
      if (compress && options_.deflate > 0) {
        H5Pset_shuffle(dcpl.get());
        H5Pset_deflate(dcpl.get(), static_cast<unsigned>(options_.deflate));
      }
    }
    if (src_ds >= 0) {  // the same fill value as the source (NaN where NaN marks "none")
      Handle sdcpl(H5Dget_create_plist(src_ds), H5Pclose);
      H5D_fill_value_t defined = H5D_FILL_VALUE_UNDEFINED;
      if (sdcpl.ok() && H5Pfill_value_defined(sdcpl.get(), &defined) >= 0 &&
          defined == H5D_FILL_VALUE_USER_DEFINED) {
        std::vector<unsigned char> fill(H5Tget_size(type) + 16);
        if (H5Pget_fill_value(sdcpl.get(), type, fill.data()) >= 0)
          H5Pset_fill_value(dcpl.get(), type, fill.data());
      }
    }
    return Handle(out_check(H5Dcreate2(dst_.get(), name.c_str(), type, space.get(), H5P_DEFAULT,
                                       dcpl.get(), H5P_DEFAULT),
                            out_, name),
                  H5Dclose);
  }

  // Data, in blocks of rows so that a long run's rack × time arrays never sit in memory whole.
  void copy_data(hid_t src, hid_t dst, const std::vector<hsize_t>& d, const std::string& path) {
    if (d.empty() || d[0] == 0) return;
    Handle ftype(H5Dget_type(dst), H5Tclose);  // HDF5 converts on read (int64 → int32, double)
    Handle mem(H5Tget_native_type(ftype.get(), H5T_DIR_ASCEND), H5Tclose);
    const std::size_t elem = H5Tget_size(mem.get());
    const hsize_t width = d.size() == 2 ? d[1] : 1;
    const hsize_t rows_per_block =
        std::max<hsize_t>(1, (64u << 20) / (elem * std::max<hsize_t>(width, 1)));
    std::vector<unsigned char> buf;
    for (hsize_t a = 0; a < d[0]; a += rows_per_block) {
      const hsize_t rows = std::min(rows_per_block, d[0] - a);
      buf.resize(static_cast<std::size_t>(rows * width) * elem);
      hsize_t start[2] = {a, 0}, count[2] = {rows, width};
      Handle mspace(H5Screate_simple(static_cast<int>(d.size()), count, nullptr), H5Sclose);
      Handle sspace(H5Dget_space(src), H5Sclose);
      H5Sselect_hyperslab(sspace.get(), H5S_SELECT_SET, start, nullptr, count, nullptr);
      in_status(H5Dread(src, mem.get(), mspace.get(), sspace.get(), H5P_DEFAULT, buf.data()), in_,
                path);
      Handle dspace(H5Dget_space(dst), H5Sclose);
      H5Sselect_hyperslab(dspace.get(), H5S_SELECT_SET, start, nullptr, count, nullptr);
      out_status(H5Dwrite(dst, mem.get(), mspace.get(), dspace.get(), H5P_DEFAULT, buf.data()),
                 out_, path);
    }
  }

  // Attributes of a variable. `coordinates` is left out: CDO takes the variables it names for
  // horizontal (lon/lat) coordinates and warns that it cannot assign racks_building and
  // racks_hall; they stay in the file as plain per-rack variables.
  void copy_attributes(hid_t src, hid_t dst) {
    for (const std::string& name : attribute_names(src))
      if (!internal_attribute(name) && name != "coordinates")
        copy_attribute(src, dst, name, in_, out_);
  }

  // The output type of a dataset: its own, except 64-bit integers (VTK's netCDF reader, hence
  // ParaView, cannot read NC_INT64): int32 when every value fits, double otherwise.
  Handle output_type(hid_t src, const std::string& path) {
    Handle ftype(H5Dget_type(src), H5Tclose);
    if (H5Tget_class(ftype.get()) != H5T_INTEGER || H5Tget_size(ftype.get()) <= 4)
      return Handle(H5Tcopy(ftype.get()), H5Tclose);
    const auto d = dims_of(src);
    hsize_t n = 1;
    for (hsize_t x : d) n *= x;
    std::vector<long long> v(static_cast<std::size_t>(n));
    if (n > 0)
      in_status(H5Dread(src, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), in_, path);
    const bool fits = std::all_of(
        v.begin(), v.end(), [](long long x) { return x >= -2147483647LL && x <= 2147483647LL; });
    return Handle(H5Tcopy(fits ? H5T_STD_I32LE : H5T_IEEE_F64LE), H5Tclose);
  }

  void time_axis() {
    Handle ftype(H5Dget_type(time_in_.get()), H5Tclose);
    const std::vector<hsize_t> d = {ntime_};
    time_out_ = create("time", time_in_.get(), ftype.get(), d, true, false);
    copy_data(time_in_.get(), time_out_.get(), d, "time");
    copy_attributes(time_in_.get(), time_out_.get());
    if (H5Aexists(time_out_.get(), "bounds") <= 0)
      write_text(time_out_.get(), "bounds", "time_bnds", out_);
    out_status(H5DSset_scale(time_out_.get(), "time"), out_, "time scale");

    const hsize_t two = 2;
    Handle space(H5Screate_simple(1, &two, nullptr), H5Sclose);
    Handle bnds(out_check(H5Dcreate2(dst_.get(), "bnds", H5T_IEEE_F32LE, space.get(), H5P_DEFAULT,
                                     H5P_DEFAULT, H5P_DEFAULT),
                          out_, "bnds"),
                H5Dclose);
    out_status(H5DSset_scale(bnds.get(), netcdf_dimension_only_name(2).c_str()), out_, "bnds");

    const std::vector<hsize_t> bd = {ntime_, 2};
    Handle f64(H5Tcopy(H5T_IEEE_F64LE), H5Tclose);
    Handle tb = create("time_bnds", -1, f64.get(), bd, true, false);
    if (H5Lexists(src_.get(), "time_bnds", H5P_DEFAULT) > 0) {
      Handle src(H5Dopen2(src_.get(), "time_bnds", H5P_DEFAULT), H5Dclose);
      copy_data(src.get(), tb.get(), bd, "time_bnds");
      copy_attributes(src.get(), tb.get());
    } else if (ntime_ > 0) {  // files written before time_bnds: samples are interval ends
      std::vector<double> t(ntime_), b(2 * ntime_);
      in_status(H5Dread(time_in_.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.data()),
                in_, "time");
      const double dt = ntime_ > 1 ? t[1] - t[0] : t[0];
      for (hsize_t i = 0; i < ntime_; ++i) {
        b[2 * i] = i == 0 ? t[0] - dt : t[i - 1];
        b[2 * i + 1] = t[i];
      }
      out_status(H5Dwrite(tb.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, b.data()),
                 out_, "time_bnds");
    }
    out_status(H5DSattach_scale(tb.get(), time_out_.get(), 0), out_, "time_bnds");
    out_status(H5DSattach_scale(tb.get(), bnds.get(), 1), out_, "time_bnds");
  }

  void rack_axis() {
    Handle ftype = output_type(rack_in_.get(), "racks/rack");
    const std::vector<hsize_t> d = {nracks_};
    rack_out_ = create("rack", rack_in_.get(), ftype.get(), d, false, false);
    copy_data(rack_in_.get(), rack_out_.get(), d, "racks/rack");
    copy_attributes(rack_in_.get(), rack_out_.get());
    out_status(H5DSset_scale(rack_out_.get(), "rack"), out_, "rack scale");
    for (const Variable& v : vars_)
      if (v.shape == Shape::rack) copy_variable(v);
  }

  void event_table() {
    Handle ftype = output_type(event_in_.get(), "events/event");
    const std::vector<hsize_t> d = {nevents_};
    // A run without events gets an empty `event` dimension; it must be unlimited in netCDF-4.
    event_out_ = create("event", event_in_.get(), ftype.get(), d, nevents_ == 0, false);
    copy_data(event_in_.get(), event_out_.get(), d, "events/event");
    copy_attributes(event_in_.get(), event_out_.get());
    out_status(H5DSset_scale(event_out_.get(), "event"), out_, "event scale");
    for (const Variable& v : vars_)
      if (v.shape == Shape::event) copy_variable(v);
  }

  void copy_variable(const Variable& v) {
    Handle src(in_check(H5Dopen2(src_.get(), v.path.c_str(), H5P_DEFAULT), in_, v.path), H5Dclose);
    Handle ftype = output_type(src.get(), v.path);
    std::vector<hsize_t> d = dims_of(src.get());
    const bool timed = v.shape == Shape::time || v.shape == Shape::time_rack;
    // The native file may hold rows past the last /time sample (a resumed run rewrites them).
    if (timed) d[0] = ntime_;
    if (v.shape == Shape::event) d[0] = nevents_;
    Handle dst =
        create(v.name, src.get(), ftype.get(), d,
               timed || (v.shape == Shape::event && nevents_ == 0), v.shape == Shape::time_rack);
    copy_data(src.get(), dst.get(), d, v.path);
    copy_attributes(src.get(), dst.get());
    switch (v.shape) {
      case Shape::time:
        out_status(H5DSattach_scale(dst.get(), time_out_.get(), 0), out_, v.name);
        break;
      case Shape::time_rack:
        out_status(H5DSattach_scale(dst.get(), time_out_.get(), 0), out_, v.name);
        out_status(H5DSattach_scale(dst.get(), rack_out_.get(), 1), out_, v.name);
        break;
      case Shape::rack:
        out_status(H5DSattach_scale(dst.get(), rack_out_.get(), 0), out_, v.name);
        break;
      case Shape::event:
        out_status(H5DSattach_scale(dst.get(), event_out_.get(), 0), out_, v.name);
        break;
    }
  }

  std::string in_, out_;
  ExportOptions options_;
  Handle src_, dst_, time_in_, rack_in_, event_in_, time_out_, rack_out_, event_out_;
  hsize_t ntime_ = 0, nracks_ = 0, nevents_ = 0;
  std::vector<Variable> vars_;
};

}  // namespace

ExportResult export_flat_netcdf(const std::string& input, const std::string& output,
                                const ExportOptions& options) {
  namespace fs = std::filesystem;
  if (!fs::exists(input)) throw ExportInputError(input + ": no such file");
  std::error_code ec;
  if (fs::exists(output) && fs::equivalent(input, output, ec))
    throw ExportInputError(output + ": is the input file; choose another output name");
  const std::string partial = output + ".partial";
  QuietHdf5 quiet;
  ExportResult result;
  try {
    Exporter ex(input, output, options);
    result = ex.run(partial);
  } catch (...) {
    fs::remove(partial, ec);
    throw;
  }
  fs::rename(partial, output, ec);
  if (ec) {
    fs::remove(partial, ec);
    throw std::runtime_error("cannot rename " + partial + " to " + output);
  }
  return result;
}

}  // namespace ct::io
