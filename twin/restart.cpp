// Restart files: everything needed to continue a run bit-identically, on any number of ranks.
//
// Layout: the magic, then blocks, each `name length checksum payload` (the checksum is FNV-1a 64
// of the payload): `header` (resolved scenario, next tick, seed, output counts), `replicated`
// (the replicated state as one archive, identical on every rank, written by rank 0), one block
// per distributed array in global-id order (gathered from the ranks' contiguous blocks), then
// `pending` (the pending failures of all ranks). A resuming rank reads the whole file and keeps
// its own part, whatever the decomposition was when it was written.
//
// A restart file is input: every length is checked against the scenario and the bytes left
// before anything is allocated, every block against its checksum, and the values that index
// state (ticks, node roles, jobs, component keys) against their ranges. A bad file is exit 2
// with a message naming the block; nothing is ever read past a length or trusted blindly.
#include <mpi.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
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

constexpr char kMagic[] = "CLUSTERTWIN-RESTART-9";

std::uint64_t fnv1a(const unsigned char* p, std::size_t n) {
  std::uint64_t h = 1469598103934665603ull;
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

template <class T>
void put_raw(std::ostream& os, const T& v) {
  os.write(reinterpret_cast<const char*>(&v), sizeof v);
}
void put_block(std::ostream& os, const std::string& name, const unsigned char* data,
               std::size_t n) {
  put_raw(os, static_cast<std::uint32_t>(name.size()));
  os.write(name.data(), static_cast<std::streamsize>(name.size()));
  put_raw(os, static_cast<std::uint64_t>(n));
  put_raw(os, fnv1a(data, n));
  if (n > 0) os.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n));
}

// Reads a restart file block by block, checking each against what the scenario expects.
class BlockReader {
 public:
  explicit BlockReader(const std::string& path) : path_(path), is_(path, std::ios::binary) {
    if (!is_) throw io::ScenarioError(path + ": cannot open restart file");
    std::error_code ec;
    size_ = std::filesystem::file_size(path, ec);
    if (ec || !std::filesystem::is_regular_file(path))
      throw io::ScenarioError(path + ": not a regular file");
    char magic[sizeof kMagic] = {};
    is_.read(magic, sizeof magic);
    if (!is_ || std::string(magic, sizeof magic) != std::string(kMagic, sizeof kMagic))
      throw io::ScenarioError(path + ": not a clustertwin restart file of this version");
  }
  [[noreturn]] void bad(const std::string& block, const std::string& what) const {
    throw io::ScenarioError(path_ + ": restart file block '" + block + "' " + what);
  }
  // The next block, which must be `name`, with a payload of `min`..`max` bytes and (if
  // `multiple` > 0) a multiple of it; its checksum verified.
  std::vector<unsigned char> next(const std::string& name, std::uint64_t min, std::uint64_t max,
                                  std::uint64_t multiple = 0) {
    std::uint32_t name_len = 0;
    raw(name, &name_len, sizeof name_len);
    if (name_len != name.size()) bad(name, "is missing (the file is damaged or truncated)");
    std::string got(name_len, '\0');
    raw(name, got.data(), name_len);
    if (got != name) bad(name, "is missing (found '" + printable(got) + "')");
    std::uint64_t n = 0, sum = 0;
    raw(name, &n, sizeof n);
    raw(name, &sum, sizeof sum);
    const std::uint64_t left = size_ - static_cast<std::uint64_t>(is_.tellg());
    if (n > left)
      bad(name, "claims " + std::to_string(n) + " bytes but the file has " + std::to_string(left) +
                    " left (truncated?)");
    if (n < min || n > max || (multiple > 0 && n % multiple != 0))
      bad(name, "has " + std::to_string(n) + " bytes, expected " +
                    (min == max ? std::to_string(min)
                                : std::to_string(min) + " to " + std::to_string(max)) +
                    (multiple > 0 ? " in whole records of " + std::to_string(multiple) : "") +
                    " for this scenario");
    std::vector<unsigned char> data(n);
    if (n > 0) raw(name, data.data(), n);
    if (fnv1a(data.data(), data.size()) != sum) bad(name, "fails its checksum (corrupted)");
    return data;
  }
  std::uint64_t size() const { return size_; }

