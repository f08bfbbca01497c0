#include "core/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace suanli {
namespace {

namespace fs = std::filesystem;

std::string ErrnoText(int e) { return std::strerror(e); }

// --- temporaries removed on a signal ----------------------------------------------------------
//
// Fixed slots, so that the handler only reads memory that is never freed: a slot is claimed
// (kFilling), filled, then marked live; the handler unlinks the live files, then removes the
// live folders (made for the files, deepest first, only if empty).
constexpr int kSlots = 64;
enum SlotState : int { kFree = 0, kFilling = 1, kLiveFile = 2, kLiveFolder = 3 };
struct Slot {
  std::atomic<int> state{kFree};
  char path[PATH_MAX];
};
Slot g_slots[kSlots];
static_assert(std::atomic<int>::is_always_lock_free);

constexpr int kCleanupSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};

extern "C" void RemoveTemporariesAndDie(int sig) {
  for (auto& s : g_slots) {
    if (s.state.load() == kLiveFile) ::unlink(s.path);
  }
  for (int i = kSlots - 1; i >= 0; --i) {
    if (g_slots[i].state.load() == kLiveFolder) ::rmdir(g_slots[i].path);
  }
  // Die of the same signal, as without the handler (it is blocked until we return).
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// Only where the signal still has its default action: a front door that handles signals itself
// (suanli serve waits for them on a thread) keeps its arrangement.
void InstallSignalCleanup() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int sig : kCleanupSignals) {
      struct sigaction old {};
      if (::sigaction(sig, nullptr, &old) != 0) continue;
      if ((old.sa_flags & SA_SIGINFO) != 0 || old.sa_handler != SIG_DFL) continue;
      struct sigaction sa {};
      sa.sa_handler = RemoveTemporariesAndDie;
      sigemptyset(&sa.sa_mask);
      for (int other : kCleanupSignals) sigaddset(&sa.sa_mask, other);
      ::sigaction(sig, &sa, nullptr);
    }
    // Past a file size limit (ulimit -f) a write then fails with EFBIG, which is reported,
    // instead of killing the process with a temporary left behind.
    struct sigaction xfsz {};
    if (::sigaction(SIGXFSZ, nullptr, &xfsz) == 0 && (xfsz.sa_flags & SA_SIGINFO) == 0 &&
        xfsz.sa_handler == SIG_DFL) {
      ::signal(SIGXFSZ, SIG_IGN);
    }
  });
}

// Signals blocked while a temporary is created and registered, so none is left unregistered.
class BlockCleanupSignals {
 public:
  BlockCleanupSignals() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : kCleanupSignals) sigaddset(&set, sig);
    ::pthread_sigmask(SIG_BLOCK, &set, &old_);
  }
  ~BlockCleanupSignals() { ::pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  BlockCleanupSignals(const BlockCleanupSignals&) = delete;
  BlockCleanupSignals& operator=(const BlockCleanupSignals&) = delete;

 private:
  sigset_t old_;
};

// Folders are registered in the order they are made (parents first), into increasing slots.
int Register(const std::string& path, SlotState kind) {
  if (path.size() >= PATH_MAX) return -1;
  for (int i = 0; i < kSlots; ++i) {
    int expected = kFree;
    if (g_slots[i].state.compare_exchange_strong(expected, kFilling)) {
      std::memcpy(g_slots[i].path, path.c_str(), path.size() + 1);
      g_slots[i].state.store(kind);
      return i;
    }
  }
  return -1;  // more than kSlots at once: removed on failure, not on a signal
}

void Unregister(int slot) {
  if (slot >= 0) g_slots[slot].state.store(kFree);
}

// --- temporary names ----------------------------------------------------------------------

std::function<std::string(const std::string&, int)>& NameSource() {
  static std::function<std::string(const std::string&, int)> source;
  return source;
}

uint64_t RandomBits() {
  uint64_t v = 0;
  if (::getrandom(&v, sizeof v, GRND_NONBLOCK) == static_cast<ssize_t>(sizeof v)) return v;
  // No entropy yet (early boot): still unique per process and call; O_EXCL does the rest.
  static std::atomic<uint64_t> counter{0};
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  return static_cast<uint64_t>(now) ^ (static_cast<uint64_t>(::getpid()) << 32) ^
         (++counter * 0x9e3779b97f4a7c15ULL);
}

// Hidden, recognizable, and within NAME_MAX whatever the target's name.
std::string TemporaryName(const std::string& base, int attempt) {
  if (NameSource()) return NameSource()(base, attempt);
  static const char* kHex = "0123456789abcdef";
  uint64_t bits = RandomBits();
  std::string hex(16, '0');
  for (auto& c : hex) {
    c = kHex[bits & 15];
    bits >>= 4;
  }
  std::string name = ".";
  name.append(base, 0, std::min<size_t>(base.size(), 200));
  name += '.';
  name += hex;
  name += ".tmp";
  return name;
}

