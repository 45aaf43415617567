// runtime/log.hpp — WEFT_LOG_LEVEL-filtered diagnostics on stderr, one write per line,
// prefixed with the process id so interleaved output stays readable.
#pragma once
#include <sstream>
#include <string>

namespace weft::rt {
enum class LogLevel { error = 0, warn = 1, info = 2, debug = 3 };
LogLevel log_level();
void set_log_level(LogLevel);
void log_line(LogLevel level, const std::string& msg);

template <class... A>
void log(LogLevel level, const A&... a) {
    if (level > log_level()) return;
    std::ostringstream os;
    (os << ... << a);
    log_line(level, os.str());
}
template <class... A> void log_error(const A&... a) { log(LogLevel::error, a...); }
template <class... A> void log_warn(const A&... a) { log(LogLevel::warn, a...); }
template <class... A> void log_info(const A&... a) { log(LogLevel::info, a...); }
template <class... A> void log_debug(const A&... a) { log(LogLevel::debug, a...); }
}  // namespace weft::rt
