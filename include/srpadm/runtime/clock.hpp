// Injected time. Production runs on the steady clock; the simulated fabric, its tests and
// the benchmark run on a virtual clock that jumps to the next timer when nothing is ready.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace srpadm::runtime {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::steady_clock::time_point;

class Clock {
  public:
    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
    // Blocks until `when`, or until `cv` is notified; called with `lock` held.
    // A virtual clock does not block: it moves its time to `when` and returns.
    virtual void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                            TimePoint when) = 0;
};

class SteadyClock final : public Clock {
  public:
    TimePoint now() const override { return std::chrono::steady_clock::now(); }
    void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                    TimePoint when) override {
        cv.wait_until(lock, when);
    }
};

class VirtualClock final : public Clock {
  public:
    explicit VirtualClock(TimePoint start = TimePoint{}) : now_(start) {}
    TimePoint now() const override { return now_; }
    void advance_to(TimePoint when) {
        if (when > now_) {
            now_ = when;
        }
    }
    void advance(Duration d) { now_ += d; }
    void wait_until(std::unique_lock<std::mutex>& /*lock*/, std::condition_variable& /*cv*/,
                    TimePoint when) override {
        advance_to(when);
    }

  private:
    TimePoint now_;
};

}  // namespace srpadm::runtime
