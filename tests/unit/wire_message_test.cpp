// Whole MADs: request builders, response decoders, the SA table walk and table encoding,
// including OpenSM's NodeRecord GetTableResp as ibsim showed it.
#include <vector>

#include <gtest/gtest.h>

#include <srpadm/wire/class_port_info.hpp>
#include <srpadm/wire/dm.hpp>
#include <srpadm/wire/message.hpp>
#include <srpadm/wire/notice.hpp>
#include <srpadm/wire/sa_records.hpp>

#include "wire_test_support.hpp"

namespace srpadm::wire {
namespace {

using test::Bytes;
using test::golden;

TEST(WireSaRequest, SrpDaemonMaskMatchQuery) {
    PortInfoRecord query;
    query.port_info.capability_mask = port_cap::is_device_management_supported;
    SaRequest req;
    req.method = method::get_table;
    req.attr_mod = kPortInfoCapMaskMatchAttrMod;
    req.tid = 0x1234;
    req.comp_mask = port_info_record_comp::capability_mask;
    req.rmpp = RmppHeader::single_request();
    const MadBuffer mad = build_sa_request(req, query);
    EXPECT_EQ(test::to_bytes(mad), golden("sa_request_pir_mask_match"));
}

TEST(WireSaRequest, SrpDaemonGidToLidPathQuery) {
    PathRecord query;
    query.dgid = test::kTargetPortGid;
    query.sgid = query.dgid;
    query.raw_traffic = true;
    query.numb_path = 1;
    SaRequest req;
    req.tid = 7;
    req.comp_mask = path_record_comp::dgid | path_record_comp::sgid |
                    path_record_comp::raw_traffic | path_record_comp::hop_limit |
                    path_record_comp::numb_path;
    EXPECT_EQ(test::to_bytes(build_sa_request(req, query)), golden("sa_request_path_gid_to_lid"));
}

TEST(WireSaRequest, DataLongerThanTheMadIsRefused) {
    const Bytes data(201, 0);
    const auto r = build_sa_mad(MadHeader{}, std::nullopt, SaHeader{}, data);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().message, "SA MAD: 201 data bytes, at most 200 fit");
    EXPECT_TRUE(build_sa_mad(MadHeader{}, std::nullopt, SaHeader{}, Bytes(200, 1)).has_value());
    EXPECT_FALSE(build_dm_mad(MadHeader{}, Bytes(193, 0)).has_value());
    EXPECT_TRUE(build_dm_mad(MadHeader{}, Bytes(192, 1)).has_value());
}

TEST(WireDmRequest, ServiceEntriesGet) {
    const auto mod = ServiceEntriesModifier::make(1, 0, 3).value();
    const MadBuffer mad = build_dm_get(dm_attr::service_entries, mod.encode(), 0xabcd);
    EXPECT_EQ(test::to_bytes(mad), golden("dm_get_service_entries"));
}

TEST(WireDmRequest, TopspinSetClassPortInfo) {
    ClassPortInfo cpi;
    cpi.trap_lid = 0x0003;
    cpi.trap_gid = Gid::from_parts(test::kLinkLocal, 0x0002c90300001234);
    const MadBuffer mad = build_dm_request(method::set, 0, 9, cpi);
    const auto dm = decode_dm_mad(mad);
    ASSERT_TRUE(dm.has_value()) << dm.error().message;
    EXPECT_EQ(dm->header.method_byte(), method::set);
    EXPECT_EQ(dm->header.attr_id, attr::class_port_info);
    EXPECT_EQ(dm->data.size(), kDmDataSize);
    EXPECT_EQ(ClassPortInfo::decode(dm->data).value(), cpi);
    EXPECT_TRUE(std::all_of(mad.begin() + 24, mad.begin() + 64, [](auto b) { return b == 0; }));
}

TEST(WireDmResponse, LioIocProfileAnswer) {
    // A GetResp as LIO sends it: header, 40 reserved bytes, the profile at 64, zero padding.
    const Bytes header = test::parse_hex("01060181 0000 0000 0000000000000005 0011 0000 00000001");
    const Bytes mad =
        test::padded(test::concat({header, Bytes(40, 0), golden("ioc_profile_lio")}), kMadSize);
    const auto dm = decode_dm_mad(mad);
    ASSERT_TRUE(dm.has_value()) << dm.error().message;
    EXPECT_TRUE(check_status(dm->header, "IOControllerProfile").has_value());
    EXPECT_EQ(dm->header.attr_mod, 1U);
    const auto profile = IoControllerProfile::decode(dm->data);
    ASSERT_TRUE(profile.has_value());
    EXPECT_EQ(profile->id_string.display(), "Linux SRP target");
    EXPECT_EQ(profile->service_entries, 1);
}

TEST(WireDmResponse, LioRefusals) {
    Bytes mad = golden("mad_header_dm_response");
    mad.resize(kMadSize, 0);
    const auto dm = decode_dm_mad(mad);
    ASSERT_TRUE(dm.has_value());
    const auto st = check_status(dm->header, "IOControllerProfile slot 3");
    ASSERT_FALSE(st.has_value());
    EXPECT_EQ(st.error().code, Errc::mad_status);
    for (const std::uint16_t s :
         {dm_status::unsup_method, dm_status::unsup_method_attr, dm_status::invalid_field}) {
        MadHeader h = dm->header;
        h.status = s;
        EXPECT_EQ(check_status(h, "x").error().code, Errc::mad_status);
    }
}

TEST(WireDecode, ShortAndForeignMadsAreRefused) {
    const Bytes sa = golden("sa_request_pir_mask_match");
    auto r = decode_sa_mad(std::span(sa).first(55));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().message, "SA MAD: 55 bytes, need 56");
    EXPECT_TRUE(decode_sa_mad(std::span(sa).first(56)).has_value());
    auto d = decode_dm_mad(sa);
    ASSERT_FALSE(d.has_value());
    EXPECT_EQ(d.error().message, "DM MAD: management class 0x03, expected 0x06");
    const Bytes dm = golden("dm_get_service_entries");
    EXPECT_EQ(decode_sa_mad(dm).error().message, "SA MAD: management class 0x06, expected 0x03");
    EXPECT_EQ(decode_dm_mad(std::span(dm).first(63)).error().message, "DM MAD: 63 bytes, need 64");
    EXPECT_TRUE(decode_dm_mad(std::span(dm).first(64)).has_value());
}

