// The host readers against the sysfs fixture tree (tests/fixtures/README.md): local ports,
// SRP hosts and their remote ports, exact matching, and writes.
#include <fstream>

#include <gtest/gtest.h>

#include <srpadm/host/host_ports.hpp>
#include <srpadm/host/srp_hosts.hpp>
#include <srpadm/host/sysfs.hpp>

#include "host_fixture.hpp"

namespace srpadm::host {
namespace {

using testing::fixture_root;

const Sysfs kHost1(fixture_root("host1"));

const SrpHost& host(const HostScan& scan, const std::string& name) {
    for (const SrpHost& h : scan.hosts) {
        if (h.name == name) {
            return h;
        }
    }
    throw std::runtime_error("no " + name);
}

login::LoginSpec ib_login(std::string id_ext, Guid ioc, Guid port_guid, PKey pkey,
                          std::uint64_t service_id) {
    login::LoginSpec spec;
    spec.id_ext = std::move(id_ext);
    spec.ioc_guid = ioc;
    spec.ib =
        login::IbCmAddress{Gid::from_parts(0xfe80000000000000ULL, port_guid), pkey, service_id};
    return spec;
}

login::LoginSpec tgt_a() {
    return ib_login("0002C90300D00010", 0x0002c90300d00010ULL, 0x0002c90300d00011ULL, 0xffff,
                    0x0002c90300d00010ULL);
}

TEST(SysfsNumbers, KernelFormats) {
    EXPECT_EQ(parse_sysfs_number("0x0002c90300d00010"), 0x0002c90300d00010ULL);
    EXPECT_EQ(parse_sysfs_number("7\n"), 7U);
    EXPECT_EQ(parse_sysfs_number("4: ACTIVE"), 4U);
    EXPECT_EQ(parse_sysfs_number("0x8001"), 0x8001U);
    EXPECT_FALSE(parse_sysfs_number(""));
    EXPECT_FALSE(parse_sysfs_number("off"));
    EXPECT_FALSE(parse_sysfs_number("12abc"));
}

TEST(LocalPorts, EnumeratesEveryPort) {
    const auto ports = local_ports(kHost1).value();
    std::vector<std::string> names;
    for (const HostPort& p : ports) {
        names.push_back(p.name());
    }
    EXPECT_EQ(names, (std::vector<std::string>{"mlx5_0:1", "mlx5_1:1", "mlx5_1:2", "mlx5_10:1",
                                               "mthca0:1", "rxe0:1"}));
    const HostPort& p = ports[1];
    EXPECT_EQ(p.link_layer, LinkLayer::infiniband);
    EXPECT_EQ(p.node_guid, 0x0002c90300a10010ULL);
    EXPECT_EQ(p.port_guid(), 0x0002c90300a10011ULL);
    EXPECT_EQ(p.state, "4: ACTIVE");
    EXPECT_EQ(p.umad, "umad1");
    EXPECT_TRUE(p.srp);
    EXPECT_EQ(p.gids.size(), 1U);  // the zero GIDs are left out
    const HostPort& roce = ports[5];
    EXPECT_EQ(roce.link_layer, LinkLayer::ethernet);
    EXPECT_EQ(roce.port_guid(), 0x505400fffe4a0b7bULL);
    ASSERT_EQ(roce.gids.size(), 5U);
    EXPECT_EQ(roce.gids[3].type, "RoCE v2");
    EXPECT_EQ(roce.gids[3].ndev, "enp1s0");
}

TEST(LocalPorts, SelectionIsExact) {
    const auto ports = local_ports(kHost1).value();
    EXPECT_EQ(select_ports(ports, {"mlx5_1", std::nullopt}).value().size(), 2U);
    EXPECT_EQ(select_ports(ports, {"mlx5_10", std::nullopt}).value().size(), 1U);
    const auto none = select_ports(ports, {"mlx5", std::nullopt});
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().code, Errc::not_found);
    EXPECT_EQ(none.error().message,
              "no local port mlx5 (ports: mlx5_0:1, mlx5_1:1, mlx5_1:2, mlx5_10:1, mthca0:1, "
              "rxe0:1)");
}

TEST(LocalPorts, SrpPortChoice) {
    EXPECT_EQ(srp_port(kHost1, model::PortSelector{"mlx5_10", 1U}).value().name(), "mlx5_10:1");
    EXPECT_EQ(srp_port(kHost1, model::PortSelector{"mlx5_10", std::nullopt}).value().name(),
              "mlx5_10:1");
    const auto several = srp_port(kHost1, std::nullopt);
    ASSERT_FALSE(several);
    EXPECT_EQ(several.error().code, Errc::usage);
    EXPECT_EQ(srp_port(kHost1, model::PortSelector{"mlx5_1", std::nullopt}).error().code,
              Errc::usage);
    const Sysfs empty(fixture_root("host1") / "class" / "infiniband_srp");  // no class/ below
    EXPECT_EQ(srp_port(empty, std::nullopt).error().code, Errc::not_found);
}

TEST(SrpHosts, ReadsEverySrpHostAndNothingElse) {
    const auto scan = srp_hosts(kHost1).value();
    std::vector<std::string> names;
    for (const SrpHost& h : scan.hosts) {
        names.push_back(h.name);
    }
    EXPECT_EQ(names,
              (std::vector<std::string>{"host7", "host8", "host9", "host10", "host11", "host12"}));
    EXPECT_TRUE(scan.problems.empty());
    const SrpHost& h7 = host(scan, "host7");
    EXPECT_EQ(h7.id_ext, 0x0002c90300d00010ULL);
    EXPECT_EQ(h7.pkey, 0xffff);
    EXPECT_EQ(h7.local_device, "mlx5_1");
    EXPECT_EQ(h7.local_port, 1U);
    EXPECT_EQ(h7.ch_count, 4U);
    ASSERT_TRUE(h7.remote_port);
    EXPECT_EQ(h7.remote_port->name, "port-7:1");
    EXPECT_EQ(h7.remote_port->state, "running");
    EXPECT_EQ(h7.remote_port->timeouts, (model::TmoValues{15, 600, 10}));
    ASSERT_EQ(h7.devices.size(), 2U);
    EXPECT_EQ(h7.devices[1].hctl, "7:0:0:1");
    EXPECT_EQ(h7.devices[1].block, "sdc");
    // host1 is not SRP: its disk 1:0:0:0 belongs to no SRP host (not host11, not host12).
    EXPECT_EQ(host(scan, "host11").devices.size(), 1U);
    EXPECT_EQ(host(scan, "host12").devices.size(), 0U);
    EXPECT_EQ(host(scan, "host8").state(), "blocked");
    EXPECT_EQ(host(scan, "host9").state(), "fail-fast");
    EXPECT_EQ(host(scan, "host9").remote_port->failed_reconnects, 3U);
    EXPECT_TRUE(host(scan, "host12").going_away());
    EXPECT_EQ(host(scan, "host11").remote_port->timeouts, (model::TmoValues{-1, 600, 10}));
}

TEST(SrpHosts, DevicesCarryVendorModelAndWwid) {
    const auto scan = srp_hosts(kHost1).value();
    EXPECT_TRUE(scan.notes.empty());
    const ScsiDevice& sdb = host(scan, "host7").devices.at(0);
    EXPECT_EQ(sdb.block, "sdb");
    EXPECT_EQ(sdb.vendor, "LIO-ORG");  // "LIO-ORG \n" in sysfs
    EXPECT_EQ(sdb.model, "IBLOCK");    // padded to 16
    EXPECT_EQ(sdb.wwid, "naa.6001405a1b2c3d4e5f60718293a4b5c6");
    const ScsiDevice& sdd = host(scan, "host8").devices.at(0);
    EXPECT_EQ(sdd.vendor, "SCST_BIO");         // all 8 characters used
    EXPECT_EQ(sdd.model, "db01.data-vol_01");  // all 16
    EXPECT_FALSE(sdd.wwid);                    // no wwid attribute
    EXPECT_EQ(host(scan, "host11").devices.at(0).model, "FILEIO");
}

TEST(SrpHosts, UnprintableOrMissingDeviceAttributesAreLeftOut) {
    const testing::FixtureCopy copy("host1");
    const std::string sdb = "class/scsi_device/7:0:0:0/device/";
    copy.write(sdb + "vendor", "LIO\x01ORG\n");
    copy.remove(sdb + "model");
    copy.write(sdb + "wwid", "naa.6001405\xc3\xa9\n");
    const std::string sdc = "class/scsi_device/7:0:0:1/device/";
    copy.write(sdc + "vendor", "        \n");  // blanks only: as good as missing
    copy.write(sdc + "model", "IBLOCK\n\n");
    const auto scan = srp_hosts(Sysfs(copy.root())).value();
    EXPECT_TRUE(scan.problems.empty());
    const SrpHost& h7 = host(scan, "host7");
    EXPECT_FALSE(h7.devices[0].vendor);
    EXPECT_FALSE(h7.devices[0].model);
    EXPECT_FALSE(h7.devices[0].wwid);
    EXPECT_EQ(h7.devices[0].block, "sdb");
    EXPECT_FALSE(h7.devices[1].vendor);
    EXPECT_EQ(h7.devices[1].model, "IBLOCK");
    ASSERT_EQ(scan.notes.size(), 2U);
    EXPECT_EQ(scan.notes[0], (copy.root() / sdb).string() +
                                 "vendor: left out: 'LIO\\x01ORG' is not printable ASCII");
    EXPECT_EQ(scan.notes[1], (copy.root() / sdb).string() +
                                 "wwid: left out: 'naa.6001405\\xc3\\xa9' is not printable ASCII");
}

// The kernel's layout: the host's own device directory lists its targets and LUNs, so a host
// is read without listing every SCSI device of the machine; a host without it (the fixture's
// flat tree) is read from class/scsi_device.
TEST(SrpHosts, DevicesComeFromTheHostsOwnDirectoryWhereThereIsOne) {
    const testing::FixtureCopy copy("host1");
    // host7 has LUNs 0 and 1 in class/scsi_device; its own directory names LUN 1 only, plus
    // entries that are no LUNs of it (another host's, and the kernel's other files).
    const std::string dir = "class/scsi_host/host7/device/";
    copy.write(dir + "target7:0:0/7:0:0:1/uevent", "DEVTYPE=scsi_device\n");
    copy.write(dir + "target7:0:0/8:0:0:0/uevent", "");
    copy.write(dir + "target7:0:0/power/control", "auto\n");
    copy.write(dir + "target8:0:0/8:0:0:0/uevent", "");
    copy.write(dir + "uevent", "DEVTYPE=scsi_host\n");
    const auto scan = srp_hosts(Sysfs(copy.root())).value();
    const SrpHost& h7 = host(scan, "host7");
    ASSERT_EQ(h7.devices.size(), 1U);
    EXPECT_EQ(h7.devices[0].hctl, "7:0:0:1");
    EXPECT_EQ(h7.devices[0].block, "sdc");
    EXPECT_EQ(h7.devices[0].vendor, "LIO-ORG");
    // The others still come from the class directory; so do the remote ports.
    const auto full = srp_hosts(kHost1).value();
    for (const SrpHost& h : scan.hosts) {
        if (h.name == "host7") {
            continue;
        }
        const SrpHost& same = host(full, h.name);
        ASSERT_EQ(h.devices.size(), same.devices.size()) << h.name;
        ASSERT_EQ(h.remote_port.has_value(), same.remote_port.has_value()) << h.name;
        if (h.remote_port) {
            EXPECT_EQ(h.remote_port->name, same.remote_port->name) << h.name;
        }
    }
}

TEST(SrpHosts, ScsiAttributeText) {
    EXPECT_EQ(scsi_attribute_text("LIO-ORG \n"), "LIO-ORG");
    EXPECT_EQ(scsi_attribute_text("IBLOCK          "), "IBLOCK");
    EXPECT_EQ(scsi_attribute_text(" X Y  "), " X Y");  // only the trailing blanks go
    EXPECT_EQ(scsi_attribute_text("a\"b#c{}"), "a\"b#c{}");
    EXPECT_FALSE(scsi_attribute_text(""));
    EXPECT_FALSE(scsi_attribute_text(" \n"));
    EXPECT_FALSE(scsi_attribute_text("A\tB"));
    EXPECT_FALSE(scsi_attribute_text("A\nB"));
    EXPECT_FALSE(scsi_attribute_text("A\x7f"));
    EXPECT_FALSE(scsi_attribute_text(std::string_view("A\0B", 3)));
    EXPECT_FALSE(scsi_attribute_text("\xff"));
}

TEST(SrpHosts, RdmaCmHostLacksTheIbAttributes) {
    const SrpHost& h = host(srp_hosts(kHost1).value(), "host11");
    EXPECT_TRUE(h.rdma_cm());
    EXPECT_FALSE(h.service_id);
    EXPECT_FALSE(h.pkey);
    EXPECT_FALSE(h.target_gid());
    EXPECT_EQ(h.id_ext, 0x525400fffe123456ULL);
}

TEST(FindLogin, ExactDeviceNames) {
    const auto hosts = srp_hosts(kHost1).value().hosts;
    // tgt-b is connected from mlx5_10:1 only; srp_daemon's prefix compare would call it
    // connected for mlx5_1 (srp_daemon's prefix compare in check_not_equal_str()).
    const auto tgt_b = ib_login("0002C90300E00010", 0x0002c90300e00010ULL, 0x0002c90300e00011ULL,
                                0xffff, 0x0002c90300e00010ULL);
    EXPECT_EQ(find_login(hosts, tgt_b, "mlx5_1", 1), nullptr);
    ASSERT_NE(find_login(hosts, tgt_b, "mlx5_10", 1), nullptr);
    EXPECT_EQ(find_login(hosts, tgt_b, "mlx5_10", 1)->name, "host8");  // blocked still counts
    EXPECT_EQ(find_login(hosts, tgt_a(), "mlx5_1", 1)->name, "host7");
    EXPECT_EQ(find_login(hosts, tgt_a(), "mlx5_1", 2), nullptr);
}

TEST(FindLogin, RdmaCmLoginIsTheRdmaCmHostOfItsTargetOnThePort) {
    const auto hosts = srp_hosts(kHost1).value().hosts;
    login::LoginSpec roce;
    roce.id_ext = "525400fffe123456";
    roce.ioc_guid = 0x525400fffe123456ULL;
    roce.rdma = login::RdmaCmAddress{"192.168.122.76:5555", std::nullopt};
    ASSERT_NE(find_login(hosts, roce, "rxe0", 1), nullptr);
    EXPECT_EQ(find_login(hosts, roce, "rxe0", 1)->name, "host11");
    EXPECT_EQ(find_login(hosts, roce, "mlx5_1", 1), nullptr);  // another port
    roce.ioc_guid = 0x525400fffe123457ULL;
    EXPECT_EQ(find_login(hosts, roce, "rxe0", 1), nullptr);  // another target
    // An IB/CM host of the same target is not an RDMA/CM login.
    login::LoginSpec over_rdma = tgt_a();
    over_rdma.ib.reset();
    over_rdma.rdma = login::RdmaCmAddress{"192.0.2.1:5555", std::nullopt};
    EXPECT_EQ(find_login(hosts, over_rdma, "mlx5_1", 1), nullptr);
}

TEST(FindLogin, PkeyCompared) {
    const auto hosts = srp_hosts(kHost1).value().hosts;
    auto tgt_c = ib_login("0002c90300f00010", 0x0002c90300f00010ULL, 0x0002c90300f00011ULL, 0x8001,
                          0x0002c90300f00010ULL);
    EXPECT_EQ(find_login(hosts, tgt_c, "mlx5_1", 1)->name, "host9");
    tgt_c.ib->pkey = 0xffff;
    EXPECT_EQ(find_login(hosts, tgt_c, "mlx5_1", 1), nullptr);
    // ... but the kernel would still refuse it with the same initiator_ext: same_target says so.
    const auto same = same_target(hosts, tgt_c, "mlx5_1", 1);
    ASSERT_EQ(same.size(), 1U);
    EXPECT_EQ(same[0]->name, "host9");
}

TEST(FindLogin, OrigDgidPreferredOverRedirectedDgid) {
    const auto hosts = srp_hosts(kHost1).value().hosts;
    EXPECT_EQ(find_login(hosts, tgt_a(), "mlx5_0", 1)->name, "host10");
    const auto redirected = ib_login("0002C90300D00010", 0x0002c90300d00010ULL,
                                     0x0002c90300d00012ULL, 0xffff, 0x0002c90300d00010ULL);
    EXPECT_EQ(find_login(hosts, redirected, "mlx5_0", 1), nullptr);
}

TEST(FindLogin, ServiceIdAndIdsCompared) {
    const auto hosts = srp_hosts(kHost1).value().hosts;
    auto other = tgt_a();
    other.ib->service_id = 1;
    EXPECT_EQ(find_login(hosts, other, "mlx5_1", 1), nullptr);
    other = tgt_a();
    other.ioc_guid = 1;
    EXPECT_EQ(find_login(hosts, other, "mlx5_1", 1), nullptr);
    other = tgt_a();
    other.id_ext = "2c90300d00010";  // the same number, written shorter
    EXPECT_EQ(find_login(hosts, other, "mlx5_1", 1)->name, "host7");
}

TEST(FindLogin, LostHostDoesNotCount) {
    const auto hosts = srp_hosts(kHost1).value().hosts;
    const auto tgt_d =
        ib_login("20030003BA27CC7A", 0x0005ad00000013e7ULL, 0x0005ad00000013e9ULL, 0xffff, 0x66);
    EXPECT_EQ(find_login(hosts, tgt_d, "mlx5_1", 1), nullptr);
    EXPECT_EQ(same_target(hosts, tgt_d, "mlx5_1", 1).size(), 1U);
}

TEST(FindLogin, RdmaCmMatchedWhateverTheAddress) {
    // sysfs shows no destination: any address of the target is the one login.
    const auto hosts = srp_hosts(kHost1).value().hosts;
    login::LoginSpec spec;
    spec.id_ext = "525400fffe123456";
    spec.ioc_guid = 0x525400fffe123456ULL;
    spec.rdma = login::RdmaCmAddress{"[fe80::1%enp1s0]:4000", std::nullopt};
    EXPECT_EQ(find_login(hosts, spec, "rxe0", 1)->name, "host11");
    EXPECT_EQ(same_target(hosts, spec, "rxe0", 1).size(), 1U);
}

TEST(SysfsWrite, WritesExistingAttributesOnly) {
    testing::FixtureCopy copy("host1");
    const Sysfs sysfs(copy.root());
    EXPECT_FALSE(sysfs.write("class/srp_remote_ports/port-7:1/dev_loss_tmo", "60"));
    EXPECT_EQ(sysfs.read("class/srp_remote_ports/port-7:1/dev_loss_tmo").value(), "60");
    EXPECT_EQ(sysfs.write("class/srp_remote_ports/port-99:1/delete", "1"),
              std::make_error_code(std::errc::no_such_file_or_directory));
    EXPECT_FALSE(sysfs.exists("class/srp_remote_ports/port-99:1/delete"));
}

}  // namespace
}  // namespace srpadm::host
