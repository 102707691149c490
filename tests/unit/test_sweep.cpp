// Sweep expansion (grid × zip, errors with file:line:column), parameters JSON, and the
// summarize CSV over small HDF5 files written here with the HDF5 C API.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "io/config_tree.hpp"
#include "io/summarize.hpp"
#include "io/sweep.hpp"

namespace {

using namespace ct::io;

std::vector<SweepVariant> expand(const std::string& yaml) {
  auto root = parse_yaml(yaml, "study.yaml");
  return extract_sweep(*root);
}

std::string error_of(const std::string& yaml) {
  try {
    expand(yaml);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Sweep, GridIsCartesianLastKeyFastest) {
  const auto v = expand(
      "sweep:\n"
      "  grid:\n"
      "    faults.rate_scale: [1, 20, 50]\n"
      "    campus.cooling: [air, liquid]\n");
  ASSERT_EQ(v.size(), 6u);
  EXPECT_EQ(v[0].sets, (std::vector<std::string>{"faults.rate_scale=1", "campus.cooling=air"}));
  EXPECT_EQ(v[1].sets, (std::vector<std::string>{"faults.rate_scale=1", "campus.cooling=liquid"}));
  EXPECT_EQ(v[2].sets, (std::vector<std::string>{"faults.rate_scale=20", "campus.cooling=air"}));
  EXPECT_EQ(v[5].sets, (std::vector<std::string>{"faults.rate_scale=50", "campus.cooling=liquid"}));
  EXPECT_EQ(v[3].parameters[0], (std::pair<std::string, std::string>{"faults.rate_scale", "20"}));
  ASSERT_EQ(v[0].origins.size(), 2u);
  EXPECT_EQ(v[0].origins[0].file, "study.yaml");
  EXPECT_EQ(v[0].origins[0].line, 3);
}

TEST(Sweep, ZipIsParallelAndInnermost) {
  const auto v = expand(
      "sweep:\n"
      "  zip:\n"
      "    jobs.0.parallel.tp: [8, 4]\n"
      "    jobs.0.parallel.pp: [4, 8]\n"
      "  grid:\n"
      "    seed: [1, 2, 3]\n");
  ASSERT_EQ(v.size(), 6u);
  EXPECT_EQ(v[0].sets,
            (std::vector<std::string>{"seed=1", "jobs.0.parallel.tp=8", "jobs.0.parallel.pp=4"}));
  EXPECT_EQ(v[1].sets,
            (std::vector<std::string>{"seed=1", "jobs.0.parallel.tp=4", "jobs.0.parallel.pp=8"}));
  EXPECT_EQ(v[2].sets[0], "seed=2");
  EXPECT_EQ(v[5].sets,
            (std::vector<std::string>{"seed=3", "jobs.0.parallel.tp=4", "jobs.0.parallel.pp=8"}));
  const auto z = expand("sweep: {zip: {a: [1, 2, 3], b: [x, y, z]}}\n");
  ASSERT_EQ(z.size(), 3u);
  EXPECT_EQ(z[2].sets, (std::vector<std::string>{"a=3", "b=z"}));
}

TEST(Sweep, ValuesRoundTripThroughApplySet) {
  const auto v = expand(
      "sweep:\n"
      "  grid:\n"
      "    x: [\"1\", 2.5e9, true, ~, [1, 2], {k: v, n: 3}, 'a: b', \"with \\\"quote\\\"\"]\n");
  ASSERT_EQ(v.size(), 8u);
  for (const auto& var : v) {
    auto root = parse_yaml("x: 0\n", "base.yaml");
    ASSERT_NO_THROW(apply_set(*root, var.sets[0])) << var.sets[0];
    auto expected = parse_yaml(
        "x: [\"1\", 2.5e9, true, ~, [1, 2], {k: v, n: 3}, 'a: b', \"with \\\"quote\\\"\"]\n",
        "expected.yaml");
    const std::size_t i = static_cast<std::size_t>(&var - v.data());
    const ConfigNode& want = *expected->find("x")->items[i];
    const ConfigNode& got = *root->find("x");
    EXPECT_EQ(emit_yaml(got), emit_yaml(want)) << var.sets[0];
    EXPECT_EQ(got.quoted, want.quoted) << var.sets[0];
  }
  EXPECT_EQ(parameters_json(v[0]), R"({"x": "1"})");
  EXPECT_EQ(parameters_json(v[1]), R"({"x": 2.5e9})");
  EXPECT_EQ(parameters_json(v[2]), R"({"x": true})");
  EXPECT_EQ(parameters_json(v[3]), R"({"x": null})");
  EXPECT_EQ(parameters_json(v[4]), R"({"x": [1, 2]})");
  EXPECT_EQ(parameters_json(v[5]), R"({"x": {"k": "v", "n": 3}})");
  EXPECT_EQ(parameters_json(v[6]), R"({"x": "a: b"})");
  EXPECT_EQ(parameters_json(v[7]), R"({"x": "with \"quote\""})");
}

TEST(Sweep, ParametersJsonNumbersAndStrings) {
  const auto v = expand("sweep: {grid: {a.b: [+1, .5, 7, air, 1.0e9]}}\n");
  ASSERT_EQ(v.size(), 5u);
  EXPECT_EQ(parameters_json(v[0]), R"({"a.b": 1})");
  EXPECT_EQ(parameters_json(v[1]), R"({"a.b": 0.5})");
  EXPECT_EQ(parameters_json(v[2]), R"({"a.b": 7})");
  EXPECT_EQ(parameters_json(v[3]), R"({"a.b": "air"})");
  EXPECT_EQ(parameters_json(v[4]), R"({"a.b": 1.0e9})");
  SweepVariant two;
  two.parameters = {{"p", "1"}, {"q", "x"}};
  EXPECT_EQ(parameters_json(two), R"({"p": 1, "q": "x"})");
  EXPECT_EQ(describe_variant(v[3]), "a.b=air");
}

TEST(Sweep, NoSweepKeyLeavesTreeAlone) {
  auto root = parse_yaml("name: x\n", "s.yaml");
  EXPECT_TRUE(extract_sweep(*root).empty());
  EXPECT_NE(root->find("name"), nullptr);
  auto with = parse_yaml("name: x\nsweep: {grid: {seed: [1, 2]}}\n", "s.yaml");
  EXPECT_EQ(extract_sweep(*with).size(), 2u);
  EXPECT_EQ(with->find("sweep"), nullptr);
}

TEST(Sweep, MalformedSweepsNameFileLineColumn) {
  EXPECT_NE(error_of("sweep: [1, 2]\n").find("study.yaml:1:"), std::string::npos);
  EXPECT_NE(error_of("sweep: {}\n").find("needs a 'grid' or a 'zip'"), std::string::npos);
  const std::string unknown = error_of("sweep:\n  grdi: {a: [1]}\n");
  EXPECT_NE(unknown.find("study.yaml:2:3"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("unknown key 'grdi'"), std::string::npos) << unknown;
  const std::string scalar = error_of("sweep:\n  grid:\n    a.b: 3\n");
  EXPECT_NE(scalar.find("study.yaml:3:5"), std::string::npos) << scalar;
  EXPECT_NE(scalar.find("sweep.grid.a.b"), std::string::npos) << scalar;
  EXPECT_NE(scalar.find("list of values"), std::string::npos) << scalar;
  const std::string empty = error_of("sweep:\n  grid:\n    a.b: []\n");
  EXPECT_NE(empty.find("study.yaml:3:5"), std::string::npos) << empty;
  EXPECT_NE(empty.find("empty"), std::string::npos) << empty;
  const std::string ragged = error_of("sweep:\n  zip:\n    a: [1, 2]\n    b: [1, 2, 3]\n");
  EXPECT_NE(ragged.find("study.yaml:4:5"), std::string::npos) << ragged;
  EXPECT_NE(ragged.find("same length"), std::string::npos) << ragged;
  const std::string twice = error_of("sweep:\n  grid: {a: [1]}\n  zip: {a: [2]}\n");
  EXPECT_NE(twice.find("study.yaml:3:9"), std::string::npos) << twice;
  EXPECT_NE(twice.find("swept twice"), std::string::npos) << twice;
  EXPECT_NE(error_of("sweep: {grid: [a, b]}\n").find("must be a map"), std::string::npos);
  EXPECT_NE(error_of("sweep: {grid: {'a=b': [1]}}\n").find("not a key path"), std::string::npos);
  EXPECT_NE(error_of("sweep: {grid: {sweep.grid: [1]}}\n").find("cannot be swept"),
            std::string::npos);
}

TEST(Sweep, SelectVariantRange) {
  const auto v = expand("sweep: {grid: {seed: [1, 2, 3]}}\n");
  EXPECT_EQ(select_variant(v, 2, "s.yaml").sets[0], "seed=3");
  try {
    select_variant(v, 3, "s.yaml");
    FAIL() << "no error";
  } catch (const ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("0 to 2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(select_variant(v, -1, "s.yaml"), ScenarioError);
  EXPECT_THROW(select_variant({}, 0, "s.yaml"), ScenarioError);
}

TEST(Sweep, DemoStudyHasThreeVariants) {
  const std::string path = std::string(CT_SOURCE_DIR) + "/configs/studies/sweep-demo.yaml";
  const Study s = load_study(path);
  ASSERT_TRUE(s.has_sweep);
  ASSERT_EQ(s.variants.size(), 3u);
  EXPECT_EQ(s.scenario->find("sweep"), nullptr);
  EXPECT_NE(s.scenario->find("jobs"), nullptr);  // from ../quickstart.yaml
  EXPECT_EQ(s.variants[1].sets[0], "faults.rate_scale=20");
  EXPECT_EQ(parameters_json(s.variants[2]), R"({"faults.rate_scale": 50})");
  EXPECT_EQ(load_sweep_variants(path).size(), 3u);
  EXPECT_THROW(load_sweep_variants(std::string(CT_SOURCE_DIR) + "/configs/quickstart.yaml"),
               ScenarioError);
}

// --- summarize ------------------------------------------------------------------------------

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ct_sweep_XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void text_attr(hid_t obj, const char* name, const std::string& value) {
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, std::max<std::size_t>(value.size(), 1));
  H5Tset_strpad(type, H5T_STR_NULLTERM);
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  const std::string padded = value.empty() ? std::string(1, '\0') : value;
  H5Awrite(attr, type, padded.data());
  H5Aclose(attr);
  H5Sclose(space);
  H5Tclose(type);
}

template <class T>
void number_attr(hid_t obj, const char* name, hid_t ftype, hid_t mtype, T value) {
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t attr = H5Acreate2(obj, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(attr, mtype, &value);
  H5Aclose(attr);
  H5Sclose(space);
}

struct FakeRun {
  std::string name = "run";
  std::uint64_t seed = 42;
  int sweep_index = -1;    // -1: no attribute
  std::string sweep_json;  // empty: no attribute
  std::vector<std::pair<std::string, double>> summary;
  std::vector<std::pair<std::string, double>> ensemble;
  bool track_order = true;
};

void write_fake(const std::string& path, const FakeRun& r) {
  const hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
  if (r.track_order)
    H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  H5Pclose(fcpl);
  text_attr(f, "name", r.name);
  number_attr<std::uint64_t>(f, "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, r.seed);
  if (r.sweep_index >= 0)
    number_attr<std::int32_t>(f, "sweep_index", H5T_STD_I32LE, H5T_NATIVE_INT32, r.sweep_index);
  if (!r.sweep_json.empty()) text_attr(f, "sweep_parameters", r.sweep_json);
  for (const auto* group : {&r.summary, &r.ensemble}) {
    if (group->empty()) continue;
    const hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    if (r.track_order)
      H5Pset_attr_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    const hid_t g =
        H5Gcreate2(f, group == &r.summary ? "summary" : "ensemble", H5P_DEFAULT, gcpl, H5P_DEFAULT);
    H5Pclose(gcpl);
    for (const auto& [k, v] : *group)
      number_attr<double>(g, k.c_str(), H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, v);
    H5Gclose(g);
  }
  H5Fclose(f);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(Summarize, OneRowPerFileUnionOfColumns) {
  TempDir dir;
  FakeRun a;
  a.name = "demo";
  a.seed = 18446744073709551615ull;  // exact, not through a double
  a.sweep_index = 0;
  a.sweep_json = R"({"faults.rate_scale": 1, "campus.cooling": "air"})";
  a.summary = {{"simulated_s", 7200.0}, {"ettr", 0.875}, {"pue_mean", 1.1}};
  FakeRun b;
  b.name = "demo";
  b.sweep_index = 1;
  b.sweep_json = R"({"faults.rate_scale": 20, "jobs.0.parallel": [8, 4], "note": "a,\"b\""})";
  b.summary = {{"simulated_s", 7200.0}, {"ettr", 0.5}, {"carbon_kg", 12.25}};
  b.ensemble = {{"ettr_mean", 0.51}, {"ettr_ci95", 0.02}, {"replicas", 4.0}};
  FakeRun c;  // not a sweep run, summary in name order (creation order not tracked)
  c.name = "plain";
  c.track_order = false;
  c.summary = {{"zeta", 1.0}, {"alpha", 2.0}};
  write_fake(dir.file("a.h5"), a);
  write_fake(dir.file("b.h5"), b);
  write_fake(dir.file("c.h5"), c);

  std::ostringstream csv;
  summarize({dir.file("a.h5"), dir.file("b.h5"), dir.file("c.h5")}, csv);
  const auto lines = lines_of(csv.str());
  ASSERT_EQ(lines.size(), 4u) << csv.str();
  EXPECT_EQ(
      lines[0],
      "file,name,sweep_index,seed,sweep_keys,faults.rate_scale,campus.cooling,jobs.0.parallel,"
      "note,"
      "simulated_s,ettr,pue_mean,carbon_kg,alpha,zeta,ettr_mean,ettr_ci95,replicas");
  EXPECT_EQ(lines[1],
            dir.file("a.h5") +
                ",demo,0,18446744073709551615,faults.rate_scale campus.cooling,1,air,,,7200,0.875,"
                "1.1,,,,,,");
  EXPECT_EQ(lines[2], dir.file("b.h5") +
                          ",demo,1,42,faults.rate_scale jobs.0.parallel note,20,,\"[8,4]\","
                          "\"a,\"\"b\"\"\",7200,0.5,,12.25,,,"
                          "0.51,0.02,4");
  EXPECT_EQ(lines[3], dir.file("c.h5") + ",plain,,42,,,,,,,,,,2,1,,,");
}

TEST(Summarize, SweptSeedIsOneColumn) {
  TempDir dir;
  FakeRun a;
  a.seed = 7;
  a.sweep_index = 0;
  a.sweep_json = R"({"seed": 7})";
  a.summary = {{"ettr", 0.9}};
  write_fake(dir.file("a.h5"), a);
  std::ostringstream csv;
  summarize({dir.file("a.h5")}, csv);
  EXPECT_EQ(lines_of(csv.str()),
            (std::vector<std::string>{"file,name,sweep_index,seed,sweep_keys,ettr",
                                      dir.file("a.h5") + ",run,0,7,seed,0.9"}));
}

TEST(Summarize, UnreadableInputNamesTheFile) {
  TempDir dir;
  { std::ofstream(dir.file("junk.h5")) << "not hdf5"; }
  FakeRun bad;
  bad.sweep_json = "{\"a\": 1";  // truncated JSON
  write_fake(dir.file("badjson.h5"), bad);
  for (const std::string& f :
       {dir.file("missing.h5"), dir.file("junk.h5"), dir.file("badjson.h5")}) {
    std::ostringstream csv;
    try {
      summarize({f}, csv);
      ADD_FAILURE() << f << ": no error";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(f), std::string::npos) << e.what();
    }
  }
  std::ostringstream csv;
  EXPECT_THROW(summarize({}, csv), std::runtime_error);
}

}  // namespace
