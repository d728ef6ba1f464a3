// The stand-in for the target-side kernel: the fixture trees of both flavours, SCST's
// management commands and LIO's configfs changes as blktests and rtslib make them, each checked
// on the tree it leaves (read back with host::Sysfs) and on the errno of what is refused; the
// same sequences split across stand-ins, each made on the tree the one before left.
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <srpadm/host/sysfs.hpp>
#include <srpadm/host/tree.hpp>
#include <srpadm/sim/target_kernel.hpp>
#include <srpadm/target/plan.hpp>

#include "host_fixture.hpp"

namespace srpadm::sim {
namespace {

namespace fs = std::filesystem;
using host::Tree;

std::error_code err(int e) {
    return {e, std::generic_category()};
}

using testing::TempDir;

constexpr std::uint64_t kPrefix = 0xfe80000000000000ULL;
constexpr Guid kNode0 = 0xe41d2d0300a00010ULL;
constexpr Guid kPort1 = 0xe41d2d0300a00011ULL;
constexpr Guid kPort2 = 0xe41d2d0300a00012ULL;
constexpr Guid kNode1 = 0x0202c9fffe000000ULL;
constexpr Guid kRocePort = 0x0202c9fffe000001ULL;

// mlx5_0 with two InfiniBand ports, mlx5_1 with one RoCE port.
std::vector<TargetRdmaPort> test_ports() {
    return {
        {"mlx5_0", 1, Gid::from_parts(kPrefix, kPort1), LinkLayer::infiniband, kNode0},
        {"mlx5_0", 2, Gid::from_parts(kPrefix, kPort2), LinkLayer::infiniband, kNode0},
        {"mlx5_1", 1, Gid::from_parts(kPrefix, kRocePort), LinkLayer::ethernet, kNode1},
    };
}

// Every entry below `root`: "dir", "-> body" for a link, the content of a file.
std::map<std::string, std::string> snapshot(const fs::path& root) {
    std::map<std::string, std::string> out;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().lexically_relative(root).string();
        if (it->is_symlink()) {
            out[name] = "-> " + fs::read_symlink(it->path()).string();
        } else if (it->is_directory()) {
            out[name] = "dir";
        } else {
            host::Sysfs file(it->path().parent_path());
            out[name] = file.read(it->path().filename().string()).value_or("?");
        }
    }
    return out;
}

class TargetTree : public ::testing::Test {
  protected:
    void lay_out(target::Flavour flavour) {
        TargetHostOptions options;
        options.flavour = flavour;
        options.ports = test_ports();
        ASSERT_TRUE(lay_out_target_host(sys_root(), cfs_root(), options));
        kernel_ = std::make_unique<TargetKernelStandIn>(
            host::TreeRoots{host::Sysfs(sys_root()), host::Sysfs(cfs_root())});
        fs::create_directories(files_root());
    }

    fs::path sys_root() const { return dir_.path() / "sys"; }
    fs::path cfs_root() const { return dir_.path() / "config"; }
    fs::path files_root() const { return dir_.path() / "files"; }
    host::Sysfs sysfs() const { return host::Sysfs(sys_root()); }
    host::Sysfs configfs() const { return host::Sysfs(cfs_root()); }
    TargetKernelStandIn& kernel() { return *kernel_; }

    std::string sys(const std::string& relative) const {
        return sysfs().read(relative).value_or("<missing>");
    }
    std::string cfs(const std::string& relative) const {
        return configfs().read(relative).value_or("<missing>");
    }
    // A link's target relative to its root, or "" when it is not a link.
    static std::string link(const host::Sysfs& tree, const std::string& relative) {
        const auto body = tree.readlink(relative);
        if (!body) {
            return {};
        }
        const fs::path target = (tree.path(relative).parent_path() / *body).lexically_normal();
        return target.lexically_relative(tree.root().lexically_normal()).string();
    }

    // A backing file of `size` bytes, made through the writer.
    std::string backing_file(const std::string& name, std::uint64_t size = 1 << 20) {
        std::string path = (files_root() / name).string();
        EXPECT_EQ(kernel().create_file(Tree::files, path, size), std::error_code{});
        return path;
    }

    std::error_code sys_write(const std::string& relative, const std::string& data) {
        return kernel().write(Tree::sysfs, relative, data);
    }
    std::error_code cfs_write(const std::string& relative, const std::string& data) {
        return kernel().write(Tree::configfs, relative, data);
    }
    std::error_code cfs_mkdir(const std::string& relative) {
        return kernel().mkdir(Tree::configfs, relative);
    }
    std::error_code cfs_rmdir(const std::string& relative) {
        return kernel().rmdir(Tree::configfs, relative);
    }
    std::error_code cfs_link(const std::string& target, const std::string& relative) {
        return kernel().symlink(Tree::configfs, target, relative);
    }

    TempDir dir_;
    std::unique_ptr<TargetKernelStandIn> kernel_;
};

// ---- Fixture trees ----------------------------------------------------------------------------

const std::string kTarget1 = "fe80:0000:0000:0000:e41d:2d03:00a0:0011";
const std::string kTarget2 = "fe80:0000:0000:0000:e41d:2d03:00a0:0012";
const std::string kScst = "kernel/scst_tgt";
const std::string kT1 = "kernel/scst_tgt/targets/ib_srpt/" + kTarget1;
const std::string kT2 = "kernel/scst_tgt/targets/ib_srpt/" + kTarget2;

TEST(TargetNames, AsTheDriversPrintThem) {
    const Gid gid = Gid::from_parts(kPrefix, kPort1);
    EXPECT_EQ(scst_target_name(gid), kTarget1);
    EXPECT_EQ(lio_guid_name(gid), "e41d:2d03:00a0:0011");
    EXPECT_EQ(lio_gid_name(gid), "0xfe80000000000000e41d2d0300a00011");
    EXPECT_EQ(default_service_guid(target::Flavour::scst, kNode0), 0x001d2d0300a00010ULL);
    EXPECT_EQ(default_service_guid(target::Flavour::lio, kNode0), kNode0);
}

TEST_F(TargetTree, ScstLayout) {
    lay_out(target::Flavour::scst);
    EXPECT_EQ(sys("class/infiniband/mlx5_0/node_guid"), "e41d:2d03:00a0:0010");
    EXPECT_EQ(sys("class/infiniband/mlx5_0/ports/2/gids/0"), kTarget2);
    EXPECT_EQ(sys("class/infiniband/mlx5_1/ports/1/link_layer"), "Ethernet");
    EXPECT_EQ(sys("class/infiniband/mlx5_0/ports/1/link_layer"), "InfiniBand");
    EXPECT_EQ(sys("class/infiniband/mlx5_0/ports/1/state"), "4: ACTIVE");
    EXPECT_EQ(host::parse_sysfs_number(sys("class/infiniband/mlx5_0/ports/1/state")), 4U);
    // SCST's ib_srpt prints the GUID without a newline.
    const auto guid = fs::path(sys_root()) / "module/ib_srpt/parameters/srpt_service_guid";
    EXPECT_EQ(fs::file_size(guid), 18U);
    EXPECT_EQ(sys("module/ib_srpt/parameters/srpt_service_guid"), "0x001d2d0300a00010");
    EXPECT_EQ(sys("module/ib_srpt/parameters/rdma_cm_port"), "0");
    EXPECT_EQ(sys(kScst + "/last_sysfs_mgmt_res"), "0");
    EXPECT_TRUE(sys(kScst + "/version").starts_with("SCST version: 3.11.0-pre\n"));
    EXPECT_EQ(sysfs().list(kScst + "/handlers").value(),
              (std::vector<std::string>{"vdisk_blockio", "vdisk_fileio", "vdisk_nullio"}));
    EXPECT_EQ(sys(kScst + "/handlers/vdisk_nullio/type"),
              "0 - Direct-access device (e.g., magnetic disk)");
    EXPECT_NE(sys(kScst + "/handlers/vdisk_blockio/mgmt")
                  .find("The following parameters available: active, bind_alua_state"),
              std::string::npos);
    EXPECT_TRUE(sysfs().list(kScst + "/devices").value().empty());
    EXPECT_EQ(
        sysfs().list(kScst + "/targets/ib_srpt").value(),
        (std::vector<std::string>{"fe80:0000:0000:0000:0202:c9ff:fe00:0001", kTarget1, kTarget2}));
    EXPECT_EQ(sys(kT1 + "/enabled"), "0");
    EXPECT_EQ(sys(kT1 + "/rel_tgt_id"), "0");
    EXPECT_EQ(sys(kT1 + "/device"), "mlx5_0");
    EXPECT_EQ(sys(kT1 + "/link_layer"), "InfiniBand");
    EXPECT_EQ(sys(kT1 + "/port_id"), "SCST SRP target");
    EXPECT_EQ(sys(kT1 + "/login_info"),
              "tid_ext=001d2d0300a00010,ioc_guid=001d2d0300a00010,pkey=ffff,"
              "dgid=fe80000000000000e41d2d0300a00011,service_id=001d2d0300a00010");
    EXPECT_TRUE(
        sys(kT1 + "/luns/mgmt").starts_with("Usage: echo \"add H:C:I:L lun [parameters]\""));
    EXPECT_EQ(sys(kT1 + "/ini_groups/mgmt"),
              "Usage: echo \"create GROUP_NAME\" >mgmt\n       echo \"del GROUP_NAME\" >mgmt");
    EXPECT_TRUE(sysfs().list(kT1 + "/sessions").value().empty());
    EXPECT_TRUE(fs::is_empty(cfs_root()));
}

TEST_F(TargetTree, LioLayout) {
    lay_out(target::Flavour::lio);
    // The kernel's ib_srpt: the node GUID as is, with a newline.
    EXPECT_EQ(sys("module/ib_srpt/parameters/srpt_service_guid"), "0xe41d2d0300a00010");
    EXPECT_FALSE(sysfs().exists("kernel/scst_tgt"));
    EXPECT_TRUE(
        cfs("target/version").starts_with("Target Engine Core ConfigFS Infrastructure v5.0"));
    EXPECT_EQ(configfs().list("target").value(),
              (std::vector<std::string>{"core", "dbroot", "version"}));
    EXPECT_EQ(configfs().list("target/core").value(), (std::vector<std::string>{"alua"}));
    EXPECT_EQ(cfs("target/core/alua/lu_gps/default_lu_gp/lu_gp_id"), "0");
}

TEST_F(TargetTree, LayoutNeedsEmptyRootsAndSanePorts) {
    lay_out(target::Flavour::lio);
    TargetHostOptions options;
    options.ports = test_ports();
    const auto again = lay_out_target_host(sys_root(), dir_.path() / "other", options);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, Errc::exists);

    options.ports.push_back(options.ports.front());
    const auto twice = lay_out_target_host(dir_.path() / "a", dir_.path() / "b", options);
    ASSERT_FALSE(twice);
    EXPECT_EQ(twice.error().code, Errc::invalid_input);

    options.ports = test_ports();
    options.ports[1].node_guid = kNode1;
    const auto clash = lay_out_target_host(dir_.path() / "c", dir_.path() / "d", options);
    ASSERT_FALSE(clash);
    EXPECT_EQ(clash.error().code, Errc::invalid_input);

