// WriteFileAtomically: the content lands in full, or nothing is left behind.
#include "core/atomic_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace suanli {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test under GoogleTest's temp dir.
fs::path FreshDir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const fs::path dir =
      fs::path(::testing::TempDir()) /
      ("suanli_atomic_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(atomic, WritesContentAndLeavesNoTemporary) {
  const fs::path dir = FreshDir();
  const fs::path out = dir / "out.json";
  // Binary-safe: embedded NUL, non-ASCII and no trailing newline.
  std::string content = "{\"a\": 1}\n\xe7\xae\x97\xe5\x8a\x9b";  // ends in UTF-8 "suanli"
  content.push_back('\0');
  content += "z";
  auto r = WriteFileAtomically(out.string(), content);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(ReadAll(out), content);
  EXPECT_FALSE(fs::exists(out.string() + ".tmp"));
  fs::remove_all(dir);
}

TEST(atomic, ReplacesAnExistingFileWhole) {
  const fs::path dir = FreshDir();
  const fs::path out = dir / "out.txt";
  { std::ofstream(out) << "a much longer old content that must not survive"; }
  auto r = WriteFileAtomically(out.string(), "new");
  ASSERT_TRUE(r) << r.error().ToString();
  // Truncated to exactly the new content, no tail of the old one.
  EXPECT_EQ(ReadAll(out), "new");
  fs::remove_all(dir);
}

TEST(atomic, MissingDirectoryFailsAndLeavesNothing) {
  const fs::path dir = FreshDir();
  const fs::path out = dir / "no-such-dir" / "out.json";
  auto r = WriteFileAtomically(out.string(), "content");
  ASSERT_FALSE(r);
  EXPECT_FALSE(r.error().message.empty());
  // The error names the path it could not write (target or its temporary).
  EXPECT_NE(r.error().ToString().find("no-such-dir"), std::string::npos) << r.error().ToString();
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out.string() + ".tmp"));
  EXPECT_FALSE(fs::exists(dir / "no-such-dir"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace suanli
