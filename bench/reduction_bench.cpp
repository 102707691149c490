// The per-tick reduction's latency (docs/performance.md, "Why 2 ranks against 1 stays near 1.6×
// on this VM"): `mpirun -n 2 build/bench/reduction_bench [calls] [sums maxima slots]`.
//
// Times, per call and on every rank count given to mpirun, the engine's reduction
// (TickReduction::allreduce: one element of a contiguous type, the user operation that sums the
// fixed-point integers, takes the maxima and keeps the earliest failure per slot) against the
// same number of bytes as MPI_INT64_T/MPI_SUM (a built-in operation), as MPI_Iallreduce +
// MPI_Wait, and as a hand-written shared-memory reduction (MPI_Win_allocate_shared, one
// double-buffered slot per rank, release/acquire sequence numbers), which bounds what any MPI
// library could do between these cores. Rank 0 prints one line per variant.
#include <mpi.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "twin/tick_reduction.hpp"

namespace {

template <class F>
double per_call_us(long calls, F&& call) {
  MPI_Barrier(MPI_COMM_WORLD);
  const double t0 = MPI_Wtime();
  for (long i = 0; i < calls; ++i) call();
  double t = MPI_Wtime() - t0, slowest = 0.0;
  MPI_Allreduce(&t, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return slowest / static_cast<double>(calls) * 1e6;
}

// One rank's slot in the shared window: a sequence number on its own cache line, then two
// buffers (a rank may publish call c + 1 while another still reads its call c).
struct alignas(64) Header {
  std::atomic<std::uint64_t> published{0};
};

// Between MPI_Init and MPI_Finalize (the reduction frees its MPI operation on destruction).
int run(int argc, char** argv) {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const long calls = argc > 1 ? std::atol(argv[1]) : 200000;
  const int sums = argc > 4 ? std::atoi(argv[2]) : 160;
  const int maxima = argc > 4 ? std::atoi(argv[3]) : 20;
  const int slots = argc > 4 ? std::atoi(argv[4]) : 10;
  if (calls <= 0 || sums < 1 || maxima < 0 || slots < 0) {
    if (rank == 0) std::fprintf(stderr, "usage: reduction_bench [calls] [sums maxima slots]\n");
    return 2;
  }

  ct::twin::TickReduction red(sums, maxima, slots);
  const std::size_t bytes = red.bytes();
  auto fill = [&] {
    red.clear();
    for (int i = 0; i < sums; ++i) red.sums()[i] = rank + i;
    for (int i = 0; i < maxima; ++i) red.maxima()[i] = rank * 0.5 + i;
    for (int i = 0; i < slots; ++i) red.offer(i, 100.0 + rank, rank, 0);
  };
  fill();
  const double engine_us = per_call_us(calls, [&] { red.allreduce(MPI_COMM_WORLD); });

  const auto words = static_cast<int>(bytes / 8);
  std::vector<std::int64_t> buf(static_cast<std::size_t>(words), rank);
  const double builtin_us = per_call_us(calls, [&] {
    MPI_Allreduce(MPI_IN_PLACE, buf.data(), words, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
  });
  const double nonblocking_us = per_call_us(calls, [&] {
    MPI_Request request;
    MPI_Iallreduce(MPI_IN_PLACE, buf.data(), words, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD, &request);
    MPI_Wait(&request, MPI_STATUS_IGNORE);
  });

  // Hand-written: ranks sharing memory only (else this variant is skipped).
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node);
  int node_size = 0;
  MPI_Comm_size(node, &node_size);
  double shared_us = -1.0;
  if (node_size == size) {
    const std::size_t slot_bytes = sizeof(Header) + 2 * ((bytes + 63) / 64 * 64);
    void* base = nullptr;
    MPI_Win win;
    MPI_Win_allocate_shared(static_cast<MPI_Aint>(slot_bytes), 64, MPI_INFO_NULL, node, &base,
                            &win);
    std::vector<unsigned char*> slot(static_cast<std::size_t>(size));
    for (int r = 0; r < size; ++r) {
      MPI_Aint got = 0;
      int unit = 0;
      MPI_Win_shared_query(win, r, &got, &unit, &slot[static_cast<std::size_t>(r)]);
    }
    new (base) Header{};
    MPI_Barrier(MPI_COMM_WORLD);
    std::vector<std::int64_t> total(static_cast<std::size_t>(words));
    std::uint64_t call = 0;
    const std::size_t half = (bytes + 63) / 64 * 64;
    shared_us = per_call_us(calls, [&] {
      ++call;
      const std::size_t at = sizeof(Header) + (call % 2) * half;
      auto* mine = static_cast<unsigned char*>(base);
      std::memcpy(mine + at, buf.data(), bytes);
      reinterpret_cast<Header*>(mine)->published.store(call, std::memory_order_release);
      std::fill(total.begin(), total.end(), 0);
      for (int r = 0; r < size; ++r) {  // in rank order on every rank: the same result
        auto* other = slot[static_cast<std::size_t>(r)];
        const auto& flag = reinterpret_cast<Header*>(other)->published;
        for (int spins = 0; flag.load(std::memory_order_acquire) < call;)
          if (++spins % 1000 == 0) std::this_thread::yield();  // oversubscribed ranks
        std::int64_t word;
        for (int w = 0; w < words; ++w) {
          std::memcpy(&word, other + at + 8 * static_cast<std::size_t>(w), 8);
          total[static_cast<std::size_t>(w)] += word;
        }
      }
      buf[0] = total[0] / size;
    });
    MPI_Win_free(&win);
  }
  MPI_Comm_free(&node);

  if (rank == 0) {
    std::printf(
        "reduction_bench: %d ranks, %zu bytes (%d sums, %d maxima, %d failure slots), "
        "%ld calls per variant; slowest rank's mean per call\n",
        size, bytes, sums, maxima, slots, calls);
    std::printf("  engine (TickReduction::allreduce, user op)   %7.3f us\n", engine_us);
    std::printf("  MPI_Allreduce MPI_INT64_T MPI_SUM            %7.3f us\n", builtin_us);
    std::printf("  MPI_Iallreduce + MPI_Wait                    %7.3f us\n", nonblocking_us);
    if (shared_us >= 0.0)
      std::printf("  hand-written shared memory (bound)           %7.3f us\n", shared_us);
    else
      std::printf("  hand-written shared memory: skipped (ranks on several nodes)\n");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  const int status = run(argc, argv);
  MPI_Finalize();
  return status;
}
