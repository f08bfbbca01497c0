// Helpers shared by the tests: the built-in catalog, data-driven case files,
// and where the public trace data lives.
#ifndef SUANLI_TESTS_TESTING_H_
#define SUANLI_TESTS_TESTING_H_

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <ostream>
#include <string>
#include <system_error>
#include <vector>

#include "catalog/catalog.h"
#include "core/atomic_file.h"

namespace suanli::testing {

// The catalog compiled into the binary, loaded once.
inline const catalog::Catalog& BuiltinCatalog() {
  static const catalog::Catalog c = *catalog::Catalog::Builtin();
  return c;
}

// Whether a message says what a test expects it to.
inline bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// One entry of a data-driven case file (a YAML list under `cases`).
struct DataCase {
  std::string name;
  YAML::Node node;
};

// Keeps gtest from dumping the parameter's bytes.
inline void PrintTo(const DataCase& c, std::ostream* os) { *os << c.name; }

// Cases from a file under tests/ (e.g. "perf/calibration_cases.yaml").
inline std::vector<DataCase> LoadCases(const std::string& relative_path) {
  const YAML::Node root = YAML::LoadFile(std::string(SUANLI_TEST_DATA_DIR) + "/" + relative_path);
  std::vector<DataCase> cases;
  for (const auto& c : root["cases"]) cases.push_back({c["name"].as<std::string>(), c});
  return cases;
}

// A gtest parameter name from a case name: non-alphanumerics become '_'.
inline std::string CaseName(const ::testing::TestParamInfo<DataCase>& info) {
  std::string name = info.param.name;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

// The shared public data: $SUANLI_DATA, default ../shared/data beside the repo.
inline std::string SharedDataDir() {
  const char* env = std::getenv("SUANLI_DATA");
  return env && *env ? env : SUANLI_TEST_DATA_DIR "/../../shared/data";
}

// Whether this run is under continuous integration: $CI set to anything but
// "", "0" or "false" (GitHub Actions, GitLab and most others set CI=true).
inline bool InCi() {
  const char* env = std::getenv("CI");
  if (env == nullptr) return false;
  const std::string v = env;
  return !v.empty() && v != "0" && v != "false";
}

// "" when every path exists, else what is missing and what to do about it,
// worded for a skip outside CI or for a failure in CI.
inline std::string MissingSharedData(std::initializer_list<std::string> paths) {
  std::string missing;
  for (const auto& p : paths) {
    std::error_code ec;
    if (!std::filesystem::exists(p, ec)) missing += (missing.empty() ? "" : ", ") + p;
  }
  if (missing.empty()) return "";
  const std::string what = "shared data not found: " + missing + " (data dir " + SharedDataDir() +
                           "; set SUANLI_DATA to the shared data directory)";
  return InCi()
             ? what + "; a failure because CI=" + std::getenv("CI") +
                   " is set (CI always has the data)"
             : what + "; skipped outside CI, but a failure when CI is set (CI always has the data)";
}

// The first statement of a test that needs files from the shared data dir:
// when one is missing the test stops, skipped with the reason outside CI and
// failed under CI, where a silent skip would hide a broken data set-up.
//   SUANLI_REQUIRE_SHARED_DATA(dir + "a.csv", dir + "b.csv");
#define SUANLI_REQUIRE_SHARED_DATA(...)                                                           \
  do {                                                                                            \
    const std::string suanli_missing_data_ = ::suanli::testing::MissingSharedData({__VA_ARGS__}); \
    if (!suanli_missing_data_.empty()) {                                                          \
      if (::suanli::testing::InCi()) FAIL() << suanli_missing_data_;                              \
      GTEST_SKIP() << suanli_missing_data_;                                                       \
    }                                                                                             \
  } while (0)

// A file's text, or "" when it cannot be read (tests check or skip before).
inline std::string FileText(const std::string& path) { return ReadWholeFile(path).value_or(""); }

}  // namespace suanli::testing

#endif  // SUANLI_TESTS_TESTING_H_
