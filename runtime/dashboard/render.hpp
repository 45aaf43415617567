// runtime/dashboard/render.hpp — the dashboard's three forms of one Snapshot: JSON for
// /api/state and the page, the Prometheus text format for /metrics, and plain text for
// `weftrun --status`.
#pragma once
#include <string>

#include "dashboard/stats.hpp"

namespace weft::rt::dash {

std::string state_json(const Snapshot& s);
/// Prometheus text exposition format 0.0.4: HELP and TYPE before each family, label
/// values escaped, counters ending in _total.
std::string metrics_text(const Snapshot& s);
/// A table of processes, the maps in progress and the recent errors, for a terminal.
std::string status_text(const Snapshot& s);

/// The page (runtime/dashboard/page.html, compiled in by runtime/CMakeLists.txt).
extern const char page_html[];

}  // namespace weft::rt::dash
