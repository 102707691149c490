// The racks' decomposition over MPI ranks (topology::rack_block): dealt out one at a time, every
// rack is owned by exactly one rank, local order is global order, and a job's consecutive racks
// are spread evenly; and the contiguous split the per-rack output is exchanged into
// (io::contiguous_block) covers every column once.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "io/rack_columns.hpp"
#include "topology/campus.hpp"

namespace ct {
namespace {

TEST(TopologyRackBlock, EveryRackHasOneOwnerAndLocalOrderIsGlobalOrder) {
  for (std::int64_t racks = 0; racks <= 41; ++racks) {
    for (int ranks = 1; ranks <= 6; ++ranks) {
      std::vector<int> owners(static_cast<std::size_t>(racks), 0);
      std::int64_t total = 0;
      for (int rank = 0; rank < ranks; ++rank) {
        const topology::RackBlock b = topology::rack_block(racks, ranks, rank);
        total += b.rack_count;
        EXPECT_LE(b.rack_count, racks / ranks + 1);
        EXPECT_GE(b.rack_count, racks / ranks);
        for (std::int64_t l = 0; l < b.rack_count; ++l) {
          const std::int64_t g = b.global_rack(l);
          ASSERT_GE(g, 0);
          ASSERT_LT(g, racks);
          ++owners[static_cast<std::size_t>(g)];
          EXPECT_EQ(b.local_rack(g), l);
          if (l > 0) {
            EXPECT_GT(g, b.global_rack(l - 1));
          }
        }
        for (std::int64_t g = 0; g < racks; ++g) {
          const std::int64_t l = b.local_rack(g);
          if (l >= 0) {
            EXPECT_EQ(b.global_rack(l), g);
          }
        }
        EXPECT_EQ(b.local_rack(-1), -1);
        EXPECT_EQ(b.local_rack(racks), -1);
      }
      EXPECT_EQ(total, racks);
      for (int n : owners) EXPECT_EQ(n, 1) << racks << " racks, " << ranks << " ranks";
    }
  }
}

// A job on consecutive racks (one of configs/bench/campus-1m.yaml's: 4,000 racks from rack
// 4,096) has its racks on every rank alike, whatever its offset.
TEST(TopologyRackBlock, AJobsConsecutiveRacksAreSpreadEvenly) {
  const std::int64_t racks = 32768;
  for (int ranks : {2, 3, 4, 64}) {
    for (std::int64_t first : {0, 4096, 4097}) {
      std::vector<std::int64_t> per_rank;
      for (int rank = 0; rank < ranks; ++rank) {
        const topology::RackBlock b = topology::rack_block(racks, ranks, rank);
        std::int64_t n = 0;
        for (std::int64_t g = first; g < first + 4000; ++g) n += b.local_rack(g) >= 0;
        per_rank.push_back(n);
      }
      const auto [lo, hi] = std::minmax_element(per_rank.begin(), per_rank.end());
      EXPECT_LE(*hi - *lo, 1) << ranks << " ranks";
    }
  }
}

TEST(RackColumns, TheContiguousSplitCoversEveryColumnOnceInOrder) {
  for (std::int64_t columns = 0; columns <= 23; ++columns) {
    for (int ranks = 1; ranks <= 5; ++ranks) {
      std::int64_t next = 0;
      for (int rank = 0; rank < ranks; ++rank) {
        const io::ColumnBlock b = io::contiguous_block(columns, ranks, rank);
        EXPECT_EQ(b.first, next);
        EXPECT_EQ(b.count, topology::rack_block(columns, ranks, rank).rack_count);
        next += b.count;
      }
      EXPECT_EQ(next, columns);
    }
  }
}

}  // namespace
}  // namespace ct
