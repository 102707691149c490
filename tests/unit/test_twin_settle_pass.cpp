// The settle's first pass (twin/settle_pass.hpp) against the kernel's step done tick by tick:
// the same junctions and tick-end extremes, bit for bit, on every instruction set; and its
// boundary samples against the engine's expression for them.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <random>
#include <vector>

#include "twin/settle_pass.hpp"

namespace {

using ct::twin::settle_pass;
using ct::twin::settle_samples;
using ct::twin::SettleIsa;
using ct::twin::SettlePassArgs;
using ct::twin::SettleSampleArgs;

// Every instruction set (best is AVX-512 where the CPU has it).
constexpr SettleIsa kIsas[] = {SettleIsa::best, SettleIsa::avx2, SettleIsa::sse2,
                               SettleIsa::scalar};

struct Case {
  std::size_t nodes, units_per_node;
  std::vector<std::int64_t> ticks;
  std::vector<double> inlet_c, power_w, junction_c, resistance;
  double gain, decay;
};

Case make_case(std::size_t nodes, std::size_t units_per_node, std::uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u01(0.0, 1.0);
  Case c{nodes, units_per_node, {}, {}, {}, {}, {}, 0.0, 0.0};
  c.decay = 0.9 + 0.09 * u01(rng);
  c.gain = 1.0 - c.decay;
  const std::size_t n = nodes * units_per_node;
  for (std::size_t u = 0; u < n; ++u) {
    c.junction_c.push_back(25.0 + 60.0 * u01(rng));
    c.resistance.push_back(0.07 + 0.01 * u01(rng));
  }
  // Stretches of one tick (a pace that steps every tick) and longer ones, powers that rise and
  // fall (so the trajectories turn), inlets per node.
  for (int s = 0; s < 40; ++s) {
    c.ticks.push_back(s % 3 == 0 ? 1 + static_cast<std::int64_t>(u01(rng) * 50.0) : 1);
    for (std::size_t node = 0; node < nodes; ++node) {
      c.inlet_c.push_back(20.0 + 10.0 * u01(rng));
      c.power_w.push_back(u01(rng) < 0.3 ? 90.0 : 300.0 + 400.0 * u01(rng));
    }
  }
  return c;
}

// The kernel's step tick by tick, every tick's end noted.
void reference(const Case& c, std::vector<double>& jc, std::vector<double>& hot,
               std::vector<double>& cold) {
  for (std::size_t u = 0; u < jc.size(); ++u) {
    const std::size_t node = u / c.units_per_node;
    for (std::size_t s = 0; s < c.ticks.size(); ++s) {
      const double drive = c.gain * (c.inlet_c[s * c.nodes + node] +
                                     c.resistance[u] * c.power_w[s * c.nodes + node]);
      for (std::int64_t i = 0; i < c.ticks[s]; ++i) {
        jc[u] = drive + c.decay * jc[u];
        hot[u] = std::max(hot[u], jc[u]);
        cold[u] = std::min(cold[u], jc[u]);
      }
    }
  }
}

SettlePassArgs args(Case& c, std::vector<double>& jc, std::vector<double>& hot,
                    std::vector<double>& cold) {
  SettlePassArgs a;
  a.junction_c = jc.data(), a.resistance_k_per_w = c.resistance.data();
  a.hottest_c = hot.data(), a.coldest_c = cold.data();
  a.nodes = c.nodes, a.units_per_node = c.units_per_node;
  a.ticks = c.ticks.data(), a.inlet_c = c.inlet_c.data(), a.power_w = c.power_w.data();
  a.first = 0, a.last = c.ticks.size();
  a.gain = c.gain, a.decay = c.decay;
  return a;
}

// The pass in two calls split at stretch 17 (the engine stops at a tick with stretches).
void settle_pass_split(SettlePassArgs a, SettleIsa isa) {
  const std::size_t last = a.last;
  a.last = 17;
  settle_pass(a, isa);
  a.first = 17, a.last = last;
  settle_pass(a, isa);
}

void expect_bits(const std::vector<double>& got, const std::vector<double>& want,
                 const char* what) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t u = 0; u < got.size(); ++u)
    ASSERT_EQ(std::bit_cast<std::uint64_t>(got[u]), std::bit_cast<std::uint64_t>(want[u]))
        << what << " of unit " << u << ": " << got[u] << " vs " << want[u];
}

