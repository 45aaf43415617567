// test/runtime/cluster_manager_test.cpp — the ClusterManager interface with local
// processes: a LocalManager passed by reference, a custom manager that hands over only the
// worker's stdout (WorkerConfig::io) and one that gives host/port, register/deregister
// calls, interrupt through manage(); Julia's machine-file format.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <string>

#include <weft/weft.hpp>

extern char** environ;

namespace {
int whoami() { return weft::myid(); }
int spin_until_interrupted() {
    for (;;) weft::yield();
}
/// The names in this process's /proc/self/environ (what it was started with).
std::string started_environment() {
    std::ifstream f("/proc/self/environ", std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>()), names;
    for (std::size_t at = 0; at < all.size();) {
        auto end = all.find('\0', at);
        if (end == std::string::npos) end = all.size();
        names += all.substr(at, all.find('=', at) - at) + "\n";
        at = end + 1;
    }
    return names;
}
int ask_whoami(int pid) { return weft::remotecall_fetch(whoami, pid); }
/// What this process's stdin is: "pipe", "/dev/null" or "other".
std::string stdin_kind() {
    struct stat in {}, null {};
    if (::fstat(0, &in) != 0) return "closed";
    if (S_ISFIFO(in.st_mode)) return "pipe";
    if (::stat("/dev/null", &null) == 0 && in.st_rdev == null.st_rdev && S_ISCHR(in.st_mode)) return "/dev/null";
    return "other";
}
/// Whether fds 1 and 2 are the same file (after joining: the same relay pipe to the master).
bool stderr_is_stdout() {
    struct stat out {}, err {};
    return ::fstat(1, &out) == 0 && ::fstat(2, &err) == 0 && out.st_dev == err.st_dev && out.st_ino == err.st_ino;
}
}  // namespace
WEFT_REMOTE(whoami, spin_until_interrupted, started_environment, ask_whoami, stdin_kind, stderr_is_stdout)

namespace {
/// Starts this test binary as a worker itself; the master reads the announcement from the
/// worker's stdout (io), or, with `give_address`, the manager reads it and gives host/port.
/// With `start_worker` ("<close_stdin><stderr_to_stdout><out fd>", see main.cpp) the worker
/// is set up by weft::start_worker, and its announcement comes on that fd.
class PipeManager : public weft::ClusterManager {
  public:
    PipeManager(int n, bool give_address, std::string start_worker = "")
        : n_(n), give_address_(give_address), start_worker_(std::move(start_worker)) {}
    void launch(const weft::AddProcsOptions&, std::vector<weft::WorkerConfig>& launched,
                weft::LaunchNotifier& notify) override {
        for (int i = 0; i < n_; ++i) {
            int in[2], out[2];
            ASSERT_EQ(::pipe2(in, O_CLOEXEC), 0);
            ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
            posix_spawn_file_actions_t fa;
            posix_spawn_file_actions_init(&fa);
            posix_spawn_file_actions_adddup2(&fa, in[0], 0);
            const int announce_fd = start_worker_.empty() ? 1 : std::stoi(start_worker_.substr(2));
            posix_spawn_file_actions_adddup2(&fa, out[1], announce_fd);
            char exe[4096];
            ssize_t len = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
            exe[len > 0 ? len : 0] = 0;
            std::string mode = start_worker_.empty() ? "--weft-worker" : "--start-worker=" + start_worker_;
            char* argv[] = {exe, mode.data(), nullptr};
            pid_t pid = 0;
            ASSERT_EQ(posix_spawn(&pid, exe, &fa, nullptr, argv, environ), 0);
            posix_spawn_file_actions_destroy(&fa);
            ::close(in[0]);
            ::close(out[1]);
            std::string c = weft::cluster_cookie() + "\n";
            ASSERT_EQ(::write(in[1], c.data(), c.size()), static_cast<ssize_t>(c.size()));
            ::close(in[1]);
            pids_.push_back(pid);
            weft::WorkerConfig cfg;
            cfg.command = std::string(exe) + " --weft-worker";
            cfg.userdata = static_cast<int>(pid);
            if (give_address_) {  // read `weft-worker ip:port` ourselves (blocking is fine: it is short)
                std::string line;
                char ch;
                while (::read(out[0], &ch, 1) == 1 && ch != '\n') line += ch;
                auto colon = line.rfind(':');
                cfg.host = line.substr(12, colon - 12);
                cfg.port = std::stoi(line.substr(colon + 1));
                ::close(out[0]);
            } else {
                cfg.io = out[0];
            }
            launched.push_back(std::move(cfg));
            notify.notify();
        }
    }
    void manage(int id, weft::WorkerConfig& cfg, weft::ManageOp op) override {
        ops.push_back(std::to_string(id) + ":" + std::to_string(static_cast<int>(op)));
        if (op == weft::ManageOp::deregister) {
            int st = 0;
            ::waitpid(std::any_cast<int>(cfg.userdata), &st, 0);
        }
        if (op == weft::ManageOp::interrupt) weft::ClusterManager::manage(id, cfg, op);  // over weft's connection
    }
    std::vector<std::string> ops;