TEST(WireSaTable, OpenSmNodeRecordPrefixFromIbsim) {
    const Bytes mad = golden("opensm_node_record_table");
    ASSERT_EQ(mad.size(), kMadSize);
    const auto sa = decode_sa_mad(mad);
    ASSERT_TRUE(sa.has_value()) << sa.error().message;
    EXPECT_EQ(sa->header.method_byte(), method::get_table_resp);
    EXPECT_EQ(sa->header.tid, 0x00010000687cb88eU);
    EXPECT_EQ(sa->header.attr_id, sa_attr::node_record);
    // The RMPP header OpenSM/umad2sim leave: version 0, Active only, segment 0, length 0.
    EXPECT_EQ(sa->rmpp.version, 0);
    EXPECT_EQ(sa->rmpp.flags, rmpp_flag::active);
    EXPECT_EQ(sa->rmpp.segment_number, 0U);
    EXPECT_EQ(sa->rmpp.payload_length, 0U);
    EXPECT_EQ(sa->sa.attr_offset, 14);

    const auto table = walk_sa_table(*sa, NodeRecord::kName, NodeRecord::kWireSize);
    ASSERT_TRUE(table.has_value());
    EXPECT_EQ(table->stride, 112U);
    EXPECT_EQ(table->count, 1U);            // the second record is cut off at byte 256
    EXPECT_EQ(table->trailing_bytes, 88U);  // and reported, not decoded

    const auto records = decode_sa_table<NodeRecord>(*sa);
    ASSERT_TRUE(records.has_value());
    ASSERT_EQ(records->size(), 1U);
    const NodeRecord& hca = records->front();
    EXPECT_EQ(hca.lid, 1);
    EXPECT_EQ(hca.node_type, node_type::channel_adapter);
    EXPECT_EQ(hca.num_ports, 1);
    EXPECT_EQ(hca.node_description.display(), "Hca1");

    // The cut-off record's bytes are where the stride says they are.
    const auto second = NodeRecord::decode(std::span(mad).subspan(56 + 112));
    ASSERT_FALSE(second.has_value());
    EXPECT_EQ(second.error().message, "NodeRecord: 88 bytes, need 108");
    EXPECT_EQ(mad[56 + 112 + 6], node_type::switch_);
}

