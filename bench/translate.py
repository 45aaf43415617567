"""Issue 4's translator benchmark: translating a generated 1,000-line annotated file
beside `clang++ -fsyntax-only` on the same file (goal: ratio <= 1.5). Not a ctest entry.
   bench/translate.py <weft-translate> <weft include dir> [clang++]"""
import os
import subprocess
import sys
import tempfile
import time

translate, include = sys.argv[1], sys.argv[2]
clang = sys.argv[3] if len(sys.argv) > 3 else "clang++-19"

lines = ["#include <weft/weft.hpp>", "#include <vector>", "",
         "double work(const std::vector<double>& v, int k) { return v.size() * k; }", ""]
fn = 0
while len(lines) < 1000:
    fn += 1
    lines += [f"double block{fn}(const std::vector<double>& v, int k) {{",
              "    double total = 0;",
              "#pragma weft spawn",
              "    auto a = work(v, k);",
              "#pragma weft fetch",
              "    double b = work(v, k + 1);",
              "#pragma weft sync",
              "    {",
              "        for (int i = 0; i < 4; ++i) {",
              "#pragma weft async",
              "            total += work(v, i);",
              "        }",
              "    }",
              "    return total + weft::fetch(a) + b;",
              "}", ""]
with tempfile.TemporaryDirectory() as tmp:
    src = os.path.join(tmp, "bench.cpp")
    open(src, "w").write("\n".join(lines) + "\n")

    def best(cmd, n=5):
        times = []
        for _ in range(n):
            t = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - t)
        return min(times)

    flags = ["-std=c++20", "-I" + include]
    t_clang = best([clang, "-fsyntax-only", *flags, src])
    t_weft = best([translate, src, "-o", os.path.join(tmp, "out.cpp"), "--", *flags])
    print(f"{len(lines)} lines, {fn * 4} pragmas: weft-translate {t_weft:.3f} s, "
          f"clang++ -fsyntax-only {t_clang:.3f} s, ratio {t_weft / t_clang:.2f} (goal <= 1.5)")
