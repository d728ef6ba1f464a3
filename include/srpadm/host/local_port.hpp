// Local RDMA ports as the MAD endpoint needs them: class/infiniband/<dev>/ports/<n>/ and
// class/infiniband_mad/umad<N>/, read through Sysfs, and the choice of a port the way
// libibumad makes it (with exact device names).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <srpadm/host/sysfs.hpp>
#include <srpadm/model/address.hpp>
#include <srpadm/model/port.hpp>
#include <srpadm/result.hpp>
#include <srpadm/types.hpp>

namespace srpadm::host {

// A node GUID as the kernel prints it: four groups of four hex digits ("0002:c903:00a0:0010").
std::optional<Guid> parse_sysfs_guid(std::string_view text);

// One local port as sysfs describes it.
struct LocalPort {
    model::PortAttributes attributes;
    // ports/<n>/link_layer is missing. Kernels before 2.6.37 and libumad2sim's fake sysfs have
    // no such file; both only ever had InfiniBand ports, and libibumad assumes InfiniBand in
    // that case too, so attributes.link_layer says infiniband.
    bool link_layer_missing = false;
};

// Every RDMA device in class/infiniband, sorted by name (libibumad's order).
Result<std::vector<std::string>> rdma_devices(const Sysfs& sysfs);
// The port numbers of `ca` (class/infiniband/<ca>/ports), ascending.
Result<std::vector<unsigned>> device_ports(const Sysfs& sysfs, std::string_view ca);
// Reads class/infiniband/<ca>/ports/<port>/: lid, lid_mask_count, sm_lid, sm_sl, state,
// phys_state, cap_mask, gids/0, pkeys/* and link_layer, and the device's node_guid. Every file
// but link_layer must be there and parse; an error names the file.
Result<LocalPort> read_local_port(const Sysfs& sysfs, std::string_view ca, unsigned port);

// The port's GID table (ports/<port>/gids/<i>, gid_attrs/types/<i>, gid_attrs/ndevs/<i>), the
// entries in use only (an unused one reads as all zeros), by index. On a RoCE port these are its
// netdevs' addresses, RoCE v1 and v2 (kernel drivers/infiniband/core/roce_gid_mgmt.c);
// InfiniBand ports have no gid_attrs types or ndevs that read (entries without them say v1,
// no netdev).
Result<std::vector<model::GidEntry>> read_gid_table(const Sysfs& sysfs, std::string_view ca,
                                                    unsigned port);

// The MAC address /proc/net/arp holds for an IPv4 `address` on `netdev` (a complete entry);
// nullopt when there is none, for IPv6 addresses (the kernel lists IPv6 neighbours through
// netlink only) and when the file cannot be read.
std::optional<model::MacAddress> neighbour_mac(const model::TargetAddress& address,
                                               const std::string& netdev);
// The same lookup in the text of an ARP table (/proc/net/arp's format).
std::optional<model::MacAddress> arp_lookup(std::string_view table,
                                            const model::TargetAddress& address,
                                            std::string_view netdev);

// /dev/infiniband/umad<index> and the port it serves (class/infiniband_mad/umad<N>/{ibdev,port}).
struct UmadDevice {
    unsigned index = 0;
    std::string ca_name;
    unsigned port = 0;

    std::string path() const;  // "/dev/infiniband/umad<index>"
};
// Every umad device, by index.
Result<std::vector<UmadDevice>> umad_devices(const Sysfs& sysfs);

// Which local port to use, as the user named it. Empty fields are not given.
struct PortRequest {
    std::string umad_device;  // "/dev/infiniband/umadN" or "umadN"
    std::string ca_name;      // matched exactly: mlx5_1 is not mlx5_10
    unsigned port = 0;        // 0: pick one of the device's ports
    // The kind of port wanted: InfiniBand for discovery through the SA, Ethernet (RoCE) for
    // targets named by address; a port of the other kind is refused (Errc::unsupported).
    // unknown: either (the port given whatever it is; by default InfiniBand first, then RoCE).
    model::LinkLayer link_layer = model::LinkLayer::infiniband;
};
// "DEV" or "DEV:PORT" (the --port option); usage errors name the text.
Result<PortRequest> parse_port_option(std::string_view text);

struct SelectedPort {
    LocalPort port;
    UmadDevice umad;
    std::string reason;  // how it was chosen, for -v ("first ACTIVE InfiniBand port", ...)
};

// Resolves `request` to one port and its umad device, as libibumad resolves a port, with exact
// names:
// - a umad device: the device and port sysfs maps it to;
// - a device and a port: that port, whatever its state (discovery reports a port that is not
//   active);
// - a device, or nothing: the first ACTIVE port of the link layer asked for (devices by name,
//   ports by number), else the first one whose physical state is LinkUp, else the first that
//   is not Disabled.
// A port of the other link layer is refused with Errc::unsupported: a RoCE port has no subnet
// administrator and no LID-routed Device Management MADs; an InfiniBand port has no route to a
// target named by IP address. Unknown devices, ports and umad devices are not_found, with the
// names that exist.
Result<SelectedPort> select_port(const Sysfs& sysfs, const PortRequest& request);

}  // namespace srpadm::host
