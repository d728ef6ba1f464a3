// The target side's pure parts: initiator names, sizes, the plans of every command (golden
// texts in tests/unit/golden/target_*.txt; SRPADM_UPDATE_GOLDEN=1 rewrites them), the bad
// inputs that stop a command before anything is written, and apply_plan's undo.
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <srpadm/target/apply.hpp>
#include <srpadm/target/names.hpp>
#include <srpadm/target/planner.hpp>
#include <srpadm/text.hpp>

namespace srpadm::target {
namespace {

const Gid kRoceGid = *Gid::parse("fe80:0000:0000:0000:5054:00ff:fe12:3456");
const Gid kIbGid = *Gid::parse("fe80:0000:0000:0000:0002:c903:00a0:b1c2");
constexpr std::string_view kInitiator = "0x00000000000000000002c90300a0b1d1";

host::TreeRoots system_roots() {
    return {host::Sysfs("/sys"), host::Sysfs("/sys/kernel/config")};
}

TargetPort local_port(std::string name, std::string device, const Gid& gid, bool roce) {
    TargetPort p;
    p.name = std::move(name);
    p.device = std::move(device);
    p.port = 1;
    p.gid = gid;
    p.roce = roce;
    return p;
}

// LIO just loaded: no target/srpt, one RoCE and one InfiniBand port.
TargetState fresh_lio() {
    TargetState s;
    s.flavour = Flavour::lio;
    s.service_guid = 0x505400fffe123456ULL;
    s.rdma_cm_port = 0;
    s.srpt_dir_missing = true;
    for (auto [gid, dev, roce] :
         {std::tuple{kIbGid, "mlx5_0", false}, std::tuple{kRoceGid, "rxe0", true}}) {
        TargetPort p = local_port(lio_gid_port_name(gid), dev, gid, roce);
        p.configured = false;
        s.ports.push_back(p);
    }
    return s;
}

// LIO with ram0 at LUN 0 on the InfiniBand port and one ACL mapping it read-only.
TargetState configured_lio() {
    TargetState s = fresh_lio();
    s.srpt_dir_missing = false;
    s.rdma_cm_port = 5555;
    s.devices.push_back({"ram0", "rd_mcp_0", Backing::ram, "", 1ULL << 30, false, true, ""});
    TargetPort& p = s.ports[0];
    p.configured = true;
    p.tpg = "tpgt_1";
    p.enabled = true;
    p.luns.push_back({0, "ram0", false, 0});
    p.groups.push_back(
        {std::string(kInitiator), {std::string(kInitiator)}, {{0, "ram0", true, 0}}});
    p.sessions.push_back({std::string(kInitiator), std::string(kInitiator)});
    return s;
}

TargetState fresh_scst() {
    TargetState s;
    s.flavour = Flavour::scst;
    s.service_guid = 0x0002c90300a0b1c0ULL;
    s.rdma_cm_port = 0;
    s.handlers = {"vdisk_blockio", "vdisk_fileio", "vdisk_nullio"};
    s.ports.push_back(local_port(scst_port_name(kIbGid), "mlx5_0", kIbGid, false));
    return s;
}

TargetState configured_scst() {
    TargetState s = fresh_scst();
    s.devices.push_back({"disk1", "vdisk_blockio", Backing::block, "/dev/sdb", 0, false, true, ""});
    TargetPort& p = s.ports[0];
    p.enabled = true;
    p.groups.push_back(
        {"srpadm", {"fe80:0000:0000:0000:0002:c903:00a0:b1d1"}, {{0, "disk1", false, 0}}});
    p.sessions.push_back({"fe80:0000:0000:0000:0002:c903:00a0:b1d1", "srpadm"});
    return s;
}

std::string describe(const Plan& plan) {
    const host::TreeRoots roots = system_roots();
    std::string out;
    for (const Step& s : plan.steps) {
        out += "step: " + shell_command(s.action, roots) + "\n";
        if (s.undo) {
            out += "  undo: " + shell_command(*s.undo, roots) + "\n";
        }
    }
    for (const std::string& e : plan.equivalent) {
        out += "same: " + e + "\n";
    }
    for (const std::string& w : plan.warnings) {
        out += "warning: " + w + "\n";
    }
    for (const std::string& n : plan.notes) {
        out += "note: " + n + "\n";
    }
    return out;
}

void expect_golden(const std::string& name, const Plan& plan) {
    const std::string path =
        fmt::format("{}/tests/unit/golden/target_{}.txt", SRPADM_SOURCE_DIR, name);
    const std::string text = describe(plan);
    if (std::getenv("SRPADM_UPDATE_GOLDEN") != nullptr) {
        std::ofstream(path) << text;
    }
    std::ifstream in(path);
    ASSERT_TRUE(in) << path << " is missing: run with SRPADM_UPDATE_GOLDEN=1";
    std::stringstream expected;
    expected << in.rdbuf();
    EXPECT_EQ(text, expected.str()) << "golden " << path;
}

template <class T>
void expect_error(const Result<T>& r, Errc code, std::string_view fragment) {
    ASSERT_FALSE(r) << "expected an error containing: " << fragment;
    EXPECT_EQ(r.error().code, code) << r.error().message;
    EXPECT_NE(r.error().message.find(fragment), std::string::npos) << r.error().message;
}

PathFacts block_device() {
    PathFacts f;
    f.exists = true;
    f.block_device = true;
    return f;
}

// ---- names ----------------------------------------------------------------------------------

TEST(TargetNames, ParsesEveryFormInitiatorIdPrints) {
    const auto id = parse_initiator_name("0x00000000000000000002C90300A0B1D1");
    ASSERT_TRUE(id);
    EXPECT_EQ(id->kind, NameKind::port_id);
    EXPECT_EQ(port_id_hex(id->bytes), kInitiator);
    EXPECT_EQ(parse_initiator_name("00000000000000000002c90300a0b1d1")->kind, NameKind::port_id);
    const auto gid = parse_initiator_name("fe80:0:0:0:2:c903:a0:b1d1");
    ASSERT_TRUE(gid);
    EXPECT_EQ(gid->kind, NameKind::eight_groups);
    EXPECT_EQ(eight_groups(gid->bytes), "fe80:0000:0000:0000:0002:c903:00a0:b1d1");
    EXPECT_EQ(parse_initiator_name("0002:c903:00a0:b1d1")->kind, NameKind::guid);
    const auto v4 = parse_initiator_name("192.0.2.15");
    ASSERT_TRUE(v4);
    EXPECT_EQ(v4->address, "192.0.2.15");
    const auto v6 = parse_initiator_name("fd00::15");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->address, "fd00:0000:0000:0000:0000:0000:0000:0015");
    for (const char* bad : {"", "0x123", "fe80::1::2", "12345:0:0:0", "host1", "0xzz", "1.2.3.4.5",
                            "0002:c903:00a0", "0x000000000000000000002c90300a0b1d1"}) {
        expect_error(parse_initiator_name(bad), Errc::invalid_input, "is not an initiator name");
    }
    expect_error(parse_initiator_name("a\x01z"), Errc::invalid_input, "a\\x01z");
}

TEST(TargetNames, EachPortGetsTheNameItMatchesLoginsAgainst) {
    const TargetState scst = fresh_scst();
    const TargetState lio = fresh_lio();
    TargetPort guid_port = lio.ports[0];
    guid_port.naming = PortNaming::guid;
    guid_port.name = lio_guid_port_name(kIbGid);
    const auto id = *parse_initiator_name(kInitiator);
    const auto guid = *parse_initiator_name("0002:c903:00a0:b1d1");
    const auto ip = *parse_initiator_name("192.0.2.15");

    // SCST: the GID, with the target port's subnet prefix.
    EXPECT_EQ(name_for_port(id, Flavour::scst, scst.ports[0]).name,
              "fe80:0000:0000:0000:0002:c903:00a0:b1d1");
    EXPECT_TRUE(name_for_port(id, Flavour::scst, scst.ports[0]).warnings.empty());
    EXPECT_EQ(name_for_port(guid, Flavour::scst, scst.ports[0]).name,
              "fe80:0000:0000:0000:0002:c903:00a0:b1d1");
    const auto ext = *parse_initiator_name("0x00000000000000070002c90300a0b1d1");
    EXPECT_EQ(name_for_port(ext, Flavour::scst, scst.ports[0]).warnings.size(), 1U);
    // LIO, GID-named: the port ID; a GUID assumes initiator_ext 0 and says so.
    EXPECT_EQ(name_for_port(id, Flavour::lio, lio.ports[0]).name, kInitiator);
    const PortName from_guid = name_for_port(guid, Flavour::lio, lio.ports[0]);
    EXPECT_EQ(from_guid.name, kInitiator);
    ASSERT_EQ(from_guid.warnings.size(), 1U);
    EXPECT_NE(from_guid.warnings[0].find("initiator_ext 0"), std::string::npos);
    // An address never matches on a GID-named LIO port, nor over InfiniBand.
    EXPECT_EQ(name_for_port(ip, Flavour::lio, lio.ports[0]).warnings.size(), 2U);
    EXPECT_EQ(name_for_port(ip, Flavour::lio, lio.ports[1]).warnings.size(), 1U);
    // LIO, GUID-named: the GUID; over RoCE the address is what it sees.
    EXPECT_EQ(name_for_port(id, Flavour::lio, guid_port).name, "0002:c903:00a0:b1d1");
    guid_port.roce = true;
    EXPECT_EQ(name_for_port(id, Flavour::lio, guid_port).warnings.size(), 1U);
    EXPECT_EQ(name_for_port(ip, Flavour::lio, guid_port).name, "192.0.2.15");
    EXPECT_TRUE(name_for_port(ip, Flavour::lio, guid_port).warnings.empty());
}

TEST(TargetNames, SizesAndObjectNames) {
    EXPECT_EQ(*parse_size("--size", "10G"), 10ULL << 30);
    EXPECT_EQ(*parse_size("--size", "512MiB"), 512ULL << 20);
    EXPECT_EQ(*parse_size("--size", "4096"), 4096U);
    EXPECT_EQ(*parse_size("--size", "1T"), 1ULL << 40);
    for (const char* bad : {"", "0", "G", "10X", "-1", "1.5G", "99999999999T"}) {
        expect_error(parse_size("option --ram", bad), Errc::invalid_input, "option --ram");
    }
    EXPECT_TRUE(check_object_name("device name", "ram0"));
    EXPECT_TRUE(check_object_name("device name", "vg0-lv_data.1"));
    for (const char* bad : {"", "-x", ".x", "a b", "a/b", "a;b",
                            "0123456789012345678901234567890123456789012345678"}) {
        expect_error(check_object_name("device name", bad), Errc::invalid_input, "device name");
    }
}

// ---- plans ----------------------------------------------------------------------------------

TEST(TargetPlan, LioExportOfARamDiskOnAFreshTarget) {
    ExportRequest r;
    r.backing = Backing::ram;
    r.size = 10ULL << 30;
    r.allow = {std::string(kInitiator)};
    auto plan = plan_export(fresh_lio(), r);
    ASSERT_TRUE(plan) << plan.error().message;
    expect_golden("lio_export_ram", *plan);
}

// Found on the real kernel (tests/e2e): without a unit serial LIO reports no VPD pages, so the
// initiator's disk has no WWID. A new storage object gets the serial after enable and before its
// first LUN (the kernel refuses it while the device is exported); a reused one keeps its own.
TEST(TargetPlan, LioExportGivesANewStorageObjectItsUnitSerial) {
    const std::string serial = "6b0d1f5e-2c4a-4f3b-9e8d-7a6c5b4e3d2f";
    ExportRequest r;
    r.backing = Backing::ram;
    r.size = 1ULL << 30;
    r.name = "ram1";
    r.unit_serial = serial;
    auto plan = plan_export(configured_lio(), r);
    ASSERT_TRUE(plan) << plan.error().message;
    std::optional<std::size_t> enable;
    std::optional<std::size_t> written;
    std::optional<std::size_t> first_lun;
    for (std::size_t i = 0; i < plan->steps.size(); ++i) {
        const Action& a = plan->steps[i].action;
        if (a.path == "target/core/rd_mcp_1/ram1/enable") {
            enable = i;
        } else if (a.path == "target/core/rd_mcp_1/ram1/wwn/vpd_unit_serial") {
            written = i;
            EXPECT_EQ(a.op, Op::write);
            EXPECT_EQ(a.data, serial);
            EXPECT_FALSE(plan->steps[i].undo);  // goes with the storage object's rmdir
        } else if (a.op == Op::symlink && !first_lun) {
            first_lun = i;
        }
    }
    ASSERT_TRUE(enable && written && first_lun) << describe(*plan);
    EXPECT_LT(*enable, *written);
    EXPECT_LT(*written, *first_lun);
    ASSERT_FALSE(plan->equivalent.empty());
    EXPECT_EQ(plan->equivalent[0],
              "targetcli /backstores/ramdisk create name=ram1 size=1073741824 wwn=" + serial);

    // ram0 exists: exporting it again on another port writes no serial.
    r.name = "ram0";
    r.ports = {"rxe0"};
    plan = plan_export(configured_lio(), r);
    ASSERT_TRUE(plan) << plan.error().message;
    for (const Step& step : plan->steps) {
        EXPECT_EQ(step.action.path.find("vpd_unit_serial"), std::string::npos) << describe(*plan);
    }

    // What target_wwn_vpd_unit_serial_store() would refuse or strip is refused here.
    for (const std::string& bad : {std::string(254, 'a'), std::string("a b"), std::string("a\n")}) {
        r.unit_serial = bad;
        expect_error(plan_export(configured_lio(), r), Errc::invalid_input, "unit serial");
    }
    r.unit_serial = std::string(253, 'a');
    EXPECT_TRUE(plan_export(configured_lio(), r));
}

TEST(TargetPlan, RandomUnitSerialsAreVersion4Uuids) {
    const std::string a = random_unit_serial();
    const std::string b = random_unit_serial();
    EXPECT_NE(a, b);
    for (const std::string& u : {a, b}) {
        ASSERT_EQ(u.size(), 36U) << u;
        for (std::size_t i = 0; i < u.size(); ++i) {
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                EXPECT_EQ(u[i], '-') << u;
            } else {
                EXPECT_TRUE(text::is_hex_digit(u[i]) && !(u[i] >= 'A' && u[i] <= 'F')) << u;
            }
        }
        EXPECT_EQ(u[14], '4') << u;
        EXPECT_NE(std::string_view("89ab").find(u[19]), std::string_view::npos) << u;
    }
}

