#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <climits>
#include <ctime>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <system_error>
#include <unistd.h>

#include <srpadm/runtime/event_loop.hpp>

namespace srpadm::runtime {
namespace {

// The loop's own eventfd is registered with this id; watch ids start at 1.
constexpr std::uint64_t kWakeId = 0;
constexpr int kMaxEvents = 64;
// While tasks keep coming, the fds are still polled (without waiting) after this many, so a
// stream of posted tasks or due timers cannot starve them, and a busy loop pays one
// epoll_wait per batch of tasks rather than one per task.
constexpr unsigned kTasksBetweenPolls = 32;

std::uint32_t to_epoll(unsigned events) {
    std::uint32_t out = 0;
    if ((events & io::readable) != 0) {
        out |= EPOLLIN;
    }
    if ((events & io::writable) != 0) {
        out |= EPOLLOUT;
    }
    return out;
}

unsigned from_epoll(std::uint32_t events) {
    unsigned out = 0;
    if ((events & EPOLLIN) != 0) {
        out |= io::readable;
    }
    if ((events & EPOLLOUT) != 0) {
        out |= io::writable;
    }
    if ((events & (EPOLLERR | EPOLLHUP)) != 0) {
        out |= io::error;
    }
    return out;
}

// epoll_wait counts whole milliseconds: round up, so the loop never wakes just before a timer
// and spins on a zero timeout until it is due. Only where epoll_pwait2 is missing.
int timeout_ms(Duration left) {
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
    return static_cast<int>(std::clamp<long long>(ms, 1, INT_MAX));
}

// Waits in epoll_pwait2 (Linux 5.11; nanoseconds, so a timer 200 us away is not rounded up to
// a millisecond), or epoll_wait where the kernel lacks it. `timeout` < 0: no limit.
int epoll_for(int fd, epoll_event* events, int max, Duration timeout) {
    static std::atomic<bool> no_pwait2{false};
    if (!no_pwait2.load(std::memory_order_relaxed)) {
        timespec ts{};
        const timespec* limit = nullptr;
        if (timeout >= Duration::zero()) {
            const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count();
            ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
            ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
            limit = &ts;
        }
        const int n = epoll_pwait2(fd, events, max, limit, nullptr);
        if (n >= 0 || errno != ENOSYS) {
            return n;
        }
        no_pwait2.store(true, std::memory_order_relaxed);
    }
    const int ms = timeout < Duration::zero()    ? -1
                   : timeout == Duration::zero() ? 0
                                                 : timeout_ms(timeout);
    return epoll_wait(fd, events, max, ms);
}

[[noreturn]] void fail(const char* what) {
    throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace

EventLoop::EventLoop(Clock& clock)
    : clock_(clock), virtual_clock_(dynamic_cast<VirtualClock*>(&clock)) {
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) {
        fail("epoll_create1");
    }
    wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kWakeId;
    if (wake_fd_ < 0 || epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev) != 0) {
        const int err = errno;
        if (wake_fd_ >= 0) {
            ::close(wake_fd_);
        }
        ::close(epoll_fd_);
        throw std::system_error(err, std::generic_category(), "the event loop's eventfd");
    }
}

EventLoop::~EventLoop() {
    ::close(wake_fd_);
    ::close(epoll_fd_);
}

// Called with mutex_ held. The write happens before the writer lets go of the mutex, so the
// loop, once it has the mutex again, knows the eventfd has something to read.
void EventLoop::wake_locked() {
    if (sleeping_ && !wake_sent_) {
        eventfd_write(wake_fd_, 1);
        wake_sent_ = true;
    }
}

EventLoop::TimerId EventLoop::at(TimePoint when, Task task) {
    std::lock_guard<std::mutex> lock(mutex_);
    const std::uint64_t seq = next_seq_++;
    const TimerId id = seq;
    timers_.emplace(std::make_pair(when, seq), std::make_pair(id, std::move(task)));
    timer_index_.emplace(id, std::make_pair(when, seq));
    wake_locked();
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
    // The loop may have been sleeping for this timer alone and now has nothing left.
    wake_locked();
    return true;
}

void EventLoop::post(Task task) {
    std::lock_guard<std::mutex> lock(mutex_);
    posted_.push_back(std::move(task));
    if (holds_ > 0 && std::this_thread::get_id() != loop_thread_) {
        // A worker is alive: give the next one the whole grace too.
        grace_start_ = std::chrono::steady_clock::now();
    }
    wake_locked();
}

void EventLoop::hold() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++holds_;
    grace_start_ = std::chrono::steady_clock::now();
}

void EventLoop::release() {
    std::lock_guard<std::mutex> lock(mutex_);
    --holds_;
    wake_locked();
}

void EventLoop::stop() {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    wake_locked();
}

void EventLoop::set_hold_grace(Duration grace) {
    std::lock_guard<std::mutex> lock(mutex_);
    hold_grace_ = grace;
}

Duration EventLoop::hold_grace() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return hold_grace_;
}

std::size_t EventLoop::pending_timers() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return timers_.size();
}

WatchId EventLoop::watch(int fd, unsigned events, IoHandler handler) {
    if (!handler) {
        return 0;
    }
    const WatchId id = next_watch_;
    epoll_event ev{};
    ev.events = to_epoll(events);
    ev.data.u64 = id;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
        return 0;
    }
    ++next_watch_;
    watches_.emplace(id, std::make_shared<Watch>(Watch{fd, events, std::move(handler)}));
    return id;
}

