// A threadcall of a blocking C call (usleep) while another task keeps ticking: the call
// suspends only the calling task. The ticker starts running only once the caller is
// suspended, so every tick it records before the call returns happened during the call.
// Run: ./threads_e2e_threadcall_ticks
#include <weft/weft.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    weft::init(argc, argv);
    std::vector<std::string> events;
    bool done = false;
    auto ticker = weft::async([&] {
        while (!done) {
            events.push_back("tick");
            weft::sleep(std::chrono::milliseconds(5));
        }
    });
    events.push_back("call begins");
#pragma weft threadcall
    int rc = usleep(200000);
    events.push_back("call returned");
    done = true;
    weft::wait(ticker);

    // Events in order, with runs of ticks counted.
    std::size_t ticks_during = 0, k = 0;
    while (k < events.size() && events[k] != "call begins") ++k;
    for (++k; k < events.size() && events[k] == "tick"; ++k) ++ticks_during;
    bool in_order = k < events.size() && events[k] == "call returned";
    std::printf("usleep returned %d\n", rc);
    std::printf("ticks between the call's start and its return: %s\n", ticks_during > 0 ? "at least one" : "none");
    std::printf("order: call begins, ticks, call returned: %s\n", in_order ? "yes" : "no");
    return 0;
}
