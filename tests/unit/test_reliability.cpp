// Hostile input and output safety (issue 15): YAML limits, input-file checks, key paths, lazy
// sweeps, the archive reader, output claiming (lock, identity, no-replace rename), the memory
// estimate, and the round trip of every shipped scenario. No MPI.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/archive.hpp"
#include "io/config_tree.hpp"
#include "io/input_file.hpp"
#include "io/output_target.hpp"
#include "io/scenario.hpp"
#include "io/schema_binder.hpp"
#include "io/sweep.hpp"
#include "twin/memory_estimate.hpp"

namespace ct::io {
namespace {

namespace fs = std::filesystem;

const std::string kSource = CT_SOURCE_DIR;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

#define EXPECT_HAS(text, fragment) \
  EXPECT_NE(std::string(text).find(fragment), std::string::npos) << "message: " << (text)

// A scratch directory, removed at the end.
struct Scratch {
  fs::path dir;
  Scratch() {
    char tmpl[] = "/tmp/ct-reliability-XXXXXX";
    dir = ::mkdtemp(tmpl);
  }
  ~Scratch() { fs::remove_all(dir); }
  std::string file(const std::string& name, const std::string& text) const {
    const auto p = dir / name;
    std::ofstream(p) << text;
    return p.string();
  }
  std::string path(const std::string& name) const { return (dir / name).string(); }
};

// ---- YAML limits ----

TEST(YamlLimits, AliasExpansionIsBounded) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  std::string prev = "a";
  for (char c = 'b'; c <= 'h'; ++c) {
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) bomb += (i ? ", *" : "*") + prev;
    bomb += "]\n";
    prev = std::string(1, c);
  }
  const auto msg = error_of([&] { parse_yaml(bomb, "bomb.yaml"); });
  EXPECT_HAS(msg, "bomb.yaml:");
  EXPECT_HAS(msg, "more than " + std::to_string(kMaxYamlNodes) + " values");
  // Aliases below the budget are expanded as copies (an override of one leaves the other).
  auto root = parse_yaml("a: &x {k: 1}\nb: *x\n", "ok.yaml");
  root->find_shared("b")->find_shared("k")->scalar = "2";
  EXPECT_EQ(root->find("a")->find("k")->scalar, "1");
}

// A scenario is UTF-8 text (RFC 3629): multi-byte characters pass; a stray byte, an overlong
// form, a surrogate, a code point past U+10FFFF and a truncated sequence are errors at their
// position. (Such a byte in a name passed yaml-cpp, and the resolved scenario read back another
// name: the scenario fuzzer's finding.)
TEST(YamlLimits, ScenarioTextIsUtf8) {
  EXPECT_EQ(parse_yaml("a: \"20 \xC2\xB0"
                       "C \xE2\x82\xAC \xF0\x9F\x94\xA5 \xF4\x8F\xBF\xBF\"\n",
                       "ok.yaml")
                ->find("a")
                ->scalar,
            "20 \xC2\xB0"
            "C \xE2\x82\xAC \xF0\x9F\x94\xA5 \xF4\x8F\xBF\xBF");
  const std::pair<std::string, std::string> bad[] = {
      {"a: 1\nb: x\xFF\n", "u.yaml:2:5: byte 0xFF is not UTF-8"},
      {"a: \xC0\x80\n", "u.yaml:1:4: byte 0xC0 is not UTF-8"},          // overlong NUL
      {"a: \xE0\x80\xAF\n", "u.yaml:1:4: byte 0xE0 is not UTF-8"},      // overlong '/'
      {"a: \xED\xA0\x80\n", "u.yaml:1:4: byte 0xED is not UTF-8"},      // a surrogate
      {"a: \xF4\x90\x80\x80\n", "u.yaml:1:4: byte 0xF4 is not UTF-8"},  // past U+10FFFF
      {"a: x\xE2\x82", "u.yaml:1:5: byte 0xE2 is not UTF-8"},           // truncated at the end
      {"# caf\xE9\na: 1\n", "u.yaml:1:6: byte 0xE9 is not UTF-8"},      // Latin-1, in a comment
  };
  for (const auto& [text, message] : bad)
    EXPECT_HAS(error_of([&] { parse_yaml(text, "u.yaml"); }), message);
}

