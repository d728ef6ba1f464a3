// Port events from snapshots of a port's attributes.
//
// A real InfiniBand stack reports port events as verbs asynchronous events; srpadm takes them
// from what the kernel shows in sysfs instead (no libibverbs): PortWatcher reads the port's
// attributes every `interval` on the event loop and turns what changed into PortEvents. The
// files are a few bytes each, so a read a second costs nothing next to one MAD. What sysfs does
// not show, it cannot report: a client-reregister request from the SM leaves no trace there
// (the daemon re-subscribes on an SM change and on a port coming back instead).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <srpadm/mad/endpoint.hpp>
#include <srpadm/result.hpp>
#include <srpadm/runtime/event_loop.hpp>

namespace srpadm::mad {

// What changed from `before` to `after`, in the order a consumer acts on it: port_down first;
// then lid_change (LID or LMC), sm_change (SM LID or SL), pkey_change (any P_Key table entry),
// gid_change (GID prefix or port GUID); port_active last, once the port is usable again.
// Leaving ACTIVE is port_down, reaching it is port_active; other state steps (DOWN → INIT →
// ARMED) are not events. While the port is not ACTIVE, LID and SM changes are not reported
// either (the SM is still assigning them); they show up with the port_active that follows.
std::vector<PortEventKind> port_changes(const model::PortAttributes& before,
                                        const model::PortAttributes& after);

class PortWatcher {
  public:
    using Reader = std::function<Result<model::PortAttributes>()>;
    using Handler = std::function<void(const PortEvent&)>;

    // Reads the port once now (the baseline; a failed read counts as a port that is down) and
    // then every `interval`. The repeating timer keeps EventLoop::run() from returning, so a
    // watcher belongs to a loop that runs until it is stopped (the daemon's).
    PortWatcher(runtime::EventLoop& loop, Reader reader, runtime::Duration interval,
                Handler handler);
    ~PortWatcher();
    PortWatcher(const PortWatcher&) = delete;
    PortWatcher& operator=(const PortWatcher&) = delete;

    // Reads the port now and reports what changed since the last read. A read that fails (the
    // device was removed, a file is unreadable) is reported as port_down once; the next good
    // read is compared with the last good one, state aside.
    void poll();

    const model::PortAttributes& last() const { return last_; }
    std::uint64_t polls() const { return polls_; }
    std::uint64_t read_errors() const { return read_errors_; }

  private:
    void arm();

    runtime::EventLoop& loop_;
    Reader reader_;
    runtime::Duration interval_;
    Handler handler_;
    model::PortAttributes last_;
    runtime::EventLoop::TimerId timer_ = 0;
    std::uint64_t polls_ = 0;
    std::uint64_t read_errors_ = 0;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

// Whether a scan can start from the port: ACTIVE, and on InfiniBand with a LID and an SM LID
// (a RoCE port has neither: its scans go to targets named by address).
bool port_usable(const model::PortAttributes& port);

// Waits on `loop` until the port `reader` reads is usable, reading it every `interval` (a
// PortWatcher), for boot-time starts where the SM has not brought the port up yet. Ends early
// when `stop()` turns true (checked after every read). Returns the usable attributes;
// Errc::port_state when `timeout` passed first (the message says what the port was waiting
// for), Errc::cancelled when stopped. A port that is usable at the first read returns at once.
Result<model::PortAttributes> wait_until_usable(runtime::EventLoop& loop,
                                                const PortWatcher::Reader& reader,
                                                runtime::Duration timeout,
                                                runtime::Duration interval,
                                                const std::function<bool()>& stop = {});

}  // namespace srpadm::mad
