// SWF and CSV readers: every field, header comments, −1 values, cancelled and oversize jobs, the
// processor mapping, and malformed lines (file:line: field 'name': ...).
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "sched/trace.hpp"

namespace {

using namespace ct::sched;

const std::string kTraces = std::string(CT_SOURCE_DIR) + "/tests/traces/";

TraceOptions campus_of_4_nodes() {
  TraceOptions o;
  o.accelerators_per_node = 8;
  o.campus_nodes = 4;
  return o;
}

const JobRequest* find(const Trace& t, std::int64_t id) {
  for (const JobRequest& j : t.jobs) {
    if (j.id == id) return &j;
  }
  return nullptr;
}

TEST(SchedTrace, SwfRecordsKeepEveryField) {
  const SwfFile swf = parse_swf_file(kTraces + "fields.swf");
  ASSERT_EQ(swf.records.size(), 12u);
  const SwfRecord& r = swf.records[0];
  EXPECT_EQ(r.line, 27);
  EXPECT_EQ(r.job_number, 1);
  EXPECT_EQ(r.submit_time_s, 0.0);
  EXPECT_EQ(r.wait_time_s, 10.0);
  EXPECT_EQ(r.run_time_s, 3600.0);
  EXPECT_EQ(r.allocated_processors, 16);
  EXPECT_EQ(r.average_cpu_time_s, 3500.5);
  EXPECT_EQ(r.used_memory_kb, 2048.0);
  EXPECT_EQ(r.requested_processors, 16);
  EXPECT_EQ(r.requested_time_s, 7200.0);
  EXPECT_EQ(r.requested_memory_kb, 4096.0);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.user_id, 3);
  EXPECT_EQ(r.group_id, 2);
  EXPECT_EQ(r.executable_number, 7);
  EXPECT_EQ(r.queue_number, 1);
  EXPECT_EQ(r.partition_number, 1);
  EXPECT_EQ(r.preceding_job_number, -1);
  EXPECT_EQ(r.think_time_s, -1.0);
  // −1 (unknown) is kept as −1 in every field that allows it.
  const SwfRecord& u = swf.records[1];
  EXPECT_EQ(u.submit_time_s, 60.5);  // time fields may be fractional
  EXPECT_EQ(u.wait_time_s, -1.0);
  EXPECT_EQ(u.allocated_processors, -1);
  EXPECT_EQ(u.average_cpu_time_s, -1.0);
  EXPECT_EQ(u.used_memory_kb, -1.0);
  EXPECT_EQ(u.requested_time_s, -1.0);
  EXPECT_EQ(u.requested_memory_kb, -1.0);
  EXPECT_EQ(u.user_id, -1);
  EXPECT_EQ(u.group_id, -1);
  EXPECT_EQ(u.executable_number, -1);
  EXPECT_EQ(u.queue_number, -1);
  EXPECT_EQ(u.partition_number, -1);
  // Interactive queue (0), a dependency and a think time.
  const SwfRecord& d = swf.records[10];
  EXPECT_EQ(d.job_number, 9);
  EXPECT_EQ(d.queue_number, 0);
  EXPECT_EQ(d.preceding_job_number, 1);
  EXPECT_EQ(d.think_time_s, 30.0);
  EXPECT_EQ(d.line, 38);
}

TEST(SchedTrace, SwfHeaderCommentsAreKeptAndParsed) {
  const SwfHeader h = parse_swf_file(kTraces + "fields.swf").header;
  EXPECT_EQ(h.comment_lines.size(), 27u);
  EXPECT_EQ(h.comment_lines.front(), "Version: 2.2");
  EXPECT_EQ(h.entries.size(), 23u);
  EXPECT_EQ(h.version, "2.2");
  EXPECT_EQ(h.computer, "Example GPU cluster (hand-written test trace)");
  EXPECT_EQ(h.installation, "clustertwin unit tests");
  EXPECT_EQ(h.preemption, "No");
  EXPECT_EQ(h.allow_overuse, "No");
  EXPECT_EQ(h.time_zone_string, "Europe/Zurich");
  EXPECT_EQ(h.start_time, "Wed Nov 15 00:13:20 CET 2023");  // colons inside the value
  EXPECT_EQ(h.end_time, "Thu Nov 16 00:13:20 CET 2023");
  EXPECT_EQ(h.max_jobs, 10);
  EXPECT_EQ(h.max_records, 12);
  EXPECT_EQ(h.unix_start_time, 1700000000);
  EXPECT_EQ(h.max_nodes, 4);
  EXPECT_EQ(h.max_procs, 32);
  EXPECT_EQ(h.max_runtime_s, 86400.0);
  EXPECT_EQ(h.max_memory_kb, 1048576.0);
  EXPECT_EQ(h.max_queues, 2);
  EXPECT_EQ(h.max_partitions, 1);
  ASSERT_NE(h.find("Queue"), nullptr);
  EXPECT_EQ(*h.find("Queue"), "1 batch");  // the first of two
  EXPECT_EQ(*h.find("Acknowledge"), "none");
  EXPECT_EQ(h.find("Note"), nullptr);
}

