// The daemon's Platform on a real host (see daemon.hpp).
#pragma once

#include <functional>

#include <srpadm/daemon/daemon.hpp>
#include <srpadm/host/sysfs.hpp>

namespace srpadm::daemon {

class HostPlatform final : public Platform {
  public:
    explicit HostPlatform(host::Sysfs sysfs);
    // InfiniBand ports that have a umad device.
    std::vector<PortName> ports() override;
    Result<void> watch(std::function<void(const KernelEvent&)> handler) override;
    std::optional<pid_t> srp_daemon_on(const PortName& port) override;

  private:
    host::Sysfs sysfs_;
    std::function<void(const KernelEvent&)> handler_;
};

}  // namespace srpadm::daemon
