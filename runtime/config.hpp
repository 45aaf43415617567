// runtime/config.hpp — every WEFT_* environment variable the runtime reads, in one place:
// one reader per variable, each validating its value, and the table docs/runtime.md shows.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "log.hpp"

namespace weft::rt::config {

/// One variable: its name, its default as docs/runtime.md writes it, and `check`, which
/// reads the current value and throws what the variable's reader throws for a bad one.
struct Variable {
    const char* name;
    const char* fallback;
    void (*check)();
};

/// Every variable, in the order of docs/runtime.md's table (a test compares the two).
const std::vector<Variable>& variables();

/// Reads every variable now; throws std::invalid_argument naming each bad one (variable,
/// value, what is accepted). weft::init calls it first, so a typo stops the program at
/// once instead of being ignored or surfacing later in a noexcept path.
void check_all();

// Readers. Each reads its variable when called (callers that must not re-read keep the
// result) and throws std::invalid_argument with the message described above. An empty
// value counts as unset. Thread-safe as getenv is: no one calls setenv concurrently.

/// WEFT_PROCS: the workers weft::init starts (`auto`: one per core); nullopt if unset.
std::optional<int> procs();
/// WEFT_MACHINE_FILE: the machine file weft::init starts SSH workers from ("" if unset).
std::string machine_file();
/// WEFT_SSH: the ssh client SSHManager runs ("ssh" if unset).
std::string ssh();
/// WEFT_WORKER_TIMEOUT: how long a worker and its master wait for each other (60 s).
std::chrono::seconds worker_timeout();
/// WEFT_BIND_ADDR: the IP address workers and SPMD ranks bind and advertise ("" if unset).
std::string bind_addr();
/// WEFT_MASTER_ADDR: `<ip>:<port>` where SPMD ranks meet rank 0 ("" if unset).
std::string master_addr();
/// WEFT_COOKIE: the cluster cookie of the master or an SPMD start ("" if unset).
std::string cookie();
/// WEFT_COOKIE_FILE: the file a worker reads its cookie from instead of stdin ("" if unset).
std::string cookie_file();
/// WEFT_LOG_LEVEL: the least severe diagnostics written to stderr (warn).
LogLevel log_level();
/// WEFT_MAX_FRAME: the largest message a process accepts, in bytes (1 GiB).
std::uint64_t max_frame();
/// WEFT_TASK_STACK_KB: the stack of each task, in KiB (1024).
std::size_t task_stack_kb();
/// WEFT_SPIN_US: how long an idle process polls its sockets before it sleeps, in µs (50).
long spin_us();
/// How messages travel between two processes (WEFT_TRANSPORT).
enum class Transport { automatic, tcp, ucx };
/// WEFT_TRANSPORT: auto (UCX to a peer on this host when weft was built with UCX, TCP
/// otherwise), tcp, or ucx (UCX to every peer). `ucx` in a build without UCX is an error.
Transport transport();
/// Whether big arrays sent over UCX are received straight into the values that hold them
/// (WEFT_UCX_IN_PLACE).
enum class InPlace { automatic, yes, no };
/// WEFT_UCX_IN_PLACE: auto (only to peers on other hosts, reached by RDMA), yes, no.
InPlace ucx_in_place();
/// WEFT_MALLOC_TUNING: whether weft keeps big freed blocks in glibc's heap (true).
bool malloc_tuning();
/// WEFT_SPMD: whether weft::init looks for an srun/mpiexec launch of ranks (true).
bool spmd();
/// WEFT_OUTPUT_LOCAL: whether workers keep their stdout/stderr instead of relaying it to
/// the master (false).
bool output_local();
/// WEFT_PROGRESS: whether pmap and asynchronous distributed loops draw progress (false).
bool progress();
/// WEFT_DASHBOARD: where the master serves its dashboard, `<port>` or `<ip>:<port>`
/// (port 0: any free one; ip: 127.0.0.1 unless given); nullopt if unset (no dashboard).
struct DashboardAddr {
    std::string ip;
    int port = 0;
};
std::optional<DashboardAddr> dashboard();
/// WEFT_NUM_THREADS: the weft::threads pool size (the core count).
int num_threads();
/// WEFT_THREADPOOL_SIZE: the threadcall pool size (4).
int threadpool_size();
/// WEFT_THREADS_SPIN_US: how long idle pool threads spin, in µs; nullopt if unset (the
/// pool then chooses by oversubscription).
std::optional<long> threads_spin_us();

}  // namespace weft::rt::config
