// Trace readers on small inputs the tests write themselves (Gavel's two
// layouts, Sia workloads with profiles), trace synthesis, replay progress,
// and the real files when the shared data is present.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <streambuf>

#include "core/rng.h"
#include "sim/engine/replay.h"
#include "sim/policies/registry.h"
#include "sim/trace/read_trace.h"
#include "sim/trace/synth.h"
#include "sim/trace/trace.h"
#include "testing.h"

namespace suanli::sim {
namespace {

namespace fs = std::filesystem;

void WriteAll(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("suanli-" + std::string(info->test_suite_name()) + "-" + info->name() + "-" +
             std::to_string(static_cast<long>(::getpid())));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// ---------------------------------------------------------------- Gavel --

constexpr const char* kThroughputs = R"json({
  "v100": {"('ResNet-18 (batch size 32)', 1)": {"null": 10.0},
           "('ResNet-18 (batch size 32)', 2)": {"null": 16.0}},
  "k80":  {"('ResNet-18 (batch size 32)', 1)": {"null": 2.5}},
  "v100_unconsolidated": {"('ResNet-18 (batch size 32)', 1)": {"null": 99.0}}
})json";

std::string LegacyRow(const std::string& type, const std::string& steps, const std::string& arrival,
                      const std::string& scale) {
  return type + "\tcd %s && python3 main.py\t--num_steps\t1\t" + steps + "\t" + arrival + "\t" +
         scale + "\n";
}

// Excel's "CSV UTF-8" starts with a byte order mark: the header is still found.
TEST(CsvTest, ByteOrderMarkIsSkipped) {
  auto jobs =
      ReadCsvTrace("\xEF\xBB\xBFid,arrival_s,num_gpus,duration_s\n1,0,1,100\n", "bom.csv", nullptr);
  ASSERT_TRUE(jobs) << jobs.error().ToString();
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].num_gpus, 1);
}

// A header typed with a space after each comma ("id, arrival_s, num_gpus, duration_s") was
// "missing column 'arrival_s'": names and cells are read without the spaces around them, the same
// job as the plain header (8 GPUs for 50 s, arriving at 10 s).
TEST(CsvTest, HeaderWithSpacesAfterTheCommas) {
  auto jobs =
      ReadCsvTrace("id, arrival_s, num_gpus, duration_s\n1, 10, 8, 50\n", "sp.csv", nullptr);
  ASSERT_TRUE(jobs) << jobs.error().ToString();
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].num_gpus, 8);
  EXPECT_EQ((*jobs)[0].arrival_s, 10);
  EXPECT_EQ((*jobs)[0].duration_s.at("*"), 50);
}

// A duration with a unit ("2h") in a time column (plain seconds) is refused naming file:line and
// the column, never read as 2.
TEST(CsvTest, DurationsWithUnitsAreRefusedWhereTheyStand) {
  auto hours = ReadCsvTrace("id,arrival_s,num_gpus,duration_s\n1,0,8,2h\n", "u.csv", nullptr);
  ASSERT_FALSE(hours);
  EXPECT_EQ(hours.error().ToString(), "u.csv:2: duration_s: '2h' is not a number");
  auto minutes =
      ReadCsvTrace("id,arrival_s,num_gpus,duration_s\n1,0,8,50\n2,30m,8,50\n", "u.csv", nullptr);
  ASSERT_FALSE(minutes);
  EXPECT_EQ(minutes.error().ToString(), "u.csv:3: arrival_s: '30m' is not a number");
}

// The documented row (docs/trace-formats.md) names its durations v100=7200;p100=11000 and its
// types V100|P100: the job could run only on V100 and had a duration only on v100, so it never
// fit any cluster. Its types now take the durations' spelling; a type given two durations (in
// any case) is refused at its line and column.
TEST(CsvTest, TypesMatchTheirDurationsInAnyCaseAndOnce) {
  auto doc = ReadCsvTrace(
      "id,arrival_s,num_gpus,gpu_milli,duration_s,gpu_types\n"
      "2,30,4,1000,v100=7200;p100=11000,V100|P100\n",
      "doc.csv", nullptr);
  ASSERT_TRUE(doc) << doc.error().ToString();
  ASSERT_EQ(doc->size(), 1u);
  EXPECT_EQ((*doc)[0].allowed_types, (std::vector<std::string>{"v100", "p100"}));
  EXPECT_EQ((*doc)[0].duration_s.at("v100"), 7200);
  for (const char* durations : {"v100=100;v100=200", "v100=100;V100=200"}) {
    auto twice =
        ReadCsvTrace(std::string("id,arrival_s,num_gpus,duration_s\n1,0,1,") + durations + "\n",
                     "t.csv", nullptr);
    ASSERT_FALSE(twice) << durations;
    EXPECT_TRUE(twice.error().ToString().rfind("t.csv:2: duration_s: '", 0) == 0)
        << twice.error().ToString();
    EXPECT_NE(twice.error().message.find("v100 has a duration already"), std::string::npos)
        << twice.error().message;
  }
}

