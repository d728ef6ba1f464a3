// MAD, RMPP and SA headers; MAD status bits and codes.
#include <algorithm>

#include <gtest/gtest.h>

#include <srpadm/wire/mad.hpp>

#include "wire_test_support.hpp"

namespace srpadm::wire {
namespace {

using test::golden;

TEST(WireMadHeader, GetTableRequestGolden) {
    MadHeader h;
    h.base_version = 1;
    h.mgmt_class = mgmt_class::subn_adm;
    h.class_version = 2;
    h.response = false;
    h.method = method::get_table;
    h.tid = 0x1234;
    h.attr_id = sa_attr::port_info_record;
    h.attr_mod = 0x80000000;
    test::expect_golden(golden("mad_header_get_table"), h);
    EXPECT_EQ(h, MadHeader::request(mgmt_class::subn_adm, class_version::sa, method::get_table,
                                    sa_attr::port_info_record, 0x80000000, 0x1234));
}

TEST(WireMadHeader, DmResponseGolden) {
    MadHeader h;
    h.mgmt_class = mgmt_class::device_mgmt;
    h.class_version = 1;
    h.response = true;
    h.method = method::get;
    h.status = dm_status::no_ioc;
    h.class_specific = 0xabcd;
    h.tid = 0xfedcba9876543210;
    h.attr_id = dm_attr::io_controller_profile;
    h.attr_mod = 3;
    test::expect_golden(golden("mad_header_dm_response"), h);
    EXPECT_EQ(h.method_byte(), method::get_resp);
}

TEST(WireMadHeader, ShortSpansAreRefused) {
    test::expect_length_checks<MadHeader>(golden("mad_header_get_table"));
}

TEST(WireMadHeader, MethodByteSplitsTheResponseBit) {
    MadHeader h;
    h.set_method_byte(method::get_table_resp);
    EXPECT_TRUE(h.response);
    EXPECT_EQ(h.method, method::get_table);
    EXPECT_EQ(h.method_byte(), 0x92);
    h.set_method_byte(method::report);
    EXPECT_FALSE(h.response);
    EXPECT_EQ(h.method_byte(), 0x06);
}

TEST(WireMadHeader, ReplyKeepsTransactionAndAttribute) {
    const MadHeader req = MadHeader::request(mgmt_class::device_mgmt, class_version::dm,
                                             method::get, dm_attr::io_unit_info, 0, 77);
    const MadHeader resp = req.reply(method::get_resp, dm_status::unsup_method_attr);
    EXPECT_EQ(resp.tid, 77U);
    EXPECT_EQ(resp.attr_id, dm_attr::io_unit_info);
    EXPECT_EQ(resp.method_byte(), method::get_resp);
    EXPECT_EQ(resp.status, 0x000c);
}

TEST(WireRmppHeader, GoldenWithBitFields) {
    RmppHeader h;
    h.version = 1;
    h.type = rmpp_type::data;
    h.resp_time = 0x0e;
    h.flags = rmpp_flag::active | rmpp_flag::first;
    h.segment_number = 1;
    h.payload_length = 420;
    test::expect_golden(golden("rmpp_header"), h);
    test::expect_length_checks<RmppHeader>(golden("rmpp_header"));
}

TEST(WireRmppHeader, FlagsAndRespTimeShareAByte) {
    RmppHeader h;
    h.resp_time = 0x1f;
    h.flags = 0;
    EXPECT_EQ(h.encode()[2], 0xf8);
    h.resp_time = 0;
    h.flags = 0x7;
    EXPECT_EQ(h.encode()[2], 0x07);
    h.flags = 0xff;  // wider than 3 bits: cut to the field
    EXPECT_EQ(h.encode()[2], 0x07);
    EXPECT_EQ(RmppHeader::single_request().encode()[0], 1);
    EXPECT_EQ(RmppHeader::single_request().encode()[1], rmpp_type::data);
    EXPECT_EQ(RmppHeader::single_request().encode()[2], 0);
}

TEST(WireSaHeader, Golden) {
    SaHeader h;
    h.sm_key = 0x0102030405060708;
    h.attr_offset = 9;
    h.comp_mask = 0x80;
    test::expect_golden(golden("sa_header"), h);
    test::expect_length_checks<SaHeader>(golden("sa_header"));
    EXPECT_EQ(SaHeader::attr_offset_for(108), 14);
    EXPECT_EQ(SaHeader::attr_offset_for(68), 9);
    EXPECT_EQ(SaHeader::attr_offset_for(64), 8);
}

TEST(WireStatus, BitsAndCodes) {
    EXPECT_TRUE(status_busy(0x0001));
    EXPECT_FALSE(status_busy(0x0100));
    EXPECT_TRUE(status_redirect(0x0002));
    EXPECT_EQ(status_invalid_field(0x0004), 1);
    EXPECT_EQ(status_invalid_field(dm_status::unsup_method), 2);
    EXPECT_EQ(status_invalid_field(dm_status::unsup_method_attr), 3);
    EXPECT_EQ(status_invalid_field(dm_status::invalid_field), 7);
    EXPECT_EQ(status_class_code(0x0300), sa_status::no_records);
    EXPECT_EQ(status_class_code(dm_status::no_ioc), 1);
    EXPECT_EQ(invalid_field_name(7), "invalid attribute or modifier value");
    EXPECT_EQ(invalid_field_name(5), "reserved invalid-field code");
    EXPECT_EQ(sa_status_name(sa_status::insufficient_components), "insufficient components");
    EXPECT_EQ(sa_status_name(200), "unknown SA status");
}

TEST(WireStatus, Descriptions) {
    EXPECT_EQ(describe_status(0, mgmt_class::subn_adm), "0x0000 (ok)");
    EXPECT_EQ(describe_status(0x0300, mgmt_class::subn_adm), "0x0300 (no records)");
    EXPECT_EQ(describe_status(0x0100, mgmt_class::device_mgmt), "0x0100 (no IOC at this slot)");
    EXPECT_EQ(describe_status(0x001c, mgmt_class::device_mgmt),
              "0x001c (invalid attribute or modifier value)");
    EXPECT_EQ(describe_status(0x000c, mgmt_class::device_mgmt),
              "0x000c (method/attribute combination not supported)");
    EXPECT_EQ(describe_status(0x0008, mgmt_class::device_mgmt), "0x0008 (method not supported)");
    EXPECT_EQ(describe_status(0x0003, mgmt_class::subn_adm), "0x0003 (busy, redirect required)");
    EXPECT_EQ(describe_status(0x0700, mgmt_class::device_mgmt), "0x0700 (class-specific code 7)");
    EXPECT_EQ(describe_status(0x0020, 0x04), "0x0020 (reserved bits set)");
}

TEST(WireMadHeader, SetTidWritesTheTransactionIdAndNothingElse) {
    MadBuffer mad{};
    for (std::size_t i = 0; i < mad.size(); ++i) {
        mad[i] = static_cast<std::uint8_t>(i);
    }
    const MadBuffer before = mad;
    set_tid(mad, 0x0011223344556677ULL);
    for (std::size_t i = 0; i < mad.size(); ++i) {
        if (i < 8 || i >= 16) {
            EXPECT_EQ(mad[i], before[i]) << "byte " << i;
        }
    }
    const std::uint8_t tid[] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77};
    for (std::size_t i = 0; i < 8; ++i) {
        EXPECT_EQ(mad[8 + i], tid[i]) << "byte " << 8 + i;
    }
    // A 32-bit TID, as the request tracker writes it: the upper half zero.
    set_tid(mad, 0x9abcdef0U);
    EXPECT_EQ(header_of(mad).tid, 0x9abcdef0U);
    EXPECT_EQ(mad[8], 0);
    EXPECT_EQ(mad[11], 0);
    EXPECT_EQ(mad[12], 0x9a);
    EXPECT_EQ(mad[15], 0xf0);
}

TEST(WireMadHeader, HeaderOfAWholeMadIsItsDecodedHeader) {
    const auto h = MadHeader::request(mgmt_class::device_mgmt, class_version::dm, method::get,
                                      dm_attr::service_entries, 0x00010300, 0x42);
    MadBuffer mad{};
    const auto bytes = h.encode();
    std::copy(bytes.begin(), bytes.end(), mad.begin());
    mad[40] = 0xff;  // data bytes do not matter
    EXPECT_EQ(header_of(mad), h);
    EXPECT_EQ(header_of(mad), MadHeader::decode(mad).value());
}

TEST(WireStatus, CheckStatusMapsToErrorCodes) {
    MadHeader h;
    h.mgmt_class = mgmt_class::device_mgmt;
    EXPECT_TRUE(check_status(h, "IOUnitInfo from LID 5").has_value());
    h.status = dm_status::no_ioc;
    auto r = check_status(h, "IOControllerProfile slot 3 from LID 5");
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Errc::mad_status);
    EXPECT_EQ(r.error().message,
              "IOControllerProfile slot 3 from LID 5: status 0x0100 (no IOC "
              "at this slot)");
    h.status = status::busy;
    EXPECT_EQ(check_status(h, "x").error().code, Errc::busy);
}

}  // namespace
}  // namespace srpadm::wire
