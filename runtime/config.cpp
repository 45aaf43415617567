// runtime/config.cpp — the readers of weft's environment variables: the only place the
// runtime calls getenv for a WEFT_* name. Every bad value is an std::invalid_argument that
// says which variable, what it held, and what it accepts.
#include "config.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <initializer_list>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <utility>

#include "weft/cluster_manager.hpp"
#include "weft/threads.hpp"

namespace weft::rt::config {
namespace {

/// The value of `name`, or nullptr when it is unset or empty (both mean "the default").
const char* raw(const char* name) {
    const char* v = std::getenv(name);
    return v && *v ? v : nullptr;
}

[[noreturn]] void bad(const char* name, const char* value, const std::string& accepted) {
    throw std::invalid_argument(std::string("weft: ") + name + "=\"" + value + "\" is not " + accepted);
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

/// A whole number in [lo, hi], digits only (no sign, exponent or unit); nullopt otherwise.
std::optional<std::uint64_t> whole(std::string_view s, std::uint64_t lo, std::uint64_t hi) {
    s = trim(s);
    if (s.empty() || s.size() > 18) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (v < lo || v > hi) return std::nullopt;
    return v;
}

/// A whole-number variable: unset gives `dflt`; `what` names the quantity in the message.
std::uint64_t number(const char* name, std::uint64_t lo, std::uint64_t hi, std::uint64_t dflt, const char* what) {
    const char* v = raw(name);
    if (!v) return dflt;
    if (auto n = whole(v, lo, hi)) return *n;
    bad(name, v, std::string(what) + ": use a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) +
                     " (unset: " + std::to_string(dflt) + ")");
}

/// One of a few words; `what` names the kind in the error ("a log level: use error, warn
/// or debug (unset: warn)").
template <class E>
E choice(const char* name, const char* what, std::initializer_list<std::pair<std::string_view, E>> words, E dflt) {
    const char* v = raw(name);
    if (!v) return dflt;
    const std::string_view s = trim(v);
    std::string use, unset;
    std::size_t i = 0;
    for (const auto& [word, value] : words) {
        if (s == word) return value;
        if (value == dflt) unset = word;
        if (i > 0) use += i + 1 == words.size() ? " or " : ", ";
        use += word;
        ++i;
    }
    bad(name, v, std::string(what) + ": use " + use + " (unset: " + unset + ")");
}

bool boolean(const char* name, bool dflt) {
    const char* v = raw(name);
    if (!v) return dflt;
    std::string s(trim(v));
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (s == "1" || s == "true" || s == "yes" || s == "on") return true;
    if (s == "0" || s == "false" || s == "no" || s == "off") return false;
    bad(name, v, std::string("a yes/no value: use 1, true, yes or on, or 0, false, no or off (unset: ") +
                     (dflt ? "1" : "0") + ")");
}

bool is_ip(const std::string& s) {
    unsigned char buf[16];
    return ::inet_pton(AF_INET, s.c_str(), buf) == 1 || ::inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

int hardware_threads() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

template <auto Reader>
void check() {
    (void)Reader();
}

}  // namespace

std::optional<int> procs() {
    const char* v = raw("WEFT_PROCS");
    if (!v) return std::nullopt;
    if (trim(v) == "auto") return hardware_threads();
    if (auto n = whole(v, 0, 4096)) return static_cast<int>(*n);
    bad("WEFT_PROCS", v, "a worker count: use a whole number from 0 to 4096, or \"auto\" for one per core (" +
                             std::to_string(hardware_threads()) + " here)");
}

std::string machine_file() {
    const char* v = raw("WEFT_MACHINE_FILE");
    return v ? v : "";
}

std::string ssh() {
    const char* v = raw("WEFT_SSH");
    return v ? v : "ssh";
}

std::chrono::seconds worker_timeout() {
    return std::chrono::seconds(number("WEFT_WORKER_TIMEOUT", 1, 604800, 60, "a number of seconds"));
}

std::string bind_addr() {
    const char* v = raw("WEFT_BIND_ADDR");
    if (!v) return "";
    if (!is_ip(v))
        bad("WEFT_BIND_ADDR", v, "an IP address: use the IPv4 or IPv6 address of this host that the other processes "
                                 "reach, e.g. 10.0.0.5 (unset: 127.0.0.1, or 0.0.0.0 with restrict = false)");
    return v;
}

std::string master_addr() {
    const char* v = raw("WEFT_MASTER_ADDR");
    if (!v) return "";
    const std::string a = v;
    const auto colon = a.rfind(':');
    std::string host = colon == std::string::npos ? "" : a.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (colon == std::string::npos || !is_ip(host) || !whole(std::string_view(a).substr(colon + 1), 1, 65535))
        bad("WEFT_MASTER_ADDR", v, "an address to meet at: use <ip>:<port> of rank 0's host, e.g. 10.0.0.5:47400 or "
                                   "[fd00::5]:47400 (unset: derived from the launch, on one host only)");
    return a;
}

std::string cookie() {
    const char* v = raw("WEFT_COOKIE");
    if (!v) return "";
    if (std::string_view(v).find('\n') != std::string_view::npos)
        bad("WEFT_COOKIE", v, "a cookie: use one line of text, without a newline (unset: a random one)");
    return v;
}

std::string cookie_file() {
    const char* v = raw("WEFT_COOKIE_FILE");
    return v ? v : "";
}

LogLevel log_level() {
    return choice("WEFT_LOG_LEVEL", "a log level",
                  {{"error", LogLevel::error}, {"warn", LogLevel::warn}, {"info", LogLevel::info}, {"debug", LogLevel::debug}},
                  LogLevel::warn);
}

std::uint64_t max_frame() {
    return number("WEFT_MAX_FRAME", 1024, 1ull << 40, 1ull << 30, "a message size in bytes");
}

std::size_t task_stack_kb() {
    return static_cast<std::size_t>(number("WEFT_TASK_STACK_KB", 64, 1 << 20, 1024, "a task stack size in KiB"));
}

long spin_us() {
    return static_cast<long>(number("WEFT_SPIN_US", 0, 1'000'000, 50, "a spin time in microseconds"));
}

Transport transport() {
    const char* v = raw("WEFT_TRANSPORT");
    if (!v) return Transport::automatic;
    const std::string_view s = trim(v);
    if (s == "auto") return Transport::automatic;
    if (s == "tcp") return Transport::tcp;
#ifdef WEFT_HAVE_UCX
    if (s == "ucx") return Transport::ucx;
    bad("WEFT_TRANSPORT", v, "a transport: use auto, tcp or ucx (unset: auto)");
#else
    bad("WEFT_TRANSPORT", v, s == "ucx" ? "available: this weft was built without UCX (configure with -DWEFT_UCX=ON, "
                                          "libucx-dev installed), so use auto or tcp"
                                        : "a transport: use auto or tcp (unset: auto; ucx needs a build with WEFT_UCX=ON)");
#endif
}

InPlace ucx_in_place() {
    return choice("WEFT_UCX_IN_PLACE", "a choice",
                  {{"auto", InPlace::automatic}, {"yes", InPlace::yes}, {"no", InPlace::no}}, InPlace::automatic);
}

bool malloc_tuning() { return boolean("WEFT_MALLOC_TUNING", true); }
bool spmd() { return boolean("WEFT_SPMD", true); }
bool output_local() { return boolean("WEFT_OUTPUT_LOCAL", false); }
bool progress() { return boolean("WEFT_PROGRESS", false); }

std::optional<DashboardAddr> dashboard() {
    const char* v = raw("WEFT_DASHBOARD");
    if (!v) return std::nullopt;
    const std::string a(trim(v));
    const auto colon = a.rfind(':');
    DashboardAddr d{"127.0.0.1", 0};
    std::string_view port = a;
    if (colon != std::string::npos) {
        d.ip = a.substr(0, colon);
        if (d.ip.size() > 2 && d.ip.front() == '[' && d.ip.back() == ']') d.ip = d.ip.substr(1, d.ip.size() - 2);
        port = std::string_view(a).substr(colon + 1);
    }
    const auto n = whole(port, 0, 65535);
    if (!n || (colon != std::string::npos && !is_ip(d.ip)))
        bad("WEFT_DASHBOARD", v, "a dashboard address: use a port (e.g. 8787; 0 for any free one), or <ip>:<port> "
                                 "such as 0.0.0.0:8787 to serve other hosts too (unset: no dashboard)");
    d.port = static_cast<int>(*n);
    return d;
}

int num_threads() { return weft::threads::detail::parse_num_threads(std::getenv("WEFT_NUM_THREADS")); }

int threadpool_size() {
    return static_cast<int>(number("WEFT_THREADPOOL_SIZE", 1, 1024, 4, "a threadcall pool size"));
}

std::optional<long> threads_spin_us() {
    if (!raw("WEFT_THREADS_SPIN_US")) return std::nullopt;
    return static_cast<long>(number("WEFT_THREADS_SPIN_US", 0, 1'000'000, 0, "a spin time in microseconds"));
}

const std::vector<Variable>& variables() {
    static const std::vector<Variable> v = {
        {"WEFT_PROCS", "unset", &check<procs>},
        {"WEFT_MACHINE_FILE", "unset", &check<machine_file>},
        {"WEFT_SSH", "ssh", &check<ssh>},
        {"WEFT_WORKER_TIMEOUT", "60", &check<worker_timeout>},
        {"WEFT_BIND_ADDR", "127.0.0.1", &check<bind_addr>},
        {"WEFT_MASTER_ADDR", "derived", &check<master_addr>},
        {"WEFT_COOKIE", "random", &check<cookie>},
        {"WEFT_COOKIE_FILE", "unset", &check<cookie_file>},
        {"WEFT_OUTPUT_LOCAL", "0", &check<output_local>},
        {"WEFT_SPMD", "1", &check<spmd>},
        {"WEFT_LOG_LEVEL", "warn", &check<log_level>},
        {"WEFT_MAX_FRAME", "1073741824", &check<max_frame>},
        {"WEFT_TASK_STACK_KB", "1024", &check<task_stack_kb>},
        {"WEFT_SPIN_US", "50", &check<spin_us>},
        {"WEFT_TRANSPORT", "auto", &check<transport>},
        {"WEFT_UCX_IN_PLACE", "auto", &check<ucx_in_place>},
        {"WEFT_MALLOC_TUNING", "1", &check<malloc_tuning>},
        {"WEFT_PROGRESS", "0", &check<progress>},
        {"WEFT_DASHBOARD", "unset", &check<dashboard>},
        {"WEFT_NUM_THREADS", "auto", &check<num_threads>},
        {"WEFT_THREADPOOL_SIZE", "4", &check<threadpool_size>},
        {"WEFT_THREADS_SPIN_US", "1000", &check<threads_spin_us>},
    };
    return v;
}

void check_all() {
    std::string errors;
    for (const auto& var : variables()) {
        try {
            var.check();
        } catch (const std::invalid_argument& e) {
            errors += (errors.empty() ? "" : "\n") + std::string(e.what());
        }
    }
    if (!errors.empty()) throw std::invalid_argument(errors);
}

}  // namespace weft::rt::config

namespace weft::detail {
std::string ssh_client() { return rt::config::ssh(); }
}  // namespace weft::detail
