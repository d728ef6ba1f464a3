#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <srpadm/runtime/blocking_pool.hpp>

namespace srpadm::runtime {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A gate jobs wait at until the test opens it. Waits are bounded so that a broken pool fails
// a test instead of hanging it.
class Gate {
  public:
    void open() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            open_ = true;
        }
        cv_.notify_all();
    }
    bool wait() {
        std::unique_lock<std::mutex> lock(mutex_);
        return cv_.wait_for(lock, seconds(10), [this] { return open_; });
    }

  private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool open_ = false;
};

// Counts arrivals; lets a thread wait for a number of them.
class Arrivals {
  public:
    void arrive() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            ++count_;
        }
        cv_.notify_all();
    }
    bool wait_for(int n) {
        std::unique_lock<std::mutex> lock(mutex_);
        return cv_.wait_for(lock, seconds(10), [&] { return count_ >= n; });
    }
    int count() {
        std::lock_guard<std::mutex> lock(mutex_);
        return count_;
    }

  private:
    std::mutex mutex_;
    std::condition_variable cv_;
    int count_ = 0;
};

// Threads alive that ran a job: each job registers its thread once, and the thread_local's
// destructor, which runs when the thread exits, takes it off.
std::atomic<int> g_live_workers{0};
struct WorkerMark {
    WorkerMark() { g_live_workers.fetch_add(1); }
    WorkerMark(const WorkerMark&) = delete;
    WorkerMark& operator=(const WorkerMark&) = delete;
    ~WorkerMark() { g_live_workers.fetch_sub(1); }
};
void mark_worker() {
    thread_local WorkerMark mark;
    (void)mark;
}

// Highest concurrency seen.
struct Concurrency {
    std::atomic<int> now{0};
    std::atomic<int> max{0};
    void enter() {
        const int n = now.fetch_add(1) + 1;
        int m = max.load();
        while (n > m && !max.compare_exchange_weak(m, n)) {
        }
    }
    void leave() { now.fetch_sub(1); }
};

TEST(BlockingPool, OneLaneRunsOneJobAtATimeInOrder) {
    SteadyClock clock;
    EventLoop loop(clock);
    BlockingPool pool(loop, 4);
    Concurrency lane;
    std::mutex m;
    std::vector<int> order;
    std::vector<int> done_order;
    for (int i = 0; i < 6; ++i) {
        pool.submit(
            "mlx5_0:1",
            [&, i] {
                lane.enter();
                {
                    std::lock_guard<std::mutex> lock(m);
                    order.push_back(i);
                }
                std::this_thread::yield();
                lane.leave();
            },
            seconds(10),
            [&, i](bool in_time) {
                EXPECT_TRUE(in_time);
                done_order.push_back(i);
            });
    }
    EXPECT_EQ(pool.stats().running, 1U);
    EXPECT_EQ(pool.stats().queued, 5U);
    loop.run();  // held until every done has run
    EXPECT_EQ(lane.max.load(), 1);
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5}));
    EXPECT_EQ(done_order, order);
    const auto& st = pool.stats();
    EXPECT_EQ(st.submitted, 6U);
    EXPECT_EQ(st.completed, 6U);
    EXPECT_EQ(st.overdue, 0U);
    EXPECT_EQ(st.running, 0U);
    EXPECT_EQ(st.queued, 0U);
    EXPECT_EQ(st.threads, 1U);             // one lane never needs a second thread
    EXPECT_EQ(loop.pending_timers(), 0U);  // deadlines cancelled
}

TEST(BlockingPool, LanesRunTogetherUpToMaxThreads) {
    SteadyClock clock;
    EventLoop loop(clock);
    BlockingPool pool(loop, 2);
    Concurrency all;
    Arrivals started;
    Gate gate;
    std::map<std::string, bool> overlapped;
    std::mutex m;
    for (const std::string lane : {"a", "b", "c"}) {
        pool.submit(
            lane,
            [&, lane] {
                all.enter();
                started.arrive();
                // Only passes when another lane's job is running at the same time.
                const bool both = started.wait_for(2);
                {
                    std::lock_guard<std::mutex> lock(m);
                    overlapped[lane] = both;
                }
                gate.wait();
                all.leave();
            },
            seconds(10), [](bool in_time) { EXPECT_TRUE(in_time); });
    }
    // The loop starts jobs as submit() runs: two now, the third when one returns.
    EXPECT_EQ(pool.stats().running, 2U);
    EXPECT_EQ(pool.stats().queued, 1U);
    EXPECT_EQ(pool.stats().threads, 2U);
    ASSERT_TRUE(started.wait_for(2));
    EXPECT_EQ(started.count(), 2);  // the third waits for a thread
    gate.open();
    loop.run();
    EXPECT_EQ(started.count(), 3);
    EXPECT_EQ(all.max.load(), 2);
    EXPECT_TRUE(overlapped["a"]);
    EXPECT_TRUE(overlapped["b"]);
    EXPECT_EQ(pool.stats().completed, 3U);
    EXPECT_EQ(pool.stats().peak_threads, 2U);
    EXPECT_EQ(pool.stats().threads, 2U);  // reused for the third, not a new one
}