 private:
  void raw(const std::string& block, void* dst, std::size_t n) {
    is_.read(static_cast<char*>(dst), static_cast<std::streamsize>(n));
    if (!is_) bad(block, "is truncated");
  }
  static std::string printable(const std::string& s) {
    std::string out;
    for (char c : s.substr(0, 40)) out += (c >= 32 && c < 127) ? c : '?';
    return out;
  }
  std::string path_;
  std::ifstream is_;
  std::uint64_t size_ = 0;
};

// A distributed array: its bytes per element and the vector, whose elements come `per_rack` to
// a rack (the rank's racks in order, topology::RackBlock); in the file, in global rack order.
struct Field {
  std::size_t elem;
  void* data;
  std::int64_t local;     // elements on this rank
  std::int64_t per_rack;  // elements per rack: 1, nodes or accelerators per rack
  std::int64_t total;
};

// Each of `block`'s racks' elements between the rank's array and the global one (to_global:
// from the rank's into the global one; otherwise back).
void copy_racks(const topology::RackBlock& block, const Field& f, const unsigned char* from,
                unsigned char* to, bool to_global) {
  const auto run = f.elem * static_cast<std::size_t>(f.per_rack);
  for (std::int64_t lr = 0; lr < block.rack_count; ++lr) {
    const std::size_t local_at = static_cast<std::size_t>(lr) * run;
    const std::size_t global_at = static_cast<std::size_t>(block.global_rack(lr)) * run;
    if (to_global)
      std::memcpy(to + global_at, from + local_at, run);
    else
      std::memcpy(to + local_at, from + global_at, run);
  }
}

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
    // Each dynamic job holds at least one node: more slots than jobs and nodes is corruption.
    if (n_slots < control.jobs.size() ||
        n_slots > control.jobs.size() + static_cast<std::uint64_t>(campus.nodes()))
      throw std::runtime_error("job slots out of range");
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
    ar(job.alloc, job.hazard, job.threshold, job.interruptions, job.holding);
    if constexpr (reading) {
      if (job.queue_index >= 0) {
        if (!queue || job.queue_index >= queue->records())
          throw std::runtime_error("a job slot names no job of the queue");
        job.work = queue->make_job(job.queue_index, static_cast<int>(j));
        configure_job(job);
        if (!job.alloc.nodes.empty()) job.site = site_of_node(job.alloc.nodes.front());
      }
      if (!job.work) throw std::runtime_error("an active job slot without a job");
      job.work->load(ar);
    } else {
      job.work->save(ar);
    }
  }
  if constexpr (reading) layout_dirty = true;
  ar(control, fail_slow);
  for (Facility& fa : sites) ar(fa);
  if (sites.size() > 1) ar(campus_total);
  ar(acct, job_end_running, job_end_node_power_w, coast.signature, coast.step_ticks,
     coast.step_thermal_w, coast.step_node_w, coast.step_stretch, coast.step_slots);
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
        f(Field{sizeof(v[0]), v.data(), s.local_accs, s.apr, s.campus.accelerators()});
        break;
      case Fleet::Per::node:
        f(Field{sizeof(v[0]), v.data(), s.local_nodes, s.npr, s.campus.nodes()});
        break;
      case Fleet::Per::rack:
        f(Field{sizeof(v[0]), v.data(), s.block.rack_count, 1, s.campus.racks()});
        break;
    }
  };
  s.fleet.for_each_field(field);
  s.series.for_each_rack_field([&](std::vector<double>& v) { field(Fleet::Per::rack, v); });
  s.coast.for_each_field([&](auto& v) { field(Fleet::Per::rack, v); },
                         [&](auto& v) { field(Fleet::Per::node, v); });
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
    const auto all = gather_bytes(comm, f.data, static_cast<int>(f.elem * f.local), rank);
    fields.emplace_back(all.size());
    // Rank by rank as gathered, each rank's racks to their place in global order.
    std::size_t at = 0;
    for (int q = 0; q < ranks && rank == 0; ++q) {
      const topology::RackBlock b = topology::rack_block(campus.racks(), ranks, q);
      copy_racks(b, f, all.data() + at, fields.back().data(), true);
      at += static_cast<std::size_t>(b.rack_count * f.per_rack) * f.elem;
    }
  });
  const auto pending_all = gather_bytes(
      comm, fleet.pending.data(), static_cast<int>(fleet.pending.size() * sizeof(Pending)), rank);
  int ok = 1;
  if (rank == 0) {
    const std::string tmp = path + ".tmp";
    std::ofstream os(tmp, std::ios::binary | std::ios::trunc);
    os.write(kMagic, sizeof kMagic);
    archive::Writer header;
    std::string yaml = sc.resolved_yaml;
    std::int64_t tick = next_tick, samples = out ? out->samples_written() : 0,
                 events = out ? out->events_written() : 0;
    std::uint64_t s = seed;
    header(yaml, tick, s, samples, events);
    put_block(os, "header", header.bytes().data(), header.bytes().size());
    put_block(os, "replicated", w.bytes().data(), w.bytes().size());
    for (std::size_t i = 0; i < fields.size(); ++i)
      put_block(os, "field" + std::to_string(i), fields[i].data(), fields[i].size());
    put_block(os, "pending", pending_all.data(), pending_all.size());
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

Header read_header(BlockReader& in) {
  const auto bytes = in.next("header", 40, std::min<std::uint64_t>(in.size(), 64ull << 20));
  Header h;
  try {
    archive::Reader r(bytes.data(), bytes.size());
    r(h.yaml, h.next_tick, h.seed, h.samples, h.events);
    if (!r.done()) in.bad("header", "has trailing bytes");
  } catch (const std::runtime_error& e) {
    in.bad("header", std::string("is malformed: ") + e.what());
  }
  return h;
}

}  // namespace

