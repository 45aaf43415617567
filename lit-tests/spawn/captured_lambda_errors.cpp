// A captured lambda that cannot be sent is an error naming the variable and why: it
// captures by reference, captures 'this', is generic, has an init-capture, or captures
// something that cannot be sent itself (also through another lambda).
// RUN: not %weft-translate %s -o %t.cpp 2>&1 | FileCheck %s --implicit-check-not='{{warning|error}}:'
#include <mutex>
int f(int);
struct S {
    int m = 1;
    int run() {
        auto self = [this](int x) { return x + m; };
#pragma weft fetch
        int r = self(1);
        // CHECK: captured_lambda_errors.cpp:[[@LINE-1]]:17: error: captured variable 'self' has type '{{.*}}', which is not serializable: the lambda captures 'this', which cannot be sent; capture the members it needs by value
        return r;
    }
};
void run() {
    int k = 1;
    std::mutex mu;
    auto by_ref = [&k](int x) { return x + k; };
    auto generic = [k](auto x) { return x + k; };
    auto init = [j = k](int x) { return x + j; };
    auto locks = [&mu](int x) { return x; };
    auto holds = [locks](int x) { return locks(x); };
#pragma weft fetch
    int a = by_ref(1);
    // CHECK: captured_lambda_errors.cpp:[[@LINE-1]]:13: error: captured variable 'by_ref' has type '{{.*}}', which is not serializable: the lambda captures 'k' by reference; capture it by value ([k] or [=]) to send the lambda
#pragma weft fetch
    int b = generic(1);
    // CHECK: captured_lambda_errors.cpp:[[@LINE-1]]:13: error: captured variable 'generic' has type '{{.*}}', which is not serializable: a generic lambda with captures cannot be sent (it would become a local struct, which cannot have a template operator()); give its parameters types
#pragma weft fetch
    int c = init(1);
    // CHECK: captured_lambda_errors.cpp:[[@LINE-1]]:13: error: captured variable 'init' has type '{{.*}}', which is not serializable: the lambda has an init-capture 'j'; capture a variable by value instead
#pragma weft fetch
    int d = holds(1);
    // CHECK: captured_lambda_errors.cpp:[[@LINE-1]]:13: error: captured variable 'holds' has type '{{.*}}', which is not serializable, because the lambda captures 'locks' of type '{{.*}}': the lambda captures 'mu' by reference; capture it by value ([mu] or [=]) to send the lambda
    (void)(a + b + c + d);
}
