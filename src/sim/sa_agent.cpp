// The simulated SA, answering as OpenSM 3.3 does (osm_sa.c, osm_sa_*_record.c,
// osm_sa_informinfo.c, osm_inform.c):
// - Get with no record: status 0x0300 (no records); with more than one: 0x0400 (too many).
//   Both, like every error, echo the whole request (osm_sa_send_error): status set, method
//   with the response bit (Set becomes GetResp), SM_Key 0, AttributeOffset 0 for GetTable.
// - GetTable: one reassembled buffer of any size; an empty table is the 56-byte header with
//   AttributeOffset 0.
// - Records are filtered by P_Key sharing between the requester's port and each record's
//   port (NodeRecord, PortInfoRecord); PathRecords need the requester, the source and the
//   destination to share a partition pairwise.
// - PortInfoRecord CapabilityMask with AttributeModifier bit 31: every bit given must be set
//   (mask-match mode only; an old SM compares exactly).
// - PathRecord P_Key: with the P_Key component the ports must share that P_Key and the record
//   carries the requested value; without it, OpenSM's first common P_Key (the source's entry).
// - InformInfo Set subscribes or unsubscribes and is answered with the InformInfo; an
//   unsubscribe that matches nothing is refused with 0x0200 (request invalid).
#include <algorithm>

#include <srpadm/sim/agents.hpp>
#include <srpadm/wire/class_port_info.hpp>
#include <srpadm/wire/message.hpp>
#include <srpadm/wire/notice.hpp>
#include <srpadm/wire/sa_records.hpp>

namespace srpadm::sim {
namespace {

// OpenSM 3.3 answers ClassPortInfo with 0x2602 (seen under ibsim): IsGetSetNotice,
// UDMulticast, MultiPath and, in mask-match mode, IsPortInfoCapMaskMatch.
constexpr std::uint16_t kSaCapabilities = wire::class_cap::is_get_set_notice_supported |
                                          wire::sa_cap::is_ud_multicast_supported |
                                          wire::sa_cap::is_multi_path_supported;
constexpr std::uint8_t kPathMtu = 4;      // 2048
constexpr std::uint8_t kPathRate = 16;    // 100 Gb/s (4x EDR)
constexpr std::uint8_t kPacketLife = 18;  // OpenSM's default subnet timeout
constexpr std::uint8_t kSelectorExactly = 2;
constexpr std::uint16_t kPartitionCap = 128;

std::uint16_t sa_code(std::uint8_t code) {
    return static_cast<std::uint16_t>(code << 8);
}

// The error answer: the request echoed with `status` (osm_sa_send_error).
Bytes error_echo(std::span<const std::uint8_t> request, const wire::SaMad& req,
                 std::uint16_t status) {
    Bytes out(wire::kMadSize, 0);
    std::copy_n(request.begin(), std::min(request.size(), out.size()), out.begin());
    std::uint8_t method = req.header.method_byte();
    wire::SaHeader sa = req.sa;
    sa.sm_key = 0;
    if (method == wire::method::set) {
        method = wire::method::get;
    } else if (method == wire::method::get_table) {
        sa.attr_offset = 0;
    }
    const auto header =
        req.header.reply(static_cast<std::uint8_t>(method | wire::method::response_bit), status)
            .encode();
    std::copy(header.begin(), header.end(), out.begin());
    const auto sa_bytes = sa.encode();
    std::copy(sa_bytes.begin(), sa_bytes.end(),
              out.begin() + static_cast<std::ptrdiff_t>(wire::kSaHeaderOffset));
    return out;
}

// Get: one record in a 256-byte GetResp. GetTable: every record, any size.
template <wire::SaRecord R>
Bytes records_answer(std::span<const std::uint8_t> request, const wire::SaMad& req,
                     const std::vector<R>& records) {
    wire::SaHeader sa = req.sa;
    sa.sm_key = 0;
    if (req.header.method_byte() == wire::method::get_table) {
        if (records.empty()) {
            // OpenSM writes AttributeOffset 0 when there is no record.
            sa.attr_offset = 0;
            return wire::sa_table_frame(req.header.reply(wire::method::get_table_resp),
                                        wire::RmppHeader::reassembled_response(0), sa, 0);
        }
        return wire::encode_sa_table_response<R>(req.header.reply(wire::method::get_table_resp), sa,
                                                 std::span<const R>(records));
    }
    if (records.empty()) {
        return error_echo(request, req, sa_code(wire::sa_status::no_records));
    }
    if (records.size() > 1) {
        return error_echo(request, req, sa_code(wire::sa_status::too_many_records));
    }
    sa.attr_offset = wire::SaHeader::attr_offset_for(R::kWireSize);
    const auto data = records.front().encode();
    auto mad = wire::build_sa_mad(req.header.reply(wire::method::get_resp), req.rmpp, sa, data);
    return Bytes(mad->begin(), mad->end());
}

bool shares(const Fabric& f, PortRef a, PortRef b) {
    return ports_share_pkey(f.port(a), f.port(b));
}

// The port whose P_Key table stands for `ref` (a switch's external ports use port 0's).
PortRef pkey_holder(const Fabric& f, PortRef ref) {
    return f.node(ref).type == NodeType::switch_node ? PortRef{ref.node, 0} : ref;
}

std::vector<std::size_t> nodes_by_guid(const Fabric& f) {
    std::vector<std::size_t> order(f.nodes.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        order[i] = i;
    }
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return f.nodes[a].node_guid < f.nodes[b].node_guid;
    });
    return order;
}

