#include <gtest/gtest.h>

#include <srpadm/types.hpp>

namespace srpadm {
namespace {

TEST(Gid, PartsRoundTrip) {
    const Gid g = Gid::from_parts(0xfe80000000000000ULL, 0x0005ad00000013e9ULL);
    EXPECT_EQ(g.prefix(), 0xfe80000000000000ULL);
    EXPECT_EQ(g.guid(), 0x0005ad00000013e9ULL);
    EXPECT_EQ(g.raw[0], 0xfe);
    EXPECT_EQ(g.raw[15], 0xe9);
    EXPECT_EQ(g.hex(), "fe800000000000000005ad00000013e9");
    EXPECT_EQ(g.colon_groups(), "fe80:0000:0000:0000:0005:ad00:0000:13e9");
}

TEST(Gid, ParsesBothTextForms) {
    const Gid want = Gid::from_parts(0xfe80000000000000ULL, 0x0002c90300a0b1c2ULL);
    EXPECT_EQ(Gid::parse("fe800000000000000002c90300a0b1c2").value(), want);
    EXPECT_EQ(Gid::parse("fe80:0000:0000:0000:0002:c903:00a0:b1c2\n").value(), want);
    EXPECT_EQ(Gid::parse("fe80:0:0:0:2:c903:a0:b1c2").value(), want);
}

TEST(Gid, RefusesBadText) {
    for (const char* bad :
         {"", "fe80", "fe800000000000000002c90300a0b1cz", "fe80:0:0:0:2:c903:a0",
          "fe80:0:0:0:2:c903:a0:b1c2:1", "fe80::2:c903:a0:b1c2", "fe80:00000:0:0:2:c903:a0:b1c2"}) {
        const auto r = Gid::parse(bad);
        ASSERT_FALSE(r.has_value()) << bad;
        EXPECT_EQ(r.error().code, Errc::invalid_input) << bad;
    }
}

TEST(Guid, ColonForm) {
    EXPECT_EQ(guid_colon_form(0x0002c90300a0b1c2ULL), "0002:c903:00a0:b1c2");
}

TEST(ExitStatus, MapsEveryErrorCode) {
    EXPECT_EQ(exit_status(Errc::usage), ExitStatus::usage);
    EXPECT_EQ(exit_status(Errc::invalid_input), ExitStatus::invalid_input);
    EXPECT_EQ(exit_status(Errc::port_state), ExitStatus::port);
    EXPECT_EQ(exit_status(Errc::timeout), ExitStatus::discovery);
    EXPECT_EQ(exit_status(Errc::partial), ExitStatus::partial);
    EXPECT_EQ(exit_status(Errc::exists), ExitStatus::connect);
    EXPECT_EQ(exit_status(Errc::internal), ExitStatus::failure);
    EXPECT_EQ(errc_name(Errc::mad_status), "mad-status");
}

}  // namespace
}  // namespace srpadm
