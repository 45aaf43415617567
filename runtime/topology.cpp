// runtime/topology.cpp — who connects to whom beyond the lazy all-to-all default: the
// custom topology's ident/connect_idents test, and AddProcsOptions::lazy = false (every
// worker↔worker connection made during addprocs, as Julia's lazy=false).
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cluster_state.hpp"
#include "weft/exceptions.hpp"
#include "weft/remote.hpp"
#include "weft/remotecall.hpp"

namespace weft::rt {
namespace {
/// An ident as a comparable value: integers and strings (Julia compares any values; a
/// std::any can only be compared for types known here).
struct IdentKey {
    bool is_text = false;
    long long number = 0;
    std::string text;
    bool operator==(const IdentKey&) const = default;
};

std::optional<IdentKey> key_of(const std::any& a) {
    if (!a.has_value()) return std::nullopt;
    IdentKey k;
    if (auto* v = std::any_cast<int>(&a)) k.number = *v;
    else if (auto* v = std::any_cast<long>(&a)) k.number = *v;
    else if (auto* v = std::any_cast<long long>(&a)) k.number = *v;
    else if (auto* v = std::any_cast<unsigned>(&a)) k.number = *v;
    else if (auto* v = std::any_cast<std::string>(&a)) k = {true, 0, *v};
    else if (auto* v = std::any_cast<const char*>(&a)) k = {true, 0, *v ? *v : ""};
    else
        throw std::invalid_argument(std::string("weft: topology custom: a WorkerConfig ident (or connect_idents entry) "
                                                "of type ") +
                                    detail::demangle(a.type().name()) +
                                    " cannot be compared; use an int, long, long long, unsigned, std::string or "
                                    "const char*");
    return k;
}

bool lists(const WorkerConfig& a, const WorkerConfig& b) {  // b's ident is in a's connect_idents
    auto id = key_of(b.ident);
    if (!id) return false;
    for (const auto& c : a.connect_idents)
        if (key_of(c) == id) return true;
    return false;
}

/// Runs on a worker: connects now to each process listed (lazy = false).
void connect_peers_here(std::vector<int> pids) {
    for (int p : pids) connection_to(p);
}
}  // namespace

bool custom_linked(const WorkerConfig* a, const WorkerConfig* b) {
    if (!a || !b) return false;
    return lists(*a, *b) || lists(*b, *a);
}

void connect_eagerly(const std::vector<int>& added) {
    auto& st = state();
    if (st.topology == Topology::master_worker) return;
    std::vector<Future<void>> calls;
    for (int w : added) {
        auto me = st.peers.find(w);
        if (me == st.peers.end()) continue;
        std::vector<int> below;
        for (auto& [p, peer] : st.peers) {
            if (p == 1 || p >= w || peer.host.empty()) continue;
            if (st.topology == Topology::custom && !custom_linked(me->second.config.get(), peer.config.get())) continue;
            below.push_back(p);
        }
        if (!below.empty()) calls.push_back(remotecall(connect_peers_here, w, below));
    }
    for (auto& c : calls) wait(c);
}
}  // namespace weft::rt

WEFT_REMOTE_AS(weft_connect_peers_here, &weft::rt::connect_peers_here)