TEST(SchedTrace, SwfToJobsDefaultPolicies) {
  const Trace t = read_swf(kTraces + "fields.swf", campus_of_4_nodes());
  const TraceStats& s = t.stats;
  EXPECT_EQ(s.data_lines, 12);
  EXPECT_EQ(s.partial_execution_lines, 2);
  EXPECT_EQ(s.skipped_cancelled, 2);  // status 5 with and without run time
  EXPECT_EQ(s.skipped_no_run_time, 1);
  EXPECT_EQ(s.skipped_oversize, 1);
  EXPECT_EQ(s.skipped_unknown_size, 1);
  EXPECT_EQ(s.walltime_unknown, 1);
  EXPECT_EQ(s.walltime_raised, 1);
  EXPECT_EQ(s.with_dependency, 1);
  ASSERT_EQ(s.jobs, 5);
  ASSERT_EQ(t.jobs.size(), 5u);
  std::vector<std::int64_t> ids;
  for (const JobRequest& j : t.jobs) ids.push_back(j.id);
  EXPECT_EQ(ids, (std::vector<std::int64_t>{1, 2, 5, 8, 9}));  // by submit time

  const JobRequest& j1 = *find(t, 1);
  EXPECT_EQ(j1.submit_s, 0.0);
  EXPECT_EQ(j1.accelerators, 16);
  EXPECT_EQ(j1.nodes, 2);
  EXPECT_EQ(j1.work_accelerator_s, 3600.0 * 16);
  EXPECT_EQ(j1.run_time_s(), 3600.0);
  EXPECT_EQ(j1.walltime_s, 7200.0);
  EXPECT_EQ(j1.user, 3);
  EXPECT_EQ(j1.group, 2);
  EXPECT_EQ(j1.swf_status, 1);
  EXPECT_EQ(j1.trace_wait_s, 10.0);
  EXPECT_EQ(j1.earliest_start_s, 0.0);
  EXPECT_FALSE(j1.flexible());
  EXPECT_TRUE(j1.preemptible);

  const JobRequest& j2 = *find(t, 2);  // allocated −1: requested processors; no requested time
  EXPECT_EQ(j2.accelerators, 4);
  EXPECT_EQ(j2.nodes, 1);
  EXPECT_EQ(j2.submit_s, 60.5);
  EXPECT_EQ(j2.walltime_s, 1800.0);
  EXPECT_EQ(j2.trace_wait_s, -1.0);

  const JobRequest& j5 = *find(t, 5);  // failed job replayed for its run time; wall time raised
  EXPECT_EQ(j5.swf_status, 0);
  EXPECT_EQ(j5.run_time_s(), 300.0);
  EXPECT_EQ(j5.walltime_s, 300.0);

  const JobRequest& j8 = *find(t, 8);  // the summary line, not the partial executions
  EXPECT_EQ(j8.run_time_s(), 900.0);

  const JobRequest& j9 = *find(t, 9);
  EXPECT_EQ(j9.accelerators, 1);
  EXPECT_EQ(j9.nodes, 1);
  EXPECT_EQ(j9.walltime_s, 120.0);
}

TEST(SchedTrace, CancelledJobsThatRanCanBeKept) {
  TraceOptions o = campus_of_4_nodes();
  o.cancelled = CancelledPolicy::keep_ran;
  const Trace t = read_swf(kTraces + "fields.swf", o);
  EXPECT_EQ(t.stats.skipped_cancelled, 1);  // job 3 never ran
  const JobRequest* j4 = find(t, 4);
  ASSERT_NE(j4, nullptr);
  EXPECT_EQ(j4->swf_status, 5);
  EXPECT_EQ(j4->run_time_s(), 120.0);
  EXPECT_EQ(j4->walltime_s, 600.0);
  EXPECT_EQ(find(t, 3), nullptr);
}

