// The one place that reads and writes sysfs (and, later, configfs). Every path is relative
// to a root directory: "/" in production (so "sys/class/..." means /sys/class/...), a
// fixture tree in tests (--sysfs-root).
//
// Files and directories are read with open(2)/read(2) and opendir(3), the calls libibumad
// itself uses, so that a process running under libumad2sim.so (which interposes exactly those
// calls and redirects /sys/class/infiniband* to its own fake tree) sees the simulated port.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <srpadm/mad/endpoint.hpp>
#include <srpadm/result.hpp>

namespace srpadm::host {

class Sysfs {
  public:
    // `root` is the directory that stands for /sys (default "/sys").
    explicit Sysfs(std::filesystem::path root = "/sys") : root_(std::move(root)) {}

    const std::filesystem::path& root() const { return root_; }
    std::filesystem::path path(std::string_view relative) const { return root_ / relative; }

    bool exists(std::string_view relative) const;
    // The file's content with one trailing newline removed; not_found or io errors name the
    // path.
    Result<std::string> read(std::string_view relative) const;
    // Directory entries (names only, sorted, without "." and ".."); not_found when the
    // directory is missing.
    Result<std::vector<std::string>> list(std::string_view relative) const;

  private:
    std::filesystem::path root_;
};

// ib_srp's immediate-data limit: max_imm_data when the module parameter use_imm_data is on
// (module/ib_srp/parameters/{use_imm_data,max_imm_data}); nullopt when it is off, or ib_srp
// is not loaded (as srp_daemon treats it).
std::optional<std::uint32_t> ib_srp_max_imm_data(const Sysfs& sysfs);

// ---- Local RDMA ports: class/infiniband/<dev>/ and class/infiniband_mad/umad<N>/ ----

// The leading unsigned number of a sysfs value, in C's base-0 notation ("0x1f", "4: ACTIVE",
// "5: LinkUp", "24"); nullopt when the text does not start with one.
std::optional<std::uint64_t> parse_sysfs_number(std::string_view text);
// A node GUID as the kernel prints it: four groups of four hex digits ("0002:c903:00a0:0010").
std::optional<Guid> parse_sysfs_guid(std::string_view text);

// One local port as sysfs describes it.
struct LocalPort {
    mad::PortAttributes attributes;
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
