// A local RDMA port named the way admins write it: "mlx5_0:1" (device and port), or "mlx5_0"
// (every port of the device). Device names are compared exactly: mlx5_1 is not mlx5_10
// (srp_daemon compares a prefix, reference defect B10).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <srpadm/result.hpp>

namespace srpadm::model {

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
