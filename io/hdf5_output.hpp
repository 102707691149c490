// Parallel HDF5 output, netCDF-4 compatible (DESIGN contract §10).
//
// Samples are buffered in memory and written collectively at each flush: one extend and one
// write per dataset per flush, so the output cost does not grow with the tick rate. Replicated
// series are written by rank 0 (the others take part with empty selections); per-rack series by
// every rank for its own block of racks. The file lives under `<output>.partial` until `commit()`
// renames it, so a failed run never leaves a file under the output name.
//
// I/O failures (a full disk, a quota, a file size limit) are agreed by all ranks: before each
// flush every rank checks that the file system has room for it (statvfs, RLIMIT_FSIZE), and
// after each collective step the ranks exchange an ok flag, so all of them end with an
// OutputError (exit status 3) together, the file closed and kept as `<output>.partial`. A
// rank whose HDF5 call failed makes no further HDF5 call in that step; if the others do not
// reach the agreement within a timeout (stuck in a collective HDF5 call the failed rank left),
// it aborts the job with status 3 rather than hang. The file is never closed collectively
// from a destructor on one rank only.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ct::io {

enum class StoreType { f64, f32, i8, i16, i64 };

// A time series. `rack_series` ones have dimensions (time, rack).
struct SeriesSpec {
  std::string path;   // e.g. "facility/power_it_w"
  std::string units;  // a string udunits2 parses ("1" for dimensionless)
  std::string long_name;
  StoreType type = StoreType::f64;
  bool rack_series = false;
  std::vector<std::pair<std::string, std::string>> text_attributes;  // e.g. flag_meanings
  std::vector<std::int64_t> flag_values;                             // with flag_meanings
  // CF cell_methods: how a sample summarises its interval [t − Δ, t] (time_bnds). Interval
  // means "time: mean", extremes "time: maximum"/"time: minimum", totals over the interval
  // "time: sum", values at the sample instant (cumulative counters, states) "time: point".
  std::string cell_methods;
  std::string standard_name;         // CF standard name; empty when the table has none
  std::optional<double> fill_value;  // _FillValue (float series only) where NaN can appear
};

struct RackLayout {
  std::int64_t total_racks = 0;
  std::int64_t first_rack = 0;  // this rank's first rack
  // Between this rank's consecutive racks: 1 for a contiguous block; the rank count when the
  // racks are dealt out one at a time (topology::RackBlock; written via io/rack_columns.hpp).
  std::int64_t rack_stride = 1;
  std::int64_t rack_count = 0;
  std::vector<std::int32_t> building;       // all racks (replicated metadata)
  std::vector<std::int32_t> hall;           // all racks
  std::vector<std::int32_t> index_in_hall;  // all racks
  std::vector<std::string> building_names;  // by building index (root attribute building_names)
};

// One `/events` row.
struct EventRow {
  double time_s = 0.0;
  std::int8_t kind = 0;
  std::int16_t component_class = -1;
  std::int64_t component_id = -1;
  std::int64_t rack = -1;
  std::int16_t job = -1;
  double lost_accelerator_s = 0.0;
};

// One column of a table written once at the end of a run (e.g. /jobs_table): a 1-D dataset
// along the table's dimension.
struct TableColumn {
  std::string name;
  std::string units;
  std::string long_name;
  StoreType type = StoreType::f64;
  std::vector<double> values;                                        // rank 0's are written
  std::vector<std::pair<std::string, std::string>> text_attributes;  // e.g. flag_meanings
  std::vector<std::int64_t> flag_values;
  bool fill_nan = false;  // _FillValue NaN (float columns where a value may be missing)
};

struct OutputMeta {
  std::string title;
  std::string scenario_name;
  std::string scenario_yaml;
  std::string start_iso;           // time origin, for the CF units of /time
  double output_interval_s = 0.0;  // sample spacing: time_bnds = [t − interval, t]
  std::uint64_t seed = 0;
  int mpi_ranks = 1;
  std::string history;
  std::vector<std::pair<std::string, std::string>> extra_text;  // more root attributes
  std::vector<std::pair<std::string, std::int64_t>> extra_int;
  std::vector<std::string> event_kinds;        // code → name for /events/kind
  std::vector<std::string> component_classes;  // code → name for /events/component_class
};

