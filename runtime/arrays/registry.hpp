// runtime/arrays/registry.hpp — the per-process registry of SharedArray mappings (shm.cpp),
// shared with file-backed arrays (file.cpp).
#pragma once
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "weft/shared_array.hpp"

namespace weft::detail {
/// Keeps `m` in this process's registry under m->name (released by shm_release_all).
void shm_register(const std::shared_ptr<ShmMapping>& m);
/// Waits for every call of a set-up round on the participants; if any failed (or `err`
/// is already set), releases the mapping `name` on `asked` and rethrows the first error.
void wait_or_release(std::vector<Future<void>>& calls, std::exception_ptr err, const std::string& name,
                     const std::vector<int>& asked);
}  // namespace weft::detail
