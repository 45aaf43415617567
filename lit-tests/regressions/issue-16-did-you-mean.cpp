// issue 16: '#pragma weft spwan' said "unknown directive" without a suggestion, and
// '#pragma weeft spawn' was ignored without a word (the program quietly ran serially).
// Now: a directive or clause within clang's typo-correction distance gets "did you
// mean" and a fix-it; '#pragma <word>' with <word> within edit distance 2 of 'weft' is a
// warning with a fix-it; other unknown pragmas stay as clang has them
// (-Wunknown-pragmas).
// RUN: not %weft-translate %s -o %t.cpp --extra-arg=-fdiagnostics-parseable-fixits --extra-arg=-Wunknown-pragmas 2>&1 | FileCheck %s --implicit-check-not='{{warning|error}}:'
int f(int);
void run() {
#pragma weft spwan
    // CHECK: issue-16-did-you-mean.cpp:[[@LINE-1]]:14: error: unknown directive 'spwan' in '#pragma weft'; did you mean 'spawn'?
    // CHECK: fix-it:"{{.*}}issue-16-did-you-mean.cpp":{[[@LINE-2]]:14-[[@LINE-2]]:19}:"spawn"
    int a = f(1);
#pragma weft spawn captur(a)
    // CHECK: issue-16-did-you-mean.cpp:[[@LINE-1]]:20: error: unknown clause 'captur' for '#pragma weft spawn'; did you mean 'capture'?
    // CHECK: fix-it:"{{.*}}issue-16-did-you-mean.cpp":{[[@LINE-2]]:20-[[@LINE-2]]:26}:"capture"
    int b = f(a);
#pragma weeft spawn
    // CHECK: issue-16-did-you-mean.cpp:[[@LINE-1]]:9: warning: unknown pragma '#pragma weeft' ignored, so the statement after it runs serially; did you mean '#pragma weft'?
    // CHECK: fix-it:"{{.*}}issue-16-did-you-mean.cpp":{[[@LINE-2]]:9-[[@LINE-2]]:14}:"weft"
    int c = f(b);
#pragma wft spawn
    // CHECK: issue-16-did-you-mean.cpp:[[@LINE-1]]:9: warning: unknown pragma '#pragma wft' ignored, so the statement after it runs serially; did you mean '#pragma weft'?
    // CHECK: fix-it:"{{.*}}issue-16-did-you-mean.cpp":{[[@LINE-2]]:9-[[@LINE-2]]:12}:"weft"
    int d = f(c);
#pragma frobnicate spawn
    // CHECK: issue-16-did-you-mean.cpp:[[@LINE-1]]:9: warning: unknown pragma ignored
    (void)d;
#pragma weft everywhere prox(0)
    // CHECK: issue-16-did-you-mean.cpp:[[@LINE-1]]:25: error: unknown clause 'prox' for '#pragma weft everywhere'; did you mean 'procs'?
    // CHECK: fix-it:"{{.*}}issue-16-did-you-mean.cpp":{[[@LINE-2]]:25-[[@LINE-2]]:29}:"procs"
    f(0);
#pragma weft zzz
    // CHECK: issue-16-did-you-mean.cpp:[[@LINE-1]]:14: error: unknown directive 'zzz' in '#pragma weft' (expected one of: spawn, spawnat, fetch, fetchfrom, everywhere, remote, sync, async, distributed, threads, threadcall)
    f(1);
}