wire::NodeRecord node_record(const Fabric& f, PortRef ref) {
    const Node& n = f.node(ref);
    const Port& p = f.port(ref);
    wire::NodeRecord r;
    r.lid = p.lid;
    r.base_version = 1;
    r.class_version = 1;
    r.node_type = static_cast<std::uint8_t>(n.type);
    r.num_ports = n.num_ports;
    r.system_image_guid = n.system_image_guid;
    r.node_guid = n.node_guid;
    r.port_guid = p.guid;
    r.partition_cap = kPartitionCap;
    r.device_id = static_cast<std::uint16_t>(n.device_id);
    r.revision = n.revision;
    r.local_port_num = p.num;
    r.vendor_id = n.vendor_id & 0xffffff;
    r.node_description = wire::WireString<64>::from_text(n.description);
    return r;
}

wire::PortInfoRecord port_info_record(const Fabric& f, PortRef ref) {
    const Node& n = f.node(ref);
    const Port& p = f.port(ref);
    const Port& base = n.type == NodeType::switch_node ? *n.port(0) : p;
    wire::PortInfoRecord r;
    r.endport_lid = base.lid;
    r.port_num = p.num;
    auto& pi = r.port_info;
    pi.gid_prefix = f.subnet_prefix;
    pi.lid = n.is_end_port(p) ? p.lid : 0;
    pi.master_sm_lid = f.sm_lid();
    pi.capability_mask = n.is_end_port(p) ? p.capability_mask : 0;
    pi.local_port_num = p.num;
    pi.link_width_active = 2;  // 4x
    pi.port_state = static_cast<std::uint8_t>(p.state);
    pi.port_phys_state = p.state == model::PortState::active ? 5 : 3;
    pi.lmc = n.is_end_port(p) ? p.lmc : 0;
    pi.link_speed_active = 1;
    pi.neighbor_mtu = 5;
    return r;
}

}  // namespace

