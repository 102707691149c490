#include "sched/trace.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <istream>
#include <optional>
#include <set>
#include <sstream>

#include "sched/strings.hpp"

namespace ct::sched {

TraceError::TraceError(std::string file, std::int64_t line, std::string field,
                       const std::string& detail)
    : std::runtime_error(cat({file, line > 0 ? ":" : "", line > 0 ? std::to_string(line) : "",
                              ": field '", field, "': ", detail})),
      file_(std::move(file)),
      line_(line),
      field_(std::move(field)) {}

namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

// A finite number occupying the whole token, or nothing.
std::optional<double> parse_number(std::string_view token) {
  if (token.empty()) return std::nullopt;
  if (token.front() == '+') token.remove_prefix(1);
  double value = 0.0;
  const auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (ec != std::errc() || ptr != token.data() + token.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::string quoted(std::string_view token) { return cat({"'", token, "'"}); }

std::int64_t ceil_div(std::int64_t a, double b) {
  return static_cast<std::int64_t>(std::ceil(static_cast<double>(a) / b - 1e-9));
}

// ---- SWF fields ----------------------------------------------------------------------------

enum class Kind { time, count, identifier, status, job_number, submit, preceding };

// How each of the 18 fields is checked. time: ≥ 0 or −1, may be fractional. count/identifier:
// integer ≥ 0 or −1. status: one of −1, 0..5. job_number: integer ≥ 1. submit: ≥ 0 (a replayed
// job needs it). preceding: integer ≥ 0 or −1.
constexpr Kind kKinds[kSwfFieldCount] = {
    Kind::job_number, Kind::submit,     Kind::time,       Kind::time,       Kind::count,
    Kind::time,       Kind::time,       Kind::count,      Kind::time,       Kind::time,
    Kind::status,     Kind::identifier, Kind::identifier, Kind::identifier, Kind::identifier,
    Kind::identifier, Kind::preceding,  Kind::time};

double check_field(const std::string& file, std::int64_t line, int index, std::string_view token) {
  const std::string field(kSwfFieldNames[index]);
  const auto value = parse_number(token);
  if (!value) throw TraceError(file, line, field, quoted(token) + " is not a number");
  const double v = *value;
  const Kind kind = kKinds[index];
  const bool integral = kind != Kind::time && kind != Kind::submit;
  if (integral && v != std::floor(v)) {
    throw TraceError(file, line, field, quoted(token) + " must be a whole number");
  }
  if (integral && std::fabs(v) > 9.0e15) {
    throw TraceError(file, line, field, quoted(token) + " is out of range");
  }
  switch (kind) {
    case Kind::job_number:
      if (v < 1.0) throw TraceError(file, line, field, quoted(token) + " must be ≥ 1");
      break;
    case Kind::submit:
      if (v == -1.0) {
        throw TraceError(file, line, field, "unknown (−1); a replayed job needs its submit time");
      }
      if (v < 0.0) throw TraceError(file, line, field, quoted(token) + " must be ≥ 0");
      break;
    case Kind::status:
      if (v < -1.0 || v > 5.0) {
        throw TraceError(file, line, field,
                         quoted(token) +
                             " is not a status (−1, 0 failed, 1 completed, 2–4 "
                             "partial execution, 5 cancelled)");
      }
      break;
    case Kind::time:
    case Kind::count:
    case Kind::identifier:
    case Kind::preceding:
      if (v < 0.0 && v != -1.0) {
        throw TraceError(file, line, field,
                         quoted(token) + " is negative (only −1, meaning unknown, is allowed)");
      }
      break;
  }
  return v;
}

// Leading number of a header value ("1152", "1152 (in 144 nodes)"); nullopt if none.
std::optional<double> header_number(std::string_view value) {
  value = trim(value);
  const auto end = value.find_first_of(" \t");
  return parse_number(value.substr(0, end));
}

void read_header_entry(SwfHeader& header, const std::string& file, std::int64_t line,
                       const std::string& key, const std::string& value) {
  header.entries.emplace_back(key, value);
  const auto integer = [&](std::int64_t& out) {
    const auto v = header_number(value);
    if (!v || *v != std::floor(*v) || *v < 0.0) {
      throw TraceError(file, line, key, quoted(value) + " is not a whole number ≥ 0");
    }
    out = static_cast<std::int64_t>(*v);
  };
  const auto number = [&](double& out) {
    const auto v = header_number(value);
    if (!v || *v < 0.0) throw TraceError(file, line, key, quoted(value) + " is not a number ≥ 0");
    out = *v;
  };
  if (key == "Version")
    header.version = value;
  else if (key == "Computer")
    header.computer = value;
  else if (key == "Installation")
    header.installation = value;
  else if (key == "Preemption")
    header.preemption = value;
  else if (key == "TimeZoneString")
    header.time_zone_string = value;
  else if (key == "StartTime")
    header.start_time = value;
  else if (key == "EndTime")
    header.end_time = value;
  else if (key == "AllowOveruse")
    header.allow_overuse = value;
  else if (key == "MaxJobs")
    integer(header.max_jobs);
  else if (key == "MaxRecords")
    integer(header.max_records);
  else if (key == "MaxNodes")
    integer(header.max_nodes);
  else if (key == "MaxProcs")
    integer(header.max_procs);
  else if (key == "MaxQueues")
    integer(header.max_queues);
  else if (key == "MaxPartitions")
    integer(header.max_partitions);
  else if (key == "UnixStartTime")
    integer(header.unix_start_time);
  else if (key == "MaxRuntime")
    number(header.max_runtime_s);
  else if (key == "MaxMemory")
    number(header.max_memory_kb);
}

// "Key: value" with Key a single word; nullopt for free-text comments.
std::optional<std::pair<std::string, std::string>> split_header(std::string_view text) {
  text = trim(text);
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  const std::string_view key = trim(text.substr(0, colon));
  if (key.empty() || key.find_first_of(" \t") != std::string_view::npos) return std::nullopt;
  return std::make_pair(std::string(key), std::string(trim(text.substr(colon + 1))));
}

std::ifstream open_or_throw(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw TraceError(path, 0, "path", "cannot open the file");
  return in;
}

}  // namespace

const std::string* SwfHeader::find(std::string_view key) const {
  for (const auto& [k, v] : entries) {
    if (k == key) return &v;
  }
  return nullptr;
}

SwfFile parse_swf(std::istream& in, const std::string& name) {
  SwfFile out;
  std::string text;
  std::int64_t line = 0;
  while (std::getline(in, text)) {
    ++line;
    const std::string_view s = trim(text);
    if (s.empty()) continue;
    if (s.front() == ';') {
      const std::string_view body = s.substr(1);
      out.header.comment_lines.emplace_back(trim(body));
      if (const auto kv = split_header(body)) {
        read_header_entry(out.header, name, line, kv->first, kv->second);
      }
      continue;
    }
    std::string_view tokens[kSwfFieldCount + 1];
    int count = 0;
    std::size_t pos = 0;
    while (pos < s.size()) {
      const auto begin = s.find_first_not_of(" \t", pos);
      if (begin == std::string_view::npos) break;
      auto end = s.find_first_of(" \t", begin);
      if (end == std::string_view::npos) end = s.size();
      if (count == kSwfFieldCount) {
        throw TraceError(name, line, "think_time",
                         "more than 18 fields (the format has exactly 18)");
      }
      tokens[count++] = s.substr(begin, end - begin);
      pos = end;
    }
    if (count < kSwfFieldCount) {
      throw TraceError(name, line, std::string(kSwfFieldNames[count]),
                       "missing (" + std::to_string(count) + " of 18 fields on the line)");
    }
    double v[kSwfFieldCount];
    for (int i = 0; i < kSwfFieldCount; ++i) v[i] = check_field(name, line, i, tokens[i]);
    SwfRecord r;
    r.job_number = static_cast<std::int64_t>(v[0]);
    r.submit_time_s = v[1];
    r.wait_time_s = v[2];
    r.run_time_s = v[3];
    r.allocated_processors = static_cast<std::int64_t>(v[4]);
    r.average_cpu_time_s = v[5];
    r.used_memory_kb = v[6];
    r.requested_processors = static_cast<std::int64_t>(v[7]);
    r.requested_time_s = v[8];
    r.requested_memory_kb = v[9];
    r.status = static_cast<std::int32_t>(v[10]);
    r.user_id = static_cast<std::int64_t>(v[11]);
    r.group_id = static_cast<std::int64_t>(v[12]);
    r.executable_number = static_cast<std::int64_t>(v[13]);
    r.queue_number = static_cast<std::int64_t>(v[14]);
    r.partition_number = static_cast<std::int64_t>(v[15]);
    r.preceding_job_number = static_cast<std::int64_t>(v[16]);
    r.think_time_s = v[17];
    r.line = line;
    out.records.push_back(r);
  }
  if (in.bad()) throw TraceError(name, line, "path", "read error");
  return out;
}

SwfFile parse_swf_file(const std::string& path) {
  std::ifstream in = open_or_throw(path);
  return parse_swf(in, path);
}

void validate(const TraceOptions& o) {
  const auto fail = [](const std::string& what) { throw std::invalid_argument(what); };
  if (o.accelerators_per_node < 1) fail("accelerators_per_node: must be ≥ 1");
  if (o.campus_nodes < 0) fail("campus_nodes: must be ≥ 0 (0: no size check)");
  if (!(o.processors_per_unit >= 0.0) || !std::isfinite(o.processors_per_unit)) {
    fail("processors_per_unit: must be a finite number ≥ 0");
  }
  if (o.processors_per_unit == 0.0 && o.processor_unit != ProcessorUnit::node) {
    fail("processors_per_unit: 0 (from the SWF header) needs processor_unit node");
  }
  if (!(o.window_start_s >= 0.0) || !(o.window_end_s > o.window_start_s)) {
    fail("window: needs 0 ≤ window_start_s < window_end_s");
  }
  if (!(o.submit_time_scale > 0.0) || !std::isfinite(o.submit_time_scale)) {
    fail("submit_time_scale: must be a finite number > 0");
  }
  if (!(o.unknown_walltime_factor >= 1.0) || !std::isfinite(o.unknown_walltime_factor)) {
    fail("unknown_walltime_factor: must be a finite number ≥ 1");
  }
}

namespace {

// Shared by SWF and CSV: size check, window, wall time, sorting.
struct JobSink {
  const TraceOptions& options;
  const std::string& name;
  Trace& trace;

  // False when the job is dropped (counted).
  bool size_ok(const JobRequest& job, std::int64_t line, const std::string& field) {
    if (options.campus_nodes <= 0 || job.nodes <= options.campus_nodes) return true;
    if (options.oversize == OversizePolicy::refuse) {
      throw TraceError(name, line, field,
                       "the job needs " + std::to_string(job.nodes) + " nodes, the campus has " +
                           std::to_string(options.campus_nodes) +
                           " (oversize policy 'refuse'; 'skip' drops such jobs)");
    }
    ++trace.stats.skipped_oversize;
    return false;
  }

  bool in_window(double submit_s) {
    if (submit_s >= options.window_start_s && submit_s < options.window_end_s) return true;
    ++trace.stats.skipped_outside_window;
    return false;
  }

  double shifted(double t_s) const {
    return (t_s - options.window_start_s) * options.submit_time_scale;
  }

  void finish() {
    std::stable_sort(trace.jobs.begin(), trace.jobs.end(),
                     [](const JobRequest& a, const JobRequest& b) {
                       return a.submit_s != b.submit_s ? a.submit_s < b.submit_s : a.id < b.id;
                     });
    trace.stats.jobs = static_cast<std::int64_t>(trace.jobs.size());
  }
};

}  // namespace

Trace jobs_from_swf(const SwfFile& swf, const TraceOptions& options, const std::string& name) {
  try {
    validate(options);
  } catch (const std::invalid_argument& e) {
    throw TraceError(name, 0, "options", e.what());
  }
  Trace trace;
  trace.header = swf.header;
  JobSink sink{options, name, trace};

  double per_unit = options.processors_per_unit;
  if (per_unit == 0.0) {
    const SwfHeader& h = swf.header;
    if (h.max_procs <= 0 || h.max_nodes <= 0) {
      throw TraceError(name, 0, h.max_nodes <= 0 ? "MaxNodes" : "MaxProcs",
                       "missing from the header; processors_per_unit 0 derives processors per "
                       "node from MaxProcs / MaxNodes");
    }
    per_unit = static_cast<double>(h.max_procs) / static_cast<double>(h.max_nodes);
  }

  std::set<std::int64_t> seen;
  for (const SwfRecord& r : swf.records) {
    ++trace.stats.data_lines;
    if (r.status >= 2 && r.status <= 4) {
      ++trace.stats.partial_execution_lines;
      continue;
    }
    if (!seen.insert(r.job_number).second) {
      throw TraceError(name, r.line, "job_number",
                       std::to_string(r.job_number) +
                           " appears twice (besides partial-execution "
                           "lines, status 2–4)");
    }
    if (r.status == 5 && (options.cancelled == CancelledPolicy::skip || r.run_time_s <= 0.0)) {
      ++trace.stats.skipped_cancelled;
      continue;
    }
    if (r.run_time_s <= 0.0) {
      ++trace.stats.skipped_no_run_time;
      continue;
    }
    const bool use_allocated = r.allocated_processors >= 1;
    const std::int64_t processors = use_allocated ? r.allocated_processors : r.requested_processors;
    if (processors < 1) {
      ++trace.stats.skipped_unknown_size;
      continue;
    }
    if (!sink.in_window(r.submit_time_s)) continue;

    JobRequest job;
    job.id = r.job_number;
    job.submit_s = sink.shifted(r.submit_time_s);
    if (options.processor_unit == ProcessorUnit::accelerator) {
      job.accelerators = std::max<std::int64_t>(1, ceil_div(processors, per_unit));
      job.nodes = ceil_div(job.accelerators, options.accelerators_per_node);
    } else {
      job.nodes = std::max<std::int64_t>(1, ceil_div(processors, per_unit));
      job.accelerators = job.nodes * options.accelerators_per_node;
    }
    if (!sink.size_ok(job, r.line,
                      use_allocated ? "allocated_processors" : "requested_processors")) {
      continue;
    }
    job.work_accelerator_s = r.run_time_s * static_cast<double>(job.accelerators);
    if (r.requested_time_s > 0.0) {
      job.walltime_s = r.requested_time_s;
      if (job.walltime_s < r.run_time_s) {
        job.walltime_s = r.run_time_s;
        ++trace.stats.walltime_raised;
      }
    } else {
      job.walltime_s = r.run_time_s * options.unknown_walltime_factor;
      ++trace.stats.walltime_unknown;
    }
    job.priority = options.default_priority;
    job.preemptible = options.default_preemptible;
    job.earliest_start_s = job.submit_s;
    job.user = r.user_id;
    job.group = r.group_id;
    job.swf_status = r.status;
    job.trace_wait_s = r.wait_time_s;
    if (r.preceding_job_number >= 1) ++trace.stats.with_dependency;
    trace.jobs.push_back(job);
  }
  sink.finish();
  return trace;
}

Trace read_swf(const std::string& path, const TraceOptions& options) {
  return jobs_from_swf(parse_swf_file(path), options, path);
}

// ---- CSV ----------------------------------------------------------------------------------

const std::vector<std::string_view>& csv_columns() {
  static const std::vector<std::string_view> columns = {
      "id",         "submit_s",   "accelerators", "nodes",       "work_accelerator_s",
      "run_time_s", "walltime_s", "priority",     "preemptible", "earliest_start_s",
      "deadline_s", "user",       "group",        "model",       "steps",
      "tokens"};
  return columns;
}

namespace {

enum Col {
  kId,
  kSubmit,
  kAcc,
  kNodes,
  kWork,
  kRun,
  kWall,
  kPrio,
  kPreempt,
  kEarliest,
  kDeadline,
  kUser,
  kGroup,
  kModel,
  kSteps,
  kTokens,
  kColCount
};

std::vector<std::string_view> split_csv(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const auto comma = s.find(',', start);
    out.push_back(trim(s.substr(start, comma == std::string_view::npos ? s.npos : comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

Trace parse_csv(std::istream& in, const std::string& name, const TraceOptions& options) {
  try {
    validate(options);
  } catch (const std::invalid_argument& e) {
    throw TraceError(name, 0, "options", e.what());
  }
  Trace trace;
  JobSink sink{options, name, trace};
  const auto& names = csv_columns();
  int where[kColCount];
  std::fill(std::begin(where), std::end(where), -1);
  std::vector<std::string> header;
  std::set<std::int64_t> seen;
  std::string text;
  std::int64_t line = 0;
  while (std::getline(in, text)) {
    ++line;
    const std::string_view s = trim(text);
    if (s.empty() || s.front() == '#') continue;
    if (s.find('"') != std::string_view::npos) {
      throw TraceError(name, line, "line", "quoted fields are not supported");
    }
    const auto cells = split_csv(s);
    if (header.empty()) {
      for (std::size_t i = 0; i < cells.size(); ++i) {
        const auto it = std::find(names.begin(), names.end(), cells[i]);
        if (it == names.end()) {
          std::string allowed;
          for (const auto n : names) allowed += (allowed.empty() ? "" : ", ") + std::string(n);
          throw TraceError(name, line, std::string(cells[i]),
                           "unknown column (allowed: " + allowed + ")");
        }
        const int c = static_cast<int>(it - names.begin());
        if (where[c] >= 0) throw TraceError(name, line, std::string(cells[i]), "column repeated");
        where[c] = static_cast<int>(i);
        header.emplace_back(cells[i]);
      }
      const auto require = [&](bool ok, const std::string& field, const std::string& why) {
        if (!ok) throw TraceError(name, line, field, why);
      };
      require(where[kId] >= 0, "id", "required column missing");
      require(where[kSubmit] >= 0, "submit_s", "required column missing");
      require(where[kAcc] >= 0 || where[kNodes] >= 0, "accelerators",
              "a size column is required: accelerators or nodes");
      require(where[kWork] >= 0 || where[kRun] >= 0 || where[kModel] >= 0, "work_accelerator_s",
              "a work column is required: work_accelerator_s, run_time_s, or model with steps "
              "or tokens");
      require(where[kModel] < 0 || where[kSteps] >= 0 || where[kTokens] >= 0, "model",
              "a model needs a steps or tokens column");
      continue;
    }
    ++trace.stats.data_lines;
    if (cells.size() != header.size()) {
      const std::string field =
          cells.size() < header.size() ? header[cells.size()] : std::string("line");
      throw TraceError(
          name, line, field,
          std::to_string(cells.size()) + " cells, the header has " + std::to_string(header.size()));
    }
    const auto cell = [&](int c) -> std::string_view {
      return where[c] < 0 ? std::string_view() : cells[where[c]];
    };
    const auto fail = [&](int c, const std::string& why) -> void {
      throw TraceError(name, line, std::string(names[c]), why);
    };
    // Empty or absent: nullopt. Otherwise a number ≥ lo (integral if asked).
    const auto number = [&](int c, double lo, bool integral) -> std::optional<double> {
      const std::string_view t = cell(c);
      if (t.empty()) return std::nullopt;
      const auto v = parse_number(t);
      if (!v) fail(c, quoted(t) + " is not a number");
      if (integral && *v != std::floor(*v)) fail(c, quoted(t) + " must be a whole number");
      if (*v < lo) {
        std::ostringstream os;
        os << quoted(t) << " must be ≥ " << lo;
        fail(c, os.str());
      }
      return v;
    };
    const auto required = [&](int c, double lo, bool integral) {
      const auto v = number(c, lo, integral);
      if (!v) fail(c, "empty (required)");
      return *v;
    };

    JobRequest job;
    job.id = static_cast<std::int64_t>(required(kId, 0.0, true));
    if (!seen.insert(job.id).second) fail(kId, std::to_string(job.id) + " appears twice");
    const double submit = required(kSubmit, 0.0, false);
    const auto acc = number(kAcc, 1.0, true);
    const auto nodes = number(kNodes, 1.0, true);
    if (!acc && !nodes) fail(where[kAcc] >= 0 ? kAcc : kNodes, "empty: the job needs a size");
    if (nodes) {
      job.nodes = static_cast<std::int64_t>(*nodes);
      const std::int64_t all = job.nodes * options.accelerators_per_node;
      job.accelerators = acc ? static_cast<std::int64_t>(*acc) : all;
      if (job.accelerators > all) {
        fail(kAcc, std::to_string(job.accelerators) + " accelerators do not fit " +
                       std::to_string(job.nodes) + " nodes of " +
                       std::to_string(options.accelerators_per_node));
      }
    } else {
      job.accelerators = static_cast<std::int64_t>(*acc);
      job.nodes = ceil_div(job.accelerators, options.accelerators_per_node);
    }
    const auto work = number(kWork, 0.0, false);
    const auto run = number(kRun, 0.0, false);
    job.model = std::string(cell(kModel));
    const auto steps = number(kSteps, 0.0, false);
    const auto tokens = number(kTokens, 0.0, false);
    if (work && run) fail(kRun, "give work_accelerator_s or run_time_s, not both");
    if (work) job.work_accelerator_s = *work;
    if (run) job.work_accelerator_s = *run * static_cast<double>(job.accelerators);
    if ((work || run) && !(job.work_accelerator_s > 0.0)) {
      fail(work ? kWork : kRun, "must be > 0");
    }
    if (!work && !run) {
      if (job.model.empty()) fail(kModel, "empty: the job needs work or a model");
      if (!steps && !tokens) fail(kSteps, "empty: a model job needs steps or tokens");
      job.steps = steps.value_or(-1.0);
      job.tokens = tokens.value_or(-1.0);
    }
    const auto wall = number(kWall, 0.0, false);
    const auto prio = number(kPrio, -2147483648.0, true);
    if (prio && *prio > 2147483647.0) fail(kPrio, "out of range");
    const auto earliest = number(kEarliest, 0.0, false);
    const auto deadline = number(kDeadline, 0.0, false);
    const auto user = number(kUser, -1.0, true);
    const auto group = number(kGroup, -1.0, true);
    const std::string_view pre = cell(kPreempt);
    if (pre.empty()) {
      job.preemptible = options.default_preemptible;
    } else if (pre == "1" || pre == "true") {
      job.preemptible = true;
    } else if (pre == "0" || pre == "false") {
      job.preemptible = false;
    } else {
      fail(kPreempt, quoted(pre) + " is not a boolean (true, false, 1, 0)");
    }
    if (earliest && *earliest < submit) fail(kEarliest, "before submit_s");
    if (!sink.in_window(submit)) continue;
    if (!sink.size_ok(job, line, where[kNodes] >= 0 ? "nodes" : "accelerators")) continue;

    job.submit_s = sink.shifted(submit);
    job.earliest_start_s = earliest ? sink.shifted(*earliest) : job.submit_s;
    job.deadline_s = deadline ? sink.shifted(*deadline) : kNever;
    job.priority = prio ? static_cast<std::int32_t>(*prio) : options.default_priority;
    job.user = user ? static_cast<std::int64_t>(*user) : -1;
    job.group = group ? static_cast<std::int64_t>(*group) : -1;
    const double run_s = job.run_time_s();
    if (wall && *wall > 0.0) {
      job.walltime_s = *wall;
      if (run_s > 0.0 && job.walltime_s < run_s) {
        job.walltime_s = run_s;
        ++trace.stats.walltime_raised;
      }
    } else if (run_s > 0.0) {
      job.walltime_s = run_s * options.unknown_walltime_factor;
      ++trace.stats.walltime_unknown;
    }
    if (deadline && job.walltime_s > 0.0 &&
        job.deadline_s < job.earliest_start_s + job.walltime_s) {
      fail(kDeadline, "earlier than earliest_start_s + walltime_s: the window cannot hold the job");
    }
    trace.jobs.push_back(job);
  }
  if (in.bad()) throw TraceError(name, line, "path", "read error");
  if (header.empty()) throw TraceError(name, line, "header", "no header row");
  sink.finish();
  return trace;
}

Trace read_csv(const std::string& path, const TraceOptions& options) {
  std::ifstream in = open_or_throw(path);
  return parse_csv(in, path, options);
}

}  // namespace ct::sched
