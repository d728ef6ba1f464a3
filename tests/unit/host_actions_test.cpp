// Logins, timeouts and logouts through a fake writer that records every write and answers
// with chosen errnos; sysfs is a copy of the fixture tree that the fake changes as the kernel
// would (a new SCSI host after a login, a removed one after a delete).
#include <cerrno>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <optional>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <srpadm/host/actions.hpp>
#include <srpadm/runtime/blocking_pool.hpp>
#include <srpadm/runtime/clock.hpp>
#include <srpadm/runtime/event_loop.hpp>

#include "host_fixture.hpp"

namespace srpadm::host {
namespace {

namespace fs = std::filesystem;

class FakeWriter final : public SysfsWriter {
  public:
    struct Call {
        std::string path;
        std::string data;
        friend bool operator==(const Call&, const Call&) = default;
    };
    using Answer = std::function<std::error_code(const std::string&, const std::string&)>;

    std::error_code write(const std::string& path, const std::string& data) override {
        Answer answer;
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            calls_.push_back({path, data});
            answer = answer_;
        }
        return answer ? answer(path, data) : std::error_code{};
    }
    void answer(Answer a) {
        const std::lock_guard<std::mutex> lock(mutex_);
        answer_ = std::move(a);
    }
    std::vector<Call> calls() const {
        const std::lock_guard<std::mutex> lock(mutex_);
        return calls_;
    }

  private:
    mutable std::mutex mutex_;
    std::vector<Call> calls_;
    Answer answer_;
};

void put(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
}

// What ib_srp shows for a new IB/CM login: class/scsi_host/host<H> and its remote port.
void make_host(const fs::path& root, unsigned h, const std::string& device, unsigned port,
               std::uint64_t id, const std::optional<Gid>& dgid, PKey pkey) {
    const fs::path d = root / "class/scsi_host" / ("host" + std::to_string(h));
    put(d / "proc_name", "ib_srp\n");
    put(d / "id_ext", fmt::format("0x{:016x}\n", id));
    put(d / "ioc_guid", fmt::format("0x{:016x}\n", id));
    if (dgid) {
        put(d / "service_id", fmt::format("0x{:016x}\n", id));
        put(d / "pkey", fmt::format("0x{:04x}\n", pkey));
        put(d / "dgid", dgid->colon_groups() + "\n");
        put(d / "orig_dgid", dgid->colon_groups() + "\n");
    }
    put(d / "local_ib_device", device + "\n");
    put(d / "local_ib_port", std::to_string(port) + "\n");
    const fs::path r = root / "class/srp_remote_ports" / fmt::format("port-{}:1", h);
    put(r / "state", "running\n");
    put(r / "fast_io_fail_tmo", "15\n");
    put(r / "dev_loss_tmo", "600\n");
    put(r / "reconnect_delay", "10\n");
    put(r / "delete", "");
}

constexpr std::uint64_t kTgtB = 0x0002c90300e00010ULL;
const Gid kTgtBGid = Gid::from_parts(0xfe80000000000000ULL, 0x0002c90300e00011ULL);

LoginRequest tgt_b_login(PKey pkey = 0xffff) {
    LoginRequest r;
    r.device = "mlx5_1";
    r.port = 1;
    r.spec.id_ext = "0002C90300E00010";
    r.spec.ioc_guid = kTgtB;
    r.spec.ib = login::IbCmAddress{kTgtBGid, pkey, kTgtB};
    r.line = login::render(r.spec).value();
    return r;
}

class HostActionsTest : public ::testing::Test {
  protected:
    HostActionsTest() {
        options_.write_timeout = std::chrono::milliseconds(200);
        options_.quick_write_timeout = std::chrono::milliseconds(200);
        options_.settle = std::chrono::milliseconds(7);
        options_.disconnect_wait = std::chrono::milliseconds(0);
    }

