#include <algorithm>

#include <srpadm/wire/sa_records.hpp>

#include "codec.hpp"

namespace srpadm::wire {

namespace {

namespace ln = layout::node_record;
namespace lp = layout::port_info;
namespace lpr = layout::port_info_record;
namespace lpath = layout::path_record;
namespace li = layout::inform_info;

constexpr auto kNodeRecordFields = [](auto& r, auto& io) {
    io(ln::lid, r.lid);
    io(ln::base_version, r.base_version);
    io(ln::class_version, r.class_version);
    io(ln::node_type, r.node_type);
    io(ln::num_ports, r.num_ports);
    io(ln::system_image_guid, r.system_image_guid);
    io(ln::node_guid, r.node_guid);
    io(ln::port_guid, r.port_guid);
    io(ln::partition_cap, r.partition_cap);
    io(ln::device_id, r.device_id);
    io(ln::revision, r.revision);
    io(ln::local_port_num, r.local_port_num);
    io(ln::vendor_id, r.vendor_id);
    io(ln::node_description, r.node_description);
};

// The typed PortInfo members; every other bit travels in PortInfo::other.
constexpr auto kPortInfoFields = [](auto& p, auto& io) {
    io(lp::m_key, p.m_key);
    io(lp::gid_prefix, p.gid_prefix);
    io(lp::lid, p.lid);
    io(lp::master_sm_lid, p.master_sm_lid);
    io(lp::capability_mask, p.capability_mask);
    io(lp::diag_code, p.diag_code);
    io(lp::m_key_lease_period, p.m_key_lease_period);
    io(lp::local_port_num, p.local_port_num);
    io(lp::link_width_active, p.link_width_active);
    io(lp::port_state, p.port_state);
    io(lp::port_phys_state, p.port_phys_state);
    io(lp::lmc, p.lmc);
    io(lp::link_speed_active, p.link_speed_active);
    io(lp::neighbor_mtu, p.neighbor_mtu);
    io(lp::master_sm_sl, p.master_sm_sl);
    io(lp::capability_mask2, p.capability_mask2);
};

constexpr auto kPathRecordFields = [](auto& r, auto& io) {
    io(lpath::service_id, r.service_id);
    io(lpath::dgid, r.dgid);
    io(lpath::sgid, r.sgid);
    io(lpath::dlid, r.dlid);
    io(lpath::slid, r.slid);
    io(lpath::raw_traffic, r.raw_traffic);
    io(lpath::flow_label, r.flow_label);
    io(lpath::hop_limit, r.hop_limit);
    io(lpath::tclass, r.tclass);
    io(lpath::reversible, r.reversible);
    io(lpath::numb_path, r.numb_path);
    io(lpath::pkey, r.pkey);
    io(lpath::qos_class, r.qos_class);
    io(lpath::sl, r.sl);
    io(lpath::mtu_selector, r.mtu_selector);
    io(lpath::mtu, r.mtu);
    io(lpath::rate_selector, r.rate_selector);
    io(lpath::rate, r.rate);
    io(lpath::packet_life_selector, r.packet_life_selector);
    io(lpath::packet_life, r.packet_life);
    io(lpath::preference, r.preference);
};

constexpr auto kInformInfoFields = [](auto& r, auto& io) {
    io(li::gid, r.gid);
    io(li::lid_range_begin, r.lid_range_begin);
    io(li::lid_range_end, r.lid_range_end);
    io(li::is_generic, r.is_generic);
    io(li::subscribe, r.subscribe);
    io(li::type, r.type);
    io(li::trap_number, r.trap_number);
    io(li::qpn, r.qpn);
    io(li::resp_time_value, r.resp_time_value);
    io(li::producer_type, r.producer_type);
};

}  // namespace

Result<NodeRecord> NodeRecord::decode(std::span<const std::uint8_t> bytes) {
    return detail::decode_fields<NodeRecord>(bytes, kNodeRecordFields);
}
std::array<std::uint8_t, NodeRecord::kWireSize> NodeRecord::encode() const {
    return detail::encode_fields(*this, kNodeRecordFields);
}

Result<PortInfo> PortInfo::decode(std::span<const std::uint8_t> bytes) {
    auto value = detail::decode_fields<PortInfo>(bytes, kPortInfoFields);
    if (!value) {
        return value;
    }
    // Keep every byte, then zero the bits the typed members carry.
    std::copy_n(bytes.begin(), kWireSize, value->other.begin());
    const PortInfo zero{};
    detail::FieldWriter clear(value->other);
    kPortInfoFields(zero, clear);
    return value;
}
std::array<std::uint8_t, PortInfo::kWireSize> PortInfo::encode() const {
    std::array<std::uint8_t, kWireSize> out = other;
    detail::FieldWriter writer(out);
    kPortInfoFields(*this, writer);
    return out;
}

Result<PortInfoRecord> PortInfoRecord::decode(std::span<const std::uint8_t> bytes) {
    if (bytes.size() < kWireSize) {
        return Unexpected(detail::too_short(kName, bytes.size(), kWireSize));
    }
    ByteReader reader(bytes);
    PortInfoRecord r;
    r.endport_lid = static_cast<Lid>(reader.number(lpr::endport_lid));
    r.port_num = static_cast<std::uint8_t>(reader.number(lpr::port_num));
    r.options = static_cast<std::uint8_t>(reader.number(lpr::options));
    auto info = PortInfo::decode(bytes.subspan(lpr::port_info_offset));
    if (!info) {
        return Unexpected(info.error());
    }
    r.port_info = *info;
    return r;
}
std::array<std::uint8_t, PortInfoRecord::kWireSize> PortInfoRecord::encode() const {
    std::array<std::uint8_t, kWireSize> out{};
    ByteWriter writer(out);
    writer.number(lpr::endport_lid, endport_lid);
    writer.number(lpr::port_num, port_num);
    writer.number(lpr::options, options);
    writer.copy(lpr::port_info, port_info.encode());
    return out;
}

Result<PathRecord> PathRecord::decode(std::span<const std::uint8_t> bytes) {
    return detail::decode_fields<PathRecord>(bytes, kPathRecordFields);
}
std::array<std::uint8_t, PathRecord::kWireSize> PathRecord::encode() const {
    return detail::encode_fields(*this, kPathRecordFields);
}

InformInfo InformInfo::subscribe_to(const TrapSubscription& s) {
    InformInfo i;
    i.lid_range_begin = kAllLids;
    i.is_generic = 1;
    i.subscribe = 1;
    i.type = s.type;
    i.trap_number = s.trap_number;
    i.producer_type = s.producer_type;
    return i;
}

InformInfo InformInfo::unsubscribe_from(const TrapSubscription& s, std::uint32_t qpn) {
    InformInfo i = subscribe_to(s);
    i.subscribe = 0;
    i.qpn = qpn;
    return i;
}

std::uint64_t InformInfo::srp_daemon_comp_mask() const {
    std::uint64_t mask = inform_info_comp::lid_range_begin | inform_info_comp::is_generic |
                         inform_info_comp::subscribe | inform_info_comp::type |
                         inform_info_comp::trap_number | inform_info_comp::producer_type;
    if (subscribe == 0) {
        mask |= inform_info_comp::qpn;
    }
    return mask;
}

Result<InformInfo> InformInfo::decode(std::span<const std::uint8_t> bytes) {
    return detail::decode_fields<InformInfo>(bytes, kInformInfoFields);
}
std::array<std::uint8_t, InformInfo::kWireSize> InformInfo::encode() const {
    return detail::encode_fields(*this, kInformInfoFields);
}

}  // namespace srpadm::wire