TEST(YamlLimits, DepthNulAndSecondDocument) {
  EXPECT_HAS(
      error_of([] { parse_yaml("x: " + std::string(100, '[') + std::string(100, ']'), "d.yaml"); }),
      "nesting deeper than 64 levels");
  std::string nul = "a: 1\nb: x";
  nul += '\0';
  EXPECT_HAS(error_of([&] { parse_yaml(nul, "n.yaml"); }), "n.yaml:2:5: NUL byte");
  EXPECT_HAS(error_of([] { parse_yaml("a: 1\n---\nb: 2\n", "two.yaml"); }),
             "two.yaml:2:1: a second YAML document");
  EXPECT_HAS(error_of([] { parse_yaml("a: 1\na: 2\n", "dup.yaml"); }),
             "dup.yaml:2:1: duplicate key 'a'");
  EXPECT_HAS(error_of([] { parse_yaml("[1]: 2\n", "key.yaml"); }), "map keys must be plain names");
  // Quoted scalars stay strings; empty text is an empty document.
  EXPECT_TRUE(parse_yaml("a: \"1\"\n", "q.yaml")->find("a")->quoted);
  EXPECT_EQ(parse_yaml("", "e.yaml")->kind, ConfigNode::Kind::null);
}

// ---- input files ----

TEST(InputFiles, OnlyRegularFilesOfBoundedSize) {
  Scratch s;
  EXPECT_EQ(input_file_problem("/dev/zero", 100), "is a character device, not a regular file");
  EXPECT_EQ(input_file_problem(s.dir.string(), 100), "is a directory, not a file");
  EXPECT_EQ(input_file_problem("/proc/self/mem", 100),
            "is a /proc pseudo-file, not a regular file");
  EXPECT_EQ(input_file_problem(s.path("none"), 100), "not found");
  ASSERT_EQ(::mkfifo(s.path("fifo").c_str(), 0600), 0);
  EXPECT_EQ(input_file_problem(s.path("fifo"), 100), "is a FIFO (named pipe), not a regular file");
  const auto big = s.file("big.yaml", std::string(200, '#'));
  EXPECT_HAS(input_file_problem(big, 100), "over the limit of 100 B");
  EXPECT_EQ(read_input_file(big, 200), std::string(200, '#'));
  EXPECT_THROW(read_input_file(s.path("fifo"), 100), InputFileError);
}

TEST(InputFiles, IdentityNotNames) {
  Scratch s;
  const auto a = s.file("a.yaml", "x: 1\n");
  fs::create_symlink(a, s.path("link.h5"));
  fs::create_hard_link(a, s.path("hard.h5"));
  EXPECT_TRUE(same_file(a, s.path("link.h5")));
  EXPECT_TRUE(same_file(a, s.path("hard.h5")));
  EXPECT_TRUE(same_file(a, s.path("../" + s.dir.filename().string() + "/./a.yaml")));
  EXPECT_TRUE(same_file(s.path("new.h5"), s.path("./new.h5")));  // neither exists yet
  EXPECT_FALSE(same_file(a, s.path("new.h5")));
}

TEST(Extends, RefusesDevicesAndDetectsHardLinkCycles) {
  Scratch s;
  const auto z = s.file("z.yaml", "schema_version: 1\nextends: /dev/zero\n");
  EXPECT_HAS(error_of([&] { load_with_extends(z); }),
             "z.yaml:2:1: key 'extends': base file '/dev/zero' is a character device");
  // A cycle through a hard link (two names, one file) is found by identity.
  const auto a = s.file("a.yaml", "schema_version: 1\nextends: b.yaml\n");
  fs::create_hard_link(a, s.path("b.yaml"));
  EXPECT_HAS(error_of([&] { load_with_extends(a); }), "cycle of extended files");
}

// ---- key paths ----

