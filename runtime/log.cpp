// runtime/log.cpp — the WEFT_LOG_LEVEL logger.
#include "log.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "weft/cluster.hpp"

namespace weft::rt {
namespace {
LogLevel parse_level() {
    const char* v = std::getenv("WEFT_LOG_LEVEL");
    if (!v || !*v) return LogLevel::warn;
    if (!std::strcmp(v, "error")) return LogLevel::error;
    if (!std::strcmp(v, "warn")) return LogLevel::warn;
    if (!std::strcmp(v, "info")) return LogLevel::info;
    if (!std::strcmp(v, "debug")) return LogLevel::debug;
    std::string m = std::string("weft: WEFT_LOG_LEVEL='") + v + "' is not one of error|warn|info|debug; using warn\n";
    (void)!::write(2, m.data(), m.size());
    return LogLevel::warn;
}
LogLevel& level_ref() {
    static LogLevel l = parse_level();
    return l;
}
const char* names[] = {"error", "warning", "info", "debug"};
}  // namespace

LogLevel log_level() { return level_ref(); }
void set_log_level(LogLevel l) { level_ref() = l; }

void log_line(LogLevel level, const std::string& msg) {
    std::string line = "weft[" + std::to_string(weft::myid()) + ", pid " + std::to_string(::getpid()) + "] " +
                       names[static_cast<int>(level)] + ": " + msg + "\n";
    (void)!::write(2, line.data(), line.size());
}
}  // namespace weft::rt