TEST(SchedTrace, OversizeJobsSkippedOrRefused) {
  TraceOptions o = campus_of_4_nodes();
  o.campus_nodes = 0;  // no check: job 7 (64 processors = 8 nodes) is kept
  EXPECT_NE(find(read_swf(kTraces + "fields.swf", o), 7), nullptr);
  o.campus_nodes = 8;
  EXPECT_NE(find(read_swf(kTraces + "fields.swf", o), 7), nullptr);  // exactly fits
  o.campus_nodes = 4;
  o.oversize = OversizePolicy::refuse;
  try {
    read_swf(kTraces + "fields.swf", o);
    FAIL() << "an oversize job must be refused";
  } catch (const TraceError& e) {
    EXPECT_EQ(e.line(), 34);
    EXPECT_EQ(e.field(), "allocated_processors");
    EXPECT_EQ(std::string(e.what()).rfind(kTraces + "fields.swf:34: field 'allocated_processors': "
                                                    "the job needs 8 nodes, the campus has 4",
                                          0),
              0u)
        << e.what();
  }
}

TEST(SchedTrace, ProcessorMapping) {
  // Two SWF processors per accelerator (e.g. CPU cores per GPU in the source cluster).
  TraceOptions o = campus_of_4_nodes();
  o.processors_per_unit = 2.0;
  Trace t = read_swf(kTraces + "fields.swf", o);
  EXPECT_EQ(find(t, 1)->accelerators, 8);
  EXPECT_EQ(find(t, 1)->nodes, 1);
  EXPECT_EQ(find(t, 9)->accelerators, 1);  // ceil(1/2)
  EXPECT_EQ(find(t, 1)->work_accelerator_s, 3600.0 * 8);
  // Processors per node from the header (MaxProcs 32 / MaxNodes 4 = 8), 4 accelerators a node.
  o = TraceOptions{};
  o.accelerators_per_node = 4;
  o.processor_unit = ProcessorUnit::node;
  o.processors_per_unit = 0.0;
  t = read_swf(kTraces + "fields.swf", o);
  EXPECT_EQ(find(t, 1)->nodes, 2);
  EXPECT_EQ(find(t, 1)->accelerators, 8);
  EXPECT_EQ(find(t, 7)->nodes, 8);
  EXPECT_EQ(find(t, 9)->nodes, 1);
  EXPECT_EQ(find(t, 9)->accelerators, 4);  // whole nodes are busy
  // Explicit processors per node.
  o.processors_per_unit = 16.0;
  t = read_swf(kTraces + "fields.swf", o);
  EXPECT_EQ(find(t, 1)->nodes, 1);
  EXPECT_EQ(find(t, 7)->nodes, 4);
  // Header-derived mapping without the header keys is an error naming the key.
  std::istringstream no_header("1 0 0 10 8 -1 -1 -1 -1 -1 1 -1 -1 -1 -1 -1 -1 -1\n");
  const SwfFile bare = parse_swf(no_header, "bare.swf");
  TraceOptions from_header;
  from_header.processor_unit = ProcessorUnit::node;
  from_header.processors_per_unit = 0.0;
  try {
    jobs_from_swf(bare, from_header, "bare.swf");
    FAIL();
  } catch (const TraceError& e) {
    EXPECT_EQ(e.field(), "MaxNodes");
    EXPECT_EQ(e.line(), 0);
  }
}

TEST(SchedTrace, WindowAndTimeScale) {
  TraceOptions o = campus_of_4_nodes();
  o.window_start_s = 100.0;
  o.window_end_s = 300.0;
  o.submit_time_scale = 0.5;
  const Trace t = read_swf(kTraces + "fields.swf", o);
  std::vector<std::int64_t> ids;
  for (const JobRequest& j : t.jobs) ids.push_back(j.id);
  EXPECT_EQ(ids, (std::vector<std::int64_t>{5, 8}));  // 9 is at 300: outside [100, 300)
  EXPECT_EQ(find(t, 5)->submit_s, 40.0);              // (180 − 100) × 0.5
  EXPECT_EQ(find(t, 8)->submit_s, 70.0);
  EXPECT_EQ(find(t, 5)->walltime_s, 300.0);  // durations are not scaled
  EXPECT_GT(t.stats.skipped_outside_window, 0);
}

