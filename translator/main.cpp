// main.cpp — weft-translate's command line: options, the compilation database, the run,
// and the outputs. Exit 0 on success, 1 on diagnostics, 2 on usage errors.
#include "action.hpp"

#include <clang/Basic/Version.h>
#include <clang/Frontend/TextDiagnosticPrinter.h>
#include <clang/Lex/Preprocessor.h>
#include <clang/Tooling/CompilationDatabase.h>
#include <clang/Tooling/Tooling.h>
#include <llvm/Support/CrashRecoveryContext.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/Path.h>
#include <llvm/Support/raw_ostream.h>

#include <cstdio>
#include <map>
#include <optional>

namespace {

const char kUsage[] =
    "usage: weft-translate [options] <file>... [-- <compiler flags>]\n"
    "Translates C++ annotated with '#pragma weft' into C++ that calls the weft runtime.\n"
    "\n"
    "options:\n"
    "  -o <file>               write the output to <file> ('-' for stdout; one input only)\n"
    "  --output-dir <dir>      write each output to <dir>/<input file name>\n"
    "  -p <build dir>          read compile flags from <build dir>/compile_commands.json: the\n"
    "                          file's own command, else that of its translation by\n"
    "                          weft_translate() (mapped back), else one inferred from a\n"
    "                          neighbouring file\n"
    "  --extra-arg=<flag>      append <flag> to the compiler flags (repeatable)\n"
    "  --extra-arg-before=<flag>  prepend <flag> to the compiler flags (repeatable)\n"
    "  --no-line-directives    do not emit #line directives\n"
    "  --depfile <file>        write a Makefile dependency file for the output (one input)\n"
    "  --version               print the version and exit\n"
    "  -h, --help              print this help and exit\n"
    "Without -o or --output-dir, the output goes to stdout.\n"
    "Exit status: 0 success, 1 any error (in the input, its flags or the output), 2 usage errors.\n";

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
    std::vector<std::string> extra_after, extra_before;  ///< --extra-arg, --extra-arg-before
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
        } else if (arg.rfind("--extra-arg-before", 0) == 0 && (arg.size() == 18 || arg[18] == '=')) {
            std::string v;
            if (!value(i, arg, "--extra-arg-before", v)) return usage_error("--extra-arg-before needs a flag");
            a.extra_before.push_back(v);
        } else if (arg.rfind("--extra-arg", 0) == 0 && (arg.size() == 11 || arg[11] == '=')) {
            std::string v;
            if (!value(i, arg, "--extra-arg", v)) return usage_error("--extra-arg needs a flag");
            a.extra_after.push_back(v);
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

std::string absolute(llvm::StringRef path) {
    llvm::SmallString<256> abs(path);
    llvm::sys::fs::make_absolute(abs);
    llvm::sys::path::remove_dots(abs, /*remove_dot_dot=*/true);
    return std::string(abs);
}

/// compile_commands.json as -p reads it: the file's own entry; else the entry of its
/// translation by weft_translate() (<build>/weft_translated/<target>/<path>), mapped back
/// to the file; else a command inferred from a neighbouring file (clang's interpolation).
class TwinDatabase : public clang::tooling::CompilationDatabase {
  public:
    TwinDatabase(std::unique_ptr<clang::tooling::CompilationDatabase> exact,
                 std::unique_ptr<clang::tooling::CompilationDatabase> guessed)
        : exact_(std::move(exact)), guessed_(std::move(guessed)) {}

    std::vector<clang::tooling::CompileCommand> getCompileCommands(llvm::StringRef file) const override {
        std::vector<clang::tooling::CompileCommand> own = exact_->getCompileCommands(file);
        if (!own.empty()) return {own.front()};  // one translation, with the first (as clangd)
        const std::string path = absolute(file);
        const llvm::StringRef marker = "/weft_translated/";
        std::optional<clang::tooling::CompileCommand> best;
        size_t best_len = 0;
        for (const clang::tooling::CompileCommand& c : exact_->getAllCompileCommands()) {
            llvm::SmallString<256> twin(c.Filename);
            llvm::sys::fs::make_absolute(c.Directory, twin);
            llvm::StringRef t(twin);
            size_t at = t.find(marker);
            if (at == llvm::StringRef::npos) continue;
            llvm::StringRef rel = t.substr(at + marker.size()).split('/').second;  // past <target>/
            if (rel.empty() || rel.size() <= best_len || !llvm::StringRef(path).ends_with(rel) ||
                path[path.size() - rel.size() - 1] != '/')
                continue;
            best = c;
            best_len = rel.size();
            for (std::string& arg : best->CommandLine)
                if (arg == c.Filename || arg == t) arg = path;
            best->Filename = path;
            best->Heuristic = "the command of its translation " + t.str();
        }
        if (best) return {*best};
        return guessed_->getCompileCommands(file);
    }
    std::vector<std::string> getAllFiles() const override { return exact_->getAllFiles(); }
    std::vector<clang::tooling::CompileCommand> getAllCompileCommands() const override {
        return exact_->getAllCompileCommands();
    }

  private:
    std::unique_ptr<clang::tooling::CompilationDatabase> exact_, guessed_;
};

/// Prints diagnostics as clang does, each with its compilation's own options, and counts
/// the errors, the driver's included (ClangTool's status misses those: a flag taken for
/// a missing input file would print an error and still exit 0).
class CountingPrinter : public clang::DiagnosticConsumer {
  public:
    /// Errors of every file and of the driver.
    unsigned errors() const { return errors_; }

    void BeginSourceFile(const clang::LangOptions& lo, const clang::Preprocessor* pp) override {
        clear();  // "N errors generated." counts this file's
        current_ = pp ? &printer_for(pp->getDiagnostics().getDiagnosticOptions()) : nullptr;
        if (current_) current_->BeginSourceFile(lo, pp);
    }
    void EndSourceFile() override {
        if (current_) current_->EndSourceFile();
        current_ = nullptr;
    }
    void HandleDiagnostic(clang::DiagnosticsEngine::Level level, const clang::Diagnostic& info) override {
        DiagnosticConsumer::HandleDiagnostic(level, info);
        if (level >= clang::DiagnosticsEngine::Error) ++errors_;
        clang::TextDiagnosticPrinter& p =
            info.getLocation().isValid() && current_ ? *current_ : printer_for(info.getDiags()->getDiagnosticOptions());
        p.HandleDiagnostic(level, info);
    }

  private:
    clang::TextDiagnosticPrinter& printer_for(clang::DiagnosticOptions& opts) {
        std::unique_ptr<clang::TextDiagnosticPrinter>& p = printers_[&opts];
        if (!p) p = std::make_unique<clang::TextDiagnosticPrinter>(llvm::errs(), &opts);
        return *p;
    }
    // Each printer holds a reference to its options: their address is not reused.
    std::map<const clang::DiagnosticOptions*, std::unique_ptr<clang::TextDiagnosticPrinter>> printers_;
    clang::TextDiagnosticPrinter* current_ = nullptr;
    unsigned errors_ = 0;
};

}  // namespace