// A gpu_types cell of `|` alone read as no list at all, any type (an empty cell's meaning);
// `V100||T4` and `V100|` as fewer types than written. An empty cell is still any type.
TEST(CsvTest, AnEmptyTypeNameInGpuTypesIsRefused) {
  for (const char* cell : {"|", "V100||T4", "V100|", "|T4"}) {
    auto bad = ReadCsvTrace(
        std::string("id,arrival_s,num_gpus,duration_s,gpu_types\n1,0,1,100,") + cell + "\n",
        "g.csv", nullptr);
    ASSERT_FALSE(bad) << cell;
    EXPECT_EQ(bad.error().file, "g.csv");
    EXPECT_EQ(bad.error().line, 2);
    EXPECT_EQ(bad.error().field, "gpu_types");
    EXPECT_NE(bad.error().message.find("empty type name"), std::string::npos)
        << bad.error().message;
  }
  auto any =
      ReadCsvTrace("id,arrival_s,num_gpus,duration_s,gpu_types\n1,0,1,100,\n", "g.csv", nullptr);
  ASSERT_TRUE(any) << any.error().ToString();
  EXPECT_TRUE((*any)[0].allowed_types.empty());
}

// A stray quote made one field of the rest of the file, echoed whole into the message (9.7 MB
// for a 9.7 MB trace): now the quote's line is named, and echoed values are one short line.
TEST(CsvTest, StrayQuoteAndLongValuesGiveShortMessages) {
  std::string csv = "id,arrival_s,num_gpus,duration_s\n1,0,1,100\n2,\"0,1,100\n";
  for (int i = 3; i < 100'000; ++i) csv += std::to_string(i) + ",0,1,100\n";
  auto open = ReadCsvTrace(csv, "q.csv", nullptr);
  ASSERT_FALSE(open);
  EXPECT_EQ(open.error().file, "q.csv");
  EXPECT_EQ(open.error().line, 3);
  EXPECT_NE(open.error().message.find("unterminated quote"), std::string::npos)
      << open.error().message;
  EXPECT_LT(open.error().ToString().size(), 200u);

  // A closed quote spanning lines, and a huge unquoted value: one line, cut.
  auto spans =
      ReadCsvTrace("id,arrival_s,num_gpus,duration_s\n1,\"12\n34\",1,100\n", "s.csv", nullptr);
  ASSERT_FALSE(spans);
  EXPECT_EQ(spans.error().ToString(), "s.csv:2: arrival_s: '12...' is not a number");
  auto huge =
      ReadCsvTrace("id,arrival_s,num_gpus,duration_s\n1,0,1," + std::string(1'000'000, '7') + "x\n",
                   "h.csv", nullptr);
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().line, 2);
  EXPECT_LT(huge.error().ToString().size(), 200u) << huge.error().ToString().substr(0, 300);
}

TEST(GavelLegacyTest, SevenColumnsAreDetectedAndTimedFromTheTable) {
  const std::string trace = LegacyRow("ResNet-18 (batch size 32)", "1000", "0.000000", "1") +
                            LegacyRow("ResNet-18 (batch size 32)", "1600", "6.000000", "2") +
                            LegacyRow("ResNet-18 (batch size 32)", "500", "7.000000", "0") +
                            LegacyRow("ResNet-18 (batch size 32)", "500", "9.000000", "16");
  TraceStats stats;
  auto jobs = ReadGavelTrace(trace, "vc.trace", kThroughputs, "tput.json", &stats);
  ASSERT_TRUE(jobs) << jobs.error().ToString();
  ASSERT_EQ(jobs->size(), 2u);
  // 1000 steps at 10 and 2.5 steps/s; 1600 steps at 16 steps/s (no k80 entry for 2 GPUs).
  EXPECT_DOUBLE_EQ((*jobs)[0].DurationOn("v100"), 100);
  EXPECT_DOUBLE_EQ((*jobs)[0].DurationOn("k80"), 400);
  EXPECT_LT((*jobs)[0].DurationOn("v100_unconsolidated"), 0);
  EXPECT_EQ((*jobs)[1].num_gpus, 2);
  EXPECT_DOUBLE_EQ((*jobs)[1].arrival_s, 6);
  EXPECT_DOUBLE_EQ((*jobs)[1].DurationOn("v100"), 100);
  EXPECT_LT((*jobs)[1].DurationOn("k80"), 0);
  // The scale_factor 0 row and the 16-GPU row (no throughput) are counted, not jobs.
  EXPECT_EQ(stats.rows, 4);
  EXPECT_EQ(stats.jobs, 2);
  EXPECT_EQ(stats.skipped, 2);
  EXPECT_NE(stats.skipped_why.find("scale_factor 0 (1)"), std::string::npos) << stats.skipped_why;
}

