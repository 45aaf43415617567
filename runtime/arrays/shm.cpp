// runtime/arrays/shm.cpp — the shared memory behind SharedArray: segments created with
// shm_open(O_EXCL, 0600) + ftruncate + mmap, their pages allocated by the participants in
// parallel (MADV_POPULATE_WRITE, else posix_fallocate) so that a full /dev/shm is an error,
// never a SIGBUS; a per-process registry of mappings; unlinking once every participant
// mapped it; release on every participant when the last handle is gone; removal of
// segments left by dead processes.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>

#include "../cluster_state.hpp"
#include "../log.hpp"
#include "registry.hpp"
#include "weft/exceptions.hpp"
#include "weft/remote.hpp"
#include "weft/remotecall.hpp"
#include "weft/shared_array.hpp"

namespace weft::detail {

namespace {
struct Registry {
    std::mutex mu;
    std::unordered_map<std::string, std::shared_ptr<ShmMapping>> maps;
};
// Never destroyed: stored tokens may release during static destruction.
Registry& registry() {
    static Registry* r = new Registry;
    return *r;
}
std::atomic<std::uint64_t> g_seq{0};
std::once_flag g_stale_once;
bool g_populate_checked = false;
bool g_populate_works = false;

std::string errno_text(int e) { return std::strerror(e); }

std::string human_bytes(std::size_t b) {
    char buf[64];
    if (b >= (1ull << 30)) std::snprintf(buf, sizeof buf, "%.2f GiB", b / double(1ull << 30));
    else if (b >= (1ull << 20)) std::snprintf(buf, sizeof buf, "%.2f MiB", b / double(1ull << 20));
    else std::snprintf(buf, sizeof buf, "%zu bytes", b);
    return std::to_string(b) + " bytes (" + buf + ")";
}

std::size_t round_to_page(std::size_t bytes) {
    const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    if (bytes == 0) return page;
    return (bytes + page - 1) / page * page;
}

/// The "/dev/shm is full" error: the size, the place, what to do.
[[noreturn]] void throw_no_space(std::size_t bytes, const std::string& name, const std::string& how) {
    std::string avail;
    struct statvfs fs {};
    if (::statvfs("/dev/shm", &fs) == 0)
        avail = " (" + human_bytes(static_cast<std::size_t>(fs.f_bavail) * fs.f_frsize) + " free of " +
                human_bytes(static_cast<std::size_t>(fs.f_blocks) * fs.f_frsize) + ")";
    throw std::runtime_error(
        "weft: cannot allocate a SharedArray of " + human_bytes(bytes) + " in /dev/shm (segment " + name + ", process " +
        std::to_string(myid()) + ", " + how + "): no space left on /dev/shm" + avail +
        "; free space there (remove unused files, finalize SharedArrays you no longer need), enlarge it (mount -o "
        "remount,size=<N>G /dev/shm, or docker --shm-size), or use a smaller array");
}

/// Allocates and maps share k of np of the mapping's pages (byte range k*len/np ..
/// (k+1)*len/np, widened to pages) with MADV_POPULATE_WRITE: the pages are zeroed and
/// mapped here, in parallel with the other participants, and a full /dev/shm is an
/// error instead of a SIGBUS at first touch. Returns false when the kernel lacks
/// MADV_POPULATE_WRITE (Linux < 5.14).
bool populate_share(const ShmMapping& m, std::size_t k, std::size_t np) {
#ifdef MADV_POPULATE_WRITE
    const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    const auto lo = static_cast<std::size_t>((static_cast<unsigned __int128>(k) * m.bytes) / np) / page * page;
    auto hi = static_cast<std::size_t>((static_cast<unsigned __int128>(k + 1) * m.bytes) / np);
    hi = std::min(m.bytes, (hi + page - 1) / page * page);
    if (hi <= lo) return true;
    if (::madvise(static_cast<char*>(m.addr) + lo, hi - lo, MADV_POPULATE_WRITE) == 0) return true;
    const int e = errno;
    if (e == EINVAL) return false;
    if (e == EFAULT || e == ENOMEM || e == ENOSPC) throw_no_space(m.bytes, m.name, "allocating its share of the pages");
    throw std::runtime_error("weft: cannot allocate SharedArray segment /dev/shm" + m.name + " on process " +
                             std::to_string(myid()) + ": madvise(MADV_POPULATE_WRITE): " + errno_text(e));
#else
    (void)m, (void)k, (void)np;
    return false;
#endif
}

std::shared_ptr<ShmMapping> map_fd(int fd, const std::string& name, std::size_t bytes) {
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        const int e = errno;
        throw std::runtime_error("weft: cannot map SharedArray segment /dev/shm" + name + " (" + human_bytes(bytes) +
                                 ") on process " + std::to_string(myid()) + ": " + errno_text(e) +
                                 "; check the address-space limit (ulimit -v)");
    }
    auto m = std::make_shared<ShmMapping>();
    m->name = name;
    m->addr = p;
    m->bytes = bytes;
    return m;
}

void register_mapping(const std::shared_ptr<ShmMapping>& m) {
    auto& r = registry();
    std::lock_guard lk(r.mu);
    r.maps[m->name] = m;
}

void release_local(const std::string& name) {
    std::shared_ptr<ShmMapping> drop;  // unmapped outside the lock
    auto& r = registry();
    std::lock_guard lk(r.mu);
    auto it = r.maps.find(name);
    if (it == r.maps.end()) return;
    drop = std::move(it->second);
    r.maps.erase(it);
}

/// Remote side of shm_attach_all: maps the segment, allocates this process's share of
/// the pages (share < 0: none), and keeps the mapping in the registry.
void shm_attach_here(std::string name, std::size_t bytes, int share, int nshares) {
    if (shm_lookup(name)) return;
    const int fd = ::shm_open(name.c_str(), O_RDWR, 0600);
    if (fd < 0) {
        const int e = errno;
        throw std::runtime_error("weft: process " + std::to_string(myid()) + " (os pid " + std::to_string(::getpid()) +
                                 ") cannot open SharedArray segment /dev/shm" + name + ": " + errno_text(e) +
                                 "; every participant of a SharedArray must run on the creator's host as the same user");
    }
    std::shared_ptr<ShmMapping> m;
    try {
        m = map_fd(fd, name, bytes);
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
    if (share >= 0) populate_share(*m, static_cast<std::size_t>(share), static_cast<std::size_t>(nshares));
    register_mapping(m);
}

void shm_release_here(std::string name) { release_local(name); }

bool alive_peer(int pid) {
    auto& st = rt::state();
    return pid == st.myid || st.peers.count(pid) > 0;
}
}  // namespace
}  // namespace weft::detail