    TargetHostOptions given;
    given.flavour = target::Flavour::scst;
    given.ports = test_ports();
    given.service_guid = 0x1234;
    given.rdma_cm_port = 5000;
    ASSERT_TRUE(lay_out_target_host(dir_.path() / "e", dir_.path() / "f", given));
    const host::Sysfs e(dir_.path() / "e");
    EXPECT_EQ(e.read("module/ib_srpt/parameters/srpt_service_guid").value(), "0x0000000000001234");
    EXPECT_EQ(e.read("module/ib_srpt/parameters/rdma_cm_port").value(), "5000");
}

// ---- SCST -------------------------------------------------------------------------------------

class ScstTree : public TargetTree {
  protected:
    void SetUp() override { lay_out(target::Flavour::scst); }

    std::error_code mgmt(const std::string& file, const std::string& command) {
        return sys_write(file, command);
    }
    std::error_code add_fileio(const std::string& name, const std::string& file) {
        return mgmt(kScst + "/handlers/vdisk_fileio/mgmt",
                    fmt::format("add_device {} filename={}", name, file));
    }
    std::string mgmt_res() const { return sys(kScst + "/last_sysfs_mgmt_res"); }
};

TEST_F(ScstTree, AddAndDeleteDevices) {
    const std::string file = backing_file("disk1.img", 4 << 20);
    EXPECT_EQ(mgmt(kScst + "/handlers/vdisk_fileio/mgmt",
                   fmt::format("add_device disk1 filename={}; blocksize=4096\n", file)),
              std::error_code{});
    const std::string dev = kScst + "/devices/disk1";
    EXPECT_EQ(link(sysfs(), dev + "/handler"), kScst + "/handlers/vdisk_fileio");
    EXPECT_EQ(link(sysfs(), kScst + "/handlers/vdisk_fileio/disk1"), dev);
    // vdev_sysfs_filename_show() ends with an empty line after the key mark.
    EXPECT_EQ(sys(dev + "/filename"), file + "\n[key]\n");
    EXPECT_EQ(sys(dev + "/size"), "4194304\n[key]");
    EXPECT_EQ(sys(dev + "/size_mb"), "4");
    EXPECT_EQ(sys(dev + "/blocksize"), "4096\n[key]");
    EXPECT_EQ(sys(dev + "/read_only"), "0");
    EXPECT_EQ(sys(dev + "/type"), "0 - Direct-access device (e.g., magnetic disk)");
    EXPECT_TRUE(sysfs().list(dev + "/exported").value().empty());
    EXPECT_EQ(mgmt_res(), "0");

    EXPECT_EQ(mgmt(kScst + "/handlers/vdisk_nullio/mgmt", "add_device null0 read_only=1"),
              std::error_code{});
    // The default nullio size carries no [key] (vdev_size_show()).
    EXPECT_EQ(sys(kScst + "/devices/null0/size"), "2748779069440");
    EXPECT_EQ(sys(kScst + "/devices/null0/read_only"), "1\n[key]");
    EXPECT_FALSE(sysfs().exists(kScst + "/devices/null0/filename"));
    EXPECT_EQ(mgmt(kScst + "/handlers/vdisk_nullio/mgmt", "add_device null1 size_mb=64"),
              std::error_code{});
    EXPECT_EQ(sys(kScst + "/devices/null1/size"), "67108864\n[key]");

    EXPECT_EQ(mgmt(kScst + "/handlers/vdisk_blockio/mgmt",
                   fmt::format("add_device blk0 filename={}", file)),
              std::error_code{});
    // vdisk_del_device() finds any vdisk device, whichever handler's file takes the command.
    EXPECT_EQ(mgmt(kScst + "/handlers/vdisk_fileio/mgmt", "del_device blk0"), std::error_code{});
    EXPECT_FALSE(sysfs().exists(kScst + "/devices/blk0"));
    EXPECT_FALSE(sysfs().exists(kScst + "/handlers/vdisk_blockio/blk0"));
}

TEST_F(ScstTree, BadDeviceCommandsChangeNothing) {
    const std::string file = backing_file("disk1.img");
    ASSERT_EQ(add_fileio("disk1", file), std::error_code{});
    const auto before = snapshot(sys_root() / kScst / "devices");
    const std::string fileio = kScst + "/handlers/vdisk_fileio/mgmt";
    const std::string blockio = kScst + "/handlers/vdisk_blockio/mgmt";
    const std::string nullio = kScst + "/handlers/vdisk_nullio/mgmt";
    const std::vector<std::pair<std::string, std::string>> bad_einval = {
        {fileio, "add_device"},                                     // no name
        {fileio, "add_device d2"},                                  // no filename
        {fileio, "add_device d2 filename=relative.img"},            // not a global path
        {fileio, fmt::format("add_device d.2 filename={}", file)},  // '.' in the name
        {fileio, fmt::format("add_device d2 filename={}; bogus=1", file)},
        {fileio, fmt::format("add_device d2 filename={}; read_only=1; nv_cache=1", file)},
        {blockio, fmt::format("add_device d2 filename={}; size=4096", file)},  // not blockio's
        {nullio, "add_device d2 size=1000"},  // not a multiple of the block size
        {nullio, "add_device d2 blocksize=256"},
        {nullio, "add_device d2 read_only"},  // no value
        {nullio, "add_device d2 read_only=x"},
        {fileio, "del_device nosuch"},
        {fileio, "del_device disk1 extra"},
        {fileio, "frobnicate disk1"},
    };
    for (const auto& [path, command] : bad_einval) {
        EXPECT_EQ(mgmt(path, command), err(EINVAL)) << command;
        EXPECT_EQ(mgmt_res(), "-22") << command;
    }
    EXPECT_EQ(add_fileio("disk1", file), err(EEXIST));
    EXPECT_EQ(mgmt_res(), "-17");
    EXPECT_EQ(add_fileio("d2", (files_root() / "missing.img").string()), err(ENOENT));
    EXPECT_EQ(mgmt(nullio, "add_device " + std::string(65, 'n')), err(EINVAL));
    EXPECT_EQ(mgmt(nullio, "add_device d2 size=99999999999999999999999"), err(ERANGE));
    EXPECT_EQ(snapshot(sys_root() / kScst / "devices"), before);
    EXPECT_EQ(mgmt(nullio, "add_device d2"), std::error_code{});
    EXPECT_EQ(mgmt_res(), "0");
}

TEST_F(ScstTree, LunsOfATarget) {
    ASSERT_EQ(add_fileio("disk1", backing_file("disk1.img")), std::error_code{});
    ASSERT_EQ(mgmt(kScst + "/handlers/vdisk_nullio/mgmt", "add_device null0"), std::error_code{});
    const std::string luns = kT1 + "/luns";
    EXPECT_EQ(mgmt(luns + "/mgmt", "add disk1 0\n"), std::error_code{});
    EXPECT_EQ(mgmt(luns + "/mgmt", "add null0 1 read_only=1"), std::error_code{});
    EXPECT_EQ(sysfs().list(luns).value(), (std::vector<std::string>{"0", "1", "mgmt"}));
    EXPECT_EQ(link(sysfs(), luns + "/0/device"), kScst + "/devices/disk1");
    EXPECT_EQ(sys(luns + "/0/read_only"), "0");
    EXPECT_EQ(sys(luns + "/1/read_only"), "1\n[key]");
    EXPECT_EQ(link(sysfs(), kScst + "/devices/disk1/exported/export0"), luns + "/0");
    EXPECT_EQ(link(sysfs(), kScst + "/devices/null0/exported/export0"), luns + "/1");

    const auto before = snapshot(sys_root() / kScst);
    EXPECT_EQ(mgmt(luns + "/mgmt", "add disk1 0"), err(EEXIST));
    EXPECT_EQ(mgmt(luns + "/mgmt", "add nosuch 2"), err(EINVAL));
    EXPECT_EQ(mgmt(luns + "/mgmt", "add disk1 two"), err(EINVAL));
    EXPECT_EQ(mgmt(luns + "/mgmt", "add disk1"), err(EINVAL));
    EXPECT_EQ(mgmt(luns + "/mgmt", "add disk1 16384"), err(EINVAL));  // past SCST_MAX_LUN
    EXPECT_EQ(mgmt(luns + "/mgmt", "add disk1 2 write_only=1"), err(EINVAL));
    EXPECT_EQ(mgmt(luns + "/mgmt", "add disk1 99999999999999999999999"), err(ERANGE));
    EXPECT_EQ(mgmt(luns + "/mgmt", "del 7"), err(EINVAL));
    EXPECT_EQ(mgmt(luns + "/mgmt", "del 0 1"), err(EINVAL));
    EXPECT_EQ(mgmt(luns + "/mgmt", "clear now"), err(EINVAL));
    EXPECT_EQ(mgmt(luns + "/mgmt", "insert disk1 3"), err(EINVAL));
    // A snapshot of everything but the result of the last command.
    auto after = snapshot(sys_root() / kScst);
    after["last_sysfs_mgmt_res"] = before.at("last_sysfs_mgmt_res");
    EXPECT_EQ(after, before);

    // Export numbers count up and are not reused.
    EXPECT_EQ(mgmt(luns + "/mgmt", "del 0"), std::error_code{});
    EXPECT_FALSE(sysfs().exists(luns + "/0"));
    EXPECT_TRUE(sysfs().list(kScst + "/devices/disk1/exported").value().empty());
    EXPECT_EQ(mgmt(luns + "/mgmt", "add disk1 0x2"), std::error_code{});
    EXPECT_EQ(link(sysfs(), kScst + "/devices/disk1/exported/export1"), luns + "/2");
    EXPECT_EQ(mgmt(luns + "/mgmt", "replace null0 2"), std::error_code{});
    EXPECT_EQ(link(sysfs(), luns + "/2/device"), kScst + "/devices/null0");
    EXPECT_TRUE(sysfs().list(kScst + "/devices/disk1/exported").value().empty());
    EXPECT_EQ(mgmt(luns + "/mgmt", "clear"), std::error_code{});
    EXPECT_EQ(sysfs().list(luns).value(), std::vector<std::string>{"mgmt"});
    EXPECT_TRUE(sysfs().list(kScst + "/devices/null0/exported").value().empty());
}

