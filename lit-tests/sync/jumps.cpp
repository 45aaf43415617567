// return, break, continue and goto cannot leave a sync block (it runs in a lambda);
// those that stay inside it are fine.
// RUN: not %weft-translate %s -o %t.cpp 2>&1 | FileCheck %s --implicit-check-not='{{warning|error}}:'
int run(int n) {
    for (int i = 0; i < n; ++i) {
#pragma weft sync
        {
            if (i == 1) continue;
            // CHECK: jumps.cpp:[[@LINE-1]]:25: error: 'continue' cannot leave the statement under '#pragma weft sync': it runs in a generated function
            if (i == 2) break;
            // CHECK: jumps.cpp:[[@LINE-1]]:25: error: 'break' cannot leave the statement under '#pragma weft sync': it runs in a generated function
            if (i == 3) return 1;
            // CHECK: jumps.cpp:[[@LINE-1]]:25: error: 'return' cannot leave the statement under '#pragma weft sync': it runs in a generated function
            if (i == 4) goto out;
            // CHECK: jumps.cpp:[[@LINE-1]]:25: error: 'goto' cannot leave the statement under '#pragma weft sync': it runs in a generated function
            for (int j = 0; j < 3; ++j) { if (j) break; else continue; }
            switch (i) { case 5: break; }
            auto f = [] { return 1; };
            if (i == 6) goto inside;
        inside:
            f();
        }
    }
out:
    return 0;
}
