#include <algorithm>
#include <memory>
#include <utility>

#include <srpadm/mad/port_watcher.hpp>

namespace srpadm::mad {

std::vector<PortEventKind> port_changes(const PortAttributes& before, const PortAttributes& after) {
    std::vector<PortEventKind> out;
    const bool was_active = before.state == PortState::active;
    const bool is_active = after.state == PortState::active;
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

PortWatcher::PortWatcher(EventLoop& loop, Reader reader, Duration interval, Handler handler)
    : loop_(loop),
      reader_(std::move(reader)),
      interval_(std::max(interval, Duration(std::chrono::milliseconds(1)))),
      handler_(std::move(handler)) {
    auto first = reader_();
    if (first) {
        last_ = std::move(*first);
    } else {
        ++read_errors_;
        last_.state = PortState::down;
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
    PortAttributes next;
    if (now) {
        next = std::move(*now);
    } else {
        ++read_errors_;
        next = last_;
        next.state = PortState::down;
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

}  // namespace srpadm::mad