TEST_F(ScstTree, GroupsAndInitiators) {
    ASSERT_EQ(add_fileio("disk1", backing_file("disk1.img")), std::error_code{});
    const std::string groups = kT1 + "/ini_groups";
    EXPECT_EQ(mgmt(groups + "/mgmt", "create host1"), std::error_code{});
    EXPECT_EQ(sysfs().list(groups + "/host1").value(),
              (std::vector<std::string>{"initiators", "luns"}));
    EXPECT_TRUE(sys(groups + "/host1/initiators/mgmt")
                    .starts_with("Usage: echo \"add INITIATOR_NAME\" >mgmt\n"));
    EXPECT_EQ(mgmt(groups + "/mgmt", "create host1"), err(EEXIST));
    EXPECT_EQ(mgmt(groups + "/mgmt", "create"), err(EINVAL));
    EXPECT_EQ(mgmt(groups + "/mgmt", "remove host1"), err(EINVAL));
    EXPECT_EQ(mgmt(groups + "/mgmt", "del nosuch"), err(EINVAL));

    const std::string inis = groups + "/host1/initiators";
    EXPECT_EQ(mgmt(inis + "/mgmt", "add fe80:0000:0000:0000:0002:c903:00a0:0011"),
              std::error_code{});
    EXPECT_EQ(mgmt(inis + "/mgmt", "add 0x*"), std::error_code{});
    EXPECT_EQ(sys(inis + "/0x*"), "0x*");
    EXPECT_EQ(sysfs().list(inis).value(),
              (std::vector<std::string>{"0x*", "fe80:0000:0000:0000:0002:c903:00a0:0011", "mgmt"}));
    EXPECT_EQ(mgmt(inis + "/mgmt", "add 0x*"), err(EEXIST));
    EXPECT_EQ(mgmt(inis + "/mgmt", "add"), err(EINVAL));
    EXPECT_EQ(mgmt(inis + "/mgmt", "del 0x1"), err(EINVAL));
    EXPECT_EQ(mgmt(inis + "/mgmt", "del 0x*"), std::error_code{});
    EXPECT_FALSE(sysfs().exists(inis + "/0x*"));

    EXPECT_EQ(mgmt(groups + "/host1/luns/mgmt", "add disk1 0 read_only=1"), std::error_code{});
    EXPECT_EQ(link(sysfs(), groups + "/host1/luns/0/device"), kScst + "/devices/disk1");
    EXPECT_EQ(link(sysfs(), kScst + "/devices/disk1/exported/export0"), groups + "/host1/luns/0");

    EXPECT_EQ(mgmt(groups + "/mgmt", "create host2"), std::error_code{});
    EXPECT_EQ(mgmt(inis + "/mgmt", "move fe80:0000:0000:0000:0002:c903:00a0:0011 host2"),
              std::error_code{});
    EXPECT_TRUE(
        sysfs().exists(groups + "/host2/initiators/fe80:0000:0000:0000:0002:c903:00a0:0011"));
    EXPECT_EQ(mgmt(inis + "/mgmt", "move nosuch host2"), err(EINVAL));
    EXPECT_EQ(mgmt(groups + "/host2/initiators/mgmt", "clear"), std::error_code{});
    EXPECT_EQ(sysfs().list(groups + "/host2/initiators").value(), std::vector<std::string>{"mgmt"});

    // A group goes with its LUNs.
    EXPECT_EQ(mgmt(groups + "/mgmt", "del host1"), std::error_code{});
    EXPECT_FALSE(sysfs().exists(groups + "/host1"));
    EXPECT_TRUE(sysfs().list(kScst + "/devices/disk1/exported").value().empty());
}

TEST_F(ScstTree, DeletingAnExportedDeviceDeletesItsLuns) {
    ASSERT_EQ(add_fileio("disk1", backing_file("disk1.img")), std::error_code{});
    ASSERT_EQ(mgmt(kT1 + "/luns/mgmt", "add disk1 0"), std::error_code{});
    ASSERT_EQ(mgmt(kT2 + "/ini_groups/mgmt", "create g"), std::error_code{});
    ASSERT_EQ(mgmt(kT2 + "/ini_groups/g/luns/mgmt", "add disk1 5"), std::error_code{});
    EXPECT_EQ(sysfs().list(kScst + "/devices/disk1/exported").value(),
              (std::vector<std::string>{"export0", "export1"}));
    EXPECT_EQ(mgmt(kScst + "/handlers/vdisk_fileio/mgmt", "del_device disk1"), std::error_code{});
    EXPECT_FALSE(sysfs().exists(kScst + "/devices/disk1"));
    EXPECT_FALSE(sysfs().exists(kT1 + "/luns/0"));
    EXPECT_FALSE(sysfs().exists(kT2 + "/ini_groups/g/luns/5"));
}

TEST_F(ScstTree, EnablingTakesARelativeTargetPortId) {
    EXPECT_EQ(sys_write(kT1 + "/enabled", "1\n"), std::error_code{});
    EXPECT_EQ(sys(kT1 + "/enabled"), "1");
    EXPECT_EQ(sys(kT1 + "/rel_tgt_id"), "1\n[key]");
    EXPECT_EQ(sys_write(kT2 + "/enabled", "1"), std::error_code{});
    EXPECT_EQ(sys(kT2 + "/rel_tgt_id"), "2\n[key]");
    EXPECT_EQ(sys_write(kT2 + "/enabled", "0"), std::error_code{});
    EXPECT_EQ(sys(kT2 + "/enabled"), "0");
    EXPECT_EQ(sys(kT2 + "/rel_tgt_id"), "2\n[key]");
    EXPECT_EQ(sys_write(kT2 + "/enabled", "yes"), err(EINVAL));
    EXPECT_EQ(sys_write(kT2 + "/enabled", ""), err(EINVAL));
}

TEST_F(ScstTree, OtherFilesAsSysfsTreatsThem) {
    EXPECT_EQ(sys_write(kT1 + "/login_info", "x"), err(EACCES));
    EXPECT_EQ(sys_write(kT1 + "/nosuch", "x"), err(ENOENT));
    EXPECT_EQ(sys_write(kT1 + "/luns", "x"), err(EISDIR));
    EXPECT_EQ(sys_write("module/ib_srpt/parameters/srpt_service_guid", "0x1"), err(EACCES));
    // Writable in the kernel, not modelled here.
    EXPECT_EQ(sys_write(kT1 + "/port_id", "x"), err(EOPNOTSUPP));
    EXPECT_EQ(kernel().mkdir(Tree::sysfs, kT1 + "/luns/9"), err(EPERM));
    EXPECT_EQ(kernel().mkdir(Tree::sysfs, kT1 + "/luns"), err(EEXIST));
    EXPECT_EQ(kernel().rmdir(Tree::sysfs, kT1 + "/luns"), err(EPERM));
    EXPECT_EQ(kernel().unlink(Tree::sysfs, kT1 + "/enabled"), err(EPERM));
    EXPECT_EQ(kernel().symlink(Tree::sysfs, kT1, kT1 + "/luns/x"), err(EPERM));
    EXPECT_EQ(kernel().create_file(Tree::sysfs, kT1 + "/new", 0), err(EACCES));
    EXPECT_EQ(kernel().create_file(Tree::sysfs, kT1 + "/enabled", 0), err(EEXIST));
    EXPECT_EQ(kernel().read(Tree::sysfs, kT1 + "/device").value(), "mlx5_0");
    // Backing files are the real files.
    const std::string file = backing_file("f.img", 4096);
    EXPECT_EQ(fs::file_size(file), 4096U);
    EXPECT_EQ(kernel().create_file(Tree::files, file, 1), err(EEXIST));
    EXPECT_EQ(kernel().write(Tree::files, file, "data"), std::error_code{});
    EXPECT_EQ(kernel().read(Tree::files, file).value(), "data");
}

TEST_F(ScstTree, SessionsLandInTheFirstMatchingGroup) {
    const std::string s1 = "fe80:0000:0000:0000:0002:c903:00a0:0011";
    const std::string s2 = "fe80:0000:0000:0000:0002:c903:00b0:0022";
    EXPECT_EQ(kernel().scst_login(kTarget1, s1), err(ECONNREFUSED));
    EXPECT_EQ(kernel().scst_login("nosuch", s1), err(ENOENT));
    ASSERT_EQ(sys_write(kT1 + "/enabled", "1"), std::error_code{});
    const std::string groups = kT1 + "/ini_groups";
    ASSERT_EQ(mgmt(groups + "/mgmt", "create a"), std::error_code{});
    ASSERT_EQ(mgmt(groups + "/mgmt", "create b"), std::error_code{});
    // b's pattern is added first, but a was made first: a wins for s1.
    ASSERT_EQ(mgmt(groups + "/b/initiators/mgmt", "add FE80:*"), std::error_code{});
    ASSERT_EQ(mgmt(groups + "/a/initiators/mgmt", "add *:00a0:00?1"), std::error_code{});

    EXPECT_EQ(kernel().scst_login(kTarget1, s1), std::error_code{});
    EXPECT_EQ(kernel().scst_login(kTarget1, s2), std::error_code{});
    EXPECT_EQ(kernel().scst_login(kTarget1, s2), err(EEXIST));
    EXPECT_EQ(sys(kT1 + "/sessions/" + s1 + "/initiator_name"), s1);
    EXPECT_EQ(link(sysfs(), kT1 + "/sessions/" + s1 + "/luns"), groups + "/a/luns");
    EXPECT_EQ(link(sysfs(), kT1 + "/sessions/" + s2 + "/luns"), groups + "/b/luns");

    // A group with a session cannot go; a session follows a change of initiators.
    EXPECT_EQ(mgmt(groups + "/mgmt", "del a"), err(EBUSY));
    EXPECT_EQ(mgmt(groups + "/b/initiators/mgmt", "clear"), std::error_code{});
    EXPECT_EQ(link(sysfs(), kT1 + "/sessions/" + s2 + "/luns"), kT1 + "/luns");
    EXPECT_EQ(mgmt(groups + "/a/initiators/mgmt", "add !*00a0*"), std::error_code{});
    EXPECT_EQ(link(sysfs(), kT1 + "/sessions/" + s2 + "/luns"), groups + "/a/luns");

    EXPECT_EQ(kernel().scst_logout(kTarget1, s2), std::error_code{});
    EXPECT_EQ(kernel().scst_logout(kTarget1, s2), err(ENOENT));
    EXPECT_FALSE(sysfs().exists(kT1 + "/sessions/" + s2));
    // Disabling the target closes its sessions.
    EXPECT_EQ(sys_write(kT1 + "/enabled", "0"), std::error_code{});
    EXPECT_TRUE(sysfs().list(kT1 + "/sessions").value().empty());
    EXPECT_EQ(mgmt(groups + "/mgmt", "del a"), std::error_code{});
}

TEST_F(ScstTree, FailNextStopsAPlanPartWay) {
    const std::string file = backing_file("disk1.img");
    std::vector<target::Action> plan = {
        {target::Op::write, Tree::sysfs, kScst + "/handlers/vdisk_fileio/mgmt",
         fmt::format("add_device disk1 filename={}", file), 0, true},
        {target::Op::write, Tree::sysfs, kT1 + "/luns/mgmt", "add disk1 0", 0, true},
        {target::Op::write, Tree::sysfs, kT1 + "/ini_groups/mgmt", "create g", 0, true},
        {target::Op::write, Tree::sysfs, kT1 + "/enabled", "1", 0, true},
    };
    kernel().fail_next("ini_groups/mgmt", ENOMEM);
    std::error_code failed;
    std::size_t done = 0;
    for (const target::Action& a : plan) {
        failed = kernel().write(a.tree, a.path, a.data);
        if (failed) {
            break;
        }
        ++done;
    }
    EXPECT_EQ(done, 2U);
    EXPECT_EQ(failed, err(ENOMEM));
    EXPECT_EQ(sys(kScst + "/last_sysfs_mgmt_res"), "-12");
    EXPECT_TRUE(sysfs().exists(kT1 + "/luns/0"));
    EXPECT_FALSE(sysfs().exists(kT1 + "/ini_groups/g"));
    EXPECT_EQ(sys(kT1 + "/enabled"), "0");
    // The failure was used up: the same command now works.
    EXPECT_EQ(kernel().write(plan[2].tree, plan[2].path, plan[2].data), std::error_code{});
    ASSERT_EQ(kernel().calls().size(), 5U);  // create_file, three writes, the retry
    EXPECT_EQ(kernel().calls()[0].op, target::Op::create_file);
    EXPECT_EQ(kernel().calls()[3].result, err(ENOMEM));
    EXPECT_EQ(kernel().calls()[3].data, "create g");
    EXPECT_EQ(kernel().calls()[4].result, std::error_code{});
}

// ---- LIO --------------------------------------------------------------------------------------