std::optional<Bytes> SaAgent::handle(PortRef requester, std::span<const std::uint8_t> request) {
    auto decoded = wire::decode_sa_mad(request);
    if (!decoded || decoded->header.response) {
        return std::nullopt;
    }
    const wire::SaMad& req = *decoded;
    const std::uint8_t method = req.header.method_byte();
    if (req.header.class_version != wire::class_version::sa) {
        return error_echo(request, req, wire::status::bad_version);
    }
    const bool get = method == wire::method::get;
    const bool table = method == wire::method::get_table;
    constexpr std::uint8_t kSaMethods[] = {wire::method::get,
                                           wire::method::set,
                                           wire::method::get_table,
                                           wire::method::get_multi,
                                           wire::method::get_trace_table,
                                           wire::method::delete_};
    if (std::find(std::begin(kSaMethods), std::end(kSaMethods), method) == std::end(kSaMethods)) {
        return error_echo(request, req, wire::status::method_unsupported);
    }
    const std::uint64_t mask = req.sa.comp_mask;
    const Fabric& f = fabric_;

    const std::uint16_t attr = req.header.attr_id;
    const bool record_query = attr == wire::sa_attr::node_record ||
                              attr == wire::sa_attr::port_info_record ||
                              attr == wire::sa_attr::path_record;
    if (record_query && !get && !table) {
        return error_echo(request, req, wire::status::method_attr_unsupported);
    }
    switch (attr) {
        case wire::attr::class_port_info: {
            if (!get) {
                return error_echo(request, req, wire::status::method_attr_unsupported);
            }
            wire::ClassPortInfo cpi;
            cpi.base_version = 1;
            cpi.class_version = wire::class_version::sa;
            cpi.capability_mask = kSaCapabilities;
            if (f.sa_mode == SaMode::mask_match) {
                cpi.capability_mask |= wire::sa_cap::is_port_info_cap_mask_match_supported;
            }
            cpi.resp_time_value = f.sa_resp_time_value;
            wire::SaHeader sa = req.sa;
            sa.sm_key = 0;
            auto mad = wire::build_sa_mad(req.header.reply(wire::method::get_resp), req.rmpp, sa,
                                          cpi.encode());
            return Bytes(mad->begin(), mad->end());
        }
        case wire::sa_attr::node_record: {
            const auto want = wire::NodeRecord::decode(req.data).value_or(wire::NodeRecord{});
            namespace c = wire::node_record_comp;
            std::vector<wire::NodeRecord> out;
            for (const std::size_t n : nodes_by_guid(f)) {
                for (const Port& p : f.nodes[n].ports) {
                    const PortRef ref{n, p.num};
                    if (!f.nodes[n].is_end_port(p) || p.lid == 0 ||
                        p.state != model::PortState::active || !shares(f, requester, ref)) {
                        continue;
                    }
                    const auto r = node_record(f, ref);
                    if (((mask & c::lid) != 0 &&
                         (want.lid < p.lid || want.lid >= p.lid + (1U << p.lmc))) ||
                        ((mask & c::node_type) != 0 && want.node_type != r.node_type) ||
                        ((mask & c::system_image_guid) != 0 &&
                         want.system_image_guid != r.system_image_guid) ||
                        ((mask & c::node_guid) != 0 && want.node_guid != r.node_guid) ||
                        ((mask & c::port_guid) != 0 && want.port_guid != r.port_guid) ||
                        ((mask & c::local_port_num) != 0 &&
                         want.local_port_num != r.local_port_num)) {
                        continue;
                    }
                    out.push_back(r);
                }
            }
            return records_answer(request, req, out);
        }
        case wire::sa_attr::port_info_record: {
            const auto want =
                wire::PortInfoRecord::decode(req.data).value_or(wire::PortInfoRecord{});
            namespace c = wire::port_info_record_comp;
            const bool any_bit = f.sa_mode == SaMode::mask_match &&
                                 (req.header.attr_mod & wire::kPortInfoCapMaskMatchAttrMod) != 0;
            std::vector<wire::PortInfoRecord> out;
            for (const std::size_t n : nodes_by_guid(f)) {
                const Node& node = f.nodes[n];
                for (const Port& p : node.ports) {
                    const PortRef ref{n, p.num};
                    const bool linked = node.is_end_port(p) || p.peer_node != kNoNode;
                    if (!linked || !shares(f, requester, pkey_holder(f, ref))) {
                        continue;
                    }
                    const auto r = port_info_record(f, ref);
                    if (r.endport_lid == 0) {
                        continue;
                    }
                    const auto& pi = r.port_info;
                    const Port& base = node.type == NodeType::switch_node ? *node.port(0) : p;
                    const bool cap_ok =
                        any_bit ? (pi.capability_mask & want.port_info.capability_mask) ==
                                      want.port_info.capability_mask
                                : pi.capability_mask == want.port_info.capability_mask;
                    if (((mask & c::endport_lid) != 0 &&
                         (want.endport_lid < base.lid ||
                          want.endport_lid >= base.lid + (1U << base.lmc))) ||
                        ((mask & c::port_num) != 0 && want.port_num != r.port_num) ||
                        ((mask & c::gid_prefix) != 0 &&
                         want.port_info.gid_prefix != pi.gid_prefix) ||
                        ((mask & c::lid) != 0 && want.port_info.lid != pi.lid) ||
                        ((mask & c::master_sm_lid) != 0 &&
                         want.port_info.master_sm_lid != pi.master_sm_lid) ||
                        ((mask & c::capability_mask) != 0 && !cap_ok) ||
                        ((mask & c::port_state) != 0 &&
                         want.port_info.port_state != pi.port_state) ||
                        ((mask & c::lmc) != 0 && want.port_info.lmc != pi.lmc)) {
                        continue;
                    }
                    out.push_back(r);
                }
            }
            return records_answer(request, req, out);
        }
        case wire::sa_attr::path_record: {
            const auto want = wire::PathRecord::decode(req.data).value_or(wire::PathRecord{});
            namespace c = wire::path_record_comp;
            const auto endpoint = [&](bool has_gid, const Gid& gid, bool has_lid,
                                      Lid lid) -> std::pair<std::uint16_t, std::optional<PortRef>> {
                if (has_gid) {
                    if (gid.prefix() != f.subnet_prefix && gid.prefix() != kDefaultSubnetPrefix) {
                        return {sa_code(wire::sa_status::invalid_gid), std::nullopt};
                    }
                    const auto p = f.by_port_guid(gid.guid());
                    if (!p) {
                        return {sa_code(wire::sa_status::invalid_gid), std::nullopt};
                    }
                    return {0, p};
                }
                if (has_lid) {
                    const auto p = f.by_lid(lid);
                    if (!p) {
                        return {sa_code(wire::sa_status::no_records), std::nullopt};
                    }
                    return {0, p};
                }
                return {0, std::nullopt};
            };
            const auto [src_status, src] =
                endpoint((mask & c::sgid) != 0, want.sgid, (mask & c::slid) != 0, want.slid);
            const auto [dst_status, dst] =
                endpoint((mask & c::dgid) != 0, want.dgid, (mask & c::dlid) != 0, want.dlid);
            if (src_status != 0 || dst_status != 0) {
                return error_echo(request, req, src_status != 0 ? src_status : dst_status);
            }
            // Every end port, only when a side is left open (a scan per query is costly on
            // large fabrics).
            const auto ports = src && dst ? std::vector<PortRef>{} : f.end_ports();
            std::vector<PortRef> sources = src ? std::vector<PortRef>{*src} : ports;
            std::vector<PortRef> dests = dst ? std::vector<PortRef>{*dst} : ports;
            std::vector<wire::PathRecord> out;
            for (const PortRef d : dests) {
                for (const PortRef s : sources) {
                    const Port& sp = f.port(s);
                    const Port& dp = f.port(d);
                    if (sp.lid == 0 || dp.lid == 0 || sp.state != model::PortState::active ||
                        dp.state != model::PortState::active || !shares(f, requester, s) ||
                        !shares(f, requester, d) || !shares(f, s, d)) {
                        continue;
                    }
                    std::optional<PKey> pkey;
                    const bool raw = (mask & c::raw_traffic) != 0 && want.raw_traffic;
                    if (!raw && (mask & c::pkey) != 0) {
                        if (!ports_share_this_pkey(sp, dp, want.pkey)) {
                            continue;
                        }
                        pkey = want.pkey;
                    } else {
                        pkey = first_common_pkey(sp, dp);
                        if (!pkey) {
                            continue;
                        }
                    }
                    wire::PathRecord r;
                    r.service_id = want.service_id;
                    r.dgid = f.gid(d);
                    r.sgid = f.gid(s);
                    r.dlid = (mask & c::dlid) != 0 ? want.dlid : dp.lid;
                    r.slid = (mask & c::slid) != 0 ? want.slid : sp.lid;
                    r.raw_traffic = raw;
                    r.pkey = raw ? 0 : *pkey;
                    r.mtu_selector = kSelectorExactly;
                    r.mtu = kPathMtu;
                    r.rate_selector = kSelectorExactly;
                    r.rate = kPathRate;
                    r.packet_life_selector = kSelectorExactly;
                    r.packet_life = s == d ? 0 : kPacketLife;
                    r.reversible = true;
                    out.push_back(r);
                    if (get) {
                        break;  // OpenSM stops at the first path for a Get
                    }
                }
                if (get && !out.empty()) {
                    break;
                }
            }
            return records_answer(request, req, out);
        }
        case wire::attr::inform_info:
            if (method != wire::method::set) {
                return error_echo(request, req, wire::status::method_attr_unsupported);
            }
            return inform_info(requester, request);
        default:
            break;
    }
    return error_echo(request, req, wire::status::method_attr_unsupported);
}