  private:
    int n_;
    bool give_address_;
    std::string start_worker_;
    std::vector<pid_t> pids_;
};

std::string write_file(const std::string& text) {
    char path[] = "/tmp/weft-machines-XXXXXX";
    int fd = ::mkstemp(path);
    ::close(fd);
    std::ofstream(path) << text;
    return path;
}
}  // namespace

// The cookie reaches a local worker on its stdin, never in its environment, even where the
// master's own environment has WEFT_COOKIE (issue 17 item 8).
TEST(ClusterManager, LocalWorkersDoNotInheritWeftCookie) {
    ::setenv("WEFT_COOKIE", "a-cookie-in-the-masters-environment", 1);
    auto w = weft::addprocs(1);
    ::unsetenv("WEFT_COOKIE");
    const std::string names = weft::remotecall_fetch(started_environment, w[0]);
    EXPECT_NE(names.find("PATH\n"), std::string::npos) << names;  // the environment was read
    EXPECT_EQ(names.find("WEFT_COOKIE\n"), std::string::npos) << names;
    weft::rmprocs(w);
}

TEST(ClusterManager, LocalManagerByReference) {
    weft::LocalManager m(2);
    auto ids = weft::addprocs(m);
    ASSERT_EQ(ids.size(), 2u);
    for (int w : ids) EXPECT_EQ(weft::remotecall_fetch(whoami, w), w);
    weft::rmprocs(ids);
    EXPECT_EQ(weft::nprocs(), 1);
}

TEST(ClusterManager, AnnouncementReadFromIo) {
    PipeManager m(2, false);
    auto ids = weft::addprocs(m);
    ASSERT_EQ(ids.size(), 2u);
    for (int w : ids) EXPECT_EQ(weft::remotecall_fetch(whoami, w), w);
    weft::rmprocs(ids);
    std::vector<std::string> expect{std::to_string(ids[0]) + ":0", std::to_string(ids[1]) + ":0",
                                    std::to_string(ids[0]) + ":1", std::to_string(ids[1]) + ":1"};
    std::sort(m.ops.begin(), m.ops.end());
    std::sort(expect.begin(), expect.end());
    EXPECT_EQ(m.ops, expect);  // register_ when joined, deregister when removed
}

TEST(ClusterManager, HostAndPortFromTheManagerAndInterruptThroughManage) {
    PipeManager m(1, true);
    int w = weft::addprocs(m).at(0);
    auto f = weft::remotecall(spin_until_interrupted, w);
    weft::interrupt({w});
    try {
        weft::fetch(f);
        FAIL() << "no exception";
    } catch (const weft::RemoteException& e) {
        EXPECT_EQ(e.captured().type, "weft::InterruptException") << e.what();
    }
    EXPECT_EQ(weft::remotecall_fetch(whoami, w), w);
    weft::rmprocs(w);
}