// Finding M9 and issue 16: a stream is read row by row; it gives the same jobs as the text, and a
// file cut mid-row or that is not text fails at its line, at once.
TEST(CsvTest, StreamsGiveTheSameJobsAndRefuseTruncatedOrBinaryFiles) {
  std::string csv = "id,arrival_s,num_gpus,gpu_milli,duration_s\n";
  for (int i = 1; i <= 250'000; ++i) {
    csv += std::to_string(i) + "," + std::to_string(i / 3) + ",1," + std::to_string(100 + i % 900) +
           ",v100=" + std::to_string(10 + i % 7) + ";k80=70\n";
  }
  auto text = ReadCsvTrace(csv, "s.csv", nullptr);
  ASSERT_TRUE(text) << text.error().ToString();
  std::istringstream in(csv);
  std::vector<long> seen;
  TraceStats stats;
  auto stream = ReadCsvTrace(in, "s.csv", &stats, [&](long rows) { seen.push_back(rows); });
  ASSERT_TRUE(stream) << stream.error().ToString();
  ASSERT_EQ(stream->size(), 250'000u);
  EXPECT_EQ(stats.rows, 250'000);
  for (size_t i = 0; i < stream->size(); i += 997) {
    EXPECT_EQ((*stream)[i].id, (*text)[i].id);
    EXPECT_EQ((*stream)[i].gpu_milli, (*text)[i].gpu_milli);
    EXPECT_EQ((*stream)[i].duration_s, (*text)[i].duration_s);
  }
  // Every 100,000 rows, the header counted: 100,000 and 200,000.
  EXPECT_EQ(seen, (std::vector<long>{100'000, 200'000}));

  // Cut in the middle of line 3: two fields of four and no line end.
  std::istringstream cut("id,arrival_s,num_gpus,duration_s\n1,0,1,100\n2,5");
  auto r = ReadCsvTrace(cut, "cut.csv", nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().ToString(),
            "cut.csv:3: the file ends in the middle of a row: 2 of 4 fields and no line end "
            "(truncated?)");
  // A last row complete but without a line end is fine.
  std::istringstream whole("id,arrival_s,num_gpus,duration_s\n1,0,1,100\n2,5,1,100");
  EXPECT_TRUE(ReadCsvTrace(whole, "whole.csv", nullptr));
  // Not text: an executable's first bytes. The NUL is on line 1.
  std::istringstream binary(std::string("\x7f"
                                        "ELF\x02\x01\x01\0\0\0",
                                        11) +
                            "\n1,2\n");
  r = ReadCsvTrace(binary, "a.out", nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().line, 1);
  EXPECT_NE(r.error().message.find("not a text file"), std::string::npos) << r.error().message;
  // A gigabyte of zeros (a sparse file) fails on its first byte, not after reading it all.
  struct Zeros : std::streambuf {
    char zeros[4096] = {};
    long served = 0;
    int_type underflow() override {
      if (served > (1L << 30)) return traits_type::eof();
      served += sizeof(zeros);
      setg(zeros, zeros, zeros + sizeof(zeros));
      return 0;
    }
  } zeros;
  std::istream sparse(&zeros);
  r = ReadCsvTrace(sparse, "sparse.csv", nullptr);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("NUL"), std::string::npos);
  EXPECT_LT(zeros.served, 1L << 20);
}

// Finding M5: `v100=inf`, 1e308 s and 1e300 s arrivals reached the report as inf, -nan % and
// 300-digit numbers. Each is refused at its file:line and column.
TEST(CsvTest, NonFiniteOrAbsurdTimesAreRefused) {
  const std::string header = "id,arrival_s,num_gpus,duration_s\n1,0,1,100\n";
  struct Case {
    std::string row, field;
  };
  for (const Case& c : {Case{"2,0,1,v100=inf", "duration_s"}, Case{"2,0,1,v100=nan", "duration_s"},
                        Case{"2,0,1,1e308", "duration_s"}, Case{"2,0,1,v100=2e10", "duration_s"},
                        Case{"2,1e300,1,100", "arrival_s"}, Case{"2,inf,1,100", "arrival_s"},
                        Case{"2,nan,1,100", "arrival_s"}}) {
    auto r = ReadCsvTrace(header + c.row + "\n", "m5.csv", nullptr);
    ASSERT_FALSE(r) << c.row;
    EXPECT_EQ(r.error().file, "m5.csv") << c.row;
    EXPECT_EQ(r.error().line, 3) << c.row;
    EXPECT_EQ(r.error().field, c.field) << c.row << ": " << r.error().ToString();
  }
  // 1e10 s (317 years) is the largest accepted time.
  EXPECT_TRUE(ReadCsvTrace(header + "2,1e10,1,1e10\n", "ok.csv", nullptr));
}

TEST(GavelLegacyTest, MalformedRowsNameFileLineAndField) {
  const std::string good = LegacyRow("ResNet-18 (batch size 32)", "1000", "0", "1");
  auto r = ReadGavelTrace(good + LegacyRow("ResNet-18 (batch size 32)", "1000", "soon", "1"),
                          "vc.trace", kThroughputs, "tput.json", nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().file, "vc.trace");
  EXPECT_EQ(r.error().line, 2);
  EXPECT_EQ(r.error().field, "arrival_time");
  // A row with a different width from the first.
  r = ReadGavelTrace(good + "a\tb\tc\n", "vc.trace", kThroughputs, "tput.json", nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().line, 2);
  EXPECT_NE(r.error().message.find("expected 7"), std::string::npos) << r.error().message;
  // Neither 7 nor 10 columns.
  r = ReadGavelTrace("a\tb\tc\n", "vc.trace", kThroughputs, "tput.json", nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().line, 1);
  // Fractional GPU counts are not jobs of Gavel's.
  r = ReadGavelTrace(LegacyRow("ResNet-18 (batch size 32)", "1000", "0", "1.5"), "vc.trace",
                     kThroughputs, "tput.json", nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().line, 1);
  // 1e308 steps at 10 steps/s is 1e307 s: refused (finding M5).
  r = ReadGavelTrace(LegacyRow("ResNet-18 (batch size 32)", "1e308", "0", "1"), "vc.trace",
                     kThroughputs, "tput.json", nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "total_steps");
  // Empty, and nothing left to time.
  EXPECT_FALSE(ReadGavelTrace("", "vc.trace", kThroughputs, "tput.json", nullptr));
  r = ReadGavelTrace(LegacyRow("ResNet-18 (batch size 32)", "1000", "0", "0"), "vc.trace",
                     kThroughputs, "tput.json", nullptr);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no job"), std::string::npos);
}

TEST(GavelLegacyTest, TenColumnsStillStrict) {
  const std::string row =
      "ResNet-18 (batch size 32)\tcmd\tdir\t--num_steps\t1\t1000\t1\t1\t-1\t30\n";
  TraceStats stats;
  auto jobs = ReadGavelTrace(row, "t.trace", kThroughputs, "tput.json", &stats);
  ASSERT_TRUE(jobs) << jobs.error().ToString();
  EXPECT_DOUBLE_EQ((*jobs)[0].arrival_s, 30);
  EXPECT_EQ(stats.skipped, 0);
  // A (job type, scale factor) missing from the table is an error here.
  auto r = ReadGavelTrace("A3C\tcmd\tdir\t--n\t1\t1000\t1\t1\t-1\t30\n", "t.trace", kThroughputs,
                          "tput.json", nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "job_type");
}

// ------------------------------------------------------------------ Sia --

// A made-up cifar10 profile (Sia trains cifar10 for 100 epochs, slowdown
// 1.8, 50 s start-up) on aws (t4, 4 GPUs per node) only.
void WriteCifarProfile(const fs::path& dir) {
  const fs::path app = dir / "cifar10";
  // validation-<bsz>.csv: 100 epochs; the last row's iteration counts.
  for (auto [bsz, last] : {std::pair{128, 40000}, std::pair{256, 20000}}) {
    std::string v = "progress,iteration,metric,grad_sqr,grad_var\n";
    for (int e = 1; e <= 100; ++e) {
      v += std::to_string(e) + "," + std::to_string(e == 100 ? last : e * 100) + ",0.5,1,1\n";
    }
    WriteAll(app / ("validation-" + std::to_string(bsz) + ".csv"), v);
  }
  WriteAll(app / "placements-aws.csv",
           "placement,local_bsz,step_time,sync_time\n"
           "2,32,0.10,0.02\n2,64,0.16,0.04\n"
           "44,32,0.20,0.05\n44,64,0.30,0.10\n");
  WriteAll(app / "scalability-aws.csv",
           "num_nodes,num_replicas,local_bsz,step_time,sync_time\n"
           "3,12,16,0.40,0.20\n3,12,32,0.50,0.30\n");
}

std::string SiaHeader() { return "name,time,application,num_replicas,batch_size\n"; }

TEST(SiaTest, DurationsFromIterationsAndStepTimes) {
  TempDir tmp;
  WriteCifarProfile(tmp.path());
  const std::string workload = SiaHeader() +
                               "a,10,cifar10,8,256\n"   // placement 44, local 32
                               "c,20,cifar10,2,256\n"   // placement 2, local 128 > 64
                               "d,30,cifar10,12,256\n"  // 444 not profiled: scalability 3x12
                               "e,0,cifar10,8,256\n";
  TraceStats stats;
  auto jobs = ReadSiaWorkload(workload, "w.csv", tmp.path().string(), &stats);
  ASSERT_TRUE(jobs) << jobs.error().ToString();
  ASSERT_EQ(jobs->size(), 4u);
  EXPECT_EQ(stats.jobs, 4);
  std::map<std::string, Job> by_name;
  for (const auto& j : *jobs) by_name[j.name] = j;
  // a: 20,000 iterations x 0.20 s x 1.8 + 50 s.
  EXPECT_NEAR(by_name["a"].DurationOn("t4"), 50 + 20000 * 0.20 * 1.8, 1e-6);
  EXPECT_EQ(by_name["a"].num_gpus, 8);
  EXPECT_DOUBLE_EQ(by_name["a"].arrival_s, 10);
  // c: local 128 on a placement fitting 64: one accumulation step of 64:
  // 0.16 + (0.16 - 0.04) = 0.28 s per iteration.
  EXPECT_NEAR(by_name["c"].DurationOn("t4"), 50 + 20000 * 0.28 * 1.8, 1e-6);
  // d: local ceil(256/12) = 22, capped at floor(256/12) = 21 (Sia keeps
  // replicas x local within the largest validated batch); 3 nodes x 12
  // replicas from the scalability table: 0.40 + (21-16)/16 x 0.10 = 0.43125 s.
  EXPECT_NEAR(by_name["d"].DurationOn("t4"), 50 + 20000 * 0.43125 * 1.8, 1e-6);
  // Only aws was profiled.
  EXPECT_LT(by_name["a"].DurationOn("a100"), 0);
  // Sorted by arrival.
  EXPECT_EQ((*jobs)[0].name, "e");
}

TEST(SiaTest, BatchSizeBetweenValidatedSizesInterpolatesIterations) {
  TempDir tmp;
  WriteCifarProfile(tmp.path());
  // Iterations halfway between 40,000 (128) and 20,000 (256): 30,000. Two
  // replicas: local 96 > 64 fits, so two steps of 48: 0.13 s (sync 0.03) + 0.10.
  auto jobs =
      ReadSiaWorkload(SiaHeader() + "b,0,cifar10,2,192\n", "w.csv", tmp.path().string(), nullptr);
  ASSERT_TRUE(jobs) << jobs.error().ToString();
  const double per_iteration = 0.13 + (0.13 - 0.03);
  EXPECT_NEAR((*jobs)[0].DurationOn("t4"), 50 + 30000 * per_iteration * 1.8, 1e-6);
}

TEST(SiaTest, BadInputNamesFileLineAndField) {
  TempDir tmp;
  WriteCifarProfile(tmp.path());
  const std::string dir = tmp.path().string();
  auto expect_error = [&](const std::string& body, int line, const std::string& field,
                          const std::string& words) {
    auto r = ReadSiaWorkload(SiaHeader() + body, "w.csv", dir, nullptr);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().file, "w.csv") << body;
    EXPECT_EQ(r.error().line, line) << body;
    EXPECT_EQ(r.error().field, field) << body;
    EXPECT_NE(r.error().message.find(words), std::string::npos) << r.error().message;
  };
  expect_error("a,0,cifar10,8,256\nb,1,mnist,8,256\n", 3, "application", "unknown application");
  expect_error("a,0,gpt_pmp,8,256\n", 2, "application", "pipeline-parallel");
  expect_error("a,0,imagenet,8,256\n", 2, "application", "no profiles");  // no directory
  expect_error("a,zero,cifar10,8,256\n", 2, "time", "not a number");
  expect_error("a,0,cifar10,0,256\n", 2, "num_replicas", "whole number");
  expect_error("a,0,cifar10,8,4096\n", 2, "batch_size", "outside the profiled");
  expect_error("a,0,cifar10,3,256\n", 2, "num_replicas", "no profiled accelerator");
  // Empty trace, header only, missing column.
  EXPECT_FALSE(ReadSiaWorkload("", "w.csv", dir, nullptr));
  auto r = ReadSiaWorkload(SiaHeader(), "w.csv", dir, nullptr);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no jobs"), std::string::npos);
  r = ReadSiaWorkload("name,time,application,num_replicas\na,0,cifar10,8\n", "w.csv", dir, nullptr);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("batch_size"), std::string::npos);
  // A profile directory that does not exist.
  r = ReadSiaWorkload(SiaHeader() + "a,0,cifar10,8,256\n", "w.csv", dir + "/nowhere", nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().file, dir + "/nowhere");
}

