// The daemon under a service manager: systemd's notification protocol (sd_notify(3)) for
// Type=notify units. READY=1 once every port has finished its first scan and reconcile (a port
// that stays down does not hold it back, and a bounded wait ends it in any case), STATUS= one
// line kept current (at most once a second, only when something changed), RELOADING=1 and
// READY=1 around a reload, STOPPING=1, and WATCHDOG=1 at half the unit's WatchdogSec= from the
// loop, so that a stuck loop stops the pings and systemd restarts the daemon.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <srpadm/daemon/daemon.hpp>
#include <srpadm/runtime/event_loop.hpp>

namespace srpadm::daemon {

// Where the notifications go: systemd's socket, or a test's recorder.
class ServiceNotifier {
  public:
    virtual ~ServiceNotifier() = default;
    // One datagram of newline-separated assignments ("READY=1\nSTATUS=...").
    virtual void notify(const std::string& state) = 0;
    // WatchdogSec= of the unit, when it set one for this process.
    virtual std::optional<runtime::Duration> watchdog() = 0;
};

// sd_notify(3) and sd_watchdog_enabled(3); without $NOTIFY_SOCKET (not started by systemd)
// nothing is sent and there is no watchdog.
std::unique_ptr<ServiceNotifier> systemd_notifier();

// "2 of 2 ports up; 3 of 4 targets connected; 1 backing off (last error: ...)": the STATUS=
// line, from what the daemon shows. Targets the rules refuse or the admin took down are not
// counted as wanted.
std::string status_line(const std::vector<PortStatus>& ports,
                        const std::vector<TargetStatus>& targets);

struct ServiceOptions {
    // READY=1 comes at the latest this long after start(), settled or not (a port whose SA
    // never answers must not hold back the units ordered after this one for ever).
    runtime::Duration ready_wait = std::chrono::seconds(90);
    // The least time between two STATUS= updates.
    runtime::Duration status_interval = std::chrono::seconds(1);
};

class ServiceReporter {
  public:
    // `daemon` and `notifier` must outlive it. Runs on `loop`.
    ServiceReporter(runtime::EventLoop& loop, Daemon& daemon, ServiceNotifier& notifier,
                    ServiceOptions options = {});
    ~ServiceReporter();
    ServiceReporter(const ServiceReporter&) = delete;
    ServiceReporter& operator=(const ServiceReporter&) = delete;
    ServiceReporter(ServiceReporter&&) = delete;
    ServiceReporter& operator=(ServiceReporter&&) = delete;

    // After Daemon::start(): follows the daemon and arms the ready wait and the watchdog.
    void start();
    // Around Daemon::reload().
    void reloading();
    void reloaded();
    // When the daemon begins to stop.
    void stopping();

    bool ready() const { return ready_; }

  private:
    void on_change();
    void update();
    void send_ready();
    void send_status();
    void ping();

    runtime::EventLoop& loop_;
    Daemon& daemon_;
    ServiceNotifier& notifier_;
    ServiceOptions options_;
    bool ready_ = false;
    bool stopping_ = false;
    bool update_posted_ = false;
    std::uint64_t observer_ = 0;
    std::string last_status_;
    std::optional<runtime::TimePoint> last_sent_;
    runtime::EventLoop::TimerId ready_timer_ = 0;
    runtime::EventLoop::TimerId status_timer_ = 0;
    runtime::EventLoop::TimerId watchdog_timer_ = 0;
    std::optional<runtime::Duration> watchdog_;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace srpadm::daemon
