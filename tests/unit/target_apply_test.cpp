// srpadm target's whole path on fixture trees of both flavours: the state read from the tree,
// a plan computed from it, applied through the stand-in kernel (sim/target_kernel.hpp), and the
// state read again: what the kernel would hold afterwards, not the strings written. A failure
// part-way leaves the trees exactly as they were.
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <srpadm/sim/target_kernel.hpp>
#include <srpadm/target/apply.hpp>
#include <srpadm/target/names.hpp>
#include <srpadm/target/planner.hpp>
#include <srpadm/target/reader.hpp>

#include "host_fixture.hpp"

namespace srpadm::target {
namespace {

namespace fs = std::filesystem;

const Gid kIbGid = Gid::from_parts(0xfe80000000000000ULL, 0xe41d2d0300a00011ULL);
const Gid kRoceGid = Gid::from_parts(0xfe80000000000000ULL, 0x0202c9fffe000001ULL);
constexpr std::string_view kInitiator = "0x00000000000000000002c90300a0b1d1";
constexpr std::string_view kInitiatorGid = "fe80:0000:0000:0000:0002:c903:00a0:b1d1";

// Every path below a root with what it holds: file contents, link targets, "dir".
std::map<std::string, std::string> snapshot(const fs::path& root) {
    std::map<std::string, std::string> out;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
         ++it) {
        const std::string rel = fs::relative(it->path(), root).string();
        if (it->is_symlink()) {
            out[rel] = "-> " + fs::read_symlink(it->path()).string();
            it.disable_recursion_pending();
        } else if (it->is_directory()) {
            out[rel] = "dir";
        } else {
            std::ifstream in(it->path());
            out[rel] = std::string(std::istreambuf_iterator<char>(in), {});
        }
    }
    return out;
}

class TargetHost {
  public:
    explicit TargetHost(Flavour flavour) {
        sim::TargetHostOptions options;
        options.flavour = flavour;
        options.service_guid = 0xe41d2d0300a00010ULL;
        options.ports = {{"mlx5_0", 1, kIbGid, sim::LinkLayer::infiniband, 0xe41d2d0300a00010ULL},
                         {"mlx5_1", 1, kRoceGid, sim::LinkLayer::ethernet, 0x0202c9fffe000000ULL}};
        const auto laid = sim::lay_out_target_host(sysfs(), configfs(), options);
        EXPECT_TRUE(laid) << laid.error().message;
        fs::create_directories(files());
        kernel_ = std::make_unique<sim::TargetKernelStandIn>(
            host::TreeRoots{host::Sysfs(sysfs()), host::Sysfs(configfs())});
    }

    fs::path sysfs() const { return dir_.path() / "sys"; }
    fs::path configfs() const { return dir_.path() / "config"; }
    fs::path files() const { return dir_.path() / "files"; }
    sim::TargetKernelStandIn& kernel() { return *kernel_; }

    TargetState state() const {
        auto s = read_target_state(kernel_->roots());
        EXPECT_TRUE(s) << s.error().message;
        return s ? *s : TargetState{};
    }
    // Plans with `plan` on the current state and applies it.
    template <class Planner>
    Plan apply(Planner plan) {
        auto p = plan(state());
        EXPECT_TRUE(p) << p.error().message;
        if (!p) {
            return {};
        }
        const auto applied = apply_plan(*p, *kernel_);
        EXPECT_TRUE(applied) << applied.error().message;
        return *p;
    }
    std::map<std::string, std::string> trees() const {
        auto out = snapshot(sysfs());
        for (auto& [k, v] : snapshot(configfs())) {
            out["cfg/" + k] = v;
        }
        for (auto& [k, v] : snapshot(files())) {
            out["files/" + k] = v;
        }
        return out;
    }

