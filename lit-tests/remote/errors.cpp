// What remote cannot register: member functions, templates themselves, non-functions.
// RUN: not %weft-translate %s -o %t.cpp 2>&1 | FileCheck %s --implicit-check-not='{{warning|error}}:'
struct Sim {
#pragma weft remote
    int step(int);
    // CHECK-DAG: errors.cpp:[[@LINE-1]]:9: error: '#pragma weft remote' cannot register member function 'Sim::step' for remote calls; use a free function or a static member function
};
#pragma weft remote
template <class T> T square(T x) { return x * x; }
// CHECK-DAG: errors.cpp:[[@LINE-1]]:22: error: '#pragma weft remote' cannot register function template 'square' itself; register each instantiation with WEFT_REMOTE_AS(name, static_cast<R (*)(Args...)>(&f<T>))
#pragma weft remote
// CHECK-DAG: errors.cpp:[[@LINE-1]]:14: error: '#pragma weft remote' applies to a function declaration, not to a variable declaration
int table_size = 3;
void f() {
#pragma weft remote
// CHECK-DAG: errors.cpp:[[@LINE-1]]:14: error: '#pragma weft remote' applies to a function declaration, not to a statement
    f();
}
