// Helpers shared by the tests: the built-in catalog, data-driven case files,
// and where the public trace data lives.
#ifndef SUANLI_TESTS_TESTING_H_
#define SUANLI_TESTS_TESTING_H_

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdlib>
#include <ostream>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "core/atomic_file.h"

namespace suanli::testing {

// The catalog compiled into the binary, loaded once.
inline const catalog::Catalog& BuiltinCatalog() {
  static const catalog::Catalog c = *catalog::Catalog::Builtin();
  return c;
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

// A file's text, or "" when it cannot be read (tests check or skip before).
inline std::string FileText(const std::string& path) { return ReadWholeFile(path).value_or(""); }

}  // namespace suanli::testing

#endif  // SUANLI_TESTS_TESTING_H_
