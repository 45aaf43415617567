// co_await cannot run inside the generated lambda of a sync block.
// RUN: not %weft-translate %s -o %t.cpp 2>&1 | FileCheck %s --implicit-check-not='{{warning|error}}:'
#include <coroutine>
struct task {
    struct promise_type {
        task get_return_object() { return {}; }
        std::suspend_never initial_suspend() { return {}; }
        std::suspend_never final_suspend() noexcept { return {}; }
        void return_void() {}
        void unhandled_exception() {}
    };
};
task run() {
#pragma weft sync
    {
        co_await std::suspend_never{};
        // CHECK: coroutine.cpp:[[@LINE-1]]:9: error: 'co_await' inside the statement under '#pragma weft sync' is not supported
    }
}
