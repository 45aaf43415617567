// Several reductions in one loop (SPEC §3.2, §3.6): a distributed loop with
// `reduce(min:lo) reduce(max:hi) reduce(+:sum)`, one with a clause of two variables and a
// named function, and threads loops with two reductions. Each result is checked against
// the same loop run serially here, and the whole output against the untranslated build.
// Run with workers: WEFT_PROCS=2 ./annotated_several_reductions
#include <weft/weft.hpp>

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
    bool all_match = true;
    auto check = [&](const char* what, bool same) {
        std::printf("%s matches the serial loop: %s\n", what, same ? "yes" : "NO");
        all_match = all_match && same;
    };

    // The caller's values take part: lo starts below every value, hi above none, sum at 7.
    long lo = -600, hi = -(1 << 20), sum = 7;
#pragma weft distributed reduce(min:lo) reduce(max:hi) reduce(+:sum)
    for (long i = 0; i < n; ++i) {
        lo = value(i) < lo ? value(i) : lo;
        hi = value(i) > hi ? value(i) : hi;
        if (i % 3 == 0) continue;  // ends this iteration; lo and hi already counted it
        sum += value(i);
    }
    long slo = -600, shi = -(1 << 20), ssum = 7;
    for (long i = 0; i < n; ++i) {
        slo = value(i) < slo ? value(i) : slo;
        shi = value(i) > shi ? value(i) : shi;
        if (i % 3 != 0) ssum += value(i);
    }
    std::printf("distributed: min %ld max %ld sum %ld\n", lo, hi, sum);
    check("distributed min/max/sum", lo == slo && hi == shi && sum == ssum);

    long positives = 0, negatives = 0, g = 0;
    double half_sum = 0.5;
#pragma weft distributed reduce(+:positives, negatives, half_sum) reduce(gcd:g)
    for (auto i : weft::range(1, n, 7)) {
        if (value(i) > 0) positives += 1;
        if (value(i) < 0) negatives += 1;
        half_sum += 0.5 * static_cast<double>(value(i));
        g = gcd(g, 12 * i);
    }
    long spos = 0, sneg = 0, sg = 0;
    double shalf = 0.5;
    for (long i = 1; i < n; i += 7) {
        if (value(i) > 0) spos += 1;
        if (value(i) < 0) sneg += 1;
        shalf += 0.5 * static_cast<double>(value(i));
        sg = gcd(sg, 12 * i);
    }
    std::printf("distributed: positives %ld negatives %ld half sum %.1f gcd %ld\n", positives, negatives, half_sum, g);
    check("distributed +(3 variables)/gcd", positives == spos && negatives == sneg && half_sum == shalf && g == sg);

    double tlo = 1e300, thi = -1e300;
#pragma weft threads reduce(min:tlo) reduce(max:thi)
    for (int i = 0; i < 50000; ++i) {
        const double v = static_cast<double>(value(i)) / 4;
        tlo = v < tlo ? v : tlo;
        thi = v > thi ? v : thi;
    }
    long tsum = 11, tcount = 0;
#pragma weft threads schedule(dynamic, 64) reduce(+:tsum, tcount)
    for (int i = 0; i < 50000; ++i) {
        if (value(i) % 2) continue;
        tsum += value(i);
        tcount += 1;
    }
    double stlo = 1e300, sthi = -1e300;
    long stsum = 11, stcount = 0;
    for (int i = 0; i < 50000; ++i) {
        const double v = static_cast<double>(value(i)) / 4;
        stlo = v < stlo ? v : stlo;
        sthi = v > sthi ? v : sthi;
        if (value(i) % 2 == 0) stsum += value(i), stcount += 1;
    }
    std::printf("threads: min %.2f max %.2f even sum %ld count %ld\n", tlo, thi, tsum, tcount);
    check("threads min/max", tlo == stlo && thi == sthi);
    check("threads +(2 variables)", tsum == stsum && tcount == stcount);
    return all_match ? 0 : 1;
}
