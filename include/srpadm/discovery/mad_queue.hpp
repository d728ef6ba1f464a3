// Pipelined MAD sending for one local port: a bounded window of outstanding requests
// (one for everything, a smaller one for the subnet administrator), one deadline per
// attempt, and retries with exponential backoff on timeouts, busy answers and send errors.
// Any other MAD status ends the request at once: retrying cannot change the answer.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <utility>

#include <srpadm/mad/endpoint.hpp>

namespace srpadm::discovery {

struct RetryPolicy {
    runtime::Duration timeout = std::chrono::milliseconds(1000);  // per attempt
    unsigned retries = 3;                                         // attempts = retries + 1
    runtime::Duration backoff = std::chrono::milliseconds(100);   // before the first retry
    runtime::Duration backoff_max = std::chrono::milliseconds(2000);
};

struct QueueLimits {
    std::size_t window = 64;     // outstanding MADs on this port, all classes
    std::size_t sa_window = 32;  // of those, at most this many to the SA
    // A pace for SA requests (a token bucket): after a quiet time up to sa_burst go at once,
    // then one per sa_interval. 0: no pace, the window alone. The daemon paces its scans so
    // that a fleet of hosts rescanning together stays gentle on the SA; a one-shot scan does
    // not.
    runtime::Duration sa_interval{};
    std::size_t sa_burst = 4;
};

struct QueueStats {
    std::uint64_t submitted = 0;
    std::uint64_t attempts = 0;
    std::uint64_t retries = 0;   // attempts after the first
    std::uint64_t timeouts = 0;  // attempts that timed out
    std::uint64_t busy = 0;      // attempts answered busy
    std::uint64_t failed = 0;    // requests that ended in an error
    std::uint64_t paced = 0;     // times an SA request waited for the pace
    std::size_t peak_outstanding = 0;
    std::size_t peak_sa_outstanding = 0;
};

class MadQueue {
  public:
    MadQueue(mad::MadEndpoint& endpoint, QueueLimits limits, RetryPolicy policy,
             std::uint64_t jitter_seed = 1);
    // Requests still in flight complete into nothing (their callbacks are not run); backoff
    // timers are cancelled. A scan can thus be dropped while its answers are on the way.
    ~MadQueue();
    MadQueue(const MadQueue&) = delete;
    MadQueue& operator=(const MadQueue&) = delete;
    MadQueue(MadQueue&&) = delete;
    MadQueue& operator=(MadQueue&&) = delete;

    // Queues `request`; `done` runs once on the loop thread with the response or the error of
    // the last attempt.
    void submit(const mad::MadRequest& request, mad::MadCallback done);

    // Ends every request not yet sent (queued, or waiting out a backoff) with `error` now,
    // and every later submission as soon as it is made; requests in flight end as their
    // answers, deadlines or errors come, without retries. For a caller that gives up (its
    // port went down). Only the first call counts.
    void cancel(const mad::MadError& error);

    std::size_t outstanding() const { return outstanding_; }
    std::size_t queued() const { return sa_queue_.size() + other_queue_.size(); }
    bool idle() const { return outstanding_ == 0 && queued() == 0 && backoff_.empty(); }
    const QueueStats& stats() const { return stats_; }
    const RetryPolicy& policy() const { return policy_; }
    const QueueLimits& limits() const { return limits_; }

  private:
    struct Item {
        mad::MadRequest request;
        mad::MadCallback done;
        unsigned attempt = 0;
        std::uint64_t seq = 0;  // submission order, kept across retries
        bool sa = false;        // to the subnet administrator (from the request's header)
    };

    static bool is_sa(const Item& item) { return item.sa; }
    void pump();
    void enqueue(Item item, bool front);
    void launch(Item item);
    void on_result(Item item, mad::MadResult result);
    runtime::Duration backoff_for(unsigned attempt);
    // Whether the pace lets an SA request go now; if not, a timer pumps again when it does.
    bool sa_paced_ok();

    mad::MadEndpoint& endpoint_;
    QueueLimits limits_;
    RetryPolicy policy_;
    // Waiting requests in submission order, SA apart so that a full SA window never makes
    // pump() walk past SA requests to reach the others.
    std::deque<Item> sa_queue_;
    std::deque<Item> other_queue_;
    std::uint64_t next_seq_ = 0;
    std::size_t outstanding_ = 0;
    std::size_t sa_outstanding_ = 0;
    // Requests waiting out a backoff, by a key of ours: the timer that resends each.
    std::map<std::uint64_t, std::pair<runtime::EventLoop::TimerId, Item>> backoff_;
    std::uint64_t next_backoff_ = 0;
    double sa_tokens_ = 0;  // the pace's bucket, as of sa_tokens_at_
    runtime::TimePoint sa_tokens_at_{};
    runtime::EventLoop::TimerId pace_timer_ = 0;
    std::optional<mad::MadError> cancelled_;
    bool pumping_ = false;     // pump() is walking the queue further up the stack
    bool pump_again_ = false;  // ... and must walk it once more when done
    std::minstd_rand jitter_;
    QueueStats stats_;
    // The endpoint's callbacks hold it weakly: they do nothing once the queue is gone.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace srpadm::discovery
