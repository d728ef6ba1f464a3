// Device Management attributes: IOUnitInfo, IOControllerProfile, ServiceEntries and the
// ServiceEntries modifier, with LIO ib_srpt-shaped answers.
#include <gtest/gtest.h>

#include <srpadm/wire/dm.hpp>

#include "wire_test_support.hpp"

namespace srpadm::wire {
namespace {

using test::Bytes;
using test::golden;

constexpr Guid kServiceGuid = 0x0002c90300a0b1c0;

TEST(WireIoUnitInfo, LioGolden) {
    IoUnitInfo u;
    u.change_id = 1;
    u.max_controllers = 16;
    ASSERT_TRUE(u.set_slot(1, ioc_slot::present));
    test::expect_golden(golden("io_unit_info_lio"), u);
    test::expect_length_checks<IoUnitInfo>(golden("io_unit_info_lio"));
    EXPECT_EQ(u.present_slots(), (std::vector<std::uint16_t>{1}));
    EXPECT_EQ(u.slot(1), ioc_slot::present);
    EXPECT_EQ(u.slot(2), ioc_slot::not_installed);
    EXPECT_FALSE(u.diag_device_id());
    EXPECT_FALSE(u.option_rom());
}

TEST(WireIoUnitInfo, SlotNibbleOrder) {
    IoUnitInfo u;
    u.change_id = 0xbeef;
    u.max_controllers = 5;
    u.diag_rom = IoUnitInfo::kDiagDeviceId | IoUnitInfo::kOptionRom;
    u.controller_list[0] = 0x10;
    u.controller_list[1] = 0xf1;
    u.controller_list[2] = 0x10;
    u.controller_list[127] = 0x0f;
    test::expect_golden(golden("io_unit_info_slots"), u);
    EXPECT_EQ(u.slot(1), 1);
    EXPECT_EQ(u.slot(2), 0);
    EXPECT_EQ(u.slot(3), 0xf);
    EXPECT_EQ(u.slot(4), 1);
    EXPECT_EQ(u.slot(5), 1);
    EXPECT_EQ(u.slot(255), 0);
    EXPECT_EQ(u.slot(256), 0xf);
    EXPECT_EQ(u.present_slots(), (std::vector<std::uint16_t>{1, 4, 5}));
    EXPECT_TRUE(u.diag_device_id());
    EXPECT_TRUE(u.option_rom());
}

TEST(WireIoUnitInfo, SlotAccessorsRefuseOutOfRange) {
    IoUnitInfo u;
    EXPECT_EQ(u.slot(0), std::nullopt);
    EXPECT_EQ(u.slot(257), std::nullopt);
    EXPECT_FALSE(u.set_slot(0, 1));
    EXPECT_FALSE(u.set_slot(257, 1));
    EXPECT_TRUE(u.set_slot(256, 0x3f));  // only the low 4 bits are kept
    EXPECT_EQ(u.controller_list[127], 0x0f);
    EXPECT_TRUE(u.set_slot(255, 0x2));
    EXPECT_EQ(u.controller_list[127], 0x2f);
    u.max_controllers = 255;  // present_slots() never looks past MaxControllers
    EXPECT_TRUE(u.present_slots().empty());
}

IoControllerProfile lio_profile() {
    IoControllerProfile p;
    p.guid = kServiceGuid;
    p.vendor_id = 0x000002c9;
    p.device_id = 0x1003;
    p.device_version = 0xb0;
    p.subsystem_vendor_id = 0x000002c9;
    p.subsystem_id = 0;
    p.io_class = srp_ioc::io_class_rev16a;
    p.io_subclass = srp_ioc::io_subclass;
    p.protocol = srp_ioc::protocol;
    p.protocol_version = srp_ioc::protocol_version;
    p.send_queue_depth = 128;
    p.rdma_read_depth = 4;
    p.send_size = 4096;
    p.rdma_size = 65536;
    p.controller_op_cap = ioc_op_cap::send_to_ioc | ioc_op_cap::send_from_ioc |
                          ioc_op_cap::rdma_read_from_ioc | ioc_op_cap::rdma_write_from_ioc;
    p.service_entries = 1;
    p.id_string = WireString<64>::from_text("Linux SRP target");
    return p;
}

TEST(WireIocProfile, LioGolden) {
    const IoControllerProfile p = lio_profile();
    EXPECT_EQ(p.controller_op_cap, 0x2b);
    test::expect_golden(golden("ioc_profile_lio"), p);
    EXPECT_TRUE(p.is_srp());
    EXPECT_EQ(p.id_string.display(), "Linux SRP target");
    // LIO's unshifted VendorID, read the IBA way (srp_daemon prints this wrong value).
    EXPECT_EQ(p.vendor_id_iba(), 0x2U);
    EXPECT_EQ(p.subsystem_vendor_id_iba(), 0x2U);
}

TEST(WireIocProfile, RefusesShortProfile) {
    const Bytes bytes = golden("ioc_profile_lio");
    const auto r = IoControllerProfile::decode(std::span(bytes).first(100));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Errc::malformed);
    EXPECT_EQ(r.error().message, "IOControllerProfile: 100 bytes, need 128");
    test::expect_length_checks<IoControllerProfile>(bytes);
}

TEST(WireIocProfile, EveryFieldHasItsOwnBytes) {
    IoControllerProfile p;
    p.guid = 0x0102030405060708;
    p.vendor_id = 0x090a0b0c;
    p.device_id = 0x0d0e0f10;
    p.device_version = 0x1112;
    p.subsystem_vendor_id = 0x15161718;
    p.subsystem_id = 0x191a1b1c;
    p.io_class = 0x1d1e;
    p.io_subclass = 0x1f20;
    p.protocol = 0x2122;
    p.protocol_version = 0x2324;
    p.service_conn = 0x2526;
    p.initiators_supported = 0x2728;
    p.send_queue_depth = 0x292a;
    p.rdma_read_depth = 0x2c;
    p.send_size = 0x2d2e2f30;
    p.rdma_size = 0x31323334;
    p.controller_op_cap = 0x35;
    p.service_cap = 0x36;
    p.service_entries = 0x37;
    p.id_string = WireString<64>::from_text(std::string(64, 'x'));
    const Bytes expected = test::parse_hex(
        "0102030405060708 090a0b0c 0d0e0f10 1112 0000 15161718 191a1b1c 1d1e 1f20 2122 2324 "
        "2526 2728 292a 00 2c 2d2e2f30 31323334 35 36 37 @64");
    Bytes full = expected;
    full.insert(full.end(), 64, 'x');
    test::expect_golden(full, p);
    EXPECT_FALSE(p.id_string.terminated());
    EXPECT_EQ(p.id_string.display(), std::string(64, 'x'));
}

ServiceEntries lio_service_entries() {
    ServiceEntries s;
    s.count = 1;
    s.entries[0].name = WireString<40>::from_text("SRP.T10:0002c90300a0b1c0");
    s.entries[0].id = kServiceGuid;
    return s;
}

TEST(WireServiceEntries, LioGolden) {
    const Bytes bytes = golden("service_entries_lio");
    const auto mod = ServiceEntriesModifier::make(1, 0, 0).value();
    const auto decoded = ServiceEntries::decode(bytes, mod);
    ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
    EXPECT_EQ(*decoded, lio_service_entries());
    EXPECT_EQ(test::to_bytes(lio_service_entries().encode()), bytes);
    ASSERT_EQ(decoded->valid().size(), 1U);
    const ServiceEntry& e = decoded->valid()[0];
    EXPECT_TRUE(e.is_srp_target());
    EXPECT_EQ(e.srp_id_ext(), "0002c90300a0b1c0");
    EXPECT_EQ(e.name.display(), "SRP.T10:0002c90300a0b1c0");
    test::expect_golden(Bytes(bytes.begin(), bytes.begin() + 48), e);
    test::expect_length_checks<ServiceEntry>(Bytes(bytes.begin(), bytes.begin() + 48));
}

TEST(WireServiceEntries, FourEntriesAndShortData) {
    ServiceEntries s;
    s.count = 4;
    for (std::size_t i = 0; i < 4; ++i) {
        s.entries[i].name = WireString<40>::from_text("svc" + std::to_string(i));
        s.entries[i].id = 0x1000 + i;
    }
    const auto bytes = s.encode();
    EXPECT_EQ(bytes[144], 's');
    EXPECT_EQ(bytes[191], 0x03);
    const auto mod = ServiceEntriesModifier::make(2, 4, 7).value();
    EXPECT_EQ(ServiceEntries::decode(bytes, mod).value(), s);
    const auto r = ServiceEntries::decode(std::span(bytes).first(191), mod);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().message, "ServiceEntries: 191 bytes, need 192 for 4 entries");
    // Two entries asked for: 96 bytes are enough.
    const auto two = ServiceEntries::decode(std::span(bytes).first(96),
                                            ServiceEntriesModifier::make(2, 4, 5).value());
    ASSERT_TRUE(two.has_value());
    EXPECT_EQ(two->count, 2);
    EXPECT_EQ(two->entries[2], ServiceEntry{});
}

