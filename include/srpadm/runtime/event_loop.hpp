// A single-threaded event loop: timers and posted tasks, on an injected clock.
//
// Discovery and the daemon run every callback on the loop's thread. Other threads (the
// receive thread of the real MAD endpoint) hand work over with post(). On a VirtualClock the
// loop never sleeps: when nothing is ready it jumps to the earliest timer.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <utility>

#include <srpadm/runtime/clock.hpp>

namespace srpadm::runtime {

class EventLoop {
  public:
    using Task = std::function<void()>;
    using TimerId = std::uint64_t;

    explicit EventLoop(Clock& clock) : clock_(clock) {}
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    TimePoint now() const { return clock_.now(); }
    Clock& clock() { return clock_; }

    // Runs `task` on the loop at `when` (or as soon as possible if `when` has passed).
    // Timers due at the same time run in the order they were set.
    TimerId at(TimePoint when, Task task);
    TimerId after(Duration delay, Task task) { return at(now() + delay, std::move(task)); }
    // Returns false if the timer already ran or was cancelled.
    bool cancel(TimerId id);

    // Thread-safe: queue `task` to run on the loop and wake it.
    void post(Task task);

    // Work that will finish from another thread (a MAD in flight on real hardware) keeps
    // run() from returning while nothing else is scheduled. Thread-safe.
    void hold();
    void release();

    // Runs until stop() is called or nothing is left: no posted task, no timer, no hold.
    void run();
    // Runs until `done()` is true (checked after each task), stop(), or nothing is left.
    // Returns done().
    bool run_until(const std::function<bool()>& done);
    // Thread-safe.
    void stop();

    std::size_t pending_timers() const;
    std::uint64_t tasks_run() const { return tasks_run_; }

  private:
    bool run_one(std::unique_lock<std::mutex>& lock);

    Clock& clock_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<Task> posted_;
    // (due time, sequence) → (id, task); the sequence keeps equal-time timers in FIFO order.
    std::map<std::pair<TimePoint, std::uint64_t>, std::pair<TimerId, Task>> timers_;
    std::map<TimerId, std::pair<TimePoint, std::uint64_t>> timer_index_;
    std::uint64_t next_seq_ = 1;
    int holds_ = 0;
    bool stop_ = false;
    std::uint64_t tasks_run_ = 0;
};

}  // namespace srpadm::runtime
