// `#pragma weft distributed reduce(op:var)` with every operator of SPEC §3.2 and a named
// function. Translated and run on workers it prints what the serial build (the same
// file, not translated) prints.
// Run with workers: WEFT_PROCS=2 ./annotated_reduce_ops
#include <weft/weft.hpp>

#include <cstdint>
#include <cstdio>

long value(long i) { return (i * 7919) % 1000 - 500; }
long gcd(long a, long b) {
    if (a < 0) a = -a;
    if (b < 0) b = -b;
    while (b) {
        long t = a % b;
        a = b;
        b = t;
    }
    return a;
}

int main(int argc, char** argv) {
    weft::init(argc, argv);
    const long n = 100000;
    long sum = 0, lo = 1 << 20, hi = -(1 << 20), g = 0;
    double prod = 1;
    std::uint64_t band = ~0ULL, bor = 0, bxor = 0;
    bool all = true, any = false;
#pragma weft distributed reduce(+:sum)
    for (long i = 0; i < n; ++i) sum += value(i);
#pragma weft distributed reduce(*:prod)
    for (long i = 1; i <= 20; ++i) prod *= 1.0 + 1.0 / static_cast<double>(i);
#pragma weft distributed reduce(min:lo)
    for (long i = 0; i < n; i += 3) lo = value(i) < lo ? value(i) : lo;
#pragma weft distributed reduce(max:hi)
    for (auto i : weft::range(0, n, 5)) hi = value(i) > hi ? value(i) : hi;
#pragma weft distributed reduce(&:band)
    for (long i = 0; i < 64; ++i) band &= ~(1ULL << (i % 7));
#pragma weft distributed reduce(|:bor)
    for (long i = 0; i < 64; ++i) bor |= 1ULL << (i % 13);
#pragma weft distributed reduce(^:bxor)
    for (long i = 0; i < 1234; ++i) bxor ^= static_cast<std::uint64_t>(value(i)) * 2654435761ULL;
#pragma weft distributed reduce(&&:all)
    for (long i = 0; i < n; ++i) all = all && value(i) > -501;
#pragma weft distributed reduce(||:any)
    for (long i = 0; i < n; ++i) any = any || value(i) == 499;
#pragma weft distributed reduce(gcd:g)
    for (long i = 1; i < 50; ++i) g = gcd(g, 6 * i);
    long evens = 0;  // `continue` ends one iteration
#pragma weft distributed reduce(+:evens)
    for (long i = 0; i < n; ++i) {
        if (i % 2) continue;
        evens += value(i);
    }
    std::printf("evens %ld\n", evens);
    std::printf("sum %ld\nprod %.6f\nmin %ld\nmax %ld\nand %llx\nor %llx\nxor %llx\nall %d\nany %d\ngcd %ld\n", sum, prod,
                lo, hi, static_cast<unsigned long long>(band), static_cast<unsigned long long>(bor),
                static_cast<unsigned long long>(bxor), all, any, g);

    return 0;
}
