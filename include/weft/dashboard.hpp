// weft/dashboard.hpp — a live web dashboard of the cluster, served by the master
// (docs/dashboard.md): workers with CPU and memory, maps in progress with ETA, recent
// errors; /api/state (JSON) and /metrics (Prometheus) beside the page.
#pragma once
#include <string>

namespace weft {

/// Starts the dashboard on the master: an HTTP server on `bind`:`port` (port 0: any free
/// port) on a thread of its own, and prints its address with a random access token,
/// `weft: dashboard at http://127.0.0.1:<port>/?token=<token>`, on stderr. Every request
/// (`/`, `/api/state`, `/api/status`, `/metrics`) needs the token, as `?token=` or an
/// `Authorization: Bearer` header. Returns that URL. WEFT_DASHBOARD=<port> or
/// <ip>:<port> starts it from weft::init.
///
/// Not blocking (the server answers while the master computes); call it from the
/// master's runtime thread (main, or a task). A second call returns the running
/// dashboard's URL. Throws std::logic_error on a worker, std::invalid_argument for a bad
/// address or port, std::runtime_error when the address cannot be bound (the message
/// names it).
///
///     int main(int argc, char** argv) {
///         weft::init(argc, argv);
///         weft::addprocs(4);
///         weft::dashboard(8787);  // open the printed URL in a browser
///         auto r = weft::pmap(simulate, inputs);
///     }
std::string dashboard(int port, const std::string& bind = "127.0.0.1");

}  // namespace weft
