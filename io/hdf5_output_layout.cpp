// The HDF5 writer's file layout (hdf5_output.hpp): the file created with its CF and netCDF-4
// metadata (time axis and bounds, rack axis and tables, series, events), and the attributes and
// tables written after the run.
#include <hdf5.h>
#include <hdf5_hl.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "io/hdf5_output_impl.hpp"

namespace ct::io {

using namespace hdf5_detail;

namespace {

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

// netCDF-4 marks a dimension that has no coordinate variable by this NAME on its scale dataset
// (the length follows, printed %10d); netCDF-C, h5netcdf and xarray then hide the dataset.
std::string netcdf_dimension_only_name(std::int64_t length) {
  char tail[16];
  std::snprintf(tail, sizeof tail, "%10lld", static_cast<long long>(length));
  return std::string("This is a netCDF dimension but not a netCDF variable.") + tail;
}

}  // namespace

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

}  // namespace ct::io
