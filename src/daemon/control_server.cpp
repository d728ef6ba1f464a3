#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <fmt/format.h>

#include <srpadm/daemon/control_server.hpp>
#include <srpadm/version.hpp>

namespace srpadm::daemon {

struct ControlServer::Client {
    std::uint64_t id = 0;
    int fd = -1;
    runtime::WatchId watch = 0;
    Peer peer;
    std::string in;
    std::string out;
    std::size_t out_sent = 0;  // of `out`
    runtime::TimePoint last_activity{};
    runtime::TimePoint last_progress{};  // the last time the client read some of its answers
    runtime::EventLoop::TimerId timer = 0;
};

namespace {

std::optional<Peer> peer_of(int fd) {
    ucred cred{};
    socklen_t len = sizeof(cred);
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
        return std::nullopt;
    }
    Peer p;
    p.pid = cred.pid;
    p.uid = cred.uid;
    p.gid = cred.gid;
    std::vector<gid_t> groups(64);
    for (int attempt = 0; attempt < 4; ++attempt) {
        auto size = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
        if (::getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &size) == 0) {
            groups.resize(size / sizeof(gid_t));
            p.groups = std::move(groups);
            break;
        }
        if (errno != ERANGE) {
            break;  // an old kernel: the primary group alone
        }
        groups.resize(size / sizeof(gid_t) + 1);
    }
    return p;
}

double seconds(runtime::Duration d) {
    return static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) /
           1000.0;
}

nlohmann::json optional_seconds(const std::optional<runtime::TimePoint>& t, runtime::TimePoint now,
                                bool ago) {
    if (!t) {
        return nullptr;
    }
    return seconds(ago ? now - *t : *t - now);
}

nlohmann::json text_or_null(const std::string& text) {
    return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

nlohmann::json port_json(const PortStatus& p, runtime::TimePoint now) {
    nlohmann::json j{
        {"port", p.port.str()},
        {"device", p.port.device},
        {"port_num", p.port.port},
        {"state", p.state},
        {"lid", p.lid ? nlohmann::json(*p.lid) : nlohmann::json(nullptr)},
        {"sm_lid", p.sm_lid ? nlohmann::json(*p.sm_lid) : nlohmann::json(nullptr)},
        {"subscribed", p.subscribed},
        {"subscribed_age_s", optional_seconds(p.subscribed_at, now, true)},
        {"scanning", p.scanning},
        {"scans", p.scans},
        {"targets_found", p.targets},
        {"targets_connected", p.connected},
        {"next_rescan_in_s", optional_seconds(p.next_rescan, now, false)},
        {"last_scan", nullptr},
        {"counters",
         {{"sa_mads", p.counters.sa_mads},
          {"dm_mads", p.counters.dm_mads},
          {"mad_timeouts", p.counters.mad_timeouts},
          {"reports", p.counters.reports},
          {"subscriptions", p.counters.subscriptions},
          {"scans", p.counters.scans},
          {"targeted_scans", p.counters.targeted_scans},
          {"scan_failures", p.counters.scan_failures}}},
    };
    if (p.last_scan) {
        const ScanSummary& s = *p.last_scan;
        j["last_scan"] = {
            {"age_s", seconds(now - s.at)}, {"ok", s.ok},
            {"targeted", s.targeted},       {"duration_s", seconds(s.elapsed)},
            {"targets", s.targets},         {"dm_ports", s.dm_ports},
            {"sa_requests", s.sa_requests}, {"dm_requests", s.dm_requests},
            {"timeouts", s.timeouts},       {"error", text_or_null(s.error)},
        };
    }
    return j;
}

nlohmann::json target_json(const TargetStatus& t, runtime::TimePoint now) {
    return {
        {"port", t.port.str()},
        {"id_ext", t.found.id_ext},
        {"ioc_guid", fmt::format("0x{:016x}", t.found.ioc_guid)},
        {"dgid", t.found.dgid.colon_groups()},
        {"pkey", fmt::format("0x{:04x}", t.found.pkey)},
        {"service_id", fmt::format("0x{:016x}", t.found.service_id)},
        {"description", t.target},
        {"state", target_phase_name(t.phase)},
        {"host", text_or_null(t.host)},
        {"rule", t.phase == TargetPhase::denied ? nlohmann::json(t.rule) : nlohmann::json(nullptr)},
        {"attempts", t.attempts},
        {"failures", t.failures},
        {"failures_by_reason", t.failures_by_reason},
        {"last_error", text_or_null(t.last_error)},
        {"next_try_in_s", optional_seconds(t.next_try, now, false)},
    };
}

}  // namespace

Authorizer default_authorizer(std::optional<gid_t> group) {
    const uid_t self = ::geteuid();
    return [self, group](const Peer& p) {
        if (p.uid == 0 || p.uid == self) {
            return true;
        }
        return group && (p.gid == *group ||
                         std::find(p.groups.begin(), p.groups.end(), *group) != p.groups.end());
    };
}

