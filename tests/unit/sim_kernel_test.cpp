// The stand-in for ib_srp driven as srpadm drives the kernel: HostActions on a BlockingPool,
// in virtual time, on a host tree laid out from the fabric; every assertion is on what
// srpadm's own readers see in that tree, the errnos, and the events the listener gets.
#include <cerrno>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <srpadm/host/actions.hpp>
#include <srpadm/host/host_ports.hpp>
#include <srpadm/host/local_port.hpp>
#include <srpadm/host/srp_hosts.hpp>
#include <srpadm/model/initiator_id.hpp>
#include <srpadm/runtime/blocking_pool.hpp>
#include <srpadm/runtime/clock.hpp>
#include <srpadm/runtime/event_loop.hpp>
#include <srpadm/sim/fabric_file.hpp>
#include <srpadm/sim/host_tree.hpp>
#include <srpadm/sim/kernel.hpp>
#include <srpadm/sim/simulator.hpp>

namespace srpadm::sim {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using host::ConnectResult;
using host::ConnectState;
using host::LoginRequest;
using Kind = KernelEvent::Kind;

// host1 has two ports on one switch: mlx5_0:1 (P_Keys ffff and 8001) and mlx5_0:2. storage1
// is a generic target open to all; storage2 a LIO target that admits only mlx5_0:1 with
// initiator_ext 0.
// The fabric of tests/fixtures/fabrics/two-ports-acl.fabric (see its comment).
const std::string kFabricFile = SRPADM_SOURCE_DIR "/tests/fixtures/fabrics/two-ports-acl.fabric";

constexpr Guid kHostPort1 = 0x0002c90300a00011ULL;
constexpr Guid kHostPort2 = 0x0002c90300a00012ULL;
constexpr Guid kStorage1 = 0x0002c90300b00020ULL;  // IOC GUID, id_ext and service ID
constexpr Guid kStorage1Port = 0x0002c90300b00021ULL;
constexpr Guid kStorage2 = 0x0002c90300c00030ULL;
constexpr Guid kStorage2Port = 0x0002c90300c00031ULL;
constexpr std::uint64_t kPrefix = 0xfe80000000000000ULL;

FabricFile test_fabric() {
    auto file = load_fabric(kFabricFile);
    EXPECT_TRUE(file) << (file ? "" : file.error().message);
    return file ? std::move(*file) : FabricFile{};
}

class TempDir {
  public:
    TempDir() {
        std::random_device random;
        dir_ =
            fs::temp_directory_path() / fmt::format("srpadm-simkernel-{}-{}", random(), random());
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    TempDir(TempDir&&) = delete;
    TempDir& operator=(TempDir&&) = delete;
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    const fs::path& path() const { return dir_; }

  private:
    fs::path dir_;
};

LoginRequest login_to(unsigned port, Guid target, Guid target_port, PKey pkey = 0xffff,
                      std::optional<std::uint64_t> initiator_ext = std::nullopt) {
    LoginRequest r;
    r.device = "mlx5_0";
    r.port = port;
    r.spec.id_ext = fmt::format("{:016x}", target);
    r.spec.ioc_guid = target;
    r.spec.ib = login::IbCmAddress{Gid::from_parts(kPrefix, target_port), pkey, target};
    if (initiator_ext) {
        r.spec.options.push_back(
            {login::Key::initiator_ext, fmt::format("{:016x}", *initiator_ext)});
    }
    r.line = login::render(r.spec).value();
    return r;
}

class SimKernelTest : public ::testing::Test {
  protected:
    SimKernelTest() {
        EXPECT_TRUE(lay_out_host(fabric_.fabric(), root_));
        kernel_options_.removal_delay = 1s;
    }