TEST(SiaTest, BadProfilesNameTheProfileFile) {
  TempDir tmp;
  WriteCifarProfile(tmp.path());
  const fs::path app = tmp.path() / "cifar10";
  const std::string job = SiaHeader() + "a,0,cifar10,8,256\n";
  // A malformed profile row.
  WriteAll(app / "placements-aws.csv",
           "placement,local_bsz,step_time,sync_time\n44,32,0.20,0.05\n44,64,fast,0.10\n");
  auto r = ReadSiaWorkload(job, "w.csv", tmp.path().string(), nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().file, (app / "placements-aws.csv").string());
  EXPECT_EQ(r.error().line, 3);
  EXPECT_EQ(r.error().field, "step_time");
  // No placements profile at all.
  fs::remove(app / "placements-aws.csv");
  r = ReadSiaWorkload(job, "w.csv", tmp.path().string(), nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().file, "w.csv");
  EXPECT_NE(r.error().message.find("placements"), std::string::npos) << r.error().message;
  // Too few epochs in a validation profile.
  WriteCifarProfile(tmp.path());
  WriteAll(app / "validation-128.csv", "progress,iteration\n1,100\n2,200\n");
  r = ReadSiaWorkload(job, "w.csv", tmp.path().string(), nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().file, (app / "validation-128.csv").string());
  EXPECT_NE(r.error().message.find("100"), std::string::npos) << r.error().message;
}