TEST(KeyPaths, StrictSyntax) {
  const auto parts = parse_key_path("campus.buildings[0].halls");
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[2].name, "0");
  EXPECT_TRUE(parts[2].bracketed);
  EXPECT_EQ(parse_key_path("jobs.1.parallel.tp").size(), 4u);
  EXPECT_EQ(parse_key_path("a[0][1]").size(), 3u);
  for (const char* bad :
       {"", "a..b", ".a", "a.", "a[0", "a]0[", "a[x]", "[0]", "a.[0]", "a[0]b", "a b", "a=b"})
    EXPECT_THROW(parse_key_path(bad), std::invalid_argument) << bad;
  ConfigNode root;
  root.kind = ConfigNode::Kind::map;
  apply_set(root, "l=[1, 2]");
  EXPECT_HAS(error_of([&] { apply_set(root, "l.99999999999999999999999=3"); }),
             "out of range (list has 2 items)");
  EXPECT_HAS(error_of([&] { apply_set(root, "x[0]=3"); }), "'x' is not a list");
  apply_set(root, "l[1]=7");
  EXPECT_EQ(root.find("l")->items[1]->scalar, "7");
}

// ---- sweeps ----

TEST(SweepPlan, VariantsOnDemandMatchTheExpansion) {
  auto root = parse_yaml(
      "sweep:\n  grid: {a: [1, 2, 3], b: [x, y]}\n  zip: {c: [5, 6], d: [7, 8]}\n", "s.yaml");
  const SweepPlan plan(*root->find("sweep"));
  const auto all = expand_sweep(*root->find("sweep"));
  ASSERT_EQ(plan.size(), all.size());
  EXPECT_EQ(plan.size(), 12u);
  for (std::size_t i = 0; i < plan.size(); ++i) EXPECT_EQ(plan.variant(i).sets, all[i].sets);
}

TEST(SweepPlan, LimitCheckedBeforeExpansion) {
  std::string values;
  for (int i = 0; i < 1001; ++i) values += (i ? ", " : "") + std::to_string(i);
  auto root = parse_yaml("sweep:\n  grid: {a: [" + values + "], b: [" + values + "]}\n", "s.yaml");
  EXPECT_HAS(error_of([&] { SweepPlan plan(*root->find("sweep")); }), "more than 1000000 variants");
}

TEST(SweepPlan, HugeNumbersNeedNoRegex) {
  const std::string digits = "1." + std::string(200000, '0');
  SweepVariant v;
  v.parameters.emplace_back("x", digits);
  EXPECT_EQ(parameters_json(v), "{\"x\": " + digits + "}");
  v.parameters[0].second = "+." + std::string(100000, '5');  // YAML-only shape → shortest double
  EXPECT_EQ(parameters_json(v), "{\"x\": 0.5555555555555556}");
}

// ---- archive reader ----

TEST(Archive, EmptyAndRoundTrip) {
  std::vector<double> empty, v{1.0, 2.0};
  std::string s;
  std::optional<int> none, some = 3;
  bool flag = true;
  archive::Writer w;
  w(empty, v, s, none, some, flag);
  std::vector<double> e2{9.0}, v2;
  std::string s2 = "x";
  std::optional<int> n2 = 1, m2 = 0;
  bool f2 = false;
  archive::Reader r(w.bytes().data(), w.bytes().size());
  r(e2, v2, s2, n2, m2, f2);
  EXPECT_TRUE(r.done());
  EXPECT_TRUE(e2.empty());
  EXPECT_EQ(v2, v);
  EXPECT_TRUE(s2.empty());
  EXPECT_FALSE(n2.has_value());  // "none" in the file: none when loaded
  EXPECT_EQ(m2, 3);
  EXPECT_TRUE(f2);
  archive::Reader nothing(nullptr, 0);  // an empty archive, data() null
  EXPECT_TRUE(nothing.done());
}

TEST(Archive, CorruptLengthsAreRefusedBeforeAllocating) {
  // A count of 2^61 doubles with 8 bytes left: refused, no allocation of 2^64 bytes.
  std::uint64_t n = std::uint64_t{1} << 61;
  std::vector<unsigned char> bytes(sizeof n + 8, 0);
  std::memcpy(bytes.data(), &n, sizeof n);
  std::vector<double> v;
  archive::Reader r(bytes.data(), bytes.size());
  EXPECT_THROW(r(v), std::runtime_error);
  // 9 bytes left for 2 doubles: refused (the count fits the bytes, the elements do not).
  n = 2;
  std::memcpy(bytes.data(), &n, sizeof n);
  archive::Reader r2(bytes.data(), bytes.size() - 7);
  EXPECT_THROW(r2(v), std::runtime_error);
  // A bool byte of 2.
  unsigned char two = 2;
  bool b = false;
  archive::Reader r3(&two, 1);
  EXPECT_THROW(r3(b), std::runtime_error);
  std::string s;
  archive::Reader r4(bytes.data(), 9);  // string of 2^61 bytes... no: of 2 with 1 left
  EXPECT_THROW(r4(s), std::runtime_error);
}

