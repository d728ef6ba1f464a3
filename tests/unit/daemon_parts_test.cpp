// The daemon's small parts: the run directory's port locks and exclusions, the check for
// rdma-core's srp_daemon, and the retry policy.
#include <atomic>
#include <cerrno>
#include <chrono>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <random>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <srpadm/daemon/host_platform.hpp>
#include <srpadm/daemon/retry.hpp>
#include <srpadm/ops/run_dir.hpp>

namespace srpadm {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class RunDir : public testing::Test {
  protected:
    RunDir() {
        std::random_device random;
        dir_ = fs::temp_directory_path() / fmt::format("srpadm-rundir-{}-{}", random(), random());
    }
    RunDir(const RunDir&) = delete;
    RunDir& operator=(const RunDir&) = delete;
    RunDir(RunDir&&) = delete;
    RunDir& operator=(RunDir&&) = delete;
    ~RunDir() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    fs::path dir_;
};

TEST_F(RunDir, PortLockExcludesASecondHolderUntilReleased) {
    auto first = ops::PortLock::acquire(dir_, "mlx5_0", 1);
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_TRUE(fs::exists(dir_ / "mlx5_0-1.lock"));
    std::atomic<bool> second_held{false};
    std::thread other([&] {
        auto second = ops::PortLock::acquire(dir_, "mlx5_0", 1);
        ASSERT_TRUE(second);
        second_held = true;
    });
    std::this_thread::sleep_for(100ms);
    EXPECT_FALSE(second_held.load());  // blocked behind the first
    // Another port's lock is independent.
    auto other_port = ops::PortLock::acquire(dir_, "mlx5_0", 2);
    EXPECT_TRUE(other_port);
    { auto released = std::move(*first); }
    other.join();
    EXPECT_TRUE(second_held.load());
}

TEST_F(RunDir, PortLockNamesTheFileItCannotCreate) {
    fs::create_directories(dir_);
    std::ofstream(dir_ / "file") << "x";
    auto lock = ops::PortLock::acquire(dir_ / "file", "mlx5_0", 1);
    ASSERT_FALSE(lock);
    EXPECT_NE(lock.error().message.find((dir_ / "file").string()), std::string::npos)
        << lock.error().message;
}

TEST_F(RunDir, ExclusionsAddRemoveClearAndSkipBadLines) {
    const ops::Exclusions ex(dir_);
    EXPECT_TRUE(ex.load().empty());  // no file yet
    const ops::Exclusion a{"mlx5_0", 1, 0x0002c90300b00020ULL, 0x0002c90300b00020ULL};
    const ops::Exclusion b{"mlx5_0", 2, 0x0002c90300b00020ULL, 0x0002c90300b00020ULL};
    ASSERT_TRUE(ex.add({a, b, a}));
    ASSERT_EQ(ex.load(), (std::vector<ops::Exclusion>{a, b}));
    // A hand-edited line that does not parse is skipped, the others stand.
    {
        std::ofstream out(ex.file(), std::ios::app);
        out << "garbage line\nmlx5_0 x 1 2\n";
    }
    EXPECT_EQ(ex.load().size(), 2U);
    ASSERT_TRUE(ex.remove_target("mlx5_0", 1, a.id_ext, a.ioc_guid));
    EXPECT_EQ(ex.load(), (std::vector<ops::Exclusion>{b}));
    ASSERT_TRUE(ex.clear());
    EXPECT_TRUE(ex.load().empty());
    // Written whole: no temporary file left beside it.
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) {
        ++files;
    }
    EXPECT_LE(files, 1U);
}

TEST_F(RunDir, SrpDaemonHolderFindsTheProcessHoldingItsLock) {
    fs::create_directories(dir_);
    const std::string prefix = (dir_ / "srp_daemon").string();
    EXPECT_FALSE(ops::srp_daemon_holder(prefix, "mlx4_0", 1));  // no file
    const std::string file = prefix + "_mlx4_0_1";
    std::ofstream(file) << "";
    EXPECT_FALSE(ops::srp_daemon_holder(prefix, "mlx4_0", 1));  // nobody holds it
    // A child takes the lock as srp_daemon does (lockf) and waits for us.
    int ready[2];
    int go[2];
    ASSERT_EQ(::pipe(ready), 0);
    ASSERT_EQ(::pipe(go), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        const int fd = ::open(file.c_str(), O_RDWR);
        const bool locked = fd >= 0 && ::lockf(fd, F_TLOCK, 0) == 0;
        char c = locked ? '1' : '0';
        static_cast<void>(::write(ready[1], &c, 1));
        static_cast<void>(::read(go[0], &c, 1));
        ::_exit(0);
    }
    char c = 0;
    ASSERT_EQ(::read(ready[0], &c, 1), 1);
    ASSERT_EQ(c, '1');
    const auto holder = ops::srp_daemon_holder(prefix, "mlx4_0", 1);
    EXPECT_EQ(holder, std::optional<pid_t>(child));
    EXPECT_FALSE(ops::srp_daemon_holder(prefix, "mlx4_0", 2));
    static_cast<void>(::write(go[1], "x", 1));
    int status = 0;
    ::waitpid(child, &status, 0);
    for (int fd : {ready[0], ready[1], go[0], go[1]}) {
        ::close(fd);
    }
    EXPECT_FALSE(ops::srp_daemon_holder(prefix, "mlx4_0", 1));
}

