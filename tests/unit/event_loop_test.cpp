#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <srpadm/runtime/event_loop.hpp>

namespace srpadm::runtime {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST(EventLoop, VirtualTimeJumpsToTimersInOrder) {
    VirtualClock clock;
    EventLoop loop(clock);
    const TimePoint t0 = clock.now();
    std::vector<std::pair<int, Duration>> ran;
    loop.after(milliseconds(30), [&] { ran.emplace_back(3, clock.now() - t0); });
    loop.after(milliseconds(10), [&] { ran.emplace_back(1, clock.now() - t0); });
    loop.after(milliseconds(10), [&] { ran.emplace_back(2, clock.now() - t0); });
    loop.run();
    ASSERT_EQ(ran.size(), 3U);
    EXPECT_EQ(ran[0], std::make_pair(1, Duration(milliseconds(10))));
    EXPECT_EQ(ran[1], std::make_pair(2, Duration(milliseconds(10))));
    EXPECT_EQ(ran[2], std::make_pair(3, Duration(milliseconds(30))));
    EXPECT_EQ(clock.now() - t0, Duration(milliseconds(30)));
}

TEST(EventLoop, CancelledTimerDoesNotRun) {
    VirtualClock clock;
    EventLoop loop(clock);
    int ran = 0;
    const auto id = loop.after(milliseconds(5), [&] { ++ran; });
    loop.after(milliseconds(6), [&] { ran += 10; });
    EXPECT_TRUE(loop.cancel(id));
    EXPECT_FALSE(loop.cancel(id));
    loop.run();
    EXPECT_EQ(ran, 10);
    EXPECT_EQ(loop.pending_timers(), 0U);
}

TEST(EventLoop, TimersSetFromTasksRunAndPostedTasksComeFirst) {
    VirtualClock clock;
    EventLoop loop(clock);
    std::vector<int> order;
    loop.after(microseconds(1), [&] {
        order.push_back(1);
        loop.post([&] { order.push_back(2); });
        loop.after(microseconds(0), [&] { order.push_back(3); });
    });
    loop.run();
    EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(EventLoop, RunUntilStopsWhenDone) {
    VirtualClock clock;
    EventLoop loop(clock);
    int count = 0;
    for (int i = 1; i <= 10; ++i) {
        loop.after(milliseconds(i), [&] { ++count; });
    }
    EXPECT_TRUE(loop.run_until([&] { return count == 4; }));
    EXPECT_EQ(count, 4);
    EXPECT_EQ(loop.pending_timers(), 6U);
    EXPECT_FALSE(loop.run_until([&] { return count == 100; }));
    EXPECT_EQ(count, 10);
}

TEST(EventLoop, HoldWaitsForAnotherThreadOnAVirtualClock) {
    VirtualClock clock;
    EventLoop loop(clock);
    int got = 0;
    loop.hold();
    std::thread worker([&] {
        std::this_thread::sleep_for(milliseconds(20));
        loop.post([&] { got = 42; });
        loop.release();
    });
    loop.run();
    worker.join();
    EXPECT_EQ(got, 42);
}

TEST(EventLoop, SteadyClockSleepsUntilTheTimer) {
    SteadyClock clock;
    EventLoop loop(clock);
    const auto start = clock.now();
    TimePoint fired{};
    loop.after(milliseconds(15), [&] { fired = clock.now(); });
    loop.run();
    EXPECT_GE(fired - start, Duration(milliseconds(15)));
}

TEST(EventLoop, StopEndsRun) {
    VirtualClock clock;
    EventLoop loop(clock);
    int ran = 0;
    loop.after(milliseconds(1), [&] {
        ++ran;
        loop.stop();
    });
    loop.after(milliseconds(2), [&] { ++ran; });
    loop.run();
    EXPECT_EQ(ran, 1);
    EXPECT_EQ(loop.pending_timers(), 1U);
}

}  // namespace
}  // namespace srpadm::runtime