bool EventLoop::modify(WatchId id, unsigned events) {
    const auto it = watches_.find(id);
    if (it == watches_.end()) {
        return false;
    }
    epoll_event ev{};
    ev.events = to_epoll(events);
    ev.data.u64 = id;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, it->second->fd, &ev) != 0) {
        return false;
    }
    it->second->events = events;
    return true;
}

bool EventLoop::unwatch(WatchId id) {
    const auto it = watches_.find(id);
    if (it == watches_.end()) {
        return false;
    }
    // Fails harmlessly if the fd was closed already: closing it left the epoll set.
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, it->second->fd, nullptr);
    watches_.erase(it);
    return true;
}

// Waits in epoll_wait with mutex_ released, then records what it read.
void EventLoop::poll(std::unique_lock<std::mutex>& lock, Duration timeout) {
    tasks_since_poll_ = 0;
    const bool sleeps = timeout != Duration::zero();
    sleeping_ = sleeps;
    lock.unlock();
    std::array<epoll_event, kMaxEvents> events{};
    // EINTR (a signal handler ran; epoll_wait is never restarted, see signal(7)) returns -1:
    // the caller looks at the state again.
    const int n = epoll_for(epoll_fd_, events.data(), kMaxEvents, timeout);
    lock.lock();
    sleeping_ = false;
    if (sleeps) {
        ++wakeups_;
    }
    if (wake_sent_) {
        eventfd_t value = 0;
        eventfd_read(wake_fd_, &value);
        wake_sent_ = false;
    }
    for (int i = 0; i < n; ++i) {
        const epoll_event& e = events.at(static_cast<std::size_t>(i));
        if (e.data.u64 != kWakeId) {
            ready_.push_back(Ready{e.data.u64, from_epoll(e.events)});
        }
    }
}

void EventLoop::run_task(std::unique_lock<std::mutex>& lock, Task task) {
    lock.unlock();
    task();
    // Its captures go before the mutex is taken again: their destructors may post().
    task = nullptr;
    lock.lock();
    ++tasks_run_;
    ++tasks_since_poll_;
}

// Handles the next event read by poll(). Returns false if it was stale: its watch went or
// no longer wants it.
bool EventLoop::run_ready_io(std::unique_lock<std::mutex>& lock) {
    const Ready r = ready_[ready_next_++];
    if (ready_next_ == ready_.size()) {
        ready_.clear();
        ready_next_ = 0;
    }
    const auto it = watches_.find(r.id);
    if (it == watches_.end()) {
        return false;
    }
    const std::shared_ptr<Watch> w = it->second;
    const unsigned events = r.events & (w->events | io::error);
    if (events == 0) {
        return false;
    }
    lock.unlock();
    w->handler(events);
    lock.lock();
    ++tasks_run_;
    return true;
}

// Nothing is ready: waits for something. Returns false when nothing is left to wait for.
bool EventLoop::wait(std::unique_lock<std::mutex>& lock) {
    if (timers_.empty()) {
        if (holds_ == 0 && watches_.empty()) {
            return false;
        }
        // Only an fd or another thread can make progress now: wait in real time, whatever
        // the clock.
        poll(lock, Duration(-1));
        return true;
    }
    if (virtual_clock_ == nullptr) {
        poll(lock, std::max(timers_.begin()->first.first - clock_.now(), Duration(1)));
        return true;
    }
    if (holds_ > 0) {
        const auto real_now = std::chrono::steady_clock::now();
        const auto grace_end = grace_start_ + hold_grace_;
        if (real_now < grace_end) {
            poll(lock, std::max<Duration>(grace_end - real_now, Duration(1)));
            return true;
        }
    }
    if (!watches_.empty()) {
        poll(lock, Duration::zero());
        // Another thread may have posted, stopped or cancelled while the mutex was free.
        if (ready_next_ < ready_.size() || !posted_.empty() || stop_ || timers_.empty()) {
            return true;
        }
    }
    virtual_clock_->advance_to(timers_.begin()->first.first);
    return true;
}

// Runs at most one callback. Returns false when the loop should end (stopped or idle).
bool EventLoop::run_one(std::unique_lock<std::mutex>& lock) {
    while (true) {
        if (stop_) {
            return false;
        }
        if (ready_next_ < ready_.size()) {
            if (run_ready_io(lock)) {
                return true;
            }
            continue;
        }
        const bool timer_due = !timers_.empty() && timers_.begin()->first.first <= clock_.now();
        if (posted_.empty() && !timer_due) {
            if (!wait(lock)) {
                return false;
            }
            continue;
        }
        if (!watches_.empty() && tasks_since_poll_ >= kTasksBetweenPolls) {
            poll(lock, Duration::zero());
            continue;
        }
        if (!posted_.empty()) {
            Task task = std::move(posted_.front());
            posted_.pop_front();
            run_task(lock, std::move(task));
            return true;
        }
        auto first = timers_.begin();
        Task task = std::move(first->second.second);
        timer_index_.erase(first->second.first);
        timers_.erase(first);
        run_task(lock, std::move(task));
        return true;
    }
}

void EventLoop::start_run() {
    stop_ = false;
    loop_thread_ = std::this_thread::get_id();
    // Level-triggered: whatever is still ready is read again by the next poll.
    ready_.clear();
    ready_next_ = 0;
}

void EventLoop::run() {
    std::unique_lock<std::mutex> lock(mutex_);
    start_run();
    while (run_one(lock)) {
    }
}

bool EventLoop::run_until(const std::function<bool()>& done) {
    std::unique_lock<std::mutex> lock(mutex_);
    start_run();
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