std::string Engine::restart_scenario(const std::string& path) {
  BlockReader in(path);
  return read_header(in).yaml;
}

Engine::Resume Engine::restore(const std::string& path) {
  State& s = *s_;
  BlockReader in(path);
  const Header h = read_header(in);
  if (h.yaml != s.sc.resolved_yaml)
    throw io::ScenarioError(path +
                            ": the restart file was written for another scenario (the "
                            "resolved scenarios differ; resume with the same file and "
                            "--set options)");
  if (h.seed != s.seed) throw io::ScenarioError(path + ": the restart file has another seed");
  if (h.next_tick <= 0 || h.next_tick >= s.ticks)
    in.bad("header", "resumes at tick " + std::to_string(h.next_tick) + " (allowed: 1 to " +
                         std::to_string(s.ticks - 1) + " of this run's " + std::to_string(s.ticks) +
                         " ticks)");
  if (h.samples < 0 || h.samples > h.next_tick / s.ticks_per_output)
    in.bad("header", "claims " + std::to_string(h.samples) + " output samples written by tick " +
                         std::to_string(h.next_tick) + " (allowed: 0 to " +
                         std::to_string(h.next_tick / s.ticks_per_output) + ")");
  if (h.events < 0) in.bad("header", "claims a negative number of events");
  const auto blob = in.next("replicated", 0, in.size());
  try {
    archive::Reader r(blob.data(), blob.size());
    s.serialize_replicated(r);
    if (!r.done()) in.bad("replicated", "has trailing bytes (written by another build?)");
  } catch (const io::ScenarioError&) {
    throw;
  } catch (const std::exception& e) {
    in.bad("replicated", std::string("is malformed: ") + e.what());
  }
  s.check_restored(in.size() > 0 ? path : path);
  int index = 0;
  for_each_field(s, [&](const Field& f) {
    const std::string name = "field" + std::to_string(index++);
    const std::uint64_t expected = f.elem * static_cast<std::uint64_t>(f.total);
    const auto bytes = in.next(name, expected, expected);
    copy_racks(s.block, f, bytes.data(), static_cast<unsigned char*>(f.data), false);
  });
  // Multi-rate stepping: coasting since a past tick, from a FastTick slot of this run.
  int bad_coast = 0;
  for (std::int64_t r = 0; r < s.block.rack_count; ++r) {
    const std::int64_t since = s.coast.since[r];
    if (since < -1 || since >= h.next_tick || s.coast.eligible[r] < 0 || s.coast.eligible[r] > 1)
      bad_coast = 1;
    if (since >= 0 || s.coast.eligible[r])
      for (std::int64_t n = r * s.npr; n < (r + 1) * s.npr; ++n)
        if (s.coast.node_slot[n] < Coasting::kRepairing ||
            s.coast.node_slot[n] > static_cast<std::int64_t>(s.control.jobs.size()))
          bad_coast = 1;
  }
  MPI_Allreduce(MPI_IN_PLACE, &bad_coast, 1, MPI_INT, MPI_MAX, s.comm);
  if (bad_coast) in.bad("field", "holds a coasting rack out of range (multi-rate stepping)");
  // The pace-step history: past ticks in order, every slot's values per step.
  const Coasting& c = s.coast;
  const std::size_t steps = c.step_ticks.size(), per_step = s.control.jobs.size() + 1;
  bool bad_steps = c.step_thermal_w.size() != steps * per_step ||
                   c.step_node_w.size() != steps * per_step ||
                   c.step_slots.size() != steps * per_step ||
                   c.step_stretch.size() != steps * per_step * Coasting::kStretchWords ||
                   !s.stretch_history_valid();
  for (std::size_t i = 0; i < steps && !bad_steps; ++i)
    bad_steps = c.step_ticks[i] < 0 || c.step_ticks[i] >= h.next_tick ||
                (i > 0 && c.step_ticks[i] < c.step_ticks[i - 1]);
  if (bad_steps)
    in.bad("replicated", "holds a pace-step history out of range (multi-rate stepping)");
  s.coast_restored();
  const auto pending = in.next("pending", 0, in.size(), sizeof(Pending));
  std::vector<Pending> all(pending.size() / sizeof(Pending));
  if (!all.empty()) std::memcpy(all.data(), pending.data(), pending.size());
  s.fleet.pending.clear();
  for (const Pending& p : all) {
    const auto key = static_cast<std::uint64_t>(p.key);
    const auto scope = static_cast<int>(faults::scope_of_key(key));
    if (p.key < 0 || scope >= faults::kScopeCount || p.failure_class < 0 ||
        p.failure_class >= faults::kFailureClassCount || !std::isfinite(p.time_s) || p.time_s < 0)
      in.bad("pending", "holds an invalid failure (key " + std::to_string(p.key) + ", class " +
                            std::to_string(p.failure_class) + ")");
    const bool mine = failure_scope(faults::scope_of_key(key))
                          .local(s, static_cast<std::int64_t>(faults::index_of_key(key)));
    if (mine) s.fleet.pending.push_back(p);
  }
  s.start_tick = h.next_tick;
  return Resume{h.samples, h.events};
}

