// A single-threaded event loop: timers, posted tasks and file descriptors, on an injected
// clock.
//
// Discovery and the daemon run every callback on the loop's thread. Other threads (the
// receive thread of the real MAD endpoint, BlockingPool's workers) hand work over with post().
// The loop waits in epoll_wait(2): on the watched fds and on an eventfd that post(), at(),
// cancel(), release() and stop() write when the loop is asleep.
//
// How long it waits:
// - SteadyClock: until the earliest timer, rounded up to whole milliseconds (epoll's unit), so
//   it wakes once per timer and never spins; with no timer, until an fd or another thread.
// - VirtualClock: it never sleeps for a timer. It polls the fds without waiting and, if
//   nothing is ready, moves virtual time to the earliest timer. While a hold() is active,
//   it first waits up to hold_grace() of real time for another thread: a fake worker that
//   answers in microseconds then completes at the current virtual time, and one that stays
//   blocked lets virtual time go on once the grace is over.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <srpadm/runtime/clock.hpp>

namespace srpadm::runtime {

// What an fd watch waits for and what its handler is told. `error` (EPOLLERR or EPOLLHUP)
// is always reported, as epoll(7) does: a handler that sees it should unwatch or close.
namespace io {
inline constexpr unsigned readable = 1, writable = 2, error = 4;
}

using WatchId = std::uint64_t;
using IoHandler = std::function<void(unsigned events)>;

class EventLoop {
  public:
    using Task = std::function<void()>;
    using TimerId = std::uint64_t;

    static constexpr Duration kDefaultHoldGrace = std::chrono::milliseconds(200);

    // Throws std::system_error when the kernel gives no epoll instance or eventfd (out of
    // file descriptors): nothing can run without them.
    explicit EventLoop(Clock& clock);
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    TimePoint now() const { return clock_.now(); }
    Clock& clock() { return clock_; }

    // Runs `task` on the loop at `when` (or as soon as possible if `when` has passed).
    // Timers due at the same time run in the order they were set. Thread-safe.
    TimerId at(TimePoint when, Task task);
    TimerId after(Duration delay, Task task) { return at(now() + delay, std::move(task)); }
    // Returns false if the timer already ran or was cancelled. Thread-safe.
    bool cancel(TimerId id);

    // Thread-safe: queue `task` to run on the loop and wake it.
    void post(Task task);

    // Work that will finish from another thread (a MAD in flight on real hardware) keeps
    // run() from returning while nothing else is scheduled. Thread-safe.
    void hold();
    void release();

    // Calls `handler` on the loop while `fd` is ready for `events` (level-triggered, like
    // poll(2)). Loop thread only; one watch per fd; unwatch before closing the fd. Returns 0
    // when epoll refuses the fd (not open, a regular file, already watched).
    WatchId watch(int fd, unsigned events, IoHandler handler);
    // Changes what the watch waits for; 0 pauses it (errors still come). False if unknown.
    bool modify(WatchId id, unsigned events);
    // Safe from inside any handler, the watch's own included: a handler that is running
    // finishes, and no event already read for the watch reaches it. False if unknown.
    bool unwatch(WatchId id);
    std::size_t watches() const { return watches_.size(); }

    // Runs until stop() is called or nothing is left: no posted task, no timer, no hold and
    // no watch (a daemon watching fds runs until stop()).
    void run();
    // Runs until `done()` is true (checked after each callback), stop(), or nothing is left.
    // Returns done().
    bool run_until(const std::function<bool()>& done);
    // Thread-safe.
    void stop();

    // Real time the loop on a VirtualClock waits for other threads, while a hold is active,
    // before it moves virtual time. The grace counts from the latest hold() or post() from
    // another thread, so a worker that stays blocked costs it once, not at every timer.
    void set_hold_grace(Duration grace);
    Duration hold_grace() const;

    std::size_t pending_timers() const;
    // Callbacks run: posted tasks, timers and fd handlers. Loop thread.
    std::uint64_t tasks_run() const { return tasks_run_; }
    // Times the loop slept in epoll_wait (a timeout other than 0) and woke. Loop thread.
    std::uint64_t wakeups() const { return wakeups_; }

  private:
    struct Watch {
        int fd;
        unsigned events;
        IoHandler handler;
    };
    struct Ready {
        WatchId id;
        unsigned events;
    };

    bool run_one(std::unique_lock<std::mutex>& lock);
    bool run_ready_io(std::unique_lock<std::mutex>& lock);
    void run_task(std::unique_lock<std::mutex>& lock, Task task);
    bool wait(std::unique_lock<std::mutex>& lock);
    void poll(std::unique_lock<std::mutex>& lock, Duration timeout);  // < 0: no limit
    void wake_locked();
    void start_run();

    Clock& clock_;
    VirtualClock* virtual_clock_;  // null on a real clock
    int epoll_fd_ = -1;
    int wake_fd_ = -1;

    mutable std::mutex mutex_;
    // Guarded by mutex_: what other threads can touch.
    std::deque<Task> posted_;
    // (due time, sequence) → (id, task); the sequence keeps equal-time timers in FIFO order.
    std::map<std::pair<TimePoint, std::uint64_t>, std::pair<TimerId, Task>> timers_;
    std::map<TimerId, std::pair<TimePoint, std::uint64_t>> timer_index_;
    std::uint64_t next_seq_ = 1;
    int holds_ = 0;
    bool stop_ = false;
    bool sleeping_ = false;   // the loop is in epoll_wait with a timeout: writers wake it
    bool wake_sent_ = false;  // the eventfd holds a wake-up not yet read
    std::thread::id loop_thread_;
    std::chrono::steady_clock::time_point grace_start_{};
    Duration hold_grace_ = kDefaultHoldGrace;

    // Loop thread only.
    // shared_ptr: a handler that unwatches itself keeps running on its own copy.
    std::map<WatchId, std::shared_ptr<Watch>> watches_;
    WatchId next_watch_ = 1;
    std::vector<Ready> ready_;  // events read by the last epoll_wait, not yet handled
    std::size_t ready_next_ = 0;
    unsigned tasks_since_poll_ = 0;
    std::uint64_t tasks_run_ = 0;
    std::uint64_t wakeups_ = 0;
};

}  // namespace srpadm::runtime
