// The only code that includes <libudev.h> (see uevent_monitor.hpp).
#include <cerrno>
#include <cstring>
#include <libudev.h>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include <srpadm/host/uevent_monitor.hpp>
#include <srpadm/model/login.hpp>

namespace srpadm::host {
namespace {

// Failed receives in a row after which a wake-up gives the loop back: libudev consumes the
// message it refuses, so a new one is read each time, but a socket that keeps failing must not
// keep the loop in one handler.
constexpr int kMaxErrorsInRow = 8;

std::optional<std::string_view> view(const char* text) {
    if (text == nullptr) {
        return std::nullopt;
    }
    return std::string_view(text);
}

std::string error_text(int err) {
    return err != 0 ? std::string(std::strerror(err)) : std::string("unknown error");
}

}  // namespace

std::string_view uevent_source_name(UeventSource source) {
    switch (source) {
        case UeventSource::udev:
            return "udev";
        case UeventSource::kernel:
            return "kernel";
        case UeventSource::automatic:
            break;
    }
    return "automatic";
}

UeventSource choose_uevent_source(const std::filesystem::path& udev_control) {
    std::error_code ec;
    // udevd creates its control socket when it starts; libudev's own test for a running udevd
    // looks for the same file (libudev-queue.c, udev_queue_get_udev_is_active).
    return std::filesystem::exists(udev_control, ec) && !ec ? UeventSource::udev
                                                            : UeventSource::kernel;
}

UeventMonitor::UeventMonitor(runtime::EventLoop& loop, UeventSource source, Handler handler)
    : loop_(loop), source_(source), handler_(std::move(handler)) {}

Result<std::unique_ptr<UeventMonitor>> UeventMonitor::open(runtime::EventLoop& loop,
                                                           const UeventMonitorOptions& options,
                                                           Handler handler) {
    const UeventSource source = options.source == UeventSource::automatic
                                    ? choose_uevent_source(options.udev_control)
                                    : options.source;
    const std::string_view name = uevent_source_name(source);
    std::unique_ptr<UeventMonitor> m(new UeventMonitor(loop, source, std::move(handler)));
    const auto failed = [name](std::string_view step, int err) {
        return fail(Errc::io, fmt::format("cannot monitor uevents (source \"{}\"): {}: {}", name,
                                          step, error_text(err)));
    };

    errno = 0;
    m->udev_ = udev_new();
    if (m->udev_ == nullptr) {
        return failed("udev_new() failed", errno);
    }
    errno = 0;
    m->monitor_ = udev_monitor_new_from_netlink(m->udev_, std::string(name).c_str());
    if (m->monitor_ == nullptr) {
        return failed("no netlink uevent socket (udev_monitor_new_from_netlink)", errno);
    }
    for (const std::string& subsystem : options.subsystems) {
        const int rc = udev_monitor_filter_add_match_subsystem_devtype(m->monitor_,
                                                                       subsystem.c_str(), nullptr);
        if (rc < 0) {
            return failed(fmt::format("libudev refuses the subsystem filter \"{}\"",
                                      login::printable(subsystem)),
                          -rc);
        }
    }
    if (options.receive_buffer > 0) {
        // Best effort: above net.core.rmem_max the kernel wants CAP_NET_ADMIN.
        (void)udev_monitor_set_receive_buffer_size(m->monitor_, options.receive_buffer);
    }
    if (const int rc = udev_monitor_enable_receiving(m->monitor_); rc < 0) {
        return failed("cannot bind the netlink uevent socket (udev_monitor_enable_receiving)", -rc);
    }
    const int fd = udev_monitor_get_fd(m->monitor_);
    if (fd < 0) {
        return failed("the monitor has no descriptor", -fd);
    }
    UeventMonitor* self = m.get();
    m->watch_ =
        loop.watch(fd, runtime::io::readable, [self](unsigned events) { self->on_ready(events); });
    if (m->watch_ == 0) {
        return failed("the event loop cannot watch the netlink socket", EBADF);
    }
    return m;
}

UeventMonitor::~UeventMonitor() {
    if (watch_ != 0) {
        loop_.unwatch(watch_);
    }
    if (monitor_ != nullptr) {
        udev_monitor_unref(monitor_);
    }
    if (udev_ != nullptr) {
        udev_unref(udev_);
    }
}

// Reads every queued event; each goes to the handler as soon as it is read. A handler that
// destroys the monitor ends the wake-up (the events still queued are dropped with the socket).
void UeventMonitor::on_ready(unsigned /*events*/) {
    const Handler handler = handler_;
    const std::weak_ptr<int> alive = alive_;
    int errors_in_row = 0;
    for (;;) {
        errno = 0;
        udev_device* device = udev_monitor_receive_device(monitor_);
        if (device == nullptr) {
            const int err = errno;
            if (err == EAGAIN || err == EWOULDBLOCK) {
                return;
            }
            if (err == EINTR) {
                continue;
            }
            ++receive_errors_;
            last_problem_ =
                fmt::format("receiving a uevent failed: {}{}", error_text(err),
                            err == ENOBUFS ? " (the socket overflowed; events were lost)" : "");
            if (++errors_in_row >= kMaxErrorsInRow) {
                return;
            }
            continue;
        }
        errors_in_row = 0;
        UeventFields fields;
        fields.action = view(udev_device_get_action(device));
        fields.subsystem = view(udev_device_get_subsystem(device));
        fields.sysname = view(udev_device_get_sysname(device));
        fields.devpath = view(udev_device_get_devpath(device));
        if (fields.subsystem == "infiniband_mad" && fields.action != "remove") {
            // The umad device's own attributes (user_mad.c: ibdev_show, port_show), read from
            // sysfs now: a few bytes a kernel function prints, nothing that waits.
            fields.ibdev = view(udev_device_get_sysattr_value(device, "ibdev"));
            fields.port = view(udev_device_get_sysattr_value(device, "port"));
        }
        auto event = make_uevent(fields);  // copies what it keeps
        udev_device_unref(device);
        if (!event) {
            ++malformed_;
            last_problem_ = event.error().message;
            continue;
        }
        ++delivered_;
        if (handler) {
            handler(*event);
        }
        if (alive.expired()) {
            return;
        }
    }
}

}  // namespace srpadm::host