// The error for `line` (one SWF data line) must be "name:1: field '<field>': <detail…>".
void expect_swf_error(const std::string& line, const std::string& field,
                      const std::string& detail) {
  std::istringstream in(line + "\n");
  try {
    parse_swf(in, "t.swf");
    FAIL() << "accepted: " << line;
  } catch (const TraceError& e) {
    EXPECT_EQ(e.file(), "t.swf");
    EXPECT_EQ(e.line(), 1);
    EXPECT_EQ(e.field(), field) << e.what();
    const std::string prefix = "t.swf:1: field '" + field + "': " + detail;
    EXPECT_EQ(std::string(e.what()).rfind(prefix, 0), 0u) << e.what();
  }
}

TEST(SchedTrace, MalformedSwfLinesNameFileLineAndField) {
  expect_swf_error("1 0 0 10 8 -1 -1 -1 -1 -1 1 -1 -1 -1 -1 -1 -1", "think_time",
                   "missing (17 of 18 fields");
  expect_swf_error("1 0 0 10", "allocated_processors", "missing (4 of 18");
  expect_swf_error("1 0 0 10 8 -1 -1 -1 -1 -1 1 -1 -1 -1 -1 -1 -1 -1 7", "think_time",
                   "more than 18 fields");
  expect_swf_error("1 0 0 abc 8 -1 -1 -1 -1 -1 1 -1 -1 -1 -1 -1 -1 -1", "run_time",
                   "'abc' is not a number");
  expect_swf_error("1 0 0 nan 8 -1 -1 -1 -1 -1 1 -1 -1 -1 -1 -1 -1 -1", "run_time",
                   "'nan' is not a number");
  expect_swf_error("1 0 0 10 8.5 -1 -1 -1 -1 -1 1 -1 -1 -1 -1 -1 -1 -1", "allocated_processors",
                   "'8.5' must be a whole number");
  expect_swf_error("1 0 -5 10 8 -1 -1 -1 -1 -1 1 -1 -1 -1 -1 -1 -1 -1", "wait_time",
                   "'-5' is negative");
  expect_swf_error("1 0 0 10 8 -1 -1 -1 -1 -1 7 -1 -1 -1 -1 -1 -1 -1", "status",
                   "'7' is not a status");
  expect_swf_error("0 0 0 10 8 -1 -1 -1 -1 -1 1 -1 -1 -1 -1 -1 -1 -1", "job_number",
                   "'0' must be ≥ 1");
  expect_swf_error("1 -1 0 10 8 -1 -1 -1 -1 -1 1 -1 -1 -1 -1 -1 -1 -1", "submit_time",
                   "unknown (−1)");
  expect_swf_error("1 0 0 10 8 -1 -1 -1 -1 -1 1 -1 -2 -1 -1 -1 -1 -1", "group_id", "'-2'");
  expect_swf_error("1 0 0 10 8 -1 -1 -1 -1 -1 1 -1 -1 -1 -1 -1 -3 -1", "preceding_job_number",
                   "'-3'");
  expect_swf_error("; MaxProcs: many", "MaxProcs", "'many' is not a whole number");
}

TEST(SchedTrace, MalformedLineInAFileAndDuplicateJobs) {
  std::istringstream in(
      "; Version: 2.2\n"
      "1 0 0 10 8 -1 -1 -1 -1 -1 1 -1 -1 -1 -1 -1 -1 -1\n"
      "\n"
      "1 5 0 10 8 -1 -1 -1 -1 -1 1 -1 -1 -1 -1 -1 -1 -1\n");
  const SwfFile swf = parse_swf(in, "dup.swf");  // each line is well formed
  try {
    jobs_from_swf(swf, TraceOptions{}, "dup.swf");
    FAIL();
  } catch (const TraceError& e) {
    EXPECT_EQ(e.line(), 4);
    EXPECT_EQ(e.field(), "job_number");
  }
  try {
    parse_swf_file(kTraces + "no_such_file.swf");
    FAIL();
  } catch (const TraceError& e) {
    EXPECT_EQ(e.line(), 0);
    EXPECT_EQ(e.field(), "path");
  }
}