  private:
    testing::TempDir dir_;
    std::unique_ptr<sim::TargetKernelStandIn> kernel_;
};

const TargetPort& port_named(const TargetState& s, const std::string& name) {
    const TargetPort* p = s.port(name);
    EXPECT_NE(p, nullptr) << name;
    static const TargetPort none;
    return p != nullptr ? *p : none;
}

TEST(TargetApplyOnStandIn, DetectsEachFlavourAndSaysWhatToLoad) {
    TargetHost lio(Flavour::lio);
    const TargetState l = lio.state();
    EXPECT_EQ(l.flavour, Flavour::lio);
    EXPECT_TRUE(l.srpt_dir_missing);
    ASSERT_EQ(l.ports.size(), 2U);
    EXPECT_EQ(l.ports[0].name, lio_gid_port_name(kRoceGid));
    EXPECT_TRUE(l.ports[0].roce);
    EXPECT_FALSE(l.ports[1].configured);
    EXPECT_EQ(l.service_guid, 0xe41d2d0300a00010ULL);

    TargetHost scst(Flavour::scst);
    const TargetState s = scst.state();
    EXPECT_EQ(s.flavour, Flavour::scst);
    ASSERT_EQ(s.ports.size(), 2U);
    EXPECT_EQ(s.ports[1].name, scst_port_name(kIbGid));
    EXPECT_EQ(s.ports[1].local_name(), "mlx5_0:1");
    EXPECT_FALSE(s.ports[1].enabled);
    EXPECT_EQ(s.handlers.size(), 3U);

    testing::TempDir empty;
    fs::create_directories(empty.path() / "sys/module");
    const auto none = read_target_state(
        {host::Sysfs(empty.path() / "sys"), host::Sysfs(empty.path() / "config")});
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().code, Errc::not_found);
    EXPECT_NE(none.error().message.find("modprobe ib_srpt"), std::string::npos);
    fs::create_directories(empty.path() / "sys/module/ib_srpt");
    const auto no_configfs = read_target_state(
        {host::Sysfs(empty.path() / "sys"), host::Sysfs(empty.path() / "config")});
    ASSERT_FALSE(no_configfs);
    EXPECT_NE(no_configfs.error().message.find("mount -t configfs"), std::string::npos);
}

// The unit serial reaches the storage object through the stand-in, is read back, and cannot be
// changed while a LUN exports the device (target_wwn_vpd_unit_serial_store()).
TEST(TargetApplyOnStandIn, LioStorageObjectKeepsItsUnitSerial) {
    TargetHost host(Flavour::lio);
    const std::string serial = "6b0d1f5e-2c4a-4f3b-9e8d-7a6c5b4e3d2f";
    host.apply([&](const TargetState& s) {
        ExportRequest r;
        r.backing = Backing::ram;
        r.size = 64ULL << 20;
        r.allow = {std::string(kInitiator)};
        r.unit_serial = serial;
        return plan_export(s, r);
    });
    const TargetState s = host.state();
    ASSERT_EQ(s.devices.size(), 1U);
    EXPECT_EQ(s.devices[0].unit_serial, serial);
    const std::string attribute = "target/core/rd_mcp_0/ram0/wwn/vpd_unit_serial";
    EXPECT_EQ(host.kernel().write(host::Tree::configfs, attribute, "other\n"),
              std::make_error_code(std::errc::invalid_argument));
    EXPECT_EQ(host.state().devices[0].unit_serial, serial);
}

TEST(TargetApplyOnStandIn, LioFromNothingToASessionAndBack) {
    TargetHost host(Flavour::lio);
    host.apply([](const TargetState& s) {
        ExportRequest r;
        r.backing = Backing::ram;
        r.size = 64ULL << 20;
        r.allow = {std::string(kInitiator)};
        return plan_export(s, r);
    });
    TargetState s = host.state();
    EXPECT_FALSE(s.srpt_dir_missing);
    EXPECT_EQ(s.rdma_cm_port, kDefaultRdmaCmPort);
    ASSERT_EQ(s.devices.size(), 1U);
    EXPECT_EQ(s.devices[0].name, "ram0");
    EXPECT_EQ(s.devices[0].backing, Backing::ram);
    EXPECT_EQ(s.devices[0].size, 64ULL << 20);
    const std::string ib = lio_gid_port_name(kIbGid);
    for (const TargetPort& p : s.ports) {
        EXPECT_TRUE(p.configured) << p.name;
        EXPECT_TRUE(p.enabled) << p.name;
        EXPECT_EQ(p.tpg, "tpgt_1");
        ASSERT_EQ(p.luns.size(), 1U);
        EXPECT_EQ(p.luns[0].device, "ram0");
        ASSERT_EQ(p.groups.size(), 1U);
        EXPECT_EQ(p.groups[0].name, kInitiator);
        ASSERT_EQ(p.groups[0].luns.size(), 1U);
        EXPECT_EQ(p.groups[0].luns[0].device, "ram0");
    }
    // A login shows as a session; exporting again changes nothing.
    ASSERT_FALSE(host.kernel().lio_login(ib, "tpgt_1", std::string(kInitiator)));
    EXPECT_EQ(port_named(host.state(), ib).sessions.size(), 1U);
    const Plan again = host.apply([](const TargetState& st) {
        ExportRequest r;
        r.backing = Backing::ram;
        r.size = 64ULL << 20;
        r.name = "ram0";
        return plan_export(st, r);
    });
    EXPECT_TRUE(again.empty());

    // A file LUN goes into the existing ACL, read-only.
    const std::string file = (host.files() / "disk1.img").string();
    host.apply([&](const TargetState& st) {
        ExportRequest r;
        r.backing = Backing::file;
        r.path = file;
        r.facts = inspect_path(file);
        r.size = 1ULL << 20;
        r.read_only = true;
        r.ports = {"mlx5_0:1"};
        return plan_export(st, r);
    });
    EXPECT_EQ(fs::file_size(file), 1ULL << 20);
    s = host.state();
    const TargetPort& p = port_named(s, ib);
    ASSERT_EQ(p.luns.size(), 2U);
    EXPECT_EQ(p.luns[1].device, "disk1");
    ASSERT_EQ(p.groups[0].luns.size(), 2U);
    EXPECT_TRUE(p.groups[0].luns[1].read_only);
    EXPECT_EQ(s.device("disk1")->size, 1ULL << 20);

    // deny, allow, disable, enable, unexport.
    ASSERT_FALSE(host.kernel().lio_logout(ib, "tpgt_1", std::string(kInitiator)));
    host.apply([](const TargetState& st) {
        return plan_deny(st, AccessRequest{{std::string(kInitiator)}, false, {}, ""});
    });
    EXPECT_TRUE(port_named(host.state(), ib).groups.empty());
    host.apply([](const TargetState& st) {
        return plan_allow(st, AccessRequest{{"0002:c903:00a0:b1d1"}, false, {"mlx5_0"}, ""});
    });
    s = host.state();
    ASSERT_EQ(port_named(s, ib).groups.size(), 1U);
    EXPECT_EQ(port_named(s, ib).groups[0].name, kInitiator);
    EXPECT_EQ(port_named(s, ib).groups[0].luns.size(), 2U);
    host.apply([](const TargetState& st) { return plan_enable(st, EnableRequest{{}, false, {}}); });
    EXPECT_FALSE(port_named(host.state(), ib).enabled);
    host.apply([](const TargetState& st) { return plan_enable(st, EnableRequest{{}, true, {}}); });
    EXPECT_TRUE(port_named(host.state(), ib).enabled);
    host.apply([](const TargetState& st) {
        return plan_unexport(st, UnexportRequest{"ram0", {}, false});
    });
    s = host.state();
    EXPECT_EQ(s.device("ram0"), nullptr);
    EXPECT_EQ(port_named(s, ib).luns.size(), 1U);
    EXPECT_EQ(port_named(s, ib).groups[0].luns.size(), 1U);
}

