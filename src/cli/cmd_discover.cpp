// srpadm discover: find the SRP targets the local port can reach and print them.
#include <charconv>
#include <chrono>
#include <csignal>
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
#include <srpadm/umad/umad_endpoint.hpp>

#include "commands.hpp"
#include "render.hpp"

namespace srpadm::cli {
namespace {

struct DiscoverArgs {
    std::string fabric;
    std::size_t local_port = 0;
    std::string port;         // --port DEV[:PORT]
    std::string umad_device;  // --umad-device PATH
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

discovery::DiscoveryOptions discovery_options(const DiscoverArgs& args, const Context& ctx) {
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
    return options;
}

// Runs the scan on `endpoint` and prints its result.
int scan_and_print(mad::MadEndpoint& endpoint, const DiscoverArgs& args, const Context& ctx,
                   const model::LoginPolicy& policy) {
    auto found = discovery::discover(endpoint, discovery_options(args, ctx));
    if (!found) {
        return static_cast<int>(report(found.error()));
    }
    auto attrs = endpoint.port_attributes();
    std::vector<std::string> problems = found->problems;
    if (args.format == "add-target") {
        fmt::print("{}", render_add_target(*found, policy, problems));
    } else if (args.format == "json") {
        fmt::print("{}\n",
                   render_json(*found, policy, attrs ? *attrs : mad::PortAttributes{}).dump(2));
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

int run_simulated(const DiscoverArgs& args, const Context& ctx, const model::LoginPolicy& policy) {
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
    return scan_and_print(**endpoint, args, ctx, policy);
}

// SIGINT and SIGTERM only record the signal; the event loop looks at it every kInterruptPoll
// and closes the endpoint, so the scan ends through its normal paths (no exit() in a handler:
// under libumad2sim that deadlocks with a thread blocked in umad_recv). The tool then exits
// with 128 + the signal's number, as a shell reports a process the signal killed.
volatile std::sig_atomic_t g_interrupted = 0;
constexpr auto kInterruptPoll = std::chrono::milliseconds(100);

void on_interrupt(int signal) {
    g_interrupted = signal;
}

void watch_interrupts(umad::UmadEndpoint& endpoint) {
    endpoint.loop().after(kInterruptPoll, [&endpoint] {
        if (g_interrupted != 0) {
            endpoint.close(
                g_interrupted == SIGINT ? "interrupted by SIGINT" : "interrupted by SIGTERM",
                Errc::cancelled);
            return;
        }
        watch_interrupts(endpoint);
    });
}

int run_real(const DiscoverArgs& args, const Context& ctx, const model::LoginPolicy& policy) {
    umad::UmadOptions options;
    options.sysfs_root = args.sysfs_root;
    options.sa_reports = false;  // a one-shot scan subscribes to nothing
    if (!args.port.empty()) {
        auto request = host::parse_port_option(args.port);
        if (!request) {
            return static_cast<int>(report(request.error()));
        }
        options.port = *request;
    }
    options.port.umad_device = args.umad_device;
    mad::SteadyClock clock;
    mad::EventLoop loop(clock);
    auto endpoint = umad::UmadEndpoint::open(loop, options);
    if (!endpoint) {
        return static_cast<int>(report(endpoint.error()));
    }
    for (const auto& note : (*endpoint)->notes()) {
        fmt::print(stderr, "srpadm: note: {}\n", note);
    }
    if (ctx.verbosity > 0) {
        const auto& sel = (*endpoint)->selected();
        fmt::print(stderr, "srpadm: using {}:{} ({}): {}\n", sel.port.attributes.ca_name,
                   sel.port.attributes.port_num, sel.umad.path(), sel.reason);
    }
    struct sigaction action = {};
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    watch_interrupts(**endpoint);
    const int status = scan_and_print(**endpoint, args, ctx, policy);
    if (g_interrupted != 0) {
        return 128 + g_interrupted;
    }
    return status;
}

int run(const DiscoverArgs& args, const Context& ctx) {
    auto policy = login_policy(args);
    if (!policy) {
        return static_cast<int>(report(policy.error()));
    }
    if (!args.fabric.empty()) {
        return run_simulated(args, ctx, *policy);
    }
    return run_real(args, ctx, *policy);
}

}  // namespace

void register_discover(CLI::App& app, Context& ctx) {
    auto args = std::make_shared<DiscoverArgs>();
    auto* cmd = app.add_subcommand(
        "discover",
        "Find the SRP targets the local port can reach (SA and Device Management queries) and "
        "print them: srp_daemon's listing, add_target lines (srp_daemon -o -a -c) or JSON.");
    auto* fabric = cmd->add_option("--fabric", args->fabric,
                                   "Scan a simulated fabric described in FILE (see "
                                   "srpadm-fabric(5)) instead of a real port")
                       ->check(CLI::ExistingFile);
    auto* port = cmd->add_option("--port", args->port,
                                 "Local port to scan from: DEV or DEV:PORT, e.g. mlx5_0:1 "
                                 "(default: the first ACTIVE InfiniBand port)")
                     ->excludes(fabric);
    cmd->add_option("--umad-device", args->umad_device,
                    "Local port to scan from, by its umad device: /dev/infiniband/umadN or umadN")
        ->excludes(fabric)
        ->excludes(port);
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
                    "Directory that stands for /sys (local ports, ib_srp's immediate-data "
                    "parameters)")
        ->capture_default_str();
    cmd->callback([args, &ctx] { ctx.status = static_cast<ExitStatus>(run(*args, ctx)); });
}

}  // namespace srpadm::cli