    SimKernel& kernel() {
        if (!kernel_) {
            kernel_.emplace(fabric_, root_, kernel_options_);
            kernel_->set_listener([this](const KernelEvent& e) { events_.push_back(e); });
        }
        return *kernel_;
    }
    host::HostActions& actions() {
        if (!actions_) {
            actions_.emplace(loop_, pool_, host::Sysfs(root_), kernel().writer(), action_options_);
        }
        return *actions_;
    }
    ConnectResult connect(const LoginRequest& r) {
        std::optional<ConnectResult> got;
        actions().connect(r, [&got](ConnectResult c) { got = std::move(c); });
        loop_.run_until([&got] { return got.has_value(); });
        return got.value();
    }
    // The errno of one write through the kernel's writer, made by the pool as HostActions
    // makes every write.
    std::error_code raw_write(const std::string& relative, const std::string& data) {
        auto writer = kernel().writer();
        std::optional<std::error_code> got;
        auto result = std::make_shared<std::error_code>();
        pool_.submit(
            "raw", [writer, relative, data, result] { *result = writer->write(relative, data); },
            10s,
            [&got, result](bool in_time) {
                got = in_time ? *result : std::make_error_code(std::errc::timed_out);
            });
        loop_.run_until([&got] { return got.has_value(); });
        return got.value();
    }
    std::vector<host::SrpHost> hosts() const {
        auto scan = host::srp_hosts(host::Sysfs(root_));
        EXPECT_TRUE(scan) << (scan ? "" : scan.error().message);
        EXPECT_TRUE(!scan || scan->problems.empty());
        return scan ? scan->hosts : std::vector<host::SrpHost>{};
    }
    const host::SrpHost* find(const std::string& name) const {
        hosts_ = hosts();
        return host::find_host(hosts_, name);
    }
    // Runs the loop until virtual time `when` (nothing else need be scheduled).
    void run_to(runtime::TimePoint when) {
        loop_.at(when, [] {});
        loop_.run_until([this, when] { return clock_.now() >= when; });
    }
    PortRef port_of(Guid guid) const { return *fabric_.fabric().by_port_guid(guid); }
    void apply(const FabricEvent& event) { ASSERT_TRUE(fabric_.apply(event)); }
    // The events since the last call, as "kind subsystem name [state] @seconds".
    std::vector<std::string> take_events(runtime::TimePoint since) {
        std::vector<std::string> out;
        for (const KernelEvent& e : events_) {
            out.push_back(fmt::format(
                "{} @{}", describe(e),
                std::chrono::duration_cast<std::chrono::milliseconds>(e.at - since).count()));
        }
        events_.clear();
        return out;
    }
    void set_timeouts(const std::string& host_name, model::RemotePortTimeouts wanted) {
        const host::SrpHost* h = find(host_name);
        ASSERT_NE(h, nullptr);
        std::optional<Result<std::vector<model::TmoWrite>>> got;
        actions().set_timeouts(*h, wanted, [&got](auto r) { got = std::move(r); });
        loop_.run_until([&got] { return got.has_value(); });
        ASSERT_TRUE(*got) << got->error().message;
    }

