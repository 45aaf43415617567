// runtime/log.cpp — the WEFT_LOG_LEVEL logger.
#include "log.hpp"
#include "config.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "weft/cluster.hpp"

namespace weft::rt {
namespace {
LogLevel& level_ref() {
    static LogLevel l = config::log_level();
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
