#include "io/hdf5_output.hpp"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <stdexcept>
#include <thread>

#include "io/input_file.hpp"
#include "io/output_target.hpp"
#include "io/rack_columns.hpp"

namespace ct::io {

namespace {

// Any HDF5 failure is a runtime (I/O) failure: exit status 3.
hid_t check(hid_t id, const char* what) {
  if (id < 0) throw std::runtime_error(std::string("HDF5 error: ") + what);
  return id;
}
void check_status(herr_t status, const char* what) {
  if (status < 0) throw std::runtime_error(std::string("HDF5 error: ") + what);
}

hid_t native_type(StoreType t) {
  switch (t) {
    case StoreType::f64:
      return H5T_NATIVE_DOUBLE;
    case StoreType::f32:
      return H5T_NATIVE_FLOAT;
    case StoreType::i8:
      return H5T_NATIVE_INT8;
    case StoreType::i16:
      return H5T_NATIVE_INT16;
    case StoreType::i64:
      return H5T_NATIVE_INT64;
  }
  return H5T_NATIVE_DOUBLE;
}

hid_t file_type(StoreType t) {
  switch (t) {
    case StoreType::f64:
      return H5T_IEEE_F64LE;
    case StoreType::f32:
      return H5T_IEEE_F32LE;
    case StoreType::i8:
      return H5T_STD_I8LE;
    case StoreType::i16:
      return H5T_STD_I16LE;
    case StoreType::i64:
      return H5T_STD_I64LE;
  }
  return H5T_IEEE_F64LE;
}

// Variable-length UTF-8: h5py returns str, netCDF reads a string attribute.
void text_attribute(hid_t obj, const std::string& name, const std::string& value) {
  const hid_t type = check(H5Tcopy(H5T_C_S1), "string type");
  check_status(H5Tset_size(type, H5T_VARIABLE), "string size");
  check_status(H5Tset_cset(type, H5T_CSET_UTF8), "string charset");
  const hid_t space = check(H5Screate(H5S_SCALAR), "scalar space");
  if (H5Aexists(obj, name.c_str()) > 0) H5Adelete(obj, name.c_str());
  const hid_t attr = check(H5Acreate2(obj, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT),
                           "create attribute");
  const char* text = value.c_str();
  check_status(H5Awrite(attr, type, &text), "write attribute");
  H5Aclose(attr);
  H5Sclose(space);
  H5Tclose(type);
}

// A list of strings (netCDF-4: an NC_STRING attribute with one value per element).
void text_array_attribute(hid_t obj, const std::string& name,
                          const std::vector<std::string>& values) {
  const hid_t type = check(H5Tcopy(H5T_C_S1), "string type");
  check_status(H5Tset_size(type, H5T_VARIABLE), "string size");
  check_status(H5Tset_cset(type, H5T_CSET_UTF8), "string charset");
  const hsize_t n = values.size();
  const hid_t space = check(H5Screate_simple(1, &n, nullptr), "attribute space");
  if (H5Aexists(obj, name.c_str()) > 0) H5Adelete(obj, name.c_str());
  const hid_t attr = check(H5Acreate2(obj, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT),
                           "create attribute");
  std::vector<const char*> ptrs;
  for (const auto& v : values) ptrs.push_back(v.c_str());
  check_status(H5Awrite(attr, type, ptrs.data()), "write attribute");
  H5Aclose(attr);
  H5Sclose(space);
  H5Tclose(type);
}

template <typename T>
void number_attribute(hid_t obj, const std::string& name, hid_t ftype, hid_t mtype, T value) {
  const hid_t space = check(H5Screate(H5S_SCALAR), "scalar space");
  if (H5Aexists(obj, name.c_str()) > 0) H5Adelete(obj, name.c_str());
  const hid_t attr = check(H5Acreate2(obj, name.c_str(), ftype, space, H5P_DEFAULT, H5P_DEFAULT),
                           "create attribute");
  check_status(H5Awrite(attr, mtype, &value), "write attribute");
  H5Aclose(attr);
  H5Sclose(space);
}

void int_array_attribute(hid_t obj, const std::string& name, hid_t ftype,
                         const std::vector<std::int64_t>& values) {
  const hsize_t n = values.size();
  const hid_t space = check(H5Screate_simple(1, &n, nullptr), "attribute space");
  const hid_t attr = check(H5Acreate2(obj, name.c_str(), ftype, space, H5P_DEFAULT, H5P_DEFAULT),
                           "create attribute");
  check_status(H5Awrite(attr, H5T_NATIVE_INT64, values.data()), "write attribute");
  H5Aclose(attr);
  H5Sclose(space);
}

hid_t group_create_plist() {
  const hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
  H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  H5Pset_attr_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  return gcpl;
}

std::size_t store_size(StoreType t) {
  switch (t) {
    case StoreType::f64:
    case StoreType::i64:
      return 8;
    case StoreType::f32:
      return 4;
    case StoreType::i16:
      return 2;
    case StoreType::i8:
      return 1;
  }
  return 8;
}

constexpr double kEventRowBytes = 8 + 8 + 1 + 2 + 8 + 8 + 2 + 8;  // index and columns

// HDF5 object headers, attributes and chunk indices: a generous allowance per dataset.
double metadata_bytes(std::size_t series, std::int64_t racks) {
  return 16384.0 * static_cast<double>(series + 16) + 64.0 * static_cast<double>(racks);
}

// CLUSTERTWIN_IO_PREFLIGHT=0 turns the free-space check off (to test the HDF5 failure path).
bool preflight_enabled() {
  const char* v = std::getenv("CLUSTERTWIN_IO_PREFLIGHT");
  return !(v && std::string(v) == "0");
}

// Seconds a rank whose write failed waits for the others (CLUSTERTWIN_IO_TIMEOUT_S, default 60).
double io_timeout_s() {
  const char* v = std::getenv("CLUSTERTWIN_IO_TIMEOUT_S");
  if (!v) return 60.0;
  char* end = nullptr;
  const double t = std::strtod(v, &end);
  return end != v && std::isfinite(t) && t > 0 ? t : 60.0;
}

// After a failed HDF5 call the ranks' HDF5 states may differ, and closing the file together
// could hang: if this process still runs after the timeout, it ends with status 3.
void exit_watchdog(double seconds, int rank) {
  std::thread([seconds, rank] {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    std::fprintf(stderr,
                 "clustertwin: rank %d did not finish within %.0f s after an output failure: "
                 "exiting with status 3\n",
                 rank, seconds);
    std::fflush(stderr);
    std::_Exit(3);
  }).detach();
}

std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

// netCDF-4 marks a dimension that has no coordinate variable by this NAME on its scale dataset
// (the length follows, printed %10d); netCDF-C, h5netcdf and xarray then hide the dataset.
std::string netcdf_dimension_only_name(std::int64_t length) {
  char tail[16];
  std::snprintf(tail, sizeof tail, "%10lld", static_cast<long long>(length));
  return std::string("This is a netCDF dimension but not a netCDF variable.") + tail;
}

}  // namespace

struct OutputFile::Impl {
  hid_t file = -1;
  hid_t dxpl = -1;
  hid_t time_ds = -1;
  hid_t time_bnds_ds = -1;  // (time, bnds): [start, end] of each output interval
  hid_t rack_ds = -1;
  std::vector<hid_t> series_ds;
  std::map<std::string, hid_t> groups;
  std::vector<hid_t> event_ds;  // event index, then the columns
  std::vector<StoreType> event_types;
  std::string failed;  // the first failed collective call of the current step
  int rank = 0, ranks = 1;
  double timeout_s = 60.0;
  bool watchdog = false;

