// The daemon's platform on a real host: the InfiniBand ports sysfs shows, rdma-core's
// srp_daemon lock files, and (where the kernel's uevents can be watched) hot-plug and host
// removal events.
#include <srpadm/daemon/host_platform.hpp>
#include <srpadm/host/host_ports.hpp>
#include <srpadm/ops/run_dir.hpp>

namespace srpadm::daemon {

HostPlatform::HostPlatform(host::Sysfs sysfs) : sysfs_(std::move(sysfs)) {}

std::vector<PortName> HostPlatform::ports() {
    std::vector<PortName> out;
    const auto ports = host::local_ports(sysfs_);
    if (!ports) {
        return out;
    }
    for (const host::HostPort& p : *ports) {
        if (p.link_layer == host::LinkLayer::infiniband && p.umad) {
            out.push_back(PortName{p.device, p.port});
        }
    }
    return out;
}

Result<void> HostPlatform::watch(std::function<void(const KernelEvent&)> handler) {
    handler_ = std::move(handler);
    return fail(Errc::unsupported, "no uevent monitor");
}

std::optional<pid_t> HostPlatform::srp_daemon_on(const PortName& port) {
    return ops::srp_daemon_holder(ops::kSrpDaemonLockPrefix, port.device, port.port);
}

}  // namespace srpadm::daemon