std::optional<Bytes> SaAgent::inform_info(PortRef requester,
                                          std::span<const std::uint8_t> request) {
    const auto req = wire::decode_sa_mad(request).value();
    auto info = wire::InformInfo::decode(req.data);
    if (!info || info->is_generic == 0) {
        return error_echo(request, req, sa_code(wire::sa_status::req_invalid));
    }
    Subscription s;
    s.subscriber = requester;
    s.lid = fabric_.port(requester).lid;
    s.trap_number = info->trap_number;
    s.type = info->type;
    s.producer_type = info->producer_type;
    s.lid_range_begin = info->lid_range_begin;
    s.lid_range_end = info->lid_range_end;
    s.qpn = info->qpn;
    const auto same = [&](const Subscription& o) {
        return o.subscriber == s.subscriber && o.trap_number == s.trap_number && o.type == s.type &&
               o.producer_type == s.producer_type;
    };
    if (info->subscribe != 0) {
        if (std::none_of(subscriptions_.begin(), subscriptions_.end(), same)) {
            subscriptions_.push_back(s);
        }
    } else {
        const auto before = subscriptions_.size();
        subscriptions_.erase(std::remove_if(subscriptions_.begin(), subscriptions_.end(), same),
                             subscriptions_.end());
        if (subscriptions_.size() == before) {
            return error_echo(request, req, sa_code(wire::sa_status::req_invalid));
        }
    }
    wire::SaHeader sa = req.sa;
    sa.sm_key = 0;
    auto mad =
        wire::build_sa_mad(req.header.reply(wire::method::get_resp), req.rmpp, sa, info->encode());
    return Bytes(mad->begin(), mad->end());
}

