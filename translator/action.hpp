// action.hpp — the FrontendAction that translates one file: registers the pragma handler,
// and after parsing attaches pragmas, runs each directive's rewrite and assembles the output.
#pragma once

#include "translator.hpp"

#include <clang/Tooling/Tooling.h>

namespace weft::tr {

/// The result of translating one input.
struct FileResult {
    bool done = false;                 ///< parsed without errors and translated
    std::string output;                ///< the translated text (the input itself if unannotated)
    std::vector<std::string> depends;  ///< every file the preprocessor read (for --depfile)
};

/// Shared by the actions of one run of the tool.
struct ToolState {
    Options opts;
    std::map<std::string, std::string> display_names;  ///< absolute path -> name as given
    std::map<std::string, FileResult> results;          ///< by absolute path
};

std::unique_ptr<clang::tooling::FrontendActionFactory> make_action_factory(ToolState& state);

}  // namespace weft::tr
