// srpadm list: the SRP targets this host is logged in to, with their paths.
#include <memory>
#include <string>

#include <fmt/format.h>

#include <srpadm/host/multipath.hpp>
#include <srpadm/host/srp_hosts.hpp>
#include <srpadm/ops/control.hpp>
#include <srpadm/ops/status.hpp>

#include "commands.hpp"
#include "host_options.hpp"
#include "host_render.hpp"

namespace srpadm::cli {
namespace {

struct ListArgs {
    std::string port;
    std::string format = "text";
    std::string sysfs_root = "/sys";
    bool multipath_conf = false;
    std::string run_dir;
};

// What sysfs cannot tell: targets the running daemon found on more ports than they are
// connected through. Nothing when no daemon answers within a second.
void warn_missing_paths(const ListArgs& args, const host::HostScan& scan) {
    const auto socket = ops::control::client_socket(args.run_dir, args.sysfs_root);
    auto answer =
        ops::control::ask(socket, {ops::control::Command::status, {}}, std::chrono::seconds(1));
    if (!answer) {
        return;
    }
    ops::StatusInputs in;
    in.daemon = std::move(*answer);
    in.hosts = scan;
    for (const std::string& w : ops::multipath_warnings(ops::status_document(in))) {
        fmt::print(stderr, "srpadm: warning: {}\n", w);
    }
}

ExitStatus run(const ListArgs& args, const Context& ctx) {
    auto selector = port_option(args.port);
    if (!selector) {
        return report(selector.error());
    }
    const host::Sysfs sysfs(args.sysfs_root);
    auto scan = host::srp_hosts(sysfs);
    if (!scan) {
        return report(scan.error());
    }
    std::vector<host::SrpHost> hosts;
    for (const host::SrpHost& h : scan->hosts) {
        if (!*selector || (h.local_port && (*selector)->matches(h.local_device, *h.local_port))) {
            hosts.push_back(h);
        }
    }
    for (const std::string& note : scan->notes) {
        fmt::print(stderr, "srpadm: note: {}\n", note);
    }
    if (args.format == "json") {
        fmt::print("{}\n", render_list_json(hosts, scan->problems).dump(2));
    } else {
        fmt::print("{}", args.multipath_conf ? render_multipath_conf(host::multipath_plan(hosts))
                                             : render_list_text(hosts, ctx.verbosity > 0));
        print_warnings(scan->problems);
        warn_missing_paths(args, *scan);
        if (hosts.empty() && !sysfs.exists("class/infiniband_srp")) {
            fmt::print(stderr,
                       "srpadm: note: ib_srp is not loaded ({} does not exist): nothing can log "
                       "in until it is (modprobe ib_srp)\n",
                       sysfs.path("class/infiniband_srp").string());
        }
    }
    return scan->problems.empty() ? ExitStatus::ok : ExitStatus::partial;
}

}  // namespace

void register_list(CLI::App& app, Context& ctx) {
    auto args = std::make_shared<ListArgs>();
    auto* cmd = app.add_subcommand(
        "list",
        "List the SRP targets this host is logged in to: per target, each path's SCSI host, "
        "local port, target address, remote-port state and SCSI devices (in JSON with their "
        "vendor, model and wwid); or, with --multipath-conf, dm-multipath settings for their "
        "disks.");
    add_port_option(cmd, args->port, "only logins through this local port");
    auto* format = cmd->add_option("-f,--format", args->format, "Output: text or json")
                       ->check(CLI::IsMember({"text", "json"}))
                       ->capture_default_str();
    cmd->add_flag("--multipath-conf", args->multipath_conf,
                  "Print dm-multipath settings (multipath.conf) for the connected SRP disks: a "
                  "device entry per vendor/product, with the targets, disks and remote-port "
                  "timeouts as comments")
        ->excludes(format);
    add_sysfs_root_option(cmd, args->sysfs_root);
    cmd->add_option("--run-dir", args->run_dir,
                    "The daemon's run directory, asked for targets reachable on more ports than "
                    "they are connected through (default /run/srpadm, or SYSFS-ROOT/.srpadm)");
    cmd->callback([args, &ctx] { ctx.status = run(*args, ctx); });
}

}  // namespace srpadm::cli
