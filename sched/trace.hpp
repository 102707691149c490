// Workload traces: the Standard Workload Format (SWF) of the Parallel Workloads Archive and a CSV
// with named columns, turned into JobRequests for the queue.
//
// SWF (version 2.2, https://www.cs.huji.ac.il/labs/parallel/workload/swf.html; Chapin et al.
// 1999): one job per line, 18 whitespace-separated numeric fields, −1 for "unknown"; lines
// starting with ';' are comments, the header ones of the form "; Key: value". README.md lists the
// fields and what each becomes in the twin.
//
// Errors: a malformed line throws TraceError naming the file, the line and the field, so the
// engine can exit 2 with "file:line: field 'run_time': ...".
#pragma once

#include <cstdint>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sched/job.hpp"

namespace ct::sched {

class TraceError : public std::runtime_error {
 public:
  // line 0: the error concerns the whole file (cannot open, missing header key, options).
  TraceError(std::string file, std::int64_t line, std::string field, const std::string& detail);
  const std::string& file() const { return file_; }
  std::int64_t line() const { return line_; }
  const std::string& field() const { return field_; }

 private:
  std::string file_;
  std::int64_t line_;
  std::string field_;
};

// ---- SWF as written -------------------------------------------------------------------------

// The 18 fields, in file order. Names as used in error messages.
inline constexpr int kSwfFieldCount = 18;
inline constexpr std::string_view kSwfFieldNames[kSwfFieldCount] = {"job_number",
                                                                    "submit_time",
                                                                    "wait_time",
                                                                    "run_time",
                                                                    "allocated_processors",
                                                                    "average_cpu_time",
                                                                    "used_memory",
                                                                    "requested_processors",
                                                                    "requested_time",
                                                                    "requested_memory",
                                                                    "status",
                                                                    "user_id",
                                                                    "group_id",
                                                                    "executable_number",
                                                                    "queue_number",
                                                                    "partition_number",
                                                                    "preceding_job_number",
                                                                    "think_time"};

// One data line, every field as written (−1: unknown). Time fields may be fractional; the
// counters and identifiers must be integers.
struct SwfRecord {
  std::int64_t job_number = -1;
  double submit_time_s = -1.0;
  double wait_time_s = -1.0;
  double run_time_s = -1.0;
  std::int64_t allocated_processors = -1;
  double average_cpu_time_s = -1.0;
  double used_memory_kb = -1.0;  // per processor
  std::int64_t requested_processors = -1;
  double requested_time_s = -1.0;
  double requested_memory_kb = -1.0;  // per processor
  // 1 completed, 0 failed, 5 cancelled; 2, 3, 4 mark partial executions of a checkpointed or
  // swapped job (2 to be continued, 3 last part and completed, 4 last part and failed).
  std::int32_t status = -1;
  std::int64_t user_id = -1;
  std::int64_t group_id = -1;
  std::int64_t executable_number = -1;
  std::int64_t queue_number = -1;  // 0 conventionally marks interactive jobs
  std::int64_t partition_number = -1;
  std::int64_t preceding_job_number = -1;  // 0 and −1: none
  double think_time_s = -1.0;
  std::int64_t line = 0;  // line number in the file, 1-based
};

// Header comments, kept in file order, plus the keys the twin reads (−1 / empty when absent).
struct SwfHeader {
  std::vector<std::string> comment_lines;  // every ';' line, without the ';', in file order
  std::vector<std::pair<std::string, std::string>> entries;  // "Key: value" comments, trimmed
  std::string version, computer, installation, preemption, time_zone_string, start_time, end_time,
      allow_overuse;
  std::int64_t max_jobs = -1, max_records = -1, max_nodes = -1, max_procs = -1, max_queues = -1,
               max_partitions = -1, unix_start_time = -1;
  double max_runtime_s = -1.0, max_memory_kb = -1.0;

