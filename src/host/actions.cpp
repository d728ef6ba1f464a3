// Logins, remote-port timeouts and logouts through a SysfsWriter (see actions.hpp).
#include <cerrno>
#include <memory>
#include <system_error>

#include <fmt/format.h>

#include <srpadm/host/actions.hpp>
#include <srpadm/host/host_ports.hpp>

namespace srpadm::host {
namespace {

std::string errno_name(int error) {
    switch (error) {
        case EINVAL:
            return "EINVAL";
        case ENOMEM:
            return "ENOMEM";
        case EINTR:
            return "EINTR";
        case EEXIST:
            return "EEXIST";
        case ECONNRESET:
            return "ECONNRESET";
        case ENODEV:
            return "ENODEV";
        case ENXIO:
            return "ENXIO";
        case EHOSTUNREACH:
            return "EHOSTUNREACH";
        case ETIMEDOUT:
            return "ETIMEDOUT";
        case ENOENT:
            return "ENOENT";
        case EACCES:
            return "EACCES";
        case EPERM:
            return "EPERM";
        default:
            return fmt::format("errno {}", error);
    }
}

std::string seconds(std::chrono::milliseconds ms) {
    return ms.count() % 1000 == 0 ? fmt::format("{} s", ms.count() / 1000)
                                  : fmt::format("{} ms", ms.count());
}

std::string host_summary(const SrpHost& host) {
    std::string out = host.name;
    if (host.rdma_cm()) {
        out += " (RDMA/CM";
    } else {
        out += fmt::format(" (dgid {}", host.target_gid() ? host.target_gid()->hex() : "?");
        if (host.pkey) {
            out += fmt::format(", pkey {:04x}", *host.pkey);
        }
    }
    if (!host.state().empty()) {
        out += ", " + host.state();
    }
    return out + ")";
}

}  // namespace

std::string_view connect_state_name(ConnectState state) {
    switch (state) {
        case ConnectState::connected:
            return "connected";
        case ConnectState::already_connected:
            return "already-connected";
        case ConnectState::failed:
            return "failed";
        case ConnectState::timed_out:
            return "timed-out";
        case ConnectState::vanished:
            return "vanished";
    }
    return "?";
}

std::string add_target_error_meaning(int error) {
    switch (error) {
        case EEXIST:
            return "";
        case EINVAL:
            return "the kernel refused the login string: an unknown option or one without a "
                   "value, a bad value, or a missing mandatory option (an older kernel may not "
                   "know one of the options)";
        case ENOMEM:
            return "the kernel ran out of memory";
        case EINTR:
            return "interrupted while waiting for another login on this port to finish";
        case ECONNRESET:
            return "the target rejected the login (SRP_LOGIN_REJ, e.g. no ACL for this "
                   "initiator port ID: see 'srpadm initiator-id'), or the CM request timed out "
                   "or met a stale connection";
        case ENODEV:
            return "the login failed inside ib_srp (a connection status it does not map, or the "
                   "SCSI host could not be added)";
        case ENXIO:
            return "RDMA/CM could not resolve the destination address";
        case EHOSTUNREACH:
            return "RDMA/CM found no route to the destination";
        case ENOENT:
            return "no such add_target attribute (is ib_srp loaded?)";
        case EACCES:
        case EPERM:
            return "permission denied (writing add_target needs root)";
        default:
            return fmt::format(
                "{} (from the path record query or the GID lookup: is the target port "
                "reachable from this port on this P_Key?)",
                std::generic_category().message(error));
    }
}

std::string describe_login(const LoginRequest& r) {
    std::string out = fmt::format("id_ext={},ioc_guid={:016x}", r.spec.id_ext, r.spec.ioc_guid);
    if (r.spec.rdma) {
        out += fmt::format(" (dest {})", r.spec.rdma->dest);
    } else if (r.spec.ib) {
        out += fmt::format(" (dgid {}, pkey {:04x})", r.spec.ib->dgid.hex(), r.spec.ib->pkey);
    }
    return out + fmt::format(" on {}:{}", r.device, r.port);
}

struct HostActions::Login {
    LoginRequest request;
    std::set<std::string> hosts_before;  // SCSI host names before the write
    WriteOutcome outcome;
    // The kernel refused `line` with EINVAL and the outcome is that of `fallback_line`.
    bool used_fallback = false;
    std::function<void(ConnectResult)> done;
};

HostActions::HostActions(runtime::EventLoop& loop, runtime::BlockingPool& pool, Sysfs sysfs,
                         std::shared_ptr<SysfsWriter> writer, ActionOptions options)
    : loop_(loop),
      pool_(pool),
      sysfs_(std::move(sysfs)),
      writer_(std::move(writer)),
      options_(std::move(options)) {}

std::set<std::string> HostActions::host_names() const {
    const auto names = sysfs_.list("class/scsi_host");
    return names ? std::set<std::string>(names->begin(), names->end()) : std::set<std::string>{};
}

void HostActions::write(const std::string& lane, const std::string& relative, std::string data,
                        std::chrono::milliseconds timeout, std::function<void(WriteOutcome)> done,
                        Guard guard) {
    // The job owns what it touches; the loop reads its result only once the pool says it
    // returned in time (or, for a late return, in the late handler).
    struct Job {
        std::shared_ptr<SysfsWriter> writer;
        std::string relative;
        std::string data;
        Guard guard;
        std::error_code error;
        std::string existing;
    };
    auto job =
        std::make_shared<Job>(Job{writer_, relative, std::move(data), std::move(guard), {}, {}});
    const std::weak_ptr<int> token = alive_;
    pool_.submit(
        lane,
        [job] {
            std::shared_ptr<void> held;
            if (job->guard) {
                std::tie(held, job->existing) = job->guard();
                if (!job->existing.empty()) {
                    return;
                }
            }
            job->error = job->writer->write(job->relative, job->data);
        },
        timeout,
        [job, token, done = std::move(done)](bool in_time) {
            if (token.expired()) {
                return;  // these actions are gone: nobody waits for the answer
            }
            WriteOutcome outcome;
            outcome.timed_out = !in_time;
            if (in_time) {
                outcome.error = job->error;
                outcome.existing = job->existing;
            }
            done(outcome);
        },
        [this, job, token] {
            if (!token.expired() && late_) {
                late_(fmt::format("{} <- {}", job->relative, job->data), job->error);
            }
        });
}

void HostActions::connect(const LoginRequest& request, std::function<void(ConnectResult)> done) {
    auto login = std::make_shared<Login>();
    login->request = request;
    login->hosts_before = host_names();
    login->done = std::move(done);
    write_login(login);
}

void HostActions::write_login(const std::shared_ptr<Login>& login) {
    const LoginRequest& r = login->request;
    const std::string path = add_target_path(r.device, r.port);
    const std::string& line = login->used_fallback ? r.fallback_line : r.line;
    Guard guard;
    if (options_.login_lock) {
        guard = [lock = options_.login_lock, sysfs = sysfs_, r]() {
            std::pair<std::shared_ptr<void>, std::string> out{lock(r.device, r.port), {}};
            if (out.first) {
                const auto scan = srp_hosts(sysfs, target_filter(r.spec));
                const SrpHost* found =
                    scan ? find_login(scan->hosts, r.spec, r.device, r.port) : nullptr;
                if (found != nullptr) {
                    out.second = found->name;
                }
            }
            return out;
        };
    }
    write(
        path, path, line, options_.write_timeout,
        [this, login](const WriteOutcome& outcome) {
            login->outcome = outcome;
            if (!outcome.existing.empty()) {
                finish_login(login);  // another process made this login meanwhile
                return;
            }
            if (!login->used_fallback && !login->request.fallback_line.empty() && outcome.error &&
                outcome.error.value() == EINVAL) {
                login->used_fallback = true;
                write_login(login);
                return;
            }
            if (!outcome.ok() || options_.settle.count() == 0) {
                finish_login(login);
                return;
            }
            loop_.after(options_.settle, [this, login] { finish_login(login); });
        },
        std::move(guard));
}

void HostActions::finish_login(const std::shared_ptr<Login>& login) {
    const auto after = srp_hosts(sysfs_, target_filter(login->request.spec));
    ConnectResult result = confirm(*login, after ? *after : HostScan{});
    if (login->used_fallback) {
        const auto dropped =
            login::effective_value(login->request.spec, login::Key::max_it_iu_size);
        result.message += fmt::format(
            " (written without max_it_iu_size={}: the kernel refused the line with it (EINVAL); "
            "ib_srp knows the option from about Linux 5.5, and with its immediate data on, a "
            "target that cannot take large requests may refuse the login)",
            dropped.value_or("?"));
    }
    login->done(std::move(result));
}

ConnectResult HostActions::confirm(const Login& pending, const HostScan& after) const {
    const LoginRequest& r = pending.request;
    const std::string what = describe_login(r);
    ConnectResult result;
    if (pending.outcome.timed_out) {
        result.state = ConnectState::timed_out;
        result.message = fmt::format(
            "{}: add_target did not return within {}; the kernel is still at the path lookup, "
            "the login or the SCSI scan, and the login may yet complete (see 'srpadm list' and "
            "the kernel log)",
            what, seconds(options_.write_timeout));
        return result;
    }
    if (!pending.outcome.existing.empty()) {
        result.state = ConnectState::already_connected;
        result.host = pending.outcome.existing;
        result.message = fmt::format(
            "{}: already connected as {} (logged in meanwhile by another "
            "srpadm; nothing was written)",
            what, result.host);
        return result;
    }
    const auto candidates = same_target(after.hosts, r.spec, r.device, r.port);
    if (pending.outcome.error) {
        result.error = pending.outcome.error.value();
        if (result.error == EEXIST) {
            result.state = ConnectState::already_connected;
            std::string hosts;
            for (const SrpHost* host : candidates) {
                hosts += (hosts.empty() ? "" : ", ") + host_summary(*host);
                if (result.host.empty()) {
                    result.host = host->name;
                }
            }
            result.message = fmt::format(
                "{}: already connected: the kernel has a login to this target from this port "
                "with the same initiator_ext{}",
                what,
                hosts.empty() ? std::string()
                              : fmt::format(" ({}; a login per target port needs its own "
                                            "initiator_ext, e.g. --initiator-ext port-guid)",
                                            hosts));
            return result;
        }
        result.state = ConnectState::failed;
        result.message = fmt::format("{}: {}: {}", what, errno_name(result.error),
                                     add_target_error_meaning(result.error));
        return result;
    }
    // RDMA/CM: sysfs shows no address, so only a new host of the target is the write's.
    const SrpHost* found =
        r.spec.rdma ? nullptr : find_login(after.hosts, r.spec, r.device, r.port);
    if (found == nullptr) {
        // RDMA/CM, or an IB/CM host the matching missed: a new host of the same target on
        // this port is the one the write made.
        for (const SrpHost* host : candidates) {
            if (pending.hosts_before.count(host->name) == 0 && !host->going_away()) {
                found = host;
            }
        }
    }
    if (found == nullptr) {
        result.state = ConnectState::vanished;
        result.message = fmt::format(
            "{}: the kernel accepted the login but no SCSI host for it is left (the SCSI scan "
            "failed and ib_srp removed the host, or its remote port was lost at once; see the "
            "kernel log)",
            what);
        return result;
    }
    result.state = ConnectState::connected;
    result.host = found->name;
    result.message = fmt::format("{}: connected as {}", what, found->name);
    return result;
}

void HostActions::set_timeouts(const SrpHost& host, const model::RemotePortTimeouts& wanted,
                               std::function<void(Result<std::vector<model::TmoWrite>>)> done) {
    const auto now = [&done](Result<std::vector<model::TmoWrite>> r) { done(std::move(r)); };
    if (wanted.empty()) {
        return now(std::vector<model::TmoWrite>{});
    }
    if (!host.remote_port) {
        return now(fail(Errc::not_found,
                        fmt::format("{}: no remote port in class/srp_remote_ports", host.name)));
    }
    const RemotePort& rp = *host.remote_port;
    if (!rp.timeouts) {
        return now(fail(Errc::io, fmt::format("{}: cannot read the current timeouts of {}",
                                              host.name, sysfs_.path(rp.path()).string())));
    }
    auto plan = model::plan_tmo_writes(*rp.timeouts, wanted);
    if (!plan) {
        return now(fail(plan.error().code,
                        fmt::format("{} ({}): {}", host.name, rp.name, plan.error().message)));
    }
    write_timeouts(host, std::move(*plan), 0, std::move(done));
}

// The planned writes one after the other: each is valid only once the one before is made.
void HostActions::write_timeouts(const SrpHost& host, std::vector<model::TmoWrite> plan,
                                 std::size_t next,
                                 std::function<void(Result<std::vector<model::TmoWrite>>)> done) {
    if (next == plan.size()) {
        done(std::move(plan));
        return;
    }
    const RemotePort& rp = *host.remote_port;
    const model::TmoWrite w = plan[next];
    const std::string attribute(model::tmo_name(w.key));
    write(rp.path(), remote_port_attribute(rp, attribute), model::format_tmo(w.value),
          options_.quick_write_timeout,
          [this, host, plan = std::move(plan), next, attribute, w,
           done = std::move(done)](const WriteOutcome& outcome) mutable {
              if (!outcome.ok()) {
                  const RemotePort& port = *host.remote_port;
                  done(fail(Errc::io, fmt::format("{} ({}): writing {}={} failed: {}", host.name,
                                                  port.name, attribute, model::format_tmo(w.value),
                                                  outcome.timed_out ? "no answer in time"
                                                                    : outcome.error.message())));
                  return;
              }
              write_timeouts(host, std::move(plan), next + 1, std::move(done));
          });
}

void HostActions::disconnect(const SrpHost& host, std::function<void(Result<bool>)> done) {
    if (!host.remote_port) {
        done(
            fail(Errc::not_found,
                 fmt::format("{}: no remote port in class/srp_remote_ports to delete", host.name)));
        return;
    }
    const RemotePort& rp = *host.remote_port;
    write(rp.path(), remote_port_attribute(rp, "delete"), "1", options_.quick_write_timeout,
          [this, name = host.name, port = rp.name,
           done = std::move(done)](const WriteOutcome& outcome) {
              if (!outcome.ok()) {
                  done(fail(Errc::io, fmt::format("{} ({}): writing delete failed: {}", name, port,
                                                  outcome.timed_out ? "no answer in time"
                                                                    : outcome.error.message())));
                  return;
              }
              wait_gone("class/scsi_host/" + name, std::chrono::milliseconds(0), done);
          });
}

void HostActions::wait_gone(std::string dir, std::chrono::milliseconds waited,
                            std::function<void(Result<bool>)> done) {
    if (!sysfs_.exists(dir)) {
        done(true);
        return;
    }
    if (waited >= options_.disconnect_wait) {
        done(false);
        return;
    }
    const auto step = options_.poll_interval;
    loop_.after(step, [this, dir = std::move(dir), waited, step, done = std::move(done)]() mutable {
        wait_gone(std::move(dir), waited + step, std::move(done));
    });
}

}  // namespace srpadm::host