// The replicated state just read indexes nodes, jobs and the queue: check every such index
// against this scenario before the run touches it.
void Engine::State::check_restored(const std::string& path) const {
  auto bad = [&](const std::string& what) {
    throw io::ScenarioError(path + ": restart file block 'replicated' " + what);
  };
  const auto n_nodes = static_cast<std::size_t>(campus.nodes());
  if (control.node_job.size() != n_nodes || control.node_role.size() != n_nodes)
    bad("does not hold one role per node of this campus");
  const auto n_jobs = static_cast<std::int64_t>(control.jobs.size());
  for (std::size_t n = 0; n < n_nodes; ++n) {
    const int role = static_cast<int>(control.node_role[n]);
    if (role < 0 || role > 3) bad("holds an invalid node role");
    if (control.node_job[n] < -1 || control.node_job[n] >= n_jobs) bad("holds an invalid job");
    if (control.node_role[n] == NodeRole::active && control.node_job[n] < 0)
      bad("holds an active node outside any job");
  }
  for (const auto& job : control.jobs) {
    if (!job.active) continue;
    for (const auto* list : {&job.alloc.nodes, &job.alloc.spares})
      for (std::int64_t n : *list)
        if (n < 0 || n >= campus.nodes()) bad("holds a job node out of range");
    for (std::size_t slot : job.alloc.missing_slots)
      if (slot >= job.alloc.nodes.size()) bad("holds a missing slot out of range");
  }
  if (control.spine_next_s.size() != static_cast<std::size_t>(campus.halls()) ||
      control.spine_life.size() != static_cast<std::size_t>(campus.halls()))
    bad("does not hold one spine clock per hall");
}

bool Engine::interrupted() const { return s_->interrupted; }

}  // namespace ct::twin
