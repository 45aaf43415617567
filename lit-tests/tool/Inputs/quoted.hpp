// Included as "Inputs/quoted.hpp" by tool/weft_cxx.cpp: found beside the original source.
inline int quoted() { return 1; }
