// runtime/transport/transport.cpp — the offers exchanged after the handshake, and which
// transport a peer's frames take (transport.hpp).
//
//   OFFER  u32 length (0: nothing offered; at most max_offer)
//          u8 kind (1: UCX) | u64 token | u16 host length | host | u8 rdma | UCX worker address
//
// `host` names the shared-memory domain of the offering process (boot id, IPC and mount
// namespaces); `rdma` is 1 when its host has an RDMA device. WEFT_TRANSPORT=auto sends over
// UCX to a peer with the same host, or, when both hosts have RDMA, to any peer.
#include "transport/transport.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "cluster_state.hpp"
#include "config.hpp"
#include "log.hpp"
#include "transport/handshake.hpp"
#include "transport/ucx.hpp"
#include "weft/debug.hpp"

namespace weft::rt {

namespace {
constexpr std::uint32_t max_offer = 16 * 1024;

#ifdef WEFT_HAVE_UCX
constexpr std::uint8_t kind_ucx = 1;

std::string read_line(const char* path) {
    std::ifstream f(path);
    std::string s;
    std::getline(f, s);
    return s;
}

std::string ns_of(const char* path) {
    char buf[64];
    const ssize_t n = ::readlink(path, buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

/// Where shared memory is shared: the same kernel boot, IPC namespace (SysV segments) and
/// mount namespace (/dev/shm).
const std::string& host_key() {
    static const std::string k = read_line("/proc/sys/kernel/random/boot_id") + "/" + ns_of("/proc/self/ns/ipc") +
                                 "/" + ns_of("/proc/self/ns/mnt");
    return k;
}

template <class T>
void put(std::string& s, const T& v) {
    s.append(reinterpret_cast<const char*>(&v), sizeof v);
}

template <class T>
bool get(const std::string& s, std::size_t& at, T& v) {
    if (s.size() - at < sizeof v) return false;
    std::memcpy(&v, s.data() + at, sizeof v);
    at += sizeof v;
    return true;
}
#endif
}  // namespace

std::unique_ptr<FastPath> exchange_offers(tcp::socket& s, std::chrono::nanoseconds timeout, bool offer,
                                          bool connector) {
    std::string mine;
    std::unique_ptr<FastPath> path;
#ifdef WEFT_HAVE_UCX
    const auto policy = config::transport();
    if (offer && policy != config::Transport::tcp) {
        std::uint64_t token = 0;
        std::string address;
        path = ucx::new_link(token, address);
        if (path) {
            put(mine, kind_ucx);
            put(mine, token);
            put(mine, static_cast<std::uint16_t>(host_key().size()));
            mine += host_key();
            put(mine, static_cast<std::uint8_t>(ucx::rdma_here() ? 1 : 0));
            mine += address;
        }
    }
#else
    (void)offer;
#endif
    std::string frame;
    const auto len = static_cast<std::uint32_t>(mine.size());
    frame.append(reinterpret_cast<const char*>(&len), 4);
    frame += mine;
    // The connector writes first and the acceptor answers: when the connector's handshake
    // returns, the acceptor has all it needs to adopt the connection (a process that was
    // told "connected" finds the connection on both sides).
    if (connector) write_all(s, frame.data(), frame.size(), timeout);
    std::uint32_t theirs_len = 0;
    read_exact(s, &theirs_len, 4, timeout);
    if (theirs_len > max_offer)
        throw HandshakeError("the peer's transport offer is " + std::to_string(theirs_len) + " bytes, more than the " +
                             std::to_string(max_offer) + " a weft process sends (not a weft peer of this version?)");
    std::string theirs(theirs_len, '\0');
    if (theirs_len) read_exact(s, theirs.data(), theirs_len, timeout);
    if (!connector) {
        // Written without yielding when the socket takes it (a fresh socket always does):
        // the acceptor adopts the connection before anything else runs on this thread.
        ssize_t n;
        do n = ::send(s.native_handle(), frame.data(), frame.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        while (n < 0 && errno == EINTR);
        const std::size_t done = n > 0 ? static_cast<std::size_t>(n) : 0;
        if (done < frame.size()) write_all(s, frame.data() + done, frame.size() - done, timeout);
    }
#ifdef WEFT_HAVE_UCX
    if (!path || theirs.empty()) return path;
    std::size_t at = 0;
    std::uint8_t kind = 0;
    std::uint64_t token = 0;
    std::uint16_t host_len = 0;
    if (!get(theirs, at, kind) || !get(theirs, at, token) || !get(theirs, at, host_len) ||
        theirs.size() - at < host_len)
        throw HandshakeError("the peer's transport offer is malformed (" + std::to_string(theirs_len) + " bytes)");
    const std::string host = theirs.substr(at, host_len);
    at += host_len;
    if (kind != kind_ucx) return path;  // an engine this build does not know: TCP
    std::uint8_t rdma = 0;
    if (!get(theirs, at, rdma))
        throw HandshakeError("the peer's transport offer is malformed (" + std::to_string(theirs_len) + " bytes)");
    const bool same_host = host == host_key();
    if (policy == config::Transport::ucx || same_host || (rdma == 1 && ucx::rdma_here()))
        ucx::connect(*path, token, theirs.substr(at), same_host);
#endif
    return path;
}

void prestart_fast_path() {
#ifdef WEFT_HAVE_UCX
    if (config::transport() != config::Transport::tcp) ucx::prestart();
#endif
}

std::map<std::string, std::string> local_worker_env() {
    std::map<std::string, std::string> env;
#ifdef WEFT_HAVE_UCX
    if (config::transport() != config::Transport::tcp)
        for (auto& [k, v] : ucx::load_time_env())
            if (!std::getenv(k.c_str())) env[k] = v;
#endif
    return env;
}

std::uint64_t bytes_received_in_place() {
#ifdef WEFT_HAVE_UCX
    return ucx::bytes_received_in_place();
#else
    return 0;
#endif
}

std::string transport_to(int pid) {
    auto& st = state();
    auto it = st.peers.find(pid);
    if (it == st.peers.end() || !it->second.conn || !it->second.conn->is_open()) return "";
    return it->second.conn->transport();
}

}  // namespace weft::rt

namespace weft::debug {
std::string transport(int pid) { return rt::transport_to(pid); }
}  // namespace weft::debug
