// A file without #pragma weft passes through byte for byte (tabs, CRLF, no final newline).
// RUN: %weft-translate %s -o %t.cpp
// RUN: cmp %s %t.cpp
int main() {	return 0; }   
/* #pragma weft spawn in a comment */
const char* s = "#pragma weft spawn";