TEST(TargetPlan, LioExportMapsTheNewLunIntoEveryAcl) {
    ExportRequest r;
    r.backing = Backing::block;
    r.path = "/dev/nvme0n1";
    r.facts = block_device();
    r.read_only = true;
    r.ports = {"mlx5_0:1"};
    auto plan = plan_export(configured_lio(), r);
    ASSERT_TRUE(plan) << plan.error().message;
    expect_golden("lio_export_block_into_acls", *plan);
}

TEST(TargetPlan, ScstExportOfTheSeedsRamDiskInAGroup) {
    ExportRequest r;
    r.backing = Backing::ram;
    r.size = 10ULL << 30;
    r.group = "host1";
    r.allow = {std::string(kInitiator)};
    auto plan = plan_export(fresh_scst(), r);
    ASSERT_TRUE(plan) << plan.error().message;
    expect_golden("scst_export_ram_group", *plan);
}

TEST(TargetPlan, ScstExportOfANewFileAndANullDevice) {
    ExportRequest r;
    r.backing = Backing::file;
    r.path = "/srv/srp/disk-2.img";
    r.size = 1ULL << 30;
    r.lun = 3;
    auto plan = plan_export(configured_scst(), r);
    ASSERT_TRUE(plan) << plan.error().message;
    expect_golden("scst_export_file", *plan);
    ExportRequest n;
    n.backing = Backing::null;
    n.size = 1ULL << 40;
    n.name = "bench";
    n.read_only = true;
    plan = plan_export(configured_scst(), n);
    ASSERT_TRUE(plan) << plan.error().message;
    expect_golden("scst_export_null", *plan);
}

