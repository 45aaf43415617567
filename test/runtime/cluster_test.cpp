// test/runtime/cluster_test.cpp — membership: ids never reused, rmprocs with and without
// waitfor, queries, worker output relayed as whole `From worker N: ` lines, the cookie,
// addprocs errors, interrupt.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#include <weft/weft.hpp>

namespace {
int whoami() { return weft::myid(); }
void say(std::string text) {
    std::cout << text << " (line 1)" << std::endl;
    std::cout << "part one, " << std::flush;
    std::cout << "part two" << std::endl;
    std::cerr << "to stderr" << std::endl;
}
int spin_until_interrupted() {
    for (;;) weft::yield();
}
std::vector<int> procs_seen() { return weft::procs(); }
int ask_whoami(int pid) { return weft::remotecall_fetch(whoami, pid); }
}  // namespace
WEFT_REMOTE(whoami, say, spin_until_interrupted, procs_seen, ask_whoami)

/// Writes an executable shell script (which ignores the worker flags it is given).
std::string make_script(const std::string& name, const std::string& body) {
    std::string path = "/tmp/weft-test-" + std::to_string(::getpid()) + "-" + name;
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    ::chmod(path.c_str(), 0700);
    return path;
}

/// Captures what this process writes to fd 1 while alive.
class CaptureStdout {
  public:
    CaptureStdout() {
        std::fflush(stdout);
        std::snprintf(path_, sizeof path_, "/tmp/weft-capture-XXXXXX");
        int fd = ::mkstemp(path_);
        saved_ = ::dup(1);
        ::dup2(fd, 1);
        ::close(fd);
    }
    std::string finish() {
        std::fflush(stdout);
        ::dup2(saved_, 1);
        ::close(saved_);
        std::ifstream in(path_);
        std::stringstream ss;
        ss << in.rdbuf();
        ::unlink(path_);
        return ss.str();
    }

  private:
    char path_[64];
    int saved_;
};

TEST(Cluster, AloneAtFirst) {
    EXPECT_EQ(weft::myid(), 1);
    EXPECT_EQ(weft::nprocs(), 1);
    EXPECT_EQ(weft::nworkers(), 1);
    EXPECT_EQ(weft::workers(), std::vector<int>{1});
    EXPECT_EQ(weft::procs(), std::vector<int>{1});
}

TEST(Cluster, IdsAreNeverReused) {
    auto a = weft::addprocs(2);
    EXPECT_EQ(a, (std::vector<int>{2, 3}));
    EXPECT_EQ(weft::nprocs(), 3);
    EXPECT_EQ(weft::nworkers(), 2);
    EXPECT_EQ(weft::workers(), (std::vector<int>{2, 3}));
    weft::rmprocs(2);
    EXPECT_EQ(weft::workers(), std::vector<int>{3});
    auto b = weft::addprocs(1);
    EXPECT_EQ(b, std::vector<int>{4});
    EXPECT_EQ(weft::procs(), (std::vector<int>{1, 3, 4}));
    EXPECT_EQ(weft::remotecall_fetch(whoami, 4), 4);
    EXPECT_THROW(weft::remotecall_fetch(whoami, 2), weft::ProcessExitedException);
    // Workers know each other.
    EXPECT_EQ(weft::remotecall_fetch(procs_seen, 4), (std::vector<int>{1, 3, 4}));
    EXPECT_EQ(weft::procs(3), (std::vector<int>{1, 3, 4}));  // all on this host
    weft::rmprocs({3, 4}, std::chrono::milliseconds(20000));
    EXPECT_EQ(weft::nprocs(), 1);
}

TEST(Cluster, WorkerOutputArrivesAsWholePrefixedLines) {
    auto w = weft::addprocs(1)[0];
    CaptureStdout cap;
    weft::remotecall_fetch(say, w, std::string("hi"));
    weft::rmprocs(w);  // returns once the worker exited and its output was relayed
    std::string out = cap.finish();
    std::string p = "From worker " + std::to_string(w) + ": ";
    EXPECT_NE(out.find(p + "hi (line 1)\n"), std::string::npos) << out;
    EXPECT_NE(out.find(p + "part one, part two\n"), std::string::npos) << out;
    EXPECT_EQ(out.find("to stderr"), std::string::npos) << "stderr goes to stderr";
}

TEST(Cluster, CookieIsStableAndSettable) {
    std::string c = weft::cluster_cookie();
    EXPECT_GE(c.size(), 16u);
    EXPECT_EQ(weft::cluster_cookie(), c);
    EXPECT_EQ(weft::cluster_cookie("a-new-secret-of-20ch"), "a-new-secret-of-20ch");
    auto w = weft::addprocs(1)[0];  // workers started now use the new cookie
    EXPECT_EQ(weft::remotecall_fetch(whoami, w), w);
    weft::rmprocs(w);
    EXPECT_THROW(weft::cluster_cookie("two\nlines"), std::invalid_argument);
}