  void soft(herr_t status, const char* what) {
    if (status >= 0 || !failed.empty()) return;
    failed = std::string("HDF5 error: ") + what;
    // The calls that follow may wait for ranks that left an internal HDF5 collective: never
    // longer than twice the timeout.
    if (ranks > 1 && !watchdog) {
      watchdog = true;
      exit_watchdog(2 * timeout_s, rank);
    }
  }

  hid_t group(const std::string& path) {
    if (path.empty()) return file;
    auto it = groups.find(path);
    if (it != groups.end()) return it->second;
    const hid_t parent = group(parent_of(path));
    const std::string leaf = path.substr(path.rfind('/') + 1);
    // A resumed run's file already holds the groups of its series (e.g. /storage).
    if (H5Lexists(parent, leaf.c_str(), H5P_DEFAULT) > 0)
      return groups[path] = check(H5Gopen2(parent, leaf.c_str(), H5P_DEFAULT), "open group");
    const hid_t gcpl = group_create_plist();
    const hid_t g =
        check(H5Gcreate2(parent, leaf.c_str(), H5P_DEFAULT, gcpl, H5P_DEFAULT), "create group");
    H5Pclose(gcpl);
    groups[path] = g;
    return g;
  }

  hid_t dataset(const std::string& path, StoreType type, int rank_dims, const hsize_t* dims,
                const hsize_t* maxdims, const hsize_t* chunk,
                std::optional<double> fill = std::nullopt) {
    const hid_t parent = group(parent_of(path));
    const std::string leaf = path.substr(path.rfind('/') + 1);
    const hid_t space = check(H5Screate_simple(rank_dims, dims, maxdims), "dataspace");
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_attr_creation_order(dcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    // Every element is written right after its rows are added: no fill writes. (Parallel HDF5
    // otherwise writes fill values collectively when it extends a dataset, and a failure there
    // on one rank leaves the others waiting in its barrier.)
    check_status(H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER), "fill time");
    if (chunk) check_status(H5Pset_chunk(dcpl, rank_dims, chunk), "chunk");
    if (fill) {
      if (type != StoreType::f64 && type != StoreType::f32)
        throw std::logic_error("a _FillValue is only supported on float series: " + path);
      check_status(H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &*fill), "fill value");
    }
    const hid_t ds = check(
        H5Dcreate2(parent, leaf.c_str(), file_type(type), space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
        "create dataset");
    H5Pclose(dcpl);
    H5Sclose(space);
    return ds;
  }

