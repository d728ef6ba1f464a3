// The byte layer: field descriptions, bounds-checked big-endian access, wire strings.
#include <array>
#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include <srpadm/wire/bytes.hpp>
#include <srpadm/wire/layouts.hpp>
#include <srpadm/wire/wire_string.hpp>

#include "wire_test_support.hpp"

namespace srpadm::wire {
namespace {

using test::Bytes;

TEST(WireField, WellFormedRules) {
    EXPECT_TRUE(field_is_well_formed(Field{"a", 0, 0, 1}));
    EXPECT_TRUE(field_is_well_formed(Field{"a", 3, 7, 57}));   // 7 + 57 = 64 bits
    EXPECT_FALSE(field_is_well_formed(Field{"a", 3, 7, 58}));  // spans 9 bytes
    EXPECT_FALSE(field_is_well_formed(Field{"a", 0, 0, 0}));
    EXPECT_FALSE(field_is_well_formed(Field{"a", 0, 8, 4}));
    EXPECT_TRUE(field_is_well_formed(Field{"gid", 8, 0, 128}));
    EXPECT_FALSE(field_is_well_formed(Field{"gid", 8, 4, 128}));
    EXPECT_FALSE(field_is_well_formed(Field{"odd", 8, 0, 100}));
}

TEST(WireField, LayoutValidityCatchesOverlapAndOverrun) {
    constexpr std::array ok{Field{"a", 0, 0, 4}, Field{"b", 0, 4, 12}, Field{"c", 2, 0, 16}};
    static_assert(layout_is_valid(ok, 4));
    constexpr std::array overlap{Field{"a", 0, 0, 5}, Field{"b", 0, 4, 4}};
    static_assert(!layout_is_valid(overlap, 4));
    static_assert(!layout_is_valid(ok, 3));  // "c" ends at byte 4
}

// The structure sizes and key offsets the brief names, restated here so a change to a layout
// shows up as a test change too.
TEST(WireLayouts, SizesAndKeyOffsets) {
    namespace l = layout;
    static_assert(l::mad_header::size == 24 && l::rmpp_header::size == 12);
    static_assert(l::sa_header::size == 20 && l::class_port_info::size == 72);
    static_assert(l::node_record::size == 108 && l::path_record::size == 64);
    static_assert(l::port_info::size == 64 && l::port_info_record::size == 68);
    static_assert(l::inform_info::size == 36 && l::notice::size == 80);
    static_assert(l::io_unit_info::size == 132 && l::ioc_profile::size == 128);
    static_assert(l::service_entry::size == 48);
    static_assert(l::ioc_profile::id_string.byte == 64);
    static_assert(l::port_info::capability_mask.at(l::port_info_record::port_info_offset).byte ==
                  24);
    static_assert(l::port_info::capability_mask.byte == 20);
    EXPECT_EQ(l::notice::trap_144::capability_mask.byte, 16U);
    EXPECT_EQ(l::notice::trap_64_65::gid.byte, 16U);
}

TEST(WireBytes, ReadsBigEndianNumbersAtAnyBit) {
    const Bytes b = test::parse_hex("8abc de40 c5 ff");
    ByteReader r(b);
    EXPECT_EQ(r.u32(0), 0x8abcde40U);
    EXPECT_EQ(r.number(Field{"raw", 0, 0, 1}), 1U);
    EXPECT_EQ(r.number(Field{"fl", 0, 4, 20}), 0xabcdeU);
    EXPECT_EQ(r.number(Field{"hl", 3, 0, 8}), 0x40U);
    EXPECT_EQ(r.number(Field{"rev", 4, 0, 1}), 1U);
    EXPECT_EQ(r.number(Field{"np", 4, 1, 7}), 0x45U);
    EXPECT_EQ(r.number(Field{"cross", 3, 4, 8}), 0x0cU);
    EXPECT_EQ(r.u16(4), 0xc5ffU);
    EXPECT_TRUE(r.ok());
}

TEST(WireBytes, Reads64BitNumbers) {
    const Bytes b = test::parse_hex("0102030405060708 09");
    ByteReader r(b);
    EXPECT_EQ(r.u64(0), 0x0102030405060708ULL);
    EXPECT_EQ(r.u64(1), 0x0203040506070809ULL);
    EXPECT_EQ(r.number(Field{"57", 0, 7, 57}), 0x0102030405060708ULL & ((1ULL << 57) - 1));
}

TEST(WireBytes, WritesKeepNeighbouringBits) {
    Bytes b = test::parse_hex("ffff ffff");
    ByteWriter w(b);
    w.number(Field{"fl", 0, 4, 20}, 0);
    EXPECT_EQ(b, test::parse_hex("f000 00ff"));
    w.number(Field{"fl", 0, 4, 20}, 0xfff12345);  // high bits dropped
    EXPECT_EQ(b, test::parse_hex("f123 45ff"));
    w.number(Field{"bit", 3, 7, 1}, 0);
    EXPECT_EQ(b, test::parse_hex("f123 45fe"));
    EXPECT_TRUE(w.ok());
}

TEST(WireBytes, NeverReadsOrWritesOutsideTheSpan) {
    const std::array<std::uint8_t, 8> storage{1, 2, 3, 4, 5, 6, 7, 8};
    ByteReader r{std::span(storage).first(4)};
    EXPECT_EQ(r.u32(0), 0x01020304U);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.u16(3), 0U);  // byte 4 is outside
    EXPECT_FALSE(r.ok());