// The samples' maximum, minimum, peak, fall and rise against their expected values.
void expect_all_bits(std::initializer_list<const std::vector<double>*> got,
                     std::initializer_list<const std::vector<double>*> want) {
  const char* names[] = {"sampled", "coldest", "peak", "fall", "rise"};
  auto w = want.begin();
  int i = 0;
  for (const auto* g : got) expect_bits(*g, **w++, names[i++]);
}

TEST(SettlePass, EveryInstructionSetGivesTheTickByTickBits) {
  const double inf = std::numeric_limits<double>::infinity();
  // 8 and 16 units per node (AVX-512, AVX2 and SSE2 blocks and single vectors), 4 (AVX2), 6
  // (SSE2), 3 (scalar).
  const std::size_t shapes[][2] = {{4, 8}, {5, 8}, {4, 4}, {3, 6}, {4, 3}, {1, 8}, {3, 16}};
  for (const auto& shape : shapes) {
    Case c = make_case(shape[0], shape[1], static_cast<std::uint32_t>(shape[0] * 100 + shape[1]));
    const std::size_t n = c.nodes * c.units_per_node;
    std::vector<double> jc0 = c.junction_c, hot0(n, -inf), cold0(n, inf);
    reference(c, jc0, hot0, cold0);
    for (SettleIsa isa : kIsas) {
      SCOPED_TRACE(testing::Message() << shape[0] << " nodes × " << shape[1] << " units, isa "
                                      << static_cast<int>(isa));
      std::vector<double> jc = c.junction_c, hot(n, -inf), cold(n, inf);
      settle_pass(args(c, jc, hot, cold), isa);
      expect_bits(jc, jc0, "junction");
      expect_bits(hot, hot0, "hottest");
      expect_bits(cold, cold0, "coldest");
      // Split into two calls (the engine stops at a tick with stretches): the same bits.
      std::vector<double> jc2 = c.junction_c, hot2(n, -inf), cold2(n, inf);
      settle_pass_split(args(c, jc2, hot2, cold2), isa);
      expect_bits(jc2, jc0, "junction (split)");
      expect_bits(hot2, hot0, "hottest (split)");
      expect_bits(cold2, cold0, "coldest (split)");
    }
  }
}

// Two racks in one pass (the engine pairs racks whose settles share a record): each rack's
// junctions and extremes are those of the tick-by-tick step, on every instruction set and
// shape (4 × 8 units takes the eight-chain AVX-512 path; the others a pass per rack).
TEST(SettlePass, TwoRacksInOnePassGiveEachRacksBits) {
  const double inf = std::numeric_limits<double>::infinity();
  const std::size_t shapes[][2] = {{4, 8}, {2, 16}, {1, 8}, {4, 3}};
  for (const auto& shape : shapes) {
    Case c = make_case(shape[0], shape[1], static_cast<std::uint32_t>(shape[0] * 10 + shape[1]));
    Case d =
        make_case(shape[0], shape[1], static_cast<std::uint32_t>(shape[0] * 10 + shape[1] + 7));
    d.ticks = c.ticks, d.inlet_c = c.inlet_c, d.power_w = c.power_w;  // the same record
    d.gain = c.gain, d.decay = c.decay;
    const std::size_t n = c.nodes * c.units_per_node;
    std::vector<double> jc_c = c.junction_c, hot_c(n, -inf), cold_c(n, inf);
    std::vector<double> jc_d = d.junction_c, hot_d(n, -inf), cold_d(n, inf);
    reference(c, jc_c, hot_c, cold_c);
    reference(d, jc_d, hot_d, cold_d);
    for (SettleIsa isa : kIsas) {
      SCOPED_TRACE(testing::Message() << shape[0] << " nodes × " << shape[1] << " units, isa "
                                      << static_cast<int>(isa));
      std::vector<double> jc = c.junction_c, hot(n, -inf), cold(n, inf);
      std::vector<double> jc2 = d.junction_c, hot2(n, -inf), cold2(n, inf);
      SettlePassArgs a = args(c, jc, hot, cold);
      a.junction2_c = jc2.data(), a.resistance2_k_per_w = d.resistance.data();
      a.hottest2_c = hot2.data(), a.coldest2_c = cold2.data();
      settle_pass_split(a, isa);
      expect_bits(jc, jc_c, "junction (first rack)");
      expect_bits(hot, hot_c, "hottest (first rack)");
      expect_bits(cold, cold_c, "coldest (first rack)");
      expect_bits(jc2, jc_d, "junction (second rack)");
      expect_bits(hot2, hot_d, "hottest (second rack)");
      expect_bits(cold2, cold_d, "coldest (second rack)");
    }
  }
}

