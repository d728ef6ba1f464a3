// Blocking work off the event loop: a write to ib_srp's add_target can block in the kernel for
// a minute, and the loop must go on serving MADs and timers meanwhile.
//
// The loop decides everything: it keeps the lanes and the queue, starts a job when its lane
// and a thread are free, arms its deadline, and hears of every return through post(). A
// worker thread only runs the job it is handed.
//
// Threads start on demand, up to max_threads, and once started stay (idle, parked on a
// condition variable) until the pool is destroyed: a pool lives as long as the tool and needs
// a thread per port at most, so keeping them costs less than starting one per job.
//
// Destruction, on the loop's thread (or while the loop is not running) and before the loop:
// queued jobs, and jobs handed to a thread that has not begun them, are dropped without
// callbacks; the destructor waits for the jobs that are running (a write the kernel holds
// keeps it waiting as long), then joins every thread. No callback runs once it has started,
// and the loop is released for every job whose `done` did not run. Destroying the pool from
// inside one of its own callbacks is not supported.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <srpadm/runtime/event_loop.hpp>

namespace srpadm::runtime {

class BlockingPool {
  public:
    struct Stats {
        std::uint64_t submitted = 0;     // jobs given to submit()
        std::uint64_t completed = 0;     // returned in time: done(true)
        std::uint64_t overdue = 0;       // not returned in time: done(false)
        std::uint64_t late_returns = 0;  // overdue jobs that returned since
        std::size_t running = 0;         // on a thread, overdue ones included
        std::size_t queued = 0;          // waiting for their lane or a thread
        std::size_t threads = 0;
        std::size_t peak_threads = 0;
    };

    // At least one thread, whatever max_threads says.
    BlockingPool(EventLoop& loop, std::size_t max_threads);
    ~BlockingPool();
    BlockingPool(const BlockingPool&) = delete;
    BlockingPool& operator=(const BlockingPool&) = delete;

    // Runs `job` on a worker. Jobs of one lane run one at a time, in submission order (the
    // kernel serialises add_target per port anyway); at most max_threads jobs run at once over
    // all lanes, the oldest waiting job whose lane is free going first.
    // `done(true)` runs on the loop when the job returned within `timeout` of starting;
    // `done(false)` runs at start+timeout when it had not: the job is reported overdue and
    // goes on; when it returns later, `on_late` (if set) runs on the loop. Which came first is
    // decided on the loop. The lane stays busy until the job really returns; the thread is
    // never detached. The loop is held (hold/release) from submit until `done` has run.
    // A job must not throw (std::thread ends the process): it reports through its captures.
    // Loop thread.
    void submit(const std::string& lane, std::function<void()> job, Duration timeout,
                std::function<void(bool in_time)> done, std::function<void()> on_late = {});

    // Loop thread.
    const Stats& stats() const { return stats_; }

  private:
    struct Job {
        std::uint64_t id = 0;
        std::string lane;
        std::function<void()> work;
        Duration timeout{};
        std::function<void(bool)> done;
        std::function<void()> on_late;
        bool decided = false;  // done has run
        EventLoop::TimerId deadline = 0;
    };

    void dispatch();
    void start(std::unique_ptr<Job>& slot);
    void overdue(std::uint64_t id);
    void returned(std::uint64_t id);
    void worker(const std::weak_ptr<int>& alive);

    EventLoop& loop_;
    std::size_t max_threads_;
    Stats stats_;
    std::uint64_t next_id_ = 1;
    // Loop thread only.
    std::deque<std::unique_ptr<Job>> queued_;  // submission order
    std::set<std::string> busy_lanes_;
    std::map<std::uint64_t, std::unique_ptr<Job>> running_;
    // Returns posted to the loop check it: after destruction has begun they do nothing.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
    std::vector<std::thread> threads_;

    // Shared with the workers.
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::pair<std::uint64_t, std::function<void()>>> handoff_;
    bool shutdown_ = false;
};

}  // namespace srpadm::runtime
