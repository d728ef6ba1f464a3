// ClassPortInfo (attribute 0x0001, 72 bytes): the same layout answers an SA query (data at MAD
// byte 56) and a DM query (data at MAD byte 64).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include <srpadm/result.hpp>
#include <srpadm/types.hpp>
#include <srpadm/wire/layouts.hpp>
#include <srpadm/wire/mad.hpp>

namespace srpadm::wire {

// CapabilityMask bits every class shares (IBA 13.4.8.1; OpenSM IB_CLASS_CAP_*).
namespace class_cap {
inline constexpr std::uint16_t is_trap_supported = 1U << 0;
inline constexpr std::uint16_t is_get_set_notice_supported = 1U << 1;
inline constexpr std::uint16_t is_capability_mask2_supported = 1U << 2;
}  // namespace class_cap

// SA CapabilityMask bits (libibumad umad_sa.h UMAD_SA_CAP_MASK_*).
namespace sa_cap {
inline constexpr std::uint16_t is_subnet_opt_rec_supported = 1U << 8;
inline constexpr std::uint16_t is_ud_multicast_supported = 1U << 9;
inline constexpr std::uint16_t is_multi_path_supported = 1U << 10;
inline constexpr std::uint16_t is_reinit_supported = 1U << 11;
inline constexpr std::uint16_t is_gid_scoped_multi_path_supported = 1U << 12;
// OpenSM: PortInfoRecord GetTable with AttributeModifier bit 31 matches CapabilityMask bits
// (srp_daemon's SRP_SM_SUPPORTS_MASK_MATCH).
inline constexpr std::uint16_t is_port_info_cap_mask_match_supported = 1U << 13;
inline constexpr std::uint16_t is_link_speed_width_pairs_supported = 1U << 14;
inline constexpr std::uint16_t is_pa_services_supported = 1U << 15;
}  // namespace sa_cap

// SA CapabilityMask2 bits (umad_sa.h UMAD_SA_CAP_MASK2_*).
namespace sa_cap2 {
inline constexpr std::uint32_t is_unpath_repath_supported = 1U << 0;
inline constexpr std::uint32_t is_qos_supported = 1U << 1;
inline constexpr std::uint32_t is_reverse_path_pkey_member_bit_supported = 1U << 2;
inline constexpr std::uint32_t is_multicast_topology_supported = 1U << 3;
inline constexpr std::uint32_t is_hierarchy_info_supported = 1U << 4;
inline constexpr std::uint32_t is_additional_guid_supported = 1U << 5;
inline constexpr std::uint32_t is_full_port_info_record_supported = 1U << 6;
inline constexpr std::uint32_t is_extended_speeds_supported = 1U << 7;
inline constexpr std::uint32_t is_multicast_service_record_supported = 1U << 8;
inline constexpr std::uint32_t is_cable_info_record_supported = 1U << 9;
inline constexpr std::uint32_t is_port_info_cap_mask2_match_supported = 1U << 10;
inline constexpr std::uint32_t is_port_info_extended_record_supported = 1U << 11;
}  // namespace sa_cap2

struct ClassPortInfo {
    static constexpr std::string_view kName = "ClassPortInfo";
    static constexpr std::uint16_t kAttributeId = attr::class_port_info;
    static constexpr std::size_t kWireSize = layout::class_port_info::size;

    std::uint8_t base_version = 0;
    std::uint8_t class_version = 0;
    std::uint16_t capability_mask = 0;
    std::uint32_t capability_mask2 = 0;  // 27 bits
    std::uint8_t resp_time_value = 0;    // 5 bits
    Gid redirect_gid;
    std::uint8_t redirect_tc = 0;
    std::uint8_t redirect_sl = 0;           // 4 bits
    std::uint32_t redirect_flow_label = 0;  // 20 bits
    Lid redirect_lid = 0;
    PKey redirect_pkey = 0;
    std::uint32_t redirect_qp = 0;  // 24 bits
    std::uint32_t redirect_qkey = 0;
    Gid trap_gid;
    std::uint8_t trap_tc = 0;
    std::uint8_t trap_sl = 0;           // 4 bits
    std::uint32_t trap_flow_label = 0;  // 20 bits
    Lid trap_lid = 0;
    PKey trap_pkey = 0;
    std::uint8_t trap_hop_limit = 0;
    std::uint32_t trap_qp = 0;  // 24 bits
    std::uint32_t trap_qkey = 0;

    bool supports_port_info_cap_mask_match() const {
        return (capability_mask & sa_cap::is_port_info_cap_mask_match_supported) != 0;
    }

    static Result<ClassPortInfo> decode(std::span<const std::uint8_t> bytes);
    std::array<std::uint8_t, kWireSize> encode() const;

    friend bool operator==(const ClassPortInfo&, const ClassPortInfo&) = default;
};

}  // namespace srpadm::wire
