// test/runtime/shared_array_test.cpp — SharedArray: the localindices split, the SPEC's 3x4
// example on workers 2,3,4, handles crossing processes, init, finalize, and /dev/shm
// staying clean (last handle gone, normal exit, master or worker SIGKILLed, stale
// segments of dead processes) and the full-/dev/shm error.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <weft/weft.hpp>

extern char** environ;

namespace {

void fill_with_myid(weft::SharedArray<long, 2>& s) {
    for (auto i : weft::localindices(s)) s[static_cast<std::size_t>(i)] = weft::myid();
}
void fill_strided(weft::SharedArray<long, 2>& s) {
    const auto np = static_cast<std::int64_t>(weft::procs(s).size());
    for (auto i : weft::range(weft::indexpids(s), static_cast<std::int64_t>(s.size()), np))
        s[static_cast<std::size_t>(i)] = weft::myid();
}
long sum_on(weft::SharedArray<long, 2> s) {
    long t = 0;
    for (long v : weft::sdata(s)) t += v;
    return t;
}
void set_at(weft::SharedArray<long, 2> s, std::size_t i, long v) { s[i] = v; }
void init_fails(weft::SharedArray<long, 2>& s) {
    if (weft::indexpids(s) == 1) throw std::out_of_range("no room for process " + std::to_string(weft::myid()));
}
int os_pid() { return static_cast<int>(::getpid()); }
bool is_mapped(weft::SharedArray<long, 2> s) { return s.mapped(); }
weft::SharedArray<long, 2> echo(weft::SharedArray<long, 2> s) { return s; }
}  // namespace
long get_2d(weft::SharedArray<long, 2> s, std::size_t i, std::size_t j) { return s(i, j); }
void set_2d(weft::SharedArray<long, 2> s, std::size_t i, std::size_t j, long v) { s(i, j) = v; }
weft::SharedArray<long, 2> reshape_there(weft::SharedArray<long, 1> s) { return s.reshape(std::array<std::size_t, 2>{4, 3}); }
WEFT_REMOTE(fill_with_myid, fill_strided, init_fails, sum_on, set_at, os_pid, is_mapped, echo, get_2d, set_2d,
            reshape_there)

namespace {

/// Names in /dev/shm that start with "weft-<pid>-".
std::vector<std::string> segments_of(int pid) {
    std::vector<std::string> v;
    const std::string prefix = "weft-" + std::to_string(pid) + "-";
    if (DIR* d = ::opendir("/dev/shm")) {
        while (dirent* e = ::readdir(d))
            if (std::string(e->d_name).rfind(prefix, 0) == 0) v.push_back(e->d_name);
        ::closedir(d);
    }
    return v;
}

std::string rows(const weft::SharedArray<long, 2>& s) {
    std::string out;
    for (std::size_t i = 0; i < s.dim(0); ++i) {
        for (std::size_t j = 0; j < s.dim(1); ++j) out += (j ? " " : "") + std::to_string(s(i, j));
        out += "\n";
    }
    return out;
}

struct Child {
    pid_t pid = -1;
    FILE* out = nullptr;
};

/// Starts this test binary running one disabled helper test, its stdout on a pipe.
Child start_helper(const std::string& test, std::vector<std::string> prefix = {}) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    std::string exe = "/proc/self/exe";
    char buf[4096];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n > 0) exe.assign(buf, static_cast<std::size_t>(n));
    std::vector<std::string> args = prefix;
    args.push_back(exe);
    args.push_back("--gtest_also_run_disabled_tests");
    args.push_back("--gtest_filter=SharedArrayHelper.DISABLED_" + test);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    Child c;
    int rc = ::posix_spawnp(&c.pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(fds[1]);
    if (rc != 0) {
        ::close(fds[0]);
        throw std::runtime_error("posix_spawn " + args[0] + ": " + std::strerror(rc));
    }
    c.out = ::fdopen(fds[0], "r");
    return c;
}