int main(int argc, const char** argv) {
    Args a;
    if (int rc = parse_args(argc, argv, a); rc >= 0) return rc;

    // The compile flags: -p's database, else the flags after `--`, else none.
    std::unique_ptr<clang::tooling::CompilationDatabase> db;
    if (!a.build_dir.empty()) {
        std::string err;
        auto exact = clang::tooling::CompilationDatabase::loadFromDirectory(a.build_dir, err);
        auto guessed = exact ? clang::tooling::CompilationDatabase::loadFromDirectory(a.build_dir, err) : nullptr;
        if (!exact || !guessed) return usage_error("-p " + a.build_dir + ": " + err);
        db = std::make_unique<TwinDatabase>(std::move(exact),
                                            clang::tooling::inferMissingCompileCommands(std::move(guessed)));
    } else {
        db = std::make_unique<clang::tooling::FixedCompilationDatabase>(".", a.flags);
    }

    weft::tr::ToolState state;
    state.opts.line_directives = a.line_directives;
    for (const std::string& in : a.inputs) state.display_names[absolute(in)] = in;

    // What weft-translate adds to each command: the flags after `--` (with -p) and
    // --extra-arg at the end, --extra-arg-before at the start, and what a clang-based
    // tool outside LLVM's bin/ needs. Added before the `--` that ends the options of an
    // inferred command, never after it (there they would be taken for input files).
    std::vector<std::string> after = a.build_dir.empty() ? std::vector<std::string>{} : a.flags;
    after.insert(after.end(), a.extra_after.begin(), a.extra_after.end());
    std::vector<std::string> before = a.extra_before;
    std::string include_dir = weft_include_dir(argv[0]);
    auto adjust = [after, before, include_dir](const clang::tooling::CommandLineArguments& args, llvm::StringRef) {
        clang::tooling::CommandLineArguments out = args;
        auto options_end = std::find(out.begin(), out.end(), "--");
        bool std_given = false, resource_given = false;
        for (auto it = out.begin(); it != options_end; ++it) {
            std_given |= it->rfind("-std=", 0) == 0 || it->rfind("--std", 0) == 0;
            resource_given |= it->rfind("-resource-dir", 0) == 0;
        }
        for (const std::string& s : after) std_given |= s.rfind("-std=", 0) == 0 || s.rfind("--std", 0) == 0;
        std::vector<std::string> add = after;
        if (!std_given) add.push_back("-std=c++20");
        if (!resource_given) add.push_back("-resource-dir=" WEFT_CLANG_RESOURCE_DIR);
        add.insert(add.end(), {"-idirafter", include_dir, "-Wno-unknown-warning-option"});
        out.insert(options_end, add.begin(), add.end());
        out.insert(out.empty() ? out.end() : out.begin() + 1, before.begin(), before.end());
        return out;
    };

    // One ClangTool per input (a tool over several files prints progress lines).
    int rc = 0;
    CountingPrinter printer;
    auto factory = weft::tr::make_action_factory(state);
    llvm::CrashRecoveryContext::Enable();
    for (const std::string& in : a.inputs) {
        clang::tooling::ClangTool tool(*db, {in});
        tool.setPrintErrorMessage(false);
        tool.setDiagnosticConsumer(&printer);
        tool.appendArgumentsAdjuster(adjust);
        llvm::CrashRecoveryContext crc;
        if (!crc.RunSafely([&] { rc |= tool.run(factory.get()); })) {
            llvm::errs() << "weft-translate: internal error: crashed while translating '" << in
                         << "'; please report this input\n";
            return 1;
        }
    }

    if (printer.errors() > 0) rc = 1;
    for (const std::string& in : a.inputs) {
        auto it = state.results.find(absolute(in));
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