// ---- output claiming ----

TEST(OutputTarget, RefusesInputsDirectoriesAndSecondRuns) {
  Scratch s;
  const auto scenario = s.file("s.yaml", "x: 1\n");
  OutputTarget::Options o;
  o.inputs.emplace_back("the scenario file", scenario);
  EXPECT_HAS(error_of([&] { OutputTarget t(scenario, o); }), "is the scenario file");
  EXPECT_THROW(OutputTarget(s.dir.string(), o), std::runtime_error);
  EXPECT_HAS(error_of([&] { OutputTarget t(s.path("no/dir/x.h5"), o); }), "does not exist");
  EXPECT_HAS(error_of([&] { OutputTarget t("/dev/null", o); }), "is a character device");
  {
    OutputTarget first(s.path("out.h5"), o);
    EXPECT_TRUE(fs::exists(s.path("out.h5.partial")));
    EXPECT_HAS(error_of([&] { OutputTarget second(s.path("out.h5"), o); }),
               "another run is writing it now");
  }
  // Unused: the partial file it created is gone, and the lock with it.
  EXPECT_FALSE(fs::exists(s.path("out.h5.partial")));
  OutputTarget again(s.path("out.h5"), o);
}

TEST(OutputTarget, PublishNeverReplacesANewerFile) {
  Scratch s;
  OutputTarget::Options o;
  {  // nothing there: moved
    OutputTarget t(s.path("a.h5"), o);
    t.keep_partial();
    std::ofstream(s.path("a.h5.partial")) << "mine";
    t.publish();
    EXPECT_FALSE(fs::exists(s.path("a.h5.partial")));
  }
  {  // an older file (there at the start): replaced
    OutputTarget t(s.path("a.h5"), o);
    t.keep_partial();
    std::ofstream(s.path("a.h5.partial")) << "second";
    t.publish();
    std::ifstream in(s.path("a.h5"));
    std::string text;
    in >> text;
    EXPECT_EQ(text, "second");
  }
  {  // another run's file, written after the start: kept, and this run's data stays .partial
    OutputTarget t(s.path("b.h5"), o);
    t.keep_partial();
    std::ofstream(s.path("b.h5.partial")) << "mine";
    std::ofstream(s.path("b.h5")) << "theirs";
    EXPECT_HAS(error_of([&] { t.publish(); }), "was written by another run after this run started");
    std::ifstream in(s.path("b.h5"));
    std::string text;
    in >> text;
    EXPECT_EQ(text, "theirs");
    EXPECT_TRUE(fs::exists(s.path("b.h5.partial")));
  }
}

// ---- scenarios ----

std::vector<std::string> shipped_scenarios() {
  std::vector<std::string> files;
  // configs/faults/ holds scenario fragments (fitted rates) that scenarios extend: they are
  // loaded through those scenarios (llama3-16k.yaml), not on their own.
  for (const auto& e : fs::recursive_directory_iterator(kSource + "/configs"))
    if (e.path().extension() == ".yaml" && e.path().parent_path().filename() != "faults")
      files.push_back(e.path().string());
  files.push_back(kSource + "/tests/scenarios/good/base.yaml");
  return files;
}

// The resolved scenario (stored in every output) loads again to itself.
TEST(Scenarios, EveryShippedScenarioRoundTrips) {
  for (const auto& path : shipped_scenarios()) {
    const Scenario sc = load_scenario(path);
    LoadOptions again;
    again.text = &sc.resolved_yaml;
    Scenario sc2;
    ASSERT_NO_THROW(sc2 = load_scenario(path, again)) << path;
    EXPECT_EQ(sc2.resolved_yaml, sc.resolved_yaml) << path;
    EXPECT_FALSE(sc.input_files.empty());
    EXPECT_EQ(sc.input_files.front(), path);
  }
}