  // Append `count` rows (each `width` wide, starting at column `col0` of `total_width`) to a
  // dataset that has `rows_before` rows. Ranks with nothing to write pass count 0 / width 0.
  void append(hid_t ds, int rank_dims, hsize_t rows_before, hsize_t rows_after, hsize_t total_width,
              hsize_t col0, hsize_t width, hsize_t count, const void* data, StoreType type) {
    // Grow only: a resumed run rewrites rows past its restart point with the same values, and
    // shrinking a chunked dataset under parallel HDF5 can let a chunk fill overwrite them.
    hsize_t cur[2] = {0, 0};
    const hid_t cur_space = H5Dget_space(ds);
    H5Sget_simple_extent_dims(cur_space, cur, nullptr);
    H5Sclose(cur_space);
    hsize_t new_dims[2] = {std::max(rows_after, cur[0]), total_width};
    // Collective calls: a failure is recorded and the sequence goes on, so every rank keeps
    // making the same collective calls (one rank leaving them would leave the others waiting).
    if (new_dims[0] != cur[0]) soft(H5Dset_extent(ds, new_dims), "extend dataset");
    const hid_t fspace = check(H5Dget_space(ds), "file space");
    hsize_t start[2] = {rows_before, col0};
    hsize_t block[2] = {count, width};
    hsize_t mdims[2] = {std::max<hsize_t>(count, 1), std::max<hsize_t>(width, 1)};
    const hid_t mspace = check(H5Screate_simple(rank_dims, mdims, nullptr), "memory space");
    if (count == 0 || (rank_dims == 2 && width == 0)) {
      H5Sselect_none(fspace);
      H5Sselect_none(mspace);
    } else {
      check_status(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, nullptr, block, nullptr),
                   "select");
    }
    soft(H5Dwrite(ds, native_type(type), mspace, fspace, dxpl, data), "write dataset");
    H5Sclose(mspace);
    H5Sclose(fspace);
  }
};

OutputFile::OutputFile(MPI_Comm comm, std::string final_path, const OutputMeta& meta,
                       std::vector<SeriesSpec> series, RackLayout racks,
                       std::int64_t flush_every_samples)
    : comm_(comm),
      final_path_(std::move(final_path)),
      partial_path_(final_path_ + ".partial"),
      specs_(std::move(series)),
      racks_(std::move(racks)),
      flush_every_(std::max<std::int64_t>(flush_every_samples, 1)),
      output_interval_s_(meta.output_interval_s),
      impl_(new Impl),
      io_timeout_s_(io_timeout_s()) {
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &impl_->ranks);
  impl_->rank = rank_;
  impl_->timeout_s = io_timeout_s_;
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors become exceptions, not stderr noise
  // Room for the metadata and the rack tables, then the file, agreed by every rank.
  run_step(metadata_bytes(specs_.size(), racks_.total_racks), [&] { create(meta); });
}