// ---------------------------------------------------------------- synth --

// A source with a known mix: bursty arrivals, 1/2/4/8-GPU jobs, shared
// GPUs, per-type durations and type restrictions.
std::vector<Job> SourceTrace() {
  Rng rng(42, 0);
  std::vector<Job> jobs;
  double t = 0;
  for (int i = 0; i < 400; ++i) {
    t += rng.Uniform() < 0.3 ? 600 * rng.Uniform() : 5 * rng.Uniform();
    Job j;
    j.id = i + 1;
    j.arrival_s = t;
    const double u = rng.Uniform();
    j.num_gpus = u < 0.5 ? 1 : u < 0.7 ? 2 : u < 0.9 ? 4 : 8;
    if (j.num_gpus == 1 && rng.Uniform() < 0.3) j.gpu_milli = 250;
    const double d = 60 + 7200 * rng.Uniform() * rng.Uniform();
    j.duration_s["v100"] = d;
    j.duration_s["k80"] = 3 * d;
    if (rng.Uniform() < 0.2) j.allowed_types = {"v100"};
    jobs.push_back(j);
  }
  return jobs;
}

struct Moments {
  double mean = 0, sd = 0;
};
Moments Of(const std::vector<double>& xs) {
  Moments m;
  for (double x : xs) m.mean += x;
  m.mean /= static_cast<double>(xs.size());
  for (double x : xs) m.sd += (x - m.mean) * (x - m.mean);
  m.sd = std::sqrt(m.sd / static_cast<double>(xs.size()));
  return m;
}

// A rate scale of 1e300 put the jobs 1e-299 s apart, every job at once: at most a million times
// the source's rate (1e6 itself still scales: the source's gaps over 1e6).
TEST(SynthTest, AnAbsurdRateScaleIsRefused) {
  const auto source = SourceTrace();
  auto bad = SynthesizeTrace(source, {10, 7, 1e300});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "--rate-scale");
  EXPECT_NE(bad.error().message.find("more than a million times"), std::string::npos)
      << bad.error().message;
  auto edge = SynthesizeTrace(source, {10, 7, 1e6});
  ASSERT_TRUE(edge) << edge.error().ToString();
}

