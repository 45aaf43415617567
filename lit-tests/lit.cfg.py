# lit configuration for weft-translate's tests. Substitutions:
#   %weft-translate   the translator, then clang++ -fsyntax-only on each output it wrote
#   %weft-translate-only  the translator alone (an input with an error only a compiler sees)
#   %weft-cxx         the compiler launcher (weft-c++)
#   %cxx              the C++ compiler         %cxxflags   -std=c++20 and weft's include path
#   %expect-exit N    runs the rest of the line and checks that it exits with status N
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
# %weft-translate compiles what it translated (Inputs/translate_and_compile.py), with
# clang++ and weft's headers precompiled once per run.
clangxx = os.path.join(config.llvm_tools_dir, "clang++")
pch = os.path.join(config.test_exec_root, "weft.hpp.pch")
weft_hpp = os.path.join(config.weft_include, "weft", "weft.hpp")
headers = [os.path.join(d, f) for d, _, fs in os.walk(config.weft_include) for f in fs]
compiled = os.path.join(config.test_exec_root, "compiled-outputs")  # outputs known to compile
if not os.path.exists(pch) or os.path.getmtime(pch) < max(os.path.getmtime(h) for h in headers):
    shutil.rmtree(compiled, ignore_errors=True)
    if subprocess.run([clangxx, "-x", "c++-header", *cxxflags.split(), weft_hpp, "-o", pch]).returncode != 0:
        pch = "-"
config.substitutions.append(("%weft-translate", " ".join([
    sys.executable, os.path.join(config.test_source_root, "Inputs", "translate_and_compile.py"),
    config.weft_translate, clangxx, pch, compiled,
    '"' + cxxflags + '"'])))
config.substitutions.append(("%weft-cxx", config.weft_cxx_launcher))
config.substitutions.append(("%cxxflags", cxxflags))
config.substitutions.append(("%cxx", config.cxx))
config.substitutions.append(("%expect-exit", sys.executable + " " + os.path.join(config.test_source_root, "Inputs", "expect_exit.py")))
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Inputs")))
