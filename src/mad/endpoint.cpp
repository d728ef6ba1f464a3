#include <array>

#include <srpadm/mad/endpoint.hpp>

namespace srpadm::mad {

std::string_view port_event_name(PortEventKind kind) {
    switch (kind) {
        case PortEventKind::port_active:
            return "port-active";
        case PortEventKind::port_down:
            return "port-down";
        case PortEventKind::lid_change:
            return "lid-change";
        case PortEventKind::sm_change:
            return "sm-change";
        case PortEventKind::pkey_change:
            return "pkey-change";
        case PortEventKind::client_reregister:
            return "client-reregister";
        case PortEventKind::gid_change:
            return "gid-change";
        case PortEventKind::device_fatal:
            return "device-fatal";
    }
    return "unknown";
}

std::uint64_t wire_segments(std::uint8_t mgmt_class, std::size_t length) {
    constexpr std::uint8_t kSaClass = 0x03;
    constexpr std::size_t kSaHeader = 56;
    constexpr std::size_t kSaSegmentData = kMadSize - kSaHeader;
    if (mgmt_class != kSaClass || length <= kMadSize) {
        return 1;
    }
    return (length - kSaHeader + kSaSegmentData - 1) / kSaSegmentData;
}

Result<std::vector<model::GidEntry>> MadEndpoint::gid_table() {
    auto attrs = port_attributes();
    if (!attrs) {
        return Unexpected(attrs.error());
    }
    model::GidEntry e;
    e.gid = Gid::from_parts(attrs->gid_prefix, attrs->port_guid);
    return std::vector<model::GidEntry>{e};
}

}  // namespace srpadm::mad
