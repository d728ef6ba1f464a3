// Device Management attributes (class 0x06, version 1; data at MAD byte 64): IOUnitInfo,
// IOControllerProfile and ServiceEntries, plus the ServiceEntries attribute modifier. DM
// ClassPortInfo uses ClassPortInfo (class_port_info.hpp).
//
// Sources: IBA 16.3; kernel drivers/infiniband/ulp/srpt/ib_dm_mad.h and ib_srpt.c (what LIO
// answers); rdma-core srp_daemon (what the reference initiator reads); OpenSM ib_types.h.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <srpadm/result.hpp>
#include <srpadm/types.hpp>
#include <srpadm/wire/layouts.hpp>
#include <srpadm/wire/mad.hpp>
#include <srpadm/wire/wire_string.hpp>

namespace srpadm::wire {

// IOUnitInfo ControllerList slot codes.
namespace ioc_slot {
inline constexpr std::uint8_t not_installed = 0x0;
inline constexpr std::uint8_t present = 0x1;
inline constexpr std::uint8_t does_not_exist = 0xf;
}  // namespace ioc_slot

struct IoUnitInfo {
    static constexpr std::string_view kName = "IOUnitInfo";
    static constexpr std::uint16_t kAttributeId = dm_attr::io_unit_info;
    static constexpr std::size_t kWireSize = layout::io_unit_info::size;
    static constexpr std::size_t kMaxSlots = layout::io_unit_info::max_slots;
    static constexpr std::uint8_t kDiagDeviceId = 0x02;  // bits of diag_rom
    static constexpr std::uint8_t kOptionRom = 0x01;

    std::uint16_t change_id = 0;
    std::uint8_t max_controllers = 0;
    std::uint8_t diag_rom = 0;  // DiagDeviceID (bit 1), OptionROM (bit 0), 6 reserved bits
    std::array<std::uint8_t, 128> controller_list{};

    bool diag_device_id() const { return (diag_rom & kDiagDeviceId) != 0; }
    bool option_rom() const { return (diag_rom & kOptionRom) != 0; }

    // The 4-bit code of slot `slot_number` (1-based: slot 1 is the high nibble of the first
    // byte, slot 2 its low nibble); nullopt outside 1..256.
    std::optional<std::uint8_t> slot(std::size_t slot_number) const;
    // Sets a slot's code (low 4 bits of `code`); false outside 1..256.
    bool set_slot(std::size_t slot_number, std::uint8_t code);
    // Slots 1..MaxControllers whose code is ioc_slot::present, in order.
    std::vector<std::uint16_t> present_slots() const;

    static Result<IoUnitInfo> decode(std::span<const std::uint8_t> bytes);
    std::array<std::uint8_t, kWireSize> encode() const;

    friend bool operator==(const IoUnitInfo&, const IoUnitInfo&) = default;
};

// ControllerOperationsMask bits (IBA 16.3.3.4; OpenSM CTRL_OPS_CAP_*).
namespace ioc_op_cap {
inline constexpr std::uint8_t send_to_ioc = 0x01;
inline constexpr std::uint8_t send_from_ioc = 0x02;
inline constexpr std::uint8_t rdma_read_to_ioc = 0x04;
inline constexpr std::uint8_t rdma_read_from_ioc = 0x08;
inline constexpr std::uint8_t rdma_write_to_ioc = 0x10;
inline constexpr std::uint8_t rdma_write_from_ioc = 0x20;
inline constexpr std::uint8_t atomic_to_ioc = 0x40;
inline constexpr std::uint8_t atomic_from_ioc = 0x80;
}  // namespace ioc_op_cap

// SRP identification in an IOControllerProfile and ServiceEntries (kernel ib_srpt.h).
namespace srp_ioc {
inline constexpr std::uint16_t io_class_rev16a = 0x0100;
inline constexpr std::uint16_t io_class_rev10 = 0xff00;
inline constexpr std::uint16_t io_subclass = 0x609e;
inline constexpr std::uint16_t protocol = 0x0108;
inline constexpr std::uint16_t protocol_version = 0x0001;
// A ServiceEntry names an SRP target when its name is this prefix followed by 16 characters
// (the id_ext); LIO writes them as lower-case hex.
inline constexpr std::string_view service_name_prefix = "SRP.T10:";
inline constexpr std::size_t id_ext_length = 16;
}  // namespace srp_ioc

struct IoControllerProfile {
    static constexpr std::string_view kName = "IOControllerProfile";
    static constexpr std::uint16_t kAttributeId = dm_attr::io_controller_profile;
    static constexpr std::size_t kWireSize = layout::ioc_profile::size;

