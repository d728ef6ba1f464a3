// Where MAD endpoints come from: this host's InfiniBand ports through libibumad, or a simulated
// fabric (srpadm-sim and the tests provide that one; the product library has no simulator).
// Every operation that discovers opens its endpoint here, so the CLI, the daemon and the
// srp_daemon personality share the choice of port and its notes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <srpadm/host/local_port.hpp>
#include <srpadm/mad/endpoint.hpp>
#include <srpadm/result.hpp>
#include <srpadm/runtime/event_loop.hpp>

namespace srpadm::ops {

// Which local port to use.
struct PortChoice {
    host::PortRequest port;       // a real port: a umad device, DEV[:PORT], or empty (default)
    std::size_t local_index = 0;  // a simulated fabric: which of its initiator ports
};

struct OpenedPort {
    std::unique_ptr<mad::MadEndpoint> endpoint;
    std::string description;         // "mlx5_0:1 (/dev/infiniband/umad0): <how it was chosen>"
    std::vector<std::string> notes;  // what was assumed or given up while opening
};

class MadPorts {
  public:
    MadPorts() = default;
    MadPorts(const MadPorts&) = delete;
    MadPorts& operator=(const MadPorts&) = delete;
    MadPorts(MadPorts&&) = delete;
    MadPorts& operator=(MadPorts&&) = delete;
    virtual ~MadPorts() = default;

    // The loop the endpoints run on. A one-shot scan of a simulated fabric runs on a loop of
    // its own in virtual time; everything else shares the caller's loop.
    virtual runtime::EventLoop& loop() = 0;
    // A simulated fabric: its targets must never be logged in to through the real /sys.
    virtual bool simulated() const = 0;
    virtual Result<OpenedPort> open(const PortChoice& choice) = 0;
};

struct UmadPortsOptions {
    std::string sysfs_root = "/sys";
    bool sa_reports = false;  // register for SA Reports (the daemon); a one-shot scan does not
};

// This host's ports through libibumad, on `loop`.
std::unique_ptr<MadPorts> umad_ports(runtime::EventLoop& loop, UmadPortsOptions options);

}  // namespace srpadm::ops
