// test/runtime/progress_test.cpp — pmap's progress bar: on a pseudo-terminal of 40 and 120
// columns (no line wider than the terminal, the label shown, the last line at n/n, a
// resize followed), the line's layout at every width, labels (the registered function's
// name, "pmap" for lambdas, PmapOptions::label), and WEFT_PROGRESS.
#include <gtest/gtest.h>

#include <pty.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <weft/weft.hpp>

namespace {
int square(int x) { return x * x; }

std::vector<int> iota(int n) {
    std::vector<int> v(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = i;
    return v;
}

class Progress : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        if (weft::nworkers() < 2 || weft::nprocs() == 1) weft::addprocs(2);
    }
};

/// Runs `body` with stderr on a pseudo-terminal of `columns` columns and returns what the
/// terminal received. The slave side is passed to `body` (to resize it).
template <class Body>
std::string on_terminal(unsigned short columns, Body body) {
    int master = -1, slave = -1;
    winsize ws{};
    ws.ws_row = 24;
    ws.ws_col = columns;
    if (::openpty(&master, &slave, nullptr, nullptr, &ws) != 0) throw std::runtime_error("openpty failed");
    std::string got;
    std::thread reader([&] {  // drains the terminal so that writes never block
        char buf[4096];
        for (ssize_t n; (n = ::read(master, buf, sizeof buf)) > 0;) got.append(buf, static_cast<std::size_t>(n));
    });
    std::fflush(stderr);
    const int saved = ::dup(2);
    ::dup2(slave, 2);
    body(slave);
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    ::close(slave);  // the last slave descriptor: the reader sees EIO and stops
    reader.join();
    ::close(master);
    return got;
}

/// What a terminal shows, as the pieces between carriage returns and newlines (each is
/// one redraw of the line), without the erase-to-end-of-line sequence.
std::vector<std::string> redraws(const std::string& out) {
    std::vector<std::string> pieces;
    std::string cur;
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (out.compare(i, 3, "\033[K") == 0) {
            i += 2;
        } else if (out[i] == '\r' || out[i] == '\n') {
            if (!cur.empty()) pieces.push_back(cur);
            cur.clear();
        } else {
            cur += out[i];
        }
    }
    if (!cur.empty()) pieces.push_back(cur);
    return pieces;
}

void expect_fits(const std::string& out, std::size_t columns, const std::string& label, const std::string& last) {
    auto pieces = redraws(out);
    ASSERT_FALSE(pieces.empty()) << out;
    for (auto& p : pieces) EXPECT_LE(p.size(), columns) << "wider than " << columns << " columns: '" << p << "'";
    EXPECT_EQ(pieces.back().rfind(label, 0), 0u) << pieces.back();
    EXPECT_NE(pieces.back().find(last), std::string::npos) << pieces.back();
}
}  // namespace
WEFT_REMOTE(square)

TEST_F(Progress, FitsA40And120ColumnTerminalWithTheFunctionsName) {
    for (unsigned short columns : {40, 120}) {
        weft::PmapOptions<int> o;
        o.progress = true;
        std::vector<int> r;
        const std::string out = on_terminal(columns, [&](int) { r = weft::pmap(square, iota(50), o); });
        EXPECT_EQ(r.size(), 50u);
        expect_fits(out, columns, "square", "50/50 [");
        if (columns == 120) {  // room for everything: bar, percentage, elapsed<remaining, rate
            const std::string last = redraws(out).back();
            EXPECT_NE(last.find("100%|##########"), std::string::npos) << last;
            EXPECT_NE(last.find("<00:00, "), std::string::npos) << last;
            EXPECT_NE(last.find("it/s]"), std::string::npos) << last;
        }
    }
}

TEST_F(Progress, FollowsAResizeAndLabelsLambdasPmapOrTheGivenLabel) {
    weft::PmapOptions<int> o;
    o.progress = true;
    o.distributed = false;
    int terminal = -1;
    auto shrink = [&](int x) {  // element 0 narrows the terminal to 40 columns mid-map
        if (x == 0) {
            winsize ws{};
            ws.ws_row = 24;
            ws.ws_col = 40;
            ::ioctl(terminal, TIOCSWINSZ, &ws);
        }
        return x + 1;
    };
    std::string out = on_terminal(120, [&](int slave) {
        terminal = slave;
        weft::pmap(shrink, iota(20), o);
    });
    const auto pieces = redraws(out);
    ASSERT_GE(pieces.size(), 2u) << out;
    EXPECT_GT(pieces.front().size(), 40u) << "drawn at 120 columns first: " << pieces.front();
    expect_fits(pieces.back(), 40, "pmap", "20/20");

    o.label = "crunching numbers for the annual report";  // cut to fit, the count kept
    out = on_terminal(40, [&](int slave) {
        terminal = slave;
        weft::pmap(shrink, iota(20), o);
    });
    expect_fits(out, 40, "crunching numbers", "20/20");
}

TEST(ProgressLine, EveryWidthKeepsTheCountAndStaysInside) {
    for (const std::string label : {"f", "square", "a_rather_long_function_name_for_a_map"}) {
        for (std::size_t done : {0u, 7u, 1000u}) {
            for (int columns = 8; columns <= 200; ++columns) {
                const std::string line = weft::detail::progress_line(label, done, 1000, 3.5, columns);
                ASSERT_LE(line.size(), static_cast<std::size_t>(columns - 1)) << columns << ": " << line;
                const std::string count = std::to_string(done) + "/1000";
                if (static_cast<std::size_t>(columns) > count.size() + 3)
                    EXPECT_NE(line.find(count), std::string::npos) << columns << ": " << line;
            }
        }
    }
    EXPECT_EQ(weft::detail::progress_line("f", 250, 1000, 5.0, 60),
              "f:  25%|####............| 250/1000 [00:05<00:15, 50.00it/s]");
    EXPECT_EQ(weft::detail::progress_line("f", 0, 10, 0.0, 40), "f:   0%|........| 0/10 [00:00<?, ?it/s]");
    EXPECT_NE(weft::detail::progress_line("slow", 1, 10, 4.0, 80).find("[00:04<00:36, 4.00s/it]"), std::string::npos);
}

/// WEFT_PROGRESS=1 turns progress on for every map; 0 (or unset) leaves it to the options.
TEST_F(Progress, WeftProgressTurnsItOnWhenStderrIsAFile) {
    weft::PmapOptions<int> o;
    o.progress_interval = std::chrono::milliseconds(0);  // a line per completion
    for (const char* value : {"1", "0"}) {
        ::setenv("WEFT_PROGRESS", value, 1);
        ::testing::internal::CaptureStderr();
        weft::pmap(square, iota(3), o);
        const std::string err = ::testing::internal::GetCapturedStderr();
        const bool shown = err.find("square: 3/3 done in ") != std::string::npos;
        EXPECT_EQ(shown, value[0] == '1') << "WEFT_PROGRESS=" << value << ": " << err;
    }
    ::unsetenv("WEFT_PROGRESS");
}
