#include <algorithm>
#include <ctime>
#include <systemd/sd-daemon.h>
#include <utility>

#include <fmt/format.h>

#include <srpadm/daemon/service.hpp>

namespace srpadm::daemon {
namespace {

class SystemdNotifier final : public ServiceNotifier {
  public:
    void notify(const std::string& state) override {
        // 0: not under systemd; < 0: the socket is gone. Neither is the daemon's concern.
        static_cast<void>(::sd_notify(0, state.c_str()));
    }
    std::optional<runtime::Duration> watchdog() override {
        std::uint64_t usec = 0;
        if (::sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) {
            return std::nullopt;
        }
        return std::chrono::duration_cast<runtime::Duration>(std::chrono::microseconds(usec));
    }
};

// A line for STATUS=: one line, printable, not too long (the journal and `systemctl status`
// show it as it is, and an error text can hold what a target sent).
std::string one_line(const std::string& text) {
    constexpr std::size_t kMax = 160;
    std::string out;
    for (const char c : text) {
        if (out.size() >= kMax) {
            out += "...";
            break;
        }
        const auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7f) ? ' ' : c;
    }
    return out;
}

std::uint64_t monotonic_usec() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000U +
           static_cast<std::uint64_t>(ts.tv_nsec) / 1000U;
}

}  // namespace

std::unique_ptr<ServiceNotifier> systemd_notifier() {
    return std::make_unique<SystemdNotifier>();
}

std::string status_line(const std::vector<PortStatus>& ports,
                        const std::vector<TargetStatus>& targets) {
    const auto up = std::count_if(ports.begin(), ports.end(),
                                  [](const PortStatus& p) { return p.state == "up"; });
    std::size_t wanted = 0;
    std::size_t connected = 0;
    std::size_t failing = 0;
    std::string last_error;
    for (const TargetStatus& t : targets) {
        if (!wanted_phase(t.phase)) {
            continue;
        }
        ++wanted;
        if (t.phase == TargetPhase::connected) {
            ++connected;
        } else if (t.phase == TargetPhase::backing_off || t.phase == TargetPhase::invalid) {
            ++failing;
            if (!t.last_error.empty()) {
                last_error = t.last_error;
            }
        }
    }
    std::string line = fmt::format("{} of {} ports up; {} of {} targets connected", up,
                                   ports.size(), connected, wanted);
    if (failing > 0) {
        line += fmt::format("; {} failing", failing);
        if (!last_error.empty()) {
            line += " (last error: " + last_error + ")";
        }
    }
    return one_line(line);
}

ServiceReporter::ServiceReporter(runtime::EventLoop& loop, Daemon& daemon,
                                 ServiceNotifier& notifier, ServiceOptions options)
    : loop_(loop), daemon_(daemon), notifier_(notifier), options_(options) {}

ServiceReporter::~ServiceReporter() {
    if (observer_ != 0) {
        daemon_.remove_observer(observer_);
    }
    for (const auto timer : {ready_timer_, status_timer_, watchdog_timer_}) {
        if (timer != 0) {
            loop_.cancel(timer);
        }
    }
}

void ServiceReporter::start() {
    observer_ = daemon_.add_observer([this] { on_change(); });
    ready_timer_ = loop_.after(options_.ready_wait, [this] {
        ready_timer_ = 0;
        if (!ready_) {
            send_ready();
        }
    });
    watchdog_ = notifier_.watchdog();
    if (watchdog_) {
        ping();
    }
    update();
}

void ServiceReporter::reloading() {
    notifier_.notify(fmt::format("RELOADING=1\nMONOTONIC_USEC={}", monotonic_usec()));
}

void ServiceReporter::reloaded() {
    send_ready();
}

void ServiceReporter::stopping() {
    stopping_ = true;
    notifier_.notify("STOPPING=1");
}

// Called from inside the daemon's changes: look once they are done.
void ServiceReporter::on_change() {
    if (update_posted_) {
        return;
    }
    update_posted_ = true;
    loop_.post([this, token = std::weak_ptr<int>(alive_)] {
        if (token.expired()) {
            return;
        }
        update_posted_ = false;
        update();
    });
}

void ServiceReporter::update() {
    if (stopping_) {
        return;
    }
    if (!ready_ && daemon_.settled()) {
        send_ready();
        return;
    }
    if (status_timer_ != 0) {
        return;  // an update is due anyway
    }
    const auto now = loop_.now();
    if (!last_sent_ || now - *last_sent_ >= options_.status_interval) {
        send_status();
        return;
    }
    status_timer_ = loop_.at(*last_sent_ + options_.status_interval, [this] {
        status_timer_ = 0;
        if (!stopping_) {
            send_status();
        }
    });
}

void ServiceReporter::send_ready() {
    ready_ = true;
    if (ready_timer_ != 0) {
        loop_.cancel(ready_timer_);
        ready_timer_ = 0;
    }
    last_status_ = status_line(daemon_.ports(), daemon_.targets());
    last_sent_ = loop_.now();
    notifier_.notify("READY=1\nSTATUS=" + last_status_);
}

void ServiceReporter::send_status() {
    std::string line = status_line(daemon_.ports(), daemon_.targets());
    if (line == last_status_) {
        return;
    }
    last_status_ = std::move(line);
    last_sent_ = loop_.now();
    notifier_.notify("STATUS=" + last_status_);
}

void ServiceReporter::ping() {
    notifier_.notify("WATCHDOG=1");
    watchdog_timer_ = loop_.after(*watchdog_ / 2, [this] {
        watchdog_timer_ = 0;
        ping();
    });
}

}  // namespace srpadm::daemon
