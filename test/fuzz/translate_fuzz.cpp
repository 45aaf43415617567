// test/fuzz/translate_fuzz.cpp — libFuzzer target: weft-translate's translation of one
// source file (the action weft-translate runs: pragma parsing, attachment, every rewrite,
// the registrations), on mutated C++. The input is the main file, parsed in memory with
// the flags weft-translate adds. <weft/weft.hpp> is precompiled once at start-up and
// included in front of every input, so an input that includes it parses in milliseconds
// rather than a second. A run fails on a crash, a sanitizer report, or a translation that
// succeeded without producing its output. Seeds: the lit tests (lit-tests/**/*.cpp) and
// test/fuzz/corpus/translate/; dictionary: test/fuzz/translate.dict.
// Reproduce a crash: build-fuzz/test/fuzz/translate_fuzz <crash-file> (docs/testing.md).
#include "action.hpp"

#include <clang/Basic/Diagnostic.h>
#include <clang/Basic/FileManager.h>
#include <clang/Frontend/FrontendActions.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/VirtualFileSystem.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

/// Diagnostics are the expected outcome of most inputs: count them, print nothing.
class Quiet : public clang::DiagnosticConsumer {};

std::string pch_path;  // <weft/weft.hpp> precompiled, in a directory of its own

/// weft-translate's flags for `file`; with_pch: a translation (syntax only, after the
/// precompiled header), else the header's precompilation.
std::vector<std::string> command(const char* file, bool with_pch) {
    std::vector<std::string> c = {"weft-translate", with_pch ? "-fsyntax-only" : "-xc++-header", "-std=c++20",
                                  "-resource-dir=" WEFT_CLANG_RESOURCE_DIR, "-idirafter", WEFT_SOURCE_INCLUDE_DIR,
                                  "-Wno-unknown-warning-option"};
    if (with_pch) c.insert(c.end(), {"-include-pch", pch_path, "-fno-caret-diagnostics"});  // no "N errors generated."
    // Templates the header uses are instantiated once, in the PCH: otherwise each input
    // instantiates them again (0.45 s per input instead of 0.05).
    else c.insert(c.end(), {"-fpch-instantiate-templates", "-o", pch_path});
    c.push_back(file);
    return c;
}

/// Runs `action` on `code` as the main file `file`; false if clang could not run it.
/// Diagnostics are printed only when `loud`.
bool run(std::unique_ptr<clang::FrontendAction> action, const std::string& code, const char* file, bool with_pch,
         bool loud = false) {
    auto memory = llvm::makeIntrusiveRefCnt<llvm::vfs::InMemoryFileSystem>();
    auto overlay = llvm::makeIntrusiveRefCnt<llvm::vfs::OverlayFileSystem>(llvm::vfs::getRealFileSystem());
    overlay->pushOverlay(memory);
    memory->addFile(file, 0, llvm::MemoryBuffer::getMemBufferCopy(code, file));
    auto files = llvm::makeIntrusiveRefCnt<clang::FileManager>(clang::FileSystemOptions(), overlay);
    clang::tooling::ToolInvocation invocation(command(file, with_pch), std::move(action), files.get());
    Quiet quiet;
    if (!loud) invocation.setDiagnosticConsumer(&quiet);
    return invocation.run();
}

weft::tr::FileResult translate(const std::string& code, bool loud = false) {
    weft::tr::ToolState state;
    auto factory = weft::tr::make_action_factory(state);
    run(factory->create(), code, "/fuzz/input.cpp", true, loud);
    auto it = state.results.find("/fuzz/input.cpp");
    return it == state.results.end() ? weft::tr::FileResult{} : it->second;
}

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "translate_fuzz: %s\n", what.c_str());
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    llvm::SmallString<128> dir;
    if (llvm::sys::fs::createUniqueDirectory("weft-translate-fuzz", dir))
        die("cannot create a directory for the precompiled header under $TMPDIR");
    pch_path = std::string(dir) + "/weft.hpp.pch";
    std::atexit([] {
        llvm::sys::fs::remove(pch_path);
        llvm::sys::fs::remove(llvm::sys::path::parent_path(pch_path) + "/weft-all.hpp");
        llvm::sys::fs::remove(llvm::sys::path::parent_path(pch_path));
    });
    // The header precompiled is a file on disk beside the PCH: every later input's
    // compilation checks that the files the PCH was made from are still there.
    const std::string header = std::string(dir) + "/weft-all.hpp";
    {
        std::error_code ec;
        llvm::raw_fd_ostream os(header, ec);
        if (ec) die("cannot write " + header + ": " + ec.message());
        os << "#include <weft/weft.hpp>\n";
    }
    auto files = llvm::makeIntrusiveRefCnt<clang::FileManager>(clang::FileSystemOptions());
    clang::tooling::ToolInvocation pch(command(header.c_str(), false), std::make_unique<clang::GeneratePCHAction>(),
                                       files.get());
    if (!pch.run()) die("cannot precompile <weft/weft.hpp> from " WEFT_SOURCE_INCLUDE_DIR);

    // The probe: a program that uses the header and a rewrite translates, and the rewrite
    // happened. Without it a broken set-up would fuzz nothing but parse errors.
    const char* program =
        "#include <weft/weft.hpp>\n"
        "int twice(int x) { return 2 * x; }\n"
        "int main() {\n"
        "#pragma weft spawn\n"
        "    auto r = twice(21);\n"
        "    return weft::fetch(r) == 42 ? 0 : 1;\n"
        "}\n";
    weft::tr::FileResult probe = translate(program);
    if (!probe.done || probe.output.find("weft::spawnat") == std::string::npos) {
        translate(program, true);  // again, printing what clang said
        die("the probe program did not translate (is the precompiled header usable?):\n" + probe.output);
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 16384) return 0;  // the seeds are under 8 KiB; bigger inputs only parse slower
    weft::tr::FileResult r = translate(std::string(reinterpret_cast<const char*>(data), size));
    if (r.done && r.output.empty() && size > 0) die("the translation succeeded with an empty output");
    return 0;
}