ControlServer::ControlServer(runtime::EventLoop& loop, std::filesystem::path path,
                             Authorizer authorizer, RequestHandler handler, ControlLimits limits)
    : loop_(loop),
      path_(std::move(path)),
      authorizer_(std::move(authorizer)),
      handler_(std::move(handler)),
      limits_(limits) {}

ControlServer::~ControlServer() {
    for (auto& [id, c] : clients_) {
        if (c->timer != 0) {
            loop_.cancel(c->timer);
        }
        loop_.unwatch(c->watch);
        ::close(c->fd);
    }
    clients_.clear();
    if (fd_ >= 0) {
        loop_.unwatch(watch_);
        ::close(fd_);
    }
    if (bound_) {
        std::error_code ec;
        std::filesystem::remove(path_, ec);
    }
}

Result<void> ControlServer::start() {
    // The run directory may not be there yet (systemd makes /run/srpadm; a stand-in host's
    // is made on first use).
    std::error_code made;
    std::filesystem::create_directories(path_.parent_path(), made);
    auto address = ops::control::UnixAddress::make(path_);
    if (!address) {
        return Unexpected(address.error());
    }
    // A socket a live daemon answers on stays; one left by a daemon that died goes.
    if (auto other = ops::control::connect_unix(path_); other) {
        ::close(*other);
        return fail(Errc::exists,
                    fmt::format("another srpadm daemon listens on {}", path_.string()));
    }
    std::error_code ec;
    if (std::filesystem::is_socket(path_, ec)) {
        std::filesystem::remove(path_, ec);
    }
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, address->sun_path().c_str(), address->sun_path().size() + 1);
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        return fail(Errc::io, fmt::format("socket: {}", std::strerror(errno)));
    }
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&sa), sizeof(sa)) != 0) {
        return fail(Errc::io, fmt::format("{}: {}", path_.string(), std::strerror(errno)));
    }
    bound_ = true;
    // Connecting needs write permission on the socket: open to every local user.
    if (::chmod(path_.c_str(), 0666) != 0 || ::listen(fd_, 16) != 0) {
        return fail(Errc::io, fmt::format("{}: {}", path_.string(), std::strerror(errno)));
    }
    watch_ = loop_.watch(fd_, runtime::io::readable, [this](unsigned) { on_accept(); });
    if (watch_ == 0) {
        return fail(Errc::io, fmt::format("{}: cannot watch the socket", path_.string()));
    }
    return {};
}

void ControlServer::on_accept() {
    for (;;) {
        const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            return;  // EAGAIN, or an error for one connection: the next one may work
        }
        if (clients_.size() >= limits_.max_clients) {
            ++dropped_;
            ::close(fd);
            continue;
        }
        const auto peer = peer_of(fd);
        if (!peer) {
            ++dropped_;
            ::close(fd);
            continue;
        }
        auto c = std::make_unique<Client>();
        c->id = next_id_++;
        c->fd = fd;
        c->peer = *peer;
        c->last_activity = c->last_progress = loop_.now();
        const std::uint64_t id = c->id;
        c->watch = loop_.watch(fd, runtime::io::readable,
                               [this, id](unsigned events) { on_io(id, events); });
        if (c->watch == 0) {
            ::close(fd);
            continue;
        }
        Client& ref = *c;
        clients_.emplace(id, std::move(c));
        arm(ref);
    }
}

// One timer per client: the idle limit while it owes us nothing, the stall limit while it
// has unread answers.
void ControlServer::arm(Client& c) {
    if (c.timer != 0) {
        loop_.cancel(c.timer);
    }
    const bool owing = c.out_sent < c.out.size();
    const auto due = owing ? c.last_progress + limits_.stalled : c.last_activity + limits_.idle;
    c.timer = loop_.at(due, [this, id = c.id] {
        auto it = clients_.find(id);
        if (it == clients_.end()) {
            return;
        }
        it->second->timer = 0;
        const Client& cl = *it->second;
        const bool still_owing = cl.out_sent < cl.out.size();
        const auto now = loop_.now();
        // Read none of its answers in time, or stayed silent.
        const bool expired = still_owing ? now - cl.last_progress >= limits_.stalled
                                         : now - cl.last_activity >= limits_.idle;
        if (expired) {
            drop(id, true);
        } else {
            arm(*it->second);
        }
    });
}

void ControlServer::on_io(std::uint64_t id, unsigned events) {
    auto it = clients_.find(id);
    if (it == clients_.end()) {
        return;
    }
    Client& c = *it->second;
    if ((events & runtime::io::writable) != 0) {
        flush(c);
        if (clients_.count(id) == 0) {
            return;
        }
    }
    if ((events & (runtime::io::readable | runtime::io::error)) == 0) {
        return;
    }
    char buf[4096];
    const ssize_t n = ::recv(c.fd, buf, sizeof(buf), 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return;
    }
    if (n <= 0) {
        drop(id, false);  // the client hung up
        return;
    }
    c.in.append(buf, static_cast<std::size_t>(n));
    c.last_activity = loop_.now();
    serve_lines(c);
}