// Julia's start_worker for a custom manager's workers: by default stdin is closed (here:
// /dev/null) once the cookie is read and stderr goes where stdout goes; both can be turned
// off; the announcement comes on the fd asked for. Workers started with --weft-worker keep
// both apart.
TEST(ClusterManager, StartWorkerClosesStdinAndSendsStderrToStdoutByDefault) {
    PipeManager m(1, false, "113");  // the announcement on fd 3; fd 1 stays the test's stdout
    int w = weft::addprocs(m).at(0);
    EXPECT_EQ(weft::remotecall_fetch(whoami, w), w);
    EXPECT_EQ(weft::remotecall_fetch(stdin_kind, w), "/dev/null");
    EXPECT_TRUE(weft::remotecall_fetch(stderr_is_stdout, w));
    weft::rmprocs(w);
}

TEST(ClusterManager, StartWorkerWithBothOptionsOffKeepsStdinAndStderr) {
    PipeManager m(1, false, "001");
    int w = weft::addprocs(m).at(0);
    EXPECT_EQ(weft::remotecall_fetch(stdin_kind, w), "pipe");
    EXPECT_FALSE(weft::remotecall_fetch(stderr_is_stdout, w));
    weft::rmprocs(w);
}

TEST(ClusterManager, WorkersOfWeftsManagersKeepStdinAndStderrApart) {
    PipeManager m(1, false);
    int w = weft::addprocs(m).at(0);
    EXPECT_EQ(weft::remotecall_fetch(stdin_kind, w), "pipe");
    EXPECT_FALSE(weft::remotecall_fetch(stderr_is_stdout, w));
    weft::rmprocs(w);
}

TEST(ClusterManager, StartWorkerAfterInitIsALogicError) {
    try {
        weft::start_worker();
        FAIL() << "start_worker returned";
    } catch (const std::logic_error& e) {
        EXPECT_NE(std::string(e.what()).find("instead of init"), std::string::npos) << e.what();
    }
}

namespace {
/// Julia's topology.jl example: local workers with ident 0, 1, 2, ...; even idents list
/// the other even ones in connect_idents, odd the odd ones.
class ParityManager : public weft::ClusterManager {
  public:
    explicit ParityManager(int n) : local_(n), n_(n) {}
    void launch(const weft::AddProcsOptions& o, std::vector<weft::WorkerConfig>& launched,
                weft::LaunchNotifier& notify) override {
        struct Tagger : weft::LaunchNotifier {
            std::vector<weft::WorkerConfig>* launched = nullptr;
            weft::LaunchNotifier* inner = nullptr;
            int n = 0;
            std::size_t tagged = 0;
            void notify() override {
                for (; tagged < launched->size(); ++tagged) {
                    const int i = static_cast<int>(tagged);
                    (*launched)[tagged].ident = i;
                    for (int j = 0; j < n; ++j)
                        if (j != i && j % 2 == i % 2) (*launched)[tagged].connect_idents.emplace_back(j);
                }
                inner->notify();
            }
            void fail(const std::string& e) override { inner->fail(e); }
        } tagger;
        tagger.launched = &launched;
        tagger.inner = &notify;
        tagger.n = n_;
        local_.launch(o, launched, tagger);
    }
    void manage(int id, weft::WorkerConfig& c, weft::ManageOp op) override { local_.manage(id, c, op); }

  private:
    weft::LocalManager local_;
    int n_;
};
}  // namespace

