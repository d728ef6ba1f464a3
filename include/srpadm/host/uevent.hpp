// Kernel uevents as the host layer hands them on: a plain struct, built from the fields libudev
// (or a test) gives, checked and bounded.
//
// The uevents a daemon cares about (see kSrpUeventSubsystems):
// - infiniband_mad umad<N> add/remove: an HCA port appeared or went (ib_umad; the device's ibdev
//   and port attributes say which port, drivers/infiniband/core/user_mad.c);
// - infiniband_srp srp-<ibdev>-<port> add: ib_srp took the port (ib_srp.c, srp_add_port,
//   dev_set_name(..., "srp-%s-%u", ...)), so logins through it are possible now;
// - scsi_host host<N> and srp_remote_ports port-<H>:<N> remove: the kernel removed an SRP
//   host (scsi_transport_srp.c; ib_srp's removal of a lost connection, or a delete write).
//
// Values come from the kernel (or from udevd, which relays them): nothing here trusts their
// length or content. Every field is bounded (the kernel builds a whole uevent in
// UEVENT_BUFFER_SIZE, 2048 bytes, include/linux/kobject.h) and is shown only through
// describe(), which escapes it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <srpadm/result.hpp>

namespace srpadm::host {

// The kernel's uevent actions (lib/kobject_uevent.c, kobject_actions[]).
enum class UeventAction : std::uint8_t { add, remove, change, move, online, offline, bind, unbind };

// "add", "remove", "change", "move", "online", "offline", "bind", "unbind".
std::string_view uevent_action_name(UeventAction action);
// The action of that exact name; nullopt for anything else.
std::optional<UeventAction> parse_uevent_action(std::string_view text);

// The subsystems a daemon watches for hot-plug and host removal (see the top of this file).
inline constexpr std::array<std::string_view, 4> kSrpUeventSubsystems = {
    "infiniband_mad", "infiniband_srp", "scsi_host", "srp_remote_ports"};

// Bounds: the kernel's whole uevent buffer for any field; IB_DEVICE_NAME_MAX (64, with its NUL,
// include/rdma/ib_verbs.h) for an RDMA device name.
inline constexpr std::size_t kUeventFieldMax = 2048;
inline constexpr std::size_t kIbDeviceNameMax = 63;

struct Uevent {
    UeventAction action = UeventAction::change;
    std::string subsystem;  // "infiniband_mad", "net", ...
    std::string sysname;    // the device's name: "umad0", "srp-mlx5_0-1", "host7", "lo"
    std::string devpath;    // below /sys: "/devices/virtual/net/lo"
    // The RDMA device and port the event is about, when known: for infiniband_mad the umad
    // device's ibdev and port attributes (read when the event arrives: absent on remove, when
    // the files are gone); for infiniband_srp, taken from the name srp-<ibdev>-<port>.
    std::optional<std::string> ibdev;
    std::optional<std::uint32_t> port;

    friend bool operator==(const Uevent&, const Uevent&) = default;
};

// The raw fields of one uevent; nullopt where the source had none.
struct UeventFields {
    std::optional<std::string_view> action;
    std::optional<std::string_view> subsystem;
    std::optional<std::string_view> sysname;  // absent: the last component of devpath
    std::optional<std::string_view> devpath;
    std::optional<std::string_view> ibdev;  // infiniband_mad attribute "ibdev"
    std::optional<std::string_view> port;   // infiniband_mad attribute "port" (decimal)
};

// Builds the event. Errc::malformed (the message shows the values escaped) when the action is
// missing or not one of the kernel's, subsystem or devpath is missing or empty, devpath does not
// start with '/', the name is empty, or any field is longer than kUeventFieldMax. The ibdev
// and port attributes are optional: one that is empty, too long (ibdev), or not a decimal
// number of 1..255 (port) is left out, and the event is kept.
Result<Uevent> make_uevent(const UeventFields& fields);

// "srp-mlx5_0-1" → ("mlx5_0", 1): the RDMA device and port of an infiniband_srp device name;
// nullopt for any other shape.
std::optional<std::pair<std::string, std::uint32_t>> parse_srp_host_name(std::string_view name);

// One line for logs, every value escaped (login::printable): "add infiniband_mad umad0
// (/devices/...) ibdev=mlx5_0 port=1".
std::string describe(const Uevent& event);

}  // namespace srpadm::host
