// libFuzzer target: the restart-file archive reader (common/archive.hpp) on arbitrary bytes.
//
// The promise under test: a truncated or corrupt archive ends in std::runtime_error, never a
// crash, undefined behaviour or an allocation sized by the file (libFuzzer's -rss_limit_mb
// and -malloc_limit_mb catch those). A record that reads completely must write back to the
// same bytes. The record mixes every shape the restart file uses (strings, flat and nested
// vectors, pairs, optionals, bools, serializable structs); the full restart reader
// (twin/restart.cpp) is to be wired in the same way.
//
// Seeds: CT_FUZZ_WRITE_SEEDS=DIR clustertwin_fuzz_archive writes valid archives to DIR and
// exits (run_fuzz.sh does this), so the seeds always match the record below.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/archive.hpp"

namespace {

struct Item {
  std::string name;
  std::vector<double> values;
  std::optional<std::int32_t> maybe;
  bool flag = false;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(name, values, maybe, flag);
  }
};

struct Record {
  std::string yaml;
  std::int64_t next_tick = 0;
  std::uint64_t seed = 0;
  std::vector<std::pair<double, std::int64_t>> repairs;
  std::vector<std::int16_t> node_job;
  std::vector<std::int8_t> node_role;
  std::vector<Item> items;
  std::vector<std::vector<float>> nested;
  std::optional<Item> optional_item = Item{};  // present: the reader loads into it
  std::pair<std::string, std::uint32_t> tag;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(yaml, next_tick, seed, repairs, node_job, node_role, items, nested, optional_item, tag);
  }
};

Record example(int n) {
  Record r;
  r.yaml = std::string("schema_version: 1\nname: seed") + std::to_string(n) + "\n";
  r.next_tick = 1000 * n;
  r.seed = 42u + static_cast<std::uint64_t>(n);
  for (int i = 0; i < n; ++i) {
    r.repairs.emplace_back(3600.0 * i, i);
    r.node_job.push_back(static_cast<std::int16_t>(i % 3 - 1));
    r.node_role.push_back(static_cast<std::int8_t>(i % 4));
    r.items.push_back(Item{"item" + std::to_string(i), std::vector<double>(i, 0.5),
                           i % 2 ? std::optional<std::int32_t>(i) : std::nullopt, i % 2 == 0});
    r.nested.emplace_back(static_cast<std::size_t>(i), 1.5f);
  }
  r.optional_item = n % 2 ? std::optional<Item>(Item{"opt", {1.0, 2.0}, 7, true}) : std::nullopt;
  r.tag = {"tag", static_cast<std::uint32_t>(n)};
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = std::getenv("CT_FUZZ_WRITE_SEEDS")) {
    for (int n = 0; n < 4; ++n) {
      ct::archive::Writer w;
      Record r = example(n);
      w(r);
      const std::string path = std::string(dir) + "/archive_seed_" + std::to_string(n);
      if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
        std::fwrite(w.bytes().data(), 1, w.bytes().size(), f);
        std::fclose(f);
      }
    }
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ct::archive::Reader reader(data, size);
  Record r;
  try {
    reader(r);
  } catch (const std::runtime_error&) {
    return 0;  // truncated or corrupt: reported as such
  }
  // Read completely: writing it back gives the bytes that were read.
  ct::archive::Writer w;
  w(r);
  const std::size_t used = size - reader.remaining();
  if (w.bytes().size() != used || !std::equal(w.bytes().begin(), w.bytes().end(), data))
    __builtin_trap();
  return 0;
}