class LioTree : public TargetTree {
  protected:
    void SetUp() override { lay_out(target::Flavour::lio); }

    const std::string wwn_ = "e41d:2d03:00a0:0011";                     // mlx5_0 port 1, GUID form
    const std::string wwn_gid_ = "0xfe80000000000000e41d2d0300a00011";  // the same, GID form
    const std::string port_ = "target/srpt/" + wwn_;
    const std::string tpg_ = port_ + "/tpgt_1";
    const std::string initiator_ = "0x00000000000000000002c90300a0e011";

    // A fileio storage object, enabled, as blktests' and rtslib's setup makes it.
    void fileio(const std::string& hba, const std::string& name, const std::string& file) {
        ASSERT_EQ(cfs_mkdir("target/core/" + hba), std::error_code{}) << hba;
        const std::string so = "target/core/" + hba + "/" + name;
        ASSERT_EQ(cfs_mkdir(so), std::error_code{});
        ASSERT_EQ(
            cfs_write(so + "/control", fmt::format("fd_dev_name={},fd_dev_size=1048576", file)),
            std::error_code{});
        ASSERT_EQ(cfs_write(so + "/enable", "1\n"), std::error_code{});
    }

    void port_and_tpg() {
        ASSERT_EQ(cfs_mkdir("target/srpt"), std::error_code{});
        ASSERT_EQ(cfs_mkdir(port_), std::error_code{});
        ASSERT_EQ(cfs_mkdir(tpg_), std::error_code{});
    }
};

TEST_F(LioTree, AFullSetupAndTeardown) {
    const auto initial = snapshot(cfs_root());
    ASSERT_EQ(cfs_mkdir("target/srpt"), std::error_code{});
    EXPECT_EQ(cfs("target/srpt/discovery_auth/rdma_cm_port"), "0");
    EXPECT_EQ(cfs("target/srpt/version"), "");
    EXPECT_EQ(cfs_write("target/srpt/discovery_auth/rdma_cm_port", "5555"), std::error_code{});
    EXPECT_EQ(cfs("target/srpt/discovery_auth/rdma_cm_port"), "5555");

    const std::string file = backing_file("disk1.img");
    ASSERT_EQ(cfs_mkdir("target/core/fileio_0"), std::error_code{});
    EXPECT_EQ(cfs("target/core/fileio_0/hba_info"), "HBA Index: 1 plugin: fileio version: v5.0");
    EXPECT_EQ(cfs("target/core/fileio_0/hba_mode"), "0");
    const std::string so = "target/core/fileio_0/disk1";
    ASSERT_EQ(cfs_mkdir(so), std::error_code{});
    EXPECT_EQ(configfs().list(so).value(),
              (std::vector<std::string>{"action", "alias", "alua", "alua_lu_gp", "attrib",
                                        "control", "enable", "info", "lba_map", "pr", "statistics",
                                        "udev_path", "wwn"}));
    EXPECT_EQ(cfs(so + "/enable"), "0");
    EXPECT_EQ(cfs(so + "/udev_path"), "");
    ASSERT_EQ(cfs_write(so + "/control", fmt::format("fd_dev_name={},fd_dev_size=1048576", file)),
              std::error_code{});
    EXPECT_EQ(cfs(so + "/info"),
              fmt::format("Status: DEACTIVATED  Max Queue Depth: 0  SectorSize: 0  HwMaxSectors: "
                          "0\n        TCM FILEIO ID: 0        File: {}  Size: 1048576  Mode: "
                          "O_DSYNC Async: 0",
                          file));
    ASSERT_EQ(cfs_write(so + "/enable", "1"), std::error_code{});
    EXPECT_EQ(cfs(so + "/enable"), "1");
    EXPECT_EQ(cfs_write(so + "/udev_path", file + "\n"), std::error_code{});
    EXPECT_EQ(cfs(so + "/udev_path"), file);
    EXPECT_EQ(cfs(so + "/alua_lu_gp"), "LU Group Alias: default_lu_gp\nLU Group ID: 0");

    ASSERT_EQ(cfs_mkdir(port_), std::error_code{});
    EXPECT_EQ(configfs().list(port_).value(),
              (std::vector<std::string>{"fabric_statistics", "param"}));
    ASSERT_EQ(cfs_mkdir(tpg_), std::error_code{});
    EXPECT_EQ(configfs().list(tpg_).value(),
              (std::vector<std::string>{"acls", "attrib", "auth", "enable", "lun", "np", "param",
                                        "rtpi"}));
    EXPECT_EQ(configfs().list(tpg_ + "/attrib").value(),
              (std::vector<std::string>{"srp_max_rdma_size", "srp_max_rsp_size", "srp_sq_size",
                                        "use_srq"}));
    EXPECT_EQ(cfs(tpg_ + "/attrib/srp_sq_size"), "4096");
    EXPECT_EQ(cfs(tpg_ + "/enable"), "0");

    ASSERT_EQ(cfs_mkdir(tpg_ + "/lun/lun_0"), std::error_code{});
    ASSERT_EQ(cfs_link(so, tpg_ + "/lun/lun_0/disk1"), std::error_code{});
    // configfs_get_target_path(): "../" per level of the LUN, then the target's path.
    EXPECT_EQ(configfs().readlink(tpg_ + "/lun/lun_0/disk1").value(),
              "../../../../../../target/core/fileio_0/disk1");
    EXPECT_EQ(link(configfs(), tpg_ + "/lun/lun_0/disk1"), so);
    EXPECT_TRUE(
        cfs(so + "/info")
            .starts_with(
                "Status: ACTIVATED  Max Queue Depth: 0  SectorSize: 512  HwMaxSectors: 16384\n"));

    const std::string acl = tpg_ + "/acls/" + initiator_;
    ASSERT_EQ(cfs_mkdir(acl), std::error_code{});
    EXPECT_EQ(configfs().list(acl).value(),
              (std::vector<std::string>{"attrib", "auth", "fabric_statistics", "param"}));
    ASSERT_EQ(cfs_mkdir(acl + "/lun_0"), std::error_code{});
    EXPECT_EQ(cfs(acl + "/lun_0/write_protect"), "");
    ASSERT_EQ(cfs_link(tpg_ + "/lun/lun_0", acl + "/lun_0/0a1b2c3d4e"), std::error_code{});
    EXPECT_EQ(cfs(acl + "/lun_0/write_protect"), "0");
    EXPECT_EQ(cfs_write(acl + "/lun_0/write_protect", "1"), std::error_code{});
    EXPECT_EQ(cfs(acl + "/lun_0/write_protect"), "1");

    ASSERT_EQ(cfs_write(tpg_ + "/enable", "1"), std::error_code{});
    EXPECT_EQ(cfs(tpg_ + "/enable"), "1");
    EXPECT_EQ(cfs(tpg_ + "/rtpi"), "0x1");

    // Teardown in the order rtslib deletes, each refused step first.
    EXPECT_EQ(cfs_rmdir(so), err(EBUSY));
    EXPECT_EQ(cfs_rmdir(tpg_ + "/lun/lun_0"), err(EBUSY));
    EXPECT_EQ(cfs_rmdir(acl), err(ENOTEMPTY));
    EXPECT_EQ(cfs_rmdir(acl + "/lun_0"), err(ENOTEMPTY));
    EXPECT_EQ(cfs_rmdir(tpg_), err(ENOTEMPTY));
    EXPECT_EQ(cfs_rmdir("target/srpt"), err(ENOTEMPTY));
    EXPECT_EQ(cfs_rmdir("target/core/fileio_0"), err(ENOTEMPTY));
    EXPECT_EQ(kernel().unlink(Tree::configfs, acl + "/lun_0/0a1b2c3d4e"), std::error_code{});
    EXPECT_EQ(cfs(acl + "/lun_0/write_protect"), "");
    EXPECT_EQ(cfs_rmdir(acl + "/lun_0"), std::error_code{});
    EXPECT_EQ(cfs_rmdir(acl), std::error_code{});
    EXPECT_EQ(cfs_rmdir(tpg_ + "/lun/lun_0"), err(ENOTEMPTY));
    EXPECT_EQ(kernel().unlink(Tree::configfs, tpg_ + "/lun/lun_0/disk1"), std::error_code{});
    EXPECT_TRUE(cfs(so + "/info").starts_with("Status: DEACTIVATED "));
    EXPECT_EQ(cfs_rmdir(tpg_ + "/lun/lun_0"), std::error_code{});
    EXPECT_EQ(cfs_rmdir(tpg_), std::error_code{});
    EXPECT_EQ(cfs_rmdir(port_), std::error_code{});
    EXPECT_EQ(cfs_rmdir("target/srpt"), std::error_code{});
    EXPECT_EQ(cfs_rmdir(so), std::error_code{});
    EXPECT_EQ(cfs_rmdir("target/core/fileio_0"), std::error_code{});
    EXPECT_EQ(snapshot(cfs_root()), initial);
}

TEST_F(LioTree, PortsAreNamedAfterRdmaPortsOnly) {
    EXPECT_EQ(cfs_mkdir("target/srpt/" + wwn_), err(ENOENT));  // no fabric yet
    EXPECT_EQ(cfs_mkdir("target/iscsi"), err(EINVAL));
    ASSERT_EQ(cfs_mkdir("target/srpt"), std::error_code{});
    EXPECT_EQ(cfs_mkdir("target/srpt"), err(EEXIST));
    for (const std::string bad : {"e41d:2d03:00a0:0013", "0xfe80000000000000e41d2d0300a00013",
                                  "fe80000000000000e41d2d0300a00011", "E41D:2D03:00A0:0011",
                                  "ib.fe80000000000000e41d2d0300a00011", "mlx5_0"}) {
        EXPECT_EQ(cfs_mkdir("target/srpt/" + bad), err(EINVAL)) << bad;
    }
    EXPECT_EQ(cfs_mkdir("target/srpt/" + wwn_), std::error_code{});
    EXPECT_EQ(cfs_mkdir("target/srpt/" + wwn_gid_), std::error_code{});
    // The RoCE port, GUID form of its GID's interface ID.
    EXPECT_EQ(cfs_mkdir("target/srpt/0202:c9ff:fe00:0001"), std::error_code{});
    EXPECT_EQ(configfs().list("target/srpt").value(),
              (std::vector<std::string>{"0202:c9ff:fe00:0001", wwn_gid_, "discovery_auth", wwn_,
                                        "version"}));
}