// The optional exact largest fall and rise: the pass notes a stretch's first and last tick
// ends only, which gives what noting every tick end in order gives (the step is monotone within
// a stretch), on every instruction set, in one call or two.
TEST(SettlePass, ExactFallAndRiseEqualNotingEveryTick) {
  const double inf = std::numeric_limits<double>::infinity();
  const std::size_t shapes[][2] = {{4, 8}, {5, 8}, {4, 4}, {3, 6}, {4, 3}};
  for (const auto& shape : shapes) {
    Case c = make_case(shape[0], shape[1], static_cast<std::uint32_t>(shape[0] * 10 + shape[1]));
    const std::size_t n = c.nodes * c.units_per_node;
    // Reference: every tick end noted in order (coasting_replay.cpp, note_unit).
    std::vector<double> jc0 = c.junction_c, peak0(n, -inf), cold0(n, inf), fall0(n, 0.0),
                        rise0(n, 0.0);
    for (std::size_t u = 0; u < n; ++u) {
      const std::size_t node = u / c.units_per_node;
      for (std::size_t s = 0; s < c.ticks.size(); ++s) {
        const double drive = c.gain * (c.inlet_c[s * c.nodes + node] +
                                       c.resistance[u] * c.power_w[s * c.nodes + node]);
        for (std::int64_t i = 0; i < c.ticks[s]; ++i) {
          const double t = jc0[u] = drive + c.decay * jc0[u];
          peak0[u] = std::max(peak0[u], t);
          cold0[u] = std::min(cold0[u], t);
          fall0[u] = std::max(fall0[u], peak0[u] - t);
          rise0[u] = std::max(rise0[u], t - cold0[u]);
        }
      }
    }
    ASSERT_GT(*std::max_element(fall0.begin(), fall0.end()), 1.0);  // the case turns
    for (SettleIsa isa : kIsas) {
      SCOPED_TRACE(testing::Message() << shape[0] << " nodes × " << shape[1] << " units, isa "
                                      << static_cast<int>(isa));
      for (const std::size_t split : {std::size_t{0}, std::size_t{17}}) {
        std::vector<double> jc = c.junction_c, hot(n, -inf), cold(n, inf), peak(n, -inf),
                            fall(n, 0.0), rise(n, 0.0);
        SettlePassArgs a = args(c, jc, hot, cold);
        a.peak_c = peak.data(), a.fall_c = fall.data(), a.rise_c = rise.data();
        if (split > 0) {
          a.last = split;
          settle_pass(a, isa);
          a.first = split, a.last = c.ticks.size();
        }
        settle_pass(a, isa);
        expect_bits(jc, jc0, "junction");
        expect_bits(peak, peak0, "peak");
        expect_bits(hot, peak0, "hottest");  // no samples: the peak is the tick ends' maximum
        expect_bits(cold, cold0, "coldest");
        expect_bits(fall, fall0, "fall");
        expect_bits(rise, rise0, "rise");
      }
    }
  }
}

TEST(SettlePass, AnEmptyRangeChangesNothing) {
  Case c = make_case(2, 8, 7);
  std::vector<double> jc = c.junction_c, hot(16, 1.0), cold(16, 2.0);
  SettlePassArgs a = args(c, jc, hot, cold);
  a.first = a.last = 5;
  settle_pass(a);
  expect_bits(jc, c.junction_c, "junction");
  EXPECT_EQ(hot, std::vector<double>(16, 1.0));
  EXPECT_EQ(cold, std::vector<double>(16, 2.0));
}

