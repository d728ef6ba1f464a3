// One scan from one local port, as `srpadm discover` and `connect-all` run it: open the port,
// wait for the subnet manager if asked, discover, all on the session's loop, stoppable through
// Session::interrupt.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include <srpadm/discovery/discovery.hpp>
#include <srpadm/model/address.hpp>
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
    // Targets named by address (RoCE): a scan of these only, from a RoCE port (the first ACTIVE
    // one unless `port` names one), with no SA. An address without a port logs in to
    // `rdma_cm_port`.
    std::vector<model::TargetAddress> addresses;
    std::uint16_t rdma_cm_port = model::kDefaultRdmaCmPort;
    // Addresses the configuration names ([target] address =), scanned when `addresses` is
    // empty and the port turns out to be a RoCE port: with them the port may be of either
    // kind (by default the first InfiniBand port, else the first RoCE port).
    std::vector<model::TargetAddress> configured_addresses;
};

struct PortScan {
    discovery::DiscoveryReport report;
    model::PortAttributes port;  // the local port scanned from
};

// Errors: the port's (Errc::port_state, not_found, unsupported), the SA's, Errc::cancelled
// when interrupted ("scan stopped: interrupted by SIGTERM"), an address the port has no
// source GID for (Errc::unsupported).
Result<PortScan> scan_once(Session& session, const ScanRequest& request);

// The MAC address of an on-link neighbour with this address on this netdev, when the host
// knows it (the kernel's neighbour table); nullopt otherwise.
using NeighbourLookup = std::function<std::optional<model::MacAddress>(
    const model::TargetAddress& address, const std::string& netdev)>;

// The ports named by `addresses`, as a scan from the local port `port_name` with GID table
// `table` reaches them, and the RDMA/CM address of their logins. The Device Management MADs
// go first to the port's link-local GID when it is known (the target is on-link: an address
// of this port itself, or one `neighbours` knows the MAC of), because it is the default GID
// every RoCE port has; then to the address's own GID (IPv4-mapped, or the IPv6 address).
// Each from a local GID of the same kind. An address given twice is asked once. Errors
// (Errc::unsupported) name the address the port has no GID of the same kind for.
Result<std::vector<discovery::AddressedPort>> resolve_addressed(
    const std::vector<model::TargetAddress>& addresses, const std::vector<model::GidEntry>& table,
    std::uint16_t default_port, const std::string& port_name,
    const NeighbourLookup& neighbours = {});

}  // namespace srpadm::ops
