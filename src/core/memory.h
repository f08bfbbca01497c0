// How much memory the machine can still give this process, for refusing sizes that cannot fit
// with a message (before allocating) rather than dying of bad_alloc or the OOM killer.
#ifndef SUANLI_CORE_MEMORY_H_
#define SUANLI_CORE_MEMORY_H_

#include <cstdint>
#include <optional>

namespace suanli {

// The smaller of the kernel's MemAvailable and the address-space limit (ulimit -v), in bytes;
// nullopt when neither is known.
std::optional<uint64_t> AvailableMemoryBytes();

}  // namespace suanli

#endif  // SUANLI_CORE_MEMORY_H_