SaMad table_mad(std::uint16_t attr_offset, const Bytes& data, Bytes& storage) {
    storage = test::padded(golden("sa_request_pir_mask_match"), kSaDataOffset);
    storage.insert(storage.end(), data.begin(), data.end());
    SaMad m = decode_sa_mad(storage).value();
    m.sa.attr_offset = attr_offset;
    return m;
}

TEST(WireSaTable, AttributeOffsetZeroMeansNoRecords) {
    Bytes storage;
    const SaMad m = table_mad(0, Bytes(200, 0xff), storage);
    const auto table = walk_sa_table(m, "PortInfoRecord", PortInfoRecord::kWireSize);
    ASSERT_TRUE(table.has_value());
    EXPECT_EQ(table->count, 0U);
    EXPECT_EQ(table->record(0).size(), 0U);
    EXPECT_TRUE(decode_sa_table<PortInfoRecord>(m).value().empty());
}

TEST(WireSaTable, StrideSmallerThanTheRecordIsAnError) {
    Bytes storage;
    const SaMad m = table_mad(8, Bytes(200, 0), storage);  // 64 < 68
    const auto r = decode_sa_table<PortInfoRecord>(m);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Errc::malformed);
    EXPECT_EQ(r.error().message,
              "PortInfoRecord table: AttributeOffset 8 gives a 64-byte stride, smaller than the "
              "68-byte record");
    EXPECT_TRUE(decode_sa_table<PathRecord>(m).has_value());  // 64 is fine for PathRecord
}

TEST(WireSaTable, CountComesFromTheBytesPresent) {
    Bytes storage;
    const SaMad empty = table_mad(9, {}, storage);  // an empty answer keeps its 56 bytes
    EXPECT_EQ(walk_sa_table(empty, "x", 68).value().count, 0U);
    Bytes storage2;
    const SaMad m = table_mad(9, Bytes(72 * 3 + 71, 0), storage2);
    const auto table = walk_sa_table(m, "x", 68).value();
    EXPECT_EQ(table.count, 3U);
    EXPECT_EQ(table.trailing_bytes, 71U);
    EXPECT_EQ(table.record(2).size(), 72U);
    EXPECT_EQ(table.record(2).data(), m.data.data() + 144);
    Bytes storage3;
    const SaMad huge = table_mad(0xffff, Bytes(1000, 0), storage3);  // stride 524280
    EXPECT_EQ(walk_sa_table(huge, "x", 68).value().count, 0U);
    EXPECT_EQ(walk_sa_table(huge, "x", 68).value().trailing_bytes, 1000U);
}

std::vector<PortInfoRecord> dm_ports(std::size_t n) {
    std::vector<PortInfoRecord> ports(n);
    for (std::size_t i = 0; i < n; ++i) {
        ports[i].endport_lid = static_cast<Lid>(i + 1);
        ports[i].port_num = 1;
        ports[i].port_info.lid = static_cast<Lid>(i + 1);
        ports[i].port_info.gid_prefix = 0xfe80000000000000;
        ports[i].port_info.capability_mask = port_cap::is_device_management_supported;
        ports[i].port_info.other[29] = 0x03;
    }
    return ports;
}