TEST(SchedTrace, BadOptionsAreRejected) {
  TraceOptions o;
  o.processors_per_unit = 0.0;  // header-derived only with the node unit
  EXPECT_THROW(validate(o), std::invalid_argument);
  o = TraceOptions{};
  o.window_end_s = 0.0;
  EXPECT_THROW(validate(o), std::invalid_argument);
  o = TraceOptions{};
  o.unknown_walltime_factor = 0.5;
  EXPECT_THROW(validate(o), std::invalid_argument);
  std::istringstream in("1 0 0 10 8 -1 -1 -1 -1 -1 1 -1 -1 -1 -1 -1 -1 -1\n");
  o.unknown_walltime_factor = 0.5;
  EXPECT_THROW(jobs_from_swf(parse_swf(in, "x"), o, "x"), TraceError);
}

TEST(SchedTrace, CsvWithNamedColumns) {
  Trace t = read_csv(kTraces + "jobs.csv", campus_of_4_nodes());
  EXPECT_EQ(t.stats.data_lines, 6);
  EXPECT_EQ(t.stats.skipped_oversize, 1);
  EXPECT_EQ(t.stats.walltime_unknown, 1);
  EXPECT_EQ(t.stats.walltime_raised, 1);
  ASSERT_EQ(t.jobs.size(), 5u);
  const JobRequest& a = *find(t, 1);
  EXPECT_EQ(a.accelerators, 16);
  EXPECT_EQ(a.nodes, 2);
  EXPECT_EQ(a.work_accelerator_s, 57600.0);
  EXPECT_EQ(a.walltime_s, 7200.0);
  EXPECT_EQ(a.priority, 5);
  EXPECT_TRUE(a.preemptible);
  EXPECT_EQ(a.user, 1);
  EXPECT_EQ(a.group, 1);
  EXPECT_EQ(a.swf_status, -1);
  const JobRequest& b = *find(t, 2);
  EXPECT_EQ(b.run_time_s(), 3600.0);
  EXPECT_EQ(b.walltime_s, 3600.0);
  EXPECT_FALSE(b.preemptible);
  const JobRequest& c = *find(t, 3);  // nodes only: all their accelerators
  EXPECT_EQ(c.nodes, 3);
  EXPECT_EQ(c.accelerators, 24);
  EXPECT_EQ(c.priority, -1);
  EXPECT_EQ(c.earliest_start_s, 600.0);
  EXPECT_EQ(c.deadline_s, 10000.0);
  EXPECT_TRUE(c.flexible());
  EXPECT_EQ(c.user, -1);
  const JobRequest& d = *find(t, 4);  // model job: work left to the hook
  EXPECT_EQ(d.model, "llama3_8b");
  EXPECT_EQ(d.steps, 1000.0);
  EXPECT_LT(d.work_accelerator_s, 0.0);
  const JobRequest unresolved = d;
  resolve_work(t.jobs, [](const JobRequest& j) { return j.steps * 2.5 * 16.0; });
  EXPECT_EQ(find(t, 4)->work_accelerator_s, 40000.0);
  EXPECT_EQ(find(t, 4)->walltime_s, 2500.0);
  EXPECT_EQ(find(t, 1)->work_accelerator_s, 57600.0);  // known work untouched
  std::vector<JobRequest> one{unresolved};
  EXPECT_THROW(resolve_work(one, [](const JobRequest&) { return 0.0; }), std::invalid_argument);

  TraceOptions refuse = campus_of_4_nodes();
  refuse.oversize = OversizePolicy::refuse;
  try {
    read_csv(kTraces + "jobs.csv", refuse);
    FAIL();
  } catch (const TraceError& e) {
    EXPECT_EQ(e.line(), 9);
    EXPECT_EQ(e.field(), "nodes");
  }
}

