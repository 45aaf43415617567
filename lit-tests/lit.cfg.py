# lit configuration for weft-translate's tests. Substitutions:
#   %weft-translate   the translator, then -fsyntax-only on each output it wrote (clang++, and GCC too)
#   %weft-translate-only  the translator alone (an input with an error only a compiler sees)
#   %weft-cxx         the compiler launcher (weft-c++)
#   %cxx              the C++ compiler         %cxxflags   -std=c++20 and weft's include path
#   %expect-exit N    runs the rest of the line and checks that it exits with status N
import json
import os
import shutil
import subprocess
import sys
import lit.formats

config.name = "weft-translate"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".cpp", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt"]
config.test_source_root = os.path.dirname(__file__)

config.environment["PATH"] = os.pathsep.join([config.llvm_tools_dir, config.environment.get("PATH", os.environ.get("PATH", ""))])
config.environment["LC_ALL"] = "C"

cxxflags = "-std=c++20 -I" + config.weft_include
if config.cereal_include:
    # System directories stay implicit: -I/usr/include breaks libstdc++'s #include_next.
    cxxflags += " " + " ".join("-I" + d for d in config.cereal_include.split(";")
                               if d and d not in ("/usr/include", "/usr/local/include"))
# %weft-translate-only: the translator alone, for a test whose input has an error only the
# compiler sees (a user's type error, to check where the compiler reports it).
config.substitutions.append(("%weft-translate-only", config.weft_translate))
# %weft-translate compiles what it translated (Inputs/translate_and_compile.py) with
# clang++, and with the build's compiler too when that is GCC, each with weft's headers
# precompiled once per run (a precompiled header is what keeps 61 tests quick).
clangxx = os.path.join(config.llvm_tools_dir, "clang++")
headers = [os.path.join(d, f) for d, _, fs in os.walk(config.weft_include) for f in fs]
newest_header = max(os.path.getmtime(h) for h in headers)
compiled = os.path.join(config.test_exec_root, "compiled-outputs")  # outputs known to compile


def precompile(compiler, out):
    """Starts precompiling <weft/weft.hpp> into out, unless out is newer than every header."""
    if os.path.exists(out) and os.path.getmtime(out) >= newest_header:
        return None
    shutil.rmtree(compiled, ignore_errors=True)
    weft_hpp = os.path.join(config.weft_include, "weft", "weft.hpp")
    return subprocess.Popen([compiler, "-x", "c++-header", *cxxflags.split(), weft_hpp, "-o", out])


pch = os.path.join(config.test_exec_root, "weft.hpp.pch")
compilers = [[clangxx, ["-include-pch", pch], pch]]  # [compiler, flags, precompiled header]
cxx_version = subprocess.run([config.cxx, "--version"], capture_output=True, text=True).stdout
if "clang" not in cxx_version.lower():  # GCC: its precompiled header is found beside an -include
    gch_dir = os.path.join(config.test_exec_root, "gcc-pch")
    os.makedirs(gch_dir, exist_ok=True)
    stub = os.path.join(gch_dir, "weft_all.hpp")
    if not os.path.exists(stub):
        open(stub, "w").write("#include <weft/weft.hpp>\n")
    compilers.append([config.cxx, ["-Winvalid-pch", "-include", stub], stub + ".gch"])
builds = [precompile(compiler, out) for compiler, _, out in compilers]  # all at once
for c, build in zip(compilers, builds):
    if build and build.wait() != 0:
        c[1] = []  # compiled without it
    del c[2]
compilers_json = os.path.join(config.test_exec_root, "compilers.json")
with open(compilers_json, "w") as f:
    json.dump(compilers, f)
config.substitutions.append(("%weft-translate", " ".join([
    sys.executable, os.path.join(config.test_source_root, "Inputs", "translate_and_compile.py"),
    config.weft_translate, compilers_json, compiled, '"' + cxxflags + '"'])))
config.substitutions.append(("%weft-cxx", config.weft_cxx_launcher))
config.substitutions.append(("%cxxflags", cxxflags))
config.substitutions.append(("%cxx", config.cxx))
config.substitutions.append(("%expect-exit", sys.executable + " " + os.path.join(config.test_source_root, "Inputs", "expect_exit.py")))
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Inputs")))
