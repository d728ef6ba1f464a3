// SA records srpadm queries: NodeRecord, PortInfoRecord (with PortInfo), PathRecord, and the
// InformInfo attribute used to subscribe to traps. Each record decodes from the first
// kWireSize bytes of a span (later bytes are ignored) and encodes to exactly kWireSize bytes.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include <srpadm/result.hpp>
#include <srpadm/types.hpp>
#include <srpadm/wire/layouts.hpp>
#include <srpadm/wire/mad.hpp>
#include <srpadm/wire/wire_string.hpp>

namespace srpadm::wire {

// NodeRecord component-mask bits (IBA 15.2.5.2; OpenSM IB_NR_COMPMASK_*).
namespace node_record_comp {
inline constexpr std::uint64_t lid = 1ULL << 0;
inline constexpr std::uint64_t base_version = 1ULL << 2;
inline constexpr std::uint64_t class_version = 1ULL << 3;
inline constexpr std::uint64_t node_type = 1ULL << 4;
inline constexpr std::uint64_t num_ports = 1ULL << 5;
inline constexpr std::uint64_t system_image_guid = 1ULL << 6;
inline constexpr std::uint64_t node_guid = 1ULL << 7;
inline constexpr std::uint64_t port_guid = 1ULL << 8;
inline constexpr std::uint64_t partition_cap = 1ULL << 9;
inline constexpr std::uint64_t device_id = 1ULL << 10;
inline constexpr std::uint64_t revision = 1ULL << 11;
inline constexpr std::uint64_t local_port_num = 1ULL << 12;
inline constexpr std::uint64_t vendor_id = 1ULL << 13;
inline constexpr std::uint64_t node_description = 1ULL << 14;
}  // namespace node_record_comp

namespace node_type {
inline constexpr std::uint8_t channel_adapter = 1;
inline constexpr std::uint8_t switch_ = 2;
inline constexpr std::uint8_t router = 3;
}  // namespace node_type

struct NodeRecord {
    static constexpr std::string_view kName = "NodeRecord";
    static constexpr std::uint16_t kAttributeId = sa_attr::node_record;
    static constexpr std::size_t kWireSize = layout::node_record::size;

    Lid lid = 0;
    std::uint8_t base_version = 0;
    std::uint8_t class_version = 0;
    std::uint8_t node_type = 0;
    std::uint8_t num_ports = 0;
    Guid system_image_guid = 0;
    Guid node_guid = 0;
    Guid port_guid = 0;
    std::uint16_t partition_cap = 0;
    std::uint16_t device_id = 0;
    std::uint32_t revision = 0;
    std::uint8_t local_port_num = 0;
    std::uint32_t vendor_id = 0;  // 24 bits
    WireString<64> node_description;

    static Result<NodeRecord> decode(std::span<const std::uint8_t> bytes);
    std::array<std::uint8_t, kWireSize> encode() const;

    friend bool operator==(const NodeRecord&, const NodeRecord&) = default;
};

// PortInfo CapabilityMask bits srpadm looks at (IBA 14.2.5.6; OpenSM IB_PORT_CAP_*).
namespace port_cap {
inline constexpr std::uint32_t is_sm = 1U << 1;
inline constexpr std::uint32_t is_notice_supported = 1U << 2;
inline constexpr std::uint32_t is_trap_supported = 1U << 3;
inline constexpr std::uint32_t is_sm_disabled = 1U << 10;
inline constexpr std::uint32_t is_system_image_guid_supported = 1U << 11;
inline constexpr std::uint32_t is_communication_management_supported = 1U << 16;
inline constexpr std::uint32_t is_device_management_supported = 1U << 19;  // srp_daemon SRP_IS_DM
inline constexpr std::uint32_t is_vendor_class_supported = 1U << 20;
inline constexpr std::uint32_t is_capability_mask_notice_supported = 1U << 22;
inline constexpr std::uint32_t is_client_reregistration_supported = 1U << 25;
}  // namespace port_cap

namespace port_state {
inline constexpr std::uint8_t down = 1;
inline constexpr std::uint8_t init = 2;
inline constexpr std::uint8_t armed = 3;
inline constexpr std::uint8_t active = 4;
}  // namespace port_state

// PortInfo (64 bytes). The typed members are the fields discovery uses; `other` keeps every
// remaining bit exactly as received (the typed members' bits are 0 there), so a decoded
// PortInfo re-encodes byte for byte. Any field can still be read by its layout::port_info
// Field from the encoded bytes.
struct PortInfo {
    static constexpr std::string_view kName = "PortInfo";
    static constexpr std::size_t kWireSize = layout::port_info::size;

