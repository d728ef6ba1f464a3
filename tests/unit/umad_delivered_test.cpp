// What the real endpoint keeps of a received MAD under libumad2sim (umad/delivered.hpp): the
// first 224 bytes, the rest read as zero, the length unchanged.
#include <gtest/gtest.h>

#include <srpadm/umad/delivered.hpp>
#include <srpadm/wire/dm.hpp>
#include <srpadm/wire/message.hpp>

namespace srpadm::umad {
namespace {

TEST(Umad2simDelivered, TwoHundredTwentyFourBytesBehindTheUmadHeader) {
    // libibumad's umad_size() is sizeof(struct ib_user_mad): 64 bytes.
    EXPECT_EQ(umad2sim_delivered_bytes(64), 224U);
    EXPECT_EQ(umad2sim_delivered_bytes(288), 0U);
    EXPECT_EQ(umad2sim_delivered_bytes(1000), 0U);
}

TEST(Umad2simDelivered, BytesPastTheLimitReadAsZeroAndTheLengthStays) {
    std::vector<std::uint8_t> mad(256, 0xab);
    EXPECT_TRUE(clear_undelivered(mad, 224));
    ASSERT_EQ(mad.size(), 256U);
    for (std::size_t i = 0; i < mad.size(); ++i) {
        EXPECT_EQ(mad[i], i < 224 ? 0xab : 0x00) << "byte " << i;
    }
}

TEST(Umad2simDelivered, AMadThatFitsIsUntouched) {
    std::vector<std::uint8_t> whole(224, 0x5a);
    EXPECT_FALSE(clear_undelivered(whole, 224));
    EXPECT_EQ(whole, std::vector<std::uint8_t>(224, 0x5a));
    // A GetTableResp of one empty table as OpenSM sends it: 56 bytes.
    std::vector<std::uint8_t> short_mad(56, 0x11);
    EXPECT_FALSE(clear_undelivered(short_mad, 224));
    EXPECT_EQ(short_mad, std::vector<std::uint8_t>(56, 0x11));
    std::vector<std::uint8_t> empty;
    EXPECT_FALSE(clear_undelivered(empty, 224));
}

TEST(Umad2simDelivered, NothingDeliveredIsAllZero) {
    std::vector<std::uint8_t> mad(24, 0xff);
    EXPECT_TRUE(clear_undelivered(mad, 0));
    EXPECT_EQ(mad, std::vector<std::uint8_t>(24, 0));
}

// A ServiceEntries answer with four entries: the fourth lies at MAD bytes 208-255, so its name
// keeps 16 bytes and its service ID (248-255) is zero, whatever the heap held.
TEST(Umad2simDelivered, TheFourthServiceEntryKeepsSixteenNameBytesAndNoServiceId) {
    wire::ServiceEntries entries;
    entries.count = 4;
    const char* names[] = {"SRP.T10:0002C90300B00030", "srpadm.test.one", "srpadm.test.two",
                           "srpadm.test.fourth.entry.with.a.tail"};
    for (std::size_t i = 0; i < 4; ++i) {
        entries.entries[i].name = wire::WireString<40>::from_text(names[i]);
        entries.entries[i].id = 0x0102030405060708ULL + i;
    }
    const auto header =
        wire::MadHeader::request(wire::mgmt_class::device_mgmt, 1, wire::method::get_resp,
                                 wire::dm_attr::service_entries, 0x00010300, 5);
    const auto bytes = wire::build_dm_mad(header, entries.encode()).value();
    std::vector<std::uint8_t> mad(bytes.begin(), bytes.end());
    // What libumad2sim hands out: heap bytes after 224.
    for (std::size_t i = 224; i < mad.size(); ++i) {
        mad[i] = static_cast<std::uint8_t>(0x30 + i);
    }
    ASSERT_TRUE(clear_undelivered(mad, umad2sim_delivered_bytes(64)));

    const auto modifier = wire::ServiceEntriesModifier::make(1, 0, 3).value();
    const auto got = wire::decode_dm_response<wire::ServiceEntries>(mad, modifier);
    ASSERT_TRUE(got) << got.error().message;
    ASSERT_EQ(got->valid().size(), 4U);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(got->entries[i], entries.entries[i]) << i;
    }
    const auto& fourth = got->entries[3];
    EXPECT_EQ(fourth.name.view(), "srpadm.test.four");
    EXPECT_EQ(fourth.name.display(), "srpadm.test.four");
    EXPECT_EQ(fourth.id, 0U);
    EXPECT_FALSE(fourth.is_srp_target());
}

}  // namespace
}  // namespace srpadm::umad
