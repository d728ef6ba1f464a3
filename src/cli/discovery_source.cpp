#include "discovery_source.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>

#include <fmt/format.h>

#include <srpadm/host/local_port.hpp>
#include <srpadm/mad/port_watcher.hpp>
#include <srpadm/runtime/clock.hpp>
#include <srpadm/runtime/event_loop.hpp>
#include <srpadm/sim/sim_endpoint.hpp>
#include <srpadm/sim/simulator.hpp>
#include <srpadm/umad/umad_endpoint.hpp>

namespace srpadm::cli {
namespace {

// SIGINT and SIGTERM only record the signal; the event loop looks at it every kInterruptPoll
// and closes the endpoint, so the scan ends through its normal paths (no exit() in a handler:
// under libumad2sim that deadlocks with a thread blocked in umad_recv).
volatile std::sig_atomic_t g_interrupted = 0;
constexpr auto kInterruptPoll = std::chrono::milliseconds(100);
// How often --wait-active reads the port's sysfs files.
constexpr auto kPortPoll = std::chrono::milliseconds(250);

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

discovery::DiscoveryOptions discovery_options(const DiscoverySourceArgs& args, int verbosity) {
    discovery::DiscoveryOptions options;
    options.limits.window = args.window;
    options.limits.sa_window = args.sa_window;
    options.retry.timeout = std::chrono::milliseconds(args.timeout_ms);
    options.retry.retries = args.retries;
    if (verbosity > 0) {
        options.progress = [](const std::string& line) {
            fmt::print(stderr, "srpadm: {}\n", line);
        };
    }
    return options;
}

Result<DiscoveryRun> scan(mad::MadEndpoint& endpoint, const DiscoverySourceArgs& args,
                          int verbosity) {
    auto found = discovery::discover(endpoint, discovery_options(args, verbosity));
    if (!found) {
        return Unexpected(found.error());
    }
    auto attrs = endpoint.port_attributes();
    return DiscoveryRun{std::move(*found), attrs ? *attrs : model::PortAttributes{}};
}

Result<DiscoveryRun> run_simulated(const DiscoverySourceArgs& args, int verbosity) {
    auto file = sim::load_fabric(args.fabric);
    if (!file) {
        return Unexpected(file.error());
    }
    runtime::VirtualClock clock;
    runtime::EventLoop loop(clock);
    sim::SimFabric fabric(std::move(*file), loop);
    auto endpoint = fabric.open(args.local_port);
    if (!endpoint) {
        return Unexpected(endpoint.error());
    }
    return scan(**endpoint, args, verbosity);
}

Result<DiscoveryRun> run_real(const DiscoverySourceArgs& args, int verbosity,
                              const std::string& sysfs_root) {
    umad::UmadOptions options;
    options.sysfs_root = sysfs_root;
    options.sa_reports = false;  // a one-shot scan subscribes to nothing
    if (!args.port.empty()) {
        auto request = host::parse_port_option(args.port);
        if (!request) {
            return Unexpected(request.error());
        }
        options.port = *request;
    }
    options.port.umad_device = args.umad_device;
    runtime::SteadyClock clock;
    runtime::EventLoop loop(clock);
    auto endpoint = umad::UmadEndpoint::open(loop, options);
    if (!endpoint) {
        return Unexpected(endpoint.error());
    }
    for (const auto& note : (*endpoint)->notes()) {
        fmt::print(stderr, "srpadm: note: {}\n", note);
    }
    if (verbosity > 0) {
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
    if (args.wait_active_s > 0) {
        auto& ep = **endpoint;
        if (verbosity > 0) {
            fmt::print(stderr, "srpadm: waiting up to {} s for the port to be ACTIVE with an SM\n",
                       args.wait_active_s);
        }
        auto ready = mad::wait_until_usable(
            loop, [&ep] { return ep.port_attributes(); }, std::chrono::seconds(args.wait_active_s),
            kPortPoll, [] { return g_interrupted != 0; });
        if (!ready) {
            if (ready.error().code == Errc::cancelled) {
                return fail(Errc::cancelled,
                            fmt::format("{}: interrupted by {}", ready.error().message,
                                        g_interrupted == SIGINT ? "SIGINT" : "SIGTERM"));
            }
            return Unexpected(ready.error());
        }
    }
    return scan(**endpoint, args, verbosity);
}

}  // namespace

void add_discovery_source_options(CLI::App* cmd, DiscoverySourceArgs& args) {
    auto* fabric = cmd->add_option("--fabric", args.fabric,
                                   "Scan a simulated fabric described in FILE (see "
                                   "srpadm-fabric(5)) instead of a real port")
                       ->check(CLI::ExistingFile);
    auto* port = cmd->add_option("--port", args.port,
                                 "Local port to scan from: DEV or DEV:PORT, e.g. mlx5_0:1 "
                                 "(default: the first ACTIVE InfiniBand port)")
                     ->excludes(fabric);
    cmd->add_option("--umad-device", args.umad_device,
                    "Local port to scan from, by its umad device: /dev/infiniband/umadN or umadN")
        ->excludes(fabric)
        ->excludes(port);
    cmd->add_option("--wait-active", args.wait_active_s,
                    "Wait up to SECONDS for the local port to be ACTIVE with a LID and an SM "
                    "before scanning (boot-time and udev starts; default 0: do not wait)")
        ->check(CLI::Range(0U, 86400U))
        ->excludes(fabric);
    cmd->add_option("--local-port", args.local_port,
                    "With --fabric: which of the file's local ports to scan from (0 = first)");
    cmd->add_option("-t,--timeout", args.timeout_ms, "Milliseconds to wait for each MAD answer")
        ->check(CLI::Range(1U, 600000U))
        ->capture_default_str();
    cmd->add_option("-r,--retries", args.retries, "Resends of a MAD that got no answer or busy")
        ->check(CLI::Range(0U, 20U))
        ->capture_default_str();
    cmd->add_option("--window", args.window, "MADs in flight at once on the port")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1024}))
        ->capture_default_str();
    cmd->add_option("--sa-window", args.sa_window,
                    "Of those, MADs in flight to the subnet administrator")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1024}))
        ->capture_default_str();
}

Result<DiscoveryRun> run_discovery(const DiscoverySourceArgs& args, int verbosity,
                                   const std::string& sysfs_root) {
    if (!args.fabric.empty()) {
        return run_simulated(args, verbosity);
    }
    return run_real(args, verbosity, sysfs_root);
}

int interrupting_signal() {
    return g_interrupted;
}

}  // namespace srpadm::cli
