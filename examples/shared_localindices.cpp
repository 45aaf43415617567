// examples/shared_localindices.cpp — the SharedArrays manual's localindices example: a 3x4
// SharedArray on workers 2, 3, 4, each filling its share with its id; then the strided
// variant with indexpids. Run: ./shared_localindices  (starts 3 workers if none).
#include <cstdio>

#include <weft/weft.hpp>

// S[localindices(S)] = myid()
void fill_local(weft::SharedArray<long, 2>& s) {
    for (auto i : weft::localindices(s)) s[static_cast<std::size_t>(i)] = weft::myid();
}
// S[indexpids(S):length(procs(S)):length(S)] = myid()
void fill_strided(weft::SharedArray<long, 2>& s) {
    const auto np = static_cast<std::int64_t>(weft::procs(s).size());
    for (auto i : weft::range(weft::indexpids(s), static_cast<std::int64_t>(s.size()), np))
        s[static_cast<std::size_t>(i)] = weft::myid();
}
WEFT_REMOTE(fill_local, fill_strided)

void show(const weft::SharedArray<long, 2>& s) {
    std::printf("%zux%zu SharedArray<long, 2> on workers", s.dim(0), s.dim(1));
    for (int p : weft::procs(s)) std::printf(" %d", p);
    std::printf(":\n");
    for (std::size_t i = 0; i < s.dim(0); ++i) {
        for (std::size_t j = 0; j < s.dim(1); ++j) std::printf(j ? " %ld" : " %ld", s(i, j));
        std::printf("\n");
    }
}

int main(int argc, char** argv) {
    weft::init(argc, argv);
    if (weft::nprocs() == 1) weft::addprocs(3);
    const std::vector<int> pids{2, 3, 4};
    weft::SharedArray<long, 2> s({3, 4}, {.init = fill_local, .pids = pids});
    show(s);
    for (int p : pids) {
        auto r = weft::remotecall_fetch([](weft::SharedArray<long, 2> a) { return weft::localindices(a); }, p, s);
        std::printf("localindices on worker %d: [%lld, %lld)\n", p, static_cast<long long>(r.first),
                    static_cast<long long>(r.last));
    }
    weft::SharedArray<long, 2> t({3, 4}, {.init = fill_strided, .pids = pids});
    show(t);
    return 0;
}
