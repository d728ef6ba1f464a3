// Local ports from sysfs fixture trees: a host with four devices (tests/fixtures/sysfs/host),
// the fake sysfs libumad2sim writes (tests/fixtures/sysfs/umad2sim, copied from a run), and a
// RoCE-only host.
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include <srpadm/host/local_port.hpp>

#include "host_fixture.hpp"

namespace srpadm::host {
namespace {

namespace fs = std::filesystem;

fs::path fixture(const char* name) {
    return fs::path(SRPADM_SOURCE_DIR) / "tests/fixtures/sysfs" / name;
}

// `r` failed with `code` and a message that contains `text`.
template <class T>
void expect_error(const Result<T>& r, Errc code, const std::string& text) {
    ASSERT_FALSE(r) << "expected an error containing: " << text;
    EXPECT_EQ(r.error().code, code) << r.error().message;
    EXPECT_NE(r.error().message.find(text), std::string::npos) << r.error().message;
}

TEST(SysfsNumbers, ParseAsStrtoulDoes) {
    EXPECT_EQ(parse_sysfs_number("0x12"), 0x12U);
    EXPECT_EQ(parse_sysfs_number("4: ACTIVE"), 4U);
    EXPECT_EQ(parse_sysfs_number("5: LinkUp"), 5U);
    EXPECT_EQ(parse_sysfs_number("0"), 0U);
    EXPECT_EQ(parse_sysfs_number("0x0050c048"), 0x0050c048U);
    EXPECT_EQ(parse_sysfs_number("ACTIVE"), std::nullopt);
    EXPECT_EQ(parse_sysfs_number(""), std::nullopt);
    EXPECT_EQ(parse_sysfs_guid("0002:c903:00a0:0010"), 0x0002c90300a00010U);
    EXPECT_EQ(parse_sysfs_guid("0002:c903:00a0"), std::nullopt);
    EXPECT_EQ(parse_sysfs_guid("0002:c903:00a0:0010:0000"), std::nullopt);
    EXPECT_EQ(parse_sysfs_guid("0002:c9x3:00a0:0010"), std::nullopt);
}

TEST(LocalPort, ReadsEveryAttribute) {
    const Sysfs sysfs(fixture("host"));
    auto p = read_local_port(sysfs, "mlx5_10", 1);
    ASSERT_TRUE(p) << p.error().message;
    const auto& a = p->attributes;
    EXPECT_EQ(a.ca_name, "mlx5_10");
    EXPECT_EQ(a.port_num, 1U);
    EXPECT_EQ(a.link_layer, model::LinkLayer::infiniband);
    EXPECT_FALSE(p->link_layer_missing);
    EXPECT_EQ(a.state, model::PortState::active);
    EXPECT_EQ(a.phys_state, 5);
    EXPECT_EQ(a.lid, 0x12);
    EXPECT_EQ(a.sm_lid, 1);
    EXPECT_EQ(a.lmc, 0);
    EXPECT_EQ(a.sm_sl, 0);
    EXPECT_EQ(a.capability_mask, 0x2651e848U);
    EXPECT_EQ(a.gid_prefix, 0xfe80000000000000ULL);
    EXPECT_EQ(a.port_guid, 0x0002c90300a00031ULL);
    EXPECT_EQ(a.node_guid, 0x0002c90300a00030ULL);
    EXPECT_EQ(a.pkeys, (std::vector<PKey>{0xffff, 0x8001, 0x0000, 0x0002}));
}

TEST(LocalPort, Umad2simTreeHasNoLinkLayerAndIsTakenAsInfiniBand) {
    const Sysfs sysfs(fixture("umad2sim"));
    auto p = read_local_port(sysfs, "ibsim0", 1);
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_TRUE(p->link_layer_missing);
    EXPECT_EQ(p->attributes.link_layer, model::LinkLayer::infiniband);
    EXPECT_EQ(p->attributes.lid, 4);
    EXPECT_EQ(p->attributes.sm_lid, 1);
    EXPECT_EQ(p->attributes.state, model::PortState::active);
    EXPECT_EQ(p->attributes.port_guid, 0x100005U);
    EXPECT_EQ(p->attributes.node_guid, 0x100004U);
    EXPECT_EQ(p->attributes.capability_mask, 0x0050c048U);
    ASSERT_EQ(p->attributes.pkeys.size(), 32U);
    EXPECT_EQ(p->attributes.pkeys[0], 0xffff);
    EXPECT_EQ(p->attributes.pkeys[31], 0);
}

TEST(LocalPort, MissingOrGarbledFilesAreErrorsThatNameTheFile) {
    const testing::FixtureCopy tree("host");
    tree.remove("class/infiniband/mlx5_10/ports/1/lid");
    tree.write("class/infiniband/mlx5_10/ports/2/state", "ACTIVE\n");
    const Sysfs sysfs(tree.root());
    auto lid = read_local_port(sysfs, "mlx5_10", 1);
    expect_error(lid, Errc::not_found,
                 "mlx5_10/ports/1/lid: cannot be opened: No such file or directory");
    auto state = read_local_port(sysfs, "mlx5_10", 2);
    expect_error(state, Errc::port_state, "ports/2/state: unexpected content 'ACTIVE'");
    EXPECT_EQ(exit_status(state.error().code), ExitStatus::port);
}

TEST(LocalPort, UmadDevicesMapToTheirPorts) {
    auto d = umad_devices(Sysfs(fixture("host")));
    ASSERT_TRUE(d) << d.error().message;
    ASSERT_EQ(d->size(), 5U);
    EXPECT_EQ((*d)[2].index, 2U);
    EXPECT_EQ((*d)[2].ca_name, "mlx5_10");
    EXPECT_EQ((*d)[3].port, 2U);
    EXPECT_EQ((*d)[3].path(), "/dev/infiniband/umad3");
}

TEST(PortOption, DeviceAndOptionalPort) {
    auto a = parse_port_option("mlx5_1");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->ca_name, "mlx5_1");
    EXPECT_EQ(a->port, 0U);
    auto b = parse_port_option("mlx5_10:2");
    ASSERT_TRUE(b);
    EXPECT_EQ(b->ca_name, "mlx5_10");
    EXPECT_EQ(b->port, 2U);
    for (const char* bad : {"mlx5_0:", "mlx5_0:0", "mlx5_0:x", ":1", "", "mlx5_0:256"}) {
        auto r = parse_port_option(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().code, Errc::usage) << bad;
    }
}

TEST(SelectPort, DefaultIsTheFirstActiveInfiniBandPort) {
    auto s = select_port(Sysfs(fixture("host")), {});
    ASSERT_TRUE(s) << s.error().message;
    // mlx5_0 is disabled, mlx5_1 only has link up, mlx5_2 is RoCE.
    EXPECT_EQ(s->port.attributes.ca_name, "mlx5_10");
    EXPECT_EQ(s->port.attributes.port_num, 1U);
    EXPECT_EQ(s->umad.index, 2U);
    EXPECT_EQ(s->reason, "the first ACTIVE InfiniBand port");
}

TEST(SelectPort, ThenLinkUpThenNotDisabled) {
    const testing::FixtureCopy tree("host");
    tree.remove("class/infiniband/mlx5_10");
    auto up = select_port(Sysfs(tree.root()), {});
    ASSERT_TRUE(up) << up.error().message;
    EXPECT_EQ(up->port.attributes.ca_name, "mlx5_1");
    tree.write("class/infiniband/mlx5_1/ports/1/phys_state", "2: Polling\n");
    tree.write("class/infiniband/mlx5_0/ports/1/phys_state", "3: Disabled\n");
    auto polling = select_port(Sysfs(tree.root()), {});
    ASSERT_TRUE(polling) << polling.error().message;
    EXPECT_EQ(polling->port.attributes.ca_name, "mlx5_1");
    EXPECT_NE(polling->reason.find("not disabled"), std::string::npos);
    tree.write("class/infiniband/mlx5_1/ports/1/phys_state", "3: Disabled\n");
    auto none = select_port(Sysfs(tree.root()), {});
    expect_error(none, Errc::port_state, "mlx5_0:1 (Disabled), mlx5_1:1 (Disabled)");
}

TEST(SelectPort, DeviceNamesMatchExactly) {
    const Sysfs sysfs(fixture("host"));
    auto one = select_port(sysfs, PortRequest{"", "mlx5_1", 0});
    ASSERT_TRUE(one) << one.error().message;
    EXPECT_EQ(one->port.attributes.ca_name, "mlx5_1");  // not mlx5_10, although it is active
    EXPECT_EQ(one->umad.index, 1U);
    auto prefix = select_port(sysfs, PortRequest{"", "mlx5", 0});
    expect_error(prefix, Errc::not_found, "devices: mlx5_0, mlx5_1, mlx5_10, mlx5_2");
}

TEST(SelectPort, DeviceAndPortIsTakenAsGivenWhateverItsState) {
    const Sysfs sysfs(fixture("host"));
    auto down = select_port(sysfs, PortRequest{"", "mlx5_0", 1});
    ASSERT_TRUE(down) << down.error().message;
    EXPECT_EQ(down->port.attributes.state, model::PortState::down);
    auto second = select_port(sysfs, PortRequest{"", "mlx5_10", 2});
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_EQ(second->umad.index, 3U);
    EXPECT_EQ(second->port.attributes.lid, 0x13);
    auto missing = select_port(sysfs, PortRequest{"", "mlx5_10", 3});
    expect_error(missing, Errc::not_found, "mlx5_10 has no port 3; its ports: 1, 2");
}

TEST(SelectPort, ByUmadDevice) {
    const Sysfs sysfs(fixture("host"));
    for (const char* name : {"/dev/infiniband/umad3", "umad3"}) {
        auto s = select_port(sysfs, PortRequest{name, "", 0});
        ASSERT_TRUE(s) << s.error().message;
        EXPECT_EQ(s->port.attributes.ca_name, "mlx5_10");
        EXPECT_EQ(s->port.attributes.port_num, 2U);
    }
    auto missing = select_port(sysfs, PortRequest{"umad9", "", 0});
    expect_error(missing, Errc::not_found, "umad0 (mlx5_0:1)");
    auto bad = select_port(sysfs, PortRequest{"/dev/sda", "", 0});
    expect_error(bad, Errc::usage, "'/dev/sda' is not /dev/infiniband/umadN or umadN");
}

TEST(SelectPort, RoCEPortsAreRefusedAsUnsupported) {
    auto given = select_port(Sysfs(fixture("host")), PortRequest{"", "mlx5_2", 1});
    expect_error(given, Errc::unsupported, "mlx5_2:1 is a RoCE port (link layer Ethernet)");
    auto umad = select_port(Sysfs(fixture("host")), PortRequest{"umad4", "", 0});
    expect_error(umad, Errc::unsupported, "mlx5_2:1 is a RoCE port");
    auto only = select_port(Sysfs(fixture("roce-only")), {});
    expect_error(only, Errc::unsupported, "only RoCE ports (link layer Ethernet: rocep1s0f0:1)");
}

TEST(SelectPort, TargetsByAddressTakeRoCEPortsOnly) {
    PortRequest roce;
    roce.link_layer = model::LinkLayer::ethernet;
    auto first = select_port(Sysfs(fixture("host")), roce);
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_EQ(first->port.attributes.ca_name, "mlx5_2");
    EXPECT_EQ(first->reason, "the first ACTIVE RoCE port");
    roce.ca_name = "mlx5_10";
    roce.port = 1;
    expect_error(select_port(Sysfs(fixture("host")), roce), Errc::unsupported,
                 "port mlx5_10:1 is an InfiniBand port: targets named by address are reached "
                 "through a RoCE port");
    roce.port = 0;
    expect_error(select_port(Sysfs(fixture("host")), roce), Errc::unsupported,
                 "device mlx5_10 has no RoCE ports (only InfiniBand: mlx5_10:1, mlx5_10:2)");
}

TEST(SelectPort, EitherKindTakesInfiniBandFirstThenRoCE) {
    PortRequest either;
    either.link_layer = model::LinkLayer::unknown;
    auto mixed = select_port(Sysfs(fixture("host")), either);
    ASSERT_TRUE(mixed) << mixed.error().message;
    EXPECT_EQ(mixed->port.attributes.link_layer, model::LinkLayer::infiniband);
    auto roce = select_port(Sysfs(fixture("roce-only")), either);
    ASSERT_TRUE(roce) << roce.error().message;
    EXPECT_EQ(roce->port.attributes.ca_name, "rocep1s0f0");
    EXPECT_EQ(roce->reason, "the first ACTIVE RoCE port");
    either.ca_name = "mlx5_2";
    either.port = 1;
    auto given = select_port(Sysfs(fixture("host")), either);
    ASSERT_TRUE(given) << given.error().message;
    EXPECT_EQ(given->port.attributes.link_layer, model::LinkLayer::ethernet);
}

TEST(SelectPort, NoDevicesAtAll) {
    const testing::FixtureCopy tree("roce-only");
    tree.remove("class/infiniband_mad");
    auto no_umad = select_port(Sysfs(tree.root()), {});
    expect_error(no_umad, Errc::not_found, "is the ib_umad module loaded?");
    fs::create_directories(tree.root() / "class/infiniband_mad");
    tree.remove("class/infiniband/rocep1s0f0");
    auto none = select_port(Sysfs(tree.root()), {});
    expect_error(none, Errc::not_found, "no RDMA devices");
    tree.remove("class/infiniband");
    expect_error(rdma_devices(Sysfs(tree.root())), Errc::not_found,
                 "no RDMA devices: " + (tree.root() / "class/infiniband").string() +
                     " does not exist (is an RDMA driver");
}

TEST(SelectPort, Umad2simTree) {
    auto s = select_port(Sysfs(fixture("umad2sim")), {});
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->port.attributes.ca_name, "ibsim0");
    EXPECT_EQ(s->umad.path(), "/dev/infiniband/umad0");
    EXPECT_TRUE(s->port.link_layer_missing);
}

}  // namespace
}  // namespace srpadm::host