    TempDir dir_;
    fs::path root_ = dir_.path() / "sys";
    runtime::VirtualClock clock_;
    runtime::EventLoop loop_{clock_};
    SimFabric fabric_{test_fabric(), loop_};
    runtime::BlockingPool pool_{loop_, 4};
    KernelOptions kernel_options_;
    host::ActionOptions action_options_;
    std::vector<KernelEvent> events_;
    mutable std::vector<host::SrpHost> hosts_;
    // Gone before the pool: the kernel fails writes still waiting, the pool joins its threads.
    std::optional<SimKernel> kernel_;
    std::optional<host::HostActions> actions_;
};

TEST_F(SimKernelTest, TheLaidOutTreeIsWhatSrpadmsReadersAccept) {
    const host::Sysfs sysfs(root_);
    const auto p1 = host::read_local_port(sysfs, "mlx5_0", 1);
    ASSERT_TRUE(p1) << p1.error().message;
    const model::PortAttributes& a = p1->attributes;
    EXPECT_EQ(a.lid, 2);
    EXPECT_EQ(a.lmc, 0);
    EXPECT_EQ(a.sm_lid, 1);
    EXPECT_EQ(a.sm_sl, 0);
    EXPECT_EQ(a.state, model::PortState::active);
    EXPECT_EQ(a.phys_state, 5);
    EXPECT_EQ(a.capability_mask, fabric_.fabric().port(port_of(kHostPort1)).capability_mask);
    EXPECT_EQ(a.gid_prefix, kPrefix);
    EXPECT_EQ(a.port_guid, kHostPort1);
    EXPECT_EQ(a.node_guid, 0x0002c90300a00010ULL);
    EXPECT_EQ(a.pkeys, (std::vector<PKey>{0xffff, 0x8001}));
    EXPECT_EQ(a.link_layer, model::LinkLayer::infiniband);
    EXPECT_FALSE(p1->link_layer_missing);
    const auto p2 = host::read_local_port(sysfs, "mlx5_0", 2);
    ASSERT_TRUE(p2) << p2.error().message;
    EXPECT_EQ(p2->attributes.lid, 3);
    EXPECT_EQ(p2->attributes.pkeys, std::vector<PKey>{0xffff});

    const auto ports = host::local_ports(sysfs);
    ASSERT_TRUE(ports) << ports.error().message;
    ASSERT_EQ(ports->size(), 2U);
    EXPECT_EQ((*ports)[0].name(), "mlx5_0:1");
    EXPECT_EQ((*ports)[0].umad, "umad0");
    EXPECT_TRUE((*ports)[0].srp);
    EXPECT_EQ((*ports)[0].port_guid(), kHostPort1);
    EXPECT_EQ((*ports)[0].state, "4: ACTIVE");
    EXPECT_EQ((*ports)[1].umad, "umad1");
    EXPECT_EQ((*ports)[1].port_guid(), kHostPort2);
    const auto selected = host::select_port(sysfs, {});
    ASSERT_TRUE(selected) << selected.error().message;
    EXPECT_EQ(selected->umad.path(), "/dev/infiniband/umad0");
    const auto srp = host::srp_port(sysfs, model::PortSelector{"mlx5_0", 2});
    ASSERT_TRUE(srp) << srp.error().message;

    EXPECT_EQ(host::ib_srp_default_timeouts(sysfs), model::TmoValues{});
    EXPECT_EQ(host::ib_srp_max_imm_data(sysfs), 8192U);
    EXPECT_TRUE(host::ib_srp_topspin_workarounds(sysfs));
    const auto scan = host::srp_hosts(sysfs);
    ASSERT_TRUE(scan);
    EXPECT_TRUE(scan->hosts.empty());
    EXPECT_TRUE(fs::is_directory(root_ / "class/srp_remote_ports"));
}

TEST_F(SimKernelTest, TheTreeIsOnlyLaidOutWhereThereIsNothing) {
    const auto again = lay_out_host(fabric_.fabric(), root_);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, Errc::exists);
    // Two HCAs may not share a device name.
    Fabric f = fabric_.fabric();
    f.local_ports.push_back(LocalPort{port_of(kStorage1Port), "mlx5_0"});
    const auto clash = lay_out_host(f, dir_.path() / "other");
    ASSERT_FALSE(clash);
    EXPECT_EQ(clash.error().code, Errc::invalid_input);
    EXPECT_NE(clash.error().message.find("have the device name mlx5_0"), std::string::npos);
}

TEST_F(SimKernelTest, ALoginCreatesWhatIbSrpCreates) {
    const auto start = clock_.now();
    const LoginRequest r = login_to(1, kStorage1, kStorage1Port);
    const ConnectResult result = connect(r);
    EXPECT_EQ(result.state, ConnectState::connected) << result.message;
    EXPECT_EQ(result.host, "host0");
    const auto all = hosts();
    ASSERT_EQ(all.size(), 1U);
    const host::SrpHost& h = all[0];
    EXPECT_EQ(h.name, "host0");
    EXPECT_EQ(h.id_ext, kStorage1);
    EXPECT_EQ(h.ioc_guid, kStorage1);
    EXPECT_EQ(h.service_id, kStorage1);
    EXPECT_EQ(h.pkey, 0xffff);
    EXPECT_EQ(h.dgid, Gid::from_parts(kPrefix, kStorage1Port));
    EXPECT_EQ(h.orig_dgid, Gid::from_parts(kPrefix, kStorage1Port));
    EXPECT_EQ(h.sgid, Gid::from_parts(kPrefix, kHostPort1));
    EXPECT_EQ(h.local_device, "mlx5_0");
    EXPECT_EQ(h.local_port, 1U);
    EXPECT_EQ(h.tl_retry_count, 7U);
    ASSERT_TRUE(h.remote_port);
    EXPECT_EQ(h.remote_port->name, "port-0:1");
    EXPECT_EQ(h.remote_port->state, "running");
    EXPECT_EQ(h.remote_port->timeouts, model::TmoValues{});
    EXPECT_EQ(h.remote_port->failed_reconnects, 0U);
    EXPECT_EQ(h.remote_port->port_id, "00:02:c9:03:00:b0:00:20:00:02:c9:03:00:b0:00:20");
    EXPECT_EQ(host::find_login(all, r.spec, "mlx5_0", 1), &all[0]);
    // The SCSI scan's LUN 0, identified as a LIO RAM disk.
    ASSERT_EQ(h.devices.size(), 1U);
    EXPECT_EQ(h.devices[0].hctl, "0:0:0:0");
    EXPECT_EQ(h.devices[0].block, "sda");
    EXPECT_EQ(h.devices[0].vendor, "LIO-ORG");
    EXPECT_EQ(h.devices[0].model, "RAMDISK-MCP");
    EXPECT_EQ(h.devices[0].wwid, "naa.6001405300b000200002c90300b00020");
    EXPECT_EQ(host::Sysfs(root_).read("class/scsi_device/0:0:0:0/device/vendor").value(),
              "LIO-ORG ");
    EXPECT_EQ(host::Sysfs(root_).read("class/scsi_device/0:0:0:0/device/model").value(),
              "RAMDISK-MCP     ");
    EXPECT_EQ(take_events(start), (std::vector<std::string>{"add scsi_host host0 @0",
                                                            "add srp_remote_ports port-0:1 @0"}));
    // Host numbers count up.
    EXPECT_EQ(connect(login_to(1, kStorage2, kStorage2Port)).host, "host1");
    EXPECT_EQ(kernel().stats().hosts_added, 2U);
}

TEST_F(SimKernelTest, HostNumbersStartPastTheTreesHosts) {
    std::filesystem::create_directories(root_ / "class/scsi_host/host4");
    EXPECT_EQ(connect(login_to(1, kStorage1, kStorage1Port)).host, "host5");
}

TEST_F(SimKernelTest, DisksTakeTheLowestFreeName) {
    std::filesystem::create_directories(root_ / "class/scsi_device/9:0:0:0/device/block/sda");
    std::filesystem::create_directories(root_ / "class/scsi_device/9:0:0:1/device/block/sdc");
    // The kernel (made at the first login) finds sda and sdc taken.
    ASSERT_EQ(connect(login_to(1, kStorage1, kStorage1Port)).host, "host0");
    ASSERT_EQ(connect(login_to(1, kStorage2, kStorage2Port)).host, "host1");
    EXPECT_EQ(find("host0")->devices.at(0).block, "sdb");
    EXPECT_EQ(find("host1")->devices.at(0).block, "sdd");
}

TEST_F(SimKernelTest, ABadLineIsEinvalAndCreatesNothing) {
    LoginRequest r = login_to(1, kStorage1, kStorage1Port);
    r.line = "id_ext=0002c90300b00020,ioc_guid=0002c90300b00020,pkey=ffff";  // no dgid
    const ConnectResult result = connect(r);
    EXPECT_EQ(result.state, ConnectState::failed);
    EXPECT_EQ(result.error, EINVAL);
    EXPECT_TRUE(hosts().empty());
    EXPECT_TRUE(events_.empty());
    EXPECT_EQ(kernel().stats().logins_refused, 1U);
}

TEST_F(SimKernelTest, ASecondLoginWithTheSameInitiatorExtIsEexist) {
    const LoginRequest r = login_to(1, kStorage1, kStorage1Port);
    ASSERT_EQ(connect(r).state, ConnectState::connected);
    const ConnectResult again = connect(r);
    EXPECT_EQ(again.state, ConnectState::already_connected);
    EXPECT_EQ(again.error, EEXIST);
    EXPECT_EQ(again.host, "host0");
    // Another P_Key or service ID is still the same (id_ext, ioc_guid, initiator_ext).
    EXPECT_EQ(connect(login_to(1, kStorage1, kStorage1Port, 0x8001)).error, EEXIST);
    // Another initiator_ext, or the other local port, is a login of its own. (sysfs does not
    // show initiator_ext: HostActions' result may name the first host of the target.)
    EXPECT_EQ(connect(login_to(1, kStorage1, kStorage1Port, 0xffff, 1)).state,
              ConnectState::connected);
    EXPECT_EQ(connect(login_to(2, kStorage1, kStorage1Port)).host, "host2");
    const auto all = hosts();
    ASSERT_EQ(all.size(), 3U);
    EXPECT_EQ(all[1].name, "host1");
    EXPECT_EQ(all[1].local_port, 1U);
    EXPECT_EQ(all[1].id_ext, kStorage1);
}

TEST_F(SimKernelTest, AnUnreachableTargetIsEtimedout) {
    // Not sharing the P_Key: storage1 is not in partition 0x0001.
    EXPECT_EQ(connect(login_to(1, kStorage1, kStorage1Port, 0x8001)).error, ETIMEDOUT);
    // A P_Key the local port does not have: mlx5_0:2 is only in the default partition.
    EXPECT_EQ(connect(login_to(2, kStorage1, kStorage1Port, 0x8001)).error, ETIMEDOUT);
    // A DGID no port has.
    EXPECT_EQ(connect(login_to(1, kStorage1, 0x0002c90300dead00ULL)).error, ETIMEDOUT);
    // The target port down.
    apply(PortDown{port_of(kStorage1Port)});
    EXPECT_EQ(connect(login_to(1, kStorage1, kStorage1Port)).error, ETIMEDOUT);
    apply(PortUp{port_of(kStorage1Port)});
    // The local port down.
    apply(PortDown{port_of(kHostPort2)});
    EXPECT_EQ(connect(login_to(2, kStorage1, kStorage1Port)).error, ETIMEDOUT);
    EXPECT_EQ(connect(login_to(1, kStorage1, kStorage1Port)).state, ConnectState::connected);
    EXPECT_EQ(hosts().size(), 1U);
}

TEST_F(SimKernelTest, NoSuchTargetOnThePortIsEconnreset) {
    // A service ID the target does not listen on, an id_ext it does not have.
    LoginRequest r = login_to(1, kStorage1, kStorage1Port);
    r.spec.ib->service_id = 0x1234;
    r.line = login::render(r.spec).value();
    EXPECT_EQ(connect(r).error, ECONNRESET);
    r = login_to(1, kStorage1, kStorage1Port);
    r.spec.id_ext = "0002c90300b00021";
    r.line = login::render(r.spec).value();
    EXPECT_EQ(connect(r).error, ECONNRESET);
    // The target stopped on a port that stays up.
    apply(TargetChange{port_of(kStorage1Port), false, std::nullopt});
    EXPECT_EQ(connect(login_to(1, kStorage1, kStorage1Port)).error, ECONNRESET);
    apply(TargetChange{port_of(kStorage1Port), true, std::nullopt});
    EXPECT_EQ(connect(login_to(1, kStorage1, kStorage1Port)).state, ConnectState::connected);
    // RDMA/CM: the simulated fabric has no IP addresses.
    LoginRequest rdma;
    rdma.device = "mlx5_0";
    rdma.port = 1;
    rdma.spec.id_ext = "1";
    rdma.spec.ioc_guid = 1;
    rdma.spec.rdma = login::RdmaCmAddress{"192.168.1.1:5555", std::nullopt};
    rdma.line = login::render(rdma.spec).value();
    EXPECT_EQ(connect(rdma).error, ENXIO);
}

TEST_F(SimKernelTest, TheTargetsAclDecidesAndChangesAtRunTime) {
    const auto start = clock_.now();
    // storage2 admits mlx5_0:1 with initiator_ext 0 only.
    EXPECT_EQ(connect(login_to(1, kStorage2, kStorage2Port)).host, "host0");
    EXPECT_EQ(connect(login_to(2, kStorage2, kStorage2Port)).error, ECONNRESET);
    EXPECT_EQ(connect(login_to(1, kStorage2, kStorage2Port, 0xffff, 7)).error, ECONNRESET);
    // The ACL gets the port ID ib_srp sends for initiator_ext 7.
    AclEntry seven;
    seven.id = model::initiator_port_id(7, kHostPort1);
    apply(AclChange{port_of(kStorage2Port), true, false, {seven}});
    EXPECT_EQ(connect(login_to(1, kStorage2, kStorage2Port, 0xffff, 7)).state,
              ConnectState::connected);
    ASSERT_NE(find("host1"), nullptr);
    // A GUID entry admits the port whatever its initiator_ext (LIO on a GUID-named port).
    AclEntry port2;
    port2.kind = AclEntry::Kind::port_guid;
    port2.guid = kHostPort2;
    apply(AclChange{port_of(kStorage2Port), true, false, {port2}});
    EXPECT_EQ(connect(login_to(2, kStorage2, kStorage2Port, 0xffff, 9)).host, "host2");
    take_events(start);
    // Denied again: that session ends (the target closes it) and its port goes blocked.
    const auto denied = clock_.now();
    apply(AclChange{port_of(kStorage2Port), false, false, {seven}});
    EXPECT_EQ(find("host0")->state(), "running");
    EXPECT_EQ(find("host1")->state(), "blocked");
    EXPECT_EQ(find("host2")->state(), "running");
    loop_.run_until([this] { return !events_.empty(); });
    EXPECT_EQ(take_events(denied),
              std::vector<std::string>{"state srp_remote_ports port-1:1 blocked @0"});
    // Open to all.
    apply(AclChange{port_of(kStorage2Port), true, true, {}});
    EXPECT_EQ(connect(login_to(2, kStorage2, kStorage2Port)).state, ConnectState::connected);
}

TEST_F(SimKernelTest, ALoginCanVanishRightAfterTheWrite) {
    const auto start = clock_.now();
    fabric_.fabric().port(port_of(kStorage1Port)).login.vanish = 1;
    const ConnectResult result = connect(login_to(1, kStorage1, kStorage1Port));
    EXPECT_EQ(result.state, ConnectState::vanished) << result.message;
    EXPECT_TRUE(hosts().empty());
    EXPECT_EQ(take_events(start),
              (std::vector<std::string>{
                  "add scsi_host host0 @0", "add srp_remote_ports port-0:1 @0",
                  "remove srp_remote_ports port-0:1 @0", "remove scsi_host host0 @0"}));
    // Only the next login vanished.
    EXPECT_EQ(connect(login_to(1, kStorage1, kStorage1Port)).host, "host1");
    EXPECT_EQ(kernel().stats().vanished, 1U);
}

TEST_F(SimKernelTest, ABlockedWriteTimesOutAndReturnsLater) {
    action_options_.write_timeout = 60s;
    fabric_.fabric().port(port_of(kStorage1Port)).login.delay = 90s;
    const auto start = clock_.now();
    const ConnectResult result = connect(login_to(1, kStorage1, kStorage1Port));
    EXPECT_EQ(result.state, ConnectState::timed_out) << result.message;
    EXPECT_EQ(clock_.now() - start, runtime::Duration(60s));
    EXPECT_TRUE(hosts().empty());
    // The kernel returns at 90 s: the late return is reported and the host is there.
    std::optional<std::error_code> late;
    loop_.hold();  // the pool holds the loop only until `done`
    actions().set_late_handler([this, &late](const std::string&, std::error_code e) {
        late = e;
        loop_.release();
    });
    loop_.run_until([&late] { return late.has_value(); });
    ASSERT_TRUE(late);
    EXPECT_FALSE(*late);
    EXPECT_EQ(pool_.stats().late_returns, 1U);
    ASSERT_EQ(hosts().size(), 1U);
    EXPECT_EQ(take_events(start)[0], "add scsi_host host0 @90000");
}

TEST_F(SimKernelTest, AnUnreachableTargetCanBlockTheWrite) {
    kernel_options_.unreachable_delay = 30s;
    apply(PortDown{port_of(kStorage1Port)});
    const auto start = clock_.now();
    EXPECT_EQ(connect(login_to(1, kStorage1, kStorage1Port)).error, ETIMEDOUT);
    EXPECT_EQ(clock_.now() - start, runtime::Duration(30s));
}

TEST_F(SimKernelTest, LoginsOnOnePortWaitForEachOther) {
    // ib_srp's add_target_mutex: a second login on the port is decided after the first.
    fabric_.fabric().port(port_of(kStorage1Port)).login.delay = 10s;
    const auto start = clock_.now();
    std::optional<ConnectResult> first;
    actions().connect(login_to(1, kStorage1, kStorage1Port),
                      [&first](ConnectResult c) { first = std::move(c); });
    // Written from another pool lane at the same time (a daemon keeps one lane per port).
    std::optional<std::error_code> second;
    auto writer = kernel().writer();
    auto result = std::make_shared<std::error_code>();
    pool_.submit(
        "other",
        [writer, result, line = login_to(1, kStorage1, kStorage1Port, 0xffff, 1).line] {
            *result = writer->write(host::add_target_path("mlx5_0", 1), line);
        },
        60s,
        [&second, result](bool in_time) {
            second = in_time ? *result : std::make_error_code(std::errc::timed_out);
        });
    loop_.run_until([&] { return first.has_value() && second.has_value(); });
    EXPECT_EQ(first->state, ConnectState::connected) << first->message;
    EXPECT_FALSE(*second);
    EXPECT_EQ(take_events(start), (std::vector<std::string>{
                                      "add scsi_host host0 @10000",
                                      "add srp_remote_ports port-0:1 @10000",
                                      "add scsi_host host1 @20000",
                                      "add srp_remote_ports port-1:1 @20000",
                                  }));
}

TEST_F(SimKernelTest, DeleteRemovesTheHostAndItsRemotePort) {
    ASSERT_EQ(connect(login_to(1, kStorage1, kStorage1Port)).host, "host0");
    events_.clear();
    const auto start = clock_.now();
    std::optional<Result<bool>> gone;
    actions().disconnect(*find("host0"), [&gone](Result<bool> r) { gone = std::move(r); });
    loop_.run_until([&gone] { return gone.has_value(); });
    ASSERT_TRUE(*gone);
    EXPECT_TRUE(**gone);
    EXPECT_TRUE(hosts().empty());
    EXPECT_FALSE(fs::exists(root_ / "class/srp_remote_ports/port-0:1"));
    EXPECT_FALSE(fs::exists(root_ / "class/scsi_device/0:0:0:0"));
    EXPECT_EQ(take_events(start),
              (std::vector<std::string>{"remove srp_remote_ports port-0:1 @1000",
                                        "remove scsi_host host0 @1000"}));
    EXPECT_EQ(raw_write("class/srp_remote_ports/port-0:1/delete", "1").value(), ENOENT);
}

TEST_F(SimKernelTest, TimeoutWritesFollowTheKernelsRules) {
    ASSERT_EQ(connect(login_to(1, kStorage1, kStorage1Port)).host, "host0");
    model::RemotePortTimeouts wanted;
    wanted.fast_io_fail_tmo = 5;
    wanted.dev_loss_tmo = 10;
    wanted.reconnect_delay = 2;
    set_timeouts("host0", wanted);
    EXPECT_EQ(find("host0")->remote_port->timeouts, (model::TmoValues{5, 10, 2}));
    const std::string dir = "class/srp_remote_ports/port-0:1/";
    // srp_tmo_valid(): fast_io_fail_tmo must stay below dev_loss_tmo; reconnect_delay not 0.
    EXPECT_EQ(raw_write(dir + "dev_loss_tmo", "5").value(), EINVAL);
    EXPECT_EQ(raw_write(dir + "fast_io_fail_tmo", "601").value(), EINVAL);
    EXPECT_EQ(raw_write(dir + "reconnect_delay", "0").value(), EINVAL);
    EXPECT_EQ(raw_write(dir + "dev_loss_tmo", "ten").value(), EINVAL);
    EXPECT_EQ(find("host0")->remote_port->timeouts, (model::TmoValues{5, 10, 2}));
    // What the kernel's parser takes: "off", a newline, hex.
    EXPECT_FALSE(raw_write(dir + "fast_io_fail_tmo", "off"));
    EXPECT_FALSE(raw_write(dir + "dev_loss_tmo", "0x14\n"));
    EXPECT_EQ(find("host0")->remote_port->timeouts, (model::TmoValues{model::kTmoOff, 20, 2}));
    // Attributes without a store method, and ones that do not exist.
    EXPECT_EQ(raw_write(dir + "state", "running").value(), EACCES);
    EXPECT_EQ(raw_write(dir + "nonsense", "1").value(), ENOENT);
    EXPECT_EQ(raw_write("class/scsi_host/host0/id_ext", "1").value(), EACCES);
    // The module parameters new remote ports start with.
    EXPECT_EQ(raw_write("module/ib_srp/parameters/dev_loss_tmo", "10").value(), EINVAL);
    EXPECT_FALSE(raw_write("module/ib_srp/parameters/dev_loss_tmo", "60"));
    EXPECT_EQ(raw_write("module/ib_srp/parameters/use_imm_data", "N").value(), EACCES);
    EXPECT_EQ(connect(login_to(1, kStorage2, kStorage2Port)).host, "host1");
    EXPECT_EQ(find("host1")->remote_port->timeouts, (model::TmoValues{15, 60, 10}));
}

TEST_F(SimKernelTest, RecoveryGoesBlockedFailFastLostRemoved) {
    ASSERT_EQ(connect(login_to(1, kStorage1, kStorage1Port)).host, "host0");
    model::RemotePortTimeouts wanted;
    wanted.fast_io_fail_tmo = 5;
    wanted.dev_loss_tmo = 20;
    wanted.reconnect_delay = 3;
    set_timeouts("host0", wanted);
    events_.clear();
    const auto t0 = clock_.now();
    apply(PortDown{port_of(kStorage1Port)});
    EXPECT_EQ(find("host0")->state(), "blocked");
    run_to(t0 + 4s);
    EXPECT_EQ(find("host0")->state(), "blocked");
    EXPECT_EQ(find("host0")->remote_port->failed_reconnects, 1U);
    run_to(t0 + 19500ms);
    EXPECT_EQ(find("host0")->state(), "fail-fast");
    EXPECT_EQ(find("host0")->remote_port->failed_reconnects, 6U);  // at 3, 6, ... 18 s
    run_to(t0 + 20500ms);
    ASSERT_NE(find("host0"), nullptr);
    EXPECT_EQ(find("host0")->state(), "lost");
    EXPECT_TRUE(find("host0")->going_away());
    run_to(t0 + 22s);
    EXPECT_TRUE(hosts().empty());
    EXPECT_EQ(take_events(t0), (std::vector<std::string>{
                                   "state srp_remote_ports port-0:1 blocked @0",
                                   "state srp_remote_ports port-0:1 fail-fast @5000",
                                   "state srp_remote_ports port-0:1 lost @20000",
                                   "remove srp_remote_ports port-0:1 @21000",
                                   "remove scsi_host host0 @21000",
                               }));
    EXPECT_EQ(kernel().stats().failed_reconnects, 6U);
}

TEST_F(SimKernelTest, ATargetBackWithinDevLossTmoRunsAgainByItself) {
    ASSERT_EQ(connect(login_to(1, kStorage1, kStorage1Port)).host, "host0");
    model::RemotePortTimeouts wanted;
    wanted.fast_io_fail_tmo = 5;
    wanted.dev_loss_tmo = 20;
    wanted.reconnect_delay = 3;
    set_timeouts("host0", wanted);
    events_.clear();
    const auto t0 = clock_.now();
    apply(TargetChange{port_of(kStorage1Port), false, std::nullopt});
    fabric_.schedule_after(7s, TargetChange{port_of(kStorage1Port), true, std::nullopt});
    run_to(t0 + 8s);
    EXPECT_EQ(find("host0")->state(), "fail-fast");
    EXPECT_EQ(find("host0")->remote_port->failed_reconnects, 2U);
    run_to(t0 + 100s);  // past dev_loss_tmo
    const auto all = hosts();
    ASSERT_EQ(all.size(), 1U);
    EXPECT_EQ(all[0].name, "host0");
    EXPECT_EQ(all[0].state(), "running");
    EXPECT_EQ(all[0].remote_port->failed_reconnects, 0U);  // srp_reconnect_rport() resets it
    EXPECT_EQ(take_events(t0), (std::vector<std::string>{
                                   "state srp_remote_ports port-0:1 blocked @0",
                                   "state srp_remote_ports port-0:1 fail-fast @5000",
                                   "state srp_remote_ports port-0:1 running @9000",
                               }));
    EXPECT_EQ(kernel().stats().reconnects, 1U);
}

TEST_F(SimKernelTest, DevLossTmoOffNeverRemoves) {
    ASSERT_EQ(connect(login_to(1, kStorage1, kStorage1Port)).host, "host0");
    model::RemotePortTimeouts wanted;
    wanted.fast_io_fail_tmo = 5;
    wanted.dev_loss_tmo = model::kTmoOff;
    set_timeouts("host0", wanted);
    const auto t0 = clock_.now();
    apply(PortDown{port_of(kStorage1Port)});
    run_to(t0 + 10000s);
    const host::SrpHost* h = find("host0");
    ASSERT_NE(h, nullptr);
    EXPECT_EQ(h->state(), "fail-fast");
    // Every 10 s for ten attempts, then 10 s times (failures - 10), up to 1000 s apart.
    EXPECT_GT(h->remote_port->failed_reconnects, 20U);
    EXPECT_LT(h->remote_port->failed_reconnects, 60U);
}

TEST_F(SimKernelTest, ALocalPortDownBlocksTheLoginsOnIt) {
    ASSERT_EQ(connect(login_to(1, kStorage1, kStorage1Port)).host, "host0");
    ASSERT_EQ(connect(login_to(2, kStorage1, kStorage1Port)).host, "host1");
    apply(PortDown{port_of(kHostPort2)});
    EXPECT_EQ(find("host0")->state(), "running");
    EXPECT_EQ(find("host1")->state(), "blocked");
    // The port's files follow the fabric.
    const host::Sysfs sysfs(root_);
    EXPECT_EQ(host::read_local_port(sysfs, "mlx5_0", 2)->attributes.state, model::PortState::down);
    EXPECT_EQ(sysfs.read("class/infiniband/mlx5_0/ports/2/phys_state").value(), "2: Polling");
    apply(PKeyTableChange{port_of(kHostPort1), {0xffff, 0x8002, 0x8001}});
    EXPECT_EQ(host::read_local_port(sysfs, "mlx5_0", 1)->attributes.pkeys,
              (std::vector<PKey>{0xffff, 0x8002, 0x8001}));
    apply(PortUp{port_of(kHostPort2)});
    run_to(clock_.now() + 11s);  // the next reconnect, reconnect_delay 10 s later
    EXPECT_EQ(find("host1")->state(), "running");
    EXPECT_EQ(host::read_local_port(sysfs, "mlx5_0", 2)->attributes.state,
              model::PortState::active);
}

TEST_F(SimKernelTest, ALostHostBeingRemovedStillMakesEexist) {
    kernel_options_.removal_delay = 5s;
    const LoginRequest r = login_to(1, kStorage1, kStorage1Port);
    ASSERT_EQ(connect(r).host, "host0");
    model::RemotePortTimeouts wanted;
    wanted.fast_io_fail_tmo = 1;
    wanted.dev_loss_tmo = 2;
    set_timeouts("host0", wanted);
    const auto t0 = clock_.now();
    apply(PortDown{port_of(kStorage1Port)});
    fabric_.schedule_after(3s, PortUp{port_of(kStorage1Port)});
    run_to(t0 + 3s);
    EXPECT_EQ(find("host0")->state(), "lost");
    // srpadm does not count a lost host as connected, but the kernel's list still has it.
    const auto all = hosts();
    EXPECT_EQ(host::find_login(all, r.spec, "mlx5_0", 1), nullptr);
    const ConnectResult refused = connect(r);
    EXPECT_EQ(refused.state, ConnectState::already_connected);
    EXPECT_EQ(refused.error, EEXIST);
    EXPECT_EQ(refused.host, "host0");
    run_to(t0 + 7s);  // removed at 2 + 5 s
    EXPECT_TRUE(hosts().empty());
    EXPECT_EQ(connect(r).host, "host1");
}

TEST_F(SimKernelTest, WritesOnceTheKernelIsGoneAreEnodev) {
    auto writer = kernel().writer();
    kernel_.reset();
    EXPECT_EQ(writer->write(host::add_target_path("mlx5_0", 1), "id_ext=1").value(), ENODEV);
}

TEST_F(SimKernelTest, AWriteFromTheLoopThreadIsRefusedNotDeadlocked) {
    EXPECT_EQ(kernel().writer()->write(host::add_target_path("mlx5_0", 1), "x").value(), EDEADLK);
    // The loop's own form of the write.
    std::optional<std::error_code> got;
    kernel().write(host::add_target_path("mlx5_0", 1), login_to(1, kStorage1, kStorage1Port).line,
                   [&got](std::error_code e) { got = e; });
    ASSERT_TRUE(got);
    EXPECT_FALSE(*got);
    EXPECT_EQ(hosts().size(), 1U);
}

}  // namespace
}  // namespace srpadm::sim