mode_t NormalFileMode() {
  static const mode_t mode = [] {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    return static_cast<mode_t>(0666 & ~mask);
  }();
  return mode;
}

// --- one output ---------------------------------------------------------------------------

struct Plan {
  std::string shown;   // the path as given, for messages
  std::string target;  // what is renamed onto (a symbolic link resolved) or the stream
  std::string_view content;
  bool stream = false;  // FIFO or character device: written in place
  mode_t mode = 0;
  std::string temporary;
  int slot = -1;
  bool renamed = false;
};

const char* KindOf(mode_t m) {
  if (S_ISDIR(m)) return "a directory";
  if (S_ISSOCK(m)) return "a socket";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISLNK(m)) return "a symbolic link";
  return "not a regular file";
}

Result<void> WriteAll(int fd, std::string_view content, const std::string& path) {
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return MakeError("write failed: " + ErrnoText(errno), path);
    }
    done += static_cast<size_t>(n);
  }
  return {};
}

// What is at `path` decides how it is written.
Result<Plan> PlanFor(const FileToWrite& f) {
  Plan p;
  p.shown = f.path;
  p.target = f.path;
  p.content = f.content;
  p.mode = NormalFileMode();
  if (f.path.empty()) return MakeError("no file name given");
  struct stat st {};
  if (::lstat(f.path.c_str(), &st) != 0) {
    if (errno == ENOENT) return p;  // a new file (its folder is checked when the temporary is)
    return MakeError("cannot write here: " + ErrnoText(errno), f.path);
  }
  if (S_ISLNK(st.st_mode)) {
    struct stat to {};
    if (::stat(f.path.c_str(), &to) != 0) {
      return MakeError("is a symbolic link to nothing that can be written (" + ErrnoText(errno) +
                           "); refusing to create the file it names",
                       f.path);
    }
    if (S_ISREG(to.st_mode)) {
      // Written through: the file the link names is replaced, the link kept.
      std::error_code ec;
      const fs::path resolved = fs::canonical(f.path, ec);
      if (ec) return MakeError("cannot resolve the symbolic link: " + ec.message(), f.path);
      p.target = resolved.string();
      p.mode = to.st_mode & 0777;
      return p;
    }
    st = to;
  } else if (S_ISREG(st.st_mode)) {
    p.mode = st.st_mode & 0777;
    return p;
  }
  if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
    p.stream = true;
    return p;
  }
  return MakeError(
      std::string("is ") + KindOf(st.st_mode) + ", not a regular file; refusing to replace it",
      f.path);
}

struct MadeFolder {
  std::string path;
  int slot = -1;
};

// Folders made for files with make_parent, to remove again on failure or a signal.
Result<void> MakeParents(const std::string& path, std::vector<MadeFolder>& made) {
  const fs::path parent = fs::path(path).parent_path();
  if (parent.empty()) return {};
  std::vector<fs::path> missing;
  for (fs::path p = parent; !p.empty(); p = p.parent_path()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) return MakeError("cannot create directory: Not a directory", p);
      break;
    }
    if (errno != ENOENT) return MakeError("cannot create directory: " + ErrnoText(errno), p);
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    BlockCleanupSignals blocked;
    if (::mkdir(it->c_str(), 0777) != 0) {
      return MakeError("cannot create directory: " + ErrnoText(errno), it->string());
    }
    made.push_back({it->string(), Register(it->string(), kLiveFolder)});
  }
  return {};
}

Result<void> WriteTemporary(Plan& p) {
  const fs::path target(p.target);
  const std::string base = target.filename().string();
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    const std::string name = (dir / TemporaryName(base, attempt)).string();
    BlockCleanupSignals blocked;
    fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
      if (errno == EEXIST) continue;
      return MakeError(
          "cannot create a temporary file in " + dir.string() + ": " + ErrnoText(errno), p.shown);
    }
    p.temporary = name;
    p.slot = Register(name, kLiveFile);
  }
  if (fd < 0) {
    return MakeError(
        "cannot create a temporary file in " + dir.string() + ": every name tried exists", p.shown);
  }
  auto fail = [&](const std::string& what) {
    const std::string text = what + ": " + ErrnoText(errno);
    if (fd >= 0) ::close(fd);
    return MakeError(text, p.shown);
  };
  if (auto ok = WriteAll(fd, p.content, p.shown); !ok) {
    ::close(fd);
    return ok;
  }
  if (::fchmod(fd, p.mode) != 0) return fail("cannot set the file mode");
  if (::fsync(fd) != 0) return fail("write failed (sync to disk)");
  const int closed = ::close(fd);
  fd = -1;
  if (closed != 0) return fail("write failed (close)");
  return {};
}

Result<void> WriteStream(const Plan& p) {
  const int fd = ::open(p.target.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return MakeError("cannot open for writing: " + ErrnoText(errno), p.shown);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !(S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))) {
    ::close(fd);
    return MakeError("changed while being written (no longer a pipe or device)", p.shown);
  }
  if (auto ok = WriteAll(fd, p.content, p.shown); !ok) {
    ::close(fd);
    return ok;
  }
  if (::close(fd) != 0) return MakeError("write failed (close): " + ErrnoText(errno), p.shown);
  return {};
}