TEST(WireServiceEntry, SrpNameRules) {
    ServiceEntry e;
    e.name = WireString<40>::from_text("SRP.T10:0002c90300a0b1c");  // 15 characters
    EXPECT_FALSE(e.is_srp_target());
    EXPECT_EQ(e.srp_id_ext(), "");
    e.name = WireString<40>::from_text("srp.t10:0002c90300a0b1c0");
    EXPECT_FALSE(e.is_srp_target());
    e.name = WireString<40>::from_text("SRP.T10:0002C90300A0B1C0-and-more");
    EXPECT_TRUE(e.is_srp_target());
    EXPECT_EQ(e.srp_id_ext(), "0002C90300A0B1C0");
    e.name.raw.fill(0xff);  // no NUL anywhere, not printable
    EXPECT_FALSE(e.is_srp_target());
    EXPECT_EQ(e.name.display().size(), 40U * 4U);
}

TEST(WireServiceEntriesModifier, EncodeDecode) {
    const auto m = ServiceEntriesModifier::make(1, 0, 3).value();
    EXPECT_EQ(m.encode(), 0x00010300U);
    EXPECT_EQ(m.count(), 4U);
    EXPECT_EQ(ServiceEntriesModifier::decode(0x00010300).value(), m);
    const auto big = ServiceEntriesModifier::decode(0xffff0705).value();
    EXPECT_EQ(big.slot, 0xffff);
    EXPECT_EQ(big.first, 5);
    EXPECT_EQ(big.last, 7);
    EXPECT_EQ(big.count(), 3U);
    EXPECT_EQ(ServiceEntriesModifier::decode(0x00100000).value().slot, 16);
}

TEST(WireServiceEntriesModifier, RefusesBadRanges) {
    auto r = ServiceEntriesModifier::make(1, 4, 3);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Errc::malformed);
    EXPECT_EQ(r.error().message, "ServiceEntries modifier: first entry 4 after last entry 3");
    r = ServiceEntriesModifier::make(1, 0, 4);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().message, "ServiceEntries modifier: entries 0..4 are more than 4");
    EXPECT_FALSE(ServiceEntriesModifier::decode(0x000100ff).has_value());  // first 255, last 0
    EXPECT_FALSE(ServiceEntriesModifier::decode(0x0001ff00).has_value());  // 256 entries
    EXPECT_TRUE(ServiceEntriesModifier::make(1, 252, 255).has_value());
}

}  // namespace
}  // namespace srpadm::wire
