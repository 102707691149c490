// The HDF5 writer's private parts (hdf5_output.hpp): the open file's handles (OutputFile::Impl)
// and the HDF5 helpers its source files share. Included only by io/hdf5_output*.cpp.
#pragma once

#include <hdf5.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "io/hdf5_output.hpp"

namespace ct::io {

namespace hdf5_detail {

// Any HDF5 failure is a runtime (I/O) failure: exit status 3.
hid_t check(hid_t id, const char* what);
void check_status(herr_t status, const char* what);

hid_t native_type(StoreType t);
hid_t file_type(StoreType t);

// HDF5 object headers, attributes and chunk indices: a generous allowance per dataset.
double metadata_bytes(std::size_t series, std::int64_t racks);

// Seconds a rank whose write failed waits for the others (CLUSTERTWIN_IO_TIMEOUT_S, default 60).
double io_timeout_s();

// After a failed HDF5 call the ranks' HDF5 states may differ, and closing the file together
// could hang: if this process still runs after the timeout, it ends with status 3.
void exit_watchdog(double seconds, int rank);

}  // namespace hdf5_detail

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

  // Records the first failed collective call of the step (and starts the watchdog): the rank
  // goes on making the same collective calls as the others.
  void soft(herr_t status, const char* what);
  // The group at `path`, opened or created with its parents ("" is the file).
  hid_t group(const std::string& path);
  hid_t dataset(const std::string& path, StoreType type, int rank_dims, const hsize_t* dims,
                const hsize_t* maxdims, const hsize_t* chunk,
                std::optional<double> fill = std::nullopt);
  // Append `count` rows (each `width` wide, starting at column `col0` of `total_width`) to a
  // dataset that has `rows_before` rows. Ranks with nothing to write pass count 0 / width 0.
  void append(hid_t ds, int rank_dims, hsize_t rows_before, hsize_t rows_after, hsize_t total_width,
              hsize_t col0, hsize_t width, hsize_t count, const void* data, StoreType type);
};

}  // namespace ct::io
