"""Issue 17.7's translator benchmark: translation time against the number of pragmas in
one function (1k, 4k, 16k `#pragma weft spawn` statements, and as many plain statements
for the parse alone). Linear translation keeps the time per pragma flat across sizes;
before the fix it grew with the size (0.27/1.22/5.3 s for 1k/2k/4k). Not a ctest entry.
   bench/translate_scaling.py <weft-translate> <weft include dir> [sizes...]"""
import os
import subprocess
import sys
import tempfile
import time

translate, include = sys.argv[1], sys.argv[2]
sizes = [int(s) for s in sys.argv[3:]] or [1000, 4000, 16000]


def source(n, pragmas):
    lines = ["#include <weft/weft.hpp>", "int work(int);", "int run() {"]
    for i in range(n):
        if pragmas:
            lines.append("#pragma weft spawn")
        lines.append(f"    auto f{i} = work({i});")
    lines += ["    return 0;", "}", ""]
    return "\n".join(lines)


def best(path, out, n=3):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run([translate, path, "-o", out, "--", "-I" + include], check=True)
        times.append(time.perf_counter() - t)
    return min(times)


with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "out.cpp")
    print(f"{'pragmas':>8} {'translate s':>12} {'parse only s':>13} {'per pragma us':>14}")
    for n in sizes:
        src, plain = os.path.join(tmp, f"p{n}.cpp"), os.path.join(tmp, f"s{n}.cpp")
        open(src, "w").write(source(n, True))
        open(plain, "w").write(source(n, False))
        t, t0 = best(src, out), best(plain, out)
        print(f"{n:>8} {t:>12.3f} {t0:>13.3f} {(t - t0) / n * 1e6:>14.1f}")
