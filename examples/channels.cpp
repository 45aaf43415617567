// examples/channels.cpp — local channels as in the Julia manual: a producer task bound
// to a channel and consumed with range-for; a buffered channel drained after close; the
// error of a put on a closed channel; four tasks working off one jobs channel.
#include <cstdio>
#include <string>
#include <tuple>

#include <weft/weft.hpp>

void producer(weft::Channel<std::string>& c) {
    c.put("start");
    for (int n = 1; n <= 4; ++n) c.put(std::to_string(2 * n));
    c.put("stop");
}

int main(int argc, char** argv) {
    weft::init(argc, argv);

    // Channel(producer): the task runs producer(ch) and closes the channel when it returns.
    weft::Channel<std::string> chnl(producer);
    for (const auto& x : chnl) std::printf("%s ", x.c_str());
    std::printf("\n");

    // A buffered channel; the for loop ends because the channel is closed.
    weft::Channel<int> c(10);
    for (int i = 1; i <= 3; ++i) c.put(i);
    c.close();
    std::printf("data =");
    for (int i : c) std::printf(" %d", i);
    std::printf("\n");

    weft::Channel<int> closed(2);
    closed.put(1);
    closed.close();
    try {
        closed.put(2);
    } catch (const weft::InvalidStateException& e) {
        std::printf("put on a closed channel: %s\n", e.what());
    }
    int fetched = closed.fetch();  // returns the remaining item, leaves it in
    int taken = closed.take();     // removes it
    std::printf("fetch %d, take %d, isready %d\n", fetched, taken, closed.isready());

    // Four tasks process jobs from one channel and write results to another.
    weft::Channel<int> jobs(32);
    weft::Channel<std::tuple<int, int>> results(32);
    const int n = 12;
    long sum = 0;
    weft::sync([&] {
        weft::async([&] { for (int i = 1; i <= n; ++i) jobs.put(i); });
        for (int t = 0; t < 4; ++t)
            weft::async([&] {
                for (int job : jobs) {  // until jobs is closed and empty
                    weft::yield();      // stands for waiting on I/O
                    results.put({job, job * job});
                }
            });
        for (int left = n; left > 0; --left) sum += std::get<1>(results.take());
        jobs.close();
    });
    std::printf("sum of squares of 1..%d = %ld\n", n, sum);
    return 0;
}
