// Restart files: everything needed to continue a run bit-identically, on any number of ranks.
//
// Layout: a header (magic, resolved scenario, next tick, output counts), the replicated state as
// one archive blob (identical on every rank, written by rank 0), then each distributed array in
// global-id order (gathered from the ranks' contiguous blocks), then the pending failures of
// all ranks. A resuming rank reads the whole file and keeps its own block, whatever the
// decomposition was when it was written.
#include <mpi.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <type_traits>

#include "common/archive.hpp"
#include "io/config_tree.hpp"
#include "twin/batch_job.hpp"
#include "twin/engine_state.hpp"
#include "twin/failure_scope.hpp"
#include "twin/queue.hpp"

namespace ct::twin {

namespace {

constexpr char kMagic[] = "CLUSTERTWIN-RESTART-3";

template <class T>
void put_raw(std::ostream& os, const T& v) {
  os.write(reinterpret_cast<const char*>(&v), sizeof v);
}
template <class T>
void get_raw(std::istream& is, T& v) {
  is.read(reinterpret_cast<char*>(&v), sizeof v);
  if (!is) throw std::runtime_error("restart file is truncated");
}

// A distributed array: its bytes per element and the vector.
struct Field {
  std::size_t elem;
  void* data;
  std::int64_t local;  // elements on this rank
  std::int64_t first;  // global index of the first
  std::int64_t total;
};

}  // namespace

// The replicated state: the queue's records first (a dynamic slot's workload is rebuilt from
// them), then the job slots (each job's allocation, job-scope hazard and its own state), then
// control, facility, accounting and the series accumulators.
template <class Archive>
void Engine::State::serialize_replicated(Archive& ar) {
  constexpr bool reading = std::is_same_v<Archive, archive::Reader>;
  if (queue) queue->serialize(ar);
  auto n_slots = static_cast<std::uint64_t>(control.jobs.size());
  ar(n_slots);
  if constexpr (reading) {
    while (control.jobs.size() < n_slots) {
      control.jobs.emplace_back();
      control.jobs.back().active = false;
    }
    size_job_scratch();
  }
  for (std::size_t j = 0; j < control.jobs.size(); ++j) {
    JobControl::Job& job = control.jobs[j];
    ar(job.active, job.queue_index, job.life);
    if (!job.active) {
      if constexpr (reading) job.work.reset();
      continue;
    }
    ar(job.alloc, job.hazard, job.threshold, job.interruptions);
    if constexpr (reading) {
      if (job.queue_index >= 0) {
        job.work = queue->make_job(job.queue_index, static_cast<int>(j));
        configure_job(job);
      }
      job.work->load(ar);
    } else {
      job.work->save(ar);
    }
  }
  if constexpr (reading) layout_dirty = true;
  ar(control, facility, acct);
  series.serialize_replicated(ar);
}

namespace {

// Every distributed array, with its element size and this rank's block: the fleet's per-unit
// state, then the per-rack accumulators of the output series.
template <class F>
void for_each_field(Engine::State& s, F&& f) {
  auto field = [&](Fleet::Per per, auto& v) {
    switch (per) {
      case Fleet::Per::accelerator:
        f(Field{sizeof(v[0]), v.data(), s.local_accs, s.first_acc, s.campus.accelerators()});
        break;
      case Fleet::Per::node:
        f(Field{sizeof(v[0]), v.data(), s.local_nodes, s.first_node, s.campus.nodes()});
        break;
      case Fleet::Per::rack:
        f(Field{sizeof(v[0]), v.data(), s.block.rack_count, s.block.first_rack, s.campus.racks()});
        break;
    }
  };
  s.fleet.for_each_field(field);
  s.series.for_each_rack_field([&](std::vector<double>& v) { field(Fleet::Per::rack, v); });
}

std::vector<int> gather_counts(MPI_Comm comm, int local_bytes) {
  int ranks = 1;
  MPI_Comm_size(comm, &ranks);
  std::vector<int> counts(ranks);
  MPI_Gather(&local_bytes, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, comm);
  return counts;
}

std::vector<unsigned char> gather_bytes(MPI_Comm comm, const void* data, int bytes, int rank) {
  std::vector<int> counts = gather_counts(comm, bytes);
  std::vector<int> displs(counts.size(), 0);
  std::int64_t total = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    displs[i] = static_cast<int>(total);
    total += counts[i];
  }
  std::vector<unsigned char> all(rank == 0 ? static_cast<std::size_t>(total) : 0);
  MPI_Gatherv(data, bytes, MPI_BYTE, all.data(), counts.data(), displs.data(), MPI_BYTE, 0, comm);
  return all;
}

}  // namespace

