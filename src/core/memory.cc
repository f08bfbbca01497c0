#include "core/memory.h"

#include <sys/resource.h>

#include <algorithm>
#include <fstream>
#include <string>

namespace suanli {

std::optional<uint64_t> AvailableMemoryBytes() {
  std::optional<uint64_t> avail;
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  uint64_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit) {
    if (key == "MemAvailable:") {
      avail = kib * 1024;
      break;
    }
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    const auto as = static_cast<uint64_t>(limit.rlim_cur);
    avail = avail ? std::min(*avail, as) : as;
  }
  return avail;
}

}  // namespace suanli
