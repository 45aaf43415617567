// A non-const global is read from the remote process's own copy (a warning) unless
// capture(...) lists it; constants are fine.
// RUN: %weft-translate %s -o - 2>%t.err | FileCheck %s --match-full-lines
// RUN: FileCheck %s --check-prefix=WARN --implicit-check-not='{{warning|error}}:' < %t.err
int f(int);
int counter = 0;
const int limit = 10;
constexpr int scale = 2;
void run() {
#pragma weft spawn
    auto a = f(counter + limit * scale);
    // WARN: global.cpp:[[@LINE-1]]:16: warning: 'counter' is a global variable: the process that runs this reads its own copy; list it in capture(counter) to send the caller's value
#pragma weft spawn capture(counter)
    auto b = f(counter);
}
// CHECK:     struct weft_closure_L11_C5 {
// CHECK:     struct weft_closure_L14_C5 { int counter{};
// CHECK:     auto b = weft::spawnat(weft::detail::ProcAt(weft::detail::choose_proc({}), weft::CallSite("{{.*}}global.cpp", 13, 14, "#pragma weft spawn")), weft_closure_L14_C5{counter});
