// The HDF5 writer's private parts (hdf5_output_impl.hpp): the helpers its source files share and
// the open file's groups, datasets and collective appends.
#include "io/hdf5_output_impl.hpp"

#include <hdf5_hl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace ct::io {

namespace hdf5_detail {

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

double metadata_bytes(std::size_t series, std::int64_t racks) {
  return 16384.0 * static_cast<double>(series + 16) + 64.0 * static_cast<double>(racks);
}

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

}  // namespace hdf5_detail

using namespace hdf5_detail;

namespace {

hid_t group_create_plist() {
  const hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
  H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  H5Pset_attr_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  return gcpl;
}

std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

}  // namespace

void OutputFile::Impl::soft(herr_t status, const char* what) {
  if (status >= 0 || !failed.empty()) return;
  failed = std::string("HDF5 error: ") + what;
  // The calls that follow may wait for ranks that left an internal HDF5 collective: never
  // longer than twice the timeout.
  if (ranks > 1 && !watchdog) {
    watchdog = true;
    exit_watchdog(2 * timeout_s, rank);
  }
}

hid_t OutputFile::Impl::group(const std::string& path) {
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

hid_t OutputFile::Impl::dataset(const std::string& path, StoreType type, int rank_dims,
                                const hsize_t* dims, const hsize_t* maxdims, const hsize_t* chunk,
                                std::optional<double> fill) {
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

void OutputFile::Impl::append(hid_t ds, int rank_dims, hsize_t rows_before, hsize_t rows_after,
                              hsize_t total_width, hsize_t col0, hsize_t width, hsize_t count,
                              const void* data, StoreType type) {
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

}  // namespace ct::io