    // The actions with the options as they are now.
    HostActions& actions() {
        actions_.emplace(loop_, pool_, Sysfs(copy_.root()), writer_, options_);
        return *actions_;
    }
    // Each runs one action on the loop (virtual time) until it is done.
    ConnectResult connect(const LoginRequest& r) {
        std::optional<ConnectResult> got;
        actions().connect(r, [&got](ConnectResult c) { got = std::move(c); });
        loop_.run_until([&got] { return got.has_value(); });
        return got.value();
    }
    Result<std::vector<model::TmoWrite>> set_timeouts(const SrpHost& host,
                                                      const model::RemotePortTimeouts& wanted) {
        std::optional<Result<std::vector<model::TmoWrite>>> got;
        actions().set_timeouts(host, wanted, [&got](auto r) { got = std::move(r); });
        loop_.run_until([&got] { return got.has_value(); });
        return got.value();
    }
    Result<bool> disconnect(const SrpHost& host) {
        std::optional<Result<bool>> got;
        actions().disconnect(host, [&got](Result<bool> r) { got = std::move(r); });
        loop_.run_until([&got] { return got.has_value(); });
        return got.value();
    }
    // Virtual time since `since`.
    runtime::Duration since(runtime::TimePoint since) const { return clock_.now() - since; }
    const fs::path& root() const { return copy_.root(); }