    std::uint64_t m_key = 0;
    std::uint64_t gid_prefix = 0;
    Lid lid = 0;
    Lid master_sm_lid = 0;
    std::uint32_t capability_mask = 0;
    std::uint16_t diag_code = 0;
    std::uint16_t m_key_lease_period = 0;
    std::uint8_t local_port_num = 0;
    std::uint8_t link_width_active = 0;
    std::uint8_t port_state = 0;         // 4 bits
    std::uint8_t port_phys_state = 0;    // 4 bits
    std::uint8_t lmc = 0;                // 3 bits
    std::uint8_t link_speed_active = 0;  // 4 bits
    std::uint8_t neighbor_mtu = 0;       // 4 bits
    std::uint8_t master_sm_sl = 0;       // 4 bits (SMSL)
    std::uint16_t capability_mask2 = 0;
    std::array<std::uint8_t, kWireSize> other{};

    bool is_device_management_supported() const {
        return (capability_mask & port_cap::is_device_management_supported) != 0;
    }

    static Result<PortInfo> decode(std::span<const std::uint8_t> bytes);
    std::array<std::uint8_t, kWireSize> encode() const;

    friend bool operator==(const PortInfo&, const PortInfo&) = default;
};

// PortInfoRecord component-mask bits (IBA 15.2.5.3; OpenSM IB_PIR_COMPMASK_*).
namespace port_info_record_comp {
inline constexpr std::uint64_t endport_lid = 1ULL << 0;
inline constexpr std::uint64_t port_num = 1ULL << 1;
inline constexpr std::uint64_t options = 1ULL << 2;
inline constexpr std::uint64_t m_key = 1ULL << 3;
inline constexpr std::uint64_t gid_prefix = 1ULL << 4;
inline constexpr std::uint64_t lid = 1ULL << 5;
inline constexpr std::uint64_t master_sm_lid = 1ULL << 6;
inline constexpr std::uint64_t capability_mask = 1ULL << 7;
inline constexpr std::uint64_t diag_code = 1ULL << 8;
inline constexpr std::uint64_t m_key_lease_period = 1ULL << 9;
inline constexpr std::uint64_t local_port_num = 1ULL << 10;
inline constexpr std::uint64_t link_width_enabled = 1ULL << 11;
inline constexpr std::uint64_t link_width_supported = 1ULL << 12;
inline constexpr std::uint64_t link_width_active = 1ULL << 13;
inline constexpr std::uint64_t link_speed_supported = 1ULL << 14;
inline constexpr std::uint64_t port_state = 1ULL << 15;
inline constexpr std::uint64_t port_phys_state = 1ULL << 16;
inline constexpr std::uint64_t link_down_default_state = 1ULL << 17;
inline constexpr std::uint64_t m_key_protect_bits = 1ULL << 18;
inline constexpr std::uint64_t lmc = 1ULL << 20;
}  // namespace port_info_record_comp

// AttributeModifier of srp_daemon's "mask match" PortInfoRecord GetTable: match records whose
// CapabilityMask has every bit of the query's CapabilityMask (OpenSM; IBA 1.2 errata). Send it
// only when ClassPortInfo says is_port_info_cap_mask_match_supported.
inline constexpr std::uint32_t kPortInfoCapMaskMatchAttrMod = 1U << 31;

// PortInfoRecord (68 defined bytes; OpenSM sends a 72-byte stride).
struct PortInfoRecord {
    static constexpr std::string_view kName = "PortInfoRecord";
    static constexpr std::uint16_t kAttributeId = sa_attr::port_info_record;
    static constexpr std::size_t kWireSize = layout::port_info_record::size;

    Lid endport_lid = 0;
    std::uint8_t port_num = 0;
    std::uint8_t options = 0;
    PortInfo port_info;

