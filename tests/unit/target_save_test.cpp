// The saved target configurations: scst.conf against a golden text in scstadmin's layout, and
// saveconfig.json against a golden merge (an iSCSI target and its storage object kept, srpt
// targets and the storage objects srpadm describes replaced), its warnings, its errors for a
// malformed file, the fields rtslib's restore requires, and, when Debian's python3-rtslib-fb is
// installed, rtslib's own wwn normalization and storage object constructors.
#include <cstdint>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <spawn.h>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
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
    s.devices.push_back(device("braces", "vdisk_fileio", Backing::file, "/srv/{x}.img", kGiB));
    s.ports[1].luns.push_back(lun(7, "mystery"));
    s.ports[1].luns.push_back(lun(8, ""));
    s.ports[1].luns.push_back(lun(10, "braces"));
    s.ports[1].groups[0].luns.push_back(lun(9, "gone"));
    s.rdma_cm_port = 5000;
    std::vector<std::string> warnings;
    const std::string text = scst_conf(s, "", warnings);
    EXPECT_EQ(text.find("mystery"), std::string::npos);
    EXPECT_EQ(text.find("LUN 8"), std::string::npos);
    EXPECT_EQ(text.find("gone"), std::string::npos);
    EXPECT_EQ(text.find("braces"), std::string::npos);
    // No header: the file starts with the first section.
    EXPECT_TRUE(text.starts_with("HANDLER vdisk_blockio {\n")) << text;
    ASSERT_EQ(warnings.size(), 7U);
    EXPECT_EQ(warnings[0], "device mystery is not saved: it has no SCST handler (backing other)");
    EXPECT_EQ(warnings[1],
              "device braces is not saved: scst.conf cannot hold its file name /srv/{x}.img (a "
              "brace, double quote or line break)");
    EXPECT_EQ(warnings[2],
              "target fe80:0000:0000:0000:0002:c903:000f:1367: LUN 7 is not saved: its device "
              "mystery is not saved (scstadmin -config would fail on it)");
    EXPECT_EQ(warnings[3],
              "target fe80:0000:0000:0000:0002:c903:000f:1367: LUN 8 is not saved: its device "
              "could not be read");
    EXPECT_EQ(warnings[4],
              "target fe80:0000:0000:0000:0002:c903:000f:1367: LUN 10 is not saved: its device "
              "braces is not saved (scstadmin -config would fail on it)");
    EXPECT_EQ(warnings[5],
              "target fe80:0000:0000:0000:0002:c903:000f:1367, group everyone: LUN 9 is not "
              "saved: its device gone is not saved (scstadmin -config would fail on it)");
    EXPECT_NE(warnings[6].find("options ib_srpt rdma_cm_port=5000"), std::string::npos);
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
    ASSERT_EQ(warnings.size(), 8U);
    EXPECT_EQ(warnings[0], "storage object fileio_2/off is not saved: it is not enabled");
    EXPECT_EQ(
        warnings[1],
        "storage object pscsi_0/pt is not saved: srpadm does not describe pscsi storage objects "
        "(an entry already in the file is kept)");
    EXPECT_EQ(
        warnings[2],
        "srpt port 0xfe800000000000000002c903000f1367: LUN 4 is not saved: its storage object "
        "pt is not in the file");
    EXPECT_EQ(
        warnings[3],
        "srpt port 0xfe800000000000000002c903000f1367: ACL 0xfe800000000000000002c903000a0001: "
        "LUN 5 is not saved: the TPG LUN 4 it maps is not saved");
    EXPECT_EQ(
        warnings[4],
        "srpt port 0xfe800000000000000002c903000f1367: ACL 192.168.7.2 is not saved: it is "
        "named by an IPv4 address, and rtslib's saveconfig.json names srpt ACLs only by a GID "
        "(0x and 32 hex digits), so target.service will not restore it");
    EXPECT_EQ(
        warnings[5],
        "srpt port 0xfe800000000000000002c903000f1367: ACL 0002:c903:000a:0002 is not saved: it "
        "is named by a GUID, and rtslib's saveconfig.json names srpt ACLs only by a GID (0x and "
        "32 hex digits), so target.service will not restore it");
    EXPECT_EQ(
        warnings[6],
        "srpt port 0002:c903:000f:1368 (mlx5_0:2) is not saved: it is named by its GUID, and "
        "rtslib's saveconfig.json names srpt targets only by a GID (0x and 32 hex digits), so "
        "target.service will not restore it (by its GID it is "
        "0xfe800000000000000002c903000f1368)");
    EXPECT_EQ(
        warnings[7],
        "ib_srpt's RDMA/CM port 5000 (configfs target/srpt/discovery_auth/rdma_cm_port) is not "
        "part of saveconfig.json: rtslib does not save it, so logins over RoCE fail after a "
        "reboot until it is set again");
}