TEST(TargetPlan, ExportingWhatIsExportedChangesNothing) {
    ExportRequest r;
    r.backing = Backing::block;
    r.path = "/dev/sdb";
    r.facts = block_device();
    r.allow = {"fe80:0000:0000:0000:0002:c903:00a0:b1d1"};
    auto plan = plan_export(configured_scst(), r);
    ASSERT_TRUE(plan) << plan.error().message;
    EXPECT_TRUE(plan->empty()) << describe(*plan);
    ASSERT_EQ(plan->notes.size(), 2U);
    EXPECT_NE(plan->notes[0].find("disk1 is already LUN 0"), std::string::npos);
}

TEST(TargetPlan, AllowDenyEnableUnexport) {
    AccessRequest allow;
    allow.initiators = {"0002:c903:00a0:b1d9", "192.0.2.15"};
    allow.ports = {"rxe0"};
    auto plan = plan_allow(configured_lio(), allow);
    ASSERT_TRUE(plan) << plan.error().message;
    expect_golden("lio_allow", *plan);

    AccessRequest any;
    any.any = true;
    plan = plan_allow(fresh_scst(), any);
    ASSERT_TRUE(plan) << plan.error().message;
    expect_golden("scst_allow_any", *plan);

    AccessRequest deny;
    deny.initiators = {std::string(kInitiator)};
    plan = plan_deny(configured_lio(), deny);
    ASSERT_TRUE(plan) << plan.error().message;
    expect_golden("lio_deny", *plan);
    plan = plan_deny(configured_scst(), deny);
    ASSERT_TRUE(plan) << plan.error().message;
    expect_golden("scst_deny", *plan);

    plan = plan_enable(configured_lio(), EnableRequest{{}, false, std::nullopt});
    ASSERT_TRUE(plan) << plan.error().message;
    expect_golden("lio_disable", *plan);
    plan = plan_enable(fresh_scst(), EnableRequest{{}, true, std::nullopt});
    ASSERT_TRUE(plan) << plan.error().message;
    expect_golden("scst_enable", *plan);

    plan = plan_unexport(configured_lio(), UnexportRequest{"ram0", {}, false});
    ASSERT_TRUE(plan) << plan.error().message;
    expect_golden("lio_unexport", *plan);
    plan = plan_unexport(configured_scst(), UnexportRequest{"disk1", {}, false});
    ASSERT_TRUE(plan) << plan.error().message;
    expect_golden("scst_unexport", *plan);
}

