#include <srpadm/runtime/event_loop.hpp>

namespace srpadm::runtime {

EventLoop::TimerId EventLoop::at(TimePoint when, Task task) {
    std::lock_guard<std::mutex> lock(mutex_);
    const std::uint64_t seq = next_seq_++;
    const TimerId id = seq;
    timers_.emplace(std::make_pair(when, seq), std::make_pair(id, std::move(task)));
    timer_index_.emplace(id, std::make_pair(when, seq));
    cv_.notify_one();
    return id;
}

bool EventLoop::cancel(TimerId id) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = timer_index_.find(id);
    if (it == timer_index_.end()) {
        return false;
    }
    timers_.erase(it->second);
    timer_index_.erase(it);
    return true;
}

void EventLoop::post(Task task) {
    std::lock_guard<std::mutex> lock(mutex_);
    posted_.push_back(std::move(task));
    cv_.notify_one();
}

void EventLoop::hold() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++holds_;
}

void EventLoop::release() {
    std::lock_guard<std::mutex> lock(mutex_);
    --holds_;
    cv_.notify_one();
}

void EventLoop::stop() {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    cv_.notify_one();
}

std::size_t EventLoop::pending_timers() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return timers_.size();
}

// Runs at most one task. Returns false when the loop should end (stopped or idle).
bool EventLoop::run_one(std::unique_lock<std::mutex>& lock) {
    while (true) {
        if (stop_) {
            return false;
        }
        if (!posted_.empty()) {
            Task task = std::move(posted_.front());
            posted_.pop_front();
            lock.unlock();
            task();
            ++tasks_run_;
            lock.lock();
            return true;
        }
        if (!timers_.empty()) {
            auto first = timers_.begin();
            if (first->first.first <= clock_.now()) {
                Task task = std::move(first->second.second);
                timer_index_.erase(first->second.first);
                timers_.erase(first);
                lock.unlock();
                task();
                ++tasks_run_;
                lock.lock();
                return true;
            }
            clock_.wait_until(lock, cv_, first->first.first);
            continue;
        }
        if (holds_ == 0) {
            return false;
        }
        // Only another thread can make progress now: wait for it in real time, whatever
        // the clock.
        cv_.wait(lock,
                 [this] { return stop_ || !posted_.empty() || !timers_.empty() || holds_ == 0; });
    }
}

void EventLoop::run() {
    std::unique_lock<std::mutex> lock(mutex_);
    stop_ = false;
    while (run_one(lock)) {
    }
}

bool EventLoop::run_until(const std::function<bool()>& done) {
    std::unique_lock<std::mutex> lock(mutex_);
    stop_ = false;
    while (true) {
        lock.unlock();
        const bool finished = done();
        lock.lock();
        if (finished) {
            return true;
        }
        if (!run_one(lock)) {
            lock.unlock();
            const bool result = done();
            lock.lock();
            return result;
        }
    }
}

}  // namespace srpadm::runtime
