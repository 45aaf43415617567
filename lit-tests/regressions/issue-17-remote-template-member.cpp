// issue 17.9: '#pragma weft remote' on a static member of a class template was accepted
// and emitted WEFT_REMOTE(Grid::cell), which does not compile. It is now an error at the
// function's name saying how to register the instantiations; a static member of a plain
// class is still registered.
// RUN: not %weft-translate %s -o %t.cpp 2>&1 | FileCheck %s --implicit-check-not='{{warning|error}}:'
// RUN: sed -e '/struct Grid/,/^};/d' %s > %t.ok.cpp
// RUN: %weft-translate %t.ok.cpp -o - | FileCheck %s --check-prefix=OK
template <class T> struct Grid {
#pragma weft remote
    static T cell(int);
    // CHECK: issue-17-remote-template-member.cpp:[[@LINE-1]]:14: error: '#pragma weft remote' cannot register 'Grid::cell': it is a member of a class template, a different function in each instantiation; register the instantiations you call after the class, e.g. WEFT_REMOTE_AS(Grid_int_cell, &Grid<int>::cell)
};
struct Plain {
#pragma weft remote
    static int cell(int);
};
// OK: WEFT_REMOTE(Plain::cell)