    testing::FixtureCopy copy_{"host1"};
    std::shared_ptr<FakeWriter> writer_ = std::make_shared<FakeWriter>();
    ActionOptions options_;
    runtime::VirtualClock clock_;
    runtime::EventLoop loop_{clock_};
    runtime::BlockingPool pool_{loop_, 4};
    std::optional<HostActions> actions_;  // after the pool: gone before the pool joins
};

TEST_F(HostActionsTest, ConnectedAfterTheWriteAndTheRecheck) {
    writer_->answer([this](const std::string&, const std::string&) {
        make_host(root(), 13, "mlx5_1", 1, kTgtB, kTgtBGid, 0xffff);
        return std::error_code{};
    });
    const LoginRequest r = tgt_b_login();
    const auto start = clock_.now();
    const ConnectResult result = connect(r);
    EXPECT_EQ(result.state, ConnectState::connected);
    EXPECT_EQ(result.host, "host13");
    EXPECT_EQ(result.message,
              "id_ext=0002C90300E00010,ioc_guid=0002c90300e00010 (dgid "
              "fe800000000000000002c90300e00011, pkey ffff) on mlx5_1:1: connected as host13");
    EXPECT_EQ(
        writer_->calls(),
        (std::vector<FakeWriter::Call>{{"class/infiniband_srp/srp-mlx5_1-1/add_target", r.line}}));
    EXPECT_EQ(since(start), runtime::Duration(std::chrono::milliseconds(7)));  // the settle pause
}

TEST_F(HostActionsTest, SuccessfulWriteButTheHostVanished) {
    // The kernel returns success even when the SCSI scan fails and it removes the host.
    const ConnectResult none = connect(tgt_b_login());
    EXPECT_EQ(none.state, ConnectState::vanished);
    EXPECT_NE(none.message.find("the kernel accepted the login but no SCSI host for it is left"),
              std::string::npos);
    // Or the host is there right after the write and gone at the re-check.
    writer_->answer([this](const std::string&, const std::string&) {
        make_host(root(), 13, "mlx5_1", 1, kTgtB, kTgtBGid, 0xffff);
        return std::error_code{};
    });
    loop_.after(std::chrono::milliseconds(1),  // during the settle pause
                [this] { fs::remove_all(root() / "class/scsi_host/host13"); });
    EXPECT_EQ(connect(tgt_b_login()).state, ConnectState::vanished);
}

TEST_F(HostActionsTest, LostHostAfterTheWriteIsNotAConnection) {
    writer_->answer([this](const std::string&, const std::string&) {
        make_host(root(), 13, "mlx5_1", 1, kTgtB, kTgtBGid, 0xffff);
        put(root() / "class/srp_remote_ports/port-13:1/state", "lost\n");
        return std::error_code{};
    });
    EXPECT_EQ(connect(tgt_b_login()).state, ConnectState::vanished);
}

TEST_F(HostActionsTest, MaxItIuSizeRefusedIsWrittenAgainWithout) {
    // A kernel with immediate data but without the max_it_iu_size option.
    writer_->answer([this](const std::string&, const std::string& data) {
        if (data.find("max_it_iu_size=") != std::string::npos) {
            return std::error_code(EINVAL, std::generic_category());
        }
        make_host(root(), 13, "mlx5_1", 1, kTgtB, kTgtBGid, 0xffff);
        return std::error_code{};
    });
    LoginRequest r = tgt_b_login();
    r.fallback_line = r.line;
    r.spec.options.push_back({login::Key::max_it_iu_size, "4096"});
    r.line = login::render(r.spec).value();
    const ConnectResult result = connect(r);
    EXPECT_EQ(result.state, ConnectState::connected);
    EXPECT_EQ(result.host, "host13");
    EXPECT_EQ(result.message,
              "id_ext=0002C90300E00010,ioc_guid=0002c90300e00010 (dgid "
              "fe800000000000000002c90300e00011, pkey ffff) on mlx5_1:1: connected as host13 "
              "(written without max_it_iu_size=4096: the kernel refused the line with it "
              "(EINVAL); ib_srp knows the option from about Linux 5.5, and with its immediate "
              "data on, a target that cannot take large requests may refuse the login)");
    const std::string path = "class/infiniband_srp/srp-mlx5_1-1/add_target";
    EXPECT_EQ(writer_->calls(),
              (std::vector<FakeWriter::Call>{{path, r.line}, {path, r.fallback_line}}));
}

TEST_F(HostActionsTest, OnlyEinvalWithAFallbackIsWrittenAgain) {
    LoginRequest r = tgt_b_login();
    r.fallback_line = r.line;
    r.spec.options.push_back({login::Key::max_it_iu_size, "4096"});
    r.line = login::render(r.spec).value();
    // EINVAL both times: the line is bad for another reason; reported once, from the second.
    writer_->answer([](const std::string&, const std::string&) {
        return std::error_code(EINVAL, std::generic_category());
    });
    ConnectResult result = connect(r);
    EXPECT_EQ(result.state, ConnectState::failed);
    EXPECT_EQ(result.error, EINVAL);
    EXPECT_EQ(writer_->calls().size(), 2U);
    // Another errno is the target's answer, not the option's: no second write.
    writer_->answer([](const std::string&, const std::string&) {
        return std::error_code(ECONNRESET, std::generic_category());
    });
    result = connect(r);
    EXPECT_EQ(result.error, ECONNRESET);
    EXPECT_EQ(writer_->calls().size(), 3U);
    // No fallback line (a login the user gave whole): EINVAL is final.
    writer_->answer([](const std::string&, const std::string&) {
        return std::error_code(EINVAL, std::generic_category());
    });
    r.fallback_line.clear();
    result = connect(r);
    EXPECT_EQ(result.error, EINVAL);
    EXPECT_EQ(writer_->calls().size(), 4U);
}

TEST_F(HostActionsTest, EexistIsAlreadyConnected) {
    writer_->answer([](const std::string&, const std::string&) {
        return std::error_code(EEXIST, std::generic_category());
    });
    // tgt-c on P_Key ffff: host9 holds the 8001 path with the same (default) initiator_ext.
    LoginRequest r;
    r.device = "mlx5_1";
    r.port = 1;
    r.spec.id_ext = "0002C90300F00010";
    r.spec.ioc_guid = 0x0002c90300f00010ULL;
    r.spec.ib = login::IbCmAddress{Gid::from_parts(0xfe80000000000000ULL, 0x0002c90300f00011ULL),
                                   0xffff, 0x0002c90300f00010ULL};
    r.line = login::render(r.spec).value();
    const auto start = clock_.now();
    const ConnectResult result = connect(r);
    EXPECT_EQ(result.state, ConnectState::already_connected);
    EXPECT_EQ(result.error, EEXIST);
    EXPECT_EQ(result.host, "host9");
    EXPECT_EQ(result.message,
              "id_ext=0002C90300F00010,ioc_guid=0002c90300f00010 (dgid "
              "fe800000000000000002c90300f00011, pkey ffff) on mlx5_1:1: already connected: the "
              "kernel has a login to this target from this port with the same initiator_ext "
              "(host9 (dgid fe800000000000000002c90300f00011, pkey 8001, fail-fast); a login per "
              "target port needs its own initiator_ext, e.g. --initiator-ext port-guid)");
    EXPECT_EQ(since(start), runtime::Duration(0));  // no settle pause after a refusal
}

struct ErrnoCase {
    int error;
    std::string text;
};

TEST_F(HostActionsTest, EveryErrnoReportedWithTheTargetAndTheKernelsMeaning) {
    const std::vector<ErrnoCase> cases = {
        {EINVAL,
         "EINVAL: the kernel refused the login string: an unknown option or one without "
         "a value, a bad value, or a missing mandatory option (an older kernel may not "
         "know one of the options)"},
        {ENODEV,
         "ENODEV: the login failed inside ib_srp (a connection status it does not map, "
         "or the SCSI host could not be added)"},
        {ECONNRESET,
         "ECONNRESET: the target rejected the login (SRP_LOGIN_REJ, e.g. no ACL for "
         "this initiator port ID: see 'srpadm initiator-id'), or the CM request "
         "timed out or met a stale connection"},
        {EHOSTUNREACH, "EHOSTUNREACH: RDMA/CM found no route to the destination"},
        {ENXIO, "ENXIO: RDMA/CM could not resolve the destination address"},
        {EINTR, "EINTR: interrupted while waiting for another login on this port to finish"},
        {ENOMEM, "ENOMEM: the kernel ran out of memory"},
        {ENOENT, "ENOENT: no such add_target attribute (is ib_srp loaded?)"},
        {EACCES, "EACCES: permission denied (writing add_target needs root)"},
        {ETIMEDOUT,
         "ETIMEDOUT: Connection timed out (from the path record query or the GID "
         "lookup: is the target port reachable from this port on this P_Key?)"},
    };
    for (const ErrnoCase& c : cases) {
        writer_->answer([&c](const std::string&, const std::string&) {
            return std::error_code(c.error, std::generic_category());
        });
        const ConnectResult result = connect(tgt_b_login());
        EXPECT_EQ(result.state, ConnectState::failed) << c.text;
        EXPECT_EQ(result.error, c.error);
        EXPECT_EQ(result.message,
                  "id_ext=0002C90300E00010,ioc_guid=0002c90300e00010 (dgid "
                  "fe800000000000000002c90300e00011, pkey ffff) on mlx5_1:1: " +
                      c.text);
    }
}

TEST_F(HostActionsTest, AWriteThatNeverReturnsTimesOutAndIsJoinedWhenItReturns) {
    std::mutex mutex;
    std::condition_variable cv;
    bool release = false;
    writer_->answer([&](const std::string&, const std::string&) {
        std::unique_lock<std::mutex> lock(mutex);
        cv.wait(lock, [&] { return release; });
        return std::error_code(ECONNRESET, std::generic_category());
    });
    const ConnectResult result = connect(tgt_b_login());
    EXPECT_EQ(result.state, ConnectState::timed_out);
    EXPECT_NE(result.message.find("add_target did not return within 200 ms"), std::string::npos);
    EXPECT_EQ(pool_.stats().overdue, 1U);
    // The kernel returns at last: the late answer is reported, the thread is not left behind.
    std::optional<std::pair<std::string, std::error_code>> late;
    loop_.hold();  // the pool holds the loop only until `done`: wait for the late return here
    actions_->set_late_handler([this, &late](const std::string& what, std::error_code e) {
        late.emplace(what, e);
        loop_.release();
    });
    {
        const std::lock_guard<std::mutex> lock(mutex);
        release = true;
    }
    cv.notify_all();
    loop_.run_until([&late] { return late.has_value(); });
    ASSERT_TRUE(late);
    EXPECT_EQ(late->first, "class/infiniband_srp/srp-mlx5_1-1/add_target <- " + tgt_b_login().line);
    EXPECT_EQ(late->second.value(), ECONNRESET);
    EXPECT_EQ(pool_.stats().late_returns, 1U);
    EXPECT_EQ(pool_.stats().running, 0U);
}

TEST_F(HostActionsTest, RdmaCmLoginConfirmedByItsNewHost) {
    LoginRequest r;
    r.device = "rxe0";
    r.port = 1;
    r.spec.id_ext = "525400fffe123456";
    r.spec.ioc_guid = 0x525400fffe123456ULL;
    r.spec.rdma = login::RdmaCmAddress{"192.168.122.1:5555", std::nullopt};
    r.line = login::render(r.spec).value();
    EXPECT_EQ(connect(r).state, ConnectState::vanished);  // host11 was there before
    writer_->answer([this](const std::string&, const std::string&) {
        make_host(root(), 14, "rxe0", 1, 0x525400fffe123456ULL, std::nullopt, 0);
        return std::error_code{};
    });
    const ConnectResult result = connect(r);
    EXPECT_EQ(result.state, ConnectState::connected);
    EXPECT_EQ(result.host, "host14");
}

TEST_F(HostActionsTest, TimeoutsWrittenInAValidOrder) {
    const auto scan = srp_hosts(Sysfs(root())).value();
    model::RemotePortTimeouts wanted;
    wanted.fast_io_fail_tmo = 5;
    wanted.dev_loss_tmo = 10;
    wanted.reconnect_delay = 10;                             // unchanged: not written
    auto writes = set_timeouts(scan.hosts.front(), wanted);  // host7: 15/600/10
    ASSERT_TRUE(writes) << writes.error().message;
    EXPECT_EQ(writer_->calls(), (std::vector<FakeWriter::Call>{
                                    {"class/srp_remote_ports/port-7:1/fast_io_fail_tmo", "5"},
                                    {"class/srp_remote_ports/port-7:1/dev_loss_tmo", "10"}}));
    model::RemotePortTimeouts off;
    off.fast_io_fail_tmo = model::kTmoOff;
    EXPECT_TRUE(set_timeouts(scan.hosts.front(), off));
    EXPECT_EQ(writer_->calls().back(),
              (FakeWriter::Call{"class/srp_remote_ports/port-7:1/fast_io_fail_tmo", "off"}));
}

TEST_F(HostActionsTest, TimeoutRefusals) {
    const auto scan = srp_hosts(Sysfs(root())).value();
    model::RemotePortTimeouts bad;
    bad.dev_loss_tmo = 10;  // with host7's fast_io_fail_tmo 15
    const auto refused = set_timeouts(scan.hosts.front(), bad);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::invalid_input);
    EXPECT_EQ(refused.error().message.substr(0, 22), "host7 (port-7:1): fast");
    EXPECT_TRUE(writer_->calls().empty());
    writer_->answer([](const std::string&, const std::string&) {
        return std::error_code(EINVAL, std::generic_category());
    });
    model::RemotePortTimeouts fine;
    fine.dev_loss_tmo = 60;
    const auto failed = set_timeouts(scan.hosts.front(), fine);
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, Errc::io);
    EXPECT_EQ(failed.error().message,
              "host7 (port-7:1): writing dev_loss_tmo=60 failed: Invalid argument");
}

