// test/runtime/callable_args_test.cpp — callables as plain arguments of remote calls:
// function pointers to registered functions (by their id), captureless lambdas, empty
// function objects without a serialize(), and the error for an unregistered function.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <weft/weft.hpp>

namespace {
int square(int x) { return x * x; }
int negate(int x) { return -x; }
int unregistered_square(int x) { return x * x; }

using IntFn = int (*)(int);
/// Runs g where it is called, and says where that was.
std::pair<int, int> apply(IntFn g, int x) { return {g(x), weft::myid()}; }
/// A function pointer in a container, and one as a result.
std::vector<int> apply_all(std::vector<IntFn> gs, int x) {
    std::vector<int> out;
    for (IntFn g : gs) out.push_back(g(x));
    return out;
}
IntFn pick(bool sq) { return sq ? &square : &negate; }
bool is_null(IntFn g) { return g == nullptr; }

/// A function object with no data and no serialize().
struct Tripler {
    int operator()(int x) const { return 3 * x; }
};
std::pair<int, int> apply_object(Tripler t, int x) { return {t(x), weft::myid()}; }
Tripler make_tripler() { return {}; }
}  // namespace

WEFT_REMOTE(square, negate, apply, apply_all, pick, is_null, apply_object, make_tripler)

static_assert(weft::Serializable<IntFn> && weft::Serializable<Tripler>);
static_assert(!weft::Serializable<int*> && !weft::Serializable<std::string*>);

class RemoteCall : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        if (weft::nprocs() < 3) weft::addprocs(3 - weft::nprocs());  // two workers
    }
};

TEST_F(RemoteCall, AFunctionPointerTravelsAsAnArgument) {
    ASSERT_GE(weft::nworkers(), 2);
    const int w = weft::workers()[0], v = weft::workers()[1];
    EXPECT_EQ(weft::remotecall_fetch(apply, w, &square, 7), std::make_pair(49, w));
    EXPECT_EQ(weft::remotecall_fetch(apply, v, negate, 7), std::make_pair(-7, v));  // a function's name
    EXPECT_EQ(weft::fetch(weft::remotecall(apply, v, &square, 3)), std::make_pair(9, v));
    EXPECT_EQ(weft::fetch(weft::remotecall_wait(apply, w, &negate, 3)), std::make_pair(-3, w));
    EXPECT_EQ(weft::fetch(weft::spawnat(w, apply, &square, 5)), std::make_pair(25, w));
    EXPECT_EQ(weft::remotecall_fetch<apply>(w, &square, 2), std::make_pair(4, w));
    // In a container, as a result, null, and through pmap and a generic callee.
    EXPECT_EQ(weft::remotecall_fetch(apply_all, w, std::vector<IntFn>{&square, &negate}, 4),
              (std::vector<int>{16, -4}));
    IntFn got = weft::remotecall_fetch(pick, v, true);
    EXPECT_EQ(got, &square);
    EXPECT_TRUE(weft::remotecall_fetch(is_null, v, IntFn{nullptr}));
    EXPECT_FALSE(weft::remotecall_fetch(is_null, v, &negate));
    auto on = weft::pmap([](IntFn g) { return std::make_pair(g(6), weft::myid()); }, std::vector<IntFn>{&square, &negate});
    ASSERT_EQ(on.size(), 2u);
    EXPECT_EQ(on[0].first, 36);
    EXPECT_EQ(on[1].first, -6);
    for (auto& r : on) EXPECT_NE(r.second, weft::myid());
    auto generic = [](auto g, int x) { return std::make_pair(g(x), weft::myid()); };
    EXPECT_EQ(weft::remotecall_fetch(generic, w, &negate, 8), std::make_pair(-8, w));
}

TEST_F(RemoteCall, ACaptureLessLambdaTravelsAsAnArgument) {
    const int w = weft::workers()[0], v = weft::workers()[1];
    // Where the callee takes a function pointer: the lambda's function travels by id.
    EXPECT_EQ(weft::remotecall_fetch(apply, w, [](int x) { return x + 1; }, 41), std::make_pair(42, w));
    EXPECT_EQ(weft::fetch(weft::remotecall(apply, v, [](int x) { return x * 10; }, 4)), std::make_pair(40, v));
    // Where the callee is generic: the lambda itself travels (it has no data).
    auto add_one = [](int x) { return x + 1; };
    auto generic = [](auto g, int x) { return std::make_pair(g(x), weft::myid()); };
    EXPECT_EQ(weft::remotecall_fetch(generic, v, add_one, 1), std::make_pair(2, v));
    EXPECT_EQ(weft::fetch(weft::spawnat(w, generic, [](int x) { return x - 1; }, 1)), std::make_pair(0, w));
    auto on = weft::pmap([](int x) { return std::make_pair(x, weft::myid()); }, std::vector<int>{1, 2, 3});
    EXPECT_EQ(on.size(), 3u);
}

TEST_F(RemoteCall, AnEmptyFunctionObjectNeedsNoSerialize) {
    const int w = weft::workers()[0], v = weft::workers()[1];
    EXPECT_EQ(weft::remotecall_fetch(apply_object, w, Tripler{}, 5), std::make_pair(15, w));
    auto generic = [](auto g, int x) { return std::make_pair(g(x), weft::myid()); };
    EXPECT_EQ(weft::remotecall_fetch(generic, v, Tripler{}, 2), std::make_pair(6, v));
    EXPECT_EQ(weft::remotecall_fetch(make_tripler, v)(4), 12);  // as a result too
    // As the called function object itself, and in a RemoteChannel.
    EXPECT_EQ(weft::remotecall_fetch(Tripler{}, w, 7), 21);
    weft::RemoteChannel<Tripler> ch(w);
    ch.put(Tripler{});
    EXPECT_EQ(ch.take()(2), 6);
}

TEST_F(RemoteCall, AnUnregisteredFunctionPointerArgumentIsAClearError) {
    const int w = weft::workers()[0];
    auto expect_clear = [&](auto&& call) {
        try {
            call();
            ADD_FAILURE() << "no error for an unregistered function pointer";
        } catch (const weft::RemoteException& e) {
            ADD_FAILURE() << "the error came from the worker, not the call: " << e.what();
        } catch (const std::logic_error& e) {
            const std::string m = e.what();
            EXPECT_NE(m.find("unregistered_square"), std::string::npos) << m;
            EXPECT_NE(m.find("not registered"), std::string::npos) << m;
            EXPECT_NE(m.find("WEFT_REMOTE"), std::string::npos) << m;
            EXPECT_NE(m.find("process " + std::to_string(w)), std::string::npos) << m;
        }
    };
    expect_clear([&] { (void)weft::remotecall_fetch(apply, w, &unregistered_square, 3); });
    expect_clear([&] { (void)weft::remotecall(apply, w, &unregistered_square, 3); });
    expect_clear([&] { weft::remote_do(apply, w, &unregistered_square, 3); });
    auto generic = [](auto g, int x) { return g(x); };
    expect_clear([&] { (void)weft::remotecall_fetch(generic, w, &unregistered_square, 3); });
    // The worker is unharmed, and the same call on this process needs no registration.
    EXPECT_EQ(weft::remotecall_fetch(apply, w, &square, 3), std::make_pair(9, w));
    EXPECT_EQ(weft::remotecall_fetch(apply, weft::myid(), &unregistered_square, 3), std::make_pair(9, weft::myid()));
}