class OutputTarget;

// An output failure every rank of the communicator knows about (exit status 3; no MPI_Abort).
class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class OutputFile {
 public:
  OutputFile(MPI_Comm comm, std::string final_path, const OutputMeta& meta,
             std::vector<SeriesSpec> series, RackLayout racks, std::int64_t flush_every_samples);
  // Reopen the `.partial` file of an interrupted run and continue after `samples` samples and
  // `events` events (anything flushed after the restart point is cut off).
  struct Reopen {
    std::int64_t samples = 0, events = 0;
    double output_interval_s = 0.0;
  };
  OutputFile(MPI_Comm comm, std::string final_path, std::vector<SeriesSpec> series,
             RackLayout racks, std::int64_t flush_every_samples, Reopen at);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  std::size_t series_index(const std::string& path) const;
  // Stage the values of the sample being built. Replicated series: one value (all ranks pass
  // the same; rank 0's is stored). Rack series: this rank's rack_count values.
  void set(std::size_t series, double value);
  void set_racks(std::size_t series, const double* values);
  // Close the staged sample at `time_s` (seconds since start). Flushes every N samples.
  void commit_sample(double time_s);
  // Replicated: every rank adds the same events.
  void add_event(const EventRow& row);
  void flush();
  // Attributes on a group created on demand (e.g. "summary", "ensemble").
  void write_group_attributes(const std::string& group,
                              const std::vector<std::pair<std::string, double>>& values);
  void write_root_attribute(const std::string& name, const std::string& value);
  // A text attribute on a group created on demand (e.g. /storage's policy).
  void write_group_text_attribute(const std::string& group, const std::string& name,
                                  const std::string& value);
  // A table along dimension `dim` in `group`: the first column is the dimension scale (its
  // values name the rows, e.g. job ids). Collective; rank 0's values are written.
  void write_table(const std::string& group, const std::string& dim,
                   const std::vector<TableColumn>& columns);
  // Flush, close, and rename to the final path (through `target` on rank 0 when attached:
  // never over a file another run produced meanwhile). Without it the file stays `.partial`.
  void commit();
  void attach(OutputTarget* target) { target_ = target; }
  // Flush and close, keeping the `.partial` file for a later resume.
  void close_keep();

  const std::string& partial_path() const { return partial_path_; }
  std::int64_t samples_written() const { return samples_on_disk_; }
  std::int64_t events_written() const { return events_on_disk_; }

 private:
  void create(const OutputMeta& meta);
  void reopen(Reopen at);
  void table(const std::string& group, const std::string& dim,
             const std::vector<TableColumn>& columns, std::uint64_t rows);
  void write_pending();
  void close_handles();
  // Collective: every rank learns whether any rank failed (`error` non-empty) and the first
  // failing rank's message; on failure the file is closed (`consistent`: the HDF5 state is
  // the same on all ranks, nothing of this step was written) and OutputError is thrown.
  void agree(const std::string& error, bool consistent);
  // Why the file system cannot take `bytes` more now ("" when it can).
  std::string space_problem(double bytes) const;
  double pending_bytes() const;
  // One collective step: agreed room for `bytes`, the step, agreed success.
  void run_step(double bytes, const std::function<void()>& step);
  struct Impl;
  MPI_Comm comm_;
  int rank_ = 0;
  std::string final_path_;
  std::string partial_path_;
  std::vector<SeriesSpec> specs_;
  RackLayout racks_;
  std::int64_t flush_every_;
  std::int64_t samples_on_disk_ = 0;
  std::int64_t events_on_disk_ = 0;
  double output_interval_s_ = 0.0;
  std::vector<double> time_buffer_;
  std::vector<std::vector<double>> buffers_;  // per series: pending samples (× rack_count)
  std::vector<double> staged_;                // replicated series staging
  std::vector<std::vector<double>> staged_racks_;
  std::vector<EventRow> pending_events_;
  bool committed_ = false;
  Impl* impl_ = nullptr;
  OutputTarget* target_ = nullptr;
  double io_timeout_s_ = 60.0;
};

}  // namespace ct::io
