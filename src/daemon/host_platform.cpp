// The daemon's platform on a real host: the InfiniBand ports sysfs shows, rdma-core's
// srp_daemon lock files, and (where the kernel's uevents can be watched) hot-plug and host
// removal events.
#include <srpadm/daemon/host_platform.hpp>
#include <srpadm/host/host_ports.hpp>
#include <srpadm/ops/run_dir.hpp>

namespace srpadm::daemon {

std::optional<KernelEvent> kernel_event_of(const host::Uevent& event) {
    const bool add = event.action == host::UeventAction::add;
    if (!add && event.action != host::UeventAction::remove) {
        return std::nullopt;
    }
    KernelEvent out;
    if (event.subsystem == "infiniband_mad") {
        // umad<N>: on remove its ibdev and port files are gone; the daemon compares the ports
        // sysfs still shows with the ones it serves.
        out.kind = add ? KernelEvent::Kind::port_added : KernelEvent::Kind::port_removed;
        if (event.ibdev && event.port) {
            out.port = PortName{*event.ibdev, *event.port};
        }
        return out;
    }
    if (event.subsystem == "infiniband_srp") {
        out.kind = add ? KernelEvent::Kind::srp_port_added : KernelEvent::Kind::srp_port_removed;
        if (event.ibdev && event.port) {
            out.port = PortName{*event.ibdev, *event.port};
        }
        return out;
    }
    if (event.subsystem == "scsi_host" || (event.subsystem == "srp_remote_ports" && !add)) {
        out.kind = add ? KernelEvent::Kind::host_added : KernelEvent::Kind::host_removed;
        out.host = event.sysname;
        return out;
    }
    return std::nullopt;
}

HostPlatform::HostPlatform(runtime::EventLoop& loop, host::Sysfs sysfs)
    : loop_(loop), sysfs_(std::move(sysfs)) {}

HostPlatform::~HostPlatform() = default;

// The ports of one link layer that have a umad device.
std::vector<PortName> HostPlatform::ports_of(host::LinkLayer layer) {
    std::vector<PortName> out;
    const auto ports = host::local_ports(sysfs_);
    if (!ports) {
        return out;
    }
    for (const host::HostPort& p : *ports) {
        if (p.link_layer == layer && p.umad) {
            out.push_back(PortName{p.device, p.port});
        }
    }
    return out;
}

std::vector<PortName> HostPlatform::ports() {
    return ports_of(host::LinkLayer::infiniband);
}

std::vector<PortName> HostPlatform::roce_ports() {
    return ports_of(host::LinkLayer::ethernet);
}

Result<void> HostPlatform::watch(std::function<void(const KernelEvent&)> handler) {
    host::UeventMonitorOptions options;
    options.subsystems.assign(host::kSrpUeventSubsystems.begin(), host::kSrpUeventSubsystems.end());
    auto monitor = host::UeventMonitor::open(
        loop_, options, [handler = std::move(handler)](const host::Uevent& event) {
            if (const auto e = kernel_event_of(event)) {
                handler(*e);
            }
        });
    if (!monitor) {
        return Unexpected(monitor.error());
    }
    monitor_ = std::move(*monitor);
    return {};
}

std::optional<pid_t> HostPlatform::srp_daemon_on(const PortName& port) {
    return ops::srp_daemon_holder(ops::kSrpDaemonLockPrefix, port.device, port.port);
}

}  // namespace srpadm::daemon