TEST(TargetPlan, BadInputStopsBeforeAnyStep) {
    ExportRequest r;
    r.backing = Backing::block;
    r.path = "/dev/nope";
    expect_error(plan_export(fresh_lio(), r), Errc::not_found, "/dev/nope: no such block device");
    r.facts.exists = true;
    r.facts.regular_file = true;
    expect_error(plan_export(fresh_lio(), r), Errc::invalid_input, "not a block device");

    ExportRequest f;
    f.backing = Backing::file;
    f.path = "/srv/a b.img";
    f.size = 1;
    expect_error(plan_export(fresh_scst(), f), Errc::invalid_input,
                 "/srv/a b.img: the kernel cannot take a path with blanks");
    f.path = "/srv/a,b.img";
    expect_error(plan_export(fresh_lio(), f), Errc::invalid_input, "cannot take a path");
    f.size = 0;
    f.path = "relative.img";
    expect_error(plan_export(fresh_lio(), f), Errc::invalid_input, "absolute path");
    f.path = "/srv/new.img";
    expect_error(plan_export(fresh_lio(), f), Errc::invalid_input, "give --size");

    ExportRequest ram;
    ram.backing = Backing::ram;
    expect_error(plan_export(fresh_lio(), ram), Errc::invalid_input, "needs --size");
    ram.size = 1 << 20;
    ram.name = "bad name";
    expect_error(plan_export(fresh_lio(), ram), Errc::invalid_input, "device name 'bad name'");
    ram.name = "disk1";
    expect_error(plan_export(configured_scst(), ram), Errc::exists, "device disk1 exists");
    ram.name.clear();
    ram.group = "g1";
    expect_error(plan_export(fresh_lio(), ram), Errc::usage, "LIO has no initiator groups");
    ram.group = "bad/group";
    expect_error(plan_export(fresh_scst(), ram), Errc::invalid_input, "group name 'bad/group'");
    ram.group.clear();
    ram.lun = 0;
    expect_error(plan_export(configured_scst(), ram), Errc::exists, "LUN 0 is in use by disk1");
    expect_error(plan_export(configured_lio(), ram), Errc::exists, "LUN 0 is in use by ram0");
    ram.lun = 20000;
    expect_error(plan_export(fresh_lio(), ram), Errc::invalid_input, "LUN 20000");
    ram.lun.reset();
    ram.ports = {"mlx9_0:1"};
    expect_error(plan_export(fresh_lio(), ram), Errc::not_found, "option --port mlx9_0:1");
    ram.ports.clear();
    ram.allow = {"not-an-id"};
    expect_error(plan_export(fresh_lio(), ram), Errc::invalid_input, "'not-an-id' is not");
    TargetState no_vdisk = fresh_scst();
    no_vdisk.handlers.clear();
    ram.allow.clear();
    expect_error(plan_export(no_vdisk, ram), Errc::not_found, "modprobe scst_vdisk");

    expect_error(plan_allow(fresh_lio(), AccessRequest{}), Errc::usage, "or --any");
    expect_error(plan_deny(configured_lio(), AccessRequest{{"0002:c903:00a0:ffff"}, false, {}, ""}),
                 Errc::not_found, "nothing to deny");
    expect_error(plan_unexport(configured_lio(), UnexportRequest{"nope", {}, false}),
                 Errc::not_found, "no device nope; there are: ram0");
}

