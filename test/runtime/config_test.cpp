// test/runtime/config_test.cpp — the WEFT_* environment variables (runtime/config.cpp):
// every bad value is rejected with the variable, the value and what is accepted; good
// values are read as documented; weft::init and a worker refuse a bad environment; the
// table in docs/runtime.md lists exactly the variables the runtime reads. The effect of
// each variable is tested where it acts (list in docs/runtime.md, "Environment").
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include <weft/weft.hpp>

#include "../../runtime/config.hpp"

namespace config = weft::rt::config;

namespace {
int whoami() { return weft::myid(); }

/// Sets (or with nullptr unsets) a variable for the scope, then restores it.
class ScopedEnv {
  public:
    ScopedEnv(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value) ::setenv(name, value, 1);
        else ::unsetenv(name);
    }
    ~ScopedEnv() {
        if (old_) ::setenv(name_.c_str(), old_->c_str(), 1);
        else ::unsetenv(name_.c_str());
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

  private:
    std::string name_;
    std::optional<std::string> old_;
};

const config::Variable& variable(const std::string& name) {
    for (auto& v : config::variables())
        if (name == v.name) return v;
    throw std::logic_error(name + " is not in config::variables()");
}

/// The message `check` throws for NAME=value, or "" if it accepts it.
std::string rejection(const char* name, const char* value) {
    ScopedEnv env(name, value);
    try {
        variable(name).check();
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "";
}
}  // namespace
WEFT_REMOTE(whoami)

TEST(Config, BadValuesNameTheVariableTheValueAndWhatIsAccepted) {
    struct Case {
        const char* name;
        const char* value;
        const char* accepted;
    };
    const Case cases[] = {
        {"WEFT_PROCS", "many", "a whole number from 0 to 4096, or \"auto\""},
        {"WEFT_PROCS", "5000", "a whole number from 0 to 4096"},
        {"WEFT_WORKER_TIMEOUT", "0", "a whole number from 1 to 604800 (unset: 60)"},
        {"WEFT_WORKER_TIMEOUT", "10s", "a number of seconds"},
        {"WEFT_BIND_ADDR", "my-host", "an IP address"},
        {"WEFT_MASTER_ADDR", "10.0.0.5", "<ip>:<port>"},
        {"WEFT_MASTER_ADDR", "10.0.0.5:70000", "<ip>:<port>"},
        {"WEFT_MASTER_ADDR", "head-node:4000", "<ip>:<port>"},
        {"WEFT_COOKIE", "two\nlines", "one line of text"},
        {"WEFT_OUTPUT_LOCAL", "maybe", "use 1, true, yes or on, or 0, false, no or off (unset: 0)"},
        {"WEFT_SPMD", "2", "(unset: 1)"},
        {"WEFT_LOG_LEVEL", "verbose", "use error, warn, info or debug (unset: warn)"},
        {"WEFT_MAX_FRAME", "100", "a whole number from 1024 to"},
        {"WEFT_MAX_FRAME", "1e9", "a message size in bytes"},
        {"WEFT_TASK_STACK_KB", "16", "a whole number from 64 to 1048576 (unset: 1024)"},
        {"WEFT_SPIN_US", "-1", "a whole number from 0 to 1000000 (unset: 50)"},
        {"WEFT_MALLOC_TUNING", "disable", "a yes/no value"},
        {"WEFT_PROGRESS", "2", "a yes/no value"},
        {"WEFT_DASHBOARD", "70000", "a dashboard address: use a port (e.g. 8787; 0 for any free one)"},
        {"WEFT_DASHBOARD", "localhost:8787", "or <ip>:<port> such as 0.0.0.0:8787"},
        {"WEFT_NUM_THREADS", "many", "a whole number from 1 to 4096, or \"auto\""},
        {"WEFT_THREADPOOL_SIZE", "0", "a whole number from 1 to 1024 (unset: 4)"},
        {"WEFT_THREADS_SPIN_US", "2.5", "a whole number from 0 to 1000000"},
        {"WEFT_TRANSPORT", "shm", "a transport: use auto"},
        {"WEFT_UCX_IN_PLACE", "on", "a choice: use auto, yes or no (unset: auto)"},
    };
    for (const Case& c : cases) {
        const std::string m = rejection(c.name, c.value);
        EXPECT_NE(m.find(std::string(c.name) + "=\"" + c.value + "\""), std::string::npos) << c.name << ": " << m;
        EXPECT_NE(m.find(c.accepted), std::string::npos) << c.name << ": " << m;
    }
}

TEST(Config, GoodValuesAreReadAsDocumented) {
    {
        ScopedEnv e("WEFT_PROCS", "auto");
        EXPECT_EQ(config::procs(), static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
    }
    {
        ScopedEnv e("WEFT_PROCS", " 3 ");
        EXPECT_EQ(config::procs(), 3);
    }
    {
        ScopedEnv e("WEFT_PROCS", "");  // empty counts as unset
        EXPECT_EQ(config::procs(), std::nullopt);
    }
    {
        ScopedEnv e("WEFT_WORKER_TIMEOUT", nullptr);
        EXPECT_EQ(config::worker_timeout(), std::chrono::seconds(60));
    }
    {
        ScopedEnv e("WEFT_MASTER_ADDR", "[::1]:4000");
        EXPECT_EQ(config::master_addr(), "[::1]:4000");
    }
    {
        ScopedEnv e("WEFT_BIND_ADDR", "::1");
        EXPECT_EQ(config::bind_addr(), "::1");
    }
    {
        ScopedEnv e("WEFT_LOG_LEVEL", "debug");
        EXPECT_EQ(config::log_level(), weft::rt::LogLevel::debug);
    }
    {
        ScopedEnv e("WEFT_UCX_IN_PLACE", " yes ");
        EXPECT_EQ(config::ucx_in_place(), config::InPlace::yes);
    }
    {
        ScopedEnv e("WEFT_UCX_IN_PLACE", nullptr);
        EXPECT_EQ(config::ucx_in_place(), config::InPlace::automatic);
    }
    {
        ScopedEnv e("WEFT_TRANSPORT", " tcp ");
        EXPECT_EQ(config::transport(), config::Transport::tcp);
    }
    {
        ScopedEnv e("WEFT_TRANSPORT", nullptr);
        EXPECT_EQ(config::transport(), config::Transport::automatic);
    }
    for (const char* yes : {"1", "true", "YES", "on"}) {
        ScopedEnv e("WEFT_OUTPUT_LOCAL", yes);
        EXPECT_TRUE(config::output_local()) << yes;
    }
    for (const char* no : {"0", "false", "No", "off"}) {
        ScopedEnv e("WEFT_MALLOC_TUNING", no);
        EXPECT_FALSE(config::malloc_tuning()) << no;
    }
    {
        ScopedEnv e("WEFT_SSH", nullptr);
        EXPECT_EQ(config::ssh(), "ssh");
        EXPECT_EQ(weft::SSHManager({}).ssh, "ssh");
    }
    {
        ScopedEnv e("WEFT_SSH", "/opt/bin/my-ssh");
        EXPECT_EQ(weft::SSHManager({}).ssh, "/opt/bin/my-ssh");
    }
    {
        ScopedEnv e("WEFT_THREADS_SPIN_US", nullptr);
        EXPECT_EQ(config::threads_spin_us(), std::nullopt);
    }
    {
        ScopedEnv e("WEFT_DASHBOARD", "8787");
        const auto d = config::dashboard();
        ASSERT_TRUE(d);
        EXPECT_EQ(d->ip, "127.0.0.1");
        EXPECT_EQ(d->port, 8787);
    }
    {
        ScopedEnv e("WEFT_DASHBOARD", "[::1]:0");
        const auto d = config::dashboard();
        ASSERT_TRUE(d);
        EXPECT_EQ(d->ip, "::1");
        EXPECT_EQ(d->port, 0);
    }
    {
        ScopedEnv e("WEFT_DASHBOARD", nullptr);
        EXPECT_FALSE(config::dashboard().has_value());
    }
}

TEST(Config, CheckAllNamesEveryBadVariable) {
    EXPECT_NO_THROW(config::check_all());
    ScopedEnv a("WEFT_SPIN_US", "fast");
    ScopedEnv b("WEFT_LOG_LEVEL", "loud");
    try {
        config::check_all();
        FAIL() << "accepted";
    } catch (const std::invalid_argument& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("WEFT_SPIN_US=\"fast\""), std::string::npos) << m;
        EXPECT_NE(m.find("WEFT_LOG_LEVEL=\"loud\""), std::string::npos) << m;
    }
}

TEST(Config, AWorkerWithABadVariableFailsToStartAndSaysWhy) {
    weft::AddProcsOptions o;
    o.env["WEFT_TASK_STACK_KB"] = "8";
    try {
        weft::addprocs(1, o);
        FAIL() << "the worker started";
    } catch (const std::runtime_error& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("WEFT_TASK_STACK_KB=\"8\" is not a task stack size in KiB"), std::string::npos) << m;
    }
    EXPECT_EQ(weft::nprocs(), 1);
    o.env.clear();
    const int w = weft::addprocs(1, o)[0];
    EXPECT_EQ(weft::remotecall_fetch(whoami, w), w);
    weft::rmprocs(w);
}

