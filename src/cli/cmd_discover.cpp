// srpadm discover: find the SRP targets the local port can reach and print them.
#include <charconv>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>

#include <srpadm/discovery/discovery.hpp>
#include <srpadm/host/sysfs.hpp>
#include <srpadm/mad/clock.hpp>
#include <srpadm/mad/event_loop.hpp>
#include <srpadm/sim/sim_endpoint.hpp>
#include <srpadm/sim/simulator.hpp>

#include "commands.hpp"
#include "render.hpp"

namespace srpadm::cli {
namespace {

struct DiscoverArgs {
    std::string fabric;
    std::size_t local_port = 0;
    std::string format = "text";
    std::string initiator_ext = "none";
    unsigned timeout_ms = 1000;
    unsigned retries = 3;
    std::size_t window = 64;
    std::size_t sa_window = 32;
    std::string sysfs_root = "/sys";
};

Result<model::LoginPolicy> login_policy(const DiscoverArgs& a) {
    model::LoginPolicy policy;
    if (a.initiator_ext == "none") {
        policy.initiator_ext = model::InitiatorExtPolicy::none;
    } else if (a.initiator_ext == "port-guid") {
        policy.initiator_ext = model::InitiatorExtPolicy::target_port_guid;
    } else {
        auto value = login::parse_hex64(login::Key::initiator_ext, a.initiator_ext);
        if (!value) {
            return fail(Errc::usage, fmt::format("option --initiator-ext: '{}' is not none, "
                                                 "port-guid or a 64-bit hex value",
                                                 a.initiator_ext));
        }
        policy.initiator_ext = model::InitiatorExtPolicy::fixed;
        policy.fixed_initiator_ext = *value;
    }
    policy.max_imm_data = host::ib_srp_max_imm_data(host::Sysfs(a.sysfs_root));
    return policy;
}

int run(const DiscoverArgs& args, const Context& ctx) {
    auto policy = login_policy(args);
    if (!policy) {
        return static_cast<int>(report(policy.error()));
    }
    if (args.fabric.empty()) {
        return static_cast<int>(
            report(Error{Errc::unsupported,
                         "discovery on a real port is not built yet; use --fabric FILE to scan a "
                         "simulated fabric"}));
    }
    auto file = sim::load_fabric(args.fabric);
    if (!file) {
        return static_cast<int>(report(file.error()));
    }
    mad::VirtualClock clock;
    mad::EventLoop loop(clock);
    sim::SimFabric fabric(std::move(*file), loop);
    auto endpoint = fabric.open(args.local_port);
    if (!endpoint) {
        return static_cast<int>(report(endpoint.error()));
    }

    discovery::DiscoveryOptions options;
    options.limits.window = args.window;
    options.limits.sa_window = args.sa_window;
    options.retry.timeout = std::chrono::milliseconds(args.timeout_ms);
    options.retry.retries = args.retries;
    if (ctx.verbosity > 0) {
        options.progress = [](const std::string& line) {
            fmt::print(stderr, "srpadm: {}\n", line);
        };
    }
    auto found = discovery::discover(**endpoint, options);
    if (!found) {
        return static_cast<int>(report(found.error()));
    }
    auto attrs = (*endpoint)->port_attributes();
    std::vector<std::string> problems = found->problems;
    if (args.format == "add-target") {
        fmt::print("{}", render_add_target(*found, *policy, problems));
    } else if (args.format == "json") {
        fmt::print("{}\n",
                   render_json(*found, *policy, attrs ? *attrs : mad::PortAttributes{}).dump(2));
    } else {
        fmt::print("{}", render_listing(*found, ctx.verbosity > 0));
    }
    std::fflush(stdout);
    if (ctx.verbosity > 0) {
        const auto& s = found->stats;
        fmt::print(stderr,
                   "srpadm: {} target(s) on {} DM port(s); {} SA and {} DM request(s), {} "
                   "retries, {} us\n",
                   found->targets.size(), s.dm_ports, s.sa_requests, s.dm_requests, s.retries,
                   std::chrono::duration_cast<std::chrono::microseconds>(s.elapsed).count());
    }
    for (const auto& p : problems) {
        fmt::print(stderr, "srpadm: warning: {}\n", p);
    }
    return static_cast<int>(problems.empty() ? ExitStatus::ok : ExitStatus::partial);
}

}  // namespace

void register_discover(CLI::App& app, Context& ctx) {
    auto args = std::make_shared<DiscoverArgs>();
    auto* cmd = app.add_subcommand(
        "discover",
        "Find the SRP targets the local port can reach (SA and Device Management queries) and "
        "print them: srp_daemon's listing, add_target lines (srp_daemon -o -a -c) or JSON.");
    cmd->add_option("--fabric", args->fabric,
                    "Scan a simulated fabric described in FILE (see srpadm-fabric(5)) instead "
                    "of a real port")
        ->check(CLI::ExistingFile);
    cmd->add_option("--local-port", args->local_port,
                    "With --fabric: which of the file's local ports to scan from (0 = first)");
    cmd->add_option("-f,--format", args->format, "Output: text, add-target or json")
        ->check(CLI::IsMember({"text", "add-target", "json"}))
        ->capture_default_str();
    cmd->add_option("--initiator-ext", args->initiator_ext,
                    "initiator_ext in add_target lines: none, port-guid (srp_daemon -n: the "
                    "target port GUID) or a 64-bit hex value")
        ->capture_default_str();
    cmd->add_option("-t,--timeout", args->timeout_ms, "Milliseconds to wait for each MAD answer")
        ->check(CLI::Range(1U, 600000U))
        ->capture_default_str();
    cmd->add_option("-r,--retries", args->retries, "Resends of a MAD that got no answer or busy")
        ->check(CLI::Range(0U, 20U))
        ->capture_default_str();
    cmd->add_option("--window", args->window, "MADs in flight at once on the port")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1024}))
        ->capture_default_str();
    cmd->add_option("--sa-window", args->sa_window,
                    "Of those, MADs in flight to the subnet administrator")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1024}))
        ->capture_default_str();
    cmd->add_option("--sysfs-root", args->sysfs_root,
                    "Directory that stands for /sys (ib_srp's immediate-data parameters)")
        ->capture_default_str();
    cmd->callback([args, &ctx] { ctx.status = static_cast<ExitStatus>(run(*args, ctx)); });
}

}  // namespace srpadm::cli
