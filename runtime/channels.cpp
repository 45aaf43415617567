// runtime/channels.cpp — the non-template parts of Channel and RemoteChannel: their errors,
// and RemoteChannel operations called from threads other than the runtime thread.
#include <future>
#include <string>

#include "tasks/fiber.hpp"

#include "weft/channel.hpp"
#include "weft/remote_channel.hpp"

namespace weft::detail {

void throw_channel_closed() { throw InvalidStateException("Channel is closed."); }

bool on_runtime_thread_now() { return rt::on_runtime_thread(); }

void run_in_runtime_task(void (*job)(void* ctx) noexcept, void* ctx) {
    if (!rt::scheduler_installed())
        throw std::logic_error("weft: a RemoteChannel operation from another thread before weft::init");
    std::promise<void> done;
    rt::post_to_runtime([&] {
        rt::launch([&] {
            job(ctx);
            done.set_value();
        });
    });
    done.get_future().wait();
}

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
