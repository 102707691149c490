// The HDF5 writer (hdf5_output.hpp): samples and events buffered and appended collectively,
// the file flushed, published under its final name, or reopened to resume. The layout is in
// hdf5_output_layout.cpp, the agreed failures in hdf5_output_guard.cpp.
#include "io/hdf5_output.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "io/hdf5_output_impl.hpp"
#include "io/output_target.hpp"
#include "io/rack_columns.hpp"

namespace ct::io {

using namespace hdf5_detail;

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
