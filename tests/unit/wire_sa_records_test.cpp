// ClassPortInfo and the SA records: NodeRecord, PortInfoRecord, PathRecord, InformInfo.
#include <gtest/gtest.h>

#include <srpadm/wire/class_port_info.hpp>
#include <srpadm/wire/layouts.hpp>
#include <srpadm/wire/sa_records.hpp>

#include "wire_test_support.hpp"

namespace srpadm::wire {
namespace {

using test::Bytes;
using test::golden;

using test::kTopspinGid;
const Gid& kTargetGid = test::kOtherPortGid;

TEST(WireClassPortInfo, SaGolden) {
    ClassPortInfo c;
    c.base_version = 1;
    c.class_version = 2;
    c.capability_mask = 0x2602;
    c.capability_mask2 = 0x4000041;
    c.resp_time_value = 18;
    c.redirect_gid = kTargetGid;
    c.redirect_tc = 0xa5;
    c.redirect_sl = 0x9;
    c.redirect_flow_label = 0x12345;
    c.redirect_lid = 0x17;
    c.redirect_pkey = 0xffff;
    c.redirect_qp = 0xabcdef;
    c.redirect_qkey = kGsiQKey;
    c.trap_gid = kTopspinGid;
    c.trap_tc = 0;
    c.trap_sl = 0xf;
    c.trap_flow_label = 0xfffff;
    c.trap_lid = 1;
    c.trap_pkey = 0x7fff;
    c.trap_hop_limit = 0x40;
    c.trap_qp = 1;
    c.trap_qkey = kGsiQKey;
    test::expect_golden(golden("class_port_info_sa"), c);
    test::expect_length_checks<ClassPortInfo>(golden("class_port_info_sa"));
    EXPECT_TRUE(c.supports_port_info_cap_mask_match());
    c.capability_mask = static_cast<std::uint16_t>(~sa_cap::is_port_info_cap_mask_match_supported);
    EXPECT_FALSE(c.supports_port_info_cap_mask_match());
}

TEST(WireClassPortInfo, LioDmGolden) {
    ClassPortInfo c;
    c.base_version = 1;
    c.class_version = 1;
    c.resp_time_value = 20;
    test::expect_golden(golden("class_port_info_lio_dm"), c);
}

TEST(WireClassPortInfo, CapabilityMask2AndRespTimeShareAWord) {
    ClassPortInfo c;
    c.capability_mask2 = 0x7ffffff;
    EXPECT_EQ(test::to_bytes(c.encode()).at(7), 0xe0);
    c.capability_mask2 = 0;
    c.resp_time_value = 0xff;  // cut to 5 bits
    const auto bytes = c.encode();
    EXPECT_EQ(bytes[4], 0);
    EXPECT_EQ(bytes[7], 0x1f);
    EXPECT_EQ(ClassPortInfo::decode(bytes)->resp_time_value, 0x1f);
}

NodeRecord target_node_record() {
    NodeRecord n;
    n.lid = 5;
    n.base_version = 1;
    n.class_version = 1;
    n.node_type = node_type::channel_adapter;
    n.num_ports = 2;
    n.system_image_guid = 0x0002c90300a0b1c3;
    n.node_guid = 0x0002c90300a0b1c0;
    n.port_guid = 0x0002c90300a0b1c1;
    n.partition_cap = 128;
    n.device_id = 0x1003;
    n.revision = 0xb0;
    n.local_port_num = 1;
    n.vendor_id = 0x0002c9;
    n.node_description = WireString<64>::from_text("target1 mlx4_0");
    return n;
}

TEST(WireNodeRecord, Golden) {
    test::expect_golden(golden("node_record"), target_node_record());
    test::expect_length_checks<NodeRecord>(golden("node_record"));
}

TEST(WireNodeRecord, HostileDescriptionIsKeptRawAndDisplayedSafely) {
    Bytes bytes = golden("node_record");
    const Bytes hostile = test::parse_hex("1b5d 303b 7077 6e07 5c6e");  // ESC ] 0 ; p w n BEL \ n
    std::copy(hostile.begin(), hostile.end(), bytes.begin() + 44);
    std::fill(bytes.begin() + 54, bytes.end(), 'A');  // no NUL up to the end of the record
    const auto n = NodeRecord::decode(bytes);
    ASSERT_TRUE(n.has_value());
    EXPECT_FALSE(n->node_description.terminated());
    EXPECT_EQ(n->node_description.raw[0], 0x1b);
    EXPECT_EQ(n->node_description.display(), "\\x1b]0;pwn\\x07\\x5cn" + std::string(54, 'A'));
    EXPECT_EQ(test::to_bytes(n->encode()), bytes);
}

PortInfoRecord target_port_info_record() {
    PortInfoRecord r;
    r.endport_lid = 5;
    r.port_num = 1;
    r.options = 0;
    PortInfo& p = r.port_info;
    p.m_key = 0x1122334455667788;
    p.gid_prefix = 0xfe80000000000000;
    p.lid = 5;
    p.master_sm_lid = 1;
    p.capability_mask = 0x0259486a;
    p.diag_code = 1;
    p.m_key_lease_period = 0x3c;
    p.local_port_num = 1;
    p.link_width_active = 2;
    p.port_state = port_state::active;
    p.port_phys_state = 5;
    p.lmc = 2;
    p.link_speed_active = 4;
    p.neighbor_mtu = 5;
    p.master_sm_sl = 3;
    p.capability_mask2 = 2;
    const Bytes other = golden("port_info_other");
    std::copy(other.begin(), other.end(), p.other.begin());
    return r;
}

TEST(WirePortInfoRecord, GoldenKeepsEveryPortInfoBit) {
    const PortInfoRecord r = target_port_info_record();
    test::expect_golden(golden("port_info_record"), r);
    test::expect_length_checks<PortInfoRecord>(golden("port_info_record"));
    EXPECT_TRUE(r.port_info.is_device_management_supported());
}

TEST(WirePortInfoRecord, UntypedFieldsReadByTheirLayout) {
    const auto r = PortInfoRecord::decode(golden("port_info_record"));
    ASSERT_TRUE(r.has_value());
    const auto bytes = r->port_info.encode();
    ByteReader reader(bytes);
    namespace lp = layout::port_info;
    EXPECT_EQ(reader.number(lp::link_speed_supported), 7U);
    EXPECT_EQ(reader.number(lp::link_down_default_state), 2U);
    EXPECT_EQ(reader.number(lp::m_key_protect_bits), 1U);
    EXPECT_EQ(reader.number(lp::hoq_life), 15U);
    EXPECT_EQ(reader.number(lp::partition_enforcement_outbound), 1U);
    EXPECT_EQ(reader.number(lp::client_reregister), 1U);
    EXPECT_EQ(reader.number(lp::subnet_timeout), 18U);
    EXPECT_EQ(reader.number(lp::resp_time_value), 16U);
    EXPECT_EQ(reader.number(lp::link_round_trip_latency), 0xabcdU);
    EXPECT_EQ(reader.number(lp::link_speed_ext_enabled), 31U);
}

TEST(WirePortInfoRecord, ConstructedValueRoundTrips) {
    PortInfoRecord r;
    r.endport_lid = 0xbfff;
    r.port_info.capability_mask = port_cap::is_device_management_supported;
    r.port_info.lmc = 7;
    r.port_info.port_state = port_state::armed;
    const auto bytes = r.encode();
    EXPECT_EQ(bytes[24], 0x00);
    EXPECT_EQ(bytes[25], 0x08);
    EXPECT_EQ(bytes[36], 0x03);
    EXPECT_EQ(bytes[38], 0x07);
    EXPECT_EQ(PortInfoRecord::decode(bytes).value(), r);
}

PathRecord distinct_path_record() {
    PathRecord p;
    p.service_id = 0x0123456789abcdef;
    p.dgid = kTargetGid;
    p.sgid = kTopspinGid;
    p.dlid = 5;
    p.slid = 3;
    p.raw_traffic = true;
    p.flow_label = 0xabcde;
    p.hop_limit = 0x40;
    p.tclass = 0x12;
    p.reversible = true;
    p.numb_path = 0x45;
    p.pkey = 0xffff;
    p.qos_class = 0xabc;
    p.sl = 0xd;
    p.mtu_selector = 2;
    p.mtu = 4;
    p.rate_selector = 2;
    p.rate = 7;
    p.packet_life_selector = 1;
    p.packet_life = 0x12;
    p.preference = 1;
    return p;
}

TEST(WirePathRecord, Golden) {
    test::expect_golden(golden("path_record"), distinct_path_record());
    test::expect_length_checks<PathRecord>(golden("path_record"));
}

TEST(WirePathRecord, ReservedBitsAreDroppedOnReencode) {
    Bytes bytes = golden("path_record");
    bytes[44] |= 0x70;  // the 3 reserved bits after RawTraffic
    bytes[60] = 0xff;   // reserved tail
    const auto p = PathRecord::decode(bytes);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(*p, distinct_path_record());
    EXPECT_EQ(test::to_bytes(p->encode()), golden("path_record"));
}

TEST(WirePathRecord, CompMaskBits) {
    EXPECT_EQ(path_record_comp::dlid | path_record_comp::slid | path_record_comp::pkey, 0x2030U);
    EXPECT_EQ(path_record_comp::dgid | path_record_comp::sgid | path_record_comp::raw_traffic |
                  path_record_comp::hop_limit | path_record_comp::numb_path,
              0x124cU);
}

TEST(WireInformInfo, SrpDaemonSubscribeGolden) {
    const InformInfo i = InformInfo::subscribe_to(subscription::gid_in_service);
    InformInfo expected;
    expected.lid_range_begin = 0xffff;
    expected.is_generic = 1;
    expected.subscribe = 1;
    expected.type = 3;
    expected.trap_number = 64;
    expected.producer_type = 4;
    EXPECT_EQ(i, expected);
    test::expect_golden(golden("inform_info_subscribe_64"), i);
    test::expect_length_checks<InformInfo>(golden("inform_info_subscribe_64"));
    EXPECT_EQ(i.srp_daemon_comp_mask(),
              (1U << 1) | (1U << 4) | (1U << 5) | (1U << 6) | (1U << 7) | (1U << 12));
}

TEST(WireInformInfo, SrpDaemonUnsubscribeGolden) {
    const InformInfo i = InformInfo::unsubscribe_from(subscription::local_changes, 0x123);
    EXPECT_EQ(i.subscribe, 0);
    EXPECT_EQ(i.type, notice_type::info);
    EXPECT_EQ(i.producer_type, producer_type::channel_adapter);
    test::expect_golden(golden("inform_info_unsubscribe_144"), i);
    EXPECT_EQ(i.srp_daemon_comp_mask() & inform_info_comp::qpn, inform_info_comp::qpn);
}

TEST(WireInformInfo, PackedWordAtFullWidth) {
    InformInfo i;
    i.gid = test::kTargetPortGid;
    i.lid_range_begin = 1;
    i.lid_range_end = 0xff;
    i.is_generic = 0;
    i.subscribe = 1;
    i.type = subscription::any_type;
    i.trap_number = 0x1003;
    i.qpn = 0xffffff;
    i.resp_time_value = 0x1f;
    i.producer_type = 0x0002c9;
    test::expect_golden(golden("inform_info_bits"), i);
}

TEST(WireInformInfo, SubscriptionsForTheFourTraps) {
    EXPECT_EQ(subscription::gid_out_of_service.type, notice_type::subnet_mgmt);
    EXPECT_EQ(subscription::gid_out_of_service.producer_type, producer_type::class_manager);
    EXPECT_EQ(subscription::system_image_guid_changed.type, 0xffff);
    EXPECT_EQ(subscription::system_image_guid_changed.producer_type, 0xffffffU);
    const auto bytes = InformInfo::subscribe_to(subscription::system_image_guid_changed).encode();
    EXPECT_EQ(test::to_bytes(bytes).at(33), 0xff);
    EXPECT_EQ(bytes[26], 0x00);
    EXPECT_EQ(bytes[27], 145);
}

}  // namespace
}  // namespace srpadm::wire
