// The saved target configurations: scst.conf against a golden text in scstadmin's layout, and
// saveconfig.json against a golden merge (an iSCSI target and its storage object kept, srpt
// targets and the storage objects srpadm describes replaced), its warnings, its errors for a
// malformed file, the fields rtslib's restore requires, and, when Debian's python3-rtslib-fb is
// installed, rtslib's own wwn normalization and storage object constructors.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <srpadm/target/save.hpp>

#include "error_text.hpp"

namespace srpadm::target {
namespace {

using json = nlohmann::json;

std::string golden(std::string_view name) {
    const std::string path = fmt::format("{}/tests/unit/golden/{}", SRPADM_SOURCE_DIR, name);
    std::ifstream in(path);
    EXPECT_TRUE(in) << path;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

Device device(std::string name, std::string handler, Backing backing, std::string path,
              std::uint64_t size, bool read_only = false) {
    Device d;
    d.name = std::move(name);
    d.handler = std::move(handler);
    d.backing = backing;
    d.path = std::move(path);
    d.size = size;
    d.read_only = read_only;
    return d;
}

Lun lun(std::uint32_t number, std::string dev, bool read_only = false) {
    Lun l;
    l.number = number;
    l.device = std::move(dev);
    l.read_only = read_only;
    l.tpg_lun = number;
    return l;
}

Lun mapped(std::uint32_t number, std::uint32_t tpg_lun, bool write_protect = false) {
    Lun l;
    l.number = number;
    l.tpg_lun = tpg_lun;
    l.read_only = write_protect;
    return l;
}

Group group(std::string name, std::vector<std::string> initiators, std::vector<Lun> luns) {
    Group g;
    g.name = std::move(name);
    g.initiators = std::move(initiators);
    g.luns = std::move(luns);
    return g;
}

constexpr std::uint64_t kGiB = 1024ULL * 1024 * 1024;

// Two ports (listed out of order), a device of each vdisk kind, target LUNs, groups with
// initiators and a "*" pattern, read-only LUNs, a name to escape.
TargetState scst_state() {
    TargetState s;
    s.flavour = Flavour::scst;
    TargetPort b;
    b.name = "fe80:0000:0000:0000:0002:c903:000f:1368";
    b.enabled = false;
    TargetPort a;
    a.name = "fe80:0000:0000:0000:0002:c903:000f:1367";
    a.enabled = true;
    a.luns = {lun(2, "null0"), lun(0, "disk_block"), lun(1, "disk_file", true)};
    a.groups = {
        group("everyone", {"*"}, {lun(0, "null0")}),
        group(
            "db_hosts",
            {"fe80:0000:0000:0000:0002:c903:000a:0002", "fe80:0000:0000:0000:0002:c903:000a:0001"},
            {lun(1, "disk_block", true), lun(0, "disk_file")}),
        group("empty", {}, {}),
    };
    TargetPort c;  // a port with LUNs and no groups, one of them read-only
    c.name = "fe80:0000:0000:0000:0002:c903:000f:1369";
    c.enabled = true;
    c.luns = {lun(0, "disk_block", true), lun(1, "null_default")};
    s.ports = {b, a, c};
    s.devices = {
        device("null0", "vdisk_nullio", Backing::null, "", kGiB),
        device("disk_file", "vdisk_fileio", Backing::file, "/srv/scst/my disk#1.img", 10 * kGiB),
        device("disk_block", "vdisk_blockio", Backing::block, "/dev/sdb", 500 * kGiB, true),
        // The default nullio size: no attribute to save.
        device("null_default", "vdisk_nullio", Backing::null, "", 5ULL * 1024 * kGiB / 2),
    };
    s.handlers = {"vdisk_blockio", "vdisk_fileio", "vdisk_nullio", "vcdrom"};
    return s;
}

TEST(TargetSave, DefaultPaths) {
    EXPECT_EQ(default_save_path(Flavour::scst), "/etc/scst.conf");
    EXPECT_EQ(default_save_path(Flavour::lio), "/etc/target/saveconfig.json");
}

TEST(TargetSave, ScstConfGolden) {
    std::vector<std::string> warnings;
    const std::string text =
        scst_conf(scst_state(), "Written by srpadm target save.\nEdit with care.", warnings);
    EXPECT_EQ(text, golden("target_save_scst.conf"));
    EXPECT_TRUE(warnings.empty()) << warnings.front();
    // The two-argument form writes the same.
    EXPECT_EQ(scst_conf(scst_state(), "Written by srpadm target save.\nEdit with care."), text);
}

TEST(TargetSave, ScstConfLeavesOutWhatScstadminWouldRefuse) {
    TargetState s = scst_state();
    s.devices.push_back(device("mystery", "", Backing::other, "", 0));
    s.ports[1].luns.push_back(lun(7, "mystery"));
    s.ports[1].luns.push_back(lun(8, ""));
    s.ports[1].groups[0].luns.push_back(lun(9, "gone"));
    s.rdma_cm_port = 5000;
    std::vector<std::string> warnings;
    const std::string text = scst_conf(s, "", warnings);
    EXPECT_EQ(text.find("mystery"), std::string::npos);
    EXPECT_EQ(text.find("LUN 8"), std::string::npos);
    EXPECT_EQ(text.find("gone"), std::string::npos);
    // No header: the file starts with the first section.
    EXPECT_TRUE(text.starts_with("HANDLER vdisk_blockio {\n")) << text;
    ASSERT_EQ(warnings.size(), 5U);
    EXPECT_EQ(warnings[0], "device mystery is not saved: it has no SCST handler (backing other)");
    EXPECT_EQ(warnings[1],
              "target fe80:0000:0000:0000:0002:c903:000f:1367: LUN 7 is not saved: its device "
              "mystery is not saved (scstadmin -config would fail on it)");
    EXPECT_EQ(warnings[2],
              "target fe80:0000:0000:0000:0002:c903:000f:1367: LUN 8 is not saved: its device "
              "could not be read");
    EXPECT_EQ(warnings[3],
              "target fe80:0000:0000:0000:0002:c903:000f:1367, group everyone: LUN 9 is not "
              "saved: its device gone is not saved (scstadmin -config would fail on it)");
    EXPECT_NE(warnings[4].find("options ib_srpt rdma_cm_port=5000"), std::string::npos);
}

// LIO: ports named by GID and by GUID, one not configured, one open; ACLs named by GID, by IP
// address and by GUID; a storage object of each kind, one srpadm cannot describe, one disabled.
TargetState lio_state() {
    TargetState s;
    s.flavour = Flavour::lio;
    TargetPort a;
    a.name = "0xfe800000000000000002c903000f1367";
    a.device = "mlx5_0";
    a.port = 1;
    a.tpg = "tpgt_1";
    a.enabled = true;
    a.luns = {lun(3, "nul"), lun(0, "blk"), lun(1, "img"), lun(2, "ram"), lun(4, "pt")};
    a.groups = {
        group("0xfe800000000000000002c903000a0001", {"0xfe800000000000000002c903000a0001"},
              {mapped(1, 0, true), mapped(0, 1), mapped(5, 4)}),
        group("192.168.7.2", {"192.168.7.2"}, {mapped(0, 0)}),
        group("0002:c903:000a:0002", {"0002:c903:000a:0002"}, {mapped(0, 0)}),
    };
    TargetPort guid;
    guid.name = "0002:c903:000f:1368";
    guid.device = "mlx5_0";
    guid.port = 2;
    guid.naming = PortNaming::guid;
    guid.gid = Gid::from_parts(0xfe80000000000000ULL, 0x0002c903000f1368ULL);
    guid.tpg = "tpgt_1";
    guid.enabled = true;
    guid.luns = {lun(0, "blk")};
    TargetPort unconfigured;
    unconfigured.name = "0xfe800000000000000002c903000f1369";
    unconfigured.configured = false;
    TargetPort open;
    open.name = "0xFE800000000000000002C903000F136A";
    open.tpg = "tpgt_1";
    open.enabled = false;
    open.open = true;
    open.luns = {lun(0, "blk")};
    s.ports = {open, a, guid, unconfigured};
    s.devices = {
        device("img", "fileio_1", Backing::file, "/srv/lio/img", 1 * kGiB),
        device("blk", "iblock_0", Backing::block, "/dev/sdb", 0, true),
        device("ram", "rd_mcp_0", Backing::ram, "", 64ULL * 1024 * 1024),
        device("nul", "rd_mcp_1", Backing::null, "", 2 * kGiB),
        device("pt", "pscsi_0", Backing::other, "/dev/sg3", 0),
        device("off", "fileio_2", Backing::file, "/srv/lio/off", kGiB),
        device("iscsi_disk", "iblock_3", Backing::block, "/dev/sdc", 0),
    };
    s.devices[5].enabled = false;
    s.rdma_cm_port = 5000;
    return s;
}

TEST(TargetSave, LioSaveconfigMergeGolden) {
    std::vector<std::string> warnings;
    const auto text = lio_saveconfig(lio_state(), golden("target_save_lio_existing.json"), warnings,
                                     "/etc/target/saveconfig.json");
    ASSERT_TRUE(text) << text.error().message;
    EXPECT_EQ(*text, golden("target_save_lio_merged.json"));
    const std::vector<std::string> expected = {
        "storage object fileio_2/off is not saved: it is not enabled",
        "storage object pscsi_0/pt is not saved: srpadm does not describe pscsi storage objects "
        "(an entry already in the file is kept)",
        "srpt port 0xfe800000000000000002c903000f1367: LUN 4 is not saved: its storage object "
        "pt is not in the file",
        "srpt port 0xfe800000000000000002c903000f1367: ACL 0xfe800000000000000002c903000a0001: "
        "LUN 5 is not saved: the TPG LUN 4 it maps is not saved",
        "srpt port 0xfe800000000000000002c903000f1367: ACL 192.168.7.2 is not saved: it is "
        "named by an IPv4 address, and rtslib's saveconfig.json names srpt ACLs only by a GID "
        "(0x and 32 hex digits), so target.service will not restore it",
        "srpt port 0xfe800000000000000002c903000f1367: ACL 0002:c903:000a:0002 is not saved: it "
        "is named by a GUID, and rtslib's saveconfig.json names srpt ACLs only by a GID (0x and "
        "32 hex digits), so target.service will not restore it",
        "srpt port 0002:c903:000f:1368 (mlx5_0:2) is not saved: it is named by its GUID, and "
        "rtslib's saveconfig.json names srpt targets only by a GID (0x and 32 hex digits), so "
        "target.service will not restore it (by its GID it is "
        "0xfe800000000000000002c903000f1368)",
        "ib_srpt's RDMA/CM port 5000 (configfs target/srpt/discovery_auth/rdma_cm_port) is not "
        "part of saveconfig.json: rtslib does not save it, so logins over RoCE fail after a "
        "reboot until it is set again",
    };
    EXPECT_EQ(warnings, expected);
}

}  // namespace
}  // namespace srpadm::target