/// Reads lines until one starts with `key`; returns the rest of it ("" at EOF).
std::string read_until(Child& c, const std::string& key) {
    char line[4096];
    while (std::fgets(line, sizeof line, c.out)) {
        std::string s(line);
        if (s.rfind(key, 0) == 0) return s.substr(key.size());
    }
    return "";
}

int reap(Child& c) {
    int status = 0;
    ::waitpid(c.pid, &status, 0);
    if (c.out) std::fclose(c.out);
    c.out = nullptr;
    return status;
}

class SharedArrayTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        if (weft::nworkers() < 3 || weft::nprocs() == 1) weft::addprocs(3);
    }
};

}  // namespace

TEST(SharedArraySplit, ManyShapesAndCounts) {
    for (std::size_t size : {0u, 1u, 2u, 3u, 7u, 12u, 100u, 1001u, 65536u}) {
        for (std::size_t np = 1; np <= 9; ++np) {
            std::int64_t next = 0;
            for (std::size_t k = 0; k < np; ++k) {
                auto r = weft::detail::split_range(size, np, k);
                if (r.empty()) continue;
                EXPECT_EQ(r.first, next) << size << " over " << np << " chunk " << k;
                // SharedArrays.jl: size/np each, the last one the remainder; one each to
                // the first `size` processes when size < np
                const std::size_t want = size < np ? 1 : (k + 1 == np ? size - (np - 1) * (size / np) : size / np);
                EXPECT_EQ(static_cast<std::size_t>(r.size()), want) << size << " over " << np << " chunk " << k;
                next = r.last;
            }
            EXPECT_EQ(next, static_cast<std::int64_t>(size));
        }
    }
}

TEST(SharedArraySplit, UnevenSizesGiveTheRemainderToTheLast) {
    auto chunks = [](std::size_t size, std::size_t np) {
        std::vector<std::pair<std::int64_t, std::int64_t>> v;
        for (std::size_t k = 0; k < np; ++k) {
            auto r = weft::detail::split_range(size, np, k);
            v.emplace_back(r.empty() ? 0 : r.first, r.empty() ? 0 : r.last);
        }
        return v;
    };
    using V = std::vector<std::pair<std::int64_t, std::int64_t>>;
    EXPECT_EQ(chunks(11, 3), (V{{0, 3}, {3, 6}, {6, 11}}));  // Julia: 1:3, 4:6, 7:11
    EXPECT_EQ(chunks(10, 4), (V{{0, 2}, {2, 4}, {4, 6}, {6, 10}}));
    EXPECT_EQ(chunks(2, 4), (V{{0, 1}, {1, 2}, {0, 0}, {0, 0}}));  // one each to the first two
}

TEST_F(SharedArrayTest, ReshapeSharesTheMemoryHereAndOnOtherProcesses) {
    weft::SharedArray<long, 1> v({12});
    for (std::size_t k = 0; k < 12; ++k) v[k] = static_cast<long>(k);
    auto m = weft::reshape(v, std::array<std::size_t, 2>{3, 4});
    EXPECT_EQ(m.dims(), (std::array<std::size_t, 2>{3, 4}));
    EXPECT_EQ(m(2, 3), 11);
    m(0, 1) = 99;
    EXPECT_EQ(v[3], 99);  // one memory
    EXPECT_EQ(weft::remotecall_fetch(get_2d, 2, m, 0, 1), 99);
    weft::remotecall_wait(set_2d, 3, m, 1, 1, -5);  // a worker writes through the reshaped handle
    EXPECT_EQ(v[4], -5);
    auto there = weft::remotecall_fetch(reshape_there, 4, v);  // reshaped on a worker, used here
    EXPECT_EQ(there(3, 0), 99);
    EXPECT_THROW(v.reshape(std::array<std::size_t, 2>{5, 3}), std::invalid_argument);
}