TEST_F(LioTree, NamesRefusedAsTheKernelRefusesThem) {
    port_and_tpg();
    EXPECT_EQ(cfs_mkdir(tpg_ + "/lun/lun0"), err(EINVAL));
    EXPECT_EQ(cfs_mkdir(tpg_ + "/lun/lun_x"), err(EINVAL));
    EXPECT_EQ(cfs_mkdir(tpg_ + "/lun/lun_99999999999999999999"), err(ERANGE));
    EXPECT_EQ(cfs_mkdir(tpg_ + "/lun/lun_0x10"), std::error_code{});
    for (const std::string bad : {"host1", "0x123", "fe80::1::2", "12345", "0xzz"}) {
        EXPECT_EQ(cfs_mkdir(tpg_ + "/acls/" + bad), err(EINVAL)) << bad;
    }
    for (const std::string good :
         {"0x0000000000000000505400fffe4a0b7b", "0000000000000000505400fffe4a0b7b",
          "5054:00ff:fe4a:0b7b", "192.168.122.76", "fe80::1", "0x"}) {
        EXPECT_EQ(cfs_mkdir(tpg_ + "/acls/" + good), std::error_code{}) << good;
    }
    const std::string acl = tpg_ + "/acls/5054:00ff:fe4a:0b7b";
    EXPECT_EQ(cfs_mkdir(acl + "/lun0"), err(EINVAL));
    EXPECT_EQ(cfs_mkdir(acl + "/lun_y"), err(EINVAL));
    EXPECT_EQ(cfs_mkdir(acl + "/attrib/x"), err(EPERM));
    EXPECT_EQ(cfs_mkdir(tpg_ + "/np/192.168.1.1:5000"), err(ENOSYS));
    EXPECT_EQ(cfs_mkdir(tpg_ + "/attrib/x"), err(EPERM));
    EXPECT_EQ(cfs_mkdir(tpg_ + "/lun/lun_0x10/statistics/x"), err(ENOSYS));
    EXPECT_EQ(cfs_mkdir(tpg_ + "/nosuch/x"), err(ENOENT));
    EXPECT_EQ(cfs_mkdir("target/core/iblock"), err(EINVAL));
    EXPECT_EQ(cfs_mkdir("target/core/nosuch_0"), err(EINVAL));
    EXPECT_EQ(cfs_mkdir("target/core/iblock_x"), err(EINVAL));
    EXPECT_EQ(cfs_mkdir("target/core/pscsi_0"), err(EOPNOTSUPP));
    EXPECT_EQ(cfs_mkdir("target/core/rd_mcp_7"), std::error_code{});
    EXPECT_EQ(cfs("target/core/rd_mcp_7/hba_info"), "HBA Index: 1 plugin: rd_mcp version: v5.0");
    // Default groups cannot go.
    EXPECT_EQ(cfs_rmdir(tpg_ + "/lun"), err(EPERM));
    EXPECT_EQ(cfs_rmdir("target/core"), err(EPERM));
    EXPECT_EQ(cfs_rmdir("target/srpt/discovery_auth"), err(EPERM));
    EXPECT_EQ(cfs_rmdir("target"), err(EPERM));
    EXPECT_EQ(cfs_rmdir(tpg_ + "/enable"), err(ENOTDIR));
    EXPECT_EQ(cfs_rmdir(tpg_ + "/nosuch"), err(ENOENT));
}

TEST_F(LioTree, LinksAsTheFabricAllowsThem) {
    port_and_tpg();
    const std::string file = backing_file("disk1.img");
    fileio("fileio_0", "disk1", file);
    const std::string so = "target/core/fileio_0/disk1";
    ASSERT_EQ(cfs_mkdir("target/core/fileio_0/idle"), std::error_code{});
    ASSERT_EQ(cfs_mkdir(tpg_ + "/lun/lun_0"), std::error_code{});
    ASSERT_EQ(cfs_mkdir(tpg_ + "/lun/lun_1"), std::error_code{});
    const auto before = snapshot(cfs_root());
    EXPECT_EQ(cfs_link(so, tpg_ + "/x"), err(EPERM));  // no allow_link
    EXPECT_EQ(cfs_link("target/core/nosuch", tpg_ + "/lun/lun_0/x"), err(ENOENT));
    EXPECT_EQ(cfs_link(so + "/info", tpg_ + "/lun/lun_0/x"), err(ENOTDIR));
    EXPECT_EQ(cfs_link("target/core/fileio_0", tpg_ + "/lun/lun_0/x"), err(EFAULT));
    EXPECT_EQ(cfs_link("target/core/fileio_0/idle", tpg_ + "/lun/lun_0/x"), err(ENODEV));
    EXPECT_EQ(cfs_link("../outside", tpg_ + "/lun/lun_0/x"), err(EPERM));
    EXPECT_EQ(snapshot(cfs_root()), before);
    ASSERT_EQ(cfs_link(so, tpg_ + "/lun/lun_0/a"), std::error_code{});
    EXPECT_EQ(cfs_link(so, tpg_ + "/lun/lun_0/a"), err(EEXIST));
    EXPECT_EQ(cfs_link(so, tpg_ + "/lun/lun_0/b"), err(EEXIST));  // the LUN has its link

    const std::string acl = tpg_ + "/acls/" + initiator_;
    ASSERT_EQ(cfs_mkdir(acl), std::error_code{});
    ASSERT_EQ(cfs_mkdir(acl + "/lun_0"), std::error_code{});
    EXPECT_EQ(cfs_link(tpg_ + "/lun/lun_1", acl + "/lun_0/x"), err(EINVAL));  // no device
    EXPECT_EQ(cfs_link(so, acl + "/lun_0/x"), err(EFAULT));                   // not a LUN
    const std::string other = "target/srpt/" + wwn_gid_ + "/tpgt_1";
    ASSERT_EQ(cfs_mkdir("target/srpt/" + wwn_gid_), std::error_code{});
    ASSERT_EQ(cfs_mkdir(other), std::error_code{});
    ASSERT_EQ(cfs_mkdir(other + "/lun/lun_0"), std::error_code{});
    ASSERT_EQ(cfs_link(so, other + "/lun/lun_0/a"), std::error_code{});
    EXPECT_TRUE(cfs(so + "/info").starts_with("Status: ACTIVATED "));
    EXPECT_EQ(cfs_link(other + "/lun/lun_0", acl + "/lun_0/x"), err(EINVAL));  // other port
    ASSERT_EQ(cfs_link(tpg_ + "/lun/lun_0", acl + "/lun_0/x"), std::error_code{});
    ASSERT_EQ(cfs_link(tpg_ + "/lun/lun_0", acl + "/lun_0/y"), std::error_code{});  // same LUN
    EXPECT_EQ(kernel().unlink(Tree::configfs, acl + "/lun_0/write_protect"), err(EPERM));
    EXPECT_EQ(kernel().unlink(Tree::configfs, acl + "/lun_0"), err(EISDIR));
    EXPECT_EQ(kernel().unlink(Tree::configfs, acl + "/lun_0/z"), err(ENOENT));
    // Removing the LUN's device link takes the mapped LUN's dev entry with it.
    EXPECT_EQ(kernel().unlink(Tree::configfs, tpg_ + "/lun/lun_0/a"), std::error_code{});
    EXPECT_EQ(cfs(acl + "/lun_0/write_protect"), "");
    EXPECT_TRUE(configfs().is_symlink(acl + "/lun_0/x"));
}

TEST_F(LioTree, StorageObjectsAsTheBackendsConfigureThem) {
    ASSERT_EQ(cfs_mkdir("target/core/rd_mcp_0"), std::error_code{});
    const std::string rd = "target/core/rd_mcp_0/ram0";
    ASSERT_EQ(cfs_mkdir(rd), std::error_code{});
    EXPECT_EQ(cfs_write(rd + "/enable", "1"), err(EINVAL));  // rd_pages= missing
    EXPECT_EQ(cfs_write(rd + "/control", "rd_pages=0"), std::error_code{});
    EXPECT_EQ(cfs_write(rd + "/enable", "1"), err(EINVAL));  // no pages
    EXPECT_EQ(cfs_write(rd + "/control", "rd_pages=2048,rd_nullio=1,nosuch=3\n"),
              std::error_code{});
    EXPECT_EQ(cfs_write(rd + "/enable", "0"), err(EINVAL));  // no "1"
    EXPECT_EQ(cfs_write(rd + "/enable", "1"), std::error_code{});
    EXPECT_EQ(cfs_write(rd + "/enable", "1"), err(EEXIST));
    EXPECT_EQ(cfs(rd + "/info"),
              "Status: DEACTIVATED  Max Queue Depth: 0  SectorSize: 512  HwMaxSectors: "
              "4294967288\n        TCM RamDisk ID: 0  RamDisk Makeup: rd_mcp\n        "
              "PAGES/PAGE_SIZE: 2048*4096  SG_table_count: 0  nullio: 1 dummy: 0");
    const std::string rd1 = "target/core/rd_mcp_0/ram1";
    ASSERT_EQ(cfs_mkdir(rd1), std::error_code{});
    EXPECT_EQ(cfs_write(rd1 + "/control", "rd_pages=4096"), std::error_code{});
    EXPECT_EQ(cfs_write(rd1 + "/enable", "1"), std::error_code{});
    EXPECT_NE(cfs(rd1 + "/info")
                  .find("TCM RamDisk ID: 1  RamDisk Makeup: rd_mcp\n        "
                        "PAGES/PAGE_SIZE: 4096*4096  SG_table_count: 3"),
              std::string::npos);

    ASSERT_EQ(cfs_mkdir("target/core/fileio_1"), std::error_code{});
    const std::string fd = "target/core/fileio_1/f";
    ASSERT_EQ(cfs_mkdir(fd), std::error_code{});
    EXPECT_EQ(cfs_write(fd + "/enable", "1"), err(EINVAL));  // fd_dev_name= missing
    EXPECT_EQ(cfs_write(fd + "/control", "fd_buffered_io=2"), err(EINVAL));
    EXPECT_EQ(cfs_write(fd + "/control", "fd_dev_size=lots"), err(EINVAL));
    // fileio opens O_CREAT: a missing file is made, but without a size it is refused.
    const fs::path created = files_root() / "new.img";
    EXPECT_EQ(cfs_write(fd + "/control", "fd_dev_name=" + created.string()), std::error_code{});
    EXPECT_EQ(cfs_write(fd + "/enable", "1"), err(EINVAL));
    EXPECT_TRUE(fs::exists(created));
    EXPECT_EQ(cfs_write(fd + "/control", "fd_dev_name=" + (files_root() / "no/dir.img").string() +
                                             ",fd_dev_size=512"),
              std::error_code{});
    EXPECT_EQ(cfs_write(fd + "/enable", "1"), err(ENOENT));
    EXPECT_EQ(cfs_write(fd + "/control", "fd_dev_name=" + created.string() + ",fd_buffered_io=1"),
              std::error_code{});
    EXPECT_EQ(cfs_write(fd + "/enable", "1"), std::error_code{});
    EXPECT_NE(cfs(fd + "/info").find("Mode: Buffered-WCE Async: 0"), std::string::npos);

    ASSERT_EQ(cfs_mkdir("target/core/iblock_0"), std::error_code{});
    const std::string ib = "target/core/iblock_0/b";
    ASSERT_EQ(cfs_mkdir(ib), std::error_code{});
    EXPECT_EQ(cfs_write(ib + "/enable", "1"), err(EINVAL));  // udev_path= missing
    EXPECT_EQ(cfs_write(ib + "/control", "udev_path=/nonexistent/sdz"), std::error_code{});
    EXPECT_EQ(cfs_write(ib + "/enable", "1"), err(ENOENT));
    // An option that does not match its pattern is ignored; one that matches but does not
    // convert is refused.
    EXPECT_EQ(cfs_write(ib + "/control", "readonly=x"), std::error_code{});
    EXPECT_EQ(cfs_write(ib + "/control", "readonly=-1"), err(EINVAL));
    const std::string dev = backing_file("sdz");
    EXPECT_EQ(cfs_write(ib + "/control", "udev_path=" + dev + ",readonly=1"), std::error_code{});
    EXPECT_EQ(cfs(ib + "/info"),
              fmt::format("Status: DEACTIVATED  Max Queue Depth: 0  SectorSize: 0  HwMaxSectors: "
                          "0\n          UDEV PATH: {}  readonly: 1\n        Major: 0 Minor: 0",
                          dev));
    EXPECT_EQ(cfs_write(ib + "/enable", "1"), std::error_code{});
    EXPECT_EQ(cfs(ib + "/info"),
              fmt::format("Status: DEACTIVATED  Max Queue Depth: 0  SectorSize: 512  "
                          "HwMaxSectors: 2048\n        iBlock device: sdz  UDEV PATH: {}  "
                          "readonly: 1\n        Major: 0 Minor: 0  CLAIMED: IBLOCK",
                          dev));
    EXPECT_EQ(cfs_write(ib + "/control", "udev_path=/dev/sdy"), err(EEXIST));

    // A LUN of a read-only device maps read-only.
    port_and_tpg();
    ASSERT_EQ(cfs_mkdir(tpg_ + "/lun/lun_0"), std::error_code{});
    ASSERT_EQ(cfs_link(ib, tpg_ + "/lun/lun_0/b"), std::error_code{});
    const std::string acl = tpg_ + "/acls/" + initiator_;
    ASSERT_EQ(cfs_mkdir(acl), std::error_code{});
    ASSERT_EQ(cfs_mkdir(acl + "/lun_3"), std::error_code{});
    ASSERT_EQ(cfs_link(tpg_ + "/lun/lun_0", acl + "/lun_3/l"), std::error_code{});
    EXPECT_EQ(cfs(acl + "/lun_3/write_protect"), "1");
    EXPECT_EQ(cfs_write(acl + "/lun_3/write_protect", "2"), err(EINVAL));
    EXPECT_EQ(cfs_write(acl + "/lun_3/write_protect", "x"), err(EINVAL));
}

