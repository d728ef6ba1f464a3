// Where discovery runs, shared by the commands that discover (discover, connect-all): the
// options that choose the local port (a real one through libibumad in srpadm, a simulated
// fabric in srpadm-sim) and tune the MADs, turned into what the operations layer takes.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <srpadm/model/address.hpp>
#include <srpadm/ops/mad_ports.hpp>
#include <srpadm/ops/scan.hpp>
#include <srpadm/ops/session.hpp>
#include <srpadm/result.hpp>
#include <srpadm/runtime/signals.hpp>

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
    unsigned wait_active_s = 0;        // --wait-active SECONDS; 0: scan the port as it is
    std::vector<std::string> targets;  // --target ADDRESS[:PORT], repeatable
    unsigned rdma_cm_port = model::kDefaultRdmaCmPort;
};

// --fabric, --local-port, --port, --umad-device, --wait-active, -t/--timeout, -r/--retries,
// --window, --sa-window.
void add_discovery_source_options(CLI::App* cmd, DiscoverySourceArgs& args);
// --target (repeatable) and --rdma-cm-port: targets named by address, on RoCE ports.
void add_target_address_options(CLI::App* cmd, DiscoverySourceArgs& args);

// What the MAD ports are for: one scan, or the daemon (which subscribes to SA Reports and, on a
// simulated fabric, runs in real time on the session's loop).
enum class PortUse : std::uint8_t { scan, daemon };

// Where the MADs of one command go, given its options and the session's loop: each tool
// (srpadm, srpadm-sim) has its own.
using PortsFactory = std::function<Result<std::unique_ptr<ops::MadPorts>>(
    const DiscoverySourceArgs& args, runtime::EventLoop& loop, const std::string& sysfs_root,
    PortUse use)>;

// srpadm's: this host's ports through libibumad; --fabric is refused (the simulator is a tool
// of its own, srpadm-sim).
PortsFactory real_ports();

// The scan the options ask for; -v progress lines go to standard error.
Result<ops::ScanRequest> scan_request(const DiscoverySourceArgs& args, int verbosity);

// The session of one command. A one-shot command does not wait for a write past its deadline
// before it exits: the process's exit interrupts the kernel's wait (ib_srp waits interruptibly
// for the path record and the CM answer), so the session is left alive until then, for a late
// return to find its loop. A daemon, which lives on, joins them instead (ops::Session).
class CommandSession {
  public:
    // Host side only (connect, disconnect, list).
    explicit CommandSession(const ops::HostOptions& host);
    // With MAD ports from `factory`; SIGINT and SIGTERM interrupt it (the command then exits
    // with 128 + the signal, as a shell reports it).
    static Result<std::unique_ptr<CommandSession>> discovering(const PortsFactory& factory,
                                                               const DiscoverySourceArgs& args,
                                                               const ops::HostOptions& host,
                                                               PortUse use = PortUse::scan);
    ~CommandSession();
    CommandSession(const CommandSession&) = delete;
    CommandSession& operator=(const CommandSession&) = delete;
    CommandSession(CommandSession&&) = delete;
    CommandSession& operator=(CommandSession&&) = delete;

    ops::Session& session() { return *session_; }
    // The exit status for an operation's error: 128 + the signal when interrupted.
    int failure_status(const Error& error) const;

  private:
    std::unique_ptr<runtime::SignalWatch> signals_;
    std::unique_ptr<ops::Session> session_;
};

}  // namespace srpadm::cli