TEST(SettlePass, BoundarySamplesOnEveryInstructionSetGiveTheEnginesBits) {
  // 16 and 8 units (AVX-512), 4 (AVX2), 6 (SSE2), 3 (scalar); one to three boundaries.
  for (const std::size_t units : {16u, 8u, 4u, 6u, 3u}) {
    for (int boundaries = 1; boundaries <= 3; ++boundaries) {
      std::mt19937_64 rng(units * 10 + static_cast<std::size_t>(boundaries));
      std::uniform_real_distribution<double> u01(0.0, 1.0);
      std::vector<double> jc, res, sampled0, coldest0, weights;
      for (std::size_t u = 0; u < units; ++u) {
        jc.push_back(25.0 + 60.0 * u01(rng));
        res.push_back(0.07 + 0.01 * u01(rng));
        sampled0.push_back(40.0 + 20.0 * u01(rng));  // some samples above, some below
        coldest0.push_back(40.0 + 20.0 * u01(rng));
      }
      for (int b = 0; b < boundaries; ++b) {
        const double decay = 0.9 + 0.09 * u01(rng), run = (1.0 - decay) * u01(rng);
        weights.insert(weights.end(), {decay, run, 1.0 - decay - run});
      }
      const double run_c = 20.0 + 10.0 * u01(rng), stall_c = 20.0 + 10.0 * u01(rng);
      const double run_w = 300.0 + 400.0 * u01(rng), stall_w = 90.0 + 10.0 * u01(rng);
      // The engine's expression (coasting_replay.cpp, sample_boundaries) folded unit by unit.
      std::vector<double> sampled_want = sampled0, coldest_want = coldest0;
      for (int b = 0; b < boundaries; ++b) {
        const double* q = weights.data() + 3 * b;
        for (std::size_t u = 0; u < units; ++u) {
          const double t =
              q[0] * jc[u] + q[1] * (run_c + res[u] * run_w) + q[2] * (stall_c + res[u] * stall_w);
          sampled_want[u] = std::max(sampled_want[u], t);
          coldest_want[u] = std::min(coldest_want[u], t);
        }
      }
      ASSERT_NE(sampled_want, sampled0);  // the case moves the extremes
      for (SettleIsa isa : kIsas) {
        SCOPED_TRACE(testing::Message() << units << " units, " << boundaries << " boundaries, isa "
                                        << static_cast<int>(isa));
        std::vector<double> sampled = sampled0, coldest = coldest0;
        SettleSampleArgs a;
        a.junction_c = jc.data(), a.resistance_k_per_w = res.data();
        a.sampled_c = sampled.data(), a.coldest_c = coldest.data();
        a.units = units, a.boundaries = boundaries, a.weights = weights.data();
        a.run_c = run_c, a.stall_c = stall_c, a.run_w = run_w, a.stall_w = stall_w;
        settle_samples(a, isa);
        expect_bits(sampled, sampled_want, "sampled");
        expect_bits(coldest, coldest_want, "coldest");
        // With the exact fall and rise: the samples noted in order into them too.
        // (A peak above the samples' maximum so far: a tick end's, which `sampled` does not hold.)
        std::vector<double> peak = sampled0, fall(units, 0.5), rise(units, 0.25);
        for (double& p : peak) p += 1.5;
        std::vector<double> peak_want = peak, fall_want = fall, rise_want = rise;
        std::vector<double> cold_want = coldest0;
        for (int b = 0; b < boundaries; ++b) {
          const double* q = weights.data() + 3 * b;
          for (std::size_t u = 0; u < units; ++u) {
            const double t = q[0] * jc[u] + q[1] * (run_c + res[u] * run_w) +
                             q[2] * (stall_c + res[u] * stall_w);
            peak_want[u] = std::max(peak_want[u], t);
            cold_want[u] = std::min(cold_want[u], t);
            fall_want[u] = std::max(fall_want[u], peak_want[u] - t);
            rise_want[u] = std::max(rise_want[u], t - cold_want[u]);
          }
        }
        sampled = sampled0, coldest = coldest0;
        a.sampled_c = sampled.data(), a.coldest_c = coldest.data();
        a.peak_c = peak.data(), a.fall_c = fall.data(), a.rise_c = rise.data();
        settle_samples(a, isa);
        expect_all_bits({&sampled, &coldest, &peak, &fall, &rise},
                        {&sampled_want, &cold_want, &peak_want, &fall_want, &rise_want});
      }
    }
  }
}