// target_wwn_vpd_unit_serial_show() and _store() (target_core_configfs.c): white space around
// the value is dropped, INQUIRY_VPD_SERIAL_LEN (254) bytes overflow, and an exported device keeps
// the serial it has.
TEST_F(LioTree, UnitSerialAsTargetCoreTakesIt) {
    ASSERT_EQ(cfs_mkdir("target/core/rd_mcp_0"), std::error_code{});
    const std::string rd = "target/core/rd_mcp_0/ram0";
    const std::string serial = rd + "/wwn/vpd_unit_serial";
    ASSERT_EQ(cfs_mkdir(rd), std::error_code{});
    EXPECT_EQ(configfs().list(rd + "/wwn").value(), (std::vector<std::string>{"vpd_unit_serial"}));
    EXPECT_EQ(cfs(serial), "T10 VPD Unit Serial Number: ");
    EXPECT_EQ(cfs_write(serial, " 6b0d1f5e-2c4a\n"), std::error_code{});
    EXPECT_EQ(cfs(serial), "T10 VPD Unit Serial Number: 6b0d1f5e-2c4a");
    EXPECT_EQ(cfs_write(serial, std::string(254, 'a')), err(EOVERFLOW));
    EXPECT_EQ(cfs_write(serial, std::string(253, 'a')), std::error_code{});
    EXPECT_EQ(cfs(serial), "T10 VPD Unit Serial Number: " + std::string(253, 'a'));

    ASSERT_EQ(cfs_write(rd + "/control", "rd_pages=256"), std::error_code{});
    ASSERT_EQ(cfs_write(rd + "/enable", "1"), std::error_code{});
    EXPECT_EQ(cfs_write(serial, "enabled"), std::error_code{});
    port_and_tpg();
    ASSERT_EQ(cfs_mkdir(tpg_ + "/lun/lun_0"), std::error_code{});
    ASSERT_EQ(cfs_link(rd, tpg_ + "/lun/lun_0/ram0"), std::error_code{});
    EXPECT_EQ(cfs_write(serial, "exported"), err(EINVAL));
    EXPECT_EQ(cfs(serial), "T10 VPD Unit Serial Number: enabled");
    ASSERT_EQ(kernel().unlink(Tree::configfs, tpg_ + "/lun/lun_0/ram0"), std::error_code{});
    EXPECT_EQ(cfs_write(serial, "unexported"), std::error_code{});
}

TEST_F(LioTree, AttributesAsConfigfsTreatsThem) {
    port_and_tpg();
    ASSERT_EQ(cfs_mkdir("target/core/rd_mcp_0"), std::error_code{});
    ASSERT_EQ(cfs_mkdir("target/core/rd_mcp_0/r"), std::error_code{});
    EXPECT_EQ(cfs_write("target/core/rd_mcp_0/r/info", "x"), err(EACCES));
    EXPECT_EQ(cfs_write("target/core/rd_mcp_0/r/nosuch", "x"), err(ENOENT));
    EXPECT_EQ(cfs_write("target/core/rd_mcp_0/r/alias", "x"), err(EOPNOTSUPP));
    EXPECT_EQ(cfs_write("target/core/rd_mcp_0/hba_mode", "1"), err(EINVAL));
    EXPECT_EQ(cfs_write("target/core/rd_mcp_0/r/udev_path", ""), err(EINVAL));
    EXPECT_EQ(cfs_write("target/version", "x"), err(EACCES));
    EXPECT_EQ(cfs_write(tpg_, "x"), err(EISDIR));
    EXPECT_EQ(cfs_write("target/srpt/discovery_auth/rdma_cm_port", "70000"), err(ERANGE));

    // The TPG attributes are the port's: every TPG of the port shows a change.
    const std::string other = "target/srpt/" + wwn_gid_ + "/tpgt_2";
    ASSERT_EQ(cfs_mkdir("target/srpt/" + wwn_gid_), std::error_code{});
    ASSERT_EQ(cfs_mkdir(other), std::error_code{});
    EXPECT_EQ(cfs_write(tpg_ + "/attrib/srp_max_rdma_size", "1024"), err(EINVAL));
    EXPECT_EQ(cfs_write(tpg_ + "/attrib/srp_max_rdma_size", "x"), err(EINVAL));
    EXPECT_EQ(cfs_write(tpg_ + "/attrib/srp_max_rdma_size", "131072\n"), std::error_code{});
    EXPECT_EQ(cfs(other + "/attrib/srp_max_rdma_size"), "131072");
    EXPECT_EQ(cfs_write(tpg_ + "/attrib/srp_max_rsp_size", "2048"), err(EINVAL));
    EXPECT_EQ(cfs_write(tpg_ + "/attrib/srp_sq_size", "2"), err(EINVAL));
    EXPECT_EQ(cfs_write(tpg_ + "/attrib/use_srq", "2"), err(EINVAL));
    EXPECT_EQ(cfs_write(tpg_ + "/attrib/use_srq", "1"), std::error_code{});
    EXPECT_EQ(cfs(other + "/attrib/use_srq"), "1");

    EXPECT_EQ(cfs_write(tpg_ + "/enable", "maybe"), err(EINVAL));
    EXPECT_EQ(cfs_write(tpg_ + "/rtpi", "0"), err(EINVAL));
    EXPECT_EQ(cfs_write(other + "/rtpi", "7"), std::error_code{});
    EXPECT_EQ(cfs(other + "/rtpi"), "0x7");
    EXPECT_EQ(cfs_write(other + "/enable", "y"), std::error_code{});
    EXPECT_EQ(cfs_write(tpg_ + "/enable", "1"), std::error_code{});
    EXPECT_EQ(cfs(tpg_ + "/rtpi"), "0x1");
    EXPECT_EQ(cfs_write(tpg_ + "/rtpi", "9"), err(EINVAL));  // enabled
    EXPECT_EQ(kernel().create_file(Tree::configfs, tpg_ + "/new", 1), err(EACCES));
}

TEST_F(LioTree, LoginsShowInTheMappedLuns) {
    port_and_tpg();
    const std::string file = backing_file("disk1.img");
    fileio("fileio_0", "disk1", file);
    ASSERT_EQ(cfs_mkdir(tpg_ + "/lun/lun_0"), std::error_code{});
    ASSERT_EQ(cfs_link("target/core/fileio_0/disk1", tpg_ + "/lun/lun_0/disk1"), std::error_code{});
    const std::string acl = tpg_ + "/acls/" + initiator_;
    ASSERT_EQ(cfs_mkdir(acl), std::error_code{});
    ASSERT_EQ(cfs_mkdir(acl + "/lun_0"), std::error_code{});
    ASSERT_EQ(cfs_link(tpg_ + "/lun/lun_0", acl + "/lun_0/l"), std::error_code{});
    const std::string ident = acl + "/lun_0/statistics/scsi_att_intr_port/port_ident";

    EXPECT_EQ(kernel().lio_login(wwn_, "tpgt_1", "0x1234"), err(ENOENT));  // no ACL
    EXPECT_EQ(kernel().lio_login(wwn_, "tpgt_1", initiator_), err(ECONNREFUSED));
    ASSERT_EQ(cfs_write(tpg_ + "/enable", "1"), std::error_code{});
    EXPECT_FALSE(configfs().exists(ident));
    EXPECT_EQ(kernel().lio_login(wwn_, "tpgt_1", initiator_), std::error_code{});
    EXPECT_EQ(kernel().lio_login(wwn_, "tpgt_1", initiator_), err(EEXIST));
    EXPECT_EQ(cfs(ident), initiator_ + "+i+");
    EXPECT_EQ(cfs(acl + "/lun_0/statistics/scsi_att_intr_port/indx"), "1");
    // A mapped LUN made during the session shows it too.
    ASSERT_EQ(cfs_mkdir(acl + "/lun_1"), std::error_code{});
    EXPECT_EQ(cfs(acl + "/lun_1/statistics/scsi_att_intr_port/port_ident"), initiator_ + "+i+");
    EXPECT_EQ(kernel().lio_logout(wwn_, "tpgt_1", initiator_), std::error_code{});
    EXPECT_FALSE(configfs().exists(ident));
    EXPECT_EQ(kernel().lio_logout(wwn_, "tpgt_1", initiator_), err(ENOENT));
    // Disabling the TPG disables the port and closes its sessions.
    EXPECT_EQ(kernel().lio_login(wwn_, "tpgt_1", initiator_), std::error_code{});
    ASSERT_EQ(cfs_write(tpg_ + "/enable", "0"), std::error_code{});
    EXPECT_FALSE(configfs().exists(ident));
    EXPECT_EQ(kernel().lio_login(wwn_, "tpgt_1", initiator_), err(ECONNREFUSED));
}

TEST_F(LioTree, FailNextAppliesToConfigfsCalls) {
    kernel().fail_next("target/srpt", EIO);
    EXPECT_EQ(cfs_mkdir("target/srpt"), err(EIO));
    EXPECT_FALSE(configfs().exists("target/srpt"));
    EXPECT_EQ(cfs_mkdir("target/srpt"), std::error_code{});
    kernel().fail_next("tpgt_1", ENOMEM);
    kernel().fail_next("tpgt_1", EAGAIN);
    EXPECT_EQ(cfs_mkdir(port_), std::error_code{});
    EXPECT_EQ(cfs_mkdir(tpg_), err(ENOMEM));
    EXPECT_FALSE(configfs().exists(tpg_));
    EXPECT_EQ(cfs_mkdir(tpg_), err(EAGAIN));
    EXPECT_EQ(cfs_mkdir(tpg_), std::error_code{});
}

// ---- Stand-ins in turn ------------------------------------------------------------------------

// One call of a sequence and the errno it must return; a check step looks at the tree.
struct Step {
    std::string what;
    std::function<std::error_code(TargetKernelStandIn&)> call;
    std::error_code expected;
};