void ControlServer::serve_lines(Client& c) {
    const std::uint64_t id = c.id;
    std::size_t start = 0;
    for (;;) {
        const auto nl = c.in.find('\n', start);
        if (nl == std::string::npos) {
            break;
        }
        std::string_view line(c.in.data() + start, nl - start);
        start = nl + 1;
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (line.empty()) {
            continue;
        }
        auto request = ops::control::parse_request(line);
        if (!request) {
            c.out += ops::control::error_line(request.error());
        } else if (ops::control::changes_state(request->command) && !authorizer_(c.peer)) {
            c.out += ops::control::error_line(
                Error{Errc::not_permitted,
                      fmt::format("{} changes what the daemon does: it takes root or the daemon's "
                                  "group (uid {} is neither)",
                                  ops::control::command_name(request->command), c.peer.uid)});
        } else {
            auto answer = handler_(*request);
            c.out +=
                answer ? ops::control::ok_line(*answer) : ops::control::error_line(answer.error());
        }
        if (c.out.size() - c.out_sent > limits_.max_output) {
            drop(id, true);  // its unread answers grew too large
            return;
        }
    }
    c.in.erase(0, start);
    if (c.in.size() > ops::control::kMaxRequest) {
        c.out += ops::control::error_line(
            Error{Errc::invalid_input,
                  fmt::format("a request line is at most {} bytes", ops::control::kMaxRequest)});
        flush(c);
        drop(id, true);  // it sent a line that is too long
        return;
    }
    flush(c);
}

void ControlServer::flush(Client& c) {
    while (c.out_sent < c.out.size()) {
        const ssize_t n = ::send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent,
                                 MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) {
                break;
            }
            drop(c.id, false);  // the client went away
            return;
        }
        c.out_sent += static_cast<std::size_t>(n);
        c.last_progress = loop_.now();
    }
    if (c.out_sent == c.out.size()) {
        c.out.clear();
        c.out_sent = 0;
        loop_.modify(c.watch, runtime::io::readable);
    } else {
        loop_.modify(c.watch, runtime::io::readable | runtime::io::writable);
    }
    arm(c);
}

void ControlServer::drop(std::uint64_t id, bool misbehaved) {
    auto it = clients_.find(id);
    if (it == clients_.end()) {
        return;
    }
    Client& c = *it->second;
    if (misbehaved) {
        ++dropped_;
    }
    if (c.timer != 0) {
        loop_.cancel(c.timer);
    }
    loop_.unwatch(c.watch);
    ::close(c.fd);
    clients_.erase(it);
}

nlohmann::json status_result(const Daemon& daemon, runtime::TimePoint now) {
    nlohmann::json ports = nlohmann::json::array();
    for (const PortStatus& p : daemon.ports()) {
        ports.push_back(port_json(p, now));
    }
    nlohmann::json targets = nlohmann::json::array();
    for (const TargetStatus& t : daemon.targets()) {
        targets.push_back(target_json(t, now));
    }
    return {
        {"daemon",
         {{"pid", ::getpid()},
          {"version", kVersion},
          {"uptime_s", optional_seconds(daemon.started_at(), now, true)},
          {"configuration_loads", daemon.generation()},
          {"settled", daemon.settled()}}},
        {"ports", std::move(ports)},
        {"targets", std::move(targets)},
    };
}

RequestHandler daemon_handler(Daemon& daemon, std::function<void(bool before)> reloading) {
    return [&daemon, reloading = std::move(reloading)](
               const ops::control::Request& request) -> Result<nlohmann::json> {
        switch (request.command) {
            case ops::control::Command::status:
                return status_result(daemon, daemon.now());
            case ops::control::Command::rescan: {
                auto ports = daemon.rescan(request.port);
                if (!ports) {
                    return Unexpected(ports.error());
                }
                nlohmann::json names = nlohmann::json::array();
                for (const PortName& p : *ports) {
                    names.push_back(p.str());
                }
                return nlohmann::json{{"rescanning", std::move(names)}};
            }
            case ops::control::Command::reload: {
                if (reloading) {
                    reloading(true);
                }
                auto done = daemon.reload();
                if (reloading) {
                    reloading(false);
                }
                if (!done) {
                    return Unexpected(done.error());
                }
                return nlohmann::json{{"reloaded", true},
                                      {"configuration_loads", daemon.generation()}};
            }
        }
        return fail(Errc::internal, "unknown command");
    };
}

}  // namespace srpadm::daemon
