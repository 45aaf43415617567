// examples/jobs_results.cpp — the Julia manual's remote-channel example: a task on the
// master feeds job ids into a `jobs` RemoteChannel; every worker runs do_work, taking jobs
// and putting (job id, time taken, its id) into a `results` RemoteChannel; the master
// prints the results as they arrive and checks that every job was done exactly once.
#include <chrono>
#include <cstdio>
#include <random>
#include <set>
#include <tuple>

#include <weft/weft.hpp>

using Result = std::tuple<int, double, int>;  // job id, seconds, worker

void do_work(weft::RemoteChannel<int> jobs, weft::RemoteChannel<Result> results) {
    std::mt19937 rng(static_cast<unsigned>(weft::myid()));
    std::uniform_real_distribution<double> exectime(0.0, 0.05);
    for (;;) {
        int job = jobs.take();
        if (job < 0) return;  // no more jobs
        double t = exectime(rng);
        weft::sleep(std::chrono::duration<double>(t));  // simulates the work
        results.put({job, t, weft::myid()});
    }
}
WEFT_REMOTE(do_work)

void make_jobs(weft::RemoteChannel<int> jobs, int n) {
    for (int i = 1; i <= n; ++i) jobs.put(i);
}

int main(int argc, char** argv) {
    weft::init(argc, argv);
    if (weft::nprocs() == 1) weft::addprocs(4);
    weft::RemoteChannel<int> jobs([] { return weft::Channel<int>(32); }, 1);
    weft::RemoteChannel<Result> results([] { return weft::Channel<Result>(32); }, 1);
    const int n = 12;
    weft::async([=] { make_jobs(jobs, n); });  // feed the jobs channel with n jobs
    for (int p : weft::workers()) weft::remote_do(do_work, p, jobs, results);

    auto start = std::chrono::steady_clock::now();
    std::set<int> done;
    std::set<int> used;
    for (int left = n; left > 0; --left) {
        auto [job, t, where] = results.take();
        std::printf("%d finished in %.2f seconds on worker %d\n", job, t, where);
        done.insert(job);
        used.insert(where);
    }
    for (int k = 0; k < weft::nworkers(); ++k) jobs.put(-1);  // let every do_work return
    std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    std::printf("%zu distinct jobs of %d done on %zu workers in %.3f s\n", done.size(), n, used.size(),
                elapsed.count());
    return done.size() == static_cast<std::size_t>(n) ? 0 : 1;
}
