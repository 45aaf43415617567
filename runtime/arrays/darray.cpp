// runtime/arrays/darray.cpp — what DArray needs from the runtime: the chunk a Future on
// this process holds, by reference (the owner's stored value, never a copy), and a
// per-process random seed.
#include <sys/random.h>

#include <chrono>
#include <stdexcept>
#include <string>

#include "../cluster_state.hpp"
#include "../log.hpp"
#include "../remote_refs.hpp"
#include "weft/darray.hpp"

namespace weft::detail {

std::shared_ptr<void> stored_value(const RRID& id, const std::type_info& type) {
    auto s = rt::stored_lookup(id, false);
    const std::string where = "{" + std::to_string(id.whence) + ", " + std::to_string(id.id) + "} on process " +
                              std::to_string(rt::state().myid);
    if (!s || !s->ready) throw std::logic_error("weft: DArray chunk " + where + " is not stored here (released?)");
    if (s->error) throw RemoteException(*s->error);
    if (s->bytes || !s->value.ptr || *s->value.type != type)
        throw std::logic_error("weft: DArray chunk " + where + " holds " +
                               (s->bytes ? std::string("serialized bytes") : demangle(s->value.type->name())) + ", not " +
                               demangle(type.name()));
    return s->value.ptr;
}

std::uint64_t random_seed() {
    std::uint64_t seed = 0;
    if (::getrandom(&seed, sizeof seed, 0) != sizeof seed)
        seed = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    return seed ^ (static_cast<std::uint64_t>(rt::state().myid) << 48);
}

}  // namespace weft::detail