// A sequence run on fresh roots by one stand-in, then on the same roots laid out again by a new
// stand-in for each call (as `srpadm-sim target` runs one command a process), each made on the
// tree the one before left: the errnos and the trees must be the same.
class StandInsInTurn : public TargetTree {
  protected:
    std::map<std::string, std::string> run(target::Flavour flavour, const std::vector<Step>& steps,
                                           bool one) {
        kernel_.reset();
        for (const fs::path& root : {sys_root(), cfs_root(), files_root()}) {
            fs::remove_all(root);
        }
        lay_out(flavour);
        for (const Step& step : steps) {
            if (!one) {
                kernel_ = std::make_unique<TargetKernelStandIn>(
                    host::TreeRoots{host::Sysfs(sys_root()), host::Sysfs(cfs_root())});
            }
            EXPECT_EQ(step.call(*kernel_), step.expected)
                << step.what << (one ? " (one stand-in)" : " (a stand-in for each call)");
        }
        kernel_.reset();
        std::map<std::string, std::string> trees;
        for (const auto& [prefix, root] :
             {std::pair{"sys/", sys_root()}, std::pair{"config/", cfs_root()},
              std::pair{"files/", files_root()}}) {
            for (const auto& [name, value] : raw_snapshot(root)) {
                trees[prefix + name] = value;
            }
        }
        return trees;
    }

    // Every entry below `root`: "dir", "-> body" for a link, a file's mode and its bytes as
    // they are.
    static std::map<std::string, std::string> raw_snapshot(const fs::path& root) {
        std::map<std::string, std::string> out;
        for (auto it = fs::recursive_directory_iterator(root);
             it != fs::recursive_directory_iterator(); ++it) {
            const std::string name = it->path().lexically_relative(root).string();
            if (it->is_symlink()) {
                out[name] = "-> " + fs::read_symlink(it->path()).string();
            } else if (it->is_directory()) {
                out[name] = "dir";
            } else {
                std::ifstream in(it->path(), std::ios::binary);
                out[name] =
                    fmt::format("{:o} {}", static_cast<unsigned>(it->status().permissions()),
                                std::string(std::istreambuf_iterator<char>(in),
                                            std::istreambuf_iterator<char>()));
            }
        }
        return out;
    }

    void expect_same_in_turn(target::Flavour flavour, const std::vector<Step>& steps) {
        const auto one = run(flavour, steps, true);
        EXPECT_TRUE(one.contains("sys/.standin-state"));
        const auto many = run(flavour, steps, false);
        EXPECT_EQ(many, one);
    }

    static Step mkdir(Tree tree, const std::string& path, std::error_code expected = {}) {
        return {"mkdir " + path, [=](TargetKernelStandIn& k) { return k.mkdir(tree, path); },
                expected};
    }
    static Step rmdir(Tree tree, const std::string& path, std::error_code expected = {}) {
        return {"rmdir " + path, [=](TargetKernelStandIn& k) { return k.rmdir(tree, path); },
                expected};
    }
    static Step write(Tree tree, const std::string& path, const std::string& data,
                      std::error_code expected = {}) {
        return {fmt::format("write '{}' to {}", data, path),
                [=](TargetKernelStandIn& k) { return k.write(tree, path, data); }, expected};
    }
    static Step symlink(const std::string& target, const std::string& path,
                        std::error_code expected = {}) {
        return {fmt::format("symlink {} -> {}", path, target),
                [=](TargetKernelStandIn& k) { return k.symlink(Tree::configfs, target, path); },
                expected};
    }
    static Step unlink(const std::string& path) {
        return {"unlink " + path,
                [=](TargetKernelStandIn& k) { return k.unlink(Tree::configfs, path); },
                {}};
    }
    static Step check(const std::string& what, std::function<void()> fn) {
        return {"check " + what,
                [fn = std::move(fn)](TargetKernelStandIn&) {
                    fn();
                    return std::error_code{};
                },
                {}};
    }
    Step backing(const std::string& name, std::uint64_t size) const {
        const std::string path = (files_root() / name).string();
        return {"create " + path,
                [=](TargetKernelStandIn& k) { return k.create_file(Tree::files, path, size); },
                {}};
    }
};

TEST_F(StandInsInTurn, Lio) {
    const std::string wwn = "e41d:2d03:00a0:0011";                     // mlx5_0 port 1
    const std::string wwn_gid = "0xfe80000000000000e41d2d0300a00011";  // the same port
    const std::string tpg = "target/srpt/" + wwn + "/tpgt_1";
    const std::string other = "target/srpt/" + wwn_gid + "/tpgt_2";
    const std::string init = "0x00000000000000000002c90300a0e011";
    const std::string init2 = "0x00000000000000000002c90300a0e022";
    const std::string acl = tpg + "/acls/" + init;
    const std::string acl2 = tpg + "/acls/" + init2;
    const std::string rd = "target/core/rd_mcp_0";
    const std::string fd = "target/core/fileio_0";
    const std::string ib = "target/core/iblock_0";
    const std::string disk1 = (files_root() / "disk1.img").string();
    const std::string empty = (files_root() / "empty.img").string();
    const std::string sdz = (files_root() / "sdz").string();
    const std::string ident = acl + "/lun_0/statistics/scsi_att_intr_port/port_ident";
    const auto login = [&](const std::string& a, std::error_code expected = {}) {
        return Step{"lio_login " + a,
                    [=](TargetKernelStandIn& k) { return k.lio_login(wwn, "tpgt_1", a); },
                    expected};
    };
    const auto logout = [&](const std::string& a, std::error_code expected = {}) {
        return Step{"lio_logout " + a,
                    [=](TargetKernelStandIn& k) { return k.lio_logout(wwn, "tpgt_1", a); },
                    expected};
    };
    const Tree c = Tree::configfs;
    const std::vector<Step> steps = {
        backing("disk1.img", 1 << 20),
        backing("empty.img", 0),
        backing("sdz", 1 << 20),
        mkdir(c, "target/srpt"),
        write(c, "target/srpt/discovery_auth/rdma_cm_port", "5555"),
        // rd_mcp: device IDs count up per HBA and are not reused; HBA indexes likewise.
        mkdir(c, rd),
        mkdir(c, rd + "/ram0"),
        write(c, rd + "/ram0/control", "rd_pages=256"),
        write(c, rd + "/ram0/enable", "1"),
        mkdir(c, rd + "/idle"),
        mkdir(c, rd + "/tmp"),
        write(c, rd + "/tmp/control", "rd_pages=8"),
        write(c, rd + "/tmp/enable", "1"),
        rmdir(c, rd + "/tmp"),
        mkdir(c, rd + "/ram2"),
        write(c, rd + "/ram2/control", "rd_pages=16"),
        write(c, rd + "/ram2/enable", "1"),
        check("ram2's ID",
              [&] {
                  EXPECT_NE(cfs(rd + "/ram2/info").find("TCM RamDisk ID: 2 "), std::string::npos);
              }),
        mkdir(c, "target/core/rd_mcp_9"),
        rmdir(c, "target/core/rd_mcp_9"),
        // fileio, one of them with fd_dev_size=0 given.
        mkdir(c, fd),
        check(
            "the HBA index",
            [&] { EXPECT_EQ(cfs(fd + "/hba_info"), "HBA Index: 3 plugin: fileio version: v5.0"); }),
        mkdir(c, fd + "/disk1"),
        write(c, fd + "/disk1/control", "fd_dev_name=" + disk1 + ",fd_dev_size=1048576"),
        write(c, fd + "/disk1/udev_path", disk1),
        write(c, fd + "/disk1/enable", "1"),
        mkdir(c, fd + "/empty"),
        write(c, fd + "/empty/control", "fd_dev_name=" + empty + ",fd_dev_size=0"),
        write(c, fd + "/empty/enable", "1"),
        // iblock: read-only as configured (DF_READ_ONLY), whatever readonly= says later.
        mkdir(c, ib),
        mkdir(c, ib + "/b"),
        write(c, ib + "/b/control", "udev_path=" + sdz + ",readonly=1"),
        write(c, ib + "/b/enable", "1"),
        write(c, ib + "/b/control", "readonly=0"),
        // The port, its TPG, LUNs.
        mkdir(c, "target/srpt/" + wwn),
        mkdir(c, tpg),
        write(c, tpg + "/attrib/srp_max_rdma_size", "131072"),
        write(c, tpg + "/rtpi", "5"),
        mkdir(c, tpg + "/lun/lun_0"),
        symlink(rd + "/ram0", tpg + "/lun/lun_0/ram0"),
        mkdir(c, tpg + "/lun/lun_0", err(EEXIST)),
        symlink(rd + "/ram2", tpg + "/lun/lun_0/x", err(EEXIST)),
        mkdir(c, tpg + "/lun/lun_1"),
        symlink(fd + "/disk1", tpg + "/lun/lun_1/disk1"),
        mkdir(c, tpg + "/lun/lun_2"),
        symlink(rd + "/idle", tpg + "/lun/lun_2/idle", err(ENODEV)),
        symlink(ib + "/b", tpg + "/lun/lun_2/b"),
        rmdir(c, rd + "/ram0", err(EBUSY)),
        write(c, rd + "/ram0/enable", "1", err(EEXIST)),
        // ACLs and mapped LUNs.
        mkdir(c, acl),
        mkdir(c, acl + "/lun_0"),
        symlink(tpg + "/lun/lun_0", acl + "/lun_0/l"),
        write(c, acl + "/lun_0/write_protect", "1"),
        mkdir(c, acl + "/lun_1"),
        symlink(tpg + "/lun/lun_1", acl + "/lun_1/l"),
        mkdir(c, acl + "/lun_2"),
        symlink(tpg + "/lun/lun_2", acl + "/lun_2/l"),
        check("write_protect of a read-only device's LUN",
              [&] { EXPECT_EQ(cfs(acl + "/lun_2/write_protect"), "1"); }),
        mkdir(c, acl2),
        rmdir(c, tpg + "/lun/lun_0", err(EBUSY)),
        // Enabled, logged in (init2's ACL maps nothing: its session shows nowhere).
        login(init, err(ECONNREFUSED)),
        write(c, tpg + "/enable", "1"),
        check("the RTPI written", [&] { EXPECT_EQ(cfs(tpg + "/rtpi"), "0x5"); }),
        login(init),
        login(init2),
        login(init, err(EEXIST)),
        login(init2, err(EEXIST)),
        check("the session", [&] { EXPECT_EQ(cfs(ident), init + "+i+"); }),
        logout(init),
        check("no session", [&] { EXPECT_FALSE(configfs().exists(ident)); }),
        logout(init, err(ENOENT)),
        logout(init2),
        logout(init2, err(ENOENT)),
        login(init),
        write(c, tpg + "/attrib/use_srq", "1"),  // logs the port's initiators out
        logout(init, err(ENOENT)),
        login(init),
        write(c, tpg + "/enable", "0"),
        login(init, err(ECONNREFUSED)),
        // A second TPG of the same port shares its attributes; removing it disables the port.
        mkdir(c, "target/srpt/" + wwn_gid),
        mkdir(c, other),
        check("the port's attributes",
              [&] { EXPECT_EQ(cfs(other + "/attrib/srp_max_rdma_size"), "131072"); }),
        write(c, tpg + "/enable", "1"),
        check("the RTPI written, again", [&] { EXPECT_EQ(cfs(tpg + "/rtpi"), "0x5"); }),
        login(init),
        rmdir(c, other),
        login(init2, err(ECONNREFUSED)),
        rmdir(c, "target/srpt/" + wwn_gid),
        // Teardown in the order rtslib deletes.
        write(c, tpg + "/enable", "0"),
        unlink(acl + "/lun_0/l"),
        unlink(acl + "/lun_1/l"),
        unlink(acl + "/lun_2/l"),
        rmdir(c, acl + "/lun_0"),
        rmdir(c, acl + "/lun_1"),
        rmdir(c, acl + "/lun_2"),
        rmdir(c, acl),
        rmdir(c, acl2),
        unlink(tpg + "/lun/lun_0/ram0"),
        unlink(tpg + "/lun/lun_1/disk1"),
        check("disk1 no longer exported",
              [&] { EXPECT_TRUE(cfs(fd + "/disk1/info").starts_with("Status: DEACTIVATED ")); }),
        unlink(tpg + "/lun/lun_2/b"),
        rmdir(c, tpg + "/lun/lun_0"),
        rmdir(c, tpg + "/lun/lun_1"),
        rmdir(c, tpg + "/lun/lun_2"),
        rmdir(c, tpg),
        rmdir(c, "target/srpt/" + wwn),
        rmdir(c, "target/srpt"),
        mkdir(c, "target/srpt"),
        check("rdma_cm_port kept",
              [&] { EXPECT_EQ(cfs("target/srpt/discovery_auth/rdma_cm_port"), "5555"); }),
        rmdir(c, rd + "/ram0"),
        rmdir(c, rd, err(ENOTEMPTY)),
    };
    expect_same_in_turn(target::Flavour::lio, steps);
}

