// Where discovery runs, shared by the commands that discover (discover, connect-all): the
// options that choose the fabric and tune the MADs, and the scan itself. The real-port
// endpoint plugs in here (today only --fabric, a simulated fabric, is supported).
#pragma once

#include <cstddef>
#include <string>

#include <CLI/CLI.hpp>

#include <srpadm/discovery/discovery.hpp>
#include <srpadm/mad/endpoint.hpp>
#include <srpadm/result.hpp>

namespace srpadm::cli {

struct DiscoverySourceArgs {
    std::string fabric;
    std::size_t local_port = 0;
    unsigned timeout_ms = 1000;
    unsigned retries = 3;
    std::size_t window = 64;
    std::size_t sa_window = 32;
};

// --fabric, --local-port, -t/--timeout, -r/--retries, --window, --sa-window.
void add_discovery_source_options(CLI::App* cmd, DiscoverySourceArgs& args);

struct DiscoveryRun {
    discovery::DiscoveryReport report;
    mad::PortAttributes port;  // the local port scanned from (ca_name, port_num, GUIDs)
};

// Runs one scan; with verbosity > 0, progress lines go to standard error.
Result<DiscoveryRun> run_discovery(const DiscoverySourceArgs& args, int verbosity);

}  // namespace srpadm::cli
