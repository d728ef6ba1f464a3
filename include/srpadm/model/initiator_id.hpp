// The names a target's access list needs for this host (kernel drivers/infiniband/ulp/srp/
// ib_srp.c srp_send_req(), drivers/infiniband/ulp/srpt/ib_srpt.c srpt_cm_req_recv() and
// srpt_format_guid(); SCST's srpt/src/ib_srpt.c).
//
// ib_srp sends a 16-byte initiator port ID in SRP_LOGIN_REQ, built from the login's
// initiator_ext and the local port GUID (the interface ID of GID index 0):
//   io_class 0x0100 (SRP rev. 16a, the default):  initiator_ext | port GUID
//   io_class 0xff00 (SRP rev. 10):                port GUID | initiator_ext
//   Topspin/Cisco targets (ioc_guid OUI 00:05:ad or 00:1b:0d) while ib_srp's
//   topspin_workarounds is on:                     8 zero bytes | the HCA's node GUID
// Targets name the initiator by it (more in include/srpadm/target/names.hpp):
//   LIO on a GID-named port:            "0x" and 32 lower-case hex digits (LIO also accepts
//                                        the digits without "0x")
//   LIO on a GUID-named port, IB/CM:    the initiator port GUID as xxxx:xxxx:xxxx:xxxx (from
//                                        the CM REQ, so initiator_ext does not change it)
//   LIO on a GUID-named port, RDMA/CM:  the source IP address as the kernel's %pIS prints it
//   SCST (3.1 and later), IB/CM:        the initiator port GID as eight groups of four digits
//   SCST, RDMA/CM:                      the source IP address (a.b.c.d, or eight groups of four
//                                        hex digits)
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include <srpadm/model/login.hpp>
#include <srpadm/types.hpp>

namespace srpadm::model {

using PortId = std::array<std::uint8_t, 16>;

PortId initiator_port_id(std::uint64_t initiator_ext, Guid port_guid,
                         std::uint16_t io_class = login::kIoClassRev16a);
// ib_srp's Topspin/Cisco override: zeros, then the node GUID.
PortId topspin_initiator_port_id(Guid node_guid);
// True for the OUIs ib_srp's topspin_workarounds applies to (00:05:ad and 00:1b:0d).
bool has_topspin_oui(Guid ioc_guid);

// "0x%016llx%016llx", as SCST and LIO print and accept the port ID.
std::string port_id_text(const PortId& id);

// The source address an RDMA/CM login from a RoCE port with this GID uses, as LIO names the
// session on a GUID-named port (%pIS): IPv4-mapped GIDs (::ffff:a.b.c.d) as a.b.c.d, other
// GIDs as eight colon-separated groups of four hex digits; nullopt for the zero GID.
std::optional<std::string> source_address_text(const Gid& gid);

}  // namespace srpadm::model
