// WriteFileAtomically and WriteFilesAtomically: the content lands in full, or nothing is left
// behind; temporaries cannot be hijacked; pipes and devices are never replaced by files.
#include "core/atomic_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

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

// The names in a folder.
std::set<std::string> Entries(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

bool Has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Runs `body` in a child process (for what changes the process: user, limits, signals) and
// returns its wait status.
template <typename F>
int InChild(F&& body) {
  const pid_t pid = fork();
  if (pid == 0) {
    alarm(30);  // never outlive a broken test
    _exit(body());
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

// Restores random temporary names at the end of a test.
struct NamesForTest {
  explicit NamesForTest(std::function<std::string(const std::string&, int)> f) {
    SetTemporaryNamesForTesting(std::move(f));
  }
  ~NamesForTest() { SetTemporaryNamesForTesting(nullptr); }
};

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
  EXPECT_EQ(Entries(dir), std::set<std::string>{"out.json"});
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

TEST(atomic, SymlinksPlantedAtTemporaryNamesAreNotFollowed) {
  const fs::path dir = FreshDir();
  const fs::path victim = dir / "victim";
  { std::ofstream(victim) << "VICTIM"; }
  const fs::path out = dir / "out.txt";
  // The old fixed name and the obvious guesses.
  for (const char* name : {"out.txt.tmp", ".out.txt.tmp", ".out.txt.0.tmp"}) {
    fs::create_symlink(victim, dir / name);
  }
  auto r = WriteFileAtomically(out.string(), "new content");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(ReadAll(out), "new content");
  EXPECT_EQ(ReadAll(victim), "VICTIM");
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(out)));
  EXPECT_EQ(Entries(dir).size(), 5u);  // victim, the three links, out.txt
  EXPECT_EQ(LiveTemporaryCountForTesting(), 0);

  // Even at the exact name the writer tries first: O_EXCL | O_NOFOLLOW refuses it, the writer
  // takes another name.
  fs::create_symlink(victim, dir / ".guessed.tmp");
  {
    NamesForTest names([](const std::string&, int attempt) {
      return attempt == 0 ? std::string(".guessed.tmp") : ".other." + std::to_string(attempt);
    });
    auto again = WriteFileAtomically(out.string(), "second");
    ASSERT_TRUE(again) << again.error().ToString();
  }
  EXPECT_EQ(ReadAll(out), "second");
  EXPECT_EQ(ReadAll(victim), "VICTIM");
  EXPECT_TRUE(fs::is_symlink(dir / ".guessed.tmp"));
  EXPECT_FALSE(fs::exists(dir / ".other.1"));  // renamed into place

  // Every name taken: an error, the victim untouched, the target kept.
  {
    NamesForTest names([](const std::string&, int) { return std::string(".guessed.tmp"); });
    auto taken = WriteFileAtomically(out.string(), "third");
    ASSERT_FALSE(taken);
    EXPECT_TRUE(Has(taken.error().message, "every name tried exists")) << taken.error().message;
  }
  EXPECT_EQ(ReadAll(out), "second");
  EXPECT_EQ(ReadAll(victim), "VICTIM");
  fs::remove_all(dir);
}

TEST(atomic, FifoTargetIsWrittenInPlaceNotReplaced) {
  const fs::path dir = FreshDir();
  const fs::path fifo = dir / "pipe";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::string received;
  std::thread reader([&] { received = ReadAll(fifo); });
  auto r = WriteFileAtomically(fifo.string(), "through the pipe\n");
  reader.join();
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(received, "through the pipe\n");
  EXPECT_EQ(fs::status(fifo).type(), fs::file_type::fifo);
  EXPECT_EQ(Entries(dir), std::set<std::string>{"pipe"});
  // A character device too: /dev/null stays a device.
  auto null = WriteFileAtomically("/dev/null", "nothing");
  ASSERT_TRUE(null) << null.error().ToString();
  EXPECT_EQ(fs::status("/dev/null").type(), fs::file_type::character);
  // A device that fails the write is an error.
  auto full = WriteFileAtomically("/dev/full", "x");
  ASSERT_FALSE(full);
  EXPECT_TRUE(Has(full.error().ToString(), "/dev/full: write failed")) << full.error().ToString();
  fs::remove_all(dir);
}

TEST(atomic, DirectoriesAndDanglingLinksAreRefused) {
  const fs::path dir = FreshDir();
  fs::create_directory(dir / "sub");
  auto d = WriteFileAtomically((dir / "sub").string(), "x");
  ASSERT_FALSE(d);
  EXPECT_TRUE(Has(d.error().message, "is a directory")) << d.error().message;
  EXPECT_TRUE(fs::is_directory(dir / "sub"));
  // A link to a directory, and a link to nothing (the file it names is not created).
  fs::create_directory_symlink(dir / "sub", dir / "to-sub");
  EXPECT_FALSE(WriteFileAtomically((dir / "to-sub").string(), "x"));
  fs::create_symlink(dir / "nowhere", dir / "dangling");
  auto dangling = WriteFileAtomically((dir / "dangling").string(), "x");
  ASSERT_FALSE(dangling);
  EXPECT_TRUE(Has(dangling.error().message, "symbolic link")) << dangling.error().message;
  EXPECT_FALSE(fs::exists(dir / "nowhere"));
  EXPECT_EQ(Entries(dir), (std::set<std::string>{"sub", "to-sub", "dangling"}));
  fs::remove_all(dir);
}

TEST(atomic, SymlinkToAFileIsWrittenThroughAndKept) {
  const fs::path dir = FreshDir();
  { std::ofstream(dir / "real") << "old"; }
  fs::permissions(dir / "real",
                  fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  fs::create_symlink("real", dir / "link");
  auto r = WriteFileAtomically((dir / "link").string(), "new");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_TRUE(fs::is_symlink(dir / "link"));
  EXPECT_EQ(ReadAll(dir / "real"), "new");
  // The replaced file keeps its mode.
  EXPECT_EQ(fs::status(dir / "real").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  EXPECT_EQ(Entries(dir), (std::set<std::string>{"real", "link"}));
  fs::remove_all(dir);
}

TEST(atomic, NewFileGetsTheModeOfANormalFile) {
  const fs::path dir = FreshDir();
  const mode_t mask = umask(027);
  auto r = WriteFileAtomically((dir / "f").string(), "x");
  umask(mask);
  ASSERT_TRUE(r) << r.error().ToString();
  struct stat st {};
  ASSERT_EQ(stat((dir / "f").c_str(), &st), 0);
  // 0666 & ~umask; the umask is read once per process, so accept the test runner's too.
  EXPECT_TRUE((st.st_mode & 0777) == (0666 & ~027) || (st.st_mode & 0777) == (0666 & ~mask))
      << std::oct << (st.st_mode & 0777);
  EXPECT_NE(st.st_mode & 0777, 0600u);
  fs::remove_all(dir);
}

TEST(atomic, UnwritableFolderLeavesNoTemporary) {
  const fs::path dir = FreshDir();
  const fs::path locked = dir / "locked";
  fs::create_directory(locked);
  { std::ofstream(locked / "out.txt") << "PRECIOUS"; }
  fs::permissions(dir, fs::perms::all);  // nobody reaches `locked`
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                              fs::perms::group_exec | fs::perms::others_read |
                              fs::perms::others_exec);
  // Root ignores folder permissions: write as nobody.
  const int status = InChild([&] {
    if (geteuid() == 0 && setuid(65534) != 0) return 3;
    auto r = WriteFileAtomically((locked / "out.txt").string(), "new");
    if (r) return 1;
    return Has(r.error().ToString(), "cannot create a temporary file") ? 0 : 2;
  });
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(Entries(locked), std::set<std::string>{"out.txt"});
  EXPECT_EQ(ReadAll(locked / "out.txt"), "PRECIOUS");
  fs::permissions(locked, fs::perms::owner_all);
  fs::remove_all(dir);
}

// A full disk, as a file size limit: the write fails, the old file stays, no temporary is left.
// Small contents included (they used to sit in a stream buffer whose failed flush nobody saw).
TEST(atomic, FullDiskKeepsTheOldFileAndLeavesNoTemporary) {
  const fs::path dir = FreshDir();
  const fs::path out = dir / "out.txt";
  { std::ofstream(out) << "PRECIOUS"; }
  for (size_t size : {size_t{300}, size_t{100000}}) {
    const int status = InChild([&] {
      signal(SIGXFSZ, SIG_IGN);
      const rlimit limit{100, 100};
      if (setrlimit(RLIMIT_FSIZE, &limit) != 0) return 3;
      auto r = WriteFileAtomically(out.string(), std::string(size, 'x'));
      if (r) return 1;
      return Has(r.error().ToString(), "write failed") ? 0 : 2;
    });
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << size;
    EXPECT_EQ(ReadAll(out), "PRECIOUS");
    EXPECT_EQ(Entries(dir), std::set<std::string>{"out.txt"});
  }
  fs::remove_all(dir);
}

// Several files: all or none, whichever file fails and at which step.
TEST(atomic, ManyFilesAllOrNothing) {
  const fs::path dir = FreshDir();
  { std::ofstream(dir / "a.txt") << "old a"; }
  fs::create_directory(dir / "taken");
  const std::string a = (dir / "a.txt").string(), b = (dir / "csv" / "b.csv").string();
  const std::vector<std::pair<std::string, std::string>> failing = {
      {(dir / "taken").string(), "is a directory"},                         // checked first
      {(dir / "no-such-dir" / "c").string(), "cannot create a temporary"},  // temporaries
      {"/dev/full", "No space left"},  // after every temporary, before any rename
  };
  for (const auto& [third, why] : failing) {
    SCOPED_TRACE(third);
    auto r = WriteFilesAtomically({{a, "new a", false}, {b, "new b", true}, {third, "c", false}});
    ASSERT_FALSE(r);
    EXPECT_TRUE(Has(r.error().ToString(), why)) << r.error().ToString();
    EXPECT_EQ(ReadAll(dir / "a.txt"), "old a");
    // Nothing new: no b.csv, not even the folder made for it, no temporary.
    EXPECT_EQ(Entries(dir), (std::set<std::string>{"a.txt", "taken"}));
    EXPECT_EQ(LiveTemporaryCountForTesting(), 0);
  }
  auto ok = WriteFilesAtomically({{a, "new a", false}, {b, "new b", true}, {"/dev/null", "c"}});
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(ReadAll(a), "new a");
  EXPECT_EQ(ReadAll(b), "new b");
  EXPECT_EQ(Entries(dir), (std::set<std::string>{"a.txt", "csv", "taken"}));
  // One file named twice is refused before anything is written.
  auto twice =
      WriteFilesAtomically({{a, "1", false}, {(dir / "." / "a.txt").string(), "2", false}});
  ASSERT_FALSE(twice);
  EXPECT_TRUE(Has(twice.error().message, "twice")) << twice.error().message;
  EXPECT_EQ(ReadAll(a), "new a");
  fs::remove_all(dir);
}

// SIGTERM (or SIGINT) while temporaries exist removes them, and the folders made for them. The
// child blocks opening a FIFO nobody reads, after writing its temporaries.
TEST(atomic, SignalRemovesTemporaries) {
  for (int sig : {SIGTERM, SIGINT}) {
    SCOPED_TRACE(sig);
    const fs::path dir = FreshDir();
    { std::ofstream(dir / "a.txt") << "old a"; }
    ASSERT_EQ(mkfifo((dir / "pipe").c_str(), 0600), 0);
    const pid_t pid = fork();
    if (pid == 0) {
      alarm(30);
      auto r = WriteFilesAtomically({{(dir / "a.txt").string(), "new a", false},
                                     {(dir / "sub" / "deep" / "b.csv").string(), "b", true},
                                     {(dir / "pipe").string(), "p", false}});
      _exit(r ? 0 : 1);
    }
    // Wait for the temporaries: a.txt, pipe, sub and two hidden files.
    bool ready = false;
    for (int i = 0; i < 500 && !ready; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      int hidden = 0;
      for (const auto& name : Entries(dir)) hidden += name[0] == '.' ? 1 : 0;
      ready =
          hidden == 1 && fs::exists(dir / "sub" / "deep") && !Entries(dir / "sub" / "deep").empty();
    }
    EXPECT_TRUE(ready) << "the child never wrote its temporaries";
    kill(pid, sig);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << status;
    EXPECT_EQ(WTERMSIG(status), sig);
    EXPECT_EQ(Entries(dir), (std::set<std::string>{"a.txt", "pipe"}));
    EXPECT_EQ(ReadAll(dir / "a.txt"), "old a");
    fs::remove_all(dir);
  }
}

// An output that is one of the command's inputs, under any name, is refused before anything is
// written (`replay --trace t.csv --report t.csv` overwrote the trace with HTML: finding L9).
TEST(atomic, InputsAreNeverOverwritten) {
  const fs::path dir = FreshDir();
  const fs::path trace = dir / "t.csv", other = dir / "r.html";
  { std::ofstream(trace) << "id,arrival_s\n"; }
  fs::create_symlink("t.csv", dir / "link.csv");
  for (const fs::path& target : {trace, dir / "link.csv", dir / "." / "t.csv"}) {
    auto r = WriteFilesAtomically({{other.string(), "report"}, {target.string(), "html"}},
                                  {trace.string()});
    ASSERT_FALSE(r) << target;
    EXPECT_EQ(r.error().file, target.string());
    EXPECT_TRUE(Has(r.error().message, "is also an input")) << r.error().message;
    EXPECT_EQ(ReadAll(trace), "id,arrival_s\n");
    EXPECT_FALSE(fs::exists(other)) << "all or none";
  }
  // Another file, and inputs that do not exist, change nothing.
  ASSERT_TRUE(WriteFilesAtomically({{other.string(), "report"}}, {trace.string(), "/nonexistent"}));
  EXPECT_EQ(ReadAll(other), "report");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace suanli