void OutputFile::create(const OutputMeta& meta) {
  const hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_fapl_mpio(fapl, comm_, MPI_INFO_NULL);
  H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18);
  const hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
  H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  impl_->file = H5Fcreate(partial_path_.c_str(), H5F_ACC_TRUNC, fcpl, fapl);
  H5Pclose(fcpl);
  H5Pclose(fapl);
  if (impl_->file < 0) throw std::runtime_error("cannot create output file " + partial_path_);
  impl_->dxpl = H5Pcreate(H5P_DATASET_XFER);
  H5Pset_dxpl_mpio(impl_->dxpl, H5FD_MPIO_COLLECTIVE);

  const hid_t root = impl_->file;
  text_attribute(root, "Conventions", "CF-1.8");
  text_attribute(root, "title", meta.title);
  text_attribute(root, "history", meta.history);
  number_attribute<std::int32_t>(root, "schema_version", H5T_STD_I32LE, H5T_NATIVE_INT32, 1);
  text_attribute(root, "clustertwin_version", CLUSTERTWIN_VERSION);
  text_attribute(root, "name", meta.scenario_name);
  text_attribute(root, "scenario", meta.scenario_yaml);
  number_attribute<std::uint64_t>(root, "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, meta.seed);
  number_attribute<std::int32_t>(root, "mpi_ranks", H5T_STD_I32LE, H5T_NATIVE_INT32,
                                 meta.mpi_ranks);
  for (const auto& [k, v] : meta.extra_text) text_attribute(root, k, v);
  for (const auto& [k, v] : meta.extra_int)
    number_attribute<std::int64_t>(root, k, H5T_STD_I64LE, H5T_NATIVE_INT64, v);

  // time axis
  const hsize_t zero = 0, unlimited = H5S_UNLIMITED, time_chunk = 1024;
  impl_->time_ds = impl_->dataset("time", StoreType::f64, 1, &zero, &unlimited, &time_chunk);
  text_attribute(impl_->time_ds, "units", "seconds since " + meta.start_iso);
  text_attribute(impl_->time_ds, "long_name", "time at the end of the output interval");
  text_attribute(impl_->time_ds, "standard_name", "time");
  text_attribute(impl_->time_ds, "calendar", "standard");
  text_attribute(impl_->time_ds, "axis", "T");
  text_attribute(impl_->time_ds, "bounds", "time_bnds");
  check_status(H5DSset_scale(impl_->time_ds, "time"), "time scale");

  // Samples summarise the interval that ends at them: CF cell bounds [t − Δ, t] in time_bnds,
  // over a two-element dimension `bnds` that has no coordinate variable.
  {
    const hsize_t two = 2;
    const hid_t bnds = impl_->dataset("bnds", StoreType::f32, 1, &two, nullptr, nullptr);
    check_status(H5DSset_scale(bnds, netcdf_dimension_only_name(2).c_str()), "bnds scale");
    const hsize_t dims[2] = {0, 2}, maxd[2] = {H5S_UNLIMITED, 2}, chunk[2] = {1024, 2};
    impl_->time_bnds_ds = impl_->dataset("time_bnds", StoreType::f64, 2, dims, maxd, chunk);
    text_attribute(impl_->time_bnds_ds, "units", "seconds since " + meta.start_iso);
    text_attribute(impl_->time_bnds_ds, "calendar", "standard");
    text_attribute(impl_->time_bnds_ds, "long_name", "start and end of the output interval");
    check_status(H5DSattach_scale(impl_->time_bnds_ds, impl_->time_ds, 0), "attach time scale");
    check_status(H5DSattach_scale(impl_->time_bnds_ds, bnds, 1), "attach bnds scale");
    H5Dclose(bnds);
  }

  // rack axis and metadata
  const bool any_rack_series =
      std::any_of(specs_.begin(), specs_.end(), [](const SeriesSpec& s) { return s.rack_series; });
  const hsize_t nracks = static_cast<hsize_t>(racks_.total_racks);
  if (any_rack_series) {
    impl_->rack_ds = impl_->dataset("racks/rack", StoreType::i64, 1, &nracks, nullptr, nullptr);
    text_attribute(impl_->rack_ds, "long_name", "global rack id");
    text_attribute(impl_->rack_ds, "units", "1");
    check_status(H5DSset_scale(impl_->rack_ds, "rack"), "rack scale");
    std::vector<std::int64_t> ids(nracks);
    for (hsize_t i = 0; i < nracks; ++i) ids[i] = static_cast<std::int64_t>(i);
    const hsize_t col0 = 0;
    auto write_meta = [&](hid_t ds, const void* data, StoreType type) {
      const hid_t fspace = H5Dget_space(ds);
      if (rank_ != 0) H5Sselect_none(fspace);
      const hid_t mspace = H5Screate_simple(1, &nracks, nullptr);
      if (rank_ != 0) H5Sselect_none(mspace);
      (void)col0;
      check_status(H5Dwrite(ds, native_type(type), mspace, fspace, impl_->dxpl, data),
                   "write rack metadata");
      H5Sclose(mspace);
      H5Sclose(fspace);
    };
    write_meta(impl_->rack_ds, ids.data(), StoreType::i64);
    const std::pair<const char*, const std::vector<std::int32_t>*> meta_sets[] = {
        {"building", &racks_.building},
        {"hall", &racks_.hall},
        {"index_in_hall", &racks_.index_in_hall}};
    const char* meta_names[] = {"building index of the rack", "global hall index of the rack",
                                "position of the rack in its hall row"};
    if (!racks_.building_names.empty())
      text_array_attribute(root, "building_names", racks_.building_names);
    int m = 0;
    for (const auto& [name, values] : meta_sets) {
      const hid_t ds = impl_->dataset(std::string("racks/") + name, StoreType::i64, 1, &nracks,
                                      nullptr, nullptr);
      text_attribute(ds, "long_name", meta_names[m++]);
      text_attribute(ds, "units", "1");
      check_status(H5DSattach_scale(ds, impl_->rack_ds, 0), "attach rack scale");
      std::vector<std::int64_t> wide(values->begin(), values->end());
      write_meta(ds, wide.data(), StoreType::i64);
      H5Dclose(ds);
    }
  }

  for (const SeriesSpec& s : specs_) {
    hid_t ds;
    if (s.rack_series) {
      const hsize_t dims[2] = {0, nracks};
      const hsize_t maxd[2] = {H5S_UNLIMITED, nracks};
      const hsize_t chunk[2] = {64, std::max<hsize_t>(1, std::min<hsize_t>(nracks, 1024))};
      ds = impl_->dataset(s.path, s.type, 2, dims, maxd, chunk, s.fill_value);
    } else {
      ds = impl_->dataset(s.path, s.type, 1, &zero, &unlimited, &time_chunk, s.fill_value);
    }
    text_attribute(ds, "units", s.units);
    text_attribute(ds, "long_name", s.long_name);
    if (!s.standard_name.empty()) text_attribute(ds, "standard_name", s.standard_name);
    if (!s.cell_methods.empty()) text_attribute(ds, "cell_methods", s.cell_methods);
    if (s.fill_value)
      number_attribute<double>(ds, "_FillValue", file_type(s.type), H5T_NATIVE_DOUBLE,
                               *s.fill_value);
    // CF auxiliary coordinates: xarray and the netCDF tools label each rack by its building
    // and hall.
    if (s.rack_series) text_attribute(ds, "coordinates", "building hall");
    for (const auto& [k, v] : s.text_attributes) text_attribute(ds, k, v);
    if (!s.flag_values.empty())
      int_array_attribute(ds, "flag_values", file_type(s.type), s.flag_values);
    check_status(H5DSattach_scale(ds, impl_->time_ds, 0), "attach time scale");
    if (s.rack_series) check_status(H5DSattach_scale(ds, impl_->rack_ds, 1), "attach rack");
    impl_->series_ds.push_back(ds);
  }

  // /events: one row per event along an extendible `event` dimension.
  {
    const hsize_t chunk = 256;
    const hid_t index =
        impl_->dataset("events/event", StoreType::i64, 1, &zero, &unlimited, &chunk);
    text_attribute(index, "long_name", "event number");
    text_attribute(index, "units", "1");
    check_status(H5DSset_scale(index, "event"), "event scale");
    impl_->event_ds.push_back(index);
    impl_->event_types.push_back(StoreType::i64);
    struct Column {
      const char* name;
      StoreType type;
      std::string units;
      const char* long_name;
    };
    const Column columns[] = {
        {"time", StoreType::f64, "seconds since " + meta.start_iso, "time of the event"},
        {"kind", StoreType::i8, "1", "event kind"},
        {"component_class", StoreType::i16, "1", "failure class of the component (-1 none)"},
        {"component_id", StoreType::i64, "1", "global id of the component (-1 none)"},
        {"rack", StoreType::i64, "1", "global rack id (-1 none)"},
        {"job", StoreType::i16, "1", "job index (-1 none)"},
        {"lost_accelerator_s", StoreType::f64, "s", "accelerator-seconds of work lost"},
    };
    for (const Column& c : columns) {
      const hid_t ds =
          impl_->dataset(std::string("events/") + c.name, c.type, 1, &zero, &unlimited, &chunk);
      text_attribute(ds, "units", c.units);
      text_attribute(ds, "long_name", c.long_name);
      auto flags = [&](const std::vector<std::string>& names) {
        std::vector<std::int64_t> values;
        std::string meanings;
        for (std::size_t i = 0; i < names.size(); ++i) {
          values.push_back(static_cast<std::int64_t>(i));
          meanings += (i ? " " : "") + names[i];
        }
        if (!values.empty()) {
          int_array_attribute(ds, "flag_values", file_type(c.type), values);
          text_attribute(ds, "flag_meanings", meanings);
        }
      };
      if (std::string(c.name) == "kind") flags(meta.event_kinds);
      if (std::string(c.name) == "component_class") flags(meta.component_classes);
      check_status(H5DSattach_scale(ds, index, 0), "attach event scale");
      impl_->event_ds.push_back(ds);
      impl_->event_types.push_back(c.type);
    }
  }

  buffers_.resize(specs_.size());
  staged_.assign(specs_.size(), 0.0);
  staged_racks_.resize(specs_.size());
  for (std::size_t i = 0; i < specs_.size(); ++i)
    if (specs_[i].rack_series) staged_racks_[i].assign(racks_.rack_count, 0.0);
  check_status(H5Fflush(impl_->file, H5F_SCOPE_GLOBAL), "flush");
}

