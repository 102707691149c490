#include "twin/tick_reduction.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

namespace ct::twin {

namespace {

// The layout of the buffer being reduced; MPI user ops get no context pointer, and one
// reduction is in flight at a time per process.
thread_local int g_sums = 0, g_maxima = 0, g_slots = 0;

bool earlier(const FailureSlot& a, const FailureSlot& b) {
  if (a.time_s != b.time_s) return a.time_s < b.time_s;
  return a.key < b.key;
}

void combine(void* in, void* inout, int* len, MPI_Datatype*) {
  if (*len != 1) return;  // always one whole-buffer element (see constructor)
  auto* in_bytes = static_cast<unsigned char*>(in);
  auto* io_bytes = static_cast<unsigned char*>(inout);
  for (int i = 0; i < g_sums; ++i) {
    std::int64_t a, b;
    std::memcpy(&a, in_bytes + 8 * i, 8);
    std::memcpy(&b, io_bytes + 8 * i, 8);
    b += a;
    std::memcpy(io_bytes + 8 * i, &b, 8);
  }
  const std::size_t max_off = static_cast<std::size_t>(g_sums) * 8;
  for (int i = 0; i < g_maxima; ++i) {
    double a, b;
    std::memcpy(&a, in_bytes + max_off + 8 * i, 8);
    std::memcpy(&b, io_bytes + max_off + 8 * i, 8);
    if (a > b) std::memcpy(io_bytes + max_off + 8 * i, &a, 8);
  }
  const std::size_t slot_off = max_off + static_cast<std::size_t>(g_maxima) * 8;
  for (int i = 0; i < g_slots; ++i) {
    FailureSlot a, b;
    std::memcpy(&a, in_bytes + slot_off + sizeof(FailureSlot) * i, sizeof a);
    std::memcpy(&b, io_bytes + slot_off + sizeof(FailureSlot) * i, sizeof b);
    if (earlier(a, b)) std::memcpy(io_bytes + slot_off + sizeof(FailureSlot) * i, &a, sizeof a);
  }
}

}  // namespace

TickReduction::TickReduction(int sums, int maxima, int slots)
    : n_sums_(sums), n_maxima_(maxima), n_slots_(slots) {
  buffer_.resize(sums_bytes() + maxima_bytes() + sizeof(FailureSlot) * slots);
  MPI_Op_create(&combine, 1, &op_);
  // One element of a contiguous type covering the whole buffer: MPI never splits an element,
  // so the layout-aware operation always sees whole buffers.
  MPI_Type_contiguous(static_cast<int>(buffer_.size()), MPI_BYTE, &type_);
  MPI_Type_commit(&type_);
  clear();
}

TickReduction::~TickReduction() {
  if (op_ != MPI_OP_NULL) MPI_Op_free(&op_);
  if (type_ != MPI_DATATYPE_NULL) MPI_Type_free(&type_);
}

void TickReduction::clear() {
  std::fill(buffer_.begin(), buffer_.end(), 0);
  double* m = maxima();
  for (int i = 0; i < n_maxima_; ++i) m[i] = -std::numeric_limits<double>::infinity();
  FailureSlot* s = slots();
  for (int i = 0; i < n_slots_; ++i)
    s[i] = FailureSlot{std::numeric_limits<double>::infinity(),
                       std::numeric_limits<std::int64_t>::max(), -1, 0};
}

void TickReduction::offer(int slot, double time_s, std::int64_t key, std::int32_t failure_class) {
  FailureSlot candidate{time_s, key, failure_class, 0};
  if (earlier(candidate, slots()[slot])) slots()[slot] = candidate;
}

void TickReduction::allreduce(MPI_Comm comm) {
  g_sums = n_sums_;
  g_maxima = n_maxima_;
  g_slots = n_slots_;
  const double t0 = MPI_Wtime();
  MPI_Allreduce(MPI_IN_PLACE, buffer_.data(), 1, type_, op_, comm);
  mpi_seconds_ += MPI_Wtime() - t0;
  previous_ = buffer_;
  has_previous_ = true;
}

void TickReduction::repeat_previous() {
  std::copy(previous_.begin(), previous_.end(), buffer_.begin());
  ++repeated_;
}

}  // namespace ct::twin