TEST_F(SharedArrayTest, AtIsBoundsCheckedAndNamesTheIndexAndDims) {
    weft::SharedArray<double, 2> s({3, 4});
    s.at(2, 3) = 7.5;
    EXPECT_EQ(s(2, 3), 7.5);
    EXPECT_EQ(s.at(11), 7.5);  // one index: linear, column-major
    try {
        s.at(3, 0);
        FAIL() << "no exception";
    } catch (const std::out_of_range& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("(3, 0)"), std::string::npos) << m;
        EXPECT_NE(m.find("3x4"), std::string::npos) << m;
    }
    EXPECT_THROW(s.at(0, 4), std::out_of_range);
    EXPECT_THROW(s.at(-1, 0), std::out_of_range);
    EXPECT_THROW(s.at(12), std::out_of_range);
}

TEST_F(SharedArrayTest, SpecExample3x4OnWorkers234) {
    weft::SharedArray<long, 2> s({3, 4}, {.init = fill_with_myid, .pids = {2, 3, 4}});
    EXPECT_EQ(rows(s), "2 2 3 4\n2 3 3 4\n2 3 4 4\n");
    EXPECT_EQ(weft::indexpids(s), -1);  // the master maps it but takes no share
    EXPECT_TRUE(weft::localindices(s).empty());
    EXPECT_EQ(weft::procs(s), (std::vector<int>{2, 3, 4}));
    EXPECT_TRUE(segments_of(::getpid()).empty()) << "unlinked once every participant mapped it";

    weft::SharedArray<long, 2> t({3, 4}, {.init = fill_strided, .pids = {2, 3, 4}});
    EXPECT_EQ(rows(t), "2 2 2 2\n3 3 3 3\n4 4 4 4\n");
}

TEST_F(SharedArrayTest, HandleIsTheSameMemoryEverywhere) {
    weft::SharedArray<long, 2> s({10, 10}, {.pids = {2, 3}});
    EXPECT_EQ(s.size(), 100u);
    for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<long>(i);
    EXPECT_EQ(weft::remotecall_fetch(sum_on, 2, s), 4950);
    weft::remotecall_fetch(set_at, 3, s, 5, 1000);
    EXPECT_EQ(s(5, 0), 1000);
    EXPECT_EQ(weft::remotecall_fetch(sum_on, 2, s), 4950 - 5 + 1000);
    // A handle that travels and comes back is still this memory.
    auto back = weft::remotecall_fetch(echo, 2, s);
    EXPECT_EQ(&back[0], &s[0]);
    // Worker 4 does not participate: it holds a handle but no memory.
    EXPECT_FALSE(weft::remotecall_fetch(is_mapped, 4, s));
    EXPECT_THROW(weft::remotecall_fetch(sum_on, 4, s), weft::RemoteException);
}

TEST_F(SharedArrayTest, ColumnMajorIndexing) {
    weft::SharedArray<int, 3> s({2, 3, 4}, {.pids = {2}});
    EXPECT_EQ(s.dims(), (std::array<std::size_t, 3>{2, 3, 4}));
    s(1, 2, 3) = 7;
    EXPECT_EQ(s[1 + 2 * 2 + 3 * 6], 7);
    s(1, 0, 0) = 3;
    EXPECT_EQ(s[1], 3);
}

TEST_F(SharedArrayTest, DefaultPidsAreTheLocalWorkers) {
    weft::SharedArray<long, 2> s({4, 4});
    EXPECT_EQ(weft::procs(s), weft::workers());
}

TEST_F(SharedArrayTest, MemoryReleasedEverywhereWhenLastHandleGone) {
    std::string name;
    {
        weft::SharedArray<long, 2> s({100, 100}, {.init = fill_with_myid, .pids = {2, 3}});
        name = s.segment();
        EXPECT_NE(weft::detail::shm_lookup(name), nullptr);
        EXPECT_GT(weft::remotecall_fetch(sum_on, 2, s), 0);
    }
    // The stored token is freed with the last handle; the release reaches the workers
    // after the master's registry entry is gone (on a task): wait for that first.
    for (int i = 0; i < 1000 && weft::detail::shm_lookup(name); ++i) weft::yield();
    EXPECT_EQ(weft::detail::shm_lookup(name), nullptr);
    EXPECT_TRUE(segments_of(::getpid()).empty());
}

