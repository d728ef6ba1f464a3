#include <algorithm>
#include <utility>

#include <srpadm/runtime/blocking_pool.hpp>

namespace srpadm::runtime {

BlockingPool::BlockingPool(EventLoop& loop, std::size_t max_threads)
    : loop_(loop), max_threads_(std::max<std::size_t>(max_threads, 1)) {}

BlockingPool::~BlockingPool() {
    alive_.reset();
    for (auto& [id, job] : running_) {
        if (!job->decided) {
            loop_.cancel(job->deadline);
            loop_.release();
        }
    }
    for (std::size_t i = 0; i < queued_.size(); ++i) {
        loop_.release();
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        shutdown_ = true;
        handoff_.clear();
    }
    cv_.notify_all();
    for (auto& t : threads_) {
        t.join();
    }
}

void BlockingPool::submit(const std::string& lane, std::function<void()> job, Duration timeout,
                          std::function<void(bool in_time)> done, std::function<void()> on_late) {
    loop_.hold();
    auto j = std::make_unique<Job>();
    j->id = next_id_++;
    j->lane = lane;
    j->work = std::move(job);
    j->timeout = timeout;
    j->done = std::move(done);
    j->on_late = std::move(on_late);
    queued_.push_back(std::move(j));
    ++stats_.submitted;
    ++stats_.queued;
    dispatch();
}

// Starts the oldest queued jobs whose lanes are free while threads allow.
void BlockingPool::dispatch() {
    auto it = queued_.begin();
    while (stats_.running < max_threads_ && it != queued_.end()) {
        if (busy_lanes_.contains((*it)->lane)) {
            ++it;
            continue;
        }
        start(*it);
        it = queued_.erase(it);
    }
}

// Takes the job out of `slot` (the caller erases it) and hands it to a thread.
void BlockingPool::start(std::unique_ptr<Job>& slot) {
    // Each running job has a thread of its own; a new one first, so that if the system
    // refuses it the exception leaves the job queued.
    if (threads_.size() == stats_.running) {
        threads_.emplace_back([this, alive = std::weak_ptr<int>(alive_)] { worker(alive); });
        stats_.threads = threads_.size();
        stats_.peak_threads = std::max(stats_.peak_threads, stats_.threads);
    }
    std::unique_ptr<Job> job = std::move(slot);
    --stats_.queued;
    ++stats_.running;
    busy_lanes_.insert(job->lane);
    const std::uint64_t id = job->id;
    job->deadline = loop_.after(job->timeout, [this, id] { overdue(id); });
    std::function<void()> work = std::move(job->work);
    running_.emplace(id, std::move(job));
    {
        std::lock_guard<std::mutex> lock(mutex_);
        handoff_.emplace_back(id, std::move(work));
    }
    cv_.notify_one();
}

void BlockingPool::overdue(std::uint64_t id) {
    const auto it = running_.find(id);
    if (it == running_.end()) {
        return;
    }
    Job& job = *it->second;
    job.decided = true;
    job.deadline = 0;
    ++stats_.overdue;
    // Moved out: `done` may submit, and the job stays in running_ until it returns.
    const auto done = std::move(job.done);
    if (done) {
        done(false);
    }
    loop_.release();
}

void BlockingPool::returned(std::uint64_t id) {
    const auto it = running_.find(id);
    if (it == running_.end()) {
        return;
    }
    const std::unique_ptr<Job> job = std::move(it->second);
    running_.erase(it);
    busy_lanes_.erase(job->lane);
    --stats_.running;
    if (job->decided) {
        ++stats_.late_returns;
        if (job->on_late) {
            job->on_late();
        }
    } else {
        loop_.cancel(job->deadline);
        ++stats_.completed;
        if (job->done) {
            job->done(true);
        }
        loop_.release();
    }
    dispatch();
}

// A worker: runs what the loop hands it and posts each return back. `alive` was taken on the
// loop's thread, where the pool's destructor expires it.
void BlockingPool::worker(const std::weak_ptr<int>& alive) {
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
        cv_.wait(lock, [this] { return shutdown_ || !handoff_.empty(); });
        if (shutdown_) {
            return;
        }
        auto [id, work] = std::move(handoff_.front());
        handoff_.pop_front();
        lock.unlock();
        work();
        work = nullptr;  // its captures go here, on this thread, not on the loop
        loop_.post([this, alive, id = id] {
            if (!alive.expired()) {
                returned(id);
            }
        });
        lock.lock();
    }
}

}  // namespace srpadm::runtime
