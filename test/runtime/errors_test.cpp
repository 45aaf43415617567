// test/runtime/errors_test.cpp — errors a user can act on (issue 16): the remote stack
// names the throwing function, the call site is the caller's file:line, pmap and
// distributed loops name the failing element, weft::describe prints the whole report, an
// exception escaping main prints it and exits 1; calls in template form.
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <weft/weft.hpp>

extern char** environ;

namespace {
[[gnu::noinline]] int innermost_thrower(int x) {
    if (x == 3) throw std::runtime_error("bad input " + std::to_string(x));
    return x;
}
[[gnu::noinline]] int calls_the_thrower(int x) { return innermost_thrower(x) + 1; }
[[gnu::noinline]] int vector_at_ten(int) {
    std::vector<int> v(3);
    return v.at(10);
}
int twice(int x) { return 2 * x; }
double as_double(int x) { return innermost_thrower(x) * 1.0; }
int where_am_i() { return weft::myid(); }
int never_registered(int x) { return x; }  // deliberately not in WEFT_REMOTE

std::string joined(const std::vector<std::string>& frames) {
    std::string s;
    for (const auto& f : frames) s += f + "\n";
    return s;
}
bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}
}  // namespace

WEFT_REMOTE(innermost_thrower, calls_the_thrower, vector_at_ten, twice, as_double, where_am_i)

class Errors : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        if (weft::nprocs() < 3) weft::addprocs(3 - weft::nprocs());
    }
};

TEST_F(Errors, RemoteStackNamesTheThrowingFunction) {
    try {
        weft::remotecall_fetch(calls_the_thrower, 2, 3);
        FAIL() << "no exception";
    } catch (const weft::RemoteException& e) {
        const auto& c = e.captured();
        std::string st = joined(c.stack);
        ASSERT_FALSE(c.stack.empty()) << weft::describe(e);
        EXPECT_NE(c.stack.front().find("innermost_thrower"), std::string::npos) << st;
        EXPECT_NE(st.find("calls_the_thrower"), std::string::npos) << st;
        EXPECT_NE(st.find("errors_test.cpp:"), std::string::npos) << st;  // symbolized with file:line
        EXPECT_EQ(st.find("weft::rt::run_job"), std::string::npos) << st;  // the runtime's frames are cut
        EXPECT_EQ(c.pid, 2);
        EXPECT_GT(c.os_pid, 0);
        EXPECT_NE(c.os_pid, ::getpid());
        EXPECT_FALSE(c.host.empty());
    }
}

TEST_F(Errors, StackOfAThrowInsideTheStandardLibrary) {
    try {
        weft::remotecall_fetch(vector_at_ten, 3, 0);
        FAIL() << "no exception";
    } catch (const weft::RemoteException& e) {
        EXPECT_EQ(e.captured().type, "std::out_of_range");
        EXPECT_NE(joined(e.captured().stack).find("vector_at_ten"), std::string::npos) << weft::describe(e);
    }
}

TEST_F(Errors, CallSiteIsTheCallersLine) {
    int line = 0;
    auto expect_here = [&](const weft::RemoteException& e) {
        EXPECT_TRUE(ends_with(e.call_site().file, "errors_test.cpp")) << e.call_site().file;
        EXPECT_EQ(e.call_site().line, static_cast<unsigned>(line)) << e.what();
        EXPECT_NE(std::string(e.what()).find("called at errors_test.cpp:" + std::to_string(line)), std::string::npos)
            << e.what();
    };
    try {
        line = __LINE__; weft::remotecall_fetch(innermost_thrower, 2, 3);
        FAIL();
    } catch (const weft::RemoteException& e) { expect_here(e); }
    line = __LINE__; auto f = weft::remotecall(innermost_thrower, 3, 3);
    try {
        weft::fetch(f);
        FAIL();
    } catch (const weft::RemoteException& e) { expect_here(e); }
    try {  // the cached error too
        weft::wait(f);
        FAIL();
    } catch (const weft::RemoteException& e) { expect_here(e); }
    try {
        line = __LINE__; weft::remotecall_wait(innermost_thrower, 2, 3);
        FAIL();
    } catch (const weft::RemoteException& e) { expect_here(e); }
    try {
        line = __LINE__; auto g = weft::spawnat(weft::any, innermost_thrower, 3);
        weft::fetch(g);
        FAIL();
    } catch (const weft::RemoteException& e) { expect_here(e); }
    try {  // run on this process: the same report
        line = __LINE__; weft::remotecall_fetch(calls_the_thrower, 1, 3);
        FAIL();
    } catch (const weft::RemoteException& e) {
        expect_here(e);
        EXPECT_NE(joined(e.captured().stack).find("innermost_thrower"), std::string::npos) << weft::describe(e);
    }
}