TEST(TargetSave, LioSaveconfigWithoutAFile) {
    std::vector<std::string> warnings;
    const auto none = lio_saveconfig(lio_state(), std::nullopt, warnings);
    ASSERT_TRUE(none) << none.error().message;
    std::vector<std::string> blank_warnings;
    // A file that is empty or only white space has nothing to keep.
    EXPECT_EQ(lio_saveconfig(lio_state(), " \n\t\n", blank_warnings).value(), *none);
    EXPECT_EQ(lio_saveconfig(lio_state(), "", blank_warnings).value(), *none);
    const json doc = json::parse(*none);
    // The keys RTSRoot.dump writes, and nothing else.
    std::set<std::string> keys;
    for (const auto& [key, value] : doc.items()) {
        keys.insert(key);
    }
    EXPECT_EQ(keys, (std::set<std::string>{"fabric_modules", "storage_objects", "targets"}));
    EXPECT_EQ(doc["fabric_modules"], json::array());
    ASSERT_EQ(doc["targets"].size(), 2U);
    EXPECT_EQ(doc["targets"][0]["wwn"], "ib.fe800000000000000002c903000f1367");
    EXPECT_EQ(doc["targets"][1]["wwn"], "ib.fe800000000000000002c903000f136a");
    // Nothing to carry over: the storage objects are only what srpadm describes, by plugin
    // and name.
    ASSERT_EQ(doc["storage_objects"].size(), 5U);
    EXPECT_EQ(doc["storage_objects"][1]["name"], "iscsi_disk");
    EXPECT_EQ(
        doc["storage_objects"][2],
        (json{{"dev", "/srv/lio/img"}, {"name", "img"}, {"plugin", "fileio"}, {"size", kGiB}}));
}

// rtslib restores a storage object with the unit serial saved as its wwn, and without one makes
// a new random one (rtslib/tcm.py StorageObject._configure()): the disk's WWID would change at
// every boot.
TEST(TargetSave, LioSaveconfigKeepsTheUnitSerial) {
    TargetState s;
    s.devices = {device("ram0", "rd_mcp_0", Backing::ram, "", kGiB),
                 device("ram1", "rd_mcp_1", Backing::ram, "", kGiB)};
    s.devices[0].unit_serial = "6b0d1f5e-2c4a-4f3b-9e8d-7a6c5b4e3d2f";
    std::vector<std::string> warnings;
    const auto saved = lio_saveconfig(s, std::nullopt, warnings);
    ASSERT_TRUE(saved) << saved.error().message;
    const json doc = json::parse(*saved);
    ASSERT_EQ(doc["storage_objects"].size(), 2U);
    EXPECT_EQ(doc["storage_objects"][0], (json{{"name", "ram0"},
                                               {"plugin", "ramdisk"},
                                               {"size", kGiB},
                                               {"wwn", "6b0d1f5e-2c4a-4f3b-9e8d-7a6c5b4e3d2f"}}));
    EXPECT_FALSE(doc["storage_objects"][1].contains("wwn"));
}

