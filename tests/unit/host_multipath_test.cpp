// The multipath.conf plan of srpadm list --multipath-conf (host/multipath.hpp): escaping,
// the settings per target software, and the grouping of the SRP disks by vendor and product,
// on the sysfs fixture (tests/fixtures/README.md) and on hosts made here.
#include <gtest/gtest.h>

#include <srpadm/host/multipath.hpp>
#include <srpadm/host/srp_hosts.hpp>

#include "host_fixture.hpp"

namespace srpadm::host {
namespace {

using Kind = MultipathTimeoutNote::Kind;

ScsiDevice disk(std::string hctl, std::string block, std::optional<std::string> vendor,
                std::optional<std::string> model) {
    ScsiDevice d;
    d.hctl = std::move(hctl);
    d.block = std::move(block);
    d.vendor = std::move(vendor);
    d.model = std::move(model);
    return d;
}

SrpHost srp_host(unsigned no, std::uint64_t target, std::string state,
                 std::vector<ScsiDevice> devices) {
    SrpHost h;
    h.name = "host" + std::to_string(no);
    h.host_no = no;
    h.id_ext = target;
    h.ioc_guid = target;
    h.local_device = "mlx5_0";
    h.local_port = 1;
    RemotePort rp;
    rp.name = "port-" + std::to_string(no) + ":1";
    rp.state = std::move(state);
    rp.timeouts = model::TmoValues{5, 120, 10};
    h.remote_port = rp;
    h.devices = std::move(devices);
    return h;
}

std::vector<std::string> pairs(const MultipathPlan& plan) {
    std::vector<std::string> out;
    for (const MultipathDevice& d : plan.devices) {
        std::string disks;
        for (const std::string& b : d.disks) {
            disks += " " + b;
        }
        out.push_back(d.vendor + "/" + d.product + ":" + disks);
    }
    return out;
}

TEST(Multipath, RegexEscapesAndAnchors) {
    EXPECT_EQ(multipath_regex("LIO-ORG"), "^LIO-ORG$");
    EXPECT_EQ(multipath_regex("db01.data-vol_01"), R"(^db01\.data-vol_01$)");
    EXPECT_EQ(multipath_regex(R"(a.b*c+d?e(f)g[h]i{j}k|l^m$n\o)"),
              R"(^a\.b\*c\+d\?e\(f\)g\[h\]i\{j\}k\|l\^m\$n\\o$)");
    EXPECT_EQ(multipath_regex("QEMU HARDDISK"), "^QEMU HARDDISK$");
    EXPECT_EQ(multipath_regex(""), "^$");
}

TEST(Multipath, QuotedValuesDoubleTheirQuotes) {
    EXPECT_EQ(multipath_quoted("^LIO-ORG$"), R"("^LIO-ORG$")");
    EXPECT_EQ(multipath_quoted(R"(a"b)"), R"("a""b")");
    EXPECT_EQ(multipath_quoted("#!{}"), R"("#!{}")");
}

TEST(Multipath, ProfilesFollowMultipathToolsHwtable) {
    EXPECT_EQ(multipath_profile("LIO-ORG"), MultipathProfile::lio);
    EXPECT_EQ(multipath_profile("SUSE"), MultipathProfile::lio);
    EXPECT_EQ(multipath_profile("SCST_BIO"), MultipathProfile::scst);
    EXPECT_EQ(multipath_profile("SCST_FIO"), MultipathProfile::scst);
    EXPECT_EQ(multipath_profile("X_SCST_"), MultipathProfile::other);
    EXPECT_EQ(multipath_profile("ATA"), MultipathProfile::other);
    EXPECT_EQ(multipath_profile_name(MultipathProfile::scst), "SCST");

    const MultipathSettings lio = multipath_settings(MultipathProfile::lio);
    EXPECT_EQ(lio.path_grouping_policy, "group_by_prio");
    EXPECT_EQ(lio.prio, "alua");
    EXPECT_EQ(lio.failback, "immediate");
    EXPECT_EQ(lio.no_path_retry, 12);
    EXPECT_EQ(lio.path_checker, "directio");
    EXPECT_EQ(lio.detect_checker, false);
    const MultipathSettings scst = multipath_settings(MultipathProfile::scst);
    EXPECT_EQ(scst.prio, "alua");
    EXPECT_FALSE(scst.path_checker);
    EXPECT_FALSE(scst.detect_checker);
    const MultipathSettings other = multipath_settings(MultipathProfile::other);
    EXPECT_EQ(other.path_grouping_policy, "group_by_prio");
    EXPECT_FALSE(other.prio);  // left to multipathd's detect_prio
    EXPECT_EQ(other.no_path_retry, 12);
}

TEST(Multipath, FixturePlan) {
    const auto scan = srp_hosts(Sysfs(testing::fixture_root("host1"))).value();
    const MultipathPlan plan = multipath_plan(scan.hosts);
    // tgt-a (host7, host10), tgt-b (host8), tgt-c (host9, no disks), the RDMA/CM target
    // (host11); tgt-d's only path (host12) is going away.
    ASSERT_EQ(plan.targets.size(), 4U);
    EXPECT_EQ(plan.targets[0].id_ext, 0x0002c90300d00010ULL);
    ASSERT_EQ(plan.targets[0].paths.size(), 2U);
    EXPECT_EQ(plan.targets[0].paths[1].host, "host10");
    EXPECT_EQ(plan.targets[0].paths[1].disks.at(0).wwid, "naa.6001405a1b2c3d4e5f60718293a4b5c6");
    EXPECT_TRUE(plan.targets[2].paths.at(0).disks.empty());
    EXPECT_EQ(pairs(plan),
              (std::vector<std::string>{"LIO-ORG/IBLOCK: sdb sdc sdf",
                                        "SCST_BIO/db01.data-vol_01: sdd", "LIO-ORG/FILEIO: sde"}));
    const MultipathDevice& scst = plan.devices[1];
    EXPECT_EQ(scst.vendor_value, R"("^SCST_BIO$")");
    EXPECT_EQ(scst.product_value, R"("^db01\.data-vol_01$")");
    EXPECT_EQ(scst.profile, MultipathProfile::scst);
    EXPECT_EQ(scst.settings, multipath_settings(MultipathProfile::scst));
    EXPECT_EQ(plan.devices[0].profile, MultipathProfile::lio);
    EXPECT_TRUE(plan.unidentified.empty());
    EXPECT_EQ(plan.queue_seconds, 60);
    EXPECT_EQ(plan.min_dev_loss_tmo, 66);
    // host10: 5/60/10; host11: fast_io_fail_tmo off. host9 (5/60/10) has no disks.
    EXPECT_EQ(plan.timeout_notes,
              (std::vector<MultipathTimeoutNote>{{"host10", Kind::dev_loss_short, 60},
                                                 {"host11", Kind::fast_io_fail_off, 600}}));
    EXPECT_FALSE(plan.no_disks());
}

TEST(Multipath, PairsAreGroupedAcrossTargets) {
    const std::vector<SrpHost> hosts = {
        srp_host(3, 0xa, "running",
                 {disk("3:0:0:0", "sdc", "LIO-ORG", "IBLOCK"),
                  disk("3:0:0:1", "sdd", "LIO-ORG", "FILEIO")}),
        srp_host(4, 0xb, "running", {disk("4:0:0:0", "sde", "LIO-ORG", "IBLOCK")}),
        srp_host(5, 0xa, "blocked", {disk("5:0:0:0", "sdf", "LIO-ORG", "IBLOCK")}),
    };
    const MultipathPlan plan = multipath_plan(hosts);
    ASSERT_EQ(plan.targets.size(), 2U);
    EXPECT_EQ(plan.targets[0].paths.size(), 2U);  // host3 and host5: the same target
    EXPECT_EQ(pairs(plan),
              (std::vector<std::string>{"LIO-ORG/IBLOCK: sdc sdf sde", "LIO-ORG/FILEIO: sdd"}));
    EXPECT_TRUE(plan.timeout_notes.empty());  // 5/120/10 suit no_path_retry 12
}

TEST(Multipath, WhatIsLeftOut) {
    SrpHost lost = srp_host(6, 0xc, "lost", {disk("6:0:0:0", "sdg", "LIO-ORG", "IBLOCK")});
    SrpHost unreadable =
        srp_host(7, 0xd, "running",
                 {disk("7:0:0:0", "sdh", std::nullopt, "IBLOCK"),  // vendor unprintable
                  disk("7:0:0:1", "", "LIO-ORG", "IBLOCK")});      // no block device
    unreadable.remote_port->timeouts = std::nullopt;
    const MultipathPlan plan = multipath_plan({lost, unreadable});
    ASSERT_EQ(plan.targets.size(), 1U);
    EXPECT_EQ(plan.targets[0].id_ext, 0xdU);
    EXPECT_TRUE(plan.devices.empty());
    ASSERT_EQ(plan.unidentified.size(), 1U);
    EXPECT_EQ(plan.unidentified[0].block, "sdh");
    EXPECT_FALSE(plan.no_disks());
    EXPECT_EQ(plan.timeout_notes,
              (std::vector<MultipathTimeoutNote>{{"host7", Kind::unreadable, 0}}));

    EXPECT_TRUE(multipath_plan({lost}).no_disks());
    EXPECT_TRUE(multipath_plan({}).no_disks());
    EXPECT_TRUE(multipath_plan({}).targets.empty());
}

TEST(Multipath, ShownTextIsPrintable) {
    SrpHost h = srp_host(8, 0xe, "running", {disk("8:0:0:0", "sd\nx", "LIO-ORG", "IBLOCK")});
    h.local_device = "mlx5\x1b[0m";
    const MultipathPlan plan = multipath_plan({h});
    EXPECT_EQ(plan.targets.at(0).paths.at(0).local_device, R"(mlx5\x1b[0m)");
    EXPECT_EQ(plan.devices.at(0).disks.at(0), R"(sd\x0ax)");
}

}  // namespace
}  // namespace srpadm::host
