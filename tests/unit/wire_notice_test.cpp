// Notice and the typed details of traps 64, 65, 144 and 145.
#include <variant>

#include <gtest/gtest.h>

#include <srpadm/wire/notice.hpp>

#include "wire_test_support.hpp"

namespace srpadm::wire {
namespace {

using test::Bytes;
using test::golden;

using test::kSmGid;
const Gid& kPortGid = test::kTargetPortGid;

// The fixture decodes to `details` through Notice::details(), and Notice::generic() builds the
// same Notice from them once toggle and count are set.
void expect_trap(const Bytes& fixture, const NoticeDetails& details, Lid issuer_lid,
                 const Gid& issuer_gid) {
    const auto n = Notice::decode(fixture);
    ASSERT_TRUE(n.has_value()) << n.error().message;
    EXPECT_TRUE(n->details() == details);
    Notice built = Notice::generic(details, issuer_lid, issuer_gid);
    built.notice_toggle = n->notice_toggle;
    built.notice_count = n->notice_count;
    built.producer_type = n->producer_type;  // a switch issues 145 in one fixture
    EXPECT_TRUE(built == *n);
    test::expect_golden(fixture, *n);
}

TEST(WireNotice, Trap64Golden) {
    Notice n;
    n.is_generic = true;
    n.type = notice_type::subnet_mgmt;
    n.producer_type = producer_type::class_manager;
    n.trap_number = trap::gid_in_service;
    n.issuer_lid = 1;
    n.notice_toggle = true;
    n.notice_count = 0x1234;
    const Bytes gid_bytes(kPortGid.raw.begin(), kPortGid.raw.end());
    std::copy(gid_bytes.begin(), gid_bytes.end(), n.data_details.begin() + 6);
    n.issuer_gid = kSmGid;
    test::expect_golden(golden("notice_trap64"), n);
    test::expect_length_checks<Notice>(golden("notice_trap64"));
    expect_trap(golden("notice_trap64"), GidInService{kPortGid}, 1, kSmGid);
}

TEST(WireNotice, Trap65Golden) {
    expect_trap(golden("notice_trap65"), GidOutOfService{kPortGid}, 1, kSmGid);
}

TEST(WireNotice, Trap144Golden) {
    LocalChanges d;
    d.lid = 5;
    d.other_local_changes = true;
    d.capability_mask = 0x0259486a;
    d.change_flags = change_flag::node_description | change_flag::link_speed_enabled |
                     change_flag::capability_mask2;
    d.capability_mask2 = 2;
    expect_trap(golden("notice_trap144"), d, 5, kPortGid);
    const auto n = Notice::decode(golden("notice_trap144"));
    EXPECT_EQ(n->type, notice_type::info);
    EXPECT_EQ(n->producer_type, producer_type::channel_adapter);
    EXPECT_TRUE(std::get<LocalChanges>(n->details()).other_local_changes);
}

TEST(WireNotice, Trap145Golden) {
    const SystemImageGuidChanged d{7, 0x0002c90300a0b1c3};
    expect_trap(golden("notice_trap145"), d, 7,
                Gid::from_parts(test::kLinkLocal, 0x0002c90300a0b1d0));
}

TEST(WireNotice, VendorAndUnknownNoticesHaveNoTypedDetails) {
    Bytes bytes = golden("notice_trap144");
    bytes[0] = 0x04;  // IsGeneric 0: a vendor notice, bytes 4-5 are a DeviceID
    auto n = Notice::decode(bytes);
    ASSERT_TRUE(n.has_value());
    EXPECT_FALSE(n->is_generic);
    EXPECT_TRUE(std::holds_alternative<OtherNotice>(n->details()));
    bytes = golden("notice_trap144");
    bytes[5] = 128;  // trap 128, link state changed
    n = Notice::decode(bytes);
    EXPECT_TRUE(std::holds_alternative<OtherNotice>(n->details()));
    EXPECT_EQ(test::to_bytes(n->encode()), bytes);
}

TEST(WireNotice, Trap144DetailsAtFullWidth) {
    LocalChanges d;
    d.lid = 0xffff;
    d.other_local_changes = true;
    d.capability_mask = 0xffffffff;
    d.change_flags = 0xffff;
    d.capability_mask2 = 0xffff;
    const Notice n = Notice::generic(d, 0, Gid{});
    const auto bytes = n.encode();
    EXPECT_EQ(test::to_bytes(bytes),
              test::padded(test::parse_hex("84000001 0090 0000 0000 0000 ffff 00 01 ffffffff "
                                           "ffff ffff"),
                           80));
    EXPECT_TRUE(n.details() == NoticeDetails{d});
}

TEST(WireNotice, GenericOtherNoticeIsEmpty) {
    const Notice n = Notice::generic(OtherNotice{}, 3, kSmGid);
    EXPECT_TRUE(n.is_generic);
    EXPECT_EQ(n.trap_number, 0);
    EXPECT_EQ(n.data_details, (std::array<std::uint8_t, 54>{}));
}

}  // namespace
}  // namespace srpadm::wire
