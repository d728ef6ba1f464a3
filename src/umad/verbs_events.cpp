// The only code that includes <infiniband/verbs.h> (see verbs_events.hpp).
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <infiniband/verbs.h>

#include <srpadm/model/login.hpp>
#include <srpadm/umad/verbs_events.hpp>

namespace srpadm::umad {
namespace {

using mad::PortEventKind;

// The port events of ibv_get_async_event(3) ("Port events"): their element is port_num.
std::optional<PortEventKind> port_kind(int event_type) {
    switch (event_type) {
        case IBV_EVENT_PORT_ACTIVE:
            return PortEventKind::port_active;
        case IBV_EVENT_PORT_ERR:
            return PortEventKind::port_down;
        case IBV_EVENT_LID_CHANGE:
            return PortEventKind::lid_change;
        case IBV_EVENT_SM_CHANGE:
            return PortEventKind::sm_change;
        case IBV_EVENT_PKEY_CHANGE:
            return PortEventKind::pkey_change;
        case IBV_EVENT_CLIENT_REREGISTER:
            return PortEventKind::client_reregister;
        case IBV_EVENT_GID_CHANGE:
            return PortEventKind::gid_change;
        default:
            return std::nullopt;
    }
}

// "mlx5_0, mlx5_1", or "none".
std::string device_names(ibv_device** list, int count) {
    std::string out;
    for (int i = 0; i < count; ++i) {
        out += fmt::format("{}{}", out.empty() ? "" : ", ",
                           login::printable(ibv_get_device_name(list[i])));
    }
    return out.empty() ? std::string("none") : out;
}

}  // namespace

std::optional<mad::PortEvent> port_event_from_verbs(int event_type, std::uint32_t event_port,
                                                    std::uint32_t port) {
    if (event_type == IBV_EVENT_DEVICE_FATAL) {
        return mad::PortEvent{PortEventKind::device_fatal};
    }
    const auto kind = port_kind(event_type);
    if (!kind || event_port != port) {
        return std::nullopt;
    }
    return mad::PortEvent{*kind};
}

VerbsPortEvents::VerbsPortEvents(runtime::EventLoop& loop, std::string device, std::uint32_t port,
                                 Handler handler, ibv_context* context)
    : loop_(loop),
      device_(std::move(device)),
      port_(port),
      handler_(std::move(handler)),
      context_(context) {}

Result<std::unique_ptr<VerbsPortEvents>> VerbsPortEvents::open(runtime::EventLoop& loop,
                                                               const std::string& device,
                                                               std::uint32_t port,
                                                               Handler handler) {
    const std::string shown = login::printable(device);
    int count = 0;
    errno = 0;
    ibv_device** list = ibv_get_device_list(&count);
    if (list == nullptr) {
        // ENOSYS: the kernel has no verbs support (ibv_get_device_list(3)).
        const int err = errno != 0 ? errno : ENODEV;
        return fail(Errc::not_found, fmt::format("no verbs device named \"{}\": libibverbs lists "
                                                 "no devices ({})",
                                                 shown, std::strerror(err)));
    }
    ibv_device* found = nullptr;
    for (int i = 0; i < count && found == nullptr; ++i) {
        // Exact names, as libibumad matches them (no prefix or case folding).
        if (std::string_view(ibv_get_device_name(list[i])) == device) {
            found = list[i];
        }
    }
    if (found == nullptr) {
        std::string names = device_names(list, count);
        ibv_free_device_list(list);
        return fail(
            Errc::not_found,
            fmt::format("no verbs device named \"{}\" (libibverbs lists: {})", shown, names));
    }
    errno = 0;
    ibv_context* context = ibv_open_device(found);
    const int open_err = errno != 0 ? errno : ENODEV;
    // An opened device stays valid once the list is freed (ibv_get_device_list(3)).
    ibv_free_device_list(list);
    if (context == nullptr) {
        return fail(
            Errc::port_state,
            fmt::format("cannot open verbs device \"{}\": {}{}", shown, std::strerror(open_err),
                        open_err == EACCES || open_err == EPERM
                            ? " (/dev/infiniband/uverbs* needs root or the rdma group)"
                            : ""));
    }
    std::unique_ptr<VerbsPortEvents> events(
        new VerbsPortEvents(loop, device, port, std::move(handler), context));
    // ibv_get_async_event() blocks on a blocking descriptor; with O_NONBLOCK its read() says
    // EAGAIN once the queue is empty (ibv_get_async_event(3), EXAMPLES).
    const int flags = ::fcntl(context->async_fd, F_GETFL);
    if (flags < 0 || ::fcntl(context->async_fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        return fail(Errc::port_state,
                    fmt::format("cannot make the async event descriptor of verbs device \"{}\" "
                                "non-blocking: {}",
                                shown, std::strerror(errno)));
    }
    VerbsPortEvents* self = events.get();
    events->watch_ = loop.watch(context->async_fd, runtime::io::readable,
                                [self](unsigned ready) { self->on_ready(ready); });
    if (events->watch_ == 0) {
        return fail(
            Errc::port_state,
            fmt::format("cannot watch the async event descriptor of verbs device \"{}\"", shown));
    }
    return events;
}

VerbsPortEvents::~VerbsPortEvents() {
    close_device();
}

void VerbsPortEvents::close_device() {
    if (watch_ != 0) {
        loop_.unwatch(watch_);
        watch_ = 0;
    }
    if (context_ != nullptr) {
        ibv_close_device(context_);
        context_ = nullptr;
    }
}

// Reads every queued event (until EAGAIN), acknowledging each one as ibv_get_async_event(3)
// requires, then hands this port's events to the handler in the order they came. The device is
// closed, after the events before it, on:
// - IBV_EVENT_DEVICE_FATAL (any port): the device is unusable; nothing after it counts.
// - A failed read other than EAGAIN/EINTR, or an error condition with nothing to read: the
//   kernel answers EIO once the device was removed and its queue is empty (uverbs_main.c,
//   ib_uverbs_event_read), and reports it as EPOLLERR, which would wake a level-triggered loop
//   forever. Such an end is reported as device_fatal as well, unless one was read already.
void VerbsPortEvents::on_ready(unsigned ready) {
    if (context_ == nullptr) {
        return;
    }
    std::vector<mad::PortEvent> out;
    bool fatal = false;
    bool any = false;
    for (;;) {
        ibv_async_event event{};
        errno = 0;
        if (ibv_get_async_event(context_, &event) != 0) {
            const int err = errno;
            if (err == EINTR) {
                continue;
            }
            if (err == EAGAIN || err == EWOULDBLOCK) {
                if ((ready & runtime::io::error) != 0 && !any) {
                    ++read_errors_;
                    fatal = true;
                }
                break;
            }
            // Anything else, a short read (errno 0) included: the queue is broken.
            ++read_errors_;
            fatal = true;
            break;
        }
        any = true;
        ++events_read_;
        const int type = event.event_type;
        const auto kind = port_kind(type);
        // element is a union: port_num is the member only for port events.
        const std::uint32_t event_port =
            kind ? static_cast<std::uint32_t>(event.element.port_num) : 0U;
        ibv_ack_async_event(&event);
        if (auto mapped = port_event_from_verbs(type, event_port, port_)) {
            out.push_back(*mapped);
        }
        if (type == IBV_EVENT_DEVICE_FATAL) {
            fatal = true;
            break;
        }
    }
    if (fatal) {
        if (out.empty() || out.back().kind != PortEventKind::device_fatal) {
            out.push_back(mad::PortEvent{PortEventKind::device_fatal});
        }
        close_device();
    }
    const Handler handler = handler_;
    const std::weak_ptr<int> alive = alive_;
    for (const mad::PortEvent& e : out) {
        if (!handler || alive.expired()) {
            return;
        }
        handler(e);
    }
}

}  // namespace srpadm::umad