WEFT_REMOTE(weft::detail::shm_attach_here, weft::detail::shm_release_here)

namespace weft::detail {

ShmMapping::~ShmMapping() {
    if (addr) ::munmap(addr, bytes);
}

std::shared_ptr<ShmMapping> shm_create(std::size_t bytes) {
    std::call_once(g_stale_once, [] { shm_remove_stale(); });
    const std::size_t len = round_to_page(bytes);
    std::string name;
    int fd = -1;
    for (int attempt = 0; attempt < 1000 && fd < 0; ++attempt) {
        name = "/weft-" + std::to_string(::getpid()) + "-" + std::to_string(g_seq.fetch_add(1));
        fd = ::shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
        if (fd < 0 && errno != EEXIST) {
            const int e = errno;
            throw std::runtime_error("weft: cannot create SharedArray segment /dev/shm" + name + " on process " +
                                     std::to_string(myid()) + ": " + errno_text(e) +
                                     "; check that /dev/shm is mounted (tmpfs) and writable");
        }
    }
    if (fd < 0) throw std::runtime_error("weft: no free SharedArray segment name under /dev/shm/weft-" +
                                         std::to_string(::getpid()) + "-*");
    // The pages are allocated before the constructor returns, so that a full /dev/shm is
    // an error and never a SIGBUS at first touch (which a bare ftruncate would give):
    // by the participants in parallel (shm_attach_all, MADV_POPULATE_WRITE), or here with
    // posix_fallocate where the kernel lacks that. A quick check first for the common case.
    struct statvfs fs {};
    if (::statvfs("/dev/shm", &fs) == 0 && static_cast<std::size_t>(fs.f_bavail) * fs.f_frsize < len) {
        ::close(fd);
        ::shm_unlink(name.c_str());
        throw_no_space(bytes, name, "creating it");
    }
    if (::ftruncate(fd, static_cast<off_t>(len)) != 0) {
        const int e = errno;
        ::close(fd);
        ::shm_unlink(name.c_str());
        if (e == ENOSPC || e == EFBIG) throw_no_space(bytes, name, "creating it");
        throw std::runtime_error("weft: cannot size SharedArray segment /dev/shm" + name + " to " + human_bytes(len) + ": " +
                                 errno_text(e));
    }
    if (!g_populate_checked) {
        // One page tells whether MADV_POPULATE_WRITE works here.
        g_populate_checked = true;
#ifdef MADV_POPULATE_WRITE
        void* probe = ::mmap(nullptr, 1, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (probe != MAP_FAILED) {
            g_populate_works = ::madvise(probe, 1, MADV_POPULATE_WRITE) == 0 || errno != EINVAL;
            ::munmap(probe, 1);
        }
#endif
    }
    if (!g_populate_works) {
        const int rc = ::posix_fallocate(fd, 0, static_cast<off_t>(len));
        if (rc != 0) {
            ::close(fd);
            ::shm_unlink(name.c_str());
            if (rc == ENOSPC) throw_no_space(bytes, name, "posix_fallocate");
            throw std::runtime_error("weft: cannot allocate a SharedArray of " + human_bytes(bytes) + " in /dev/shm (segment " +
                                     name + ", process " + std::to_string(myid()) + "): posix_fallocate: " + errno_text(rc));
        }
    }
    std::shared_ptr<ShmMapping> m;
    try {
        m = map_fd(fd, name, len);
    } catch (...) {
        ::close(fd);
        ::shm_unlink(name.c_str());
        throw;
    }
    ::close(fd);
    register_mapping(m);
    return m;
}

void shm_register(const std::shared_ptr<ShmMapping>& m) { register_mapping(m); }

std::shared_ptr<ShmMapping> shm_lookup(const std::string& name) {
    auto& r = registry();
    std::lock_guard lk(r.mu);
    auto it = r.maps.find(name);
    return it == r.maps.end() ? nullptr : it->second;
}

void shm_attach_all(const std::string& name, std::size_t bytes, const std::vector<int>& mapped,
                    const std::vector<int>& participants) {
    const int me = myid();
    auto share_of = [&](int p) {
        if (!g_populate_works) return -1;
        for (std::size_t k = 0; k < participants.size(); ++k)
            if (participants[k] == p) return static_cast<int>(k);
        return -1;
    };
    const int np = static_cast<int>(participants.size());
    std::vector<int> asked;
    std::vector<Future<void>> calls;
    for (int p : mapped) {
        if (p == me) continue;
        asked.push_back(p);
        calls.push_back(remotecall(shm_attach_here, p, name, bytes, share_of(p), np));
    }
    std::exception_ptr err;
    try {
        if (const int k = share_of(me); k >= 0) {
            if (auto m = shm_lookup(name)) populate_share(*m, static_cast<std::size_t>(k), static_cast<std::size_t>(np));
        }
    } catch (...) {
        err = std::current_exception();
    }
    wait_or_release(calls, err, name, asked);
}

void shm_unlink(const std::string& name) { ::shm_unlink(name.c_str()); }

void wait_or_release(std::vector<Future<void>>& calls, std::exception_ptr err, const std::string& name,
                     const std::vector<int>& asked) {
    for (auto& c : calls) {
        try {
            weft::wait(c);
        } catch (...) {
            if (!err) err = std::current_exception();
        }
    }
    if (err) {
        shm_release_all(name, asked);
        std::rethrow_exception(err);
    }
}

void shm_release_all(const std::string& name, const std::vector<int>& pids) {
    release_local(name);
    auto& st = rt::state();
    if (st.shutting_down || !rt::scheduler_installed()) return;
    std::vector<int> others;
    for (int p : pids)
        if (p != st.myid) others.push_back(p);
    if (others.empty()) return;
    auto send = [name, others] {
        if (rt::state().shutting_down) return;
        for (int p : others) {
            if (!alive_peer(p)) continue;  // a dead process's mappings went with it
            try {
                remote_do(shm_release_here, p, name);
            } catch (const std::exception& e) {
                rt::log_debug("SharedArray ", name, ": release on process ", p, " not sent: ", e.what());
            }
        }
    };
    // May run inside an I/O handler (the last reference's del): sending happens on a task.
    if (rt::on_runtime_thread()) rt::launch(send);
    else rt::post_to_runtime([send] { rt::launch(send); });
}

int shm_remove_stale() {
    DIR* d = ::opendir("/dev/shm");
    if (!d) return 0;
    int removed = 0;
    while (dirent* e = ::readdir(d)) {
        const char* n = e->d_name;
        if (std::strncmp(n, "weft-", 5) != 0) continue;
        char* end = nullptr;
        const long pid = std::strtol(n + 5, &end, 10);
        if (pid <= 0 || !end || *end != '-') continue;
        if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // alive (or not ours to judge)
        if (::shm_unlink((std::string("/") + n).c_str()) == 0) {
            ++removed;
            rt::log_debug("removed stale SharedArray segment /dev/shm/", n, " of dead process ", pid);
        }
    }
    ::closedir(d);
    return removed;
}

std::vector<int> shm_default_pids() {
    const int me = myid();
    std::vector<int> v;
    for (int p : weft::procs(me))
        if (p != 1) v.push_back(p);
    if (v.empty()) v.push_back(me);
    return v;
}

void shm_not_mapped(const std::string& name, const std::vector<int>& pids) {
    std::string list;
    for (int p : pids) list += (list.empty() ? "" : ", ") + std::to_string(p);
    if (name.empty())
        throw InvalidStateException("this SharedArray handle is empty or was finalized (process " + std::to_string(myid()) + ")");
    throw InvalidStateException("SharedArray " + name + " is not mapped on process " + std::to_string(myid()) +
                                ", which is not one of its participants {" + list +
                                "} (nor its creator); list the process in SharedArrayOptions::pids");
}

}  // namespace weft::detail