TEST(TargetApplyOnStandIn, ScstTheSeedsFlowInOneCommand) {
    TargetHost host(Flavour::scst);
    const std::string ram_dir = host.files().string();
    host.apply([&](const TargetState& s) {
        ExportRequest r;
        r.backing = Backing::ram;
        r.size = 16ULL << 20;
        r.group = "host1";
        r.allow = {std::string(kInitiator)};
        r.ports = {"mlx5_0:1"};
        r.ram_dir = ram_dir;
        return plan_export(s, r);
    });
    TargetState s = host.state();
    const std::string ib = scst_port_name(kIbGid);
    const TargetPort& p = port_named(s, ib);
    EXPECT_TRUE(p.enabled);
    ASSERT_EQ(p.groups.size(), 1U);
    EXPECT_EQ(p.groups[0].name, "host1");
    EXPECT_EQ(p.groups[0].initiators, std::vector<std::string>{std::string(kInitiatorGid)});
    ASSERT_EQ(p.groups[0].luns.size(), 1U);
    EXPECT_EQ(p.groups[0].luns[0].device, "ram0");
    ASSERT_NE(s.device("ram0"), nullptr);
    EXPECT_EQ(s.device("ram0")->path, ram_dir + "/srpadm-ram0.img");
    EXPECT_EQ(s.device("ram0")->backing, Backing::file);
    EXPECT_FALSE(port_named(s, scst_port_name(kRoceGid)).enabled);

    // The initiator logs in under its GID and lands in the group.
    ASSERT_FALSE(host.kernel().scst_login(ib, std::string(kInitiatorGid)));
    s = host.state();
    ASSERT_EQ(port_named(s, ib).sessions.size(), 1U);
    EXPECT_EQ(port_named(s, ib).sessions[0].group, "host1");
    ASSERT_FALSE(host.kernel().scst_logout(ib, std::string(kInitiatorGid)));

    // Another device, then everything taken away again.
    host.apply([](const TargetState& st) {
        ExportRequest r;
        r.backing = Backing::null;
        r.size = 1ULL << 30;
        r.group = "host1";
        r.read_only = true;
        return plan_export(st, r);
    });
    s = host.state();
    ASSERT_EQ(port_named(s, ib).groups[0].luns.size(), 2U);
    EXPECT_EQ(port_named(s, ib).groups[0].luns[1].device, "null0");
    EXPECT_TRUE(port_named(s, ib).groups[0].luns[1].read_only);
    EXPECT_EQ(s.device("null0")->size, 1ULL << 30);
    host.apply([](const TargetState& st) {
        return plan_deny(st, AccessRequest{{std::string(kInitiatorGid)}, false, {}, ""});
    });
    EXPECT_TRUE(port_named(host.state(), ib).groups[0].initiators.empty());
    host.apply([](const TargetState& st) {
        return plan_allow(st, AccessRequest{{}, true, {}, "host1"});
    });
    EXPECT_TRUE(port_named(host.state(), ib).open);
    host.apply([](const TargetState& st) {
        return plan_unexport(st, UnexportRequest{"null0", {}, false});
    });
    s = host.state();
    EXPECT_EQ(s.device("null0"), nullptr);
    EXPECT_EQ(port_named(s, ib).groups[0].luns.size(), 1U);
}

