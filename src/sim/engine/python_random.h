// CPython's random.Random, bit for bit, for the parts a peer simulator uses:
// seeding from a non-negative integer, getrandbits, randrange(n), random()
// and shuffle. Gavel's simulator draws worker types with it; reproducing its
// draws is what lets a replay be checked against Gavel's published numbers.
// For suanli's own randomness use core/rng.h.
#ifndef SUANLI_SIM_ENGINE_PYTHON_RANDOM_H_
#define SUANLI_SIM_ENGINE_PYTHON_RANDOM_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace suanli::sim {

class PythonRandom {
 public:
  // As random.Random(seed): MT19937 seeded by init_by_array over the seed's
  // 32-bit words.
  explicit PythonRandom(uint64_t seed);

  uint32_t NextUint32();
  uint32_t GetRandBits(int k);  // 1 <= k <= 32
  // random.randrange(n) (Python >= 3.2): rejection sampling on bit_length(n) bits.
  uint32_t RandBelow(uint32_t n);
  double Random();  // random.random(): 53 bits in [0, 1)

  // random.shuffle (Python >= 3.11 draws the same as earlier versions).
  template <typename T>
  void Shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i-- > 1;) {
      std::swap(v[i], v[RandBelow(static_cast<uint32_t>(i + 1))]);
    }
  }

 private:
  static constexpr int kN = 624;
  std::array<uint32_t, kN> mt_{};
  int index_ = kN;
};

}  // namespace suanli::sim

#endif  // SUANLI_SIM_ENGINE_PYTHON_RANDOM_H_
