// A remote error raised under a translated pragma names the pragma's place in this file
// (issue 16): line and column of the directive word, and the directive. Run with 2 workers;
// each case prints "<case>: <file>:<line>:<column> <directive>", checked by the test.
#include <weft/weft.hpp>

#include <cstdio>
#include <exception>
#include <stdexcept>

long fail_at(long i) {
    if (i == 3) throw std::runtime_error("bad element 3");
    return i;
}

// The first RemoteException in `e` (itself, or the first of a CompositeException).
static void report(const char* what, std::exception_ptr e) {
    try {
        std::rethrow_exception(e);
    } catch (const weft::RemoteException& r) {
        std::printf("%s: %s %s\n", what, r.call_site().str(true).c_str(),
                    r.call_site().function ? r.call_site().function : "(no function)");
    } catch (const weft::CompositeException& c) {
        report(what, c.exceptions().front());
    } catch (const std::exception& x) {
        std::printf("%s: not a RemoteException: %s\n", what, x.what());
    }
}

int main(int argc, char** argv) {
    weft::init(argc, argv);
    if (weft::nworkers() < 2 || weft::workers().front() == 1) {
        std::printf("run with 2 workers: WEFT_PROCS=2\n");
        return 2;
    }
    long three = 3;
    try {
#pragma weft spawn
        auto f = fail_at(three);
        weft::fetch(f);
    } catch (...) {
        report("spawn", std::current_exception());
    }
    try {
#pragma weft fetchfrom(2)
        long v = fail_at(three);
        std::printf("unexpected %ld\n", v);
    } catch (...) {
        report("fetchfrom", std::current_exception());
    }
    try {
#pragma weft sync
        {
#pragma weft distributed
            for (long i = 0; i < 8; ++i) fail_at(i);
        }
    } catch (...) {
        report("distributed", std::current_exception());
    }
    try {
        long s = 0;
#pragma weft distributed reduce(+:s)
        for (long i = 0; i < 8; ++i) s += fail_at(i);
        std::printf("unexpected %ld\n", s);
    } catch (...) {
        report("reduce", std::current_exception());
    }
    try {
#pragma weft everywhere procs(weft::workers())
        fail_at(weft::myid() + 1);
    } catch (...) {
        report("everywhere", std::current_exception());
    }
    return 0;
}
