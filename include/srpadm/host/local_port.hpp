// Local RDMA ports as the MAD endpoint needs them: class/infiniband/<dev>/ports/<n>/ and
// class/infiniband_mad/umad<N>/, read through Sysfs, and the choice of a port the way
// libibumad makes it (with exact device names).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <srpadm/host/sysfs.hpp>
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
// - a device, or nothing: the first ACTIVE InfiniBand port (devices by name, ports by
//   number), else the first one whose physical state is LinkUp, else the first that is not
//   Disabled.
// A RoCE port (link layer Ethernet) is refused with Errc::unsupported: it has no subnet
// administrator and no LID-routed Device Management MADs. Unknown devices, ports and umad
// devices are not_found, with the names that exist.
Result<SelectedPort> select_port(const Sysfs& sysfs, const PortRequest& request);

}  // namespace srpadm::host
