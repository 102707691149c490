// Output series declared once (twin/series.hpp): every series survives a restart file, and
// every series is documented in docs/output.md.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>

#include "common/archive.hpp"
#include "twin_fixture.hpp"

namespace ct::twin {
namespace {

using testing::small_scenario;
using testing::StateFixture;

const char* kTwoKinds =
    "  - kind: burn_in\n    name: burn\n    nodes: 4\n"
    "  - kind: serving\n    name: chat\n    tp: 8\n    replicas: 2\n"
    "    model: {parameters: 8.0e9, layers: 32, hidden_size: 4096}\n"
    "    requests: {rate_per_s: 5}\n";

// Puts a different random value in every accumulator the table holds.
void scramble(SeriesTable& t, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(1.0, 2.0);
  for (std::size_t i = 0; i < t.size(); ++i) {
    const auto id = static_cast<SeriesTable::Id>(i);
    switch (t.def(id).reduce == Reduce::per_rack ? Accumulate::last : t.def(id).accumulate) {
      case Accumulate::ratio:
        t.add_ratio(id, u(rng), u(rng));
        break;
      case Accumulate::last:
        break;
      case Accumulate::maximum:
        t.observe_max(id, u(rng));
        break;
      case Accumulate::minimum:
        t.observe_min(id, u(rng));
        break;
      default:
        t.add(id, u(rng));
    }
  }
  t.for_each_rack_field([&](std::vector<double>& v) {
    for (double& x : v) x = u(rng);
  });
}

TEST(TwinSeries, EveryAccumulatorSurvivesARestartFile) {
  StateFixture a(small_scenario(2, 1, kTwoKinds)), b(small_scenario(2, 1, kTwoKinds));
  std::mt19937_64 rng(9);
  scramble(a.state->series, rng);
  archive::Writer w;
  a.state->series.serialize_replicated(w);
  std::vector<std::vector<double>> racks;
  a.state->series.for_each_rack_field([&](std::vector<double>& v) { racks.push_back(v); });
  archive::Reader r(w.bytes().data(), w.bytes().size());
  b.state->series.serialize_replicated(r);
  EXPECT_TRUE(r.done());
  std::size_t k = 0;
  b.state->series.for_each_rack_field([&](std::vector<double>& v) { v = racks[k++]; });
  const SeriesTable &ta = a.state->series, &tb = b.state->series;
  ASSERT_EQ(ta.size(), tb.size());
  for (std::size_t i = 0; i < ta.size(); ++i) {
    const auto id = static_cast<SeriesTable::Id>(i);
    if (ta.def(id).reduce == Reduce::per_rack) continue;
    if (std::isnan(ta.staged(id)) && std::isnan(tb.staged(id))) continue;  // e.g. no requests yet
    EXPECT_EQ(ta.staged(id), tb.staged(id)) << ta.def(id).path;
  }
  std::vector<double> ra, rb;
  a.state->series.for_each_rack_field(
      [&](std::vector<double>& v) { ra.insert(ra.end(), v.begin(), v.end()); });
  b.state->series.for_each_rack_field(
      [&](std::vector<double>& v) { rb.insert(rb.end(), v.begin(), v.end()); });
  EXPECT_EQ(ra, rb);
}

TEST(TwinSeries, EverySeriesIsDocumented) {
  StateFixture fx(small_scenario(2, 1, kTwoKinds));
  std::ifstream in(std::string(CT_SOURCE_DIR) + "/docs/output.md");
  std::stringstream doc;
  doc << in.rdbuf();
  const std::string text = doc.str();
  const SeriesTable& t = fx.state->series;
  for (std::size_t i = 0; i < t.size(); ++i) {
    std::string path = t.def(static_cast<SeriesTable::Id>(i)).path;
    path = std::regex_replace(path, std::regex("^jobs/(j|burn)/"), "jobs/<job>/");
    path = std::regex_replace(path, std::regex("^serving/chat/"), "serving/<deployment>/");
    path = std::regex_replace(path, std::regex("^accelerator_(time|energy)/.*"),
                              "accelerator_$1/<category>");
    EXPECT_NE(text.find("`/" + path + "`"), std::string::npos)
        << "/" << path << " is not in docs/output.md";
  }
}

TEST(TwinSeries, DeclaredOnceWithCellMethods) {
  StateFixture fx(small_scenario(2, 1));
  const auto specs = fx.state->series.specs();
  for (const auto& s : specs) {
    EXPECT_FALSE(s.units.empty()) << s.path;
    EXPECT_FALSE(s.long_name.empty()) << s.path;
    EXPECT_EQ(s.cell_methods.rfind("time: ", 0), 0u) << s.path;
  }
  SeriesTable t;
  t.configure(1.0, 60, 1);
  t.add(series_def("a/b", "1", "x", Accumulate::sum));
  EXPECT_THROW(t.add(series_def("a/b", "1", "x", Accumulate::sum)), std::logic_error);
}

}  // namespace
}  // namespace ct::twin
