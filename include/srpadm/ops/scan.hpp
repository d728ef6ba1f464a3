// One scan from one local port, as `srpadm discover` and `connect-all` run it: open the port,
// wait for the subnet manager if asked, discover, all on the session's loop, stoppable through
// Session::interrupt.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include <srpadm/discovery/discovery.hpp>
#include <srpadm/model/port.hpp>
#include <srpadm/ops/mad_ports.hpp>
#include <srpadm/ops/session.hpp>
#include <srpadm/result.hpp>

namespace srpadm::ops {

struct ScanRequest {
    PortChoice port;
    discovery::DiscoveryOptions options;  // its `progress` also gets the port choice and waits
    // Wait this long for the port to be ACTIVE with a LID and an SM before scanning (boot-time
    // and hot-plug starts); 0: scan the port as it is.
    std::chrono::seconds wait_active{0};
    // What was assumed while opening the port (always worth a line on standard error).
    std::function<void(const std::string&)> note;
};

struct PortScan {
    discovery::DiscoveryReport report;
    model::PortAttributes port;  // the local port scanned from
};

// Errors: the port's (Errc::port_state, not_found, unsupported), the SA's, Errc::cancelled
// when interrupted ("scan stopped: interrupted by SIGTERM").
Result<PortScan> scan_once(Session& session, const ScanRequest& request);

}  // namespace srpadm::ops