std::vector<Report> SaAgent::reports(const Trap& trap) {
    const Fabric& f = fabric_;
    const Port* subject = f.find_port(trap.subject);
    if (subject == nullptr) {
        return {};
    }
    wire::NoticeDetails details;
    Lid issuer_lid = f.sm_lid();
    Gid issuer_gid = f.gid(f.sm);
    switch (trap.number) {
        case wire::trap::gid_in_service:
            details = wire::GidInService{f.gid(trap.subject)};
            break;
        case wire::trap::gid_out_of_service:
            details = wire::GidOutOfService{f.gid(trap.subject)};
            break;
        case wire::trap::local_changes: {
            wire::LocalChanges lc;
            lc.lid = subject->lid;
            lc.capability_mask = trap.capability_mask;
            details = lc;
            issuer_lid = subject->lid;
            issuer_gid = f.gid(trap.subject);
            break;
        }
        case wire::trap::system_image_guid_changed:
            details =
                wire::SystemImageGuidChanged{subject->lid, f.node(trap.subject).system_image_guid};
            issuer_lid = subject->lid;
            issuer_gid = f.gid(trap.subject);
            break;
        default:
            return {};
    }
    const auto notice = wire::Notice::generic(details, issuer_lid, issuer_gid);
    std::vector<Report> out;
    for (const auto& s : subscriptions_) {
        const bool trap_ok = s.trap_number == 0xffff || s.trap_number == trap.number;
        const bool type_ok = s.type == wire::subscription::any_type || s.type == notice.type;
        const bool producer_ok = s.producer_type == wire::subscription::any_producer ||
                                 s.producer_type == notice.producer_type;
        const bool range_ok = s.lid_range_begin == wire::InformInfo::kAllLids ||
                              (subject->lid >= s.lid_range_begin &&
                               subject->lid <= std::max(s.lid_range_begin, s.lid_range_end));
        // OpenSM reports traps 64-67 only to subscribers that share a partition with the
        // port the GID belongs to.
        const bool pkey_ok = (trap.number != wire::trap::gid_in_service &&
                              trap.number != wire::trap::gid_out_of_service) ||
                             shares(f, s.subscriber, trap.subject);
        if (!trap_ok || !type_ok || !producer_ok || !range_ok || !pkey_ok) {
            continue;
        }
        Report r;
        r.to = s.subscriber;
        r.lid = s.lid;
        r.tid = next_tid_++;
        r.trap_number = trap.number;
        const auto header =
            wire::MadHeader::request(wire::mgmt_class::subn_adm, wire::class_version::sa,
                                     wire::method::report, wire::attr::notice, 0, r.tid);
        const auto mad =
            wire::build_sa_mad(header, std::nullopt, wire::SaHeader{}, notice.encode());
        r.mad.assign(mad->begin(), mad->end());
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace srpadm::sim