OutputFile::~OutputFile() {
  if (!impl_) return;
  // Still open: this rank is unwinding from an exception of its own. With one rank the file
  // can be closed; with more, a collective close here could wait forever for ranks that are
  // elsewhere (main aborts the job instead). The file stays `.partial` either way.
  int ranks = 1;
  MPI_Comm_size(comm_, &ranks);
  if (ranks == 1) {
    try {
      close_handles();
    } catch (const std::exception&) {
    }
  }
}

std::size_t OutputFile::series_index(const std::string& path) const {
  for (std::size_t i = 0; i < specs_.size(); ++i)
    if (specs_[i].path == path) return i;
  throw std::logic_error("no output series " + path);
}

void OutputFile::set(std::size_t series, double value) { staged_[series] = value; }

void OutputFile::set_racks(std::size_t series, const double* values) {
  std::copy(values, values + racks_.rack_count, staged_racks_[series].begin());
}

void OutputFile::commit_sample(double time_s) {
  time_buffer_.push_back(time_s);
  for (std::size_t i = 0; i < specs_.size(); ++i) {
    if (specs_[i].rack_series)
      buffers_[i].insert(buffers_[i].end(), staged_racks_[i].begin(), staged_racks_[i].end());
    else
      buffers_[i].push_back(staged_[i]);
  }
  if (static_cast<std::int64_t>(time_buffer_.size()) >= flush_every_) flush();
}

void OutputFile::add_event(const EventRow& row) { pending_events_.push_back(row); }

