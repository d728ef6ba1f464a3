// A simulated host on a simulated fabric, for `srpadm-sim daemon` and the daemon's scenario
// tests: the fabric runs on the session's loop, the host's sysfs tree lies under a root
// (host_tree.hpp), the stand-in ib_srp (kernel.hpp) takes the session's writes, MAD ports open
// the fabric's initiator ports by device name and port number, and a daemon::Platform lists
// those ports and hands on the stand-in kernel's uevents.
//
// Built as a library of its own (srpadm_sim_host), above both the simulator and the daemon,
// so that neither depends on the other.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>

#include <srpadm/daemon/daemon.hpp>
#include <srpadm/host/writer.hpp>
#include <srpadm/ops/mad_ports.hpp>
#include <srpadm/result.hpp>
#include <srpadm/sim/fabric_file.hpp>
#include <srpadm/sim/host_tree.hpp>
#include <srpadm/sim/kernel.hpp>
#include <srpadm/sim/simulator.hpp>

namespace srpadm::sim {

// A writer whose target is set later: a session is built (with its writer) before the kernel
// that is to take its writes. Thread-safe. Without a target a write fails with ENODEV, as a
// write to an attribute whose device went away does.
class WriterSlot final : public host::SysfsWriter {
  public:
    void set(std::shared_ptr<host::SysfsWriter> target);
    std::error_code write(const std::string& relative, const std::string& data) override;

  private:
    std::mutex mutex_;
    std::shared_ptr<host::SysfsWriter> target_;
};

struct SimHostOptions {
    KernelOptions kernel;
    HostTreeOptions tree;
};

class SimHostPorts final : public ops::MadPorts {
  public:
    // Starts `file`'s fabric on `loop` (its events count from now), lays out the host tree
    // under `root` (missing or empty; a tree laid out for this fabric before is taken as it
    // is), starts the stand-in kernel on it and points `writer` at the kernel. Errors:
    // Errc::invalid_input (initiator ports without device names of their own), Errc::usage
    // (`root` holds something else: the caller's choice of directory), Errc::io.
    static Result<std::unique_ptr<SimHostPorts>> create(FabricFile file, runtime::EventLoop& loop,
                                                        const std::filesystem::path& root,
                                                        std::shared_ptr<WriterSlot> writer,
                                                        SimHostOptions options = {});
    // Loop thread. Detaches the writer, then stops the kernel and the fabric.
    ~SimHostPorts() override;
    SimHostPorts(const SimHostPorts&) = delete;
    SimHostPorts& operator=(const SimHostPorts&) = delete;
    SimHostPorts(SimHostPorts&&) = delete;
    SimHostPorts& operator=(SimHostPorts&&) = delete;

    runtime::EventLoop& loop() override { return fabric_->loop(); }
    bool simulated() const override { return true; }
    // choice.port names the initiator port by device name and port number (port 0: the
    // device's first); without a device name, choice.local_index picks it. Errc::not_found
    // names the ports there are.
    Result<ops::OpenedPort> open(const ops::PortChoice& choice) override;

    SimFabric& fabric() { return *fabric_; }
    SimKernel& kernel() { return *kernel_; }

  private:
    SimHostPorts() = default;

    std::shared_ptr<WriterSlot> writer_;
    std::optional<SimFabric> fabric_;
    std::unique_ptr<SimKernel> kernel_;
};

// The daemon's view of the simulated host: the fabric's initiator ports, and the stand-in
// kernel's SCSI host uevents (remote-port state changes, for which the kernel sends none, are
// not passed on). `ports` must outlive it.
std::unique_ptr<daemon::Platform> make_platform(SimHostPorts& ports);

}  // namespace srpadm::sim