TEST(WireSaTable, EncodesAnyNumberOfRecordsAsOneReassembledBuffer) {
    const MadHeader req =
        MadHeader::request(mgmt_class::subn_adm, class_version::sa, method::get_table,
                           sa_attr::port_info_record, kPortInfoCapMaskMatchAttrMod, 42);
    SaHeader sa;
    sa.comp_mask = port_info_record_comp::capability_mask;
    for (const std::size_t n : {0U, 1U, 2U, 3U, 500U}) {
        const auto records = dm_ports(n);
        const Bytes out = encode_sa_table_response<PortInfoRecord>(
            req.reply(method::get_table_resp), sa, records);
        ASSERT_EQ(out.size(), 56 + 72 * n) << n;
        const auto decoded = decode_sa_mad(out);
        ASSERT_TRUE(decoded.has_value());
        EXPECT_EQ(decoded->header.tid, 42U);
        EXPECT_EQ(decoded->header.method_byte(), method::get_table_resp);
        EXPECT_EQ(decoded->sa.attr_offset, 9);
        EXPECT_EQ(decoded->sa.comp_mask, port_info_record_comp::capability_mask);
        EXPECT_EQ(decoded->rmpp,
                  RmppHeader::reassembled_response(static_cast<std::uint32_t>(72 * n)));
        const auto back = decode_sa_table<PortInfoRecord>(*decoded);
        ASSERT_TRUE(back.has_value());
        EXPECT_EQ(*back, records) << n;
    }
}

TEST(WireSaTable, EncodedRecordsSitAtTheStride) {
    const auto records = dm_ports(2);
    const Bytes out =
        encode_sa_table_response<PortInfoRecord>(MadHeader{}, SaHeader{}, records, RmppHeader{});
    const Bytes first = test::to_bytes(records[0].encode());
    const Bytes second = test::to_bytes(records[1].encode());
    EXPECT_EQ(Bytes(out.begin() + 56, out.begin() + 56 + 68), first);
    EXPECT_EQ(Bytes(out.begin() + 124, out.begin() + 128), Bytes(4, 0));  // padding to 72
    EXPECT_EQ(Bytes(out.begin() + 128, out.begin() + 128 + 68), second);
    EXPECT_EQ(Bytes(out.begin() + 196, out.end()), Bytes(4, 0));
    EXPECT_EQ(Bytes(out.begin() + 24, out.begin() + 36), Bytes(12, 0));  // the RMPP header given
}

TEST(WireSaRecord, GetRespSingleRecord) {
    NodeRecord n;
    n.lid = 9;
    n.port_guid = 0x0002c90300a0b1c1;
    const MadHeader h = MadHeader::request(mgmt_class::subn_adm, class_version::sa,
                                           method::get_resp, sa_attr::node_record, 0, 3);
    const MadBuffer mad = build_sa_mad(h, std::nullopt, SaHeader{}, n.encode()).value();
    const auto sa = decode_sa_mad(mad).value();
    EXPECT_EQ(decode_sa_record<NodeRecord>(sa).value(), n);
    const auto truncated = decode_sa_mad(std::span(mad).first(100)).value();
    EXPECT_EQ(decode_sa_record<NodeRecord>(truncated).error().message,
              "NodeRecord: 44 bytes, need 108");
}

TEST(WireReport, ResponseEchoesTheReport) {
    const Notice n = Notice::generic(GidInService{Gid::from_parts(test::kLinkLocal, 5)}, 1, Gid{});
    const MadHeader h = MadHeader::request(mgmt_class::subn_adm, class_version::sa, method::report,
                                           attr::notice, 0, 0x77);
    const MadBuffer report = build_sa_mad(h, std::nullopt, SaHeader{}, n.encode()).value();
    const MadBuffer resp = report_response(report).value();
    EXPECT_EQ(resp[3], method::report_resp);
    EXPECT_TRUE(std::equal(resp.begin() + 4, resp.end(), report.begin() + 4));
    EXPECT_EQ(Notice::decode(decode_sa_mad(resp).value().data).value(), n);
    EXPECT_FALSE(report_response(std::span(report).first(23)).has_value());
    EXPECT_EQ(report_response(std::span(report).first(24)).value()[3], 0x86);
}

}  // namespace
}  // namespace srpadm::wire
