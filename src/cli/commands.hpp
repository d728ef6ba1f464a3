// Subcommands of the srpadm tool. Each register_* adds one subcommand to the app and sets
// its callback; the callback stores the command's exit status in `status`.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>

#include <CLI/CLI.hpp>
#include <spdlog/common.h>

#include <srpadm/daemon/daemon.hpp>
#include <srpadm/host/tree.hpp>
#include <srpadm/host/writer.hpp>
#include <srpadm/result.hpp>

#include "discovery_source.hpp"
#include "host_options.hpp"

namespace srpadm::cli {

struct Context {
    int verbosity = 0;
    ExitStatus status = ExitStatus::ok;
    // Where discover and connect-all send their MADs: srpadm's real ports, or srpadm-sim's
    // simulated fabric.
    PortsFactory ports;
    // false in srpadm-sim: it never writes into the real /sys.
    bool real_sysfs_writes = true;
    // Where the daemon learns of ports and the kernel's changes: this host in srpadm, the
    // simulated fabric and its stand-in ib_srp in srpadm-sim.
    std::function<Result<std::unique_ptr<daemon::Platform>>(ops::Session& session,
                                                            const std::string& sysfs_root)>
        daemon_platform;
    // The daemon's writer: default (nullptr) the real one under --sysfs-root; srpadm-sim's
    // stand-in ib_srp.
    std::shared_ptr<host::SysfsWriter> daemon_writer;
    // `srpadm target`'s writer: default (nullptr) the real one under the roots; srpadm-sim's
    // stand-in SCST and LIO kernel.
    std::function<std::unique_ptr<host::TreeWriter>(const host::TreeRoots& roots)> target_writer;
};

// The host side of a command's session: sysfs under `sysfs_root`, the tool's rule about the
// real /sys, and the run directory.
ops::HostOptions host_options(const Context& ctx, const std::string& sysfs_root);

// Prints "srpadm: <message>" on stderr and returns the exit status for the error's code.
ExitStatus report(const Error& error);

void register_login_string(CLI::App& app, Context& ctx);
void register_discover(CLI::App& app, Context& ctx);
// srpadm-sim only: fabric check|generate.
void register_fabric(CLI::App& app, Context& ctx);
// srpadm-sim only: target-host lay-out|login|logout.
void register_target_host(CLI::App& app, Context& ctx);
void register_connect(CLI::App& app, Context& ctx);
void register_connect_all(CLI::App& app, Context& ctx);
void register_disconnect(CLI::App& app, Context& ctx);
void register_list(CLI::App& app, Context& ctx);
void register_initiator_id(CLI::App& app, Context& ctx);
void register_config(CLI::App& app, Context& ctx);
void register_daemon(CLI::App& app, Context& ctx);
// status, rescan and reload.
void register_status(CLI::App& app, Context& ctx);
// target status|export|unexport|allow|deny|enable|disable|save.
void register_target(CLI::App& app, Context& ctx);

// What `srpadm daemon` runs, for every front end that runs the daemon (the daemon subcommand,
// srp_daemon's personality).
struct DaemonRun {
    DiscoverySourceArgs source;  // where the MAD ports come from (--fabric in srpadm-sim)
    daemon::DaemonOptions options;
    LoginTimingArgs timing;
    spdlog::level::level_enum log_level = spdlog::level::info;
    std::string sysfs_root = "/sys";
    std::string run_dir;  // "": the default for sysfs_root
    std::optional<gid_t> control_gid;
    std::string metrics_file;
    // When another daemon holds the control socket: stop (srpadm daemon), or go on without
    // one (one srp_daemon per port, as rdma-core's units run it).
    bool control_socket_required = true;
};
// Runs the daemon until SIGINT or SIGTERM; the exit status.
int run_daemon(DaemonRun args, const Context& ctx);

// The subcommands both tools have, in the order --help lists them.
void register_common(CLI::App& app, Context& ctx);
// The top-level options and footer both tools share; runs the parsed command and returns the
// exit status.
int run_tool(CLI::App& app, Context& ctx, int argc, char** argv);

}  // namespace srpadm::cli