void Engine::State::write_restart(const std::string& path, std::int64_t next_tick) {
  if (out) out->flush();
  archive::Writer w;
  serialize_replicated(w);
  std::vector<std::vector<unsigned char>> fields;
  for_each_field(*this, [&](const Field& f) {
    fields.push_back(gather_bytes(comm, f.data, static_cast<int>(f.elem * f.local), rank));
  });
  const auto pending_all = gather_bytes(
      comm, fleet.pending.data(), static_cast<int>(fleet.pending.size() * sizeof(Pending)), rank);
  int ok = 1;
  if (rank == 0) {
    const std::string tmp = path + ".tmp";
    std::ofstream os(tmp, std::ios::binary | std::ios::trunc);
    os.write(kMagic, sizeof kMagic);
    const std::string& yaml = sc.resolved_yaml;
    put_raw(os, static_cast<std::uint64_t>(yaml.size()));
    os.write(yaml.data(), static_cast<std::streamsize>(yaml.size()));
    put_raw(os, next_tick);
    put_raw(os, seed);
    put_raw(os, out ? out->samples_written() : std::int64_t{0});
    put_raw(os, out ? out->events_written() : std::int64_t{0});
    put_raw(os, static_cast<std::uint64_t>(w.bytes().size()));
    os.write(reinterpret_cast<const char*>(w.bytes().data()),
             static_cast<std::streamsize>(w.bytes().size()));
    for (const auto& f : fields) {
      put_raw(os, static_cast<std::uint64_t>(f.size()));
      os.write(reinterpret_cast<const char*>(f.data()), static_cast<std::streamsize>(f.size()));
    }
    put_raw(os, static_cast<std::uint64_t>(pending_all.size()));
    os.write(reinterpret_cast<const char*>(pending_all.data()),
             static_cast<std::streamsize>(pending_all.size()));
    os.close();
    ok = os.good() && std::rename(tmp.c_str(), path.c_str()) == 0;
  }
  MPI_Bcast(&ok, 1, MPI_INT, 0, comm);
  if (!ok) throw std::runtime_error("cannot write restart file " + path);
}

namespace {

struct Header {
  std::string yaml;
  std::int64_t next_tick = 0;
  std::uint64_t seed = 0;
  std::int64_t samples = 0, events = 0;
};

Header read_header(std::istream& is, const std::string& path) {
  char magic[sizeof kMagic] = {};
  is.read(magic, sizeof magic);
  if (!is || std::string(magic, sizeof magic) != std::string(kMagic, sizeof kMagic))
    throw io::ScenarioError(path + ": not a clustertwin restart file");
  Header h;
  std::uint64_t n = 0;
  get_raw(is, n);
  h.yaml.resize(n);
  is.read(h.yaml.data(), static_cast<std::streamsize>(n));
  get_raw(is, h.next_tick);
  get_raw(is, h.seed);
  get_raw(is, h.samples);
  get_raw(is, h.events);
  return h;
}

}  // namespace

std::string Engine::restart_scenario(const std::string& path) {
  std::ifstream is(path, std::ios::binary);
  if (!is) throw io::ScenarioError(path + ": cannot open restart file");
  return read_header(is, path).yaml;
}

Engine::Resume Engine::restore(const std::string& path) {
  State& s = *s_;
  std::ifstream is(path, std::ios::binary);
  if (!is) throw io::ScenarioError(path + ": cannot open restart file");
  const Header h = read_header(is, path);
  if (h.yaml != s.sc.resolved_yaml)
    throw io::ScenarioError(path +
                            ": the restart file was written for another scenario (the "
                            "resolved scenarios differ; resume with the same file and "
                            "--set options)");
  if (h.seed != s.seed) throw io::ScenarioError(path + ": the restart file has another seed");
  std::uint64_t n = 0;
  get_raw(is, n);
  std::vector<unsigned char> blob(n);
  is.read(reinterpret_cast<char*>(blob.data()), static_cast<std::streamsize>(n));
  if (!is) throw std::runtime_error(path + ": restart file is truncated");
  archive::Reader r(blob.data(), blob.size());
  s.serialize_replicated(r);
  if (!r.done()) throw std::runtime_error(path + ": restart file does not match this build");
  for_each_field(s, [&](const Field& f) {
    std::uint64_t bytes = 0;
    get_raw(is, bytes);
    if (bytes != f.elem * static_cast<std::uint64_t>(f.total))
      throw std::runtime_error(path + ": restart file does not match this campus");
    const auto start = is.tellg();
    is.seekg(static_cast<std::streamoff>(f.first * static_cast<std::int64_t>(f.elem)),
             std::ios::cur);
    is.read(static_cast<char*>(f.data), static_cast<std::streamsize>(f.elem * f.local));
    is.seekg(start + static_cast<std::streamoff>(bytes));
    if (!is) throw std::runtime_error(path + ": restart file is truncated");
  });
  get_raw(is, n);
  std::vector<Pending> all(n / sizeof(Pending));
  is.read(reinterpret_cast<char*>(all.data()), static_cast<std::streamsize>(n));
  s.fleet.pending.clear();
  for (const Pending& p : all) {
    const auto key = static_cast<std::uint64_t>(p.key);
    const bool mine = failure_scope(faults::scope_of_key(key))
                          .local(s, static_cast<std::int64_t>(faults::index_of_key(key)));
    if (mine) s.fleet.pending.push_back(p);
  }
  s.start_tick = h.next_tick;
  return Resume{h.samples, h.events};
}

bool Engine::interrupted() const { return s_->interrupted; }

}  // namespace ct::twin
