#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include <fmt/format.h>

#include <srpadm/mad/port_watcher.hpp>

namespace srpadm::mad {

std::vector<PortEventKind> port_changes(const model::PortAttributes& before,
                                        const model::PortAttributes& after) {
    std::vector<PortEventKind> out;
    const bool was_active = before.state == model::PortState::active;
    const bool is_active = after.state == model::PortState::active;
    if (was_active && !is_active) {
        out.push_back(PortEventKind::port_down);
    }
    if (is_active) {
        if (before.lid != after.lid || before.lmc != after.lmc) {
            out.push_back(PortEventKind::lid_change);
        }
        if (before.sm_lid != after.sm_lid || before.sm_sl != after.sm_sl) {
            out.push_back(PortEventKind::sm_change);
        }
    }
    if (before.pkeys != after.pkeys) {
        out.push_back(PortEventKind::pkey_change);
    }
    if (before.gid_prefix != after.gid_prefix || before.port_guid != after.port_guid) {
        out.push_back(PortEventKind::gid_change);
    }
    if (!was_active && is_active) {
        out.push_back(PortEventKind::port_active);
    }
    return out;
}

PortWatcher::PortWatcher(runtime::EventLoop& loop, Reader reader, runtime::Duration interval,
                         Handler handler)
    : loop_(loop),
      reader_(std::move(reader)),
      interval_(std::max(interval, runtime::Duration(std::chrono::milliseconds(1)))),
      handler_(std::move(handler)) {
    auto first = reader_();
    if (first) {
        last_ = std::move(*first);
    } else {
        ++read_errors_;
        last_.state = model::PortState::down;
    }
    arm();
}

PortWatcher::~PortWatcher() {
    if (timer_ != 0) {
        loop_.cancel(timer_);
    }
}

void PortWatcher::arm() {
    timer_ = loop_.after(interval_, [this] {
        arm();
        poll();
    });
}

void PortWatcher::poll() {
    ++polls_;
    auto now = reader_();
    model::PortAttributes next;
    if (now) {
        next = std::move(*now);
    } else {
        ++read_errors_;
        next = last_;
        next.state = model::PortState::down;
    }
    const auto kinds = port_changes(last_, next);
    last_ = std::move(next);
    // A handler may destroy this watcher (the endpoint drops it when its handler is reset):
    // the handler runs from a copy, and the events left are dropped once the watcher is gone.
    const Handler handler = handler_;
    const std::weak_ptr<int> alive = alive_;
    for (const PortEventKind kind : kinds) {
        if (!handler || alive.expired()) {
            return;
        }
        handler(PortEvent{kind});
    }
}

bool port_usable(const model::PortAttributes& port) {
    if (port.link_layer == model::LinkLayer::ethernet) {
        return port.state == model::PortState::active;  // RoCE: no LIDs, no SM
    }
    return port.state == model::PortState::active && port.lid != 0 && port.sm_lid != 0;
}

namespace {

std::string waiting_for(const model::PortAttributes& port) {
    if (port.state != model::PortState::active) {
        return fmt::format("it is still {}", model::port_state_name(port.state));
    }
    return port.lid == 0 ? "it still has no LID" : "it still has no SM LID";
}

}  // namespace

Result<model::PortAttributes> wait_until_usable(runtime::EventLoop& loop,
                                                const PortWatcher::Reader& reader,
                                                runtime::Duration timeout,
                                                runtime::Duration interval,
                                                const std::function<bool()>& stop) {
    // The watcher's first read is the check for a port that is usable already; after that it
    // reads the port every interval, and each read is a moment to look at what it read last.
    PortWatcher watcher(loop, reader, interval, {});
    bool expired = false;
    if (!port_usable(watcher.last())) {
        const auto deadline = loop.after(timeout, [&] { expired = true; });
        loop.run_until([&] { return port_usable(watcher.last()) || expired || (stop && stop()); });
        loop.cancel(deadline);
    }
    const model::PortAttributes& last = watcher.last();
    if (port_usable(last)) {
        return last;
    }
    const std::string port = last.ca_name.empty()
                                 ? std::string("the port")
                                 : fmt::format("port {}:{}", last.ca_name, last.port_num);
    if (!expired) {
        return fail(Errc::cancelled, fmt::format("stopped while waiting for {}", port));
    }
    return fail(Errc::port_state,
                fmt::format("{} did not become ACTIVE with an SM within {} ms: {}", port,
                            std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count(),
                            waiting_for(last)));
}

}  // namespace srpadm::mad