    Guid guid = 0;
    std::uint32_t vendor_id = 0;  // the 32-bit word at 8; see vendor_id_iba()
    std::uint32_t device_id = 0;
    std::uint16_t device_version = 0;
    std::uint32_t subsystem_vendor_id = 0;  // the 32-bit word at 20
    std::uint32_t subsystem_id = 0;
    std::uint16_t io_class = 0;
    std::uint16_t io_subclass = 0;
    std::uint16_t protocol = 0;
    std::uint16_t protocol_version = 0;
    std::uint16_t service_conn = 0;          // reserved in IBA
    std::uint16_t initiators_supported = 0;  // reserved in IBA
    std::uint16_t send_queue_depth = 0;
    std::uint8_t rdma_read_depth = 0;
    std::uint32_t send_size = 0;  // largest SRP request IU the target accepts
    std::uint32_t rdma_size = 0;
    std::uint8_t controller_op_cap = 0;  // ioc_op_cap::*
    std::uint8_t service_cap = 0;        // reserved in IBA
    std::uint8_t service_entries = 0;    // how many ServiceEntries the IOC has
    WireString<64> id_string;

    // IBA's 24-bit VendorID (the word's upper 24 bits), as srp_daemon prints it. LIO ib_srpt
    // writes the HCA's vendor ID unshifted into the word, so for LIO this reads
    // vendor_id >> 8 and the unshifted value is vendor_id itself.
    std::uint32_t vendor_id_iba() const { return vendor_id >> 8; }
    std::uint32_t subsystem_vendor_id_iba() const { return subsystem_vendor_id >> 8; }
    bool is_srp() const {
        return (io_class == srp_ioc::io_class_rev16a || io_class == srp_ioc::io_class_rev10) &&
               io_subclass == srp_ioc::io_subclass && protocol == srp_ioc::protocol;
    }

    static Result<IoControllerProfile> decode(std::span<const std::uint8_t> bytes);
    std::array<std::uint8_t, kWireSize> encode() const;

    friend bool operator==(const IoControllerProfile&, const IoControllerProfile&) = default;
};

struct ServiceEntry {
    static constexpr std::string_view kName = "ServiceEntry";
    static constexpr std::size_t kWireSize = layout::service_entry::size;

    WireString<40> name;
    std::uint64_t id = 0;

    // True when the name is "SRP.T10:" followed by 16 bytes none of which is NUL; the id_ext
    // is then srp_id_ext(). (srp_daemon takes up to 16 non-space characters; srpadm insists
    // on all 16.)
    bool is_srp_target() const;
    // The 16 raw bytes after "SRP.T10:" (empty when !is_srp_target()).
    std::string_view srp_id_ext() const;

    static Result<ServiceEntry> decode(std::span<const std::uint8_t> bytes);
    std::array<std::uint8_t, kWireSize> encode() const;

    friend bool operator==(const ServiceEntry&, const ServiceEntry&) = default;
};

// The ServiceEntries attribute modifier: (slot << 16) | (last << 8) | first. Entry indices
// start at 0, the range is inclusive and holds at most four entries. The slot is not checked
// here (agents answer slot 0 and slots beyond MaxControllers with a status).
struct ServiceEntriesModifier {
    std::uint16_t slot = 0;
    std::uint8_t first = 0;
    std::uint8_t last = 0;

    // Refuses first > last and more than four entries.
    static Result<ServiceEntriesModifier> make(std::uint16_t slot, std::uint8_t first,
                                               std::uint8_t last);
    static Result<ServiceEntriesModifier> decode(std::uint32_t attr_mod);
    std::uint32_t encode() const {
        return (std::uint32_t{slot} << 16) | (std::uint32_t{last} << 8) | first;
    }
    std::size_t count() const { return static_cast<std::size_t>(last - first) + 1; }

    friend bool operator==(const ServiceEntriesModifier&, const ServiceEntriesModifier&) = default;
};

// The ServiceEntries attribute (192 bytes, four 48-byte entries): `count` entries hold data,
// as many as the request's modifier asked for.
struct ServiceEntries {
    static constexpr std::string_view kName = "ServiceEntries";
    static constexpr std::uint16_t kAttributeId = dm_attr::service_entries;
    static constexpr std::size_t kMaxEntries = layout::service_entry::per_mad;
    static constexpr std::size_t kWireSize = layout::service_entry::size * kMaxEntries;

    std::array<ServiceEntry, kMaxEntries> entries{};
    std::uint8_t count = 0;

    std::span<const ServiceEntry> valid() const {
        return std::span(entries).first(std::min<std::size_t>(count, kMaxEntries));
    }

    // Decodes modifier.count() entries; needs count * 48 bytes.
    static Result<ServiceEntries> decode(std::span<const std::uint8_t> bytes,
                                         const ServiceEntriesModifier& modifier);
    // Writes the first min(count, 4) entries; the rest of the 192 bytes are 0.
    std::array<std::uint8_t, kWireSize> encode() const;

    friend bool operator==(const ServiceEntries&, const ServiceEntries&) = default;
};

}  // namespace srpadm::wire
