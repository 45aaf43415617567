// runtime/asio.hpp — the one place the runtime includes Boost.Asio (after <utility>,
// asio#944). Only the files that own sockets, pipes or timers include it.
#pragma once
#include <utility>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

namespace weft::rt {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
/// The io_context of this process's runtime thread (created by install_scheduler, never
/// destroyed: fibers and handles may outlive main).
asio::io_context& io();
}  // namespace weft::rt