void OutputFile::write_pending() {
  const auto n = static_cast<hsize_t>(time_buffer_.size());
  const auto before = static_cast<hsize_t>(samples_on_disk_);
  const hsize_t mine = rank_ == 0 ? n : 0;
  if (n > 0) {
    impl_->append(impl_->time_ds, 1, before, before + n, 1, 0, 1, mine, time_buffer_.data(),
                  StoreType::f64);
    if (impl_->time_bnds_ds >= 0) {
      std::vector<double> bounds(2 * n);
      for (hsize_t i = 0; i < n; ++i) {
        bounds[2 * i] = time_buffer_[i] - output_interval_s_;
        bounds[2 * i + 1] = time_buffer_[i];
      }
      impl_->append(impl_->time_bnds_ds, 2, before, before + n, 2, 0, 2, mine, bounds.data(),
                    StoreType::f64);
    }
    for (std::size_t i = 0; i < specs_.size(); ++i) {
      if (specs_[i].rack_series && racks_.rack_stride > 1) {  // racks dealt out to the ranks
        const auto rows = static_cast<std::int64_t>(n);
        const std::vector<double> block =
            dealt_to_contiguous(comm_, racks_.total_racks, rows, buffers_[i]);
        const ColumnBlock b = contiguous_block(racks_.total_racks, impl_->ranks, rank_);
        impl_->append(impl_->series_ds[i], 2, before, before + n,
                      static_cast<hsize_t>(racks_.total_racks), static_cast<hsize_t>(b.first),
                      static_cast<hsize_t>(b.count), b.count > 0 ? n : 0, block.data(),
                      StoreType::f64);
      } else if (specs_[i].rack_series) {
        impl_->append(
            impl_->series_ds[i], 2, before, before + n, static_cast<hsize_t>(racks_.total_racks),
            static_cast<hsize_t>(racks_.first_rack), static_cast<hsize_t>(racks_.rack_count),
            racks_.rack_count > 0 ? n : 0, buffers_[i].data(), StoreType::f64);
      } else {
        impl_->append(impl_->series_ds[i], 1, before, before + n, 1, 0, 1, mine, buffers_[i].data(),
                      StoreType::f64);
      }
      buffers_[i].clear();
    }
    samples_on_disk_ += static_cast<std::int64_t>(n);
    time_buffer_.clear();
  }
  const auto ne = static_cast<hsize_t>(pending_events_.size());
  if (ne > 0) {
    const auto eb = static_cast<hsize_t>(events_on_disk_);
    const hsize_t emine = rank_ == 0 ? ne : 0;
    std::vector<double> col(ne);
    auto column = [&](std::size_t c, auto getter) {
      for (hsize_t i = 0; i < ne; ++i) col[i] = static_cast<double>(getter(pending_events_[i]));
      impl_->append(impl_->event_ds[c], 1, eb, eb + ne, 1, 0, 1, emine, col.data(), StoreType::f64);
    };
    column(0, [&, k = eb](const EventRow& r) mutable {
      (void)r;
      return static_cast<double>(k++);
    });
    column(1, [](const EventRow& r) { return r.time_s; });
    column(2, [](const EventRow& r) { return r.kind; });
    column(3, [](const EventRow& r) { return r.component_class; });
    column(4, [](const EventRow& r) { return r.component_id; });
    column(5, [](const EventRow& r) { return r.rack; });
    column(6, [](const EventRow& r) { return r.job; });
    column(7, [](const EventRow& r) { return r.lost_accelerator_s; });
    events_on_disk_ += static_cast<std::int64_t>(ne);
    pending_events_.clear();
  }
}

void OutputFile::flush() {
  run_step(pending_bytes(), [&] {
    impl_->failed.clear();
    write_pending();
    impl_->soft(H5Fflush(impl_->file, H5F_SCOPE_GLOBAL), "flush");
    if (!impl_->failed.empty()) throw std::runtime_error(impl_->failed);
  });
}

void OutputFile::write_group_attributes(const std::string& group,
                                        const std::vector<std::pair<std::string, double>>& values) {
  run_step(4096.0 + 64.0 * static_cast<double>(values.size()), [&] {
    const hid_t g = impl_->group(group);
    for (const auto& [k, v] : values)
      number_attribute<double>(g, k, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, v);
  });
}

void OutputFile::write_group_text_attribute(const std::string& group, const std::string& name,
                                            const std::string& value) {
  run_step(4096.0 + static_cast<double>(value.size()),
           [&] { text_attribute(impl_->group(group), name, value); });
}

void OutputFile::write_root_attribute(const std::string& name, const std::string& value) {
  run_step(4096.0 + static_cast<double>(value.size()),
           [&] { text_attribute(impl_->file, name, value); });
}

void OutputFile::write_table(const std::string& group, const std::string& dim,
                             const std::vector<TableColumn>& columns) {
  if (columns.empty()) return;
  const hsize_t n = columns.front().values.size();
  for (const TableColumn& c : columns)
    if (c.values.size() != n) throw std::logic_error("table column " + c.name + ": wrong length");
  run_step(4096.0 * static_cast<double>(columns.size()) +
               8.0 * static_cast<double>(n) * static_cast<double>(columns.size()),
           [&] { table(group, dim, columns, n); });
}

void OutputFile::table(const std::string& group, const std::string& dim,
                       const std::vector<TableColumn>& columns, std::uint64_t rows) {
  const auto n = static_cast<hsize_t>(rows);
  std::vector<hid_t> ds;
  for (const TableColumn& c : columns) {
    const hsize_t chunk = std::max<hsize_t>(1, std::min<hsize_t>(n, 4096));
    const hsize_t dims = n;
    // Chunked (an empty table is allowed) with the fill value where one is declared.
    const hid_t d = impl_->dataset(group + "/" + c.name, c.type, 1, &dims, &dims, &chunk,
                                   c.fill_nan ? std::optional<double>(std::nan("")) : std::nullopt);
    text_attribute(d, "units", c.units);
    text_attribute(d, "long_name", c.long_name);
    for (const auto& [k, v] : c.text_attributes) text_attribute(d, k, v);
    if (!c.flag_values.empty()) {
      const hsize_t nf = c.flag_values.size();
      const hid_t space = H5Screate_simple(1, &nf, nullptr);
      const hid_t a = H5Acreate2(d, "flag_values", H5T_STD_I8LE, space, H5P_DEFAULT, H5P_DEFAULT);
      std::vector<std::int8_t> fv(c.flag_values.begin(), c.flag_values.end());
      H5Awrite(a, H5T_NATIVE_INT8, fv.data());
      H5Aclose(a);
      H5Sclose(space);
    }
    if (n > 0)
      impl_->append(d, 1, 0, n, 1, 0, 1, rank_ == 0 ? n : 0, c.values.data(), StoreType::f64);
    ds.push_back(d);
  }
  check_status(H5DSset_scale(ds.front(), dim.c_str()), "table scale");
  for (std::size_t i = 1; i < ds.size(); ++i)
    check_status(H5DSattach_scale(ds[i], ds.front(), 0), "attach table scale");
  for (hid_t d : ds) H5Dclose(d);
}