TEST(Retry, DelaysDoubleFromTheFirstUpToTheCapWithinTheJitter) {
    daemon::RetryPolicy policy;
    policy.first = 2s;
    policy.max = 60s;
    policy.jitter = 0.2;
    std::minstd_rand rng(7);
    const double expected[] = {2, 4, 8, 16, 32, 60, 60, 60};
    for (unsigned failures = 1; failures <= 8; ++failures) {
        for (int i = 0; i < 50; ++i) {
            const double d =
                std::chrono::duration<double>(daemon::retry_delay(policy, failures, rng)).count();
            EXPECT_GE(d, expected[failures - 1] * 0.8 - 1e-9) << failures;
            EXPECT_LE(d, expected[failures - 1] * 1.2 + 1e-9) << failures;
        }
    }
    // Huge failure counts do not overflow.
    const double far =
        std::chrono::duration<double>(daemon::retry_delay(policy, 1000, rng)).count();
    EXPECT_LE(far, 72.0);
    EXPECT_GE(far, 48.0);
}

TEST(Retry, VerdictsFollowTheKernelsAnswer) {
    host::ConnectResult r;
    r.state = host::ConnectState::connected;
    EXPECT_EQ(daemon::verdict(r), daemon::Verdict::connected);
    r.state = host::ConnectState::already_connected;
    EXPECT_EQ(daemon::verdict(r), daemon::Verdict::connected);
    r.state = host::ConnectState::failed;
    r.error = EINVAL;
    EXPECT_EQ(daemon::verdict(r), daemon::Verdict::invalid);
    for (int e : {ECONNRESET, ETIMEDOUT, ENODEV, ENOENT, ENXIO}) {
        r.error = e;
        EXPECT_EQ(daemon::verdict(r), daemon::Verdict::retry) << e;
    }
    r.state = host::ConnectState::vanished;
    r.error = 0;
    EXPECT_EQ(daemon::verdict(r), daemon::Verdict::retry);
    r.state = host::ConnectState::timed_out;
    EXPECT_EQ(daemon::verdict(r), daemon::Verdict::retry);
}

host::Uevent uevent(host::UeventAction action, std::string subsystem, std::string sysname) {
    host::Uevent e;
    e.action = action;
    e.subsystem = std::move(subsystem);
    e.sysname = std::move(sysname);
    e.devpath = "/devices/x/" + e.sysname;
    return e;
}

TEST(HostPlatform, UeventsBecomeTheKernelEventsTheDaemonFollows) {
    using K = daemon::KernelEvent::Kind;
    using A = host::UeventAction;
    auto umad = uevent(A::add, "infiniband_mad", "umad0");
    umad.ibdev = "mlx5_0";
    umad.port = 1;
    auto e = daemon::kernel_event_of(umad);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, K::port_added);
    EXPECT_EQ(e->port, (daemon::PortName{"mlx5_0", 1}));
    // On remove the umad device's files are gone: no port, still an event.
    e = daemon::kernel_event_of(uevent(A::remove, "infiniband_mad", "umad0"));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, K::port_removed);
    EXPECT_TRUE(e->port.device.empty());
    auto srp = uevent(A::add, "infiniband_srp", "srp-mlx5_0-1");
    srp.ibdev = "mlx5_0";
    srp.port = 1;
    e = daemon::kernel_event_of(srp);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, K::srp_port_added);
    e = daemon::kernel_event_of(uevent(A::remove, "scsi_host", "host7"));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, K::host_removed);
    EXPECT_EQ(e->host, "host7");
    e = daemon::kernel_event_of(uevent(A::add, "scsi_host", "host8"));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, K::host_added);
    e = daemon::kernel_event_of(uevent(A::remove, "srp_remote_ports", "port-7:1"));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, K::host_removed);
    // Not followed: a remote port's add (its host's add says it), changes, other subsystems.
    EXPECT_FALSE(daemon::kernel_event_of(uevent(A::add, "srp_remote_ports", "port-7:1")));
    EXPECT_FALSE(daemon::kernel_event_of(uevent(A::change, "scsi_host", "host7")));
    EXPECT_FALSE(daemon::kernel_event_of(uevent(A::add, "net", "eth0")));
}

}  // namespace
}  // namespace srpadm
