// Initiator names as an admin gives them and as a target port needs them.
//
// What the admin may paste (any form `srpadm initiator-id` prints, or a target's log line):
//   0x and 32 hex digits, or the 32 digits alone   the 16-byte initiator port ID
//   eight colon-separated groups of 1-4 hex digits a GID (SCST's session name), or the port ID
//                                                  as a target's log prints it (%pI6)
//   xxxx:xxxx:xxxx:xxxx                            a port GUID
//   a.b.c.d, or an IPv6 address                    an RDMA/CM login's source address
//
// What each target port matches a login against:
//   SCST (3.1 and later; srpt/src/ib_srpt.c srpt_ib_cm_req_recv(), srpt_rdma_cm_req_recv()):
//     IB/CM: the initiator port GID as %pI6 prints it; RDMA/CM: the source address.
//   LIO on a GID-named port (drivers/infiniband/ulp/srpt/ib_srpt.c srpt_cm_req_recv()):
//     "0x" and the 32 hex digits of the initiator port ID, for IB/CM and RDMA/CM logins.
//   LIO on a GUID-named port: IB/CM: the initiator port GUID as xxxx:xxxx:xxxx:xxxx;
//     RDMA/CM: the source address (%pIS).
// The initiator port ID is initiator_ext followed by the port GUID (ib_srp srp_send_req(),
// SRP rev. 16a), so a GUID or GID alone gives it only with the initiator_ext the host uses:
// ib_srp's default, 0, is assumed and said.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <srpadm/result.hpp>
#include <srpadm/target/state.hpp>
#include <srpadm/types.hpp>

namespace srpadm::target {

enum class NameKind : std::uint8_t {
    port_id,       // 0x + 32 hex digits (or without 0x)
    eight_groups,  // a GID, or a port ID as a log prints it
    guid,          // xxxx:xxxx:xxxx:xxxx
    ipv4,
    ipv6,
};

struct InitiatorName {
    NameKind kind = NameKind::port_id;
    std::string given;                     // as the admin wrote it
    std::array<std::uint8_t, 16> bytes{};  // port_id, eight_groups, ipv6; guid in bytes 8..15;
                                           // ipv4 in bytes 12..15
    std::string address;                   // ipv4, ipv6: as the kernel prints it (%pIS)
};

// Errc::invalid_input naming `text` and the forms accepted.
Result<InitiatorName> parse_initiator_name(std::string_view text);

// The name `port` matches logins from this initiator against, with warnings when it may not
// be what that target sees.
struct PortName {
    std::string name;
    std::vector<std::string> warnings;
};
PortName name_for_port(const InitiatorName& initiator, Flavour flavour, const TargetPort& port);

// "0x" and 32 lower-case hex digits.
std::string port_id_hex(const std::array<std::uint8_t, 16>& bytes);
// Eight groups of four lower-case hex digits joined by ':' (%pI6).
std::string eight_groups(const std::array<std::uint8_t, 16>& bytes);

// The names a port gets in each form (LIO accepts both at mkdir; SCST uses the GID form):
// "0x" + 32 hex digits of the GID, and the GUID's xxxx:xxxx:xxxx:xxxx.
std::string lio_gid_port_name(const Gid& gid);
std::string lio_guid_port_name(const Gid& gid);
std::string scst_port_name(const Gid& gid);

// A name the kernel takes for a device, storage object or group: 1-48 characters of
// A-Z a-z 0-9 _ . - and not starting with '.' or '-'. Errc::invalid_input naming `what`.
Result<void> check_object_name(std::string_view what, std::string_view name);

// A size as an admin writes it: a number of bytes, or one with K, M, G or T (powers of 1024;
// "KiB", "GiB" ... and "B" accepted). Errc::invalid_input naming `what`.
Result<std::uint64_t> parse_size(std::string_view what, std::string_view text);

}  // namespace srpadm::target