TEST(SynthTest, KeepsArrivalRateGpuMixAndDurationsWithinSamplingError) {
  const auto source = SourceTrace();
  const long n = 20000;
  const double rate_scale = 2.5;
  auto synth = SynthesizeTrace(source, {n, 7, rate_scale});
  ASSERT_TRUE(synth) << synth.error().ToString();
  ASSERT_EQ(synth->size(), static_cast<size_t>(n));

  // Expected values from the source, computed here, not by the library.
  std::vector<double> gaps, durations;
  std::map<int, double> gpu_share;
  for (size_t i = 1; i < source.size(); ++i)
    gaps.push_back((source[i].arrival_s - source[i - 1].arrival_s) / rate_scale);
  for (const auto& j : source) {
    durations.push_back(j.duration_s.at("v100"));
    gpu_share[j.num_gpus] += 1.0 / static_cast<double>(source.size());
  }
  const Moments gap = Of(gaps), duration = Of(durations);

  std::vector<double> synth_gaps, synth_durations;
  std::map<int, double> synth_share;
  for (size_t i = 0; i < synth->size(); ++i) {
    const Job& j = (*synth)[i];
    EXPECT_EQ(j.id, static_cast<int64_t>(i + 1));
    if (i > 0) synth_gaps.push_back(j.arrival_s - (*synth)[i - 1].arrival_s);
    synth_durations.push_back(j.duration_s.at("v100"));
    synth_share[j.num_gpus] += 1.0 / static_cast<double>(n);
    // Whole jobs are resampled: per-type durations keep their ratio.
    EXPECT_DOUBLE_EQ(j.duration_s.at("k80"), 3 * j.duration_s.at("v100"));
  }
  EXPECT_DOUBLE_EQ(synth->front().arrival_s, source.front().arrival_s);
  // Within 4.5 standard errors of the bootstrap means.
  const double k = 4.5;
  EXPECT_NEAR(Of(synth_gaps).mean, gap.mean, k * gap.sd / std::sqrt(n - 1.0));
  EXPECT_NEAR(Of(synth_durations).mean, duration.mean, k * duration.sd / std::sqrt(n * 1.0));
  for (const auto& [gpus, p] : gpu_share) {
    EXPECT_NEAR(synth_share[gpus], p, k * std::sqrt(p * (1 - p) / n)) << gpus << " GPUs";
  }
  EXPECT_EQ(synth_share.size(), gpu_share.size());
}

TEST(SynthTest, DeterministicRoundTripsAndReplays) {
  const auto source = SourceTrace();
  auto a = SynthesizeTrace(source, {3000, 11, 1});
  auto b = SynthesizeTrace(source, {3000, 11, 1});
  auto c = SynthesizeTrace(source, {3000, 12, 1});
  ASSERT_TRUE(a && b && c);
  const std::string csv = FormatCsvTrace(*a);
  EXPECT_EQ(csv, FormatCsvTrace(*b));
  EXPECT_NE(csv, FormatCsvTrace(*c));
  // The written CSV reads back to the same jobs.
  auto back = ReadCsvTrace(csv, "synth.csv", nullptr);
  ASSERT_TRUE(back) << back.error().ToString();
  ASSERT_EQ(back->size(), a->size());
  for (size_t i = 0; i < a->size(); ++i) {
    EXPECT_EQ((*back)[i].arrival_s, (*a)[i].arrival_s);
    EXPECT_EQ((*back)[i].num_gpus, (*a)[i].num_gpus);
    EXPECT_EQ((*back)[i].gpu_milli, (*a)[i].gpu_milli);
    EXPECT_EQ((*back)[i].allowed_types, (*a)[i].allowed_types);
    EXPECT_EQ((*back)[i].duration_s, (*a)[i].duration_s);
  }
  // And replays: every job completes.
  Workload w;
  w.nodes = *ParseClusterSpec("v100:16:8,k80:16:8");
  w.jobs = *back;
  auto r = Replay(w, **MakePolicy("fifo"));
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->completed, 3000);
}

TEST(SynthTest, BadOptions) {
  const auto source = SourceTrace();
  EXPECT_FALSE(SynthesizeTrace({source[0]}, {10, 1, 1}));
  EXPECT_FALSE(SynthesizeTrace(source, {0, 1, 1}));
  EXPECT_FALSE(SynthesizeTrace(source, {10, 1, 0}));
  EXPECT_FALSE(SynthesizeTrace(source, {10, 1, std::nan("")}));
}

// ------------------------------------------------------------ streaming --

// StreamCsvTrace: jobs in file order (not sorted), each row checked; ids used
// twice are found however far apart, also when they come out of order.
TEST(CsvTest, StreamGivesFileOrderAndFindsIdsUsedTwice) {
  const std::string text = "id,arrival_s,num_gpus,duration_s\n7,50,1,100\n3,10,2,200\n4,20,1,5\n";
  auto stream = StreamCsvTrace(text, "t.csv");
  ASSERT_TRUE(stream) << stream.error().ToString();
  Job j;
  std::vector<int64_t> ids;
  for (;;) {
    auto more = (*stream)->Next(&j);
    ASSERT_TRUE(more) << more.error().ToString();
    if (!*more) break;
    ids.push_back(j.id);
  }
  EXPECT_EQ(ids, (std::vector<int64_t>{7, 3, 4}));
  EXPECT_EQ((*stream)->stats().rows, 3);
  EXPECT_EQ((*stream)->stats().jobs, 3);
  // 5 is used by line 2 and again by line 6, with 3, 4 and 6 (one range 3..6) between.
  TraceStats stats;
  auto twice = ReadCsvTrace(
      "id,arrival_s,num_gpus,duration_s\n5,0,1,1\n3,0,1,1\n4,0,1,1\n6,0,1,1\n5,0,1,1\n", "d.csv",
      &stats);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().line, 6);
  EXPECT_EQ(twice.error().field, "id");
  // Ranges that meet are one: 1, 3, then 2 joins them; 4 is new, 2 is not.
  auto joined = ReadCsvTrace(
      "id,arrival_s,num_gpus,duration_s\n1,0,1,1\n3,0,1,1\n2,0,1,1\n4,0,1,1\n2,0,1,1\n", "j.csv",
      &stats);
  ASSERT_FALSE(joined);
  EXPECT_EQ(joined.error().line, 6);
  // A header error comes from Start, before any row is read.
  auto bad = StreamCsvTrace("id,arrival_s,duration_s\n1,0,1\n", "h.csv");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("num_gpus"), std::string::npos);
  EXPECT_EQ(bad.error().line, 1);
}

