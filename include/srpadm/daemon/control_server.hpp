// The daemon's side of the control socket (ops/control.hpp has the protocol and the client).
//
// Everything runs on the daemon's event loop, non-blocking: a client is read a line at a time
// and answered in order; what it does not read stays in its own buffer. A client is dropped,
// never waited for, when it
//   - sends a line longer than ops::control::kMaxRequest,
//   - lets its unread answers grow past ControlLimits::max_output,
//   - reads nothing of a pending answer for ControlLimits::stalled, or
//   - says nothing for ControlLimits::idle;
// and a connection beyond ControlLimits::max_clients is closed at once. A change (rescan,
// reload) from a peer the Authorizer refuses gets a "not-permitted" answer; garbage gets an
// "invalid-input" answer, and the connection stays.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include <nlohmann/json.hpp>

#include <srpadm/daemon/daemon.hpp>
#include <srpadm/ops/control.hpp>
#include <srpadm/result.hpp>
#include <srpadm/runtime/event_loop.hpp>

namespace srpadm::daemon {

// Who is on the other end, as the kernel says (SO_PEERCRED, SO_PEERGROUPS).
struct Peer {
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;  // supplementary groups
};

using Authorizer = std::function<bool(const Peer&)>;
// Root, the daemon's own user, and (when given) members of `group`, by primary or
// supplementary group: as multipathd lets root alone change it, with a group for operators.
Authorizer default_authorizer(std::optional<gid_t> group);

struct ControlLimits {
    std::size_t max_clients = 32;
    std::size_t max_output = std::size_t{16} << 20;  // unread answers per client
    runtime::Duration idle = std::chrono::seconds(60);
    runtime::Duration stalled = std::chrono::seconds(10);
};

// Answers a request the server let through: the result object, or an error.
using RequestHandler = std::function<Result<nlohmann::json>(const ops::control::Request&)>;

class ControlServer {
  public:
    ControlServer(runtime::EventLoop& loop, std::filesystem::path path, Authorizer authorizer,
                  RequestHandler handler, ControlLimits limits = {});
    ~ControlServer();  // closes every connection and removes the socket
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;
    ControlServer(ControlServer&&) = delete;
    ControlServer& operator=(ControlServer&&) = delete;

    // Binds and listens, mode 0666 (reading status is open; the Authorizer guards changes).
    // A socket file nobody listens on (a daemon that died) is replaced; one a live daemon
    // answers on is Errc::exists.
    Result<void> start();

    const std::filesystem::path& path() const { return path_; }
    std::size_t clients() const { return clients_.size(); }
    std::uint64_t dropped() const { return dropped_; }

  private:
    struct Client;
    void on_accept();
    void on_io(std::uint64_t id, unsigned events);
    void serve_lines(Client& c);
    void flush(Client& c);
    // Closes a connection; `misbehaved` counts it in dropped() (not a client that hung up).
    void drop(std::uint64_t id, bool misbehaved);
    void arm(Client& c);

    runtime::EventLoop& loop_;
    std::filesystem::path path_;
    Authorizer authorizer_;
    RequestHandler handler_;
    ControlLimits limits_;
    int fd_ = -1;
    runtime::WatchId watch_ = 0;
    bool bound_ = false;
    std::uint64_t next_id_ = 1;
    std::uint64_t dropped_ = 0;
    std::map<std::uint64_t, std::unique_ptr<Client>> clients_;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

// The daemon's answer to "status" (docs/control-protocol.md): its ports and what it knows of
// every target, times as seconds relative to `now` on the daemon's clock.
nlohmann::json status_result(const Daemon& daemon, runtime::TimePoint now);

// The request handler the daemon front end uses: status, rescan and reload on `daemon`.
// `reloaded` runs around a reload (systemd's RELOADING=1 and READY=1), may be empty.
RequestHandler daemon_handler(Daemon& daemon, std::function<void(bool before)> reloading = {});

}  // namespace srpadm::daemon
