// A captured lambda is sent: one without a capture list as it is (an empty class); one
// that captures by value becomes a struct with the captures as members, operator() with
// its body and a serialize (with a remark), also when it captures another such lambda.
// RUN: %weft-translate %s -o - 2>%t.err | FileCheck %s --match-full-lines
// RUN: FileCheck %s --check-prefix=NOTE --implicit-check-not='{{warning|error}}:' < %t.err
// (%weft-translate compiles its output with clang++ and with GCC: lit.cfg.py)
#include <weft/weft.hpp>
#include <string>
#include <vector>

int twice(int x) { return 2 * x; }

int main(int argc, char** argv) {
    weft::init(argc, argv);
    int k = 3;
    std::string tag = "t";
    std::vector<int> v{1, 2};
    auto square = [](int x) { return x * x; };
    auto add_k = [k](int x) { return x + k; };
    // NOTE: captured_lambdas.cpp:[[@LINE-1]]:18: remark: lambda '[k]' becomes struct 'weft_lambda_L[[@LINE-1]]_C18', captured by '#pragma weft spawn'
    auto both = [=](int x) -> long {
        return add_k(square(x)) + static_cast<long>(v.size() + tag.size());
    };
    // NOTE: captured_lambdas.cpp:[[@LINE-3]]:17: remark: lambda '[=]' becomes struct 'weft_lambda_L[[@LINE-3]]_C17', captured by '#pragma weft spawn'
    auto counter = [n = 0]() mutable { return ++n; };
    int (*fp)(int) = twice;
#pragma weft spawn
    auto a = both(2);
#pragma weft fetch
    int b = square(3) + fp(1);
#pragma weft fetch
    int c = add_k(1);
    return weft::fetch(a) == 12 && b == 11 && c == 4 && counter() == 1 ? 0 : 1;
}
// CHECK: struct weft_lambda_L19_C18 { int k{};
// CHECK-NEXT: #line 19 "{{.*}}captured_lambdas.cpp"
// CHECK-NEXT: auto operator()(int x) const { return x + k; }
// CHECK-NEXT: #line 19 "{{.*}}captured_lambdas.cpp"
// CHECK-NEXT: void serialize(weft::OutArchive& weft_ar) { weft_ar(k); } void serialize(weft::InArchive& weft_ar) { weft_ar(k); } };
// CHECK-NEXT: #line 19 "{{.*}}captured_lambdas.cpp"
// CHECK-NEXT: auto add_k = weft_lambda_L19_C18{k};
// CHECK: using weft_lambda_L21_C17_add_k_t = std::remove_cvref_t<decltype(add_k)>; using weft_lambda_L21_C17_square_t = std::remove_cvref_t<decltype(square)>; struct weft_lambda_L21_C17 { weft_lambda_L21_C17_add_k_t add_k{}; weft_lambda_L21_C17_square_t square{}; std::vector<int> v{}; std::string tag{};
// CHECK-NEXT: #line 21 "{{.*}}captured_lambdas.cpp"
// CHECK-NEXT: auto operator()(int x) const -> long {
// CHECK: auto both = weft_lambda_L21_C17{add_k, square, v, tag}
// CHECK-NEXT: #line 23 "{{.*}}captured_lambdas.cpp"
// CHECK-NEXT: ;
// CHECK: auto counter = [n = 0]() mutable { return ++n; };
// CHECK: using weft_closure_L28_C5_both_t = std::remove_cvref_t<decltype(both)>; struct weft_closure_L28_C5 { weft_closure_L28_C5_both_t both{};
// CHECK: using weft_closure_L30_C5_square_t = std::remove_cvref_t<decltype(square)>; using weft_closure_L30_C5_fp_t = std::remove_cvref_t<decltype(fp)>; struct weft_closure_L30_C5 { weft_closure_L30_C5_square_t square{}; weft_closure_L30_C5_fp_t fp{};
