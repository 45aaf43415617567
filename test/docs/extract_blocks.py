#!/usr/bin/env python3
"""Extracts the C++ code blocks of README.md, docs/*.md and docs/pragmas/*.md into
compilable sources (test/docs/CMakeLists.txt builds them; label `docs`).

A block's info string says what it is:
  ```cpp                     a whole program: compiled and linked
  ```cpp runnable            a whole program, also run with 2 workers (WEFT_PROCS=2)
  ```cpp fragment            statements: wrapped in a function, compiled
  ```cpp fragment global     namespace-scope declarations: compiled
  ```cpp runnable fragment   statements: wrapped in main() after weft::init, compiled, run
  ```cpp sketch              generated code or a private interface, shown, never compiled
A runnable block followed by a ```text output block must print exactly that on stdout.
A fragment's context, the declarations of the names it uses, is in HTML comments (hidden
when the Markdown is shown) on the lines just before the fence: doc-context at namespace
scope, doc-locals at the top of the wrapping function:
  <!-- doc-context: long count_heads(long n); -->
  <!-- doc-locals: long n = 10; -->
Every source carries #line directives, so errors point into the Markdown file.

usage: extract_blocks.py <source dir> <output dir>
Writes <output dir>/<name>.cpp (and <name>.expected) and <output dir>/blocks.cmake, which
sets WEFT_DOC_BLOCKS to "<name>|<kind>|<run: 0/1>|<expected: 0/1>" entries.
"""
import pathlib
import re
import sys

PRELUDE = """#include <weft/weft.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <string>
#include <vector>
using namespace std::chrono_literals;
"""
KINDS = {"": "program", "runnable": "program", "fragment": "fragment",
         "fragment global": "global", "runnable fragment": "fragment", "sketch": "sketch"}
FENCE = re.compile(r"^(\s*)```(\S*)\s*(.*?)\s*$")  # fences may be indented (in a list)
CONTEXT = re.compile(r"<!--\s*doc-(context|locals):(.*?)-->", re.S)


def blocks(md: pathlib.Path, rel: str):
    """Yields (line of the first code line, info, code, expected output or None, context)."""
    lines = md.read_text().split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not lines[j].lstrip().startswith("```"):
            j += 1
        if j == len(lines):
            sys.exit(f"{rel}:{i + 1}: error: code block never closed")
        indent, lang, info = len(m.group(1)), m.group(2), m.group(3)
        if lang in ("cpp", "c++"):
            if info not in KINDS:
                sys.exit(f"{rel}:{i + 1}: error: unknown block kind '```{lang} {info}'; one of: "
                         + ", ".join(repr(k) for k in KINDS))
            # The context comments end on the line before the fence.
            context, k = {}, i - 1
            while k >= 0 and lines[k].rstrip().endswith("-->"):
                end = k
                while k >= 0 and "<!--" not in lines[k]:
                    k -= 1
                cm = CONTEXT.search("\n".join(lines[k:end + 1]))
                if not cm:
                    break
                context[cm.group(1)] = (k + 1, cm.group(2).strip())
                k -= 1
            # An output block right after it (blank lines between are allowed).
            expected, n = None, j + 1
            while n < len(lines) and lines[n].strip() == "":
                n += 1
            om = FENCE.match(lines[n]) if n < len(lines) else None
            if om and om.group(2) == "text" and om.group(3) == "output":
                e = n + 1
                while not lines[e].lstrip().startswith("```"):
                    e += 1
                expected = "\n".join(x[indent:] for x in lines[n + 1:e]) + "\n"
            yield i + 2, info, "\n".join(x[indent:] for x in lines[i + 1:j]), expected, context
        i = j + 1


def write_if_changed(path: pathlib.Path, text: str):
    """Leaves an unchanged file alone, so that a re-configure rebuilds only changed blocks."""
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def main():
    src, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    mds = [src / "README.md"] + sorted((src / "docs").glob("*.md")) + sorted((src / "docs/pragmas").glob("*.md"))
    entries, sketches = [], []
    for md in mds:
        rel = md.relative_to(src).as_posix()
        stem = re.sub(r"[^A-Za-z0-9]", "_", rel[:-3])
        for line, info, code, expected, context in blocks(md, rel):
            kind = KINDS[info]
            name = f"doc_{stem}_L{line - 1}"
            if kind == "sketch":
                sketches.append(f"{rel}:{line - 1}")
                continue
            run = info.startswith("runnable")
            if expected is not None and not run:
                sys.exit(f"{rel}:{line - 1}: error: an output block follows a block not marked runnable")
            if kind != "fragment" and "locals" in context:
                sys.exit(f"{rel}:{line - 1}: error: doc-locals needs a block marked fragment")
            text = [] if kind == "program" else [PRELUDE]
            if "context" in context:
                text += [f'#line {context["context"][0]} "{rel}"', context["context"][1]]
            locals_ = [f'#line {context["locals"][0]} "{rel}"', context["locals"][1]] if "locals" in context else []
            body = [f'#line {line} "{rel}"', code]
            if kind in ("program", "global"):
                text += body
            elif run:
                text += ["int main(int argc, char** argv) {", "weft::init(argc, argv);"] + locals_ + body + ["}"]
            else:
                text += ["[[maybe_unused]] static void weft_doc_block() {"] + locals_ + body + ["}"]
            write_if_changed(out / f"{name}.cpp", "\n".join(text) + "\n")
            if expected is not None:
                write_if_changed(out / f"{name}.expected", expected)
            link = 1 if kind == "program" or run else 0
            entries.append(f"{name}|{'exe' if link else 'obj'}|{int(run)}|{int(expected is not None)}")
    cm = ["# Generated by test/docs/extract_blocks.py: name|exe or obj|run|expected output"]
    cm.append("set(WEFT_DOC_BLOCKS\n  " + "\n  ".join(f'"{e}"' for e in entries) + ")")
    cm.append("set(WEFT_DOC_SKETCHES\n  " + "\n  ".join(f'"{s}"' for s in sketches) + ")")
    cm.append("set(WEFT_DOC_FILES\n  " + "\n  ".join(f'"{m}"' for m in mds) + ")")
    write_if_changed(out / "blocks.cmake", "\n".join(cm) + "\n")
    # Blocks that moved or went away leave no stale sources behind.
    kept = {e.split("|")[0] for e in entries}
    for f in list(out.glob("doc_*.cpp")) + list(out.glob("doc_*.expected")):
        if f.stem not in kept:
            f.unlink()


if __name__ == "__main__":
    main()