// ---- apply ----------------------------------------------------------------------------------

// Records calls and fails the one whose (0-based) number is in `failures`.
class FakeWriter final : public host::TreeWriter {
  public:
    std::vector<std::string> calls;
    std::map<std::size_t, int> failures;
    std::vector<std::string> mgmt_results;  // what last_sysfs_mgmt_res answers, in turn

    const host::TreeRoots& roots() const override { return roots_; }
    std::error_code write(host::Tree, const std::string& p, const std::string& d) override {
        return record("write " + p + " " + d);
    }
    std::error_code mkdir(host::Tree, const std::string& p) override {
        return record("mkdir " + p);
    }
    std::error_code rmdir(host::Tree, const std::string& p) override {
        return record("rmdir " + p);
    }
    std::error_code symlink(host::Tree, const std::string& t, const std::string& p) override {
        return record("symlink " + p + " -> " + t);
    }
    std::error_code unlink(host::Tree, const std::string& p) override {
        return record("unlink " + p);
    }
    std::error_code create_file(host::Tree, const std::string& p, std::uint64_t size) override {
        return record(fmt::format("create {} {}", p, size));
    }
    Result<std::string> read(host::Tree, const std::string& p) override {
        calls.push_back("read " + p);
        if (mgmt_results.empty()) {
            return std::string("0");
        }
        std::string next = mgmt_results.front();
        mgmt_results.erase(mgmt_results.begin());
        if (next == "EAGAIN") {
            return fail(Errc::io, p + ": read failed: " + std::generic_category().message(EAGAIN));
        }
        return next;
    }