    ByteReader r2{std::span(storage).first(4)};
    std::array<std::uint8_t, 16> gid{};
    gid.fill(0xee);
    r2.copy(Field{"gid", 0, 0, 128}, gid);
    EXPECT_FALSE(r2.ok());
    EXPECT_EQ(gid, (std::array<std::uint8_t, 16>{}));

    std::array<std::uint8_t, 6> out{};
    ByteWriter w{std::span(out).first(4)};
    w.u32(2, 0xffffffff);
    EXPECT_FALSE(w.ok());
    EXPECT_EQ(out, (std::array<std::uint8_t, 6>{}));
    w.number(Field{"bad", 0, 9, 3}, 1);  // malformed field
    EXPECT_EQ(out, (std::array<std::uint8_t, 6>{}));
}

TEST(WireString, DisplayStopsAtNulAndEscapes) {
    auto s = WireString<16>::from_text("Linux SRP target");
    EXPECT_EQ(s.display(), "Linux SRP target");
    EXPECT_FALSE(s.terminated());
    EXPECT_EQ(s.length(), 16U);

    auto t = WireString<8>::from_text("ab");
    t.raw[2] = 0;
    t.raw[3] = 'z';
    EXPECT_EQ(t.display(), "ab");
    EXPECT_EQ(t.view(), "ab");
    EXPECT_TRUE(t.terminated());

    EXPECT_EQ(display_text(test::parse_hex("1b5b 3331 6d")), "\\x1b[31m");
    EXPECT_EQ(display_text(test::parse_hex("5c 0a 7f 80 ff 20 7e")), "\\x5c\\x0a\\x7f\\x80\\xff ~");
}

TEST(WireString, DisplayOfEveryByteIsPrintableAscii) {
    Bytes all;
    for (int b = 1; b < 256; ++b) {
        all.push_back(static_cast<std::uint8_t>(b));
    }
    const std::string shown = display_text(all);
    for (const char c : shown) {
        EXPECT_TRUE(c >= 0x20 && c <= 0x7e) << static_cast<int>(c);
    }
    // 94 printable bytes other than the backslash stay; the other 161 become 4 characters each.
    EXPECT_EQ(shown.size(), 94U + 161U * 4U);
}

TEST(WireString, PrefixComparesRawBytes) {
    auto s = WireString<40>::from_text("SRP.T10:0002c90300a0b1c0");
    EXPECT_TRUE(s.starts_with("SRP.T10:"));
    EXPECT_TRUE(s.starts_with(""));
    EXPECT_FALSE(s.starts_with("SRP.T10;"));
    EXPECT_FALSE(s.starts_with(std::string(41, 'S')));
    auto t = WireString<40>::from_text("SRP.T10");
    EXPECT_FALSE(t.starts_with("SRP.T10:"));  // the NUL at 7 does not match ':'
    EXPECT_TRUE(t.starts_with(std::string_view("SRP.T10\0", 8)));
}

TEST(WireString, FromTextCutsAtSize) {
    const auto s = WireString<4>::from_text("abcdef");
    EXPECT_EQ(s.view(), "abcd");
    EXPECT_EQ(s.display(), "abcd");
}

}  // namespace
}  // namespace srpadm::wire
