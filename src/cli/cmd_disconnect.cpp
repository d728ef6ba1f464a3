// srpadm disconnect: log out of SRP targets through their remote ports' delete attribute.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include <srpadm/host/actions.hpp>
#include <srpadm/host/srp_hosts.hpp>
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

struct Selection {
    std::optional<std::uint64_t> id_ext;
    std::optional<std::uint64_t> ioc_guid;
    std::vector<unsigned> hosts;
    std::optional<model::PortSelector> port;

    bool matches(const host::SrpHost& h) const {
        const bool host_ok =
            hosts.empty() || std::find(hosts.begin(), hosts.end(), h.host_no) != hosts.end();
        return host_ok && (!id_ext || *id_ext == h.id_ext) &&
               (!ioc_guid || *ioc_guid == h.ioc_guid) &&
               (!port || (h.local_port && port->matches(h.local_device, *h.local_port)));
    }
};

Result<Selection> selection(const DisconnectArgs& a) {
    Selection s;
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

ExitStatus run(const DisconnectArgs& args) {
    auto sel = selection(args);
    if (!sel) {
        return report(sel.error());
    }
    const host::Sysfs sysfs(args.sysfs_root);
    auto scan = host::srp_hosts(sysfs);
    if (!scan) {
        return report(scan.error());
    }
    std::vector<const host::SrpHost*> chosen;
    for (const host::SrpHost& h : scan->hosts) {
        if (sel->matches(h)) {
            chosen.push_back(&h);
        }
    }
    if (chosen.empty()) {
        fmt::print(stderr, "srpadm: no connected SRP target matches; nothing to disconnect\n");
        return ExitStatus::ok;
    }
    host::ActionOptions options;
    options.disconnect_wait = std::chrono::seconds(args.wait);
    host::HostActions actions(sysfs, real_writer(sysfs), options);
    std::size_t failures = 0;
    for (const host::SrpHost* h : chosen) {
        const std::string what =
            fmt::format("{} (id_ext {:016x}, ioc_guid {:016x}, {}:{})", h->name, h->id_ext,
                        h->ioc_guid, h->local_device, h->local_port.value_or(0));
        if (args.dry_run) {
            if (h->remote_port) {
                fmt::print(
                    "# {}\necho 1 > {}\n", what,
                    sysfs.path(host::remote_port_attribute(*h->remote_port, "delete")).string());
            } else {
                fmt::print(stderr, "srpadm: {}: no remote port to delete\n", what);
                ++failures;
            }
            continue;
        }
        auto gone = actions.disconnect(*h);
        if (!gone) {
            print_error_lines(gone.error().message);
            ++failures;
        } else if (*gone) {
            fmt::print("{}: disconnected\n", what);
        } else if (args.wait == 0) {
            fmt::print("{}: disconnect requested (the kernel removes the host asynchronously)\n",
                       what);
        } else {
            fmt::print(stderr,
                       "srpadm: {}: delete was accepted, but the SCSI host is still there after "
                       "{} s\n",
                       what, args.wait);
            ++failures;
        }
        std::fflush(stdout);
    }
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
    cmd->callback([args, &ctx] { ctx.status = run(*args); });
}

}  // namespace srpadm::cli
