// Injected time. Production runs on the steady clock; the simulated fabric, its tests and
// the benchmark run on a virtual clock that jumps to the next timer when nothing is ready.
#pragma once

#include <chrono>

namespace srpadm::runtime {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::steady_clock::time_point;

class Clock {
  public:
    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
    // A virtual clock only moves when the event loop moves it (VirtualClock::advance_to): the
    // loop never sleeps for its timers there, and code that would wait in real time for a
    // duration of this clock (a fake worker) can tell.
    virtual bool is_virtual() const { return false; }
};

class SteadyClock final : public Clock {
  public:
    TimePoint now() const override { return std::chrono::steady_clock::now(); }
};

// Not synchronised: the loop's thread reads and moves it.
class VirtualClock final : public Clock {
  public:
    explicit VirtualClock(TimePoint start = TimePoint{}) : now_(start) {}
    TimePoint now() const override { return now_; }
    bool is_virtual() const override { return true; }
    void advance_to(TimePoint when) {
        if (when > now_) {
            now_ = when;
        }
    }
    void advance(Duration d) { now_ += d; }

  private:
    TimePoint now_;
};

}  // namespace srpadm::runtime
