#pragma once
#pragma weft remote
inline int square(int x) { return x * x; }