/// docs/runtime.md's table ("| `WEFT_X` | default | meaning | read by |") lists the
/// runtime's variables with their defaults, plus WEFT_TRANSLATE (read by weft-c++).
TEST(Config, TheDocsTableListsEveryVariableWithItsDefault) {
    const std::string docs = WEFT_DOCS_DIR "/runtime.md";  // test/config/CMakeLists.txt
    std::ifstream in(docs);
    ASSERT_TRUE(in) << docs;
    std::map<std::string, std::string> table;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("| `WEFT_", 0) != 0) continue;
        const auto name_end = line.find('`', 3);
        const auto cell = line.find("| ", name_end);
        const auto cell_end = line.find(" |", cell + 2);
        std::string dflt = line.substr(cell + 2, cell_end - cell - 2);
        if (dflt.size() > 1 && dflt.front() == '`') dflt = dflt.substr(1, dflt.size() - 2);
        table[line.substr(3, name_end - 3)] = dflt;
    }
    for (auto& v : config::variables()) {
        ASSERT_EQ(table.count(v.name), 1u) << v.name << " is not in " << docs;
        EXPECT_EQ(table[v.name], v.fallback) << v.name;
        table.erase(v.name);
    }
    table.erase("WEFT_TRANSLATE");
    for (auto& [name, d] : table) ADD_FAILURE() << docs << " lists " << name << ", which the runtime does not read";
}