TEST(Scenarios, DerivedQuantitiesAreChecked) {
  const std::string base = kSource + "/tests/scenarios/good/base.yaml";
  auto err = [&](const std::string& set, const std::string& more = "") {
    return error_of([&] {
      LoadOptions o;
      o.sets = {set};
      if (!more.empty()) o.sets.push_back(more);
      load_scenario(base, o);
    });
  };
  EXPECT_HAS(err("time.tick_s=1e-300"), "allowed: 1 to 2^53 ticks");
  EXPECT_HAS(err("accelerator.peak_dense_bf16_flops=1e-320"),
             "key 'accelerator.peak_dense_bf16_flops'");
  EXPECT_HAS(err("name=../x"), "key 'name'");
  EXPECT_HAS(err("name=a/b"), "key 'name'");
  EXPECT_HAS(err("jobs.0.placement.spare_nodes=5"), "key 'jobs[0].placement.spare_nodes'");
  EXPECT_HAS(err("jobs.0.parallel.dp=60"), "key 'jobs[0].parallel.dp'");
  EXPECT_HAS(err("faults.classes.gpu.mtbf_s=1e-320"), "1/mtbf_s overflows");
  EXPECT_HAS(err("campus.buildings.0.racks_per_hall=100000", "campus.buildings.0.halls=1000"),
             "allowed: at most 2^31");
}

// The dictionary of the scenario fuzzer holds every key of the schema.
TEST(FuzzDictionary, HasEverySchemaKey) {
  std::set<std::string> names;
  auto files = shipped_scenarios();
  for (const auto& e : fs::directory_iterator(kSource + "/tests/scenarios/reference"))
    if (e.path().extension() == ".yaml") files.push_back(e.path().string());
  for (const auto& path : files) {
    KeyCatalogue catalogue;
    LoadOptions o;
    o.catalogue = &catalogue;
    (void)load_scenario(path, o);
    for (const KeyDoc& d : catalogue) {
      std::string part;
      std::istringstream in(d.path);
      while (std::getline(in, part, '.')) {
        if (const auto bracket = part.find('['); bracket != std::string::npos)
          part.resize(bracket);  // jobs[] or jobs[training]
        if (part != "<name>") names.insert(part);
      }
    }
  }
  std::ifstream dict(kSource + "/tests/fuzz/scenario.dict");
  std::stringstream text;
  text << dict.rdbuf();
  std::string missing;
  for (const auto& n : names)
    if (text.str().find("\"" + n + "\"") == std::string::npos) missing += "\"" + n + "\"\n";
  EXPECT_TRUE(missing.empty()) << "add to tests/fuzz/scenario.dict:\n" << missing;
}

}  // namespace
}  // namespace ct::io

namespace ct::twin {
namespace {

TEST(MemoryEstimate, GrowsWithTheCampusAndNamesTheLimit) {
  const io::Scenario sc =
      io::load_scenario(std::string(CT_SOURCE_DIR) + "/configs/quickstart.yaml");
  const auto one = estimate_memory(sc, 1, 0, 72, true);
  const auto two = estimate_memory(sc, 2, 1, 72, true);
  EXPECT_GT(one.distributed_bytes, two.distributed_bytes);
  EXPECT_EQ(two.restart_bytes, 0.0);  // only rank 0 gathers
  EXPECT_GT(one.restart_bytes, 0.0);
  // 512 accelerators at 80 bytes, plus node and rack tables.
  EXPECT_GE(one.distributed_bytes, 512 * kBytesPerAccelerator);
  EXPECT_EQ(memory_problem(one, MemoryBudget{1e12, "test"}, 0, 1, 512), "");
  const auto msg = memory_problem(one, MemoryBudget{1e6, "a test budget"}, 0, 1, 512);
  EXPECT_NE(msg.find("a test budget"), std::string::npos) << msg;
  EXPECT_NE(msg.find("512 accelerators"), std::string::npos) << msg;
}

}  // namespace
}  // namespace ct::twin
