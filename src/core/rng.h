// A seeded random number generator whose output is the same on every
// platform (the standard distributions are not): SplitMix64 seeding of
// xoshiro256**, with uniform and normal variates computed here.
#ifndef SUANLI_CORE_RNG_H_
#define SUANLI_CORE_RNG_H_

#include <cstddef>
#include <cstdint>
#include <utility>

namespace suanli {

class Rng {
 public:
  // Independent streams per (seed, stream), e.g. one per Monte Carlo sample.
  Rng(uint64_t seed, uint64_t stream);

  uint64_t Next();
  double Uniform();  // [0, 1), 53 bits
  double Normal();   // standard normal (Box-Muller)
  // A uniform index in [0, n), n > 0: floor(Uniform() x n).
  std::size_t Below(std::size_t n);
  // Fisher-Yates from the back, one Below() per position.
  template <typename T>
  void Shuffle(T& items) {
    for (std::size_t i = items.size(); i-- > 1;) std::swap(items[i], items[Below(i + 1)]);
  }

 private:
  uint64_t s_[4];
};

}  // namespace suanli

#endif  // SUANLI_CORE_RNG_H_
