// srpadm connect: log in to one target, given as an add_target line or by its parts.
#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>

#include <srpadm/host/actions.hpp>
#include <srpadm/host/host_ports.hpp>
#include <srpadm/host/srp_hosts.hpp>

#include "commands.hpp"
#include "host_options.hpp"
#include "login_args.hpp"

namespace srpadm::cli {
namespace {

struct ConnectArgs {
    LoginArgs login;
    std::string line;
    std::string port;
    std::string sysfs_root = "/sys";
    TimeoutArgs timeouts;
    LoginTimingArgs timing;
    bool dry_run = false;
};

// The timeouts, set on `host`; the exit status.
ExitStatus set_timeouts(host::HostActions& actions, const std::string& host_name,
                        const model::RemotePortTimeouts& wanted) {
    if (wanted.empty()) {
        return ExitStatus::ok;
    }
    const auto scan = host::srp_hosts(actions.sysfs());
    const host::SrpHost* found = scan ? host::find_host(scan->hosts, host_name) : nullptr;
    if (found == nullptr) {
        return report(
            Error{Errc::io, fmt::format("{}: gone before its timeouts could be set", host_name)});
    }
    auto writes = actions.set_timeouts(*found, wanted);
    if (!writes) {
        return report(writes.error());
    }
    const std::string text = model::describe_tmo_writes(*writes);
    fmt::print("{}: {}\n", host_name, text.empty() ? "timeouts already as asked" : "set " + text);
    return ExitStatus::ok;
}

ExitStatus run(const ConnectArgs& args, const LoginOptions& parts, bool line_given) {
    // Everything is checked before anything is written.
    Result<login::LoginSpec> spec =
        line_given ? login::parse(args.line)
                   : login_from_options(args.login, parts, "connect", "an add_target LINE");
    if (!spec) {
        return report(spec.error());
    }
    auto line = login::render(*spec);
    if (!line) {
        return report(line.error());
    }
    auto wanted = timeouts_from(args.timeouts);
    if (!wanted) {
        return report(wanted.error());
    }
    auto selector = port_option(args.port);
    if (!selector) {
        return report(selector.error());
    }
    const host::Sysfs sysfs(args.sysfs_root);
    auto port = host::srp_port(sysfs, *selector);
    if (!port) {
        return report(port.error());
    }
    auto scan = host::srp_hosts(sysfs);
    if (!scan) {
        return report(scan.error());
    }
    const host::LoginRequest request{port->device, port->port, *spec, *line, {}};
    const host::SrpHost* existing =
        host::find_login(scan->hosts, request.spec, request.device, request.port);
    if (!wanted->empty()) {
        const model::TmoValues base =
            existing != nullptr && existing->remote_port && existing->remote_port->timeouts
                ? *existing->remote_port->timeouts
                : host::ib_srp_default_timeouts(sysfs);
        if (auto ok = model::apply_tmo(base, *wanted); !ok) {
            return report(ok.error());
        }
    }
    if (args.dry_run) {
        if (existing != nullptr) {
            fmt::print("# already connected as {}: {}\n", existing->name,
                       host::describe_login(request));
        } else {
            fmt::print("# {}\n{}\n",
                       sysfs.path(host::add_target_path(request.device, request.port)).string(),
                       request.line);
        }
        return ExitStatus::ok;
    }
    host::HostActions actions(sysfs, real_writer(sysfs), action_options(args.timing));
    std::string host_name;
    if (existing != nullptr) {
        host_name = existing->name;
        fmt::print("{}: already connected as {}\n", host::describe_login(request), host_name);
    } else {
        const host::ConnectResult result = actions.connect(request);
        switch (result.state) {
            case host::ConnectState::connected:
            case host::ConnectState::already_connected:
                fmt::print("{}\n", result.message);
                host_name = result.host;
                break;
            case host::ConnectState::failed:
            case host::ConnectState::timed_out:
            case host::ConnectState::vanished:
                return report(Error{Errc::io, result.message});
        }
    }
    std::fflush(stdout);
    return host_name.empty() ? ExitStatus::ok : set_timeouts(actions, host_name, *wanted);
}

}  // namespace

void register_connect(CLI::App& app, Context& ctx) {
    auto args = std::make_shared<ConnectArgs>();
    auto* cmd = app.add_subcommand(
        "connect",
        "Log in to one SRP target: write its add_target line (given as LINE, or built from "
        "--id-ext, --ioc-guid and --dgid, --pkey, --service-id or --dest) to the local port's "
        "SRP initiator, then check that its SCSI host exists. Already connected is success.");
    const LoginOptions parts = add_login_options(cmd, args->login);
    auto* line = cmd->add_option("line", args->line,
                                 "An add_target line, e.g. as 'srpadm connect-all --dry-run' "
                                 "prints it");
    for (auto* part : parts.all()) {
        line->excludes(part);
    }
    add_port_option(cmd, args->port,
                    "the SRP initiator port to log in through (needed when there are several)");
    add_timeout_options(cmd, args->timeouts);
    add_login_timing_options(cmd, args->timing);
    cmd->add_flag("--dry-run", args->dry_run,
                  "Print the add_target file and line instead of writing");
    add_sysfs_root_option(cmd, args->sysfs_root);
    cmd->callback([args, parts, line, &ctx] { ctx.status = run(*args, parts, line->count() > 0); });
}

}  // namespace srpadm::cli
