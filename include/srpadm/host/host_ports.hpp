// The host's RDMA ports as sysfs shows them (class/infiniband/<dev>/ports/<n>/...,
// class/infiniband_mad/umad<N>, class/infiniband_srp/srp-<dev>-<port>), for the host-side
// commands: which ports have an SRP initiator port, their GIDs and GUIDs (initiator IDs) and
// link layers. Lenient where the MAD endpoint's reader (local_port.hpp) is strict: a port
// whose files cannot all be read is still listed with what could be read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <srpadm/host/sysfs.hpp>
#include <srpadm/model/port.hpp>
#include <srpadm/result.hpp>
#include <srpadm/types.hpp>

namespace srpadm::host {

enum class LinkLayer : std::uint8_t { infiniband, ethernet, other };

// One non-zero entry of a port's GID table.
struct PortGid {
    unsigned index = 0;
    Gid gid;
    std::string type;  // gid_attrs/types/<index>: "IB/RoCE v1", "RoCE v2"; empty when absent
    std::string ndev;  // gid_attrs/ndevs/<index>: the network device (RoCE); empty when absent
};

struct HostPort {
    std::string device;                            // "mlx5_0"
    unsigned port = 0;                             // 1-based
    LinkLayer link_layer = LinkLayer::infiniband;  // a missing link_layer file means InfiniBand
    std::string link_layer_text;                   // as sysfs shows it ("" when absent)
    std::string state;                             // "4: ACTIVE" ("" when absent)
    Guid node_guid = 0;
    std::optional<Gid> gid0;          // GID index 0: its interface ID is the port GUID
    std::vector<PortGid> gids;        // every non-zero GID, by index
    std::optional<std::string> umad;  // "umad1" when class/infiniband_mad has one for it
    bool srp = false;                 // class/infiniband_srp/srp-<dev>-<port>/add_target exists

    Guid port_guid() const { return gid0 ? gid0->guid() : 0; }
    std::string name() const;  // "mlx5_0:1"
};

// Every port of every device under class/infiniband, by device name then port number.
// A device or port whose files cannot be read is still listed with what could be read.
// Fails only when class/infiniband itself cannot be listed.
Result<std::vector<HostPort>> local_ports(const Sysfs& sysfs);

// The ports `selector` names; an error (Errc::not_found) naming the ports that exist when
// none matches.
Result<std::vector<HostPort>> select_ports(const std::vector<HostPort>& ports,
                                           const model::PortSelector& selector);

// The sysfs path of a port's add_target attribute:
// "class/infiniband_srp/srp-<dev>-<port>/add_target".
std::string add_target_path(const std::string& device, unsigned port);

// The local port with an SRP initiator port that a host-side command acts on: the one
// `selector` names (it must have one), or, without a selector, the only one there is.
// Errc::not_found (exit status 4) when there is none, Errc::usage (exit status 2) when there
// are several and no selector; the message names what exists.
Result<HostPort> srp_port(const Sysfs& sysfs, const std::optional<model::PortSelector>& selector);

}  // namespace srpadm::host
