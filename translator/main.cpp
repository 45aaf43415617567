// main.cpp — weft-translate's command line: options, the compilation database, the run,
// and the outputs. Exit 0 on success, 1 on diagnostics, 2 on usage errors.
#include "action.hpp"

#include <clang/Basic/Version.h>
#include <clang/Tooling/CompilationDatabase.h>
#include <clang/Tooling/Tooling.h>
#include <llvm/Support/CrashRecoveryContext.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/Path.h>
#include <llvm/Support/raw_ostream.h>

#include <cstdio>

namespace {

const char kUsage[] =
    "usage: weft-translate [options] <file>... [-- <compiler flags>]\n"
    "Translates C++ annotated with '#pragma weft' into C++ that calls the weft runtime.\n"
    "\n"
    "options:\n"
    "  -o <file>               write the output to <file> ('-' for stdout; one input only)\n"
    "  --output-dir <dir>      write each output to <dir>/<input file name>\n"
    "  -p <build dir>          read compile flags from <build dir>/compile_commands.json\n"
    "  --no-line-directives    do not emit #line directives\n"
    "  --depfile <file>        write a Makefile dependency file for the output (one input)\n"
    "  --version               print the version and exit\n"
    "  -h, --help              print this help and exit\n"
    "Without -o or --output-dir, the output goes to stdout.\n"
    "Exit status: 0 success, 1 diagnostics (errors in the input), 2 usage errors.\n";

int usage_error(const std::string& msg) {
    llvm::errs() << "weft-translate: error: " << msg << "\n"
                 << "run 'weft-translate --help' for usage\n";
    return 2;
}

struct Args {
    std::vector<std::string> inputs;
    std::string output, output_dir, build_dir, depfile;
    bool have_flags = false;
    std::vector<std::string> flags;
    bool line_directives = true;
};

/// Parses argv; returns -1 to go on, else an exit code.
int parse_args(int argc, const char** argv, Args& a) {
    auto value = [&](int& i, const std::string& arg, const std::string& name, std::string& out) -> bool {
        if (arg == name) {
            if (i + 1 >= argc) return false;
            out = argv[++i];
            return true;
        }
        out = arg.substr(name.size() + (arg[name.size()] == '=' ? 1 : 0));
        return true;
    };
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--") {
            a.have_flags = true;
            for (++i; i < argc; ++i) a.flags.push_back(argv[i]);
            break;
        }
        if (arg == "--version") {
            llvm::outs() << "weft-translate " << WEFT_VERSION_STRING << " (Clang " << CLANG_VERSION_STRING << ")\n";
            return 0;
        }
        if (arg == "-h" || arg == "--help") {
            llvm::outs() << kUsage;
            return 0;
        }
        if (arg == "--no-line-directives") {
            a.line_directives = false;
        } else if (arg.rfind("--output-dir", 0) == 0 && (arg.size() == 12 || arg[12] == '=')) {
            if (!value(i, arg, "--output-dir", a.output_dir)) return usage_error("--output-dir needs a directory");
        } else if (arg.rfind("--depfile", 0) == 0 && (arg.size() == 9 || arg[9] == '=')) {
            if (!value(i, arg, "--depfile", a.depfile)) return usage_error("--depfile needs a file");
        } else if (arg.rfind("-o", 0) == 0) {
            if (!value(i, arg, "-o", a.output)) return usage_error("-o needs a file");
        } else if (arg.rfind("-p", 0) == 0) {
            if (!value(i, arg, "-p", a.build_dir)) return usage_error("-p needs a build directory");
        } else if (arg.size() > 1 && arg[0] == '-') {
            return usage_error("unknown option '" + arg + "'");
        } else {
            a.inputs.push_back(arg);
        }
    }
    if (a.inputs.empty()) return usage_error("no input files");
    if (!a.output.empty() && !a.output_dir.empty()) return usage_error("-o and --output-dir cannot be combined");
    if (!a.output.empty() && a.inputs.size() > 1) return usage_error("-o needs exactly one input; use --output-dir");
    if (!a.depfile.empty() && a.inputs.size() > 1) return usage_error("--depfile needs exactly one input");
    if (a.output.empty() && a.output_dir.empty() && a.inputs.size() > 1)
        return usage_error("several inputs need --output-dir");
    return -1;
}

/// The weft headers to fall back on: <prefix>/include beside an installed binary, else
/// the source tree this binary was built from.
std::string weft_include_dir(const char* argv0) {
    std::string exe = llvm::sys::fs::getMainExecutable(argv0, reinterpret_cast<void*>(&weft_include_dir));
    llvm::SmallString<256> dir(llvm::sys::path::parent_path(llvm::sys::path::parent_path(exe)));
    llvm::sys::path::append(dir, "include");
    llvm::SmallString<256> probe(dir);
    llvm::sys::path::append(probe, "weft", "weft.hpp");
    if (llvm::sys::fs::exists(probe)) return std::string(dir);
    return WEFT_SOURCE_INCLUDE_DIR;
}