TEST(Cluster, EmptyCookieIsPaddedAsJuliaWithAWarningAndWorkersAcceptIt) {
    const std::string before = weft::cluster_cookie();
    ::testing::internal::CaptureStderr();
    const std::string c = weft::cluster_cookie("");
    const std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(c, std::string(16, ' '));
    EXPECT_EQ(weft::cluster_cookie("short"), "short" + std::string(11, ' '));  // Julia's rpad to 16
    EXPECT_NE(err.find("empty cookie is no protection"), std::string::npos) << err;
    weft::cluster_cookie("");
    auto w = weft::addprocs(1)[0];
    EXPECT_EQ(weft::remotecall_fetch(whoami, w), w);
    weft::rmprocs(w);
    weft::cluster_cookie(before);
}

TEST(Cluster, AddprocsFailureNamesCommandAndKeepsOthers) {
    weft::AddProcsOptions o;
    o.exename = make_script("fails", "echo this-is-not-a-worker >&2; exit 3");
    try {
        weft::addprocs(1, o);
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        std::string m = e.what();
        EXPECT_NE(m.find(o.exename), std::string::npos) << m;
        EXPECT_NE(m.find("this-is-not-a-worker"), std::string::npos) << m;
        EXPECT_NE(m.find("exit status 3"), std::string::npos) << m;
        EXPECT_NE(m.find("WEFT_WORKER_TIMEOUT"), std::string::npos) << m;
    }
    o.exename = "/nonexistent/weft-worker";
    o.exeflags.clear();
    EXPECT_THROW(weft::addprocs(1, o), std::runtime_error);
    EXPECT_EQ(weft::nprocs(), 1);
}

TEST(Cluster, AddprocsTimeoutIsReported) {
    weft::AddProcsOptions o;
    o.exename = make_script("silent", "exec sleep 30");  // never announces an address
    o.timeout = std::chrono::seconds(1);
    try {
        weft::addprocs(1, o);
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("within 1 s"), std::string::npos) << e.what();
    }
}

TEST(Cluster, RmprocsWithWaitfor) {
    auto w = weft::addprocs(1)[0];
    weft::rmprocs(std::vector<int>{w}, std::chrono::milliseconds(20000));
    EXPECT_EQ(weft::nprocs(), 1);
    weft::rmprocs(std::vector<int>{w});  // removing a removed worker is harmless
}

TEST(Cluster, InterruptStopsATaskAtItsNextYield) {
    auto w = weft::addprocs(1)[0];
    auto f = weft::remotecall(spin_until_interrupted, w);
    EXPECT_FALSE(weft::isready(f));
    weft::interrupt({w});
    try {
        weft::fetch(f);
        FAIL() << "no exception";
    } catch (const weft::RemoteException& e) {
        EXPECT_EQ(e.captured().type, "weft::InterruptException") << e.what();
    }
    EXPECT_EQ(weft::remotecall_fetch(whoami, w), w);  // the worker itself goes on
    weft::rmprocs(w);
}

TEST(Cluster, OnlyTheMasterManagesWorkers) {
    EXPECT_THROW(weft::addprocs(-1), std::invalid_argument);
    EXPECT_THROW(weft::rmprocs(1), std::invalid_argument);
}

TEST(Cluster, AWorkerCallingAProcessThatLeftGetsProcessExited) {
    auto ws = weft::addprocs(2);
    weft::rmprocs(ws[1]);  // worker ws[0] hears of it before the call below (same connection)
    try {
        weft::remotecall_fetch(ask_whoami, ws[0], ws[1]);
        FAIL() << "a call to a process that left succeeded";
    } catch (const weft::RemoteException& e) {
        EXPECT_EQ(e.captured().type, "weft::ProcessExitedException") << e.what();
    }
    EXPECT_EQ(weft::remotecall_fetch(ask_whoami, ws[0], 1), 1);
    weft::rmprocs(ws[0]);
}

namespace {
std::vector<int> all_but(std::vector<int> v, int pid) {
    std::erase(v, pid);
    return v;
}
}  // namespace

TEST(Cluster, LazyFalseConnectsEveryWorkerPairDuringAddprocs) {
    if (weft::nprocs() > 1) weft::rmprocs(weft::workers());
    weft::AddProcsOptions eager;
    eager.lazy = false;
    auto ws = weft::addprocs(3, eager);
    for (int w : ws) EXPECT_EQ(weft::debug::connected_to(w), all_but(weft::procs(), w)) << "worker " << w;
    EXPECT_THROW(weft::addprocs(1), std::invalid_argument);  // lazy=true beside lazy=false workers
    auto more = weft::addprocs(1, eager);                    // the same setting: connected to all
    EXPECT_EQ(weft::debug::connected_to(more.at(0)), all_but(weft::procs(), more.at(0)));
    weft::rmprocs(weft::workers());

    auto lazy = weft::addprocs(2);  // the default: nothing between workers until a call
    for (int w : lazy) EXPECT_EQ(weft::debug::connected_to(w), std::vector<int>{1}) << "worker " << w;
    EXPECT_THROW(weft::addprocs(1, eager), std::invalid_argument);
    EXPECT_EQ(weft::remotecall_fetch(ask_whoami, lazy[0], lazy[1]), lazy[1]);
    EXPECT_EQ(weft::debug::connected_to(lazy[0]), (std::vector<int>{1, lazy[1]}));
    weft::rmprocs(lazy);
}