  // Value of the first "Key: value" comment with this key (case-sensitive), or nullptr.
  const std::string* find(std::string_view key) const;
};

struct SwfFile {
  SwfHeader header;
  std::vector<SwfRecord> records;  // data lines in file order
};

// Parses and validates every line; `name` is used in error messages. Throws TraceError.
SwfFile parse_swf(std::istream& in, const std::string& name);
SwfFile parse_swf_file(const std::string& path);

// ---- From a trace to jobs -------------------------------------------------------------------

// What one SWF processor stands for.
enum class ProcessorUnit {
  accelerator,  // accelerators = ceil(processors / processors_per_unit)
  node,         // nodes = ceil(processors / processors_per_unit), all their accelerators busy
};
// Cancelled jobs: status 5. Jobs with run time ≤ 0 (or unknown) are never replayed.
enum class CancelledPolicy {
  skip,      // drop every cancelled job (counted)
  keep_ran,  // replay cancelled jobs that ran (> 0 s) for the time they ran
};
// Jobs that need more nodes than the campus has.
enum class OversizePolicy {
  skip,    // drop and count
  refuse,  // TraceError naming the line and the size field
};

struct TraceOptions {
  std::int32_t accelerators_per_node = 8;
  std::int64_t campus_nodes = 0;  // 0: no size check
  ProcessorUnit processor_unit = ProcessorUnit::accelerator;
  // SWF processors per accelerator (or per node). 0 with the node unit: MaxProcs / MaxNodes from
  // the header (both must be present).
  double processors_per_unit = 1.0;
  CancelledPolicy cancelled = CancelledPolicy::skip;
  OversizePolicy oversize = OversizePolicy::skip;
  // Replay a slice: jobs submitted in [window_start_s, window_end_s) of the trace's own clock are
  // kept, shifted so window_start_s becomes 0, then multiplied by submit_time_scale (< 1
  // compresses arrivals and raises the offered load).
  double window_start_s = 0.0;
  double window_end_s = kNever;
  double submit_time_scale = 1.0;
  // Wall time of jobs with no requested time: run time × this factor.
  double unknown_walltime_factor = 1.0;
  std::int32_t default_priority = 0;
  bool default_preemptible = true;
};

// Throws std::invalid_argument naming the option and its allowed range.
void validate(const TraceOptions& options);

struct TraceStats {
  std::int64_t data_lines = 0;  // job lines read
  std::int64_t jobs = 0;        // jobs kept
  std::int64_t skipped_cancelled = 0;
  std::int64_t skipped_no_run_time = 0;   // run time ≤ 0 or unknown (and not cancelled)
  std::int64_t skipped_unknown_size = 0;  // no allocated or requested processors
  std::int64_t skipped_oversize = 0;      // larger than the campus (OversizePolicy::skip)
  std::int64_t skipped_outside_window = 0;
  std::int64_t partial_execution_lines = 0;  // SWF status 2/3/4 lines (the summary line is used)
  std::int64_t walltime_unknown = 0;         // no requested time: unknown_walltime_factor used
  std::int64_t walltime_raised = 0;          // requested time below run time: raised to it
  std::int64_t with_dependency = 0;          // preceding job given (dependencies not modelled)
};

struct Trace {
  std::vector<JobRequest> jobs;  // sorted by (submit_s, id)
  TraceStats stats;
  SwfHeader header;  // empty for CSV
};

// SWF records → jobs under the options. `name` is used in error messages.
Trace jobs_from_swf(const SwfFile& swf, const TraceOptions& options, const std::string& name);
Trace read_swf(const std::string& path, const TraceOptions& options);

// CSV with a header row of named columns (any order; README.md lists them), '#' comment lines and
// blank lines skipped, no quoting. Required: id, submit_s, accelerators or nodes, and the work as
// work_accelerator_s, run_time_s, or model with steps or tokens. Throws TraceError.
Trace parse_csv(std::istream& in, const std::string& name, const TraceOptions& options);
Trace read_csv(const std::string& path, const TraceOptions& options);

// Columns the CSV reader accepts, in documentation order.
const std::vector<std::string_view>& csv_columns();

// Work hook: accelerator-seconds at full clock for a job given as steps/tokens of a model (the
// engine supplies it from the step-time model). Fills work_accelerator_s where it is < 0 and
// raises walltime_s to the run time; throws std::invalid_argument naming the job when the hook
// returns a non-positive or non-finite value.
template <class WorkOf>
void resolve_work(std::vector<JobRequest>& jobs, WorkOf&& work_of) {
  for (JobRequest& job : jobs) {
    if (job.work_accelerator_s >= 0.0) continue;
    const double work = work_of(static_cast<const JobRequest&>(job));
    if (!(work > 0.0) || work == kNever) {
      throw std::invalid_argument("job " + std::to_string(job.id) + ": model '" + job.model +
                                  "' gives no positive work");
    }
    job.work_accelerator_s = work;
    if (job.walltime_s < job.run_time_s()) job.walltime_s = job.run_time_s();
  }
}

}  // namespace ct::sched
