// examples/game_of_life.cpp — the DistributedArrays manual's game of life: each step is a
// new DArray whose init, on each chunk's owner, reads the chunk plus its halo from the
// old board (block reads across chunk borders, wrapping around) and applies the rule.
// Checked against a serial run.  Run: ./game_of_life [n=64] [steps=100] [workers=4]
#include <cstdio>
#include <cstdlib>
#include <random>

#include <weft/weft.hpp>

using Board = weft::Array<std::uint8_t, 2>;
using DBoard = weft::DArray<std::uint8_t, 2>;
using weft::Range;

/// The rule on a board with a one-cell halo: returns the (m-2) x (n-2) interior's next state.
Board life_rule(const Board& old) {
    const std::size_t m = old.dim(0), n = old.dim(1);
    Board next({m - 2, n - 2});
    for (std::size_t j = 1; j + 1 < n; ++j)
        for (std::size_t i = 1; i + 1 < m; ++i) {
            const int nc = old(i - 1, j - 1) + old(i - 1, j) + old(i - 1, j + 1) + old(i, j - 1) + old(i, j + 1) +
                           old(i + 1, j - 1) + old(i + 1, j) + old(i + 1, j + 1);
            next(i - 1, j - 1) = nc == 3 || (nc == 2 && old(i, j));
        }
    return next;
}

/// init of the next board's chunk I: the manual's life_step do-block, with the old board.
struct LifeStep {
    DBoard d;
    Board operator()(std::array<Range, 2> I) const {
        const auto m = static_cast<std::int64_t>(d.dim(0)), n = static_cast<std::int64_t>(d.dim(1));
        auto one = [](std::int64_t k) { return Range{k, k + 1}; };
        const Range top = one((I[0].first - 1 + m) % m), bot = one(I[0].last % m);
        const Range left = one((I[1].first - 1 + n) % n), right = one(I[1].last % n);
        const std::size_t r = I[0].size(), c = I[1].size();
        Board old({r + 2, c + 2});
        auto put = [&](std::size_t i0, std::size_t j0, const Board& b) {
            for (std::size_t j = 0; j < b.dim(1); ++j)
                for (std::size_t i = 0; i < b.dim(0); ++i) old(i0 + i, j0 + j) = b(i, j);
        };
        put(0, 0, d(top, left));
        put(1, 0, d(I[0], left));
        put(r + 1, 0, d(bot, left));
        put(0, 1, d(top, I[1]));
        put(1, 1, d(I[0], I[1]));  // middle
        put(r + 1, 1, d(bot, I[1]));
        put(0, c + 1, d(top, right));
        put(1, c + 1, d(I[0], right));
        put(r + 1, c + 1, d(bot, right));
        return life_rule(old);
    }
    template <class A> void serialize(A& ar) { ar(d); }
};

DBoard life_step(const DBoard& d) { return DBoard(LifeStep{d}, d.dims(), d.pids(), d.dist()); }

/// The same step serially, on a whole board with wrap-around.
Board life_step_serial(const Board& b) {
    const std::size_t m = b.dim(0), n = b.dim(1);
    Board old({m + 2, n + 2});
    for (std::size_t j = 0; j < n + 2; ++j)
        for (std::size_t i = 0; i < m + 2; ++i) old(i, j) = b((i + m - 1) % m, (j + n - 1) % n);
    return life_rule(old);
}

int main(int argc, char** argv) {
    weft::init(argc, argv);
    const std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 64;
    const int steps = argc > 2 ? std::atoi(argv[2]) : 100;
    if (weft::nprocs() == 1) weft::addprocs(argc > 3 ? std::atoi(argv[3]) : 4);

    Board board({n, n});
    std::mt19937 rng(2024);
    for (auto& x : board) x = rng() % 3 == 0;
    DBoard d = weft::distribute(board);
    Board serial = board;
    for (int s = 0; s < steps; ++s) {
        d = life_step(d);
        serial = life_step_serial(serial);
    }
    const Board got = weft::gather(d);
    std::size_t alive = 0;
    for (auto x : got) alive += x;
    const bool same = got == serial;
    std::printf("game of life %zux%zu, %d steps on %zu workers (dist %zux%zu): %zu alive, %s\n", n, n, steps,
                d.pids().size(), d.dist()[0], d.dist()[1], alive, same ? "matches the serial run" : "DIFFERS from the serial run");
    return same ? 0 : 1;
}
