#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fcntl.h>
#include <functional>
#include <mutex>
#include <string>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>

#include <srpadm/runtime/event_loop.hpp>

namespace srpadm::runtime {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

// An eventfd closed at the end of the test.
struct EventFd {
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    EventFd() = default;
    EventFd(const EventFd&) = delete;
    EventFd& operator=(const EventFd&) = delete;
    ~EventFd() { ::close(fd); }
    void signal() const { eventfd_write(fd, 1); }
};

struct Pipe {
    int read = -1;
    int write = -1;
    Pipe() {
        int fds[2] = {-1, -1};
        EXPECT_EQ(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
        read = fds[0];
        write = fds[1];
    }
    Pipe(const Pipe&) = delete;
    Pipe& operator=(const Pipe&) = delete;
    ~Pipe() {
        close_read();
        if (write >= 0) {
            ::close(write);
        }
    }
    void close_read() {
        if (read >= 0) {
            ::close(read);
            read = -1;
        }
    }
};

// Runs `rescue` from another thread if the test has not called finish() within `limit`, so
// that a broken wake-up fails the test instead of hanging it.
class Watchdog {
  public:
    Watchdog(Duration limit, std::function<void()> rescue)
        : thread_([this, limit, rescue = std::move(rescue)] {
              std::unique_lock<std::mutex> lock(mutex_);
              if (!cv_.wait_for(lock, limit, [this] { return done_; })) {
                  fired_ = true;
                  rescue();
              }
          }) {}
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;
    ~Watchdog() { finish(); }
    // Returns whether the rescue ran.
    bool finish() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            done_ = true;
        }
        cv_.notify_one();
        if (thread_.joinable()) {
            thread_.join();
        }
        return fired_;
    }

  private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool done_ = false;
    bool fired_ = false;
    std::thread thread_;
};

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

TEST(EventLoopIo, PipeReadableAndWritableAndModify) {
    SteadyClock clock;
    EventLoop loop(clock);
    Pipe p;
    int writable_calls = 0;
    std::string got;
    WatchId writer = 0;
    WatchId reader = 0;
    writer = loop.watch(p.write, io::writable, [&](unsigned events) {
        EXPECT_EQ(events, io::writable);
        ++writable_calls;
        EXPECT_EQ(::write(p.write, "x", 1), 1);
        // Level-triggered: an empty pipe stays writable, so without this the handler would
        // run again and again.
        EXPECT_TRUE(loop.modify(writer, 0));
    });
    reader = loop.watch(p.read, io::readable, [&](unsigned events) {
        EXPECT_EQ(events, io::readable);
        char c = 0;
        ASSERT_EQ(::read(p.read, &c, 1), 1);
        got.push_back(c);
        loop.unwatch(reader);
        loop.unwatch(writer);
    });
    ASSERT_NE(writer, 0U);
    ASSERT_NE(reader, 0U);
    EXPECT_EQ(loop.watches(), 2U);
    loop.run();  // returns once no watch is left
    EXPECT_EQ(writable_calls, 1);
    EXPECT_EQ(got, "x");
    EXPECT_EQ(loop.watches(), 0U);
    EXPECT_FALSE(loop.modify(writer, io::writable));
    EXPECT_FALSE(loop.unwatch(writer));
}

TEST(EventLoopIo, ClosedReaderIsAnError) {
    SteadyClock clock;
    EventLoop loop(clock);
    Pipe p;
    p.close_read();
    unsigned seen = 0;
    WatchId id = 0;
    id = loop.watch(p.write, 0, [&](unsigned events) {
        seen = events;
        loop.unwatch(id);
    });
    ASSERT_NE(id, 0U);
    loop.run();
    EXPECT_EQ(seen, io::error);  // reported though the watch asked for nothing
}

