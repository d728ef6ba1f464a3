// srpadm disconnect: log out of SRP targets through their remote ports' delete attribute.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include <srpadm/host/srp_hosts.hpp>
#include <srpadm/ops/disconnect.hpp>
#include <srpadm/text.hpp>

#include "commands.hpp"
#include "host_options.hpp"

namespace srpadm::cli {
namespace {

struct DisconnectArgs {
    std::string id_ext;
    std::string ioc_guid;
    std::vector<std::string> hosts;
    std::string port;
    bool all = false;
    bool dry_run = false;
    unsigned wait = 10;
    std::string sysfs_root = "/sys";
};

Result<ops::DisconnectSelection> selection(const DisconnectArgs& a) {
    ops::DisconnectSelection s;
    const bool narrowed = !a.id_ext.empty() || !a.ioc_guid.empty() || !a.hosts.empty();
    if (a.all == narrowed) {
        return fail(Errc::usage, a.all ? "--all does not go with --id-ext, --ioc-guid or --host"
                                       : "say which targets: --id-ext, --ioc-guid, --host, or "
                                         "--all");
    }
    for (const auto& [name, text, value] :
         {std::tuple{"--id-ext", &a.id_ext, &s.id_ext}, {"--ioc-guid", &a.ioc_guid, &s.ioc_guid}}) {
        if (text->empty()) {
            continue;
        }
        auto v = login::parse_hex64(login::Key::ioc_guid, *text);
        if (!v) {
            return fail(Errc::usage,
                        fmt::format("option {}: '{}' is not 1-16 hex digits", name, *text));
        }
        *value = *v;
    }
    for (const std::string& name : a.hosts) {
        const std::string digits = name.rfind("host", 0) == 0 ? name.substr(4) : name;
        const auto n = text::parse_number<unsigned>(digits);
        if (!n) {
            return fail(Errc::usage,
                        fmt::format("option --host: '{}' is not a SCSI host (hostN or N)", name));
        }
        s.hosts.push_back(*n);
    }
    auto port = port_option(a.port);
    if (!port) {
        return Unexpected(port.error());
    }
    s.port = *port;
    return s;
}

ExitStatus run(const DisconnectArgs& args, const Context& ctx) {
    auto sel = selection(args);
    if (!sel) {
        return report(sel.error());
    }
    ops::HostOptions host = host_options(ctx, args.sysfs_root);
    host.actions.disconnect_wait = std::chrono::seconds(args.wait);
    CommandSession command(host);
    ops::Session& session = command.session();
    auto scan = host::srp_hosts(session.sysfs());
    if (!scan) {
        return report(scan.error());
    }
    const std::vector<host::SrpHost> chosen = ops::select_hosts(scan->hosts, *sel);
    if (chosen.empty()) {
        fmt::print(stderr, "srpadm: no connected SRP target matches; nothing to disconnect\n");
        return ExitStatus::ok;
    }
    const auto what = [](const host::SrpHost& h) {
        return fmt::format("{} (id_ext {:016x}, ioc_guid {:016x}, {}:{})", h.name, h.id_ext,
                           h.ioc_guid, h.local_device, h.local_port.value_or(0));
    };
    std::size_t failures = 0;
    if (args.dry_run) {
        for (const host::SrpHost& h : chosen) {
            if (h.remote_port) {
                fmt::print("# {}\necho 1 > {}\n", what(h),
                           session.sysfs()
                               .path(host::remote_port_attribute(*h.remote_port, "delete"))
                               .string());
            } else {
                fmt::print(stderr, "srpadm: {}: no remote port to delete\n", what(h));
                ++failures;
            }
        }
    } else {
        auto outcomes = ops::disconnect(session, chosen);
        if (!outcomes) {
            return report(outcomes.error());
        }
        for (const ops::DisconnectOutcome& o : *outcomes) {
            if (!o.gone) {
                print_error_lines(o.gone.error().message);
                ++failures;
            } else if (*o.gone) {
                fmt::print("{}: disconnected\n", what(o.host));
            } else if (args.wait == 0) {
                fmt::print(
                    "{}: disconnect requested (the kernel removes the host asynchronously)\n",
                    what(o.host));
            } else {
                fmt::print(stderr,
                           "srpadm: {}: delete was accepted, but the SCSI host is still there "
                           "after {} s\n",
                           what(o.host), args.wait);
                ++failures;
            }
        }
    }
    std::fflush(stdout);
    if (failures == 0) {
        return ExitStatus::ok;
    }
    return failures == chosen.size() ? ExitStatus::connect : ExitStatus::partial;
}

}  // namespace

void register_disconnect(CLI::App& app, Context& ctx) {
    auto args = std::make_shared<DisconnectArgs>();
    auto* cmd = app.add_subcommand(
        "disconnect",
        "Log out of SRP targets: write their remote ports' delete attribute and wait for the "
        "SCSI hosts to go. Select by --id-ext, --ioc-guid, --host (together they must all "
        "match), or --all; --port narrows to a local port.");
    cmd->add_option("--id-ext", args->id_ext, "Target port ID extension (hex)");
    cmd->add_option("--ioc-guid", args->ioc_guid, "I/O controller GUID (hex)");
    cmd->add_option("--host", args->hosts, "SCSI host, hostN or N (repeatable)");
    add_port_option(cmd, args->port, "only logins through this local port");
    cmd->add_flag("--all", args->all, "Every SRP target");
    cmd->add_flag("--dry-run", args->dry_run, "Print the writes instead of making them");
    cmd->add_option("--wait", args->wait,
                    "Seconds to wait for each SCSI host to go (0: do not wait)")
        ->check(CLI::Range(0U, 3600U))
        ->capture_default_str();
    add_sysfs_root_option(cmd, args->sysfs_root);
    cmd->callback([args, &ctx] { ctx.status = run(*args, ctx); });
}

}  // namespace srpadm::cli
