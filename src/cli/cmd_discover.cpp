// srpadm discover: find the SRP targets the local port can reach and print them.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>

#include <srpadm/host/sysfs.hpp>

#include "commands.hpp"
#include "discovery_source.hpp"
#include "host_options.hpp"
#include "render.hpp"

namespace srpadm::cli {
namespace {

struct DiscoverArgs {
    DiscoverySourceArgs source;
    std::string format = "text";
    std::string initiator_ext = "none";
    std::string sysfs_root = "/sys";
};

Result<model::LoginPolicy> login_policy(const DiscoverArgs& a) {
    model::LoginPolicy policy;
    auto ext = model::parse_initiator_ext(a.initiator_ext);
    if (!ext) {
        return fail(Errc::usage, "option --initiator-ext: " + ext.error().message);
    }
    model::set_initiator_ext(policy, *ext);
    policy.max_imm_data = host::ib_srp_max_imm_data(host::Sysfs(a.sysfs_root));
    return policy;
}

int run(const DiscoverArgs& args, const Context& ctx) {
    auto policy = login_policy(args);
    if (!policy) {
        return static_cast<int>(report(policy.error()));
    }
    auto request = scan_request(args.source, ctx.verbosity);
    if (!request) {
        return static_cast<int>(report(request.error()));
    }
    ops::HostOptions host = host_options(ctx, args.sysfs_root);
    auto opened = CommandSession::discovering(ctx.ports, args.source, host);
    if (!opened) {
        return static_cast<int>(report(opened.error()));
    }
    auto run = ops::scan_once((*opened)->session(), *request);
    if (!run) {
        report(run.error());
        return (*opened)->failure_status(run.error());
    }
    const auto& found = run->report;
    std::vector<std::string> problems = found.problems;
    if (args.format == "add-target") {
        fmt::print("{}", render_add_target(found, *policy, problems));
    } else if (args.format == "json") {
        fmt::print("{}\n", render_json(found, *policy, run->port).dump(2));
    } else {
        fmt::print("{}", render_listing(found, ctx.verbosity > 0));
    }
    std::fflush(stdout);
    if (ctx.verbosity > 0) {
        const auto& s = found.stats;
        fmt::print(stderr,
                   "srpadm: {} target(s) on {} DM port(s); {} SA and {} DM request(s), {} "
                   "retries, {} us\n",
                   found.targets.size(), s.dm_ports, s.sa_requests, s.dm_requests, s.retries,
                   std::chrono::duration_cast<std::chrono::microseconds>(s.elapsed).count());
    }
    print_warnings(problems);
    return static_cast<int>(problems.empty() ? ExitStatus::ok : ExitStatus::partial);
}

}  // namespace

void register_discover(CLI::App& app, Context& ctx) {
    auto args = std::make_shared<DiscoverArgs>();
    auto* cmd = app.add_subcommand(
        "discover",
        "Find the SRP targets the local port can reach (SA and Device Management queries) and "
        "print them: srp_daemon's listing, add_target lines (srp_daemon -o -a -c) or JSON.");
    add_discovery_source_options(cmd, args->source);
    add_target_address_options(cmd, args->source);
    cmd->add_option("-f,--format", args->format, "Output: text, add-target or json")
        ->check(CLI::IsMember({"text", "add-target", "json"}))
        ->capture_default_str();
    cmd->add_option("--initiator-ext", args->initiator_ext,
                    "initiator_ext in add_target lines: none, port-guid (srp_daemon -n: the "
                    "target port GUID) or a 64-bit hex value")
        ->capture_default_str();
    cmd->add_option("--sysfs-root", args->sysfs_root,
                    "Directory that stands for /sys (local ports, ib_srp's immediate-data "
                    "parameters)")
        ->capture_default_str();
    cmd->callback([args, &ctx] { ctx.status = static_cast<ExitStatus>(run(*args, ctx)); });
}

}  // namespace srpadm::cli
