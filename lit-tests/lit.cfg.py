# lit configuration for weft-translate's tests. Substitutions:
#   %weft-translate   the translator          %weft-cxx   the compiler launcher (weft-c++)
#   %cxx              the C++ compiler         %cxxflags   -std=c++20 and weft's include path
#   %expect-exit N    runs the rest of the line and checks that it exits with status N
import os
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
config.substitutions.append(("%weft-translate", config.weft_translate))
config.substitutions.append(("%weft-cxx", config.weft_cxx_launcher))
config.substitutions.append(("%cxxflags", cxxflags))
config.substitutions.append(("%cxx", config.cxx))
import sys
config.substitutions.append(("%expect-exit", sys.executable + " " + os.path.join(config.test_source_root, "Inputs", "expect_exit.py")))
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Inputs")))