TEST(TargetApplyOnStandIn, AFailurePartWayLeavesTheTreesAsTheyWere) {
    for (const Flavour flavour : {Flavour::lio, Flavour::scst}) {
        TargetHost host(flavour);
        const auto before = host.trees();
        const bool scst = flavour == Flavour::scst;
        host.kernel().fail_next(scst ? "initiators/mgmt" : "/acls/", EINVAL);
        ExportRequest r;
        r.backing = Backing::ram;
        r.size = 1ULL << 20;
        r.allow = {std::string(kInitiator)};
        r.ram_dir = host.files().string();
        const auto plan = plan_export(host.state(), r);
        ASSERT_TRUE(plan) << plan.error().message;
        const auto applied = apply_plan(*plan, host.kernel());
        ASSERT_FALSE(applied);
        EXPECT_EQ(applied.error().code, Errc::io);
        EXPECT_NE(applied.error().message.find("Invalid argument; the"), std::string::npos)
            << applied.error().message;
        EXPECT_NE(applied.error().message.find("were undone"), std::string::npos);
        auto after = host.trees();
        // SCST records the failed command's outcome, as the kernel does; the stand-in's kept
        // file (what the kernel keeps and does not show, such as the next HBA index) moves on
        // as the kernel's counters do.
        after.erase("kernel/scst_tgt/last_sysfs_mgmt_res");
        after.erase(".standin-state");
        auto expected = before;
        expected.erase("kernel/scst_tgt/last_sysfs_mgmt_res");
        EXPECT_EQ(after, expected) << flavour_name(flavour);
    }
}

// The stand-in, except that removing one directory fails (the undo of its mkdir).
class RefusingRmdir final : public host::TreeWriter {
  public:
    RefusingRmdir(host::TreeWriter& inner, std::string suffix)
        : inner_(inner), suffix_(std::move(suffix)) {}
    const host::TreeRoots& roots() const override { return inner_.roots(); }
    std::error_code write(host::Tree t, const std::string& p, const std::string& d) override {
        return inner_.write(t, p, d);
    }
    std::error_code mkdir(host::Tree t, const std::string& p) override {
        return inner_.mkdir(t, p);
    }
    std::error_code rmdir(host::Tree t, const std::string& p) override {
        if (p.size() >= suffix_.size() &&
            p.compare(p.size() - suffix_.size(), suffix_.size(), suffix_) == 0) {
            return {EBUSY, std::generic_category()};
        }
        return inner_.rmdir(t, p);
    }
    std::error_code symlink(host::Tree t, const std::string& target,
                            const std::string& p) override {
        return inner_.symlink(t, target, p);
    }
    std::error_code unlink(host::Tree t, const std::string& p) override {
        return inner_.unlink(t, p);
    }
    std::error_code create_file(host::Tree t, const std::string& p, std::uint64_t n) override {
        return inner_.create_file(t, p, n);
    }
    Result<std::string> read(host::Tree t, const std::string& p) override {
        return inner_.read(t, p);
    }

  private:
    host::TreeWriter& inner_;
    std::string suffix_;
};

TEST(TargetApplyOnStandIn, AnUndoTheKernelRefusesIsLeftAsCommands) {
    TargetHost host(Flavour::lio);
    host.kernel().fail_next("/acls/", EINVAL);
    ExportRequest r;
    r.backing = Backing::ram;
    r.size = 1ULL << 20;
    r.allow = {std::string(kInitiator)};
    r.ports = {"mlx5_0:1"};
    const auto plan = plan_export(host.state(), r);
    ASSERT_TRUE(plan);
    RefusingRmdir writer(host.kernel(), "core/rd_mcp_0/ram0");
    const auto applied = apply_plan(*plan, writer);
    ASSERT_FALSE(applied);
    const std::string& m = applied.error().message;
    EXPECT_NE(m.find("then one failed: to finish undoing, run:"), std::string::npos) << m;
    EXPECT_NE(m.find(fmt::format("\n  rmdir {}/target/core/rd_mcp_0/ram0\n  rmdir "
                                 "{}/target/core/rd_mcp_0",
                                 host.configfs().string(), host.configfs().string())),
              std::string::npos)
        << m;
}

}  // namespace
}  // namespace srpadm::target
