// A seeded random number generator whose output is the same on every
// platform (the standard distributions are not): SplitMix64 seeding of
// xoshiro256**, with uniform and normal variates computed here.
#ifndef SUANLI_CORE_RNG_H_
#define SUANLI_CORE_RNG_H_

#include <cstdint>

namespace suanli {

class Rng {
 public:
  // Independent streams per (seed, stream), e.g. one per Monte Carlo sample.
  Rng(uint64_t seed, uint64_t stream);

  uint64_t Next();
  double Uniform();  // [0, 1), 53 bits
  double Normal();   // standard normal (Box-Muller)

 private:
  uint64_t s_[4];
};

}  // namespace suanli

#endif  // SUANLI_CORE_RNG_H_