TEST(SchedTrace, GpuClusterTraceConvertedToSwf) {
  // tests/traces/gpu_cluster_sample.swf is tools/csv_to_swf.py's output for
  // gpu_cluster_sample.csv (docs/workloads.md): processors are GPUs.
  TraceOptions o;
  o.accelerators_per_node = 8;
  o.campus_nodes = 8;
  Trace t = read_swf(kTraces + "gpu_cluster_sample.swf", o);
  EXPECT_EQ(t.header.unix_start_time, 1585699205);  // 2020-04-01 00:00:05 UTC
  EXPECT_EQ(t.header.max_procs, 128);
  EXPECT_EQ(t.stats.skipped_cancelled, 2);
  EXPECT_EQ(t.stats.skipped_oversize, 1);  // 128 GPUs = 16 nodes > 8
  EXPECT_EQ(t.stats.walltime_unknown, 4);
  ASSERT_EQ(t.jobs.size(), 4u);
  EXPECT_EQ(find(t, 1)->accelerators, 8);
  EXPECT_EQ(find(t, 1)->nodes, 1);
  EXPECT_EQ(find(t, 1)->run_time_s(), 7800.0);
  EXPECT_EQ(find(t, 1)->trace_wait_s, 35.0);
  EXPECT_EQ(find(t, 3)->nodes, 8);  // 64 GPUs
  EXPECT_EQ(find(t, 3)->swf_status, 0);
  EXPECT_EQ(find(t, 2)->user, 2);
  o.cancelled = CancelledPolicy::keep_ran;
  t = read_swf(kTraces + "gpu_cluster_sample.swf", o);
  ASSERT_NE(find(t, 6), nullptr);  // cancelled after running 600 s
  EXPECT_EQ(find(t, 6)->run_time_s(), 600.0);
  EXPECT_EQ(find(t, 4), nullptr);  // cancelled before it started
}

void expect_csv_error(const std::string& text, std::int64_t line, const std::string& field) {
  std::istringstream in(text);
  try {
    parse_csv(in, "t.csv", TraceOptions{});
    FAIL() << "accepted: " << text;
  } catch (const TraceError& e) {
    EXPECT_EQ(e.line(), line) << e.what();
    EXPECT_EQ(e.field(), field) << e.what();
    const std::string prefix = "t.csv:" + std::to_string(line) + ": field '" + field + "': ";
    EXPECT_EQ(std::string(e.what()).rfind(prefix, 0), 0u) << e.what();
  }
}

TEST(SchedTrace, MalformedCsvNamesLineAndColumn) {
  expect_csv_error("id,submit_s,gpus,run_time_s\n", 1, "gpus");
  expect_csv_error("id,submit_s,run_time_s\n", 1, "accelerators");
  expect_csv_error("id,submit_s,accelerators\n", 1, "work_accelerator_s");
  expect_csv_error("id,id,submit_s,accelerators,run_time_s\n", 1, "id");
  expect_csv_error("id,submit_s,accelerators,run_time_s\n1,0,8\n", 2, "run_time_s");
  expect_csv_error("id,submit_s,accelerators,run_time_s\n1,0,8,10,4\n", 2, "line");
  expect_csv_error("id,submit_s,accelerators,run_time_s\n1,0,8,ten\n", 2, "run_time_s");
  expect_csv_error("id,submit_s,accelerators,run_time_s\n1,0,8,0\n", 2, "run_time_s");
  expect_csv_error("id,submit_s,accelerators,run_time_s\n1,-3,8,10\n", 2, "submit_s");
  expect_csv_error("id,submit_s,accelerators,run_time_s\n1,,8,10\n", 2, "submit_s");
  expect_csv_error("id,submit_s,accelerators,run_time_s\n1,0,2.5,10\n", 2, "accelerators");
  expect_csv_error("id,submit_s,accelerators,run_time_s\n1,0,8,10\n# ok\n1,5,8,10\n", 4, "id");
  expect_csv_error("id,submit_s,accelerators,run_time_s,preemptible\n1,0,8,10,maybe\n", 2,
                   "preemptible");
  expect_csv_error("id,submit_s,accelerators,run_time_s,earliest_start_s\n1,50,8,10,40\n", 2,
                   "earliest_start_s");
  expect_csv_error("id,submit_s,accelerators,run_time_s,deadline_s\n1,0,8,100,50\n", 2,
                   "deadline_s");
  expect_csv_error("id,submit_s,accelerators,nodes,run_time_s\n1,0,24,2,10\n", 2, "accelerators");
  expect_csv_error("id,submit_s,accelerators,work_accelerator_s,run_time_s\n1,0,8,80,10\n", 2,
                   "run_time_s");
  expect_csv_error("id,submit_s,accelerators,model\n", 1, "model");
  expect_csv_error("id,submit_s,accelerators,run_time_s\n\"1\",0,8,10\n", 2, "line");
  expect_csv_error("# only a comment\n", 1, "header");
}

}  // namespace
