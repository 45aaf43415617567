// Captured aggregate structs of the file get a generated serialize (with a remark): a
// member template at namespace scope, two archive overloads in a local class.
// RUN: %weft-translate %s -o - 2>%t.err | FileCheck %s --match-full-lines
// RUN: FileCheck %s --check-prefix=NOTE --implicit-check-not='{{warning|error}}:' < %t.err
// (%weft-translate compiles its output with clang++ and with GCC: lit.cfg.py)
#include <weft/weft.hpp>
#include <string>
#include <vector>

struct Point { double x, y; };
// NOTE: generated_serialize.cpp:[[@LINE-1]]:8: remark: generated 'serialize' for struct 'Point', captured by '#pragma weft spawn'
struct Path { std::string name; std::vector<Point> points; };
// NOTE: generated_serialize.cpp:[[@LINE-1]]:8: remark: generated 'serialize' for struct 'Path', captured by '#pragma weft spawn'
struct Custom { int v; template <class A> void serialize(A& ar) { ar(v); } };

double length(const Path& p, Custom c) { return p.points.size() + c.v; }

int main(int argc, char** argv) {
    weft::init(argc, argv);
    struct Local { int a; };
    // NOTE: generated_serialize.cpp:[[@LINE-1]]:12: remark: generated 'serialize' for struct 'Local', captured by '#pragma weft fetch'
    Path p{"p", {{0, 0}, {1, 1}}};
    Custom c{1};
    Local l{2};
#pragma weft spawn
    auto a = length(p, c);
#pragma weft fetch
    int b = l.a;
    return weft::fetch(a) + b > 0 ? 0 : 1;
}
// CHECK: struct Point { double x, y;  public: template <class WeftArchive> void serialize(WeftArchive& weft_ar) { weft_ar(x, y); } };
// CHECK: struct Path { std::string name; std::vector<Point> points;  public: template <class WeftArchive> void serialize(WeftArchive& weft_ar) { weft_ar(name, points); } };
// CHECK: struct Custom { int v; template <class A> void serialize(A& ar) { ar(v); } };
// CHECK:     struct Local { int a;  public: void serialize(weft::OutArchive& weft_ar) { weft_ar(a); } void serialize(weft::InArchive& weft_ar) { weft_ar(a); } };
// CHECK:     struct weft_closure_L26_C5 { Path p{}; Custom c{};
// CHECK:     struct weft_closure_L28_C5 { Local l{};
