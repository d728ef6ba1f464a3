// Targets named by address (RoCE): the forms admins write, the GID an address stands for, the
// local GID a MAD leaves from, the RDMA/CM address of the logins, and the GID table read from
// sysfs (tests/fixtures/sysfs/host1, rxe0:1: link-local, IPv4 and IPv6 addresses on enp1s0).
#include <filesystem>

#include <gtest/gtest.h>

#include <srpadm/host/local_port.hpp>
#include <srpadm/model/address.hpp>
#include <srpadm/ops/scan.hpp>

namespace srpadm::model {
namespace {

namespace fs = std::filesystem;

const fs::path kHost1 = fs::path(SRPADM_SOURCE_DIR) / "tests/fixtures/sysfs/host1";

TargetAddress parsed(std::string_view text) {
    auto a = parse_target_address(text);
    EXPECT_TRUE(a) << text << ": " << (a ? "" : a.error().message);
    return a ? *a : TargetAddress{};
}

std::string refused(std::string_view text) {
    auto a = parse_target_address(text);
    EXPECT_FALSE(a) << text << " was taken as " << (a ? a->with_port(1) : "");
    if (a) {
        return {};
    }
    EXPECT_EQ(a.error().code, Errc::invalid_input);
    return a.error().message;
}

Gid gid(std::string_view text) {
    auto g = Gid::parse(text);
    EXPECT_TRUE(g) << text;
    return g ? *g : Gid{};
}

TEST(TargetAddress, IPv4WithAndWithoutAPort) {
    const auto a = parsed("192.0.2.15");
    EXPECT_EQ(a.family, TargetAddress::Family::ipv4);
    EXPECT_EQ(a.port, std::nullopt);
    EXPECT_EQ(a.host(), "192.0.2.15");
    EXPECT_EQ(a.with_port(5555), "192.0.2.15:5555");
    EXPECT_EQ(a.gid(), gid("0000:0000:0000:0000:0000:ffff:c000:020f"));
    EXPECT_FALSE(a.link_local());
    const auto b = parsed("192.0.2.15:4000");
    EXPECT_EQ(b.port, 4000);
    EXPECT_EQ(b.with_port(5555), "192.0.2.15:4000");
}

TEST(TargetAddress, IPv6BareBracketedScopedAndAsAGid) {
    const auto ll = parsed("fe80::5054:ff:fe12:3456");
    EXPECT_EQ(ll.family, TargetAddress::Family::ipv6);
    EXPECT_TRUE(ll.link_local());
    EXPECT_EQ(ll.gid(), gid("fe80:0000:0000:0000:5054:00ff:fe12:3456"));
    EXPECT_EQ(ll.with_port(5555), "[fe80::5054:ff:fe12:3456]:5555");
    const auto scoped = parsed("fe80::1%dummy0");
    EXPECT_EQ(scoped.scope, "dummy0");
    EXPECT_EQ(scoped.host(), "fe80::1%dummy0");
    const auto bracketed = parsed("[fe80::1%dummy0]:4000");
    EXPECT_EQ(bracketed,
              (TargetAddress{TargetAddress::Family::ipv6, scoped.bytes, "dummy0", 4000}));
    EXPECT_EQ(parsed("[2001:db8::7]").with_port(5555), "[2001:db8::7]:5555");
    // A GID as sysfs and add_target write it is the same address.
    EXPECT_EQ(parsed("fe80:0000:0000:0000:5054:00ff:fe12:3456"), ll);
    EXPECT_EQ(parsed("fe80000000000000505400fffe123456"), ll);
    EXPECT_EQ(parsed("0xfe80000000000000505400fffe123456"), ll);
    // IPv4-mapped forms are the IPv4 address.
    EXPECT_EQ(parsed("::ffff:192.0.2.15"), parsed("192.0.2.15"));
    EXPECT_EQ(parsed("00000000000000000000ffffc000020f"), parsed("192.0.2.15"));
}

TEST(TargetAddress, BadFormsSayWhatIsWrong) {
    EXPECT_EQ(refused(""), "an address is empty");
    EXPECT_EQ(refused("192.0.2.300"),
              "'192.0.2.300' is not an IPv4 address, an IPv6 address or a GID");
    EXPECT_EQ(refused("storage1"), "'storage1' is not an IPv4 address, an IPv6 address or a GID");
    EXPECT_EQ(refused("192.0.2.1:0"), "'0' is not an RDMA/CM port (1-65535)");
    EXPECT_EQ(refused("192.0.2.1:65536"), "'65536' is not an RDMA/CM port (1-65535)");
    EXPECT_EQ(refused("192.0.2.1:05"), "'05' is not an RDMA/CM port (1-65535)");
    EXPECT_EQ(refused("192.0.2.1:"), "'' is not an RDMA/CM port (1-65535)");
    EXPECT_EQ(refused("[fe80::1"), "'[' without ']'");
    EXPECT_EQ(refused("[fe80::1]5555"), "'5555' after ']': expected ':PORT'");
    EXPECT_EQ(refused("fe80::g"), "'fe80::g' is not an IPv6 address");
    EXPECT_EQ(refused("2001:db8::1%eth0"), "only a link-local IPv6 address takes a %scope");
    EXPECT_EQ(refused("fe80::1%eth/0"), "'eth/0' is not a scope (a network interface name)");
    EXPECT_EQ(refused("::ffff:192.0.2.1%eth0"), "an IPv4-mapped address takes no %scope");
}

std::vector<GidEntry> host1_rxe0() {
    auto table = host::read_gid_table(host::Sysfs(kHost1), "rxe0", 1);
    EXPECT_TRUE(table) << (table ? "" : table.error().message);
    return table ? *table : std::vector<GidEntry>{};
}

TEST(GidTable, ReadsTheEntriesInUseWithTypeAndNetdev) {
    const auto table = host1_rxe0();
    ASSERT_EQ(table.size(), 5U);  // entries 5 and 6 are all zeros
    EXPECT_EQ(table[0].index, 0U);
    EXPECT_EQ(table[0].gid, gid("fe80:0000:0000:0000:5054:00ff:fe4a:0b7b"));
    EXPECT_FALSE(table[0].roce_v2);
    EXPECT_EQ(table[0].netdev, "enp1s0");
    EXPECT_TRUE(table[1].roce_v2);
    EXPECT_EQ(table[3].gid, gid("0000:0000:0000:0000:0000:ffff:c0a8:7a4c"));
    EXPECT_TRUE(table[3].roce_v2);
    EXPECT_EQ(table[4].index, 4U);
}

TEST(GidTable, MissingPortIsAnErrorNamingIt) {
    auto table = host::read_gid_table(host::Sysfs(kHost1), "rxe0", 9);
    ASSERT_FALSE(table);
    EXPECT_NE(table.error().message.find("rxe0"), std::string::npos) << table.error().message;
}

TEST(SourceGid, SameKindRoceV2FirstLongestPrefix) {
    const auto table = host1_rxe0();
    // IPv4 target: the IPv4 address, RoCE v2.
    EXPECT_EQ(choose_source_gid(table, parsed("192.168.122.1").gid())->index, 3U);
    // Link-local target: the link-local GID, RoCE v2.
    EXPECT_EQ(choose_source_gid(table, parsed("fe80::1").gid())->index, 1U);
    // Global IPv6: the only global address.
    EXPECT_EQ(choose_source_gid(table, parsed("2001:db8::1").gid())->index, 4U);
    // Longest common prefix among several of the same kind.
    std::vector<GidEntry> two = {{7, gid("2001:0db8:0000:0000:0000:0000:0000:0001"), true, "e"},
                                 {8, gid("fd00:0000:0000:0001:0000:0000:0000:0001"), true, "e"}};
    EXPECT_EQ(choose_source_gid(two, parsed("fd00:0:0:1::9").gid())->index, 8U);
    EXPECT_EQ(choose_source_gid(two, parsed("2001:db8::9").gid())->index, 7U);
    // None of the kind.
    EXPECT_EQ(choose_source_gid(two, parsed("192.0.2.1").gid()), std::nullopt);
    // RoCE v1 when there is no v2.
    std::vector<GidEntry> v1 = {{2, gid("0000:0000:0000:0000:0000:ffff:c000:0201"), false, "e"}};
    EXPECT_EQ(choose_source_gid(v1, parsed("192.0.2.9").gid())->index, 2U);
}

TEST(RdmaCmAddress, DestWithPortScopeFromTheSourceAndSrcOnlyWhenNeeded) {
    const auto table = host1_rxe0();
    const auto v4 = parsed("192.168.122.1");
    auto login = rdma_cm_address(v4, *choose_source_gid(table, v4.gid()), table, 5555);
    EXPECT_EQ(login.dest, "192.168.122.1:5555");
    EXPECT_EQ(login.src, std::nullopt);  // the port has one IPv4 address
    const auto ll = parsed("[fe80::5054:ff:fe12:3456]:4000");
    login = rdma_cm_address(ll, *choose_source_gid(table, ll.gid()), table, 5555);
    EXPECT_EQ(login.dest, "[fe80::5054:ff:fe12:3456%enp1s0]:4000");
    EXPECT_EQ(login.src, std::nullopt);
    // A second IPv4 address on the port: the source is named.
    auto more = table;
    more.push_back({9, gid("0000:0000:0000:0000:0000:ffff:c0a8:7a4d"), true, "enp1s0"});
    login = rdma_cm_address(v4, *choose_source_gid(more, v4.gid()), more, 5555);
    EXPECT_EQ(login.src, "192.168.122.76");
    // Every form is one the login-string validator takes.
    login::LoginSpec spec;
    spec.id_ext = "1";
    spec.rdma = login;
    EXPECT_TRUE(login::render(spec));
}

TEST(ResolveAddressed, EachAddressOnceWithItsRoutesAndAnErrorNamingTheUnreachable) {
    const auto table = host1_rxe0();
    auto ports = ops::resolve_addressed(
        {parsed("192.168.122.1"), parsed("fe80::2"), parsed("192.168.122.1:5555")}, table, 5555,
        "rxe0:1");
    ASSERT_TRUE(ports) << ports.error().message;
    ASSERT_EQ(ports->size(), 2U);
    EXPECT_EQ((*ports)[0].name, "192.168.122.1:5555");
    // No neighbour table: the address's own GID only.
    EXPECT_EQ((*ports)[0].routes,
              (std::vector<discovery::GidRoute>{{parsed("192.168.122.1").gid(), 3}}));
    EXPECT_EQ((*ports)[1].login.dest, "[fe80::2%enp1s0]:5555");
    EXPECT_EQ((*ports)[1].routes, (std::vector<discovery::GidRoute>{{parsed("fe80::2").gid(), 1}}));
    std::vector<GidEntry> only_v6 = {table[1]};
    auto none = ops::resolve_addressed({parsed("192.0.2.9:4000")}, only_v6, 5555, "rxe0:1");
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().code, Errc::unsupported);
    EXPECT_EQ(none.error().message,
              "target 192.0.2.9:4000: port rxe0:1 has no IPv4 address to reach it from (its GID "
              "table lists the addresses of its network device)");
}

TEST(ResolveAddressed, OnLinkTargetsAreAskedAtTheirLinkLocalGidFirst) {
    const auto table = host1_rxe0();
    // A neighbour with a known MAC: its default GID, then its IPv4 GID.
    const auto mac = parse_mac("52:54:00:12:34:56");
    ASSERT_TRUE(mac);
    ops::NeighbourLookup neighbours = [&](const TargetAddress& a, const std::string& netdev) {
        EXPECT_EQ(netdev, "enp1s0");
        return a.host() == "192.168.122.1" ? mac : std::nullopt;
    };
    auto ports = ops::resolve_addressed({parsed("192.168.122.1"), parsed("192.168.122.2")}, table,
                                        5555, "rxe0:1", neighbours);
    ASSERT_TRUE(ports) << ports.error().message;
    ASSERT_EQ(ports->size(), 2U);
    EXPECT_EQ((*ports)[0].routes,
              (std::vector<discovery::GidRoute>{{gid("fe80:0000:0000:0000:5054:00ff:fe12:3456"), 1},
                                                {parsed("192.168.122.1").gid(), 3}}));
    EXPECT_EQ((*ports)[1].routes.size(), 1U);  // not a known neighbour
    // One of the port's own addresses: the port's own link-local GID.
    auto own = ops::resolve_addressed({parsed("192.168.122.76")}, table, 5555, "rxe0:1");
    ASSERT_TRUE(own) << own.error().message;
    EXPECT_EQ((*own)[0].routes,
              (std::vector<discovery::GidRoute>{{gid("fe80:0000:0000:0000:5054:00ff:fe4a:0b7b"), 1},
                                                {parsed("192.168.122.76").gid(), 3}}));
}

TEST(Neighbours, ArpTableCompleteEntriesOnTheNetdevOnly) {
    const std::string table =
        "IP address       HW type     Flags       HW address            Mask     Device\n"
        "192.0.2.1        0x1         0x2         52:54:00:aa:bb:01     *        dummy0\n"
        "192.0.2.2        0x1         0x0         00:00:00:00:00:00     *        dummy0\n"
        "192.0.2.3        0x1         0x2         52:54:00:aa:bb:03     *        eth1\n";
    EXPECT_EQ(host::arp_lookup(table, parsed("192.0.2.1"), "dummy0"),
              parse_mac("52:54:00:aa:bb:01"));
    EXPECT_EQ(host::arp_lookup(table, parsed("192.0.2.2"), "dummy0"), std::nullopt);  // incomplete
    EXPECT_EQ(host::arp_lookup(table, parsed("192.0.2.3"), "dummy0"), std::nullopt);  // elsewhere
    EXPECT_EQ(host::arp_lookup(table, parsed("192.0.2.9"), "dummy0"), std::nullopt);
    EXPECT_EQ(host::arp_lookup("", parsed("192.0.2.1"), "dummy0"), std::nullopt);
}

TEST(Neighbours, MacAndTheDefaultGidItGives) {
    EXPECT_EQ(link_local_gid(*parse_mac("52:54:00:12:34:56")),
              gid("fe80:0000:0000:0000:5054:00ff:fe12:3456"));
    EXPECT_EQ(parse_mac("52:54:00:12:34"), std::nullopt);
    EXPECT_EQ(parse_mac("52-54-00-12-34-56"), std::nullopt);
    EXPECT_EQ(parse_mac("52:54:00:12:34:5g"), std::nullopt);
}

}  // namespace
}  // namespace srpadm::model
