// examples/coin_flip.hpp — one fair coin flip per call, for the manual's coin-flip loop
// (examples/coin_flips.cpp, bench/pmap.cpp): 1 for heads. Each process (and thread)
// draws 64 flips at a time from its own generator.
#pragma once
#include <cstdint>
#include <random>

struct Flip {
    long operator()(std::int64_t) const {
        thread_local std::mt19937_64 rng(std::random_device{}());
        thread_local std::uint64_t bits = 0;
        thread_local int left = 0;
        if (left == 0) {
            bits = rng();
            left = 64;
        }
        --left;
        long heads = static_cast<long>(bits & 1);
        bits >>= 1;
        return heads;
    }
};
