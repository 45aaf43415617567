// A header with a pragma, included by pragma/in_header.cpp.
#pragma once
inline int helper(int x) {
#pragma weft spawn
    return x + 1;
}