TEST(TargetSave, LioSaveconfigFileSizeFromTheFileOrAWarning) {
    TargetState s;
    s.devices = {device("img", "fileio_0", Backing::file, "/srv/lio/img", 0)};
    std::vector<std::string> warnings;
    const json alone = json::parse(lio_saveconfig(s, std::nullopt, warnings).value());
    EXPECT_FALSE(alone["storage_objects"][0].contains("size"));
    ASSERT_EQ(warnings.size(), 1U);
    EXPECT_EQ(warnings[0],
              "storage object fileio_0/img: its size is not known, and rtslib's restore needs it "
              "when /srv/lio/img is a file");
    warnings.clear();
    const json merged = json::parse(
        lio_saveconfig(
            s,
            R"({"storage_objects": [{"plugin": "fileio", "name": "img", "dev": "/srv/lio/img", "size": 4096}]})",
            warnings)
            .value());
    EXPECT_EQ(merged["storage_objects"][0]["size"], 4096);
    EXPECT_TRUE(warnings.empty());
}

TEST(TargetSave, LioSaveconfigRefusesAMalformedFile) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"{\"targets\": [", "/etc/target/saveconfig.json: not valid JSON: "},
        {"[]",
         "/etc/target/saveconfig.json: not an rtslib saved configuration: the top level "
         "is not a JSON object"},
        {R"({"targets": {}})",
         "/etc/target/saveconfig.json: not an rtslib saved "
         "configuration: \"targets\" is not a list of objects"},
        {R"({"storage_objects": [1]})",
         "/etc/target/saveconfig.json: not an rtslib saved "
         "configuration: \"storage_objects\" is not a list of "
         "objects"},
        {R"({"fabric_modules": "iscsi"})",
         "/etc/target/saveconfig.json: not an rtslib saved "
         "configuration: \"fabric_modules\" is not a list of "
         "objects"},
    };
    for (const auto& [text, message] : cases) {
        std::vector<std::string> warnings;
        const auto r = lio_saveconfig(lio_state(), text, warnings);
        ASSERT_FALSE(r) << text;
        EXPECT_EQ(r.error().code, Errc::invalid_input) << text;
        EXPECT_TRUE(r.error().message.starts_with(message)) << r.error().message;
    }
    std::vector<std::string> warnings;
    const auto named =
        lio_saveconfig(lio_state(), "{,}", warnings, "/etc/rtslib-fb-target/saveconfig.json");
    EXPECT_EQ(testing::error_of(named),
              "/etc/rtslib-fb-target/saveconfig.json: not valid JSON: parse error at line 1, "
              "column 2: syntax error while parsing object key - unexpected ','; expected string "
              "literal");
}

// What rtslib's restore requires of each entry (rtslib/root.py restore, rtslib/target.py
// Target.setup, TPG.setup, LUN.setup, NodeACL.setup, MappedLUN.setup, rtslib/tcm.py).
void expect_restorable(const json& doc) {
    ASSERT_TRUE(doc.is_object());
    const std::regex ib_wwn("ib\\.[0-9a-f]{32}");
    std::set<std::string> objects;  // "/backstores/<plugin>/<name>"
    for (const json& so : doc.at("storage_objects")) {
        ASSERT_TRUE(so.at("name").is_string()) << so;
        const std::string plugin = so.at("plugin").get<std::string>();
        if (plugin == "block" || plugin == "fileio") {
            EXPECT_TRUE(so.at("dev").is_string()) << so;
        }
        if (plugin == "fileio") {
            EXPECT_TRUE(so.at("size").is_number_unsigned()) << so;
        }
        if (plugin == "ramdisk") {
            EXPECT_TRUE(so.at("size").is_number_unsigned()) << so;
        }
        EXPECT_TRUE(plugin == "block" || plugin == "fileio" || plugin == "ramdisk") << so;
        objects.insert("/backstores/" + plugin + "/" + so.at("name").get<std::string>());
    }
    for (const json& t : doc.at("targets")) {
        ASSERT_TRUE(t.at("wwn").is_string()) << t;
        ASSERT_TRUE(t.at("fabric").is_string()) << t;
        if (t["fabric"] != "srpt") {
            continue;
        }
        EXPECT_TRUE(std::regex_match(t["wwn"].get<std::string>(), ib_wwn)) << t["wwn"];
        ASSERT_EQ(t.at("tpgs").size(), 1U);
        const json& tpg = t["tpgs"][0];
        EXPECT_TRUE(tpg.at("tag").is_number_unsigned());
        EXPECT_TRUE(tpg.at("enable").is_boolean());
        EXPECT_EQ(tpg.at("portals"), json::array());
        std::set<std::uint64_t> luns;
        for (const json& lun : tpg.at("luns")) {
            EXPECT_TRUE(objects.contains(lun.at("storage_object").get<std::string>())) << lun;
            EXPECT_TRUE(luns.insert(lun.at("index").get<std::uint64_t>()).second) << lun;
        }
        for (const json& acl : tpg.at("node_acls")) {
            EXPECT_TRUE(std::regex_match(acl.at("node_wwn").get<std::string>(), ib_wwn)) << acl;
            for (const json& m : acl.at("mapped_luns")) {
                EXPECT_TRUE(m.at("index").is_number_unsigned()) << m;
                EXPECT_TRUE(luns.contains(m.at("tpg_lun").get<std::uint64_t>())) << m;
                EXPECT_TRUE(m.at("write_protect").is_boolean()) << m;
            }
        }
    }
}