TEST_F(SharedArrayTest, FinalizeReleasesEarly) {
    weft::SharedArray<long, 2> s({8, 8}, {.pids = {2, 3}});
    auto name = s.segment();
    weft::finalize(s);
    EXPECT_EQ(weft::detail::shm_lookup(name), nullptr);
    EXPECT_FALSE(s.mapped());
    EXPECT_THROW(weft::sdata(s), weft::InvalidStateException);
}

TEST_F(SharedArrayTest, InitErrorReachesTheCreatorAndReleases) {
    try {
        weft::SharedArray<long, 2> s({4, 4}, {.init = init_fails, .pids = {2, 3}});
        FAIL() << "no exception";
    } catch (const weft::RemoteException& e) {
        EXPECT_EQ(e.pid(), 3);
        EXPECT_NE(std::string(e.what()).find("no room for process 3"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(segments_of(::getpid()).empty());
}

TEST_F(SharedArrayTest, EmptyArray) {
    weft::SharedArray<double, 2> s({0, 5}, {.pids = {2, 3}});
    EXPECT_EQ(s.size(), 0u);
    EXPECT_TRUE(weft::localindices(s).empty());
    EXPECT_EQ(weft::sdata(s).size(), 0u);
}

TEST_F(SharedArrayTest, WorkerKilledLeavesNothing) {
    // A worker of its own, so the other tests keep theirs.
    int w = weft::addprocs(1).at(0);
    weft::SharedArray<long, 2> s({64, 64}, {.init = fill_with_myid, .pids = {2, w}});
    const int ospid = weft::remotecall_fetch(os_pid, w);
    ASSERT_EQ(::kill(ospid, SIGKILL), 0);
    EXPECT_TRUE(segments_of(::getpid()).empty());
    // The array is still there for everyone else.
    s[0] = 42;
    EXPECT_GT(weft::remotecall_fetch(sum_on, 2, s), 0);
}

TEST(SharedArrayStale, DeadProcessSegmentsRemoved) {
    // A pid that is certainly dead: a child we started and reaped.
    pid_t dead = ::fork();
    if (dead == 0) ::_exit(0);
    ::waitpid(dead, nullptr, 0);
    const std::string name = "/weft-" + std::to_string(dead) + "-0";
    int fd = ::shm_open(name.c_str(), O_CREAT | O_RDWR, 0600);
    ASSERT_GE(fd, 0);
    ::close(fd);
    // and one of a live process (ours) that must stay
    const std::string mine = "/weft-" + std::to_string(::getpid()) + "-999999";
    fd = ::shm_open(mine.c_str(), O_CREAT | O_RDWR, 0600);
    ASSERT_GE(fd, 0);
    ::close(fd);
    EXPECT_GE(weft::detail::shm_remove_stale(), 1);
    EXPECT_TRUE(segments_of(dead).empty());
    EXPECT_EQ(segments_of(::getpid()).size(), 1u);
    ::shm_unlink(mine.c_str());
}

// ---- helpers run in a child process by the tests below ----

TEST(SharedArrayHelper, DISABLED_HoldAndWait) {
    weft::addprocs(2);
    weft::SharedArray<long, 2> s({256, 256}, {.init = fill_with_myid});
    std::printf("ready %d\n", static_cast<int>(::getpid()));
    std::fflush(stdout);
    char c;
    while (::read(0, &c, 1) > 0) {
    }
    ::pause();
}

TEST(SharedArrayHelper, DISABLED_HoldAndExit) {
    weft::addprocs(2);
    weft::SharedArray<long, 2> s({256, 256}, {.init = fill_with_myid});
    static auto keep = s;  // still held at exit
    std::printf("ready %d\n", static_cast<int>(::getpid()));
    std::fflush(stdout);
}

TEST(SharedArrayHelper, DISABLED_TooBig) {
    try {
        weft::SharedArray<double, 1> s({std::size_t{64} << 20}, {.pids = {1}});  // 512 MiB
        std::printf("error none\n");
    } catch (const std::exception& e) {
        std::string m = e.what();
        for (auto& ch : m)
            if (ch == '\n') ch = ' ';
        std::printf("error %s\n", m.c_str());
    }
    std::fflush(stdout);
}

// Space taken by someone else between the creation and the page allocation: the
// participants' MADV_POPULATE_WRITE fails, which must be the same clear error.
TEST(SharedArrayHelper, DISABLED_FilledMeanwhile) {
    const std::size_t bytes = std::size_t{12} << 20;
    auto m = weft::detail::shm_create(bytes);  // 12 of 16 MiB: the quick check passes
    {
        std::ofstream filler("/dev/shm/weft-test-filler", std::ios::binary);
        std::vector<char> chunk(1 << 20, 'x');
        for (int i = 0; i < 8; ++i) filler.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    }
    try {
        weft::detail::shm_attach_all(m->name, m->bytes, {1}, {1});
        std::printf("error none\n");
    } catch (const std::exception& e) {
        std::printf("error %s\n", e.what());
    }
    weft::detail::shm_unlink(m->name);
    std::fflush(stdout);
}

TEST(SharedArrayKill, MasterKilledLeavesNothing) {
    auto c = start_helper("HoldAndWait");
    const std::string pid = read_until(c, "ready ");
    ASSERT_FALSE(pid.empty()) << "helper did not get ready";
    EXPECT_EQ(std::stoi(pid), c.pid);
    ::kill(c.pid, SIGKILL);
    int st = reap(c);
    EXPECT_TRUE(WIFSIGNALED(st));
    EXPECT_TRUE(segments_of(c.pid).empty());
}

TEST(SharedArrayKill, NormalExitLeavesNothing) {
    auto c = start_helper("HoldAndExit");
    ASSERT_FALSE(read_until(c, "ready ").empty());
    int st = reap(c);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << st;
    EXPECT_TRUE(segments_of(c.pid).empty());
}

TEST(SharedArrayFull, ClearErrorNotSigbus) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a small tmpfs on /dev/shm in a mount namespace";
    if (::access("/usr/bin/unshare", X_OK) != 0) GTEST_SKIP() << "needs unshare(1) (util-linux)";
    // A private /dev/shm of 16 MiB in a new mount namespace; the helper asks for 512 MiB.
    auto c = start_helper("TooBig", {"/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
                                     "mount -t tmpfs -o size=16m weft-test-shm /dev/shm && exec \"$0\" \"$@\""});
    const std::string err = read_until(c, "error ");
    int st = reap(c);
    if (err.empty() && WIFEXITED(st) && WEXITSTATUS(st) != 0)
        GTEST_SKIP() << "could not mount a tmpfs in a new mount namespace (status " << st << ")";
    EXPECT_TRUE(WIFEXITED(st)) << "the helper died of signal " << (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    EXPECT_NE(err.find("536870912 bytes"), std::string::npos) << err;   // the size
    EXPECT_NE(err.find("/dev/shm"), std::string::npos) << err;           // the place
    EXPECT_NE(err.find("no space left"), std::string::npos) << err;
    EXPECT_NE(err.find("enlarge it"), std::string::npos) << err;         // what to do
}

TEST(SharedArrayFull, FilledBetweenCreationAndAllocation) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a small tmpfs on /dev/shm in a mount namespace";
    if (::access("/usr/bin/unshare", X_OK) != 0) GTEST_SKIP() << "needs unshare(1) (util-linux)";
    auto c = start_helper("FilledMeanwhile", {"/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
                                              "mount -t tmpfs -o size=16m weft-test-shm /dev/shm && exec \"$0\" \"$@\""});
    const std::string err = read_until(c, "error ");
    int st = reap(c);
    if (err.empty() && WIFEXITED(st) && WEXITSTATUS(st) != 0)
        GTEST_SKIP() << "could not mount a tmpfs in a new mount namespace (status " << st << ")";
    EXPECT_TRUE(WIFEXITED(st)) << "the helper died of signal " << (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    EXPECT_NE(err.find("12582912 bytes"), std::string::npos) << err;
    EXPECT_NE(err.find("no space left on /dev/shm"), std::string::npos) << err;
    EXPECT_NE(err.find("allocating its share"), std::string::npos) << err;
}
