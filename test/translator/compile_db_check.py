"""Issue 16: weft-translate -p and clangd on weft's own CMake build tree, for an annotated
source of a weft_translate() target.
  1. `weft-translate -p <build> <source>` uses the source's own compile_commands.json
     entry (written by weft_translate()): exit 0, nothing on stderr.
  2. With only the entry of its translation (weft_translated/<target>/...), the command is
     mapped back: exit 0, nothing on stderr. With only a neighbour's entry, clang infers
     one (a command ending in `-- <file>`): exit 0, nothing on stderr.
  3. An error, even one of the driver's (an unknown flag via --extra-arg): exit 1.
  4. `clangd --check=<source>` finds the entry (not a fallback command), with the
     target's flags, and reports no error.
   compile_db_check.py <weft-translate> <clangd> <build dir> <source> <translated twin> <flag>"""
import json
import os
import subprocess
import sys
import tempfile

translate, clangd, build, source, twin, flag = sys.argv[1:7]
failures = []


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)
        print(detail)


def translate_with(db_dir, *extra):
    p = subprocess.run([translate, "-p", db_dir, *extra, source, "-o", os.devnull], capture_output=True, text=True)
    return p.returncode, p.stderr


rc, err = translate_with(build)
check("-p <build>: exit 0, stderr empty", rc == 0 and err == "", f"exit {rc}\n{err}")

entries = json.load(open(os.path.join(build, "compile_commands.json")))
real = os.path.realpath
with tempfile.TemporaryDirectory() as tmp:
    only_twin = [e for e in entries if real(e["file"]) == real(twin)]
    check("the build has an entry for the translation", len(only_twin) == 1)
    json.dump(only_twin, open(os.path.join(tmp, "compile_commands.json"), "w"))
    rc, err = translate_with(tmp)
    check("-p with the translation's entry only: exit 0, stderr empty", rc == 0 and err == "", f"exit {rc}\n{err}")

    neighbour = [e for e in entries if e["file"].endswith(".cpp") and "weft_translated" not in e["file"]
                 and real(e["file"]) != real(source)][:1]
    json.dump(neighbour, open(os.path.join(tmp, "compile_commands.json"), "w"))
    rc, err = translate_with(tmp)
    check("-p with a neighbour's entry only (inferred): exit 0, stderr empty", rc == 0 and err == "",
          f"exit {rc}\n{err}")

rc, err = translate_with(build, "--extra-arg=-fno-such-flag-for-weft")
check("-p with an unknown flag: exit 1 and the driver's error", rc == 1 and "-fno-such-flag-for-weft" in err,
      f"exit {rc}\n{err}")
rc, err = translate_with(build, "--extra-arg=-include", "--extra-arg=no-such-header.h")
check("-p with an error in the source's flags: exit 1", rc == 1 and "no-such-header.h" in err, f"exit {rc}\n{err}")

p = subprocess.run([clangd, "--check=" + source, "--compile-commands-dir=" + build], capture_output=True, text=True)
out = p.stdout + p.stderr
check("clangd --check: the source's own entry", "Compile command from CDB is" in out, out[-3000:])
command = next((l for l in out.splitlines() if "Compile command from CDB is" in l), "")
check("clangd --check: the target's flags (" + flag + ")", flag in command, command)
check("clangd --check: no error", p.returncode == 0 and "All checks completed, 0 errors" in out, out[-3000:])
sys.exit(1 if failures else 0)
