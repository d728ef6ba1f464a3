#include <srpadm/host/connect_plan.hpp>
#include <srpadm/host/host_ports.hpp>
#include <srpadm/host/srp_hosts.hpp>
#include <srpadm/ops/connect.hpp>

namespace srpadm::ops {

std::string ConnectOutcome::host() const {
    if (!existing.empty()) {
        return existing;
    }
    const bool made = login && (login->state == host::ConnectState::connected ||
                                login->state == host::ConnectState::already_connected);
    return made ? login->host : std::string();
}

Result<ConnectOutcome> connect(Session& session, const ConnectRequest& request) {
    // Everything is checked before anything is written.
    if (auto ok = session.check_writes(request.dry_run); !ok) {
        return Unexpected(ok.error());
    }
    auto line = login::render(request.spec);
    if (!line) {
        return Unexpected(line.error());
    }
    auto port = host::srp_port(session.sysfs(), request.port);
    if (!port) {
        return Unexpected(port.error());
    }
    auto scan = host::srp_hosts(session.sysfs());
    if (!scan) {
        return Unexpected(scan.error());
    }
    ConnectOutcome out;
    out.request = host::LoginRequest{port->device, port->port, request.spec, *line, {}};
    out.add_target_file =
        session.sysfs().path(host::add_target_path(port->device, port->port)).string();
    const host::SrpHost* existing =
        host::find_login(scan->hosts, request.spec, port->device, port->port);
    if (existing != nullptr) {
        out.existing = existing->name;
    }
    if (!request.timeouts.empty()) {
        auto ok = host::check_timeouts(request.timeouts, existing,
                                       host::ib_srp_default_timeouts(session.sysfs()));
        if (!ok) {
            return Unexpected(ok.error());
        }
    }
    if (request.dry_run) {
        return out;
    }
    bool finished = false;
    const auto set_timeouts = [&session, &out, &request, &finished] {
        const std::string name = out.host();
        if (request.timeouts.empty() || name.empty()) {
            finished = true;
            return;
        }
        const auto now = host::srp_hosts(session.sysfs());
        const host::SrpHost* h = now ? host::find_host(now->hosts, name) : nullptr;
        if (h == nullptr) {
            out.timeouts = fail(Errc::io, name + ": gone before its timeouts could be set");
            finished = true;
            return;
        }
        session.actions().set_timeouts(*h, request.timeouts,
                                       [&out, &finished](Result<std::vector<model::TmoWrite>> w) {
                                           out.timeouts = std::move(w);
                                           finished = true;
                                       });
    };
    if (existing != nullptr) {
        set_timeouts();
    } else {
        session.actions().connect(out.request, [&out, &set_timeouts](host::ConnectResult r) {
            out.login = std::move(r);
            set_timeouts();
        });
    }
    session.loop().run_until([&finished] { return finished; });
    if (!out.host().empty()) {
        static_cast<void>(session.note_connected(out.request));  // best effort
    }
    return out;
}

}  // namespace srpadm::ops
