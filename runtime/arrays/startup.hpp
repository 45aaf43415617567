// runtime/arrays/startup.hpp — what weft::init does for shared memory in the master.
#pragma once

namespace weft::detail {
/// Removes /dev/shm/weft-<pid>-* segments whose creating process is dead (shm.cpp).
int shm_remove_stale();
}  // namespace weft::detail
