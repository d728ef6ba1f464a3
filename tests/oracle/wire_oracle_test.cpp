// libibmad's field tables (mad_get_field, mad_get_field64, mad_get_array and the mad_set_*
// counterparts) as an independent decoder and encoder for srpadm's wire codecs.
//
// For each structure: several values (a golden fixture from tests/unit/golden, every bit set,
// pseudo-random bytes)
// are encoded by srpadm and every field libibmad knows is read back with libibmad; then
// libibmad writes the same field values into a zeroed MAD and srpadm's decoder must read them
// back. Offsets: libibmad's MAD, RMPP and SA header fields are absolute (base 0); attribute
// fields take the attribute's MAD offset as base (56 for SA data, 64 for DM data, 60 for the
// PortInfo inside a PortInfoRecord).
#include <array>
#include <cstdint>
#include <functional>
#include <random>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>
#include <infiniband/mad.h>

#include <srpadm/wire/class_port_info.hpp>
#include <srpadm/wire/layouts.hpp>
#include <srpadm/wire/mad.hpp>
#include <srpadm/wire/notice.hpp>
#include <srpadm/wire/sa_records.hpp>

#include "../unit/wire_test_support.hpp"

namespace srpadm::wire {
namespace {

using Mad = std::array<std::uint8_t, kMadSize>;

// A field libibmad knows and how to read the same field from srpadm's value.
template <class T>
struct NumberField {
    MAD_FIELDS field;
    bool wide;  // 64 bits: mad_get_field64 / mad_set_field64
    std::function<std::uint64_t(const T&)> get;
};

template <class T>
struct ArrayField {
    MAD_FIELDS field;
    std::function<std::vector<std::uint8_t>(const T&)> get;
};

template <class T>
struct Binding {
    std::vector<NumberField<T>> numbers{};
    std::vector<ArrayField<T>> arrays{};
};

template <std::size_t N>
std::vector<std::uint8_t> vec(const std::array<std::uint8_t, N>& a) {
    return {a.begin(), a.end()};
}

std::uint64_t oracle_get(Mad& mad, int base, const MAD_FIELDS field, bool wide) {
    return wide ? mad_get_field64(mad.data(), base, field) : mad_get_field(mad.data(), base, field);
}

void oracle_set(Mad& mad, int base, const MAD_FIELDS field, bool wide, std::uint64_t v) {
    if (wide) {
        mad_set_field64(mad.data(), base, field, v);
    } else {
        mad_set_field(mad.data(), base, field, static_cast<std::uint32_t>(v));
    }
}

// srpadm encodes `value` at `at`; libibmad reads every bound field (with `base` as its base
// offset) and must see the value's members.
template <class T>
void expect_libibmad_reads(const T& value, std::size_t at, int base, const Binding<T>& b) {
    Mad mad{};
    const auto bytes = value.encode();
    std::copy(bytes.begin(), bytes.end(), mad.begin() + static_cast<std::ptrdiff_t>(at));
    for (const auto& n : b.numbers) {
        EXPECT_EQ(oracle_get(mad, base, n.field, n.wide), n.get(value))
            << T::kName << " field " << mad_field_name(n.field) << " read by libibmad";
    }
    for (const auto& a : b.arrays) {
        std::vector<std::uint8_t> got(a.get(value).size());
        mad_get_array(mad.data(), base, a.field, got.data());
        EXPECT_EQ(got, a.get(value))
            << T::kName << " field " << mad_field_name(a.field) << " read by libibmad";
    }
}

// libibmad writes every bound field of `value` into a zeroed MAD; srpadm decodes the
// structure at `at` and must read the same members.
template <class T>
void expect_srpadm_reads(const T& value, std::size_t at, int base, const Binding<T>& b) {
    Mad mad{};
    for (const auto& n : b.numbers) {
        oracle_set(mad, base, n.field, n.wide, n.get(value));
    }
    for (const auto& a : b.arrays) {
        std::vector<std::uint8_t> bytes = a.get(value);
        mad_set_array(mad.data(), base, a.field, bytes.data());
    }
    const auto decoded = T::decode(std::span(mad).subspan(at));
    ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
    for (const auto& n : b.numbers) {
        EXPECT_EQ(n.get(*decoded), n.get(value))
            << T::kName << " field " << mad_field_name(n.field) << " written by libibmad";
    }
    for (const auto& a : b.arrays) {
        EXPECT_EQ(a.get(*decoded), a.get(value))
            << T::kName << " field " << mad_field_name(a.field) << " written by libibmad";
    }
}

// The values every structure is checked with: a hand-picked one, every bit set (decoded from
// 0xff bytes, so each field holds its maximum), and two pseudo-random ones.
template <class T>
std::vector<T> sample_values(const T& hand_picked) {
    std::vector<T> values{hand_picked};
    std::vector<std::uint8_t> bytes(T::kWireSize, 0xff);
    values.push_back(T::decode(bytes).value());
    std::mt19937 rng(20240611);
    for (int i = 0; i < 2; ++i) {
        for (auto& b : bytes) {
            b = static_cast<std::uint8_t>(rng());
        }
        values.push_back(T::decode(bytes).value());
    }
    return values;
}

template <class T>
void cross_check(const T& hand_picked, std::size_t at, int base, const Binding<T>& b) {
    for (const T& value : sample_values(hand_picked)) {
        expect_libibmad_reads(value, at, base, b);
        expect_srpadm_reads(value, at, base, b);
    }
}

template <class T, class M>
std::function<std::uint64_t(const T&)> member(M T::*m) {
    return [m](const T& v) { return static_cast<std::uint64_t>(v.*m); };
}

template <class T, class M>
std::function<std::vector<std::uint8_t>(const T&)> raw_member(M T::*m) {
    return [m](const T& v) { return vec((v.*m).raw); };
}

const Gid kGidA = Gid::from_parts(0xfe80000000000000, 0x0002c90300a0b1c1);
const Gid kGidB = Gid::from_parts(0xfec0000000000001, 0x0005ad00000013e9);

TEST(WireOracle, MadHeader) {
    const Binding<MadHeader> b{{
        {IB_MAD_BASEVER_F, false, member(&MadHeader::base_version)},
        {IB_MAD_MGMTCLASS_F, false, member(&MadHeader::mgmt_class)},
        {IB_MAD_CLASSVER_F, false, member(&MadHeader::class_version)},
        {IB_MAD_RESPONSE_F, false, member(&MadHeader::response)},
        {IB_MAD_METHOD_F, false, member(&MadHeader::method)},
        {IB_MAD_STATUS_F, false, member(&MadHeader::status)},
        // ClassSpecific (bytes 6-7) is where a directed-route SMP keeps its hop pointer and
        // hop count; libibmad has no generic field for it.
        {IB_DRSMP_HOPPTR_F, false, [](const MadHeader& h) { return h.class_specific >> 8; }},
        {IB_DRSMP_HOPCNT_F, false, [](const MadHeader& h) { return h.class_specific & 0xff; }},
        {IB_MAD_TRID_F, true, member(&MadHeader::tid)},
        {IB_MAD_ATTRID_F, false, member(&MadHeader::attr_id)},
        {IB_MAD_ATTRMOD_F, false, member(&MadHeader::attr_mod)},
    }};
    const MadHeader h = MadHeader::request(mgmt_class::subn_adm, class_version::sa,
                                           method::get_table_resp, sa_attr::port_info_record,
                                           kPortInfoCapMaskMatchAttrMod, 0x0123456789abcdef);
    cross_check(h, 0, 0, b);
}

TEST(WireOracle, RmppHeader) {
    const Binding<RmppHeader> b{{
        {IB_SA_RMPP_VERS_F, false, member(&RmppHeader::version)},
        {IB_SA_RMPP_TYPE_F, false, member(&RmppHeader::type)},
        {IB_SA_RMPP_RESP_F, false, member(&RmppHeader::resp_time)},
        {IB_SA_RMPP_FLAGS_F, false, member(&RmppHeader::flags)},
        {IB_SA_RMPP_STATUS_F, false, member(&RmppHeader::status)},
        {IB_SA_RMPP_SEGNUM_F, false, member(&RmppHeader::segment_number)},
        {IB_SA_RMPP_D1_F, false, member(&RmppHeader::segment_number)},
        {IB_SA_RMPP_LEN_F, false, member(&RmppHeader::payload_length)},
        {IB_SA_RMPP_NEWWIN_F, false, member(&RmppHeader::payload_length)},
    }};
    RmppHeader h = RmppHeader::reassembled_response(12345);
    h.resp_time = 0x15;
    cross_check(h, kRmppHeaderOffset, 0, b);
}

TEST(WireOracle, SaHeader) {
    const Binding<SaHeader> b{{
        {IB_SA_MKEY_F, true, member(&SaHeader::sm_key)},
        {IB_SA_ATTROFFS_F, false, member(&SaHeader::attr_offset)},
        {IB_SA_COMPMASK_F, true, member(&SaHeader::comp_mask)},
    }};
    cross_check(SaHeader{0x8000000000000001, 14, 0x0000000000402030}, kSaHeaderOffset, 0, b);
}

Binding<ClassPortInfo> class_port_info_binding() {
    using C = ClassPortInfo;
    return {{
                {IB_CPI_BASEVER_F, false, member(&C::base_version)},
                {IB_CPI_CLASSVER_F, false, member(&C::class_version)},
                {IB_CPI_CAPMASK_F, false, member(&C::capability_mask)},
                {IB_CPI_CAPMASK2_F, false, member(&C::capability_mask2)},
                {IB_CPI_RESP_TIME_VALUE_F, false, member(&C::resp_time_value)},
                {IB_CPI_REDIRECT_TC_F, false, member(&C::redirect_tc)},
                {IB_CPI_REDIRECT_SL_F, false, member(&C::redirect_sl)},
                {IB_CPI_REDIRECT_FL_F, false, member(&C::redirect_flow_label)},
                {IB_CPI_REDIRECT_LID_F, false, member(&C::redirect_lid)},
                {IB_CPI_REDIRECT_PKEY_F, false, member(&C::redirect_pkey)},
                {IB_CPI_REDIRECT_QP_F, false, member(&C::redirect_qp)},
                {IB_CPI_REDIRECT_QKEY_F, false, member(&C::redirect_qkey)},
                {IB_CPI_TRAP_TC_F, false, member(&C::trap_tc)},
                {IB_CPI_TRAP_SL_F, false, member(&C::trap_sl)},
                {IB_CPI_TRAP_FL_F, false, member(&C::trap_flow_label)},
                {IB_CPI_TRAP_LID_F, false, member(&C::trap_lid)},
                {IB_CPI_TRAP_PKEY_F, false, member(&C::trap_pkey)},
                {IB_CPI_TRAP_HL_F, false, member(&C::trap_hop_limit)},
                {IB_CPI_TRAP_QP_F, false, member(&C::trap_qp)},
                {IB_CPI_TRAP_QKEY_F, false, member(&C::trap_qkey)},
            },
            {
                {IB_CPI_REDIRECT_GID_F, raw_member(&C::redirect_gid)},
                {IB_CPI_TRAP_GID_F, raw_member(&C::trap_gid)},
            }};
}

TEST(WireOracle, ClassPortInfoInSaAndDmMads) {
    const auto c = ClassPortInfo::decode(test::golden("class_port_info_sa")).value();
    cross_check(c, kSaDataOffset, static_cast<int>(kSaDataOffset), class_port_info_binding());
    cross_check(c, kDmDataOffset, static_cast<int>(kDmDataOffset), class_port_info_binding());
}

NodeRecord node_record_value() {
    return NodeRecord::decode(test::golden("node_record")).value();
}

TEST(WireOracle, NodeRecordWithSaRecordFields) {
    using N = NodeRecord;
    const Binding<NodeRecord> b{{
                                    {IB_SA_NR_LID_F, false, member(&N::lid)},
                                    {IB_SA_NR_BASEVER_F, false, member(&N::base_version)},
                                    {IB_SA_NR_CLASSVER_F, false, member(&N::class_version)},
                                    {IB_SA_NR_TYPE_F, false, member(&N::node_type)},
                                    {IB_SA_NR_NPORTS_F, false, member(&N::num_ports)},
                                    {IB_SA_NR_SYSTEM_GUID_F, true, member(&N::system_image_guid)},
                                    {IB_SA_NR_GUID_F, true, member(&N::node_guid)},
                                    {IB_SA_NR_PORT_GUID_F, true, member(&N::port_guid)},
                                    {IB_SA_NR_PARTITION_CAP_F, false, member(&N::partition_cap)},
                                    {IB_SA_NR_DEVID_F, false, member(&N::device_id)},
                                    {IB_SA_NR_REVISION_F, false, member(&N::revision)},
                                    {IB_SA_NR_LOCAL_PORT_F, false, member(&N::local_port_num)},
                                    {IB_SA_NR_VENDORID_F, false, member(&N::vendor_id)},
                                },
                                {{IB_SA_NR_NODEDESC_F, raw_member(&N::node_description)}}};
    cross_check(node_record_value(), kSaDataOffset, static_cast<int>(kSaDataOffset), b);
}

TEST(WireOracle, NodeRecordWithNodeInfoFields) {
    using N = NodeRecord;
    // NodeInfo starts 4 bytes into the record, NodeDescription 44 bytes in.
    const Binding<NodeRecord> b{{
        {IB_NODE_BASE_VERS_F, false, member(&N::base_version)},
        {IB_NODE_CLASS_VERS_F, false, member(&N::class_version)},
        {IB_NODE_TYPE_F, false, member(&N::node_type)},
        {IB_NODE_NPORTS_F, false, member(&N::num_ports)},
        {IB_NODE_SYSTEM_GUID_F, true, member(&N::system_image_guid)},
        {IB_NODE_GUID_F, true, member(&N::node_guid)},
        {IB_NODE_PORT_GUID_F, true, member(&N::port_guid)},
        {IB_NODE_PARTITION_CAP_F, false, member(&N::partition_cap)},
        {IB_NODE_DEVID_F, false, member(&N::device_id)},
        {IB_NODE_REVISION_F, false, member(&N::revision)},
        {IB_NODE_LOCAL_PORT_F, false, member(&N::local_port_num)},
        {IB_NODE_VENDORID_F, false, member(&N::vendor_id)},
    }};
    cross_check(node_record_value(), kSaDataOffset, static_cast<int>(kSaDataOffset + 4), b);
    const Binding<NodeRecord> desc{{}, {{IB_NODE_DESC_F, raw_member(&N::node_description)}}};
    cross_check(node_record_value(), kSaDataOffset, static_cast<int>(kSaDataOffset + 44), desc);
}

TEST(WireOracle, PathRecord) {
    using P = PathRecord;
    const Binding<PathRecord> b{{
                                    {IB_SA_PR_DLID_F, false, member(&P::dlid)},
                                    {IB_SA_PR_SLID_F, false, member(&P::slid)},
                                    {IB_SA_PR_NPATH_F, false, member(&P::numb_path)},
                                    {IB_SA_PR_SL_F, false, member(&P::sl)},
                                },
                                {
                                    {IB_SA_PR_DGID_F, raw_member(&P::dgid)},
                                    {IB_SA_PR_SGID_F, raw_member(&P::sgid)},
                                }};
    const auto p = PathRecord::decode(test::golden("path_record")).value();
    cross_check(p, kSaDataOffset, static_cast<int>(kSaDataOffset), b);
}

// PortInfo inside a PortInfoRecord: libibmad's PortInfo fields at base 56 + 4.
constexpr int kPortInfoBase =
    static_cast<int>(kSaDataOffset + layout::port_info_record::port_info_offset);

TEST(WireOracle, PortInfoRecordTypedMembers) {
    const auto pi = [](auto m) {
        return [m](const PortInfoRecord& r) { return static_cast<std::uint64_t>(r.port_info.*m); };
    };
    const Binding<PortInfoRecord> b{{
        {IB_PORT_MKEY_F, true, pi(&PortInfo::m_key)},
        {IB_PORT_GID_PREFIX_F, true, pi(&PortInfo::gid_prefix)},
        {IB_PORT_LID_F, false, pi(&PortInfo::lid)},
        {IB_PORT_SMLID_F, false, pi(&PortInfo::master_sm_lid)},
        {IB_PORT_CAPMASK_F, false, pi(&PortInfo::capability_mask)},
        {IB_PORT_DIAG_F, false, pi(&PortInfo::diag_code)},
        {IB_PORT_MKEY_LEASE_F, false, pi(&PortInfo::m_key_lease_period)},
        {IB_PORT_LOCAL_PORT_F, false, pi(&PortInfo::local_port_num)},
        {IB_PORT_LINK_WIDTH_ACTIVE_F, false, pi(&PortInfo::link_width_active)},
        {IB_PORT_STATE_F, false, pi(&PortInfo::port_state)},
        {IB_PORT_PHYS_STATE_F, false, pi(&PortInfo::port_phys_state)},
        {IB_PORT_LMC_F, false, pi(&PortInfo::lmc)},
        {IB_PORT_LINK_SPEED_ACTIVE_F, false, pi(&PortInfo::link_speed_active)},
        {IB_PORT_NEIGHBOR_MTU_F, false, pi(&PortInfo::neighbor_mtu)},
        {IB_PORT_SMSL_F, false, pi(&PortInfo::master_sm_sl)},
        {IB_PORT_CAPMASK2_F, false, pi(&PortInfo::capability_mask2)},
    }};
    const auto r = PortInfoRecord::decode(test::golden("port_info_record")).value();
    cross_check(r, kSaDataOffset, kPortInfoBase, b);
}

// Every PortInfo field in srpadm's layout table against libibmad's, on random PortInfo bytes
// and on bytes libibmad wrote: the typed members and the bits kept in PortInfo::other.
TEST(WireOracle, PortInfoLayoutTableMatchesLibibmad) {
    namespace lp = layout::port_info;
    const std::vector<std::pair<Field, MAD_FIELDS>> pairs{
        {lp::m_key, IB_PORT_MKEY_F},
        {lp::gid_prefix, IB_PORT_GID_PREFIX_F},
        {lp::lid, IB_PORT_LID_F},
        {lp::master_sm_lid, IB_PORT_SMLID_F},
        {lp::capability_mask, IB_PORT_CAPMASK_F},
        {lp::diag_code, IB_PORT_DIAG_F},
        {lp::m_key_lease_period, IB_PORT_MKEY_LEASE_F},
        {lp::local_port_num, IB_PORT_LOCAL_PORT_F},
        {lp::link_width_enabled, IB_PORT_LINK_WIDTH_ENABLED_F},
        {lp::link_width_supported, IB_PORT_LINK_WIDTH_SUPPORTED_F},
        {lp::link_width_active, IB_PORT_LINK_WIDTH_ACTIVE_F},
        {lp::link_speed_supported, IB_PORT_LINK_SPEED_SUPPORTED_F},
        {lp::port_state, IB_PORT_STATE_F},
        {lp::port_phys_state, IB_PORT_PHYS_STATE_F},
        {lp::link_down_default_state, IB_PORT_LINK_DOWN_DEF_F},
        {lp::m_key_protect_bits, IB_PORT_MKEY_PROT_BITS_F},
        {lp::lmc, IB_PORT_LMC_F},
        {lp::link_speed_active, IB_PORT_LINK_SPEED_ACTIVE_F},
        {lp::link_speed_enabled, IB_PORT_LINK_SPEED_ENABLED_F},
        {lp::neighbor_mtu, IB_PORT_NEIGHBOR_MTU_F},
        {lp::master_sm_sl, IB_PORT_SMSL_F},
        {lp::vl_cap, IB_PORT_VL_CAP_F},
        {lp::init_type, IB_PORT_INIT_TYPE_F},
        {lp::vl_high_limit, IB_PORT_VL_HIGH_LIMIT_F},
        {lp::vl_arbitration_high_cap, IB_PORT_VL_ARBITRATION_HIGH_CAP_F},
        {lp::vl_arbitration_low_cap, IB_PORT_VL_ARBITRATION_LOW_CAP_F},
        {lp::init_type_reply, IB_PORT_INIT_TYPE_REPLY_F},
        {lp::mtu_cap, IB_PORT_MTU_CAP_F},
        {lp::vl_stall_count, IB_PORT_VL_STALL_COUNT_F},
        {lp::hoq_life, IB_PORT_HOQ_LIFE_F},
        {lp::operational_vls, IB_PORT_OPER_VLS_F},
        {lp::partition_enforcement_inbound, IB_PORT_PART_EN_INB_F},
        {lp::partition_enforcement_outbound, IB_PORT_PART_EN_OUTB_F},
        {lp::filter_raw_inbound, IB_PORT_FILTER_RAW_INB_F},
        {lp::filter_raw_outbound, IB_PORT_FILTER_RAW_OUTB_F},
        {lp::m_key_violations, IB_PORT_MKEY_VIOL_F},
        {lp::p_key_violations, IB_PORT_PKEY_VIOL_F},
        {lp::q_key_violations, IB_PORT_QKEY_VIOL_F},
        {lp::guid_cap, IB_PORT_GUID_CAP_F},
        {lp::client_reregister, IB_PORT_CLIENT_REREG_F},
        {lp::multicast_pkey_trap_suppression, IB_PORT_MCAST_PKEY_SUPR_ENAB_F},
        {lp::subnet_timeout, IB_PORT_SUBN_TIMEOUT_F},
        {lp::resp_time_value, IB_PORT_RESP_TIME_VAL_F},
        {lp::local_phy_errors, IB_PORT_LOCAL_PHYS_ERR_F},
        {lp::overrun_errors, IB_PORT_OVERRUN_ERR_F},
        {lp::max_credit_hint, IB_PORT_MAX_CREDIT_HINT_F},
        {lp::link_round_trip_latency, IB_PORT_LINK_ROUND_TRIP_F},
        {lp::capability_mask2, IB_PORT_CAPMASK2_F},
        {lp::link_speed_ext_active, IB_PORT_LINK_SPEED_EXT_ACTIVE_F},
        {lp::link_speed_ext_supported, IB_PORT_LINK_SPEED_EXT_SUPPORTED_F},
        {lp::link_speed_ext_enabled, IB_PORT_LINK_SPEED_EXT_ENABLED_F},
    };
    ASSERT_EQ(pairs.size(), lp::all.size()) << "every field of the layout table is checked";
    std::mt19937 rng(7);
    for (int round = 0; round < 8; ++round) {
        Mad mad{};
        for (std::size_t i = kPortInfoBase; i < kPortInfoBase + lp::size; ++i) {
            mad[i] = round == 0 ? 0xff : static_cast<std::uint8_t>(rng());
        }
        const auto record = PortInfoRecord::decode(std::span(mad).subspan(kSaDataOffset));
        ASSERT_TRUE(record.has_value());
        const auto ours = record->port_info.encode();
        Mad from_lib{};
        for (const auto& [field, oracle] : pairs) {
            const bool wide = field.width == 64;
            ByteReader reader(ours);
            const std::uint64_t v = reader.number(field);
            EXPECT_EQ(v, oracle_get(mad, kPortInfoBase, oracle, wide)) << field.name;
            oracle_set(from_lib, kPortInfoBase, oracle, wide, v);
        }
        // Bytes libibmad wrote field by field decode to the same PortInfo, reserved bits aside.
        const auto again = PortInfoRecord::decode(std::span(from_lib).subspan(kSaDataOffset));
        ASSERT_TRUE(again.has_value());
        const auto again_bytes = again->port_info.encode();
        ByteReader mine(again_bytes);
        for (const auto& [field, oracle] : pairs) {
            EXPECT_EQ(mine.number(field), oracle_get(mad, kPortInfoBase, oracle, field.width == 64))
                << field.name;
        }
    }
}

Binding<Notice> notice_binding() {
    using N = Notice;
    return {{
                {IB_NOTICE_IS_GENERIC_F, false, member(&N::is_generic)},
                {IB_NOTICE_TYPE_F, false, member(&N::type)},
                {IB_NOTICE_PRODUCER_F, false, member(&N::producer_type)},
                {IB_NOTICE_TRAP_NUMBER_F, false, member(&N::trap_number)},
                {IB_NOTICE_ISSUER_LID_F, false, member(&N::issuer_lid)},
                {IB_NOTICE_TOGGLE_F, false, member(&N::notice_toggle)},
                {IB_NOTICE_COUNT_F, false, member(&N::notice_count)},
            },
            {{IB_NOTICE_DATA_DETAILS_F, [](const N& n) { return vec(n.data_details); }}}};
}

TEST(WireOracle, Notice) {
    Notice n = Notice::generic(GidInService{kGidA}, 0xbfff, kGidB);
    n.notice_toggle = true;
    n.notice_count = 0x7fff;
    cross_check(n, kSaDataOffset, static_cast<int>(kSaDataOffset), notice_binding());
}

TEST(WireOracle, NoticeTrap144Details) {
    const auto details = [](const Notice& n) { return std::get<LocalChanges>(n.details()); };
    const Binding<Notice> b{{
        {IB_NOTICE_TRAP_NUMBER_F, false, member(&Notice::trap_number)},
        {IB_NOTICE_DATA_144_LID_F, false, [&](const Notice& n) { return details(n).lid; }},
        {IB_NOTICE_DATA_144_CAPMASK_F, false,
         [&](const Notice& n) { return details(n).capability_mask; }},
    }};
    for (const std::uint32_t mask : {0x00080000U, 0xffffffffU, 0x0259486aU}) {
        LocalChanges d;
        d.lid = static_cast<Lid>(mask >> 16);
        d.capability_mask = mask;
        d.change_flags = 0x3f;
        d.capability_mask2 = 0xffff;
        const Notice n = Notice::generic(d, 5, kGidA);
        expect_libibmad_reads(n, kSaDataOffset, static_cast<int>(kSaDataOffset), b);
        // libibmad writes trap 144's LID and mask into an otherwise generic notice.
        Mad mad{};
        mad_set_field(mad.data(), kSaDataOffset, IB_NOTICE_IS_GENERIC_F, 1);
        mad_set_field(mad.data(), kSaDataOffset, IB_NOTICE_TRAP_NUMBER_F, 144);
        mad_set_field(mad.data(), kSaDataOffset, IB_NOTICE_DATA_144_LID_F, d.lid);
        mad_set_field(mad.data(), kSaDataOffset, IB_NOTICE_DATA_144_CAPMASK_F, mask);
        const auto decoded = Notice::decode(std::span(mad).subspan(kSaDataOffset));
        ASSERT_TRUE(decoded.has_value());
        EXPECT_EQ(details(*decoded).lid, d.lid);
        EXPECT_EQ(details(*decoded).capability_mask, mask);
    }
}

}  // namespace
}  // namespace srpadm::wire