    static Result<PortInfoRecord> decode(std::span<const std::uint8_t> bytes);
    std::array<std::uint8_t, kWireSize> encode() const;

    friend bool operator==(const PortInfoRecord&, const PortInfoRecord&) = default;
};

// PathRecord component-mask bits (kernel ib_sa.h IB_SA_PATH_REC_*).
namespace path_record_comp {
inline constexpr std::uint64_t service_id = (1ULL << 0) | (1ULL << 1);
inline constexpr std::uint64_t dgid = 1ULL << 2;
inline constexpr std::uint64_t sgid = 1ULL << 3;
inline constexpr std::uint64_t dlid = 1ULL << 4;
inline constexpr std::uint64_t slid = 1ULL << 5;
inline constexpr std::uint64_t raw_traffic = 1ULL << 6;
inline constexpr std::uint64_t flow_label = 1ULL << 8;
inline constexpr std::uint64_t hop_limit = 1ULL << 9;
inline constexpr std::uint64_t tclass = 1ULL << 10;
inline constexpr std::uint64_t reversible = 1ULL << 11;
inline constexpr std::uint64_t numb_path = 1ULL << 12;
inline constexpr std::uint64_t pkey = 1ULL << 13;
inline constexpr std::uint64_t qos_class = 1ULL << 14;
inline constexpr std::uint64_t sl = 1ULL << 15;
inline constexpr std::uint64_t mtu_selector = 1ULL << 16;
inline constexpr std::uint64_t mtu = 1ULL << 17;
inline constexpr std::uint64_t rate_selector = 1ULL << 18;
inline constexpr std::uint64_t rate = 1ULL << 19;
inline constexpr std::uint64_t packet_life_selector = 1ULL << 20;
inline constexpr std::uint64_t packet_life = 1ULL << 21;
inline constexpr std::uint64_t preference = 1ULL << 22;
}  // namespace path_record_comp

struct PathRecord {
    static constexpr std::string_view kName = "PathRecord";
    static constexpr std::uint16_t kAttributeId = sa_attr::path_record;
    static constexpr std::size_t kWireSize = layout::path_record::size;

    std::uint64_t service_id = 0;
    Gid dgid;
    Gid sgid;
    Lid dlid = 0;
    Lid slid = 0;
    bool raw_traffic = false;
    std::uint32_t flow_label = 0;  // 20 bits
    std::uint8_t hop_limit = 0;
    std::uint8_t tclass = 0;
    bool reversible = false;
    std::uint8_t numb_path = 0;  // 7 bits
    PKey pkey = 0;
    std::uint16_t qos_class = 0;            // 12 bits
    std::uint8_t sl = 0;                    // 4 bits
    std::uint8_t mtu_selector = 0;          // 2 bits
    std::uint8_t mtu = 0;                   // 6 bits
    std::uint8_t rate_selector = 0;         // 2 bits
    std::uint8_t rate = 0;                  // 6 bits
    std::uint8_t packet_life_selector = 0;  // 2 bits
    std::uint8_t packet_life = 0;           // 6 bits
    std::uint8_t preference = 0;

    static Result<PathRecord> decode(std::span<const std::uint8_t> bytes);
    std::array<std::uint8_t, kWireSize> encode() const;