// Several nodes in one call (per-node run and stall inlets, shared weights and powers): the
// bits of one call per node, on every instruction set, with and without the exact fall and rise.
TEST(SettlePass, BoundarySamplesOfSeveralNodesInOneCallGiveTheOneNodeBits) {
  for (const std::size_t units_per_node : {8u, 4u, 6u, 3u}) {
    const std::size_t nodes = 4, units = nodes * units_per_node;
    std::mt19937_64 rng(units_per_node);
    std::uniform_real_distribution<double> u01(0.0, 1.0);
    std::vector<double> jc, res, sampled0, coldest0, weights, run_c, stall_c;
    for (std::size_t u = 0; u < units; ++u) {
      jc.push_back(25.0 + 60.0 * u01(rng));
      res.push_back(0.07 + 0.01 * u01(rng));
      sampled0.push_back(40.0 + 20.0 * u01(rng));
      coldest0.push_back(40.0 + 20.0 * u01(rng));
    }
    for (std::size_t node = 0; node < nodes; ++node) {
      run_c.push_back(20.0 + 10.0 * u01(rng));
      stall_c.push_back(20.0 + 10.0 * u01(rng));
    }
    for (int b = 0; b < 2; ++b) {
      const double decay = 0.9 + 0.09 * u01(rng), run = (1.0 - decay) * u01(rng);
      weights.insert(weights.end(), {decay, run, 1.0 - decay - run});
    }
    const double run_w = 300.0 + 400.0 * u01(rng), stall_w = 90.0 + 10.0 * u01(rng);
    for (const bool exact : {false, true}) {
      for (SettleIsa isa : kIsas) {
        SCOPED_TRACE(testing::Message() << units_per_node << " units per node, exact " << exact
                                        << ", isa " << static_cast<int>(isa));
        std::vector<double> sampled_want = sampled0, coldest_want = coldest0;
        std::vector<double> peak_want(units, 50.0), fall_want(units, 0.1), rise_want(units, 0.2);
        std::vector<double> sampled = sampled_want, coldest = coldest_want, peak = peak_want,
                            fall = fall_want, rise = rise_want;
        for (std::size_t node = 0; node < nodes; ++node) {
          const std::size_t u0 = node * units_per_node;
          SettleSampleArgs a;
          a.junction_c = jc.data() + u0, a.resistance_k_per_w = res.data() + u0;
          a.sampled_c = sampled_want.data() + u0, a.coldest_c = coldest_want.data() + u0;
          a.units = units_per_node, a.boundaries = 2, a.weights = weights.data();
          a.run_c = run_c[node], a.stall_c = stall_c[node], a.run_w = run_w, a.stall_w = stall_w;
          if (exact)
            a.peak_c = peak_want.data() + u0, a.fall_c = fall_want.data() + u0,
            a.rise_c = rise_want.data() + u0;
          settle_samples(a, isa);
        }
        SettleSampleArgs a;
        a.junction_c = jc.data(), a.resistance_k_per_w = res.data();
        a.sampled_c = sampled.data(), a.coldest_c = coldest.data();
        a.units = units, a.units_per_node = units_per_node, a.boundaries = 2;
        a.weights = weights.data(), a.node_run_c = run_c.data(), a.node_stall_c = stall_c.data();
        a.run_w = run_w, a.stall_w = stall_w;
        if (exact) a.peak_c = peak.data(), a.fall_c = fall.data(), a.rise_c = rise.data();
        settle_samples(a, isa);
        expect_all_bits({&sampled, &coldest, &peak, &fall, &rise},
                        {&sampled_want, &coldest_want, &peak_want, &fall_want, &rise_want});
      }
    }
  }
}

}  // namespace
