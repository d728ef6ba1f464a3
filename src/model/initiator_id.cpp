#include <algorithm>

#include <fmt/format.h>

#include <srpadm/model/initiator_id.hpp>

namespace srpadm::model {
namespace {

void put64(PortId& id, std::size_t at, std::uint64_t value) {
    for (std::size_t i = 0; i < 8; ++i) {
        id.at(at + i) = static_cast<std::uint8_t>(value >> (56 - 8 * i));
    }
}

}  // namespace

PortId initiator_port_id(std::uint64_t initiator_ext, Guid port_guid, std::uint16_t io_class) {
    PortId id{};
    if (io_class == login::kIoClassRev10) {
        put64(id, 0, port_guid);
        put64(id, 8, initiator_ext);
    } else {
        put64(id, 0, initiator_ext);
        put64(id, 8, port_guid);
    }
    return id;
}

PortId topspin_initiator_port_id(Guid node_guid) {
    PortId id{};
    put64(id, 8, node_guid);
    return id;
}

bool has_topspin_oui(Guid ioc_guid) {
    const auto oui = static_cast<std::uint32_t>(ioc_guid >> 40);
    return oui == 0x0005adU || oui == 0x001b0dU;
}

std::string port_id_text(const PortId& id) {
    std::string out = "0x";
    for (const std::uint8_t byte : id) {
        out += fmt::format("{:02x}", byte);
    }
    return out;
}

std::optional<std::string> source_address_text(const Gid& gid) {
    if (gid == Gid{}) {
        return std::nullopt;
    }
    const bool v4_mapped =
        std::all_of(gid.raw.begin(), gid.raw.begin() + 10, [](std::uint8_t b) { return b == 0; }) &&
        gid.raw[10] == 0xff && gid.raw[11] == 0xff;
    if (v4_mapped) {
        return fmt::format("{}.{}.{}.{}", gid.raw[12], gid.raw[13], gid.raw[14], gid.raw[15]);
    }
    return gid.colon_groups();
}

}  // namespace srpadm::model
