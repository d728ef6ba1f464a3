// Notice (attribute 0x0002, 80 bytes): the payload of an SA Report (method 0x06), which the
// subscriber must answer with a ReportResp (0x86) echoing the TID.
//
// DataDetails are kept as raw bytes, so a Notice re-encodes exactly; details() reads them as
// the typed details of the traps srpadm handles (64, 65, 144, 145).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <variant>

#include <srpadm/result.hpp>
#include <srpadm/types.hpp>
#include <srpadm/wire/layouts.hpp>
#include <srpadm/wire/mad.hpp>
#include <srpadm/wire/sa_records.hpp>

namespace srpadm::wire {

// Trap 64: a GID came into service.
struct GidInService {
    Gid gid;
    friend bool operator==(const GidInService&, const GidInService&) = default;
};

// Trap 65: a GID went out of service.
struct GidOutOfService {
    Gid gid;
    friend bool operator==(const GidOutOfService&, const GidOutOfService&) = default;
};

// Trap 144 ChangeFlags bits (OpenSM TRAP_144_MASK_*; the kernel knows the low three).
namespace change_flag {
inline constexpr std::uint16_t node_description = 0x0001;
inline constexpr std::uint16_t link_width_enabled = 0x0002;
inline constexpr std::uint16_t link_speed_enabled = 0x0004;
inline constexpr std::uint16_t sm_priority = 0x0008;
inline constexpr std::uint16_t hierarchy_info = 0x0010;
inline constexpr std::uint16_t capability_mask2 = 0x0020;
}  // namespace change_flag

// Trap 144: a port's CapabilityMask (or other local attributes) changed. srp_daemon rescans
// the port when the new mask has IsDeviceManagementSupported.
struct LocalChanges {
    Lid lid = 0;
    bool other_local_changes = false;
    std::uint32_t capability_mask = 0;
    std::uint16_t change_flags = 0;
    std::uint16_t capability_mask2 = 0;
    friend bool operator==(const LocalChanges&, const LocalChanges&) = default;
};

// Trap 145: a node's SystemImageGUID changed.
struct SystemImageGuidChanged {
    Lid lid = 0;
    Guid system_image_guid = 0;
    friend bool operator==(const SystemImageGuidChanged&, const SystemImageGuidChanged&) = default;
};

// Any other notice (another trap, or a vendor notice): read Notice::data_details directly.
struct OtherNotice {
    friend bool operator==(const OtherNotice&, const OtherNotice&) = default;
};

using NoticeDetails =
    std::variant<OtherNotice, GidInService, GidOutOfService, LocalChanges, SystemImageGuidChanged>;

struct Notice {
    static constexpr std::string_view kName = "Notice";
    static constexpr std::uint16_t kAttributeId = attr::notice;
    static constexpr std::size_t kWireSize = layout::notice::size;

    bool is_generic = false;
    std::uint8_t type = 0;            // 7 bits
    std::uint32_t producer_type = 0;  // 24 bits; VendorID when not generic
    std::uint16_t trap_number = 0;    // DeviceID when not generic
    Lid issuer_lid = 0;
    bool notice_toggle = false;
    std::uint16_t notice_count = 0;  // 15 bits
    std::array<std::uint8_t, 54> data_details{};
    Gid issuer_gid;

    // The typed details when this is a generic notice of trap 64, 65, 144 or 145; OtherNotice
    // otherwise.
    NoticeDetails details() const;

    // A generic notice carrying `details` with the Type and ProducerType its issuer uses
    // (64/65: SM from a class manager; 144/145: informational from a CA). OtherNotice gives a
    // generic notice with trap number 0 and no details.
    static Notice generic(const NoticeDetails& details, Lid issuer_lid, const Gid& issuer_gid);

    static Result<Notice> decode(std::span<const std::uint8_t> bytes);
    std::array<std::uint8_t, kWireSize> encode() const;

    friend bool operator==(const Notice&, const Notice&) = default;
};

}  // namespace srpadm::wire