  private:
    std::error_code record(std::string call) {
        const std::size_t n = calls.size();
        calls.push_back(std::move(call));
        const auto it = failures.find(n);
        return it == failures.end() ? std::error_code{}
                                    : std::error_code{it->second, std::generic_category()};
    }
    host::TreeRoots roots_ = system_roots();
};

Plan three_steps() {
    Plan p;
    p.steps.push_back({{Op::mkdir, host::Tree::configfs, "a", "", 0, false},
                       Action{Op::rmdir, host::Tree::configfs, "a", "", 0, false}});
    p.steps.push_back(
        {{Op::write, host::Tree::configfs, "a/control", "x=1", 0, false}, std::nullopt});
    p.steps.push_back({{Op::mkdir, host::Tree::configfs, "b", "", 0, false},
                       Action{Op::rmdir, host::Tree::configfs, "b", "", 0, false}});
    return p;
}

TEST(TargetApply, AppliesEveryStepInOrder) {
    FakeWriter w;
    auto n = apply_plan(three_steps(), w);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 3U);
    EXPECT_EQ(w.calls, (std::vector<std::string>{"mkdir a", "write a/control x=1", "mkdir b"}));
}

TEST(TargetApply, AFailurePartWayUndoesWhatWasApplied) {
    FakeWriter w;
    w.failures[2] = EINVAL;
    auto n = apply_plan(three_steps(), w);
    expect_error(n, Errc::io,
                 "step 3 of 3 failed: mkdir /sys/kernel/config/b: Invalid argument; the 2 "
                 "step(s) applied before it were undone");
    EXPECT_EQ(w.calls,
              (std::vector<std::string>{"mkdir a", "write a/control x=1", "mkdir b", "rmdir a"}));
    FakeWriter first;
    first.failures[0] = ENOENT;
    expect_error(apply_plan(three_steps(), first), Errc::io, "nothing was changed");
}

