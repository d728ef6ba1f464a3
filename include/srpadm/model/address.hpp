// SRP targets named by address: RoCE ports have no subnet administrator to list the targets, so
// the admin names them (`discover --target`, connect-all, the daemon, the configuration). An
// address is an IPv4 or IPv6 address, optionally with a scope and an RDMA/CM port, or a GID.
//
// What the address gives:
// - the GID the Device Management MADs go to, with a GRH: on RoCE a port's GIDs are its
//   netdev's addresses (an IPv4 address as the IPv4-mapped GID ::ffff:a.b.c.d, an IPv6 address
//   as itself; kernel drivers/infiniband/core/roce_gid_mgmt.c);
// - the source GID index those MADs leave from: a GID of the local port of the same kind
//   (IPv4-mapped, link-local, or other IPv6), RoCE v2 before RoCE v1;
// - the dest= (and src=) of the RDMA/CM login lines to the target's SRP services (kernel
//   drivers/infiniband/ulp/srp/ib_srp.c, srp_parse_in(): "a.b.c.d:port", "[v6%scope]:port").
//
// Pure functions: the GID table comes from host/ (read_gid_table()).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <srpadm/model/login.hpp>
#include <srpadm/result.hpp>
#include <srpadm/types.hpp>

namespace srpadm::model {

// The RDMA/CM port srpadm assumes when an address has none: the one `srpadm target export`
// gives LIO's ib_srpt (kDefaultRdmaCmPort in target/planner.hpp), and the one blktests'
// SRP tests use. Neither ib_srpt listens for RDMA/CM logins until a port is set.
inline constexpr std::uint16_t kDefaultRdmaCmPort = 5555;

struct TargetAddress {
    enum class Family : std::uint8_t { ipv4, ipv6 };
    Family family = Family::ipv4;
    std::array<std::uint8_t, 16> bytes{};  // IPv4 in the first four
    std::string scope;                     // IPv6 %scope (a netdev name), or empty
    std::optional<std::uint16_t> port;     // RDMA/CM port as written, nullopt when left out

    // The GID the target port has for this address.
    Gid gid() const;
    // The address as inet_ntop writes it, with %scope.
    std::string host() const;
    // "a.b.c.d" / "[v6%scope]" with ":PORT" (the port given, else `default_port`), the form
    // of ib_srp's dest= and of this address on the command line.
    std::string with_port(std::uint16_t default_port) const;
    bool link_local() const;

    friend bool operator==(const TargetAddress&, const TargetAddress&) = default;
};

// Parses "a.b.c.d", "a.b.c.d:PORT", an IPv6 address ("fe80::1", "fe80::1%eth0"),
// "[IPv6[%scope]]" or "[IPv6[%scope]]:PORT", or a GID as sysfs and add_target write it (eight
// groups, or 32 hex digits). An IPv4-mapped IPv6 address or GID is taken as its IPv4 address.
// PORT: 1-65535. Errors (Errc::invalid_input) say what is wrong; the caller names the text.
Result<TargetAddress> parse_target_address(std::string_view text);

using MacAddress = std::array<std::uint8_t, 6>;

// "52:54:00:12:34:56" (as /proc/net/arp and sysfs write it); nullopt when it is not one.
std::optional<MacAddress> parse_mac(std::string_view text);

// The link-local GID a RoCE port makes from its netdev's MAC address, its default GID (the
// modified EUI-64 interface ID: kernel drivers/infiniband/core/roce_gid_mgmt.c, make_default_gid()
// through addrconf_ifid_eui48()).
Gid link_local_gid(const MacAddress& mac);

// Whether a GID (or IPv6 address) is link-local: fe80::/10.
bool link_local(const Gid& gid);

// One entry of a local RoCE (or InfiniBand) port's GID table.
struct GidEntry {
    unsigned index = 0;
    Gid gid;
    bool roce_v2 = false;  // gid_attrs/types: "RoCE v2"; otherwise "IB/RoCE v1"
    std::string netdev;    // gid_attrs/ndevs: empty on InfiniBand
};

// The local GID a MAD to `dgid` leaves from: one of the same kind (IPv4-mapped, link-local,
// other IPv6, sharing the longest prefix), RoCE v2 before v1, lowest index first. nullopt when
// the port has none of that kind.
std::optional<GidEntry> choose_source_gid(const std::vector<GidEntry>& table, const Gid& dgid);

// The RDMA/CM address of a login to `target` from `source`: dest= with the port (the
// source's netdev as the scope of a link-local IPv6 address given without one), and src= the
// source's address when the port has other addresses of the same kind (so that the kernel
// does not pick another one).
login::RdmaCmAddress rdma_cm_address(const TargetAddress& target, const GidEntry& source,
                                     const std::vector<GidEntry>& table,
                                     std::uint16_t default_port);

}  // namespace srpadm::model
