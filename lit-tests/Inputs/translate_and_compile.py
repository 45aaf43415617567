"""%weft-translate in the lit tests: runs weft-translate with the test's arguments and,
when it succeeds, compiles every output it wrote with -fsyntax-only, with each compiler
that lit.cfg.py listed in <compilers.json> (clang++, and the build's compiler when that is
GCC; weft's headers from a precompiled header). Generated code that does not compile is a
translator bug, whatever the test itself checks: the translator must either produce code
that compiles or report the problem at the user's coordinates.
   translate_and_compile.py <weft-translate> <compilers.json> <cache dir> <cxxflags> <args...>
compilers.json: [[compiler, [flags that use its precompiled header]], ...]; the compilers
after the first are skipped for an output translated with flags of its own (-D, -std=...),
which their precompiled header does not fit."""
import hashlib
import json
import os
import subprocess
import sys

translate, compilers, cache, cxxflags = sys.argv[1:5]
args = sys.argv[5:]
run = subprocess.run([translate, *args], stdout=subprocess.PIPE)
sys.stdout.buffer.write(run.stdout)
sys.stdout.flush()
if run.returncode != 0:
    sys.exit(run.returncode)

# Where the outputs went, and the flags they were translated with.
outputs, inputs, flags = [], [], []
output, output_dir, i = None, None, 0
takes_value = {"-o": "output", "--output-dir": "output_dir", "-p": None, "--depfile": None,
               "--extra-arg": "flag", "--extra-arg-before": "flag"}
while i < len(args):
    a = args[i]
    if a == "--":
        flags += args[i + 1:]
        break
    name, value = a, None
    if a.startswith("--") and "=" in a:
        name, value = a.split("=", 1)
    elif a.startswith("-o") and len(a) > 2:
        name, value = "-o", a[2:]
    elif a.startswith("-p") and len(a) > 2:
        name, value = "-p", a[2:]
    if name in takes_value:
        if value is None:
            i += 1
            value = args[i] if i < len(args) else ""
        kind = takes_value[name]
        if kind == "output":
            output = value
        elif kind == "output_dir":
            output_dir = value
        elif kind == "flag":
            flags.append(value)
    elif not a.startswith("-"):
        inputs.append(a)
    i += 1
if not inputs:
    sys.exit(0)  # --help, --version
if output_dir:
    outputs = [open(os.path.join(output_dir, os.path.basename(f)), "rb").read() for f in inputs]
elif output and output != "-":
    outputs = [open(output, "rb").read()]
else:
    outputs = [run.stdout]

compile_flags = [f for f in flags if f.startswith(("-D", "-U", "-I", "-std=", "-include"))]
base = cxxflags.split()
for text, source in zip(outputs, inputs):
    key = hashlib.sha1(text + repr(compile_flags).encode() + os.path.abspath(source).encode()).hexdigest()
    marker = os.path.join(cache, key)
    if os.path.exists(marker):
        continue
    for i, (compiler, pch_flags) in enumerate(json.load(open(compilers))):
        if i > 0 and (compile_flags or not pch_flags):
            continue  # the second compiler only where its precompiled header serves: quick
        # "header.h" includes are looked up beside the source, as weft_translate() does.
        cmd = [compiler, "-fsyntax-only", "-Wno-unknown-pragmas", *base, *compile_flags,
               "-iquote", os.path.dirname(os.path.abspath(source)), "-x", "c++", "-"]
        if not compile_flags:  # the header was precompiled without the test's own flags
            cmd[1:1] = pch_flags
        c = subprocess.run(cmd, input=text, capture_output=True)
        if c.returncode != 0:
            sys.stderr.write("translate_and_compile: the output of 'weft-translate " + " ".join(args) +
                             "' does not compile with " + compiler + " (a translator bug):\n" +
                             c.stderr.decode(errors="replace"))
            sys.exit(1)
    os.makedirs(cache, exist_ok=True)
    open(marker, "w").close()
