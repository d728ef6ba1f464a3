#include "sim_ports.hpp"

#include <filesystem>
#include <optional>

#include <srpadm/runtime/clock.hpp>
#include <srpadm/sim/fabric_file.hpp>
#include <srpadm/sim/host.hpp>
#include <srpadm/sim/sim_endpoint.hpp>
#include <srpadm/sim/simulator.hpp>

namespace srpadm::cli {
namespace {

class SimPorts final : public ops::MadPorts {
  public:
    explicit SimPorts(std::string file) : file_(std::move(file)) {}

    runtime::EventLoop& loop() override { return loop_; }
    bool simulated() const override { return true; }

    // The file is read at the first open, so that a command finds its other errors (a bad
    // configuration) first, as it would before a real scan.
    Result<ops::OpenedPort> open(const ops::PortChoice& choice) override {
        if (!fabric_) {
            auto loaded = sim::load_fabric(file_);
            if (!loaded) {
                return Unexpected(loaded.error());
            }
            fabric_.emplace(std::move(*loaded), loop_);
        }
        auto endpoint = fabric_->open(choice.local_index);
        if (!endpoint) {
            return Unexpected(endpoint.error());
        }
        ops::OpenedPort opened;
        opened.endpoint = std::move(*endpoint);
        return opened;
    }

  private:
    std::string file_;
    runtime::VirtualClock clock_;
    runtime::EventLoop loop_{clock_};
    std::optional<sim::SimFabric> fabric_;
};

}  // namespace

PortsFactory simulated_ports(const std::shared_ptr<sim::WriterSlot>& daemon_writer) {
    return [daemon_writer](const DiscoverySourceArgs& args, runtime::EventLoop& loop,
                           const std::string& sysfs_root,
                           PortUse use) -> Result<std::unique_ptr<ops::MadPorts>> {
        if (args.fabric.empty()) {
            return fail(Errc::usage,
                        "srpadm-sim scans simulated fabrics only: give --fabric FILE "
                        "(srpadm-fabric(5)); srpadm scans real ports");
        }
        if (use == PortUse::scan) {
            return std::make_unique<SimPorts>(args.fabric);
        }
        // The daemon: the fabric in real time on the session's loop, on a simulated host.
        std::error_code ec;
        if (std::filesystem::equivalent(sysfs_root, "/sys", ec) && !ec) {
            return fail(Errc::usage,
                        "srpadm-sim daemon runs a simulated host: give --sysfs-root DIR, a new "
                        "directory where it lays out the host's sysfs tree");
        }
        auto loaded = sim::load_fabric(args.fabric);
        if (!loaded) {
            return Unexpected(loaded.error());
        }
        auto host = sim::SimHostPorts::create(std::move(*loaded), loop, sysfs_root, daemon_writer);
        if (!host) {
            return Unexpected(host.error());
        }
        return std::unique_ptr<ops::MadPorts>(std::move(*host));
    };
}

}  // namespace srpadm::cli

namespace srpadm::cli {

std::function<Result<std::unique_ptr<daemon::Platform>>(ops::Session&, const std::string&)>
simulated_platform() {
    return [](ops::Session& session,
              const std::string& /*sysfs_root*/) -> Result<std::unique_ptr<daemon::Platform>> {
        auto ports = session.ports();
        if (!ports) {
            return Unexpected(ports.error());
        }
        auto* host = dynamic_cast<sim::SimHostPorts*>(*ports);
        if (host == nullptr) {
            return fail(Errc::internal, "srpadm-sim daemon: the session has no simulated host");
        }
        return sim::make_platform(*host);
    };
}

}  // namespace srpadm::cli
