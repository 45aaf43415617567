// test/dashboard/slow_map.cpp — the program the dashboard tests watch: workers from
// WEFT_PROCS, the dashboard from WEFT_DASHBOARD, and a pmap of 8 elements (batch 1) whose
// elements each wait for a token at a gate that the test controls through stdin:
// "release N" puts N tokens, "end" closes stdin's control loop. Element 7 throws (and
// on_error keeps the map going), so an error shows. Prints "map done: <sum>" at the end.
// "loop" starts a distributed_for over 8 indices, "reduce" a distributed_reduce over 4
// and "everywhere" an everywhere, all
// waiting at a second gate ("release_loop N"), for the dashboard to show them running.
#include <functional>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <weft/weft.hpp>

namespace {
struct Gated {
    weft::RemoteChannel<int> gate;
    int operator()(int i) {
        gate.take();
        if (i == 7) throw std::domain_error("element 7 is refused by the test");
        return i * i;
    }
    template <class A>
    void serialize(A& a) { a(gate); }
};

/// A distributed_for body and an everywhere function that wait at the loop gate.
struct GatedIndex {
    weft::RemoteChannel<int> gate;
    void operator()(std::int64_t) { gate.take(); }
    template <class A>
    void serialize(A& a) { a(gate); }
};
struct GatedValue {
    weft::RemoteChannel<int> gate;
    long operator()(std::int64_t i) { return gate.take() * i; }
    template <class A>
    void serialize(A& a) { a(gate); }
};
struct GatedOnce {
    weft::RemoteChannel<int> gate;
    void operator()() { gate.take(); }
    template <class A>
    void serialize(A& a) { a(gate); }
};

std::string read_line() {
    std::string line;
    if (!std::getline(std::cin, line)) return "end";
    return line;
}
}  // namespace

int main(int argc, char** argv) {
    weft::init(argc, argv);
    weft::RemoteChannel<int> gate(1, 64);
    std::vector<int> items{0, 1, 2, 3, 4, 5, 6, 7};
    weft::PmapOptions<int> o;
    o.batch_size = 1;
    o.label = "gated";
    o.on_error = [](std::exception_ptr) { return -1; };
    auto mapped = weft::async([&] { return weft::pmap(Gated{gate}, items, o); });
    weft::RemoteChannel<int> loop_gate(1, 64);
    std::vector<weft::Task<void>> loops;
    std::cout << "ready" << std::endl;
    for (;;) {
        const std::string cmd = weft::threadcall(read_line);  // the process keeps serving meanwhile
        if (cmd == "end") break;
        if (cmd.rfind("release ", 0) == 0)
            for (int n = std::stoi(cmd.substr(8)); n > 0; --n) gate.put(1);
        if (cmd.rfind("release_loop ", 0) == 0)
            for (int n = std::stoi(cmd.substr(13)); n > 0; --n) loop_gate.put(1);
        if (cmd == "loop")
            loops.push_back(weft::async([&] { weft::sync([&] { weft::distributed_for(weft::range(0, 8), GatedIndex{loop_gate}); }); }));
        if (cmd == "reduce")
            loops.push_back(weft::async([&] { weft::distributed_reduce(std::plus<>{}, weft::range(0, 4), GatedValue{loop_gate}); }));
        if (cmd == "everywhere") loops.push_back(weft::async([&] { weft::everywhere(GatedOnce{loop_gate}); }));
    }
    for (auto& t : loops) weft::wait(t);
    int sum = 0;
    for (int r : weft::fetch(mapped)) sum += r;
    std::cout << "map done: " << sum << std::endl;
    return 0;
}
