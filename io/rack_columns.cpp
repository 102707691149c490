#include "io/rack_columns.hpp"

#include <algorithm>
#include <stdexcept>

#include "topology/campus.hpp"

namespace ct::io {

ColumnBlock contiguous_block(std::int64_t columns, int ranks, int rank) {
  const std::int64_t base = columns / ranks, extra = columns % ranks;
  return {rank * base + std::min<std::int64_t>(rank, extra), base + (rank < extra ? 1 : 0)};
}

namespace {

// Columns dealt to `rank` (rank, rank + ranks, …) that fall in [first, first + count): their
// local indexes [lo, hi).
void dealt_in(std::int64_t ranks, std::int64_t rank, ColumnBlock b, std::int64_t& lo,
              std::int64_t& hi) {
  auto first_at_least = [&](std::int64_t g) {  // local index of the first dealt column ≥ g
    return g <= rank ? 0 : (g - rank + ranks - 1) / ranks;
  };
  lo = first_at_least(b.first);
  hi = first_at_least(b.first + b.count);
}

int as_count(std::int64_t n) {
  if (n > 2147483647) throw std::runtime_error("output buffer too large for one exchange");
  return static_cast<int>(n);
}

}  // namespace

std::vector<double> dealt_to_contiguous(MPI_Comm comm, std::int64_t columns, std::int64_t rows,
                                        const std::vector<double>& dealt) {
  int ranks = 1, rank = 0;
  MPI_Comm_size(comm, &ranks);
  MPI_Comm_rank(comm, &rank);
  const std::int64_t local = topology::rack_block(columns, ranks, rank).rack_count;  // dealt
  const ColumnBlock mine = contiguous_block(columns, ranks, rank);
  std::vector<int> send_counts(ranks), send_displs(ranks), recv_counts(ranks), recv_displs(ranks);
  std::vector<double> send(dealt.size());
  std::int64_t at = 0;
  for (int q = 0; q < ranks; ++q) {  // to q: the rows of my columns in its block
    std::int64_t lo = 0, hi = 0;
    dealt_in(ranks, rank, contiguous_block(columns, ranks, q), lo, hi);
    send_displs[q] = as_count(at);
    for (std::int64_t i = 0; i < rows; ++i)
      for (std::int64_t l = lo; l < hi; ++l)
        send[static_cast<std::size_t>(at++)] = dealt[static_cast<std::size_t>(i * local + l)];
    send_counts[q] = as_count(at) - send_displs[q];
  }
  std::int64_t total = 0;
  for (int p = 0; p < ranks; ++p) {  // from p: the rows of its columns in my block
    std::int64_t lo = 0, hi = 0;
    dealt_in(ranks, p, mine, lo, hi);
    recv_displs[p] = as_count(total);
    recv_counts[p] = as_count(rows * (hi - lo));
    total += rows * (hi - lo);
  }
  std::vector<double> recv(static_cast<std::size_t>(total));
  MPI_Alltoallv(send.data(), send_counts.data(), send_displs.data(), MPI_DOUBLE, recv.data(),
                recv_counts.data(), recv_displs.data(), MPI_DOUBLE, comm);
  std::vector<double> out(static_cast<std::size_t>(rows * mine.count));
  for (int p = 0; p < ranks; ++p) {
    std::int64_t lo = 0, hi = 0;
    dealt_in(ranks, p, mine, lo, hi);
    const double* from = recv.data() + recv_displs[p];
    for (std::int64_t i = 0; i < rows; ++i)
      for (std::int64_t l = lo; l < hi; ++l)
        out[static_cast<std::size_t>(i * mine.count + (p + l * ranks - mine.first))] = *from++;
  }
  return out;
}

}  // namespace ct::io