TEST(EventLoopIo, UnwatchInsideItsOwnHandler) {
    SteadyClock clock;
    EventLoop loop(clock);
    EventFd efd;
    efd.signal();  // never read: stays readable
    int calls = 0;
    std::string seen;
    WatchId id = 0;
    id = loop.watch(efd.fd, io::readable,
                    [&, label = std::string("a capture that must outlive unwatch")](unsigned) {
                        ++calls;
                        EXPECT_TRUE(loop.unwatch(id));
                        seen = label;  // the handler's own state is still there
                    });
    ASSERT_NE(id, 0U);
    loop.run();
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(seen, "a capture that must outlive unwatch");
    EXPECT_EQ(loop.watches(), 0U);
}

TEST(EventLoopIo, UnwatchedInTheSameBatchIsNotCalled) {
    SteadyClock clock;
    EventLoop loop(clock);
    EventFd a;
    EventFd b;
    a.signal();
    b.signal();
    int calls = 0;
    WatchId ida = 0;
    WatchId idb = 0;
    // Whichever runs first removes both: the other's event, already read, must be dropped.
    const auto handler = [&](unsigned) {
        ++calls;
        loop.unwatch(ida);
        loop.unwatch(idb);
    };
    ida = loop.watch(a.fd, io::readable, handler);
    idb = loop.watch(b.fd, io::readable, handler);
    loop.run();
    EXPECT_EQ(calls, 1);
}

TEST(EventLoopIo, WatchRefusesWhatEpollRefuses) {
    SteadyClock clock;
    EventLoop loop(clock);
    EXPECT_EQ(loop.watch(-1, io::readable, [](unsigned) {}), 0U);
    EXPECT_EQ(loop.watch(987654, io::readable, [](unsigned) {}), 0U);
    // epoll does not take regular files.
    std::FILE* file = std::tmpfile();
    ASSERT_NE(file, nullptr);
    EXPECT_EQ(loop.watch(fileno(file), io::readable, [](unsigned) {}), 0U);
    std::fclose(file);
    // One watch per fd.
    EventFd efd;
    const WatchId first = loop.watch(efd.fd, io::readable, [](unsigned) {});
    EXPECT_NE(first, 0U);
    EXPECT_EQ(loop.watch(efd.fd, io::readable, [](unsigned) {}), 0U);
    EXPECT_EQ(loop.watches(), 1U);
    EXPECT_TRUE(loop.unwatch(first));
    EXPECT_EQ(loop.watches(), 0U);
    loop.run();  // nothing left: returns at once
}

TEST(EventLoopIo, PostFromAnotherThreadWakesALoopBlockedInEpoll) {
    SteadyClock clock;
    EventLoop loop(clock);
    EventFd idle;  // signalled only by the watchdog: keeps the loop in epoll_wait, no timer
    bool posted_ran = false;
    WatchId id = 0;
    id = loop.watch(idle.fd, io::readable, [&](unsigned) { loop.unwatch(id); });
    ASSERT_NE(id, 0U);
    Watchdog watchdog(std::chrono::seconds(5), [&] { idle.signal(); });
    std::thread other([&] {
        std::this_thread::sleep_for(milliseconds(20));  // most likely asleep by now
        loop.post([&] {
            posted_ran = true;
            loop.unwatch(id);
        });
    });
    loop.run();
    other.join();
    EXPECT_FALSE(watchdog.finish());
    EXPECT_TRUE(posted_ran);
}

TEST(EventLoopIo, StopFromAnotherThreadWakesTheLoop) {
    SteadyClock clock;
    EventLoop loop(clock);
    EventFd idle;
    WatchId id = 0;
    id = loop.watch(idle.fd, io::readable, [&](unsigned) { loop.unwatch(id); });
    ASSERT_NE(id, 0U);
    Watchdog watchdog(std::chrono::seconds(5), [&] { idle.signal(); });
    std::mutex m;
    std::condition_variable cv;
    bool running = false;
    loop.post([&] {
        std::lock_guard<std::mutex> lock(m);
        running = true;
        cv.notify_one();
    });
    // Only once run() has started: run() forgets a stop() from before it.
    std::thread other([&] {
        std::unique_lock<std::mutex> lock(m);
        cv.wait(lock, [&] { return running; });
        lock.unlock();
        std::this_thread::sleep_for(milliseconds(10));
        loop.stop();
    });
    loop.run();
    other.join();
    EXPECT_FALSE(watchdog.finish());
    EXPECT_EQ(loop.watches(), 1U);  // stopped, not idle
}