bool write_file(const std::string& path, const std::string& text) {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
    if (ec) {
        llvm::errs() << "weft-translate: error: cannot write '" << path << "': " << ec.message() << "\n";
        return false;
    }
    os << text;
    return true;
}

}  // namespace

int main(int argc, const char** argv) {
    Args a;
    if (int rc = parse_args(argc, argv, a); rc >= 0) return rc;

    // The compile flags: -p's database, else the flags after `--`, else none.
    std::unique_ptr<clang::tooling::CompilationDatabase> db;
    if (!a.build_dir.empty()) {
        std::string err;
        db = clang::tooling::CompilationDatabase::loadFromDirectory(a.build_dir, err);
        if (!db) return usage_error("-p " + a.build_dir + ": " + err);
        db = clang::tooling::inferMissingCompileCommands(std::move(db));
    } else {
        db = std::make_unique<clang::tooling::FixedCompilationDatabase>(".", a.flags);
    }

    weft::tr::ToolState state;
    state.opts.line_directives = a.line_directives;
    for (const std::string& in : a.inputs) {
        llvm::SmallString<256> abs(in);
        llvm::sys::fs::make_absolute(abs);
        llvm::sys::path::remove_dots(abs, /*remove_dot_dot=*/true);
        state.display_names[std::string(abs)] = in;
    }

    std::vector<std::string> extra = a.build_dir.empty() ? std::vector<std::string>{} : a.flags;
    std::string include_dir = weft_include_dir(argv[0]);
    auto adjust = [extra, include_dir](const clang::tooling::CommandLineArguments& args, llvm::StringRef) {
        clang::tooling::CommandLineArguments out = args;
        bool std_given = false, resource_given = false;
        for (const std::string& s : args) {
            std_given |= s.rfind("-std=", 0) == 0 || s.rfind("--std", 0) == 0;
            resource_given |= s.rfind("-resource-dir", 0) == 0;
        }
        out.insert(out.end(), extra.begin(), extra.end());
        if (!std_given) out.push_back("-std=c++20");
        if (!resource_given) out.push_back("-resource-dir=" WEFT_CLANG_RESOURCE_DIR);
        out.push_back("-idirafter");
        out.push_back(include_dir);
        out.push_back("-Wno-unknown-warning-option");
        return out;
    };

    // One ClangTool per input (a tool over several files prints progress lines).
    int rc = 0;
    auto factory = weft::tr::make_action_factory(state);
    llvm::CrashRecoveryContext::Enable();
    for (const std::string& in : a.inputs) {
        clang::tooling::ClangTool tool(*db, {in});
        tool.setPrintErrorMessage(false);
        tool.appendArgumentsAdjuster(adjust);
        llvm::CrashRecoveryContext crc;
        if (!crc.RunSafely([&] { rc |= tool.run(factory.get()); })) {
            llvm::errs() << "weft-translate: internal error: crashed while translating '" << in
                         << "'; please report this input\n";
            return 1;
        }
    }

    for (const std::string& in : a.inputs) {
        llvm::SmallString<256> abs(in);
        llvm::sys::fs::make_absolute(abs);
        llvm::sys::path::remove_dots(abs, true);
        auto it = state.results.find(std::string(abs));
        if (it == state.results.end() || !it->second.done) {
            rc = 1;
            continue;
        }
        const weft::tr::FileResult& r = it->second;
        std::string out_path = a.output;
        if (!a.output_dir.empty()) {
            llvm::SmallString<256> p(a.output_dir);
            llvm::sys::path::append(p, llvm::sys::path::filename(in));
            out_path = std::string(p);
        }
        if (out_path.empty() || out_path == "-") {
            llvm::outs() << r.output;
            llvm::outs().flush();
        } else if (!write_file(out_path, r.output)) {
            rc = 1;
        }
        if (!a.depfile.empty()) {
            std::string d = (out_path.empty() ? "-" : out_path) + ":";
            std::vector<std::string> deps(r.depends);
            std::sort(deps.begin(), deps.end());
            deps.insert(deps.begin(), in);
            for (const std::string& f : deps) {
                std::string esc;
                for (char c : f) esc += (c == ' ' || c == '#' || c == '$') ? std::string("\\") + c : std::string(1, c);
                d += " \\\n  " + esc;
            }
            if (!write_file(a.depfile, d + "\n")) rc = 1;
        }
    }
    return rc ? 1 : 0;
}