TEST(TargetApply, AnUndoThatFailsLeavesExactCommands) {
    Plan p = three_steps();
    p.steps.push_back({{Op::mkdir, host::Tree::configfs, "c", "", 0, false}, std::nullopt});
    FakeWriter w;
    w.failures[3] = EIO;    // mkdir c
    w.failures[4] = EBUSY;  // undo of mkdir b
    auto n = apply_plan(p, w);
    expect_error(n, Errc::io,
                 "0 undo step(s) worked, then one failed: to finish undoing, run:\n  rmdir "
                 "/sys/kernel/config/b\n  rmdir /sys/kernel/config/a");
}

TEST(TargetApply, ScstManagementCommandsQueuedWithEagainAreWaitedFor) {
    Plan p;
    p.steps.push_back({{Op::write, host::Tree::sysfs, "kernel/scst_tgt/handlers/vdisk_fileio/mgmt",
                        "add_device d filename=/x", 0, true},
                       std::nullopt});
    FakeWriter w;
    w.failures[0] = EAGAIN;
    w.mgmt_results = {"EAGAIN", "EAGAIN", "0"};
    std::vector<std::chrono::milliseconds> slept;
    ApplyOptions options;
    options.sleep = [&slept](std::chrono::milliseconds d) { slept.push_back(d); };
    ASSERT_TRUE(apply_plan(p, w, options));
    EXPECT_EQ(slept.size(), 2U);

    FakeWriter failing;
    failing.failures[0] = EAGAIN;
    failing.mgmt_results = {"EAGAIN", "-22\n"};
    expect_error(apply_plan(p, failing, options), Errc::io, "Invalid argument");

    FakeWriter stuck;
    stuck.failures[0] = EAGAIN;
    stuck.mgmt_results = std::vector<std::string>(1000, "EAGAIN");
    options.scst_wait = std::chrono::milliseconds(300);
    expect_error(apply_plan(p, stuck, options), Errc::io, "timed out");
}

}  // namespace
}  // namespace srpadm::target
