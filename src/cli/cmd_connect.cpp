// srpadm connect: log in to one target, given as an add_target line or by its parts.
#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>

#include <srpadm/host/actions.hpp>
#include <srpadm/ops/connect.hpp>

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

ExitStatus run(const ConnectArgs& args, const LoginOptions& parts, bool line_given,
               const Context& ctx) {
    // Everything is checked before anything is written.
    Result<login::LoginSpec> spec =
        line_given ? login::parse(args.line)
                   : login_from_options(args.login, parts, "connect", "an add_target LINE");
    if (!spec) {
        return report(spec.error());
    }
    auto wanted = timeouts_from(args.timeouts);
    if (!wanted) {
        return report(wanted.error());
    }
    auto selector = port_option(args.port);
    if (!selector) {
        return report(selector.error());
    }
    ops::HostOptions host = host_options(ctx, args.sysfs_root);
    host.actions = action_options(args.timing);
    CommandSession command(host);
    auto out = ops::connect(command.session(),
                            ops::ConnectRequest{*spec, *selector, *wanted, args.dry_run});
    if (!out) {
        return report(out.error());
    }
    const std::string what = host::describe_login(out->request);
    if (args.dry_run) {
        if (!out->existing.empty()) {
            fmt::print("# already connected as {}: {}\n", out->existing, what);
        } else {
            fmt::print("# {}\n{}\n", out->add_target_file, out->request.line);
        }
        return ExitStatus::ok;
    }
    if (!out->existing.empty()) {
        fmt::print("{}: already connected as {}\n", what, out->existing);
    } else if (out->login) {
        switch (out->login->state) {
            case host::ConnectState::connected:
            case host::ConnectState::already_connected:
                fmt::print("{}\n", out->login->message);
                break;
            case host::ConnectState::failed:
            case host::ConnectState::timed_out:
            case host::ConnectState::vanished:
                return report(Error{Errc::io, out->login->message});
        }
    }
    std::fflush(stdout);
    if (!out->timeouts) {
        return ExitStatus::ok;
    }
    if (!*out->timeouts) {
        return report(out->timeouts->error());
    }
    const std::string text = model::describe_tmo_writes(**out->timeouts);
    fmt::print("{}: {}\n", out->host(), text.empty() ? "timeouts already as asked" : "set " + text);
    return ExitStatus::ok;
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
    cmd->callback(
        [args, parts, line, &ctx] { ctx.status = run(*args, parts, line->count() > 0, ctx); });
}

}  // namespace srpadm::cli