TEST(TargetSave, LioSaveconfigRoundTrip) {
    std::vector<std::string> warnings;
    const auto merged =
        lio_saveconfig(lio_state(), golden("target_save_lio_existing.json"), warnings);
    ASSERT_TRUE(merged);
    const json doc = json::parse(*merged);
    expect_restorable(doc);

    std::map<std::string, json> objects;
    for (const json& so : doc["storage_objects"]) {
        objects[so["name"].get<std::string>()] = so;
    }
    // Kept: the iSCSI target's object, now as the state has it with what srpadm does not
    // describe (its unit serial, attributes); an object only the file has.
    EXPECT_EQ(objects["iscsi_disk"]["wwn"], "6a9a2b1c-0000-4000-8000-000000000001");
    EXPECT_EQ(objects["iscsi_disk"]["attributes"], (json{{"emulate_tpu", 1}}));
    EXPECT_EQ(objects["kept_only_in_file"]["dev"], "/srv/lio/old-only");
    // Replaced: the same backing keeps its serial and write-back; another backing does not.
    EXPECT_EQ(objects["img"]["wwn"], "6a9a2b1c-0000-4000-8000-000000000003");
    EXPECT_EQ(objects["img"]["write_back"], true);
    EXPECT_EQ(objects["img"]["size"], kGiB);
    EXPECT_EQ(
        objects["blk"],
        (json{{"dev", "/dev/sdb"}, {"name", "blk"}, {"plugin", "block"}, {"readonly", true}}));
    EXPECT_EQ(objects["nul"]["nullio"], true);
    EXPECT_FALSE(objects["ram"].contains("nullio"));
    EXPECT_FALSE(objects.contains("pt"));
    EXPECT_FALSE(objects.contains("off"));

    // The iSCSI target is untouched; the srpt target the state no longer has is gone.
    ASSERT_EQ(doc["targets"].size(), 3U);
    const json existing = json::parse(golden("target_save_lio_existing.json"));
    EXPECT_EQ(doc["targets"][0], existing["targets"][0]);
    EXPECT_EQ(doc["fabric_modules"], existing["fabric_modules"]);
    EXPECT_EQ(doc["site_note"], existing["site_note"]);
    const json& tpg = doc["targets"][1]["tpgs"][0];
    EXPECT_EQ(tpg["attributes"]["srp_sq_size"], 4096);
    EXPECT_EQ(tpg["node_acls"].size(), 1U);  // the ACL the state has, not the one it lost
    EXPECT_EQ(doc["targets"][2]["tpgs"][0]["attributes"], (json{{"generate_node_acls", 1}}));

    // Saved again over its own output, the file does not change.
    std::vector<std::string> again_warnings;
    EXPECT_EQ(lio_saveconfig(lio_state(), *merged, again_warnings).value(), *merged);
}