TEST(EventLoopIo, IdleSteadyLoopWakesOnlyForItsTimer) {
    SteadyClock clock;
    EventLoop loop(clock);
    EventFd idle;  // a watched fd that never fires, as in the daemon
    ASSERT_NE(loop.watch(idle.fd, io::readable, [](unsigned) {}), 0U);
    int fired = 0;
    std::function<void()> tick = [&] {
        if (++fired < 5) {
            loop.after(milliseconds(20), tick);
        }
    };
    loop.after(milliseconds(20), tick);
    EXPECT_TRUE(loop.run_until([&] { return fired == 5; }));
    EXPECT_GE(loop.wakeups(), 1U);
    EXPECT_LE(loop.wakeups(), 10U);  // about one per period, not a spin
}

TEST(EventLoopIo, VirtualClockPollsFdsBeforeMovingTime) {
    VirtualClock clock;
    EventLoop loop(clock);
    const TimePoint t0 = clock.now();
    EventFd efd;
    efd.signal();
    TimePoint handled{};
    WatchId id = 0;
    id = loop.watch(efd.fd, io::readable, [&](unsigned) {
        handled = clock.now();
        loop.unwatch(id);
    });
    TimePoint timer{};
    loop.after(std::chrono::seconds(1), [&] { timer = clock.now(); });
    loop.run();
    EXPECT_EQ(handled, t0);
    EXPECT_EQ(timer, t0 + std::chrono::seconds(1));
    EXPECT_EQ(loop.wakeups(), 0U);  // virtual time: never slept
}

TEST(EventLoopIo, VirtualClockWaitsTheGraceForAHeldWorker) {
    VirtualClock clock;
    EventLoop loop(clock);
    loop.set_hold_grace(std::chrono::seconds(5));  // far more than the worker needs
    const TimePoint t0 = clock.now();
    std::vector<std::pair<int, TimePoint>> ran;
    loop.after(milliseconds(10), [&] { ran.emplace_back(2, clock.now()); });
    loop.hold();
    std::thread worker([&] {
        std::this_thread::sleep_for(milliseconds(1));
        loop.post([&] { ran.emplace_back(1, clock.now()); });
        loop.release();
    });
    loop.run();
    worker.join();
    ASSERT_EQ(ran.size(), 2U);
    EXPECT_EQ(ran[0], std::make_pair(1, t0));  // the worker's answer came at the same time
    EXPECT_EQ(ran[1], std::make_pair(2, t0 + milliseconds(10)));
}

TEST(EventLoopIo, VirtualTimeMovesAfterTheGraceWhenNobodyPosts) {
    VirtualClock clock;
    EventLoop loop(clock);
    const Duration grace = milliseconds(50);
    loop.set_hold_grace(grace);
    EXPECT_EQ(loop.hold_grace(), grace);
    const TimePoint t0 = clock.now();
    TimePoint fired{};
    loop.hold();  // a worker that stays blocked
    const auto real_start = std::chrono::steady_clock::now();
    loop.after(std::chrono::seconds(10), [&] {
        fired = clock.now();
        loop.release();
    });
    loop.run();
    const auto real_waited = std::chrono::steady_clock::now() - real_start;
    EXPECT_EQ(fired, t0 + std::chrono::seconds(10));
    EXPECT_GE(real_waited, grace);
    EXPECT_GE(loop.wakeups(), 1U);
}

TEST(EventLoopIo, DefaultGraceAndNoGraceWithoutHolds) {
    VirtualClock clock;
    EventLoop loop(clock);
    EXPECT_EQ(loop.hold_grace(), EventLoop::kDefaultHoldGrace);
    int fired = 0;
    loop.after(std::chrono::hours(1), [&] { ++fired; });
    loop.run();
    EXPECT_EQ(fired, 1);
    EXPECT_EQ(loop.wakeups(), 0U);  // jumped at once, no real wait
}

}  // namespace
}  // namespace srpadm::runtime