void OutputFile::close_handles() {
  if (!impl_) return;
  for (hid_t ds : impl_->series_ds) H5Dclose(ds);
  for (hid_t ds : impl_->event_ds) H5Dclose(ds);
  impl_->series_ds.clear();
  impl_->event_ds.clear();
  if (impl_->rack_ds >= 0) H5Dclose(impl_->rack_ds);
  if (impl_->time_ds >= 0) H5Dclose(impl_->time_ds);
  if (impl_->time_bnds_ds >= 0) H5Dclose(impl_->time_bnds_ds);
  for (auto& [k, g] : impl_->groups) H5Gclose(g);
  if (impl_->dxpl >= 0) H5Pclose(impl_->dxpl);
  const herr_t closed = impl_->file >= 0 ? H5Fclose(impl_->file) : 0;
  delete impl_;
  impl_ = nullptr;
  if (closed < 0) throw std::runtime_error("HDF5 error: closing " + partial_path_);
}

void OutputFile::commit() {
  flush();
  // Closing writes the last metadata: a failure there is agreed like any other.
  std::string error;
  try {
    close_handles();
  } catch (const std::exception& e) {
    error = e.what();
  }
  agree(error, true);
  std::string published;
  if (rank_ == 0) {
    try {
      if (target_) {
        target_->publish();
      } else if (std::rename(partial_path_.c_str(), final_path_.c_str()) != 0) {
        throw std::runtime_error("cannot rename " + partial_path_ + " to " + final_path_ + ": " +
                                 std::strerror(errno));
      }
    } catch (const std::exception& e) {
      published = e.what();
    }
  }
  agree(published, true);
  committed_ = true;
}

void OutputFile::close_keep() {
  flush();
  std::string error;
  try {
    close_handles();
  } catch (const std::exception& e) {
    error = e.what();
  }
  agree(error, true);
  committed_ = true;  // keep the partial file
}

double OutputFile::pending_bytes() const {
  double per_sample = 8.0;  // time
  for (const SeriesSpec& s : specs_)
    per_sample += static_cast<double>(store_size(s.type)) *
                  (s.rack_series ? static_cast<double>(racks_.total_racks) : 1.0);
  return static_cast<double>(time_buffer_.size()) * per_sample +
         static_cast<double>(pending_events_.size()) * kEventRowBytes;
}

std::string OutputFile::space_problem(double bytes) const {
  if (!preflight_enabled()) return "";
  // Data, plus what HDF5 adds (chunk index and object header updates) and closing needs.
  const double needed =
      bytes * 1.1 + metadata_bytes(specs_.size(), 0) + static_cast<double>(1 << 20);
  const auto parent = std::filesystem::path(partial_path_).parent_path();
  const std::string dir = parent.empty() ? std::string(".") : parent.string();
  struct statvfs vfs {};
  if (::statvfs(dir.c_str(), &vfs) == 0) {
    const double blocks = static_cast<double>(::geteuid() == 0 ? vfs.f_bfree : vfs.f_bavail);
    const double avail = blocks * static_cast<double>(vfs.f_frsize);
    if (avail < needed)
      return "no space left on the file system of " + partial_path_ + ": the next write needs " +
             "about " + format_bytes(needed) + ", " + format_bytes(avail) + " are free";
  }
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    struct stat st {};
    const double size =
        ::stat(partial_path_.c_str(), &st) == 0 ? static_cast<double>(st.st_size) : 0.0;
    if (size + needed > static_cast<double>(limit.rlim_cur))
      return "the next write would take " + partial_path_ + " (" + format_bytes(size) +
             ") past the file size limit (ulimit -f) of " +
             format_bytes(static_cast<double>(limit.rlim_cur)) + ": it needs about " +
             format_bytes(needed);
  }
  return "";
}

void OutputFile::run_step(double bytes, const std::function<void()>& step) {
  if (!impl_) throw OutputError(partial_path_ + " was closed after an earlier output failure");
  // Room first, agreed before any HDF5 call: a full disk then ends the run with the file
  // closed cleanly, every flushed sample readable.
  agree(space_problem(bytes), true);
  std::string error;
  try {
    step();
  } catch (const std::exception& e) {
    error = e.what();  // no further HDF5 call on this rank in this step
  }
  agree(error, false);
}