TEST_F(Errors, PmapNamesTheFailingElement) {
    std::vector<int> in{0, 1, 2, 3, 4, 5};
    try {
        const int line = __LINE__; auto r = weft::pmap(as_double, in);
        (void)line;
        FAIL() << "no exception";
    } catch (const weft::RemoteException& e) {
        EXPECT_EQ(e.captured().index, 3);
        EXPECT_EQ(e.captured().index_of, "weft::pmap");
        EXPECT_NE(std::string(e.what()).find("(element 3 of weft::pmap, called at errors_test.cpp:"), std::string::npos)
            << e.what();
        EXPECT_NE(joined(e.captured().stack).find("innermost_thrower"), std::string::npos) << weft::describe(e);
    }
    // on_error sees the same element index.
    weft::PmapOptions<double> o;
    std::int64_t seen = -1;
    o.on_error = [&](std::exception_ptr p) {
        try {
            std::rethrow_exception(p);
        } catch (const weft::RemoteException& e) {
            seen = e.captured().index;
        }
        return -1.0;
    };
    o.batch_size = 4;
    auto r = weft::pmap(as_double, in, o);
    EXPECT_EQ(r[3], -1.0);
    EXPECT_EQ(seen, 3);
}

TEST_F(Errors, DistributedLoopsNameTheIndex) {
    try {
        weft::distributed_reduce(std::plus<>{}, weft::range(0, 20), [](std::int64_t i) {
            return innermost_thrower(static_cast<int>(i % 7 == 3 && i > 10 ? 3 : 0));
        });
        FAIL() << "no exception";
    } catch (const weft::RemoteException& e) {
        EXPECT_EQ(e.captured().index, 17) << e.what();
        EXPECT_NE(std::string(e.what()).find("index 17 of weft::distributed_reduce"), std::string::npos) << e.what();
    }
    auto parts = weft::distributed_for(weft::range(0, 10), [](std::int64_t i) { innermost_thrower(i == 6 ? 3 : 0); });
    try {
        for (auto& p : parts) weft::wait(p);
        FAIL() << "no exception";
    } catch (const weft::RemoteException& e) {
        EXPECT_EQ(e.captured().index, 6) << e.what();
        EXPECT_EQ(e.captured().index_of, "weft::distributed_for");
    }
}

TEST_F(Errors, DescribePrintsTheWholeReport) {
    try {
        weft::remotecall_fetch(calls_the_thrower, 2, 3);
        FAIL();
    } catch (const weft::RemoteException& e) {
        std::string what = e.what();
        EXPECT_EQ(what.find('\n'), std::string::npos) << "what() is one line: " << what;
        std::string d = weft::describe(e);
        EXPECT_EQ(d.rfind("weft::RemoteException: On worker 2: std::runtime_error: bad input 3", 0), 0u) << d;
        EXPECT_NE(d.find("worker:     2 (host "), std::string::npos) << d;
        EXPECT_NE(d.find(", pid " + std::to_string(e.captured().os_pid) + ")"), std::string::npos) << d;
        EXPECT_NE(d.find("called at:  "), std::string::npos) << d;
        const std::string head = "remote stack (worker 2, innermost first):\n    #0 ";
        ASSERT_NE(d.find(head), std::string::npos) << d;
        const std::string frame0 = d.substr(d.find(head) + head.size(), d.find('\n', d.find(head) + head.size()));
        EXPECT_NE(frame0.find("innermost_thrower(int) at "), std::string::npos) << d;
        EXPECT_EQ(d.find("[clone"), std::string::npos) << d;
        std::ostringstream os;
        os << e;
        EXPECT_EQ(os.str(), d);
        // A CompositeException describes each of its errors.
        weft::CompositeException c({std::make_exception_ptr(e), std::make_exception_ptr(std::logic_error("x"))});
        std::string cd = weft::describe(c);
        EXPECT_NE(cd.find("    weft::RemoteException: On worker 2"), std::string::npos) << cd;
        EXPECT_NE(cd.find("    std::logic_error: x"), std::string::npos) << cd;
    }
}

