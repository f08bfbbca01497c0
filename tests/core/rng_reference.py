#!/usr/bin/env python3
"""Independent reference for core::Rng, written from the published algorithms, not from rng.cc:

- SplitMix64: Steele, Lea, Flood, "Fast splittable pseudorandom number generators" (OOPSLA 2014);
  the C reference is Vigna's splitmix64.c (https://prng.di.unimi.it/splitmix64.c).
- xoshiro256**: Blackman, Vigna, "Scrambled linear pseudorandom number generators" (2021);
  https://prng.di.unimi.it/xoshiro256starstar.c, seeded from SplitMix64 as its header advises.

suanli's only own choice is how (seed, stream) become the SplitMix64 start value:
x = seed XOR (stream * 0xD1B54A32D192ED03) mod 2^64 (rng.h promises independent streams).
Uniform() keeps the top 53 bits: (next >> 11) * 2^-53. Below(n) = floor(Uniform() * n).
Normal() is Box-Muller: sqrt(-2 ln(1 - U1)) * cos(2 pi U2).

Prints the constants pinned in rng_test.cc. Usage: python3 tests/core/rng_reference.py
"""
import math

MASK = (1 << 64) - 1


def splitmix64(state):
    """Returns (new_state, output) as splitmix64.c's next()."""
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK


class Xoshiro256StarStar:
    def __init__(self, seed, stream):
        x = seed ^ ((stream * 0xD1B54A32D192ED03) & MASK)
        self.s = []
        for _ in range(4):
            x, out = splitmix64(x)
            self.s.append(out)

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result


def self_check():
    # Published first outputs of splitmix64.c from state 0 (also the seeding
    # vectors of Java's SplittableRandom(0).nextLong()).
    state, a = splitmix64(0)
    state, b = splitmix64(state)
    assert a == 0xE220A8397B1DCDAF, hex(a)
    assert b == 0x6E789E6AA1B965F4, hex(b)


def main():
    self_check()
    pairs = [(0, 0), (1, 0), (1, 1), (42, 7), (0xFFFFFFFFFFFFFFFF, 3)]
    for seed, stream in pairs:
        r = Xoshiro256StarStar(seed, stream)
        values = [r.next() for _ in range(4)]
        print(f"seed {seed:#x} stream {stream}: " + ", ".join(f"0x{v:016X}" for v in values))
    # Uniform, Below and Normal from the (42, 7) sequence.
    r = Xoshiro256StarStar(42, 7)
    v = [r.next() for _ in range(4)]
    top = [x >> 11 for x in v]
    print("(42, 7) top 53 bits:", top)
    print("Uniform:", [repr(t / 2**53) for t in top])
    for n in (10, 1000, 6):
        print(f"Below({n}) exact integer floor:", [(t * n) >> 53 for t in top],
              "float:", [min(n - 1, int(t / 2**53 * n)) for t in top])
    u1 = 1.0 - top[0] / 2**53
    u2 = top[1] / 2**53
    z = math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)
    print(f"Normal() from the first two uniforms: {z!r}")


if __name__ == "__main__":
    main()
