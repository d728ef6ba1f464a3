// UeventMonitor: the kernel's uevents for a list of subsystems, on the event loop, through
// libudev's netlink monitor (udev_monitor_new_from_netlink(3)).
//
// Source (udev_monitor_new_from_netlink's name):
// - "udev" when udevd runs (its control socket /run/udev/control exists): the events after
//   udevd processed them (rules run, device nodes created), as a daemon started by systemd
//   wants them;
// - "kernel" otherwise: the events as the kernel sends them, which is all there is where no
//   udevd runs (a qemu guest with busybox, a container).
// Subsystems are filtered with udev_monitor_filter_add_match_subsystem_devtype(3) (libudev
// checks kernel-sourced messages against the filter in user space as well). The monitor's
// socket is non-blocking (libudev-monitor.c: udev_monitor_receive_device() answers EAGAIN when
// no message is queued), so every wake-up of the loop reads all queued events and never waits.
// A failed receive (ENOBUFS when the socket overflowed and events were lost, a message libudev
// refuses) is counted and the next one read; it ends nothing.
//
// Built into a library of its own (srpadm_uevent), so that srpadm_core and the fuzz build need
// no libudev; it is still the host layer: the one place that reads the kernel's device model.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <srpadm/host/uevent.hpp>
#include <srpadm/result.hpp>
#include <srpadm/runtime/event_loop.hpp>

struct udev;
struct udev_monitor;

namespace srpadm::host {

enum class UeventSource : std::uint8_t { automatic, udev, kernel };

// "udev", "kernel" (automatic: "automatic").
std::string_view uevent_source_name(UeventSource source);
// udev when `udev_control` (udevd's control socket) exists, kernel otherwise.
UeventSource choose_uevent_source(const std::filesystem::path& udev_control = "/run/udev/control");

struct UeventMonitorOptions {
    std::vector<std::string> subsystems;  // empty: every subsystem
    UeventSource source = UeventSource::automatic;
    std::filesystem::path udev_control = "/run/udev/control";  // what automatic looks for
    // The socket's receive buffer (udev_monitor_set_receive_buffer_size(3)), so that a burst
    // (an HCA with many SRP hosts going away) fits while the loop is busy; 0 keeps the
    // kernel's default. A size the kernel refuses is not an error (the default stays).
    int receive_buffer = 4 * 1024 * 1024;
};

class UeventMonitor {
  public:
    using Handler = std::function<void(const Uevent&)>;

    // Creates the monitor, adds the filters, enables receiving and watches its descriptor on
    // `loop`; `handler` gets each event on the loop's thread. Errors (Errc::io, the message
    // says which step and why): no udev context, a netlink socket that cannot be opened or
    // bound (no permission, no netlink in this environment), a filter libudev refuses, a
    // descriptor the loop cannot watch. The watch keeps EventLoop::run() from returning.
    static Result<std::unique_ptr<UeventMonitor>> open(runtime::EventLoop& loop,
                                                       const UeventMonitorOptions& options,
                                                       Handler handler);
    // Unwatches and releases the monitor (loop thread).
    ~UeventMonitor();
    UeventMonitor(const UeventMonitor&) = delete;
    UeventMonitor& operator=(const UeventMonitor&) = delete;

    // The source in use: udev or kernel, never automatic.
    UeventSource source() const { return source_; }
    // Events handed to the handler.
    std::uint64_t delivered() const { return delivered_; }
    // Events dropped because make_uevent() refused them.
    std::uint64_t malformed() const { return malformed_; }
    // Receives that failed (other than "nothing queued"); each was skipped.
    std::uint64_t receive_errors() const { return receive_errors_; }
    // The latest malformed event's or failed receive's message, for logs; empty if none.
    const std::string& last_problem() const { return last_problem_; }

  private:
    UeventMonitor(runtime::EventLoop& loop, UeventSource source, Handler handler);
    void on_ready(unsigned events);

    runtime::EventLoop& loop_;
    UeventSource source_;
    Handler handler_;
    udev* udev_ = nullptr;
    udev_monitor* monitor_ = nullptr;
    runtime::WatchId watch_ = 0;
    std::uint64_t delivered_ = 0;
    std::uint64_t malformed_ = 0;
    std::uint64_t receive_errors_ = 0;
    std::string last_problem_;
    // The handler may destroy the monitor: the events still queued then stay unread.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace srpadm::host
