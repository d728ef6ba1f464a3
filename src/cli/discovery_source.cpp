#include "discovery_source.hpp"

#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include <srpadm/mad/clock.hpp>
#include <srpadm/mad/event_loop.hpp>
#include <srpadm/sim/sim_endpoint.hpp>
#include <srpadm/sim/simulator.hpp>

namespace srpadm::cli {

void add_discovery_source_options(CLI::App* cmd, DiscoverySourceArgs& args) {
    cmd->add_option("--fabric", args.fabric,
                    "Scan a simulated fabric described in FILE (see srpadm-fabric(5)) instead "
                    "of a real port")
        ->check(CLI::ExistingFile);
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

Result<DiscoveryRun> run_discovery(const DiscoverySourceArgs& args, int verbosity) {
    if (args.fabric.empty()) {
        return fail(Errc::unsupported,
                    "discovery on a real port is not built yet; use --fabric FILE to scan a "
                    "simulated fabric");
    }
    auto file = sim::load_fabric(args.fabric);
    if (!file) {
        return Unexpected(file.error());
    }
    mad::VirtualClock clock;
    mad::EventLoop loop(clock);
    sim::SimFabric fabric(std::move(*file), loop);
    auto endpoint = fabric.open(args.local_port);
    if (!endpoint) {
        return Unexpected(endpoint.error());
    }
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
    auto found = discovery::discover(**endpoint, options);
    if (!found) {
        return Unexpected(found.error());
    }
    auto attrs = (*endpoint)->port_attributes();
    return DiscoveryRun{std::move(*found), attrs ? *attrs : mad::PortAttributes{}};
}

}  // namespace srpadm::cli