void RemoveTemporaries(std::vector<Plan>& plans) {
  BlockCleanupSignals blocked;
  for (auto& p : plans) {
    if (!p.temporary.empty() && !p.renamed) ::unlink(p.temporary.c_str());
    Unregister(p.slot);
    p.slot = -1;
  }
}

}  // namespace

Result<std::string> ReadWholeFile(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return MakeError("cannot read file: it is a directory", path);
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  // Why, as the system says it ("No such file or directory", "Permission denied").
  if (!in)
    return MakeError(std::string("cannot read file") + (errno ? ": " + ErrnoText(errno) : ""),
                     path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

Result<void> WriteFilesAtomically(const std::vector<FileToWrite>& files,
                                  const std::vector<std::string>& inputs) {
  InstallSignalCleanup();
  // Inputs by device and inode, so another name for the same file (a relative path, a link)
  // is caught too: `replay --trace t.csv --report t.csv` overwrote the trace with HTML.
  std::vector<std::pair<struct stat, const std::string*>> input_files;
  for (const auto& in : inputs) {
    struct stat st {};
    if (::stat(in.c_str(), &st) == 0 && S_ISREG(st.st_mode)) input_files.emplace_back(st, &in);
  }
  std::vector<Plan> plans;
  std::set<std::string> seen;
  for (const auto& f : files) {
    struct stat st {};
    if (!input_files.empty() && ::stat(f.path.c_str(), &st) == 0) {
      for (const auto& [in, name] : input_files) {
        if (in.st_dev == st.st_dev && in.st_ino == st.st_ino) {
          return MakeError(fmt::format("is also an input of this command ({}); not overwritten: "
                                       "expected another output file",
                                       *name),
                           f.path);
        }
      }
    }
    // A target that does not exist because its folder does not either (make_parent) is new.
    auto plan = PlanFor(f);
    if (!plan) return tl::unexpected(plan.error());
    if (!plan->stream) {
      std::error_code ec;
      const std::string key = fs::weakly_canonical(fs::absolute(plan->target), ec).string();
      if (!seen.insert(ec ? plan->target : key).second) {
        return MakeError("named twice as an output", f.path);
      }
    }
    plans.push_back(std::move(*plan));
  }
  std::vector<MadeFolder> made;
  auto keep_folders = [&] {
    for (auto& m : made) Unregister(m.slot);
    made.clear();
  };
  auto fail = [&](Error e) {
    RemoveTemporaries(plans);
    BlockCleanupSignals blocked;
    for (auto it = made.rbegin(); it != made.rend(); ++it) {
      ::rmdir(it->path.c_str());
      Unregister(it->slot);
    }
    made.clear();
    return tl::unexpected(std::move(e));
  };
  for (const auto& f : files) {
    if (!f.make_parent) continue;
    if (auto ok = MakeParents(f.path, made); !ok) return fail(ok.error());
  }
  for (auto& p : plans) {
    if (p.stream) continue;
    if (auto ok = WriteTemporary(p); !ok) return fail(ok.error());
  }
  for (auto& p : plans) {
    if (!p.stream) continue;
    if (auto ok = WriteStream(p); !ok) return fail(ok.error());
  }
  std::set<std::string> dirs;
  for (size_t i = 0; i < plans.size(); ++i) {
    Plan& p = plans[i];
    if (p.stream) continue;
    if (::rename(p.temporary.c_str(), p.target.c_str()) != 0) {
      std::string message = "cannot rename the temporary into place: " + ErrnoText(errno);
      std::string written;
      for (size_t j = 0; j < i; ++j) {
        if (plans[j].renamed) written += (written.empty() ? "" : ", ") + plans[j].shown;
      }
      if (!written.empty()) message += " (already written: " + written + ")";
      if (!written.empty()) keep_folders();  // they hold written files
      return fail(Error{message, p.shown});
    }
    p.renamed = true;
    Unregister(p.slot);
    p.slot = -1;
    const fs::path target(p.target);
    dirs.insert(target.has_parent_path() ? target.parent_path().string() : ".");
  }
  keep_folders();
  // The renames themselves on disk; a file system that cannot sync a folder loses nothing here.
  for (const auto& d : dirs) {
    const int fd = ::open(d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
  }
  return {};
}

Result<void> WriteFileAtomically(const std::string& path, std::string_view content) {
  return WriteFilesAtomically({FileToWrite{path, content, false}});
}

int LiveTemporaryCountForTesting() {
  int n = 0;
  for (const auto& s : g_slots) n += s.state.load() == kFree ? 0 : 1;
  return n;
}

void SetTemporaryNamesForTesting(std::function<std::string(const std::string&, int)> names) {
  NameSource() = std::move(names);
}

}  // namespace suanli
