// The SRP logins the host has: SCSI hosts of ib_srp (class/scsi_host/host<H> with proc_name
// "ib_srp"), their remote ports (class/srp_remote_ports/port-<H>:1) and SCSI devices
// (class/scsi_device/<H>:<C>:<T>:<L>), and the exact matching that decides whether a login
// is already there.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <srpadm/host/sysfs.hpp>
#include <srpadm/model/login.hpp>
#include <srpadm/model/remote_port.hpp>
#include <srpadm/result.hpp>
#include <srpadm/types.hpp>

namespace srpadm::host {

// class/srp_remote_ports/port-<H>:<n>.
struct RemotePort {
    std::string name;   // "port-7:1"
    std::string state;  // running, blocked, fail-fast, lost ("" when unreadable)
    // The three timeouts; nullopt when one of them cannot be read or parsed.
    std::optional<model::TmoValues> timeouts;
    std::optional<unsigned> failed_reconnects;
    std::string port_id;  // "4c:49:...": id_ext then ioc_guid, as sysfs shows it

    std::string path() const { return "class/srp_remote_ports/" + name; }
};

struct ScsiDevice {
    std::string hctl;   // "7:0:0:1"
    std::string block;  // "sdc", or "" when it has no block device
    // The INQUIRY vendor and product identification as the kernel shows them in
    // class/scsi_device/<hctl>/device/{vendor,model} (drivers/scsi/scsi_sysfs.c,
    // sdev_show_vendor() and sdev_show_model(): blank-padded to 8 and 16 characters), with the
    // trailing blanks removed ("LIO-ORG", "IBLOCK"). nullopt when the attribute is missing or
    // empty, or holds a byte that is not printable ASCII (HostScan::notes says so).
    std::optional<std::string> vendor;
    std::optional<std::string> model;
    // device/wwid (sdev_show_wwid(): the device's VPD page 0x83 identifier as
    // "naa.6001405...", "eui.", "t10." ...); nullopt as for vendor, or when the device has none.
    std::optional<std::string> wwid;
};

struct SrpHost {
    std::string name;  // "host7"
    unsigned host_no = 0;
    std::uint64_t id_ext = 0;
    Guid ioc_guid = 0;
    // IB/CM logins only: the kernel gives ENOENT for these on RDMA/CM logins.
    std::optional<std::uint64_t> service_id;
    std::optional<PKey> pkey;
    std::optional<Gid> dgid;       // the current path's DGID (after a CM redirect)
    std::optional<Gid> orig_dgid;  // the dgid of the login string
    std::optional<Gid> sgid;
    std::string local_device;  // "" when the kernel does not show it
    std::optional<unsigned> local_port;
    std::optional<unsigned> ch_count;
    std::optional<unsigned> req_lim;
    std::optional<unsigned> tl_retry_count;
    std::optional<RemotePort> remote_port;
    std::vector<ScsiDevice> devices;

    bool rdma_cm() const { return !dgid && !orig_dgid; }
    // The target port GID the login asked for: orig_dgid, else dgid (older kernels).
    std::optional<Gid> target_gid() const { return orig_dgid ? orig_dgid : dgid; }
    std::string state() const { return remote_port ? remote_port->state : std::string(); }
    // Being removed: the remote port's dev_loss_tmo fired (state "lost").
    bool going_away() const { return state() == "lost"; }
};

struct HostScan {
    std::vector<SrpHost> hosts;         // by host number
    std::vector<std::string> problems;  // SRP hosts whose identity could not be read
    std::vector<std::string> notes;     // device attributes left out (not printable ASCII)
};

// A SCSI device's identification attribute (vendor, model, wwid) as read from sysfs: without
// the trailing blanks and newline; nullopt when nothing is left, or when a byte is not
// printable ASCII (0x20-0x7e), which the kernel never shows (drivers/scsi/scsi_scan.c,
// scsi_sanitize_inquiry_string()), so that no other byte ever reaches srpadm's output.
std::optional<std::string> scsi_attribute_text(std::string_view raw);

// One target's logins: id_ext and ioc_guid as the kernel tells targets apart.
struct TargetFilter {
    std::uint64_t id_ext = 0;
    Guid ioc_guid = 0;
};
// The filter for the target of `spec`; nullopt when its id_ext is not a number.
std::optional<TargetFilter> target_filter(const login::LoginSpec& spec);

// Reads every ib_srp SCSI host. A missing class/scsi_host means none. With `only`, the hosts of
// other targets are skipped after their id_ext (the check around a login on a host with a
// thousand logins reads one attribute of each of the others, not all of them).
Result<HostScan> srp_hosts(const Sysfs& sysfs, std::optional<TargetFilter> only = std::nullopt);
// The same for the hosts of any of `only` (every host when it is empty), in one pass: the
// timeouts step after a thousand logins reads sysfs once, not once per login.
Result<HostScan> srp_hosts(const Sysfs& sysfs, const std::vector<TargetFilter>& only);

// The host named `name` ("host7"), or nullptr.
const SrpHost* find_host(const std::vector<SrpHost>& hosts, std::string_view name);

// The host that is this login on local port device:port, exactly: the same device name (no
// prefix match: mlx5_1 is not mlx5_10) and port, id_ext and ioc_guid; for IB/CM logins also
// service_id, P_Key (all 16 bits) and target GID (orig_dgid preferred over dgid, which
// changes on a CM redirect). A host that is going away (remote port lost) does not count.
// An RDMA/CM login matches an RDMA/CM host with its id_ext and ioc_guid on the port: sysfs
// shows no destination (nor initiator_ext), and the kernel refuses a second such login
// (EEXIST: drivers/infiniband/ulp/srp/ib_srp.c, srp_conn_unique()) while that host is there.
const SrpHost* find_login(const std::vector<SrpHost>& hosts, const login::LoginSpec& spec,
                          std::string_view device, unsigned port);

// The hosts on device:port with the same id_ext and ioc_guid as `spec`: the kernel refuses a
// second login to the target from one local port with the same initiator_ext (EEXIST), and
// sysfs does not show initiator_ext, so these are the candidates for that conflict.
std::vector<const SrpHost*> same_target(const std::vector<SrpHost>& hosts,
                                        const login::LoginSpec& spec, std::string_view device,
                                        unsigned port);

// The numeric id_ext of a login (1-16 hex digits), nullopt if it is not hexadecimal.
std::optional<std::uint64_t> id_ext_value(std::string_view id_ext);

// The timeouts a new remote port gets: ib_srp's module parameters
// (module/ib_srp/parameters/{fast_io_fail_tmo,dev_loss_tmo,reconnect_delay}), or the kernel's
// defaults 15/600/10 for those that cannot be read.
model::TmoValues ib_srp_default_timeouts(const Sysfs& sysfs);

// class/srp_remote_ports/<name>/<attribute> paths of a host's remote port.
std::string remote_port_attribute(const RemotePort& port, std::string_view attribute);

}  // namespace srpadm::host