TEST_F(StandInsInTurn, Scst) {
    const std::string s1 = "fe80:0000:0000:0000:0002:c903:00a0:0011";
    const std::string s2 = "fe80:0000:0000:0000:0002:c903:00b0:0022";
    const std::string roce = kScst + "/targets/ib_srpt/fe80:0000:0000:0000:0202:c9ff:fe00:0001";
    const std::string groups = kT1 + "/ini_groups";
    const std::string disk1 = (files_root() / "disk1.img").string();
    const std::string blk = (files_root() / "blk.img").string();
    const auto login = [&](const std::string& s, std::error_code expected = {}) {
        return Step{"scst_login " + s,
                    [=](TargetKernelStandIn& k) { return k.scst_login(kTarget1, s); }, expected};
    };
    const auto logout = [&](const std::string& s, std::error_code expected = {}) {
        return Step{"scst_logout " + s,
                    [=](TargetKernelStandIn& k) { return k.scst_logout(kTarget1, s); }, expected};
    };
    const auto lands_in = [&](const std::string& s, const std::string& luns) {
        return check(s + " lands in " + luns, [=, this] {
            EXPECT_EQ(link(sysfs(), kT1 + "/sessions/" + s + "/luns"), luns);
        });
    };
    const Tree y = Tree::sysfs;
    const std::vector<Step> steps = {
        backing("disk1.img", 1 << 20),
        backing("blk.img", 1 << 20),
        write(y, kScst + "/handlers/vdisk_fileio/mgmt", "add_device disk1 filename=" + disk1),
        write(y, kScst + "/handlers/vdisk_blockio/mgmt", "add_device blk0 filename=" + blk),
        write(y, kScst + "/handlers/vdisk_nullio/mgmt", "add_device null0"),
        write(y, kT1 + "/luns/mgmt", "add null0 0"),
        // zeta is made before alpha: a login both match lands in zeta (scst_find_acg()).
        write(y, groups + "/mgmt", "create zeta"),
        write(y, groups + "/mgmt", "create alpha"),
        write(y, groups + "/mgmt", "create zeta", err(EEXIST)),
        write(y, groups + "/zeta/initiators/mgmt", "add " + s1),
        write(y, groups + "/alpha/initiators/mgmt", "add *"),
        write(y, groups + "/alpha/initiators/mgmt", "add *", err(EEXIST)),
        write(y, groups + "/zeta/luns/mgmt", "add disk1 0"),
        write(y, groups + "/alpha/luns/mgmt", "add blk0 0 read_only=1"),
        write(y, groups + "/zeta/luns/mgmt", "add disk1 0", err(EEXIST)),
        // Export numbers count up per device and are not reused.
        write(y, kT2 + "/luns/mgmt", "add disk1 3"),
        write(y, kT2 + "/luns/mgmt", "del 3"),
        write(y, kT2 + "/luns/mgmt", "add disk1 4"),
        check("the export number",
              [&] {
                  EXPECT_EQ(link(sysfs(), kScst + "/devices/disk1/exported/export2"),
                            kT2 + "/luns/4");
              }),
        login(s1, err(ECONNREFUSED)),
        write(y, kT1 + "/enabled", "1"),
        write(y, roce + "/enabled", "1"),
        write(y, roce + "/enabled", "0"),
        write(y, kT2 + "/enabled", "1"),
        check("relative target port IDs",
              [&] {
                  EXPECT_EQ(sys(kT1 + "/rel_tgt_id"), "1\n[key]");
                  EXPECT_EQ(sys(roce + "/rel_tgt_id"), "2\n[key]");
                  EXPECT_EQ(sys(kT2 + "/rel_tgt_id"), "3\n[key]");
              }),
        login(s1),
        lands_in(s1, groups + "/zeta/luns"),
        login(s2),
        lands_in(s2, groups + "/alpha/luns"),
        login(s1, err(EEXIST)),
        write(y, groups + "/mgmt", "del zeta", err(EBUSY)),
        write(y, groups + "/mgmt", "del alpha", err(EBUSY)),
        // s1 follows its initiator name out of zeta.
        write(y, groups + "/zeta/initiators/mgmt", "del " + s1),
        lands_in(s1, groups + "/alpha/luns"),
        write(y, groups + "/mgmt", "del zeta"),
        write(y, groups + "/alpha/initiators/mgmt", "move * nosuch", err(EINVAL)),
        write(y, groups + "/alpha/initiators/mgmt", "clear"),
        lands_in(s2, kT1 + "/luns"),
        write(y, groups + "/mgmt", "del alpha"),
        logout(s2),
        logout(s2, err(ENOENT)),
        write(y, kT1 + "/enabled", "0"),
        logout(s1, err(ENOENT)),
        write(y, kScst + "/handlers/vdisk_fileio/mgmt", "del_device disk1"),
        write(y, kScst + "/handlers/vdisk_fileio/mgmt", "add_device disk1 filename=" + disk1),
        write(y, kT2 + "/luns/mgmt", "add disk1 5"),
        check("a new device's export numbers",
              [&] {
                  EXPECT_EQ(link(sysfs(), kScst + "/devices/disk1/exported/export0"),
                            kT2 + "/luns/5");
              }),
    };
    expect_same_in_turn(target::Flavour::scst, steps);
}

// Without the kept file (a tree no stand-in has changed, or one made by hand) the tree decides:
// groups by name, numbers one past the highest shown, sessions where mapped LUNs show them.
TEST_F(StandInsInTurn, WithoutTheKeptFileTheTreeDecides) {
    lay_out(target::Flavour::scst);
    const std::string s1 = "fe80:0000:0000:0000:0002:c903:00a0:0011";
    const std::string groups = kT1 + "/ini_groups";
    for (const char* command : {"create zeta", "create alpha"}) {
        ASSERT_EQ(sys_write(groups + "/mgmt", command), std::error_code{});
    }
    ASSERT_EQ(sys_write(groups + "/zeta/initiators/mgmt", "add " + s1), std::error_code{});
    ASSERT_EQ(sys_write(groups + "/alpha/initiators/mgmt", "add *"), std::error_code{});
    ASSERT_EQ(sys_write(kT1 + "/enabled", "1"), std::error_code{});
    ASSERT_TRUE(fs::remove(sys_root() / ".standin-state"));
    kernel_ = std::make_unique<TargetKernelStandIn>(
        host::TreeRoots{host::Sysfs(sys_root()), host::Sysfs(cfs_root())});
    EXPECT_EQ(kernel().scst_login(kTarget1, s1), std::error_code{});
    EXPECT_EQ(link(sysfs(), kT1 + "/sessions/" + s1 + "/luns"), groups + "/alpha/luns");
    EXPECT_EQ(sys_write(kT2 + "/enabled", "1"), std::error_code{});
    EXPECT_EQ(sys(kT2 + "/rel_tgt_id"), "2\n[key]");

    kernel_.reset();
    for (const fs::path& root : {sys_root(), cfs_root(), files_root()}) {
        fs::remove_all(root);
    }
    lay_out(target::Flavour::lio);
    const std::string tpg = "target/srpt/e41d:2d03:00a0:0011/tpgt_1";
    const std::string acl = tpg + "/acls/0x00000000000000000002c90300a0e011";
    const std::vector<std::string> dirs = {"target/srpt",
                                           "target/srpt/e41d:2d03:00a0:0011",
                                           tpg,
                                           "target/core/rd_mcp_0",
                                           "target/core/rd_mcp_0/ram0",
                                           tpg + "/lun/lun_0",
                                           acl,
                                           acl + "/lun_0"};
    for (const std::string& dir : dirs) {
        ASSERT_EQ(cfs_mkdir(dir), std::error_code{}) << dir;
    }
    ASSERT_EQ(cfs_write("target/core/rd_mcp_0/ram0/control", "rd_pages=8"), std::error_code{});
    ASSERT_EQ(cfs_write("target/core/rd_mcp_0/ram0/enable", "1"), std::error_code{});
    ASSERT_EQ(cfs_link("target/core/rd_mcp_0/ram0", tpg + "/lun/lun_0/ram0"), std::error_code{});
    ASSERT_EQ(cfs_link(tpg + "/lun/lun_0", acl + "/lun_0/l"), std::error_code{});
    ASSERT_EQ(cfs_write(tpg + "/enable", "1"), std::error_code{});
    ASSERT_EQ(
        kernel().lio_login("e41d:2d03:00a0:0011", "tpgt_1", "0x00000000000000000002c90300a0e011"),
        std::error_code{});
    ASSERT_TRUE(fs::remove(sys_root() / ".standin-state"));
    kernel_ = std::make_unique<TargetKernelStandIn>(
        host::TreeRoots{host::Sysfs(sys_root()), host::Sysfs(cfs_root())});
    EXPECT_EQ(
        kernel().lio_login("e41d:2d03:00a0:0011", "tpgt_1", "0x00000000000000000002c90300a0e011"),
        err(EEXIST));
    EXPECT_EQ(cfs_mkdir("target/core/fileio_0"), std::error_code{});
    EXPECT_EQ(cfs("target/core/fileio_0/hba_info"), "HBA Index: 2 plugin: fileio version: v5.0");
    ASSERT_EQ(cfs_mkdir("target/core/rd_mcp_0/ram1"), std::error_code{});
    ASSERT_EQ(cfs_write("target/core/rd_mcp_0/ram1/control", "rd_pages=8"), std::error_code{});
    ASSERT_EQ(cfs_write("target/core/rd_mcp_0/ram1/enable", "1"), std::error_code{});
    EXPECT_NE(cfs("target/core/rd_mcp_0/ram1/info").find("TCM RamDisk ID: 1 "), std::string::npos);
    EXPECT_EQ(cfs_rmdir("target/core/rd_mcp_0/ram0"), err(EBUSY));
}

}  // namespace
}  // namespace srpadm::sim