TEST(BlockingPool, OverdueAtTheDeadlineThenLateReturn) {
    SteadyClock clock;
    EventLoop loop(clock);
    BlockingPool pool(loop, 2);
    Gate gate;
    std::atomic<bool> first_returned{false};
    bool second_saw_first_returned = false;
    int done_calls = 0;
    bool in_time_seen = true;
    TimePoint done_at{};
    bool late = false;
    bool second_done = false;
    loop.hold();  // keep running after done(false) released the pool's hold, until on_late
    const Duration timeout = milliseconds(30);
    const TimePoint submitted = clock.now();
    pool.submit(
        "mlx5_0:1",
        [&] {
            gate.wait();
            first_returned = true;
        },
        timeout,
        [&](bool in_time) {
            ++done_calls;
            in_time_seen = in_time;
            done_at = clock.now();
            EXPECT_EQ(pool.stats().overdue, 1U);
            EXPECT_EQ(pool.stats().running, 1U);  // it goes on
            gate.open();
        },
        [&] {
            late = true;
            EXPECT_EQ(pool.stats().late_returns, 1U);
            loop.release();
        });
    // Same lane: must wait until the first really returns, deadline or not.
    pool.submit(
        "mlx5_0:1", [&] { second_saw_first_returned = first_returned.load(); }, seconds(10),
        [&](bool in_time) {
            EXPECT_TRUE(in_time);
            second_done = true;
        });
    loop.run();
    EXPECT_EQ(done_calls, 1);
    EXPECT_FALSE(in_time_seen);
    EXPECT_GE(done_at - submitted, timeout);
    EXPECT_TRUE(late);
    EXPECT_TRUE(second_done);
    EXPECT_TRUE(second_saw_first_returned);
    const auto& st = pool.stats();
    EXPECT_EQ(st.overdue, 1U);
    EXPECT_EQ(st.late_returns, 1U);
    EXPECT_EQ(st.completed, 1U);
    EXPECT_EQ(st.running, 0U);
}

TEST(BlockingPool, OnVirtualTimeAQuickJobIsInTime) {
    VirtualClock clock;
    EventLoop loop(clock);
    BlockingPool pool(loop, 1);
    const TimePoint t0 = clock.now();
    TimePoint done_at{};
    bool in_time_seen = false;
    int ran = 0;
    pool.submit(
        "p", [&] { ++ran; }, milliseconds(5),
        [&](bool in_time) {
            in_time_seen = in_time;
            done_at = clock.now();
        });
    loop.run();
    EXPECT_EQ(ran, 1);
    EXPECT_TRUE(in_time_seen);
    EXPECT_EQ(done_at, t0);  // the loop waited for the worker instead of jumping to the deadline
}

TEST(BlockingPool, OnVirtualTimeABlockedJobGoesOverdueAfterTheGrace) {
    VirtualClock clock;
    EventLoop loop(clock);
    loop.set_hold_grace(milliseconds(20));
    BlockingPool pool(loop, 1);
    Gate gate;
    const TimePoint t0 = clock.now();
    TimePoint done_at{};
    bool in_time_seen = true;
    bool late = false;
    loop.hold();  // until the late return
    pool.submit(
        "p", [&] { gate.wait(); }, seconds(60),
        [&](bool in_time) {
            in_time_seen = in_time;
            done_at = clock.now();
            gate.open();
        },
        [&] {
            late = true;
            loop.release();
        });
    loop.run();
    EXPECT_FALSE(in_time_seen);
    EXPECT_EQ(done_at, t0 + seconds(60));  // virtual time went on to the deadline
    EXPECT_TRUE(late);
    EXPECT_EQ(pool.stats().overdue, 1U);
    EXPECT_EQ(pool.stats().late_returns, 1U);
}

TEST(BlockingPool, DestructorWaitsForRunningJobsAndDropsQueuedOnes) {
    SteadyClock clock;
    EventLoop loop(clock);
    Arrivals started;
    Gate gate;
    std::atomic<bool> finished{false};
    bool queued_ran = false;
    int callbacks = 0;
    std::thread opener;
    {
        BlockingPool pool(loop, 2);
        pool.submit(
            "a",
            [&] {
                mark_worker();
                started.arrive();
                gate.wait();
                finished = true;
            },
            seconds(10), [&](bool) { ++callbacks; }, [&] { ++callbacks; });
        pool.submit(
            "a", [&] { queued_ran = true; }, seconds(10), [&](bool) { ++callbacks; });
        ASSERT_TRUE(started.wait_for(1));
        EXPECT_EQ(g_live_workers.load(), 1);
        opener = std::thread([&] {
            std::this_thread::sleep_for(milliseconds(20));  // most likely in the destructor
            gate.open();
        });
    }
    EXPECT_TRUE(finished.load());         // the destructor waited for the running job
    EXPECT_EQ(g_live_workers.load(), 0);  // and its thread has exited: joined, not detached
    EXPECT_FALSE(queued_ran);
    opener.join();
    loop.run();  // the pool's holds are gone: returns at once, and runs no pool callback
    EXPECT_EQ(callbacks, 0);
    EXPECT_EQ(loop.pending_timers(), 0U);
}

}  // namespace
}  // namespace srpadm::runtime
