// Initiator port IDs and ACL names, with worked examples (see model/initiator_id.hpp for the
// kernel sources).
#include <gtest/gtest.h>

#include <srpadm/model/initiator_id.hpp>

namespace srpadm::model {
namespace {

TEST(InitiatorId, Rev16aOrder) {
    // "initiator_ext=0x0005ad00000bf4d4 with port GUID 0x0005ad00000bf3d0 gives
    // 0x0005ad00000bf4d40005ad00000bf3d0".
    EXPECT_EQ(port_id_text(initiator_port_id(0x0005ad00000bf4d4ULL, 0x0005ad00000bf3d0ULL)),
              "0x0005ad00000bf4d40005ad00000bf3d0");
    // LIO's own example: initiator_ext 0 and port GUID 5054:00ff:fe4a:0b7b.
    EXPECT_EQ(port_id_text(initiator_port_id(0, 0x505400fffe4a0b7bULL)),
              "0x0000000000000000505400fffe4a0b7b");
}

TEST(InitiatorId, Rev10Order) {
    EXPECT_EQ(port_id_text(initiator_port_id(0x0005ad00000bf4d4ULL, 0x0005ad00000bf3d0ULL,
                                             login::kIoClassRev10)),
              "0x0005ad00000bf3d00005ad00000bf4d4");
}

TEST(InitiatorId, TopspinOverride) {
    EXPECT_EQ(port_id_text(topspin_initiator_port_id(0x0005ad00000bf3cfULL)),
              "0x00000000000000000005ad00000bf3cf");
    EXPECT_TRUE(has_topspin_oui(0x0005ad00000013e7ULL));
    EXPECT_TRUE(has_topspin_oui(0x001b0d0000000001ULL));
    EXPECT_FALSE(has_topspin_oui(0x0002c90300a0b1c2ULL));
    EXPECT_FALSE(has_topspin_oui(0x000005ad00000000ULL));
}

TEST(InitiatorId, GuidForm) {
    EXPECT_EQ(guid_colon_form(0x0002c90300a0b1c2ULL), "0002:c903:00a0:b1c2");
    EXPECT_EQ(guid_colon_form(0x505400fffe4a0b7bULL), "5054:00ff:fe4a:0b7b");
}

TEST(InitiatorId, SourceAddresses) {
    const Gid v4 = Gid::parse("0000:0000:0000:0000:0000:ffff:c0a8:7a4c").value();
    EXPECT_EQ(source_address_text(v4).value(), "192.168.122.76");
    const Gid v6 = Gid::parse("fe80:0000:0000:0000:5054:00ff:fe4a:0b7b").value();
    EXPECT_EQ(source_address_text(v6).value(), "fe80:0000:0000:0000:5054:00ff:fe4a:0b7b");
    EXPECT_FALSE(source_address_text(Gid{}));
}

}  // namespace
}  // namespace srpadm::model