TEST(ClusterManager, CustomTopologyConnectsOnlyWhatConnectIdentsList) {
    ParityManager m(4);
    weft::AddProcsOptions o;
    o.topology = weft::Topology::custom;
    auto ws = weft::addprocs(m, o);  // ws[i] has ident i
    ASSERT_EQ(ws.size(), 4u);
    EXPECT_EQ(weft::remotecall_fetch(ask_whoami, ws[0], ws[2]), ws[2]);  // even to even
    EXPECT_EQ(weft::remotecall_fetch(ask_whoami, ws[3], ws[1]), ws[1]);  // odd to odd
    EXPECT_EQ(weft::remotecall_fetch(ask_whoami, ws[1], 1), 1);          // everyone reaches the master
    for (auto [from, to] : {std::pair{ws[0], ws[1]}, std::pair{ws[3], ws[2]}}) {
        try {
            weft::remotecall_fetch(ask_whoami, from, to);
            FAIL() << from << " reached " << to << " across the custom topology";
        } catch (const weft::RemoteException& e) {
            EXPECT_EQ(e.captured().type, "std::logic_error") << e.what();
            EXPECT_NE(e.captured().message.find("topology custom"), std::string::npos) << e.what();
            EXPECT_NE(e.captured().message.find("connect_idents"), std::string::npos) << e.what();
        }
    }
    EXPECT_EQ(weft::debug::connected_to(ws[0]), (std::vector<int>{1, ws[2]}));
    weft::rmprocs(ws);
}

TEST(ClusterManager, CustomTopologyWithLazyFalseConnectsTheListedPairsAtOnce) {
    ParityManager m(4);
    weft::AddProcsOptions o;
    o.topology = weft::Topology::custom;
    o.lazy = false;
    auto ws = weft::addprocs(m, o);
    ASSERT_EQ(ws.size(), 4u);
    EXPECT_EQ(weft::debug::connected_to(ws[0]), (std::vector<int>{1, ws[2]}));
    EXPECT_EQ(weft::debug::connected_to(ws[1]), (std::vector<int>{1, ws[3]}));
    weft::rmprocs(ws);
}

TEST(ClusterManager, ManagerWithoutAnyAddressIsAClearError) {
    struct Nothing : weft::ClusterManager {
        void launch(const weft::AddProcsOptions&, std::vector<weft::WorkerConfig>& l, weft::LaunchNotifier& n) override {
            l.emplace_back();
            n.notify();
        }
    } m;
    try {
        weft::addprocs(m);
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("gave neither host/port"), std::string::npos) << e.what();
    }
    EXPECT_EQ(weft::nprocs(), 1);
}

TEST(MachineFile, JuliaFormat) {
    auto path = write_file("# hosts\n\nnode1\n4*alice@node2:2222  # four\nauto*node3 10.0.0.3\n[::1]:22\n");
    auto ms = weft::parse_machine_file(path);
    ::unlink(path.c_str());
    ASSERT_EQ(ms.size(), 4u);
    EXPECT_EQ(ms[0].spec, "node1");
    EXPECT_EQ(ms[0].count, 1);
    EXPECT_EQ(ms[1].spec, "alice@node2:2222");
    EXPECT_EQ(ms[1].count, 4);
    EXPECT_EQ(ms[2].spec, "node3 10.0.0.3");
    EXPECT_EQ(ms[2].count, weft::Machine::auto_count);
    EXPECT_EQ(ms[3].spec, "[::1]:22");
}

TEST(MachineFile, BadLinesNameFileLineAndProblem) {
    struct Case { const char* text; const char* says; };
    for (auto c : {Case{"node1\nthree*node2\n", ":2: 'three' is not a worker count"},
                   Case{"node1:port\n", ":1: 'node1:port' has a bad port"},
                   Case{"node1:99999\n", "port out of range"},
                   Case{"a b c\n", "more than two fields"},
                   Case{"0*node1\n", "'0' is not a worker count"},
                   Case{"node1 u@10.0.0.1\n", "cannot have a user"}}) {
        auto path = write_file(c.text);
        try {
            weft::parse_machine_file(path);
            ADD_FAILURE() << "no exception for " << c.text;
        } catch (const std::invalid_argument& e) {
            std::string m = e.what();
            EXPECT_NE(m.find(path), std::string::npos) << m;
            EXPECT_NE(m.find(c.says), std::string::npos) << m;
        }
        ::unlink(path.c_str());
    }
    EXPECT_THROW(weft::parse_machine_file("/nonexistent/machines"), std::invalid_argument);
}
