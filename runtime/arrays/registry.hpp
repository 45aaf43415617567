// runtime/arrays/registry.hpp — the per-process registry of SharedArray mappings (shm.cpp),
// shared with file-backed arrays (file.cpp).
#pragma once
#include <memory>

#include "weft/shared_array.hpp"

namespace weft::detail {
/// Keeps `m` in this process's registry under m->name (released by shm_release_all).
void shm_register(const std::shared_ptr<ShmMapping>& m);
}  // namespace weft::detail
