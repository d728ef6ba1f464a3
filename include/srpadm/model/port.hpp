// Local RDMA ports: their attributes as sysfs shows them (read by host/, used by the MAD
// endpoints and discovery), and a port named the way admins write it: "mlx5_0:1" (device and port),
// or "mlx5_0" (every port of the device). Device names are compared exactly: mlx5_1 is not mlx5_10
// (srp_daemon compares a prefix: rdma-core srp_daemon/srp_daemon.c, check_not_equal_str()
// on local_ib_device).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <srpadm/result.hpp>
#include <srpadm/types.hpp>

namespace srpadm::model {

enum class LinkLayer : std::uint8_t { infiniband, ethernet, unknown };
// PortInfo PortState values (sysfs "4: ACTIVE").
enum class PortState : std::uint8_t { nop = 0, down = 1, init = 2, armed = 3, active = 4 };

// As sysfs shows a port state after its number: "NOP", "DOWN", "INIT", "ARMED", "ACTIVE".
std::string_view port_state_name(PortState state);

struct PortAttributes {
    std::string ca_name;    // e.g. "mlx5_0"
    unsigned port_num = 0;  // 1-based
    LinkLayer link_layer = LinkLayer::unknown;
    PortState state = PortState::nop;
    std::uint8_t phys_state = 0;  // 5 = LinkUp
    Lid lid = 0;
    std::uint8_t lmc = 0;
    Lid sm_lid = 0;
    std::uint8_t sm_sl = 0;
    std::uint64_t gid_prefix = 0;
    Guid port_guid = 0;
    Guid node_guid = 0;
    std::uint32_t capability_mask = 0;
    std::vector<PKey> pkeys;  // the P_Key table by index; 0 marks an empty entry
};

struct PortSelector {
    std::string device;
    std::optional<unsigned> port;  // nullopt: every port of the device

    bool matches(std::string_view dev, unsigned port_num) const {
        return dev == device && (!port || *port == port_num);
    }
    // "DEV" or "DEV:PORT".
    std::string str() const;

    friend bool operator==(const PortSelector&, const PortSelector&) = default;
};

// Parses "DEV" or "DEV:PORT". DEV: 1-63 characters without '/', ':', blanks or control
// characters (the kernel's IB_DEVICE_NAME_MAX is 64 with the NUL); PORT: decimal 1..255
// without leading zeros. Errors (Errc::invalid_input) say what is wrong and what is expected;
// the caller names the text.
Result<PortSelector> parse_port_selector(std::string_view text);

}  // namespace srpadm::model
