// runtime/arrays/file.cpp — file-backed SharedArrays (Julia's SharedArray(filename, dims,
// offset; mode, ...)): the creator opens the file as the mode says (creating, truncating,
// extending it), maps the array's bytes MAP_SHARED from the page boundary at or below the
// offset, and every participant maps the same file (checked by device and inode) at the
// same path. The mappings live in the registry of shm.cpp and are released as segments
// are, but the file is never removed.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <string>
#include <system_error>

#include "registry.hpp"
#include "weft/remote.hpp"
#include "weft/remotecall.hpp"
#include "weft/shared_array.hpp"

namespace weft::detail {
namespace {
std::atomic<std::uint64_t> g_file_seq{0};

std::string on_me() { return " on process " + std::to_string(myid()) + " (os pid " + std::to_string(::getpid()) + ")"; }

/// "weft::SharedArray("<path>", ...)": how the messages name the call.
std::string call_of(const std::string& path) { return "weft::SharedArray(\"" + path + "\", ...)"; }

[[noreturn]] void fail_sys(int e, const std::string& what) { throw std::system_error(e, std::generic_category(), what); }

/// Maps [base, base + max(skip + bytes, 1)) of fd; the array starts `skip` bytes in.
std::shared_ptr<ShmMapping> map_file(int fd, const std::string& name, const std::string& path, std::size_t base,
                                     std::size_t skip, std::size_t bytes, bool writable) {
    const std::size_t len = std::max<std::size_t>(skip + bytes, 1);
    void* p = ::mmap(nullptr, len, PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED, fd, static_cast<off_t>(base));
    if (p == MAP_FAILED)
        fail_sys(errno, call_of(path) + ": cannot map " + std::to_string(len) + " bytes at file offset " +
                            std::to_string(base) + on_me() + " (check the address-space limit, ulimit -v, and that the "
                            "file is on a filesystem that supports shared mmap)");
    auto m = std::make_shared<ShmMapping>();
    m->name = name;
    m->addr = p;
    m->bytes = len;
    m->path = path;
    m->offset = base + skip;
    m->skip = skip;
    m->array_bytes = bytes;
    m->writable = writable;
    return m;
}

/// Remote side of file_attach_all: opens the creator's file at the same path, checks it is
/// the same file and long enough, maps it and keeps the mapping in the registry.
void file_attach_here(std::string name, std::string path, std::size_t base, std::size_t skip, std::size_t bytes,
                      bool writable, unsigned long long dev, unsigned long long ino) {
    if (shm_lookup(name)) return;
    const int fd = ::open(path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (fd < 0)
        fail_sys(errno, call_of(path) + ": cannot open the file" + on_me() +
                            "; every participant of a file-backed SharedArray must see the creator's file at the same "
                            "path (run them on the creator's host, as a user that may open it)");
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int e = errno;
        ::close(fd);
        fail_sys(e, call_of(path) + ": cannot stat the file" + on_me());
    }
    if (static_cast<unsigned long long>(st.st_dev) != dev || static_cast<unsigned long long>(st.st_ino) != ino) {
        ::close(fd);
        throw std::invalid_argument(call_of(path) + ": process " + std::to_string(myid()) +
                                    " sees another file at that path than the creator (another host, or the file "
                                    "was replaced); list only processes of the creator's host in SharedArrayOptions::pids");
    }
    if (static_cast<std::size_t>(st.st_size) < base + skip + bytes) {
        ::close(fd);
        throw std::invalid_argument(call_of(path) + ": the file is " + std::to_string(st.st_size) +
                                    " bytes long" + on_me() + ", shorter than the array's end at byte " +
                                    std::to_string(base + skip + bytes) + " (it was truncated meanwhile); recreate the array");
    }
    std::shared_ptr<ShmMapping> m;
    try {
        m = map_file(fd, name, path, base, skip, bytes, writable);
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
    m->file_dev = dev;
    m->file_ino = ino;
    shm_register(m);
}
}  // namespace
}  // namespace weft::detail

WEFT_REMOTE(weft::detail::file_attach_here)

namespace weft::detail {

std::shared_ptr<ShmMapping> file_create(const std::string& path_in, std::size_t offset, std::size_t bytes, std::size_t align,
                                        const std::string& mode_in, bool const_elements, bool has_init) {
    if (path_in.empty()) throw std::invalid_argument("weft::SharedArray: the file path is empty; give the file to map");
    std::error_code ec;
    std::string path = std::filesystem::absolute(path_in, ec).lexically_normal().string();
    if (ec) path = path_in;
    struct stat st {};
    const bool exists = ::stat(path.c_str(), &st) == 0;
    const std::string mode = mode_in.empty() ? (exists ? "r+" : "w+") : mode_in;
    int flags = 0;
    if (mode == "r") flags = O_RDONLY;
    else if (mode == "r+") flags = O_RDWR;
    else if (mode == "w+") flags = O_RDWR | O_CREAT | O_TRUNC;
    else if (mode == "a+") flags = O_RDWR | O_CREAT;
    else
        throw std::invalid_argument(call_of(path) + ": mode \"" + mode +
                                    "\" is not one of \"r\", \"r+\", \"w+\", \"a+\" (the array must be readable): \"r\" "
                                    "reads an existing file, \"r+\" reads and writes it, \"w+\" creates or truncates "
                                    "it, \"a+\" creates it or keeps its content");
    if (align > 1 && offset % align != 0)
        throw std::invalid_argument(call_of(path) + ": offset " + std::to_string(offset) +
                                    " is not a multiple of the element type's alignment (" + std::to_string(align) +
                                    " bytes); use an offset that is, or an element type of smaller alignment");
    if (mode == "r" && !const_elements)
        throw std::invalid_argument(call_of(path) + ": mode \"r\" maps the file read-only; declare the array "
                                    "weft::SharedArray<const T, N> to read it, or open it with \"r+\" to write it");
    if (mode == "r" && has_init)
        throw std::invalid_argument(call_of(path) + ": an init function cannot write an array opened read-only "
                                    "(mode \"r\"); open it with \"r+\", \"w+\" or \"a+\", or drop init");
    if (mode == "r" && !exists)
        throw std::invalid_argument(call_of(path) + ": the file does not exist, and mode \"r\" cannot create it; "
                                    "check the path, or create it with mode \"w+\" or \"a+\"");
    if (bytes > std::numeric_limits<std::size_t>::max() / 2 - offset)
        throw std::invalid_argument(call_of(path) + ": offset " + std::to_string(offset) + " plus the array's " +
                                    std::to_string(bytes) + " bytes is too large a file");
    const std::size_t need = offset + bytes;
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0666);
    if (fd < 0)
        fail_sys(errno, call_of(path) + ": cannot open the file with mode \"" + mode + "\"" + on_me() +
                            (mode == "r+" ? " (\"r+\" needs an existing file: \"w+\" or \"a+\" create one)"
                                          : " (check the path and its permissions)"));
    auto close_and = [fd](auto&& f) {
        const int e = errno;
        ::close(fd);
        f(e);
    };
    if (::fstat(fd, &st) != 0) close_and([&](int e) { fail_sys(e, call_of(path) + ": cannot stat the file" + on_me()); });
    if (!S_ISREG(st.st_mode))
        close_and([&](int) {
            throw std::invalid_argument(call_of(path) + ": not a regular file; a SharedArray maps a regular file");
        });
    const auto size = static_cast<std::size_t>(st.st_size);
    if (size < need) {
        if (mode == "r")
            close_and([&](int) {
                throw std::invalid_argument(call_of(path) + ": the file is " + std::to_string(size) +
                                            " bytes long, too short for " + std::to_string(bytes) +
                                            " bytes of array at offset " + std::to_string(offset) + " (it needs " +
                                            std::to_string(need) + "); check the dims, the element type and the "
                                            "offset, or open it with \"r+\" or \"a+\" to extend it");
            });
        // Extended (with zeros) as Julia's mmap grows a writable file; the new blocks are
        // allocated now, so that a full disk is an error here, not a SIGBUS at first write.
        if (::ftruncate(fd, static_cast<off_t>(need)) != 0)
            close_and([&](int e) {
                fail_sys(e, call_of(path) + ": cannot extend the file from " + std::to_string(size) + " to " +
                                std::to_string(need) + " bytes" + on_me() + " (check the free space and the file size limit)");
            });
        const int rc = ::posix_fallocate(fd, static_cast<off_t>(size), static_cast<off_t>(need - size));
        if (rc == ENOSPC || rc == EDQUOT || rc == EFBIG) {
            [[maybe_unused]] const int ignored = ::ftruncate(fd, static_cast<off_t>(size));
            ::close(fd);
            fail_sys(rc, call_of(path) + ": no room to extend the file from " + std::to_string(size) + " to " +
                             std::to_string(need) + " bytes" + on_me() + "; free space on its filesystem or use a smaller array");
        }
    }
    const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    const std::size_t base = offset / page * page;
    const std::string name = path + "#" + std::to_string(::getpid()) + "-" + std::to_string(g_file_seq.fetch_add(1));
    std::shared_ptr<ShmMapping> m;
    try {
        m = map_file(fd, name, path, base, offset - base, bytes, mode != "r");
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
    m->file_dev = static_cast<unsigned long long>(st.st_dev);
    m->file_ino = static_cast<unsigned long long>(st.st_ino);
    shm_register(m);
    return m;
}

void file_attach_all(const ShmMapping& m, const std::vector<int>& mapped) {
    const int me = myid();
    const std::size_t base = m.offset - m.skip;
    std::vector<int> asked;
    std::vector<Future<void>> calls;
    for (int p : mapped) {
        if (p == me) continue;
        asked.push_back(p);
        calls.push_back(remotecall(file_attach_here, p, m.name, m.path, base, m.skip, m.array_bytes, m.writable, m.file_dev, m.file_ino));
    }
    wait_or_release(calls, nullptr, m.name, asked);
}

}  // namespace weft::detail
