#include "discovery_source.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>

#include <fmt/format.h>

#include <srpadm/host/local_port.hpp>

#include "commands.hpp"

namespace srpadm::cli {

void add_discovery_source_options(CLI::App* cmd, DiscoverySourceArgs& args) {
    auto* fabric = cmd->add_option("--fabric", args.fabric,
                                   "Scan a simulated fabric described in FILE (srpadm-sim only; "
                                   "see srpadm-fabric(5)) instead of a real port")
                       ->check(CLI::ExistingFile);
    auto* port = cmd->add_option("--port", args.port,
                                 "Local port to scan from: DEV or DEV:PORT, e.g. mlx5_0:1 "
                                 "(default: the first ACTIVE InfiniBand port; with --target, "
                                 "the first ACTIVE RoCE port)")
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

void add_target_address_options(CLI::App* cmd, DiscoverySourceArgs& args) {
    cmd->add_option("--target", args.targets,
                    "A target port named by address, on RoCE (no subnet administrator lists "
                    "them): IPv4[:PORT], IPv6, [IPv6[%DEV]][:PORT] or a GID; repeatable. Only "
                    "these are scanned, with Device Management MADs to the address's GID, and "
                    "their targets log in through RDMA/CM to ADDRESS:PORT")
        ->type_name("ADDRESS[:PORT]");
    cmd->add_option("--rdma-cm-port", args.rdma_cm_port,
                    "RDMA/CM port of the targets given without one (ib_srpt's rdma_cm_port; "
                    "srpadm target sets 5555 on LIO)")
        ->check(CLI::Range(1U, 65535U))
        ->capture_default_str();
}

PortsFactory real_ports() {
    return
        [](const DiscoverySourceArgs& args, runtime::EventLoop& loop, const std::string& sysfs_root,
           PortUse use) -> Result<std::unique_ptr<ops::MadPorts>> {
            if (!args.fabric.empty()) {
                return fail(Errc::usage,
                            "option --fabric: srpadm talks to real ports only; simulated fabrics "
                            "are run by srpadm-sim (see srpadm-sim(1))");
            }
            return ops::umad_ports(loop, ops::UmadPortsOptions{sysfs_root, use == PortUse::daemon});
        };
}

Result<ops::ScanRequest> scan_request(const DiscoverySourceArgs& args, int verbosity) {
    ops::ScanRequest request;
    if (!args.port.empty()) {
        auto port = host::parse_port_option(args.port);
        if (!port) {
            return Unexpected(port.error());
        }
        request.port.port = *port;
    }
    request.port.port.umad_device = args.umad_device;
    for (const auto& text : args.targets) {
        auto address = model::parse_target_address(text);
        if (!address) {
            return fail(Errc::usage,
                        fmt::format("option --target: '{}': {}", text, address.error().message));
        }
        request.addresses.push_back(std::move(*address));
    }
    request.rdma_cm_port = static_cast<std::uint16_t>(args.rdma_cm_port);
    request.port.local_index = args.local_port;
    request.wait_active = std::chrono::seconds(args.wait_active_s);
    request.options.limits.window = args.window;
    request.options.limits.sa_window = args.sa_window;
    request.options.retry.timeout = std::chrono::milliseconds(args.timeout_ms);
    request.options.retry.retries = args.retries;
    if (verbosity > 0) {
        request.options.progress = [](const std::string& line) {
            fmt::print(stderr, "srpadm: {}\n", line);
        };
    }
    request.note = [](const std::string& line) { fmt::print(stderr, "srpadm: note: {}\n", line); };
    return request;
}

CommandSession::CommandSession(const ops::HostOptions& host)
    : session_(std::make_unique<ops::Session>(host)) {}

CommandSession::~CommandSession() {
    signals_.reset();
    if (session_->writes_overdue() > 0) {
        static_cast<void>(session_.release());  // until the process exits, see the class
    }
}

Result<std::unique_ptr<CommandSession>> CommandSession::discovering(const PortsFactory& factory,
                                                                    const DiscoverySourceArgs& args,
                                                                    const ops::HostOptions& host,
                                                                    PortUse use) {
    const std::string root = host.sysfs_root;
    auto s = std::make_unique<CommandSession>(host);
    auto ports = factory(args, s->session_->loop(), root, use);
    if (!ports) {
        return Unexpected(ports.error());
    }
    s->session_->set_ports(std::move(*ports));
    ops::Session* session = s->session_.get();
    s->signals_ = std::make_unique<runtime::SignalWatch>(
        session->loop(), std::vector<int>{SIGINT, SIGTERM},
        [session](int signal) { session->interrupt(signal); });
    return s;
}

int CommandSession::failure_status(const Error& error) const {
    const int signal = session_->interrupting_signal();
    return signal != 0 ? 128 + signal : static_cast<int>(exit_status(error.code));
}

}  // namespace srpadm::cli