TEST_F(HostActionsTest, DisconnectWritesDeleteAndWaits) {
    const auto scan = srp_hosts(Sysfs(root())).value();
    const SrpHost& host9 = scan.hosts[2];
    ASSERT_EQ(host9.name, "host9");
    EXPECT_EQ(disconnect(host9).value(), false);  // still there, no wait
    EXPECT_EQ(writer_->calls(),
              (std::vector<FakeWriter::Call>{{"class/srp_remote_ports/port-9:1/delete", "1"}}));
    options_.disconnect_wait = std::chrono::milliseconds(1000);
    options_.poll_interval = std::chrono::milliseconds(100);
    const auto start = clock_.now();
    loop_.after(std::chrono::milliseconds(250),
                [this] { fs::remove_all(root() / "class/scsi_host/host9"); });
    EXPECT_EQ(disconnect(host9).value(), true);
    // Seen gone at the third look after the write (100, 200, 300 ms).
    EXPECT_EQ(since(start), runtime::Duration(std::chrono::milliseconds(300)));
    writer_->answer([](const std::string&, const std::string&) {
        return std::error_code(EACCES, std::generic_category());
    });
    const auto denied = disconnect(scan.hosts[0]);
    ASSERT_FALSE(denied);
    EXPECT_EQ(denied.error().code, Errc::io);
    EXPECT_EQ(denied.error().message, "host7 (port-7:1): writing delete failed: Permission denied");
}

}  // namespace
}  // namespace srpadm::host
