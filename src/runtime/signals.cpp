#include <array>
#include <atomic>
#include <cerrno>
#include <sys/eventfd.h>
#include <system_error>
#include <thread>
#include <unistd.h>

#include <srpadm/runtime/signals.hpp>

namespace srpadm::runtime {
namespace {

// The handler may only touch lock-free atomics (signal-safety(7) and [support.signal]).
static_assert(std::atomic<unsigned>::is_always_lock_free && std::atomic<int>::is_always_lock_free);

// Dispositions are per process, so the routing is too. Per signal: deliveries not yet seen
// by the loop, and the eventfd to write, stored plus one so that the zero of a static array
// means "none" (fd 0 is a valid eventfd when stdin is closed).
std::array<std::atomic<unsigned>, NSIG> g_pending{};
std::array<std::atomic<int>, NSIG> g_fd_plus_one{};
// Handlers running right now: a watch waits for none before it closes the eventfd they may
// be writing to.
std::atomic<int> g_in_handler{0};

bool valid(int signal) {
    return signal > 0 && signal < NSIG;
}

void on_signal(int signal) {
    const int saved_errno = errno;  // write(2) may change it under the interrupted code
    g_in_handler.fetch_add(1);
    if (valid(signal)) {
        const auto s = static_cast<std::size_t>(signal);
        g_pending[s].fetch_add(1);
        const int fd = g_fd_plus_one[s].load() - 1;
        if (fd >= 0) {
            eventfd_write(fd, 1);
        }
    }
    g_in_handler.fetch_sub(1);
    errno = saved_errno;
}

}  // namespace

SignalWatch::SignalWatch(EventLoop& loop, std::vector<int> signals,
                         std::function<void(int signal)> handler)
    : loop_(loop), signals_(std::move(signals)), handler_(std::move(handler)) {
    fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd_ < 0) {
        throw std::system_error(errno, std::generic_category(), "eventfd for signals");
    }
    watch_ = loop_.watch(fd_, io::readable, [this](unsigned /*events*/) { on_readable(); });
    if (watch_ == 0) {
        ::close(fd_);
        throw std::system_error(EBADF, std::generic_category(), "watching the signal eventfd");
    }
    for (const int signal : signals_) {
        if (!valid(signal)) {
            restore();
            throw std::system_error(EINVAL, std::generic_category(), "signal number");
        }
        const auto s = static_cast<std::size_t>(signal);
        // Routed before the handler is installed, so no delivery goes nowhere.
        Saved saved{signal, {}, g_fd_plus_one[s].exchange(fd_ + 1)};
        struct sigaction action = {};
        action.sa_handler = on_signal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART;
        if (sigaction(signal, &action, &saved.action) != 0) {
            const int err = errno;
            g_fd_plus_one[s].store(saved.routed_fd);
            restore();
            throw std::system_error(err, std::generic_category(), "sigaction");
        }
        saved_.push_back(saved);
    }
}

SignalWatch::~SignalWatch() {
    restore();
}

// Puts back what the constructor changed, newest first (a signal listed twice ends with the
// disposition from before the first), then lets the eventfd go.
void SignalWatch::restore() {
    while (!saved_.empty()) {
        const Saved& s = saved_.back();
        sigaction(s.signal, &s.action, nullptr);
        g_fd_plus_one[static_cast<std::size_t>(s.signal)].store(s.routed_fd);
        saved_.pop_back();
    }
    // A handler that read our fd before the store above finishes its write before we close.
    while (g_in_handler.load() != 0) {
        std::this_thread::yield();
    }
    loop_.unwatch(watch_);
    ::close(fd_);
}

void SignalWatch::on_readable() {
    // Drain first: a signal that comes after this writes again and is seen next time.
    eventfd_t count = 0;
    eventfd_read(fd_, &count);
    for (const int signal : signals_) {
        if (g_pending[static_cast<std::size_t>(signal)].exchange(0) != 0) {
            last_ = signal;
            handler_(signal);
        }
    }
}

}  // namespace srpadm::runtime
