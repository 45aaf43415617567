// test/runtime/main.cpp — the main of every runtime test binary: weft::init first (a
// worker started by a test becomes a worker here and never returns), then the tests.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string_view>

#include <weft/weft.hpp>

int main(int argc, char** argv) {
    // A worker that a test's custom manager starts through weft::start_worker
    // (cluster_manager_test): `--start-worker=<close_stdin 0|1><stderr_to_stdout 0|1><out fd>`.
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a.starts_with("--start-worker=") && a.size() >= 18) {
            weft::StartWorkerOptions o;
            o.close_stdin = a[15] == '1';
            o.stderr_to_stdout = a[16] == '1';
            o.out = std::atoi(argv[i] + 17);
            weft::start_worker(o);
        }
    }
    weft::init(argc, argv);
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