void OutputFile::agree(const std::string& error, bool consistent) {
  int ranks = 1;
  MPI_Comm_size(comm_, &ranks);
  int mine = error.empty() ? std::numeric_limits<int>::max() : rank_, first = 0;
  MPI_Request request;
  MPI_Iallreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm_, &request);
  if (error.empty()) {
    MPI_Wait(&request, MPI_STATUS_IGNORE);
  } else {
    // The other ranks may be inside a collective HDF5 call this rank left: wait, but not
    // forever.
    const double deadline = MPI_Wtime() + io_timeout_s_;
    int done = 0;
    for (;;) {
      MPI_Test(&request, &done, MPI_STATUS_IGNORE);
      if (done) break;
      if (MPI_Wtime() > deadline) {
        std::fprintf(stderr,
                     "clustertwin: output failure on rank %d: %s; the other ranks did not "
                     "answer within %.0f s (stuck in a collective HDF5 call): aborting the job "
                     "with exit status 3 (%s is kept)\n",
                     rank_, error.c_str(), io_timeout_s_, partial_path_.c_str());
        std::fflush(stderr);
        MPI_Abort(comm_, 3);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  if (first == std::numeric_limits<int>::max()) return;
  // Every rank gets the first failing rank's message.
  std::string message = rank_ == first ? error : std::string();
  std::uint64_t n = message.size();
  MPI_Bcast(&n, 1, MPI_UINT64_T, first, comm_);
  message.resize(static_cast<std::size_t>(n));
  MPI_Bcast(message.data(), static_cast<int>(n), MPI_CHAR, first, comm_);
  if (ranks > 1) message = "rank " + std::to_string(first) + ": " + message;
  if (!consistent && ranks > 1 && !(impl_ && impl_->watchdog)) exit_watchdog(io_timeout_s_, rank_);
  try {
    close_handles();  // every rank, together; nothing of the failed step is pending
  } catch (const std::exception&) {
  }
  if (message.find("kept as") != std::string::npos) throw OutputError(message);
  throw OutputError(message +
                    (consistent ? "; the output so far is kept as "
                                : "; the output so far is kept (possibly without "
                                  "its last write) as ") +
                    partial_path_);
}

OutputFile::OutputFile(MPI_Comm comm, std::string final_path, std::vector<SeriesSpec> series,
                       RackLayout racks, std::int64_t flush_every_samples, Reopen at)
    : comm_(comm),
      final_path_(std::move(final_path)),
      partial_path_(final_path_ + ".partial"),
      specs_(std::move(series)),
      racks_(std::move(racks)),
      flush_every_(std::max<std::int64_t>(flush_every_samples, 1)),
      samples_on_disk_(at.samples),
      events_on_disk_(at.events),
      output_interval_s_(at.output_interval_s),
      committed_(true),  // never delete the user's partial file on a failed resume
      impl_(new Impl),
      io_timeout_s_(io_timeout_s()) {
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &impl_->ranks);
  impl_->rank = rank_;
  impl_->timeout_s = io_timeout_s_;
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  run_step(metadata_bytes(specs_.size(), 0), [&] { reopen(at); });
}

void OutputFile::reopen(Reopen at) {
  const hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_fapl_mpio(fapl, comm_, MPI_INFO_NULL);
  impl_->file = H5Fopen(partial_path_.c_str(), H5F_ACC_RDWR, fapl);
  H5Pclose(fapl);
  if (impl_->file < 0)
    throw std::runtime_error("cannot reopen the interrupted run's output " + partial_path_);
  impl_->dxpl = H5Pcreate(H5P_DATASET_XFER);
  H5Pset_dxpl_mpio(impl_->dxpl, H5FD_MPIO_COLLECTIVE);
  auto open = [&](const std::string& path) {
    return check(H5Dopen2(impl_->file, path.c_str(), H5P_DEFAULT), path.c_str());
  };
  // Rows flushed after the restart point stay until the resumed run rewrites them (with the
  // same values: the run is deterministic); the file must have at least the restart's rows.
  auto check_rows = [&](hid_t ds, hsize_t rows) {
    const hid_t space = H5Dget_space(ds);
    hsize_t dims[2] = {0, 0};
    H5Sget_simple_extent_dims(space, dims, nullptr);
    H5Sclose(space);
    if (dims[0] < rows)
      throw std::runtime_error(partial_path_ + " has fewer samples than the restart file expects");
  };
  impl_->time_ds = open("time");
  check_rows(impl_->time_ds, static_cast<hsize_t>(at.samples));
  if (H5Lexists(impl_->file, "time_bnds", H5P_DEFAULT) > 0) {
    impl_->time_bnds_ds = open("time_bnds");
    check_rows(impl_->time_bnds_ds, static_cast<hsize_t>(at.samples));
  }
  if (H5Lexists(impl_->file, "racks", H5P_DEFAULT) > 0) impl_->rack_ds = open("racks/rack");
  for (const SeriesSpec& spec : specs_) {
    impl_->series_ds.push_back(open(spec.path));
    check_rows(impl_->series_ds.back(), static_cast<hsize_t>(at.samples));
  }
  for (const char* name : {"event", "time", "kind", "component_class", "component_id", "rack",
                           "job", "lost_accelerator_s"}) {
    impl_->event_ds.push_back(open(std::string("events/") + name));
    check_rows(impl_->event_ds.back(), static_cast<hsize_t>(at.events));
  }
  for (const char* group : {"summary", "ensemble"})
    if (H5Lexists(impl_->file, group, H5P_DEFAULT) > 0)
      impl_->groups[group] = H5Gopen2(impl_->file, group, H5P_DEFAULT);
  buffers_.resize(specs_.size());
  staged_.assign(specs_.size(), 0.0);
  staged_racks_.resize(specs_.size());
  for (std::size_t i = 0; i < specs_.size(); ++i)
    if (specs_[i].rack_series) staged_racks_[i].assign(racks_.rack_count, 0.0);
}

}  // namespace ct::io
