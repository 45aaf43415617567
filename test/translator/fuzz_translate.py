"""Never crash: runs weft-translate over mutated copies of the lit inputs (the seed
corpus: lit-tests/**/*.cpp; lines deleted, duplicated or swapped, tokens cut, bytes
flipped, pragmas garbled) and fails if it dies of a signal, reports an internal error, or
exits with anything but 0 or 1. Each failing input is kept as fuzz-failure-<n>.cpp in the
working directory: `weft-translate fuzz-failure-<n>.cpp -o -` reproduces it.
   fuzz_translate.py <weft-translate> <lit-tests dir> <count | seconds followed by s> [seed]
ctest runs it (label `fuzz`) for 20 s; `... 600s` runs it for ten minutes. test/fuzz/translate_fuzz.cpp
fuzzes the same translation in process, coverage-guided and under the sanitizers."""
import time
import os
import random
import subprocess
import sys
import tempfile

translate, root = sys.argv[1], sys.argv[2]
count, seconds = (None, float(sys.argv[3][:-1])) if sys.argv[3].endswith("s") else (int(sys.argv[3]), None)
rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 4)
corpus = []
for d, _, files in os.walk(root):
    if "Inputs" in d:
        continue
    for f in files:
        if f.endswith(".cpp"):
            text = open(os.path.join(d, f), encoding="utf-8", errors="replace").read()
            # Without <weft/weft.hpp> a run takes a tenth of the time; keep a few with it.
            if "#include <weft/weft.hpp>" in text and rng.random() < 0.7:
                text = text.replace("#include <weft/weft.hpp>", "namespace weft { template <class T> struct Future { int where() const; }; template <class T> T fetch(T); int myid(); }")
            corpus.append(text)
PRAGMA_BITS = ["#pragma weft ", "spawn", "spawnat(", "any", ")", "capture(", ",", "everywhere", "sync",
               "async", "fetch", "procs(", "remote", "(", "{", "}", ";", "\\\n", "_Pragma(\"weft spawn\")",
               "threads", "distributed", "reduce(", "schedule(", "+:", "min:", "plus:", "::", "spwan", "#pragma weeft ",
               "for (long i = 0; i < n; ++i)", "static"]

def mutate(text):
    lines = text.split("\n")
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        i = rng.randrange(len(lines))
        if op == 0 and len(lines) > 1:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif op == 2:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == 3 and lines[i]:
            k = rng.randrange(len(lines[i]))
            lines[i] = lines[i][:k] + lines[i][k + rng.randint(1, 8):]
        elif op == 4:
            lines.insert(i, "".join(rng.choice(PRAGMA_BITS) for _ in range(rng.randint(1, 5))))
        elif lines[i]:
            k = rng.randrange(len(lines[i]))
            lines[i] = lines[i][:k] + chr(rng.randrange(32, 127)) + lines[i][k + 1:]
    return "\n".join(lines)

failures = 0
start = time.monotonic()
n = 0
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "fuzz.cpp")
    while (n < count) if count is not None else (time.monotonic() - start < seconds):
        n += 1
        src = mutate(rng.choice(corpus))
        open(path, "w").write(src)
        p = subprocess.run([translate, path, "-o", os.path.join(tmp, "out.cpp")], capture_output=True, text=True,
                           errors="replace", timeout=120)
        if p.returncode not in (0, 1) or "internal error" in p.stderr:
            failures += 1
            keep = os.path.join(os.getcwd(), f"fuzz-failure-{n}.cpp")
            open(keep, "w").write(src)
            print(f"run {n}: exit {p.returncode}; input kept as {keep}\n{p.stderr[-2000:]}")
print(f"{n} mutated inputs in {time.monotonic() - start:.0f} s, {failures} failures")
sys.exit(1 if failures else 0)
