// runtime/channels.cpp — the non-template parts of Channel and RemoteChannel: their errors.
#include <string>

#include "weft/channel.hpp"
#include "weft/remote_channel.hpp"

namespace weft::detail {

void throw_channel_closed() { throw InvalidStateException("Channel is closed."); }

void throw_no_channel(const RRID& id) {
    throw InvalidStateException("RemoteChannel {" + std::to_string(id.whence) + ", " + std::to_string(id.id) +
                                "} does not exist on process " + std::to_string(weft::myid()) +
                                ": its last handle was dropped or finalized, or it was never made there");
}

void rethrow_channel_error(const RemoteException& e) {
    if (e.captured().type == "weft::InvalidStateException") throw InvalidStateException(e.captured().message);
    throw e;
}

}  // namespace weft::detail
