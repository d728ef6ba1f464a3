// Signals (SIGINT, SIGTERM, SIGHUP, SIGUSR1, ...) handled on the event loop, without polling.
//
// The handler that sigaction(2) installs only counts the signal and writes to an eventfd the
// loop watches. eventfd_write() is a single write(2), which signal-safety(7) allows in a
// handler; glibc makes it with its internal __write (sysdeps/unix/sysv/linux/eventfd_write.c),
// which a preloaded library that wraps read() and write() (libumad2sim in the ibsim tests)
// does not intercept. SA_RESTART: a read() in the MAD receive thread or a sysfs write in a
// BlockingPool worker that the signal interrupts restarts instead of failing with EINTR.
//
// Not signalfd(2): it only receives signals that every thread blocks, and threads srpadm does
// not start (a preloaded library's own) would not block them, so the signal would be handled
// there by its default action, which ends the process.
#pragma once

#include <csignal>
#include <functional>
#include <vector>

#include <srpadm/runtime/event_loop.hpp>

namespace srpadm::runtime {

// Build, use and destroy on the loop's thread (or while the loop is not running), and destroy
// before the loop. A signal belongs to one watch at a time: a second watch of the same signal
// takes it over until it is destroyed, which gives it back (destroy them in reverse order).
// The handler must not destroy its own watch.
class SignalWatch {
  public:
    // Calls `handler` on the loop with each signal number once per batch of deliveries seen
    // together (a signal sent twice before the loop looks is reported once). The watch keeps
    // run() from returning. Throws std::system_error when the eventfd or a sigaction() fails
    // (a signal that cannot be caught, like SIGKILL), with nothing left changed.
    SignalWatch(EventLoop& loop, std::vector<int> signals, std::function<void(int signal)> handler);
    // Restores the dispositions found at construction and stops watching.
    ~SignalWatch();
    SignalWatch(const SignalWatch&) = delete;
    SignalWatch& operator=(const SignalWatch&) = delete;

    // The last signal handed to the handler; 0 if none yet.
    int last() const { return last_; }

  private:
    struct Saved {
        int signal;
        struct sigaction action;
        int routed_fd;  // whose eventfd the signal went to before (see signals.cpp)
    };

    void on_readable();
    void restore();

    EventLoop& loop_;
    std::vector<int> signals_;
    std::function<void(int)> handler_;
    int fd_ = -1;
    WatchId watch_ = 0;
    std::vector<Saved> saved_;
    int last_ = 0;
};

}  // namespace srpadm::runtime