// Runs argv (no shell, a minimal environment) with its output in out_path; its exit status,
// or -1 when it could not run or did not exit.
int run(std::vector<std::string> argv, const std::string& out_path) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (std::string& a : argv) {
        args.push_back(a.data());
    }
    args.push_back(nullptr);
    std::string locale = "LC_ALL=C.UTF-8";
    std::vector<char*> env = {locale.data(), nullptr};
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), env.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        return -1;
    }
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
        return -1;
    }
    return WEXITSTATUS(status);
}

// rtslib-fb itself (Debian's python3-rtslib-fb) reads what srpadm wrote: the storage objects'
// constructor arguments, the srpt wwns as its normalize_wwn takes them and the configfs names
// it would create from them, and it refuses the names srpadm warns about.
TEST(TargetSave, LioSaveconfigReadByRtslib) {
    struct stat st {};
    if (::stat("/usr/lib/python3/dist-packages/rtslib_fb", &st) != 0) {
        GTEST_SKIP() << "python3-rtslib-fb is not installed";
    }
    std::vector<std::string> warnings;
    TargetState state = lio_state();
    for (Device& d : state.devices) {  // each storage object's wwn through its constructor too
        d.unit_serial = "6b0d1f5e-2c4a-4f3b-9e8d-7a6c5b4e3d2f";
    }
    const auto merged = lio_saveconfig(state, golden("target_save_lio_existing.json"), warnings);
    ASSERT_TRUE(merged);
    ASSERT_NE(merged->find("\"wwn\": \"6b0d1f5e-2c4a-4f3b-9e8d-7a6c5b4e3d2f\""), std::string::npos);
    const std::string file = ::testing::TempDir() + "target_save_saveconfig.json";
    const std::string out = ::testing::TempDir() + "target_save_rtslib.out";
    {
        std::ofstream f(file);
        f << *merged;
    }
    const int status =
        run({"/usr/bin/python3",
             fmt::format("{}/tests/unit/target_save_rtslib_check.py", SRPADM_SOURCE_DIR), file,
             "0002:c903:000f:1368", "192.168.7.2", "0002:c903:000a:0002",
             "0xFE800000000000000002C903000F136A"},
            out);
    std::ifstream in(out);
    std::ostringstream text;
    text << in.rdbuf();
    EXPECT_EQ(status, 0) << text.str();
    EXPECT_EQ(text.str(),
              "target iscsi iqn.2003-01.org.linux-iscsi.host.x8664:sn.0123456789ab\n"
              "target srpt 0xfe800000000000000002c903000f1367\n"
              "acl srpt 0xfe800000000000000002c903000f1367 0xfe800000000000000002c903000a0001\n"
              "target srpt 0xfe800000000000000002c903000f136a\n"
              "refused 0002:c903:000f:1368\n"
              "refused 192.168.7.2\n"
              "refused 0002:c903:000a:0002\n"
              "accepted 0xFE800000000000000002C903000F136A ib.fe800000000000000002c903000f136a\n");
}

TEST(TargetSave, PersistenceNotes) {
    const auto join = [](const std::vector<std::string>& lines) {
        std::string all;
        for (const std::string& line : lines) {
            EXPECT_FALSE(line.empty());
            EXPECT_EQ(line.find('\n'), std::string::npos) << line;
            all += line + "\n";
        }
        return all;
    };
    const std::string scst = join(persistence_notes(Flavour::scst));
    for (const char* needle :
         {"scst.service", "/etc/init.d/scst", "scstadmin -config", "scst_vdisk", "TARGET_DRIVER",
          "ib_srpt", "/etc/default/scst", "SCST_TARGET_MODULES", "/etc/modprobe.d"}) {
        EXPECT_NE(scst.find(needle), std::string::npos) << needle;
    }
    const std::string lio = join(persistence_notes(Flavour::lio));
    for (const char* needle :
         {"target.service", "targetctl restore", "rtslib-fb-targetctl.service",
          "/etc/rtslib-fb-target/saveconfig.json", "modprobe ib_srpt", "rdma_cm_port"}) {
        EXPECT_NE(lio.find(needle), std::string::npos) << needle;
    }
}

}  // namespace
}  // namespace srpadm::target