// A trace out of arrival order is sorted as references to its rows (SortTrace) and read again
// in that order: the jobs are those ReadTrace gives (read whole, then sorted), field for field,
// from a file and from a pipe's text. The rows are written by hand out of order: a byte order
// mark, CRLF line ends, a blank line, a quoted field over two lines (a column no reader reads),
// rows without an id (numbered by their row: 2 and 5), ties at one arrival broken by id, and a last
// row with no line end.
TEST(CsvTest, SortedByReferenceGivesTheJobsReadWholeGives) {
  TempDir dir;
  const std::string text =
      "\xEF\xBB\xBFid,arrival_s,num_gpus,duration_s,gpu_types,note\r\n"
      "9,30,1,100,,\r\n"
      ",20,2,50,v100|k80,\"two\nlines, one field\"\r\n"
      "\r\n"
      "4,10,1,v100=5;k80=7,,\r\n"
      "3,10,1,60,v100,\r\n"
      ",0,4,10,,";
  // Rows: 1 = id 9, 2 = id 2 (no id: its row), 3 = id 4, 4 = id 3, 5 = id 5 (no id).
  // By arrival, then id: 5 (0 s), 3 and 4 (10 s), 2 (20 s), 9 (30 s).
  const std::vector<int64_t> expected_ids{5, 3, 4, 2, 9};
  WriteAll(dir.path() / "t.csv", text);
  for (const bool from_file : {true, false}) {
    SCOPED_TRACE(from_file ? "file" : "text");
    auto file = OpenTrace((dir.path() / "t.csv").string(), "");
    ASSERT_TRUE(file) << file.error().ToString();
    if (!from_file) file->text = text;  // as a pipe's text is held
    TraceStats stats;
    auto whole = ReadTrace(*file, {}, &stats);
    ASSERT_TRUE(whole) << whole.error().ToString();
    auto order = SortTrace(*file);
    ASSERT_TRUE(order) << order.error().ToString();
    ASSERT_EQ(order->rows.size(), 5u);
    auto stream = StreamTrace(*file, *order);
    ASSERT_TRUE(stream) << stream.error().ToString();
    std::vector<int64_t> ids;
    Job j;
    for (size_t k = 0;; ++k) {
      auto more = (*stream)->Next(&j);
      ASSERT_TRUE(more) << more.error().ToString();
      if (!*more) break;
      ASSERT_LT(k, whole->size());
      const Job& w = (*whole)[k];
      EXPECT_EQ(j.id, w.id);
      EXPECT_EQ(j.name, w.name);
      EXPECT_EQ(j.arrival_s, w.arrival_s);
      EXPECT_EQ(j.num_gpus, w.num_gpus);
      EXPECT_EQ(j.allowed_types, w.allowed_types);
      EXPECT_EQ(j.duration_s, w.duration_s);
      ids.push_back(j.id);
    }
    EXPECT_EQ(ids, expected_ids);
  }
}

// The same for an openb pod list: a CPU-only pod (row 2) is skipped, and a job's id is its row.
// A node list naming one node twice made two nodes of it (n1 twice: 16 V100 from one 8-GPU
// server); one without a GPU replayed every job as pending under "cluster: 0 x", exit 0. Both
// name the file (and the line and column of the second name).
TEST(OpenbTest, NodeListNamesEachNodeOnceAndHasGpus) {
  const std::string header = "sn,cpu_milli,memory_mib,gpu,model\n";
  auto twice = ReadOpenbNodes(
      header + "n1,96000,393216,8,V100\nn2,96000,393216,8,V100\nn1,96000,393216,8,V100\n", "n.csv");
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().ToString(),
            "n.csv:4: sn: 'n1' is named twice (also at line 2); name each node once");
  auto cpu_only = ReadOpenbNodes(header + "c1,96000,393216,0,\nc2,64000,262144,0,\n", "n.csv");
  ASSERT_FALSE(cpu_only);
  EXPECT_NE(cpu_only.error().message.find("no node has a GPU (2 nodes, each with gpu 0)"),
            std::string::npos)
      << cpu_only.error().message;
  EXPECT_FALSE(ReadOpenbNodes(header, "n.csv"));
  // CPU nodes beside GPU nodes (openb_node_list_all_node.csv, the fill experiment's) still read.
  auto mixed = ReadOpenbNodes(header + "c1,96000,393216,0,\nn1,96000,393216,8,V100\n", "n.csv");
  ASSERT_TRUE(mixed) << mixed.error().ToString();
  EXPECT_EQ(mixed->size(), 2u);
}