    friend bool operator==(const PathRecord&, const PathRecord&) = default;
};

// Generic notice types and producer types (kernel ib_mad.h IB_NOTICE_TYPE_* / IB_NOTICE_PROD_*).
namespace notice_type {
inline constexpr std::uint8_t fatal = 0;
inline constexpr std::uint8_t urgent = 1;
inline constexpr std::uint8_t security = 2;
inline constexpr std::uint8_t subnet_mgmt = 3;
inline constexpr std::uint8_t info = 4;
}  // namespace notice_type
namespace producer_type {
inline constexpr std::uint32_t channel_adapter = 1;
inline constexpr std::uint32_t switch_ = 2;
inline constexpr std::uint32_t router = 3;
inline constexpr std::uint32_t class_manager = 4;
}  // namespace producer_type

// Trap numbers srpadm handles.
namespace trap {
inline constexpr std::uint16_t gid_in_service = 64;
inline constexpr std::uint16_t gid_out_of_service = 65;
inline constexpr std::uint16_t local_changes = 144;  // port capability mask changed
inline constexpr std::uint16_t system_image_guid_changed = 145;
}  // namespace trap

// What an InformInfo subscription asks for: a generic trap number and the Type and
// ProducerType an SA compares with the Notice. 0xFFFF (Type) and 0xFFFFFF (ProducerType) match
// anything in OpenSM.
struct TrapSubscription {
    std::uint16_t trap_number = 0;
    std::uint16_t type = 0;
    std::uint32_t producer_type = 0;  // 24 bits
};

namespace subscription {
inline constexpr std::uint16_t any_type = 0xffff;
inline constexpr std::uint32_t any_producer = 0xffffff;
// srp_daemon's two subscriptions (srp_handle_traps.c register_to_trap).
inline constexpr TrapSubscription gid_in_service{trap::gid_in_service, notice_type::subnet_mgmt,
                                                 producer_type::class_manager};
inline constexpr TrapSubscription local_changes{trap::local_changes, notice_type::info,
                                                producer_type::channel_adapter};
// OpenSM issues trap 65 as Type 3 (SM) from a class manager, like 64 (osm_drop_mgr.c).
inline constexpr TrapSubscription gid_out_of_service{
    trap::gid_out_of_service, notice_type::subnet_mgmt, producer_type::class_manager};
// Trap 145 comes from the node whose GUID changed; its Type/ProducerType were not verified,
// so this subscription uses the wildcards.
inline constexpr TrapSubscription system_image_guid_changed{trap::system_image_guid_changed,
                                                            any_type, any_producer};
}  // namespace subscription

// Component-mask bits srp_daemon sets on Set(InformInfo) (srp_ib_types.h SRP_INFORMINFO_*):
// InformInfo fields in IBA order. Whether SAs honour them is not known.
namespace inform_info_comp {
inline constexpr std::uint64_t gid = 1ULL << 0;
inline constexpr std::uint64_t lid_range_begin = 1ULL << 1;
inline constexpr std::uint64_t lid_range_end = 1ULL << 2;
inline constexpr std::uint64_t is_generic = 1ULL << 4;
inline constexpr std::uint64_t subscribe = 1ULL << 5;
inline constexpr std::uint64_t type = 1ULL << 6;
inline constexpr std::uint64_t trap_number = 1ULL << 7;
inline constexpr std::uint64_t qpn = 1ULL << 8;
inline constexpr std::uint64_t resp_time_value = 1ULL << 10;
inline constexpr std::uint64_t producer_type = 1ULL << 12;
}  // namespace inform_info_comp

struct InformInfo {
    static constexpr std::string_view kName = "InformInfo";
    static constexpr std::uint16_t kAttributeId = attr::inform_info;
    static constexpr std::size_t kWireSize = layout::inform_info::size;
    static constexpr Lid kAllLids = 0xffff;  // LIDRangeBegin value meaning "every LID"

    Gid gid;
    Lid lid_range_begin = 0;
    Lid lid_range_end = 0;
    std::uint8_t is_generic = 0;
    std::uint8_t subscribe = 0;
    std::uint16_t type = 0;
    std::uint16_t trap_number = 0;     // DeviceID when not generic
    std::uint32_t qpn = 0;             // 24 bits
    std::uint8_t resp_time_value = 0;  // 5 bits
    std::uint32_t producer_type = 0;   // 24 bits; VendorID when not generic

    // srp_daemon's request: LIDRangeBegin 0xFFFF, IsGeneric 1, Subscribe 1, the trap, Type and
    // ProducerType of `s`; send it with method Set and subscribe_comp_mask().
    static InformInfo subscribe_to(const TrapSubscription& s);
    // The matching unsubscribe (Subscribe 0); srp_daemon also names its QPN.
    static InformInfo unsubscribe_from(const TrapSubscription& s, std::uint32_t qpn);
    // srp_daemon's component mask for this request (QPN added when unsubscribing).
    std::uint64_t srp_daemon_comp_mask() const;

    static Result<InformInfo> decode(std::span<const std::uint8_t> bytes);
    std::array<std::uint8_t, kWireSize> encode() const;

    friend bool operator==(const InformInfo&, const InformInfo&) = default;
};

}  // namespace srpadm::wire