TEST_F(Errors, TemplateFormCallsRegisteredFunctions) {
    EXPECT_EQ(weft::remotecall_fetch<twice>(2, 21), 42);
    EXPECT_EQ(weft::fetch(weft::remotecall<twice>(3, 4)), 8);
    EXPECT_EQ(weft::fetch(weft::remotecall_wait<twice>(2, 5)), 10);
    EXPECT_EQ(weft::fetch(weft::spawnat<where_am_i>(3)), 3);
    EXPECT_EQ(weft::fetchfrom<twice>(1, 6), 12);
    weft::remote_do<twice>(2, 1);
    try {
        const int line = __LINE__; weft::remotecall_fetch<innermost_thrower>(3, 3);
        (void)line;
        FAIL();
    } catch (const weft::RemoteException& e) {
        EXPECT_TRUE(ends_with(e.call_site().file, "errors_test.cpp")) << e.what();
    }
}

// Run as a child (below): the error escapes main through gtest (--gtest_catch_exceptions=0).
// A function that is not registered, called on another process by value (the template
// form is a link error instead): the error names the function, the call's file:line and
// what to add, and nothing is sent.
TEST_F(Errors, AnUnregisteredFunctionNamesItselfAndTheCallSite) {
    const int line = __LINE__ + 2;
    try {
        weft::remotecall_fetch(never_registered, 2, 1);
        FAIL() << "no exception";
    } catch (const std::logic_error& e) {
        const std::string w = e.what();
        EXPECT_NE(w.find("never_registered(int) is not registered for remote calls (called at "), std::string::npos) << w;
        EXPECT_NE(w.find("errors_test.cpp:" + std::to_string(line) + ":"), std::string::npos) << w;
        EXPECT_NE(w.find("WEFT_REMOTE(" ), std::string::npos) << w;
    }
    EXPECT_THROW(weft::remotecall(never_registered, 2, 1), std::logic_error);
    EXPECT_EQ(weft::remotecall_fetch(twice, 2, 4), 8);  // the connection is untouched
}

TEST_F(Errors, ChildLetsAPmapErrorEscapeMain) {
    if (!std::getenv("WEFT_TEST_ESCAPE_CHILD")) GTEST_SKIP() << "run by EscapingMainPrintsTheReportAndExits1";
    auto r = weft::pmap(as_double, std::vector<int>{1, 2, 3, 4});
    std::printf("not reached %zu\n", r.size());
}

TEST_F(Errors, EscapingMainPrintsTheReportAndExits1) {
    int out[2];
    ASSERT_EQ(::pipe(out), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, out[1], 2);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    std::vector<std::string> env_s;
    for (char** e = environ; *e; ++e) env_s.emplace_back(*e);
    env_s.emplace_back("WEFT_TEST_ESCAPE_CHILD=1");
    std::vector<char*> envp;
    for (auto& s : env_s) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::string exe = "/proc/self/exe", filter = "--gtest_filter=Errors.ChildLetsAPmapErrorEscapeMain",
                catch_off = "--gtest_catch_exceptions=0";
    char* argv[] = {exe.data(), filter.data(), catch_off.data(), nullptr};
    pid_t child = 0;
    ASSERT_EQ(posix_spawn(&child, exe.c_str(), &fa, nullptr, argv, envp.data()), 0);
    posix_spawn_file_actions_destroy(&fa);
    ::close(out[1]);
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
    ::close(out[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status) << "\n" << text;
    EXPECT_EQ(WEXITSTATUS(status), 1) << text;
    EXPECT_EQ(text.find("terminate called after throwing"), std::string::npos) << text;
    EXPECT_NE(text.find("weft: an exception escaped main or a task on process 1"), std::string::npos) << text;
    EXPECT_NE(text.find("std::runtime_error: bad input 3 (element 2 of weft::pmap, called at errors_test.cpp:"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("::innermost_thrower(int) at "), std::string::npos) << text;
    EXPECT_EQ(text.find("apply_batch"), std::string::npos) << text;  // the runtime's frames are cut
    EXPECT_EQ(text.find("not reached"), std::string::npos) << text;
}