TEST(OpenbTest, SortedByReferenceGivesTheJobsReadWholeGives) {
  TempDir dir;
  WriteAll(dir.path() / "pods.csv",
           "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,creation_time,deletion_time,"
           "scheduled_time\n"
           "p1,1000,100,1,500,,300,400,300\n"
           "p2,1000,100,0,0,,100,200,100\n"
           "p3,1000,100,2,1000,V100M16|V100M32,200,260,210\n"
           "p4,1000,100,1,1000,,100,150,100\n");
  auto file = OpenTrace((dir.path() / "pods.csv").string(), "");
  ASSERT_TRUE(file) << file.error().ToString();
  ASSERT_EQ(file->format, "openb");
  auto order = SortTrace(*file);
  ASSERT_TRUE(order) << order.error().ToString();
  auto stream = StreamTrace(*file, *order);
  ASSERT_TRUE(stream) << stream.error().ToString();
  std::vector<std::pair<int64_t, std::string>> got;
  Job j;
  for (;;) {
    auto more = (*stream)->Next(&j);
    ASSERT_TRUE(more) << more.error().ToString();
    if (!*more) break;
    got.push_back({j.id, j.name});
    if (j.name == "p3") {
      EXPECT_EQ(j.duration_s.at("*"), 50);  // deleted 260 - scheduled 210
      EXPECT_EQ(j.allowed_types, (std::vector<std::string>{"V100M16", "V100M32"}));
    }
  }
  // By creation time: p4 (100), p3 (200), p1 (300); p2 has no GPU.
  EXPECT_EQ(got, (std::vector<std::pair<int64_t, std::string>>{{4, "p4"}, {3, "p3"}, {1, "p1"}}));
}

// ------------------------------------------------------------- progress --

TEST(ProgressTest, ReportsWithoutChangingTheResult) {
  auto jobs = SynthesizeTrace(SourceTrace(), {2000, 3, 1});
  ASSERT_TRUE(jobs);
  Workload w;
  w.nodes = *ParseClusterSpec("v100:16:8,k80:16:8");
  w.jobs = *jobs;
  auto policy = MakePolicy("sjf");
  auto plain = Replay(w, **policy);
  ASSERT_TRUE(plain);
  std::vector<std::pair<long, long>> calls;
  ReplayOptions options;
  options.progress_every = 500;
  options.progress = [&](long, long done, long total, double) { calls.push_back({done, total}); };
  auto watched = Replay(w, **policy, options);
  ASSERT_TRUE(watched);
  EXPECT_EQ(watched->avg_jct_s, plain->avg_jct_s);
  EXPECT_EQ(watched->events, plain->events);
  ASSERT_FALSE(calls.empty());
  EXPECT_EQ(calls.back(), (std::pair<long, long>{2000, 2000}));
  EXPECT_LE(static_cast<long>(calls.size()), plain->events / 500 + 2);
  for (size_t i = 1; i < calls.size(); ++i) EXPECT_LE(calls[i - 1].first, calls[i].first);
}

// ---------------------------------------------------------- shared data --

TEST(SharedTraceTest, SiaSaturnWorkloadOnSiasDefaultCluster) {
  const std::string data = testing::SharedDataDir() + "/traces/sia-sosp23/";
  SUANLI_REQUIRE_SHARED_DATA(data + "workloads/saturn/workload-1.csv", data + "traces");
  TraceStats stats;
  auto jobs = ReadSiaWorkload(testing::FileText(data + "workloads/saturn/workload-1.csv"),
                              "workload-1.csv", data + "traces", &stats);
  ASSERT_TRUE(jobs) << jobs.error().ToString();
  EXPECT_EQ(jobs->size(), 160u);  // reference/traces.md 1.9
  // cifar10-0 (12 replicas, batch 4096) on aws: validation-4096.csv gives
  // 2,011 iterations for 100 epochs; placement "444" at local batch
  // min(ceil(4096/12), floor(4096/12)) = 341 interpolates to 0.28978 s:
  // 50 + 2011 x 0.28978 x 1.8 = 1,079.59 s (checked by hand against the CSVs).
  const Job& first = (*jobs)[0];
  EXPECT_EQ(first.name, "cifar10-0");
  EXPECT_NEAR(first.DurationOn("t4"), 1079.59, 0.01);
  EXPECT_GT(first.DurationOn("t4"), first.DurationOn("a100"));
  // Sia's default heterogeneous cluster: 24 T4, 16 A100, 24 RTX 2080 Ti.
  Workload w{*ParseClusterSpec("t4:24,a100:16,rtx2080ti:24"), *jobs};
  auto r = Replay(w, **MakePolicy("fifo"));
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->completed, 160);
  std::printf("sia saturn workload-1, fifo on 64 GPUs: avg JCT %.2f h\n", r->avg_jct_s / 3600);
  // Synthesized from it, larger, and still replayable.
  auto synth = SynthesizeTrace(*jobs, {5000, 1, 1});
  ASSERT_TRUE(synth);
  w.nodes = *ParseClusterSpec("t4:240,a100:160,rtx2080ti:240");
  w.jobs = *synth;
  r = Replay(w, **MakePolicy("sjf-perf"));
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->completed, 5000);
}

TEST(SharedTraceTest, GavelPhillyDerivedTraces) {
  const std::string gavel = testing::SharedDataDir() + "/traces/gavel/";
  const std::string trace = gavel + "traces/msr/seed=0/ee9e8c.trace";
  SUANLI_REQUIRE_SHARED_DATA(trace, gavel + "simulation_throughputs.json");
  TraceStats stats;
  auto jobs = ReadGavelTrace(testing::FileText(trace), trace,
                             testing::FileText(gavel + "simulation_throughputs.json"),
                             "simulation_throughputs.json", &stats);
  ASSERT_TRUE(jobs) << jobs.error().ToString();
  EXPECT_EQ(stats.rows, 2000);
  // 373 rows ask for a (job type, scale factor) the table lacks (counted by
  // a separate script over the file and the table's keys).
  EXPECT_EQ(stats.skipped, 373);
  EXPECT_EQ(stats.jobs, 1627);
  Workload w{*ParseClusterSpec("v100:300,p100:300,k80:300"), *jobs};
  auto r = Replay(w, **MakePolicy("fifo-perf"));
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->completed, 1627);
}

}  // namespace
}  // namespace suanli::sim
