// The daemon's Platform on a real host (see daemon.hpp).
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include <srpadm/daemon/daemon.hpp>
#include <srpadm/host/host_ports.hpp>
#include <srpadm/host/sysfs.hpp>
#include <srpadm/host/uevent.hpp>
#include <srpadm/host/uevent_monitor.hpp>
#include <srpadm/runtime/event_loop.hpp>

namespace srpadm::daemon {

// The kernel event a uevent means for the daemon; nullopt for the ones it does not follow
// (other subsystems and actions, an SRP remote port's add: its SCSI host's add says it all).
std::optional<KernelEvent> kernel_event_of(const host::Uevent& event);

class HostPlatform final : public Platform {
  public:
    // `loop`: where the uevents are read (the session's).
    HostPlatform(runtime::EventLoop& loop, host::Sysfs sysfs);
    ~HostPlatform() override;
    HostPlatform(const HostPlatform&) = delete;
    HostPlatform& operator=(const HostPlatform&) = delete;
    HostPlatform(HostPlatform&&) = delete;
    HostPlatform& operator=(HostPlatform&&) = delete;

    // InfiniBand ports that have a umad device.
    std::vector<PortName> ports() override;
    std::vector<PortName> roce_ports() override;
    // The uevents of kSrpUeventSubsystems through libudev (udevd's events when it runs, the
    // kernel's otherwise: host/uevent_monitor.hpp). Errc::io when no monitor can be opened
    // (no netlink socket here): the daemon then relies on its periodic audit.
    Result<void> watch(std::function<void(const KernelEvent&)> handler) override;
    std::optional<pid_t> srp_daemon_on(const PortName& port) override;

  private:
    std::vector<PortName> ports_of(host::LinkLayer layer);

    runtime::EventLoop& loop_;
    host::Sysfs sysfs_;
    std::unique_ptr<host::UeventMonitor> monitor_;
};

}  // namespace srpadm::daemon
