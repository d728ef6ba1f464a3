// Where discovery runs, shared by the commands that discover (discover, connect-all): the
// options that choose the local port (a real one through libibumad, or a simulated fabric)
// and tune the MADs, and the scan itself.
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
    std::string port;         // --port DEV[:PORT]
    std::string umad_device;  // --umad-device PATH
    unsigned timeout_ms = 1000;
    unsigned retries = 3;
    std::size_t window = 64;
    std::size_t sa_window = 32;
    unsigned wait_active_s = 0;  // --wait-active SECONDS; 0: scan the port as it is
};

// --fabric, --local-port, --port, --umad-device, --wait-active, -t/--timeout, -r/--retries,
// --window, --sa-window.
void add_discovery_source_options(CLI::App* cmd, DiscoverySourceArgs& args);

struct DiscoveryRun {
    discovery::DiscoveryReport report;
    model::PortAttributes port;  // the local port scanned from (ca_name, port_num, GUIDs)
};

// Runs one scan: on the simulated fabric with --fabric, otherwise from a local port through
// libibumad (sysfs under `sysfs_root`), where SIGINT and SIGTERM stop it (Errc::cancelled).
// With verbosity > 0, progress lines go to standard error.
Result<DiscoveryRun> run_discovery(const DiscoverySourceArgs& args, int verbosity,
                                   const std::string& sysfs_root);

// The signal that stopped the last scan (SIGINT, SIGTERM), 0 if none: a command that ends
// because of it exits with 128 + its number, as a shell reports it.
int interrupting_signal();

}  // namespace srpadm::cli
