// srpadm-sim's source of MADs: the simulated fabric of a .fabric file (srpadm-fabric(5)).
#pragma once

#include <memory>

#include <srpadm/daemon/daemon.hpp>
#include <srpadm/sim/host.hpp>

#include "../cli/discovery_source.hpp"

namespace srpadm::cli {

// The fabric of --fabric FILE (required). A one-shot scan runs it in virtual time on a loop of
// its own, so a scan of 10,000 ports with its latencies and timeouts takes milliseconds. The
// daemon runs it in real time on the session's loop, on a simulated host laid out under
// --sysfs-root (sim/host.hpp) whose stand-in ib_srp takes the writes through `daemon_writer`
// (the daemon session's writer).
PortsFactory simulated_ports(const std::shared_ptr<sim::WriterSlot>& daemon_writer);

// The daemon's platform on the simulated fabric: its initiator ports, and the stand-in ib_srp's
// events.
std::function<Result<std::unique_ptr<daemon::Platform>>(ops::Session&, const std::string&)>
simulated_platform();

}  // namespace srpadm::cli
