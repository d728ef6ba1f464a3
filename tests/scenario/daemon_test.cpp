// The daemon (daemon/daemon.hpp) on a simulated host, in virtual time: the real Daemon, Session,
// HostActions, BlockingPool, discovery and trap subscriptions against the simulated fabric and
// the stand-in ib_srp (sim/kernel.hpp) acting on a host tree. Every assertion is on what the
// stand-in kernel did (logins made, refused, hosts added and removed), what the tree shows,
// the SA's subscriptions, and the daemon's own status.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <srpadm/daemon/control_server.hpp>
#include <srpadm/daemon/daemon.hpp>
#include <srpadm/daemon/log.hpp>
#include <srpadm/daemon/metrics.hpp>
#include <srpadm/daemon/service.hpp>
#include <srpadm/host/host_ports.hpp>
#include <srpadm/host/srp_hosts.hpp>
#include <srpadm/model/login.hpp>
#include <srpadm/ops/run_dir.hpp>
#include <srpadm/ops/session.hpp>
#include <srpadm/ops/status.hpp>
#include <srpadm/runtime/clock.hpp>
#include <srpadm/sim/events.hpp>
#include <srpadm/sim/fabric_file.hpp>
#include <srpadm/sim/host.hpp>

#include "status_render.hpp"

namespace srpadm::daemon {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// tests/fixtures/fabrics/two-ports-acl.fabric: host1's two ports mlx5_0:1 and mlx5_0:2;
// storage1 open to every initiator; storage2 (LIO) admitting mlx5_0:1 only.
std::string fabric_text() {
    std::ifstream in(SRPADM_SOURCE_DIR "/tests/fixtures/fabrics/two-ports-acl.fabric");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}
const std::string kFabric = fabric_text();

constexpr std::uint64_t kStorage1 = 0x0002c90300b00020ULL;  // IOC GUID and id_ext
const PortName kPort1{"mlx5_0", 1};
const PortName kPort2{"mlx5_0", 2};

sim::PortRef port_of(const sim::SimFabric& fabric, std::string_view description,
                     std::uint8_t port) {
    const auto& nodes = fabric.fabric().nodes;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (nodes[i].description == description) {
            return sim::PortRef{i, port};
        }
    }
    ADD_FAILURE() << "no node " << description;
    return {};
}

sim::TargetChange target_change(sim::PortRef port, bool present) {
    sim::TargetChange change;
    change.port = port;
    change.present = present;
    return change;
}

// A host with the daemon on it. Configuration files live in `files` (path → text).
class DaemonHost {
  public:
    explicit DaemonHost(std::string_view text = kFabric,
                        std::map<std::string, std::string> files = {})
        : files_(std::move(files)) {
        std::random_device random;
        root_ = fs::temp_directory_path() / fmt::format("srpadm-daemon-{}-{}", random(), random());
        ops::HostOptions host;
        host.sysfs_root = root_.string();
        host.writer = writer_;
        host.real_sysfs_writes = false;
        host.run_dir = (root_ / ".srpadm").string();
        host.clock = &clock_;
        host.actions.settle = 100ms;
        session_ = std::make_unique<ops::Session>(host);
        auto file = sim::parse_fabric(text, "daemon.fabric");
        EXPECT_TRUE(file) << (file ? "" : file.error().message);
        auto ports = sim::SimHostPorts::create(std::move(*file), session_->loop(), root_, writer_);
        EXPECT_TRUE(ports) << (ports ? "" : ports.error().message);
        ports_ = ports->get();
        session_->set_ports(std::move(*ports));
        platform_ = sim::make_platform(*ports_);
        auto logger = std::make_shared<spdlog::logger>(
            "daemon-test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text_));
        logger->set_level(spdlog::level::debug);
        log_ = std::make_shared<Log>(logger);
    }
    DaemonHost(const DaemonHost&) = delete;
    DaemonHost& operator=(const DaemonHost&) = delete;
    DaemonHost(DaemonHost&&) = delete;
    DaemonHost& operator=(DaemonHost&&) = delete;
    ~DaemonHost() {
        daemon_.reset();
        platform_.reset();
        session_.reset();
        std::error_code ec;
        fs::remove_all(root_, ec);
    }

    Result<void> start(DaemonOptions options = defaults()) {
        model::ConfigSources sources;
        sources.read = [this](const std::string& path) -> Result<std::optional<std::string>> {
            auto it = files_.find(path);
            if (it == files_.end()) {
                return std::optional<std::string>();
            }
            return std::optional<std::string>(it->second);
        };
        sources.list = [](const std::string&) -> Result<std::vector<std::string>> {
            return std::vector<std::string>{};
        };
        daemon_ = std::make_unique<Daemon>(*session_, *platform_, std::move(options),
                                           std::move(sources), log_);
        return daemon_->start();
    }

    static DaemonOptions defaults() {
        DaemonOptions o;
        o.settings.config = "/etc/srpadm/srpadm.conf";
        o.retry.first = 2s;
        o.retry.max = 60s;
        o.scan_retry.first = 2s;
        o.scan_retry.max = 60s;
        return o;
    }

    // Runs the loop until `until` (virtual time from the start).
    void run_to(runtime::Duration until) {
        bool reached = false;
        const auto id = loop().at(start_ + until, [&] { reached = true; });
        loop().run_until([&] { return reached; });
        loop().cancel(id);
    }
    void stop() {
        bool done = false;
        daemon_->stop([&] { done = true; });
        loop().run_until([&] { return done; });
    }

    void event_at(runtime::Duration at, sim::FabricEvent event) {
        fabric().schedule_at(start_ + at, std::move(event));
    }

    runtime::EventLoop& loop() { return session_->loop(); }
    sim::SimFabric& fabric() { return ports_->fabric(); }
    const sim::KernelStats& kernel() { return ports_->kernel().stats(); }
    Daemon& daemon() { return *daemon_; }
    ops::Session& session() { return *session_; }
    std::map<std::string, std::string>& files() { return files_; }
    std::string log() const { return log_text_.str(); }

    // The SCSI hosts of the tree on `port`.
    std::vector<host::SrpHost> hosts_on(const PortName& port) {
        std::vector<host::SrpHost> out;
        auto scan = host::srp_hosts(session_->sysfs());
        EXPECT_TRUE(scan);
        for (const auto& h : scan->hosts) {
            if (h.local_device == port.device && h.local_port == port.port) {
                out.push_back(h);
            }
        }
        return out;
    }

    std::optional<TargetStatus> target(const PortName& port, std::string_view id_ext) {
        for (auto& t : daemon_->targets()) {
            if (t.port == port && t.target.find(id_ext) != std::string::npos) {
                return t;
            }
        }
        return std::nullopt;
    }

  private:
    runtime::VirtualClock clock_;
    runtime::TimePoint start_ = clock_.now();
    fs::path root_;
    std::shared_ptr<sim::WriterSlot> writer_ = std::make_shared<sim::WriterSlot>();
    std::unique_ptr<ops::Session> session_;
    sim::SimHostPorts* ports_ = nullptr;
    std::unique_ptr<Platform> platform_;
    std::ostringstream log_text_;
    std::shared_ptr<Log> log_;
    std::map<std::string, std::string> files_;
    std::unique_ptr<Daemon> daemon_;
};

const std::string kId1 = "0002c90300b00020";  // storage1's id_ext, as the targets show it

TEST(Daemon, ConnectsEveryAdmittedTargetOncePerPortAndBacksOffOnRejection) {
    DaemonHost h;
    ASSERT_TRUE(h.start());
    h.run_to(30s);
    // storage1 on both ports; storage2 admits port 1 only.
    EXPECT_EQ(h.hosts_on(kPort1).size(), 2U) << h.log();
    EXPECT_EQ(h.hosts_on(kPort2).size(), 1U) << h.log();
    EXPECT_EQ(h.kernel().hosts_added, 3U);
    const auto rejected = h.daemon().targets();
    const auto it = std::find_if(rejected.begin(), rejected.end(), [](const TargetStatus& t) {
        return t.port == kPort2 && t.phase != TargetPhase::connected;
    });
    ASSERT_NE(it, rejected.end());
    EXPECT_EQ(it->phase, TargetPhase::backing_off);
    EXPECT_GE(it->failures, 1U);
    EXPECT_TRUE(it->next_try.has_value());
    EXPECT_FALSE(it->last_error.empty());
    for (const auto& p : h.daemon().ports()) {
        EXPECT_EQ(p.state, "up");
        EXPECT_TRUE(p.subscribed);
        EXPECT_EQ(p.targets, 2U);
    }
    EXPECT_TRUE(h.daemon().settled());

    // An hour later: nothing logged in twice, and the rejected login was retried at the capped
    // pace (about once a minute), not in a loop.
    const auto refused_before = h.kernel().logins_refused;
    h.run_to(30s + 3600s);
    EXPECT_EQ(h.kernel().hosts_added, 3U);
    EXPECT_EQ(h.kernel().hosts_removed, 0U);
    const auto retries = h.kernel().logins_refused - refused_before;
    EXPECT_GE(retries, 45U);
    EXPECT_LE(retries, 80U);
}

TEST(Daemon, TellsTheFrontEndEachLineItWrites) {
    // srp_daemon -e -c echoed each add_target line it wrote: on_login gets each one, once per
    // write, retries included, before the write.
    DaemonHost h;
    std::vector<std::string> lines;
    DaemonOptions options = DaemonHost::defaults();
    options.on_login = [&](const std::string& line) { lines.push_back(line); };
    ASSERT_TRUE(h.start(std::move(options)));
    h.run_to(30s);
    ASSERT_EQ(h.kernel().hosts_added, 3U) << h.log();
    const auto writes = h.kernel().hosts_added + h.kernel().logins_refused;
    EXPECT_EQ(lines.size(), writes);
    for (const auto& line : lines) {
        EXPECT_TRUE(login::parse(line).has_value()) << line;
    }
    EXPECT_EQ(std::count_if(lines.begin(), lines.end(),
                            [](const std::string& l) {
                                return l.find("ioc_guid=" + kId1) != std::string::npos;
                            }),
              2);  // storage1, once through each port
}

TEST(Daemon, AnAccessListFixConnectsWithoutARestart) {
    DaemonHost h;
    ASSERT_TRUE(h.start());
    sim::AclChange allow;
    allow.port = port_of(h.fabric(), "storage2 mlx5_0", 1);
    allow.allow = true;
    allow.entries.push_back(*sim::parse_acl_entry("0x00000000000000000002c90300a00012"));
    h.event_at(300s, allow);
    h.run_to(299s);
    EXPECT_EQ(h.hosts_on(kPort2).size(), 1U);
    // The next retry after the fix (at most the 60 s cap plus jitter) logs in.
    h.run_to(300s + 75s);
    EXPECT_EQ(h.hosts_on(kPort2).size(), 2U) << h.log();
    EXPECT_EQ(h.kernel().hosts_added, 4U);
    for (const auto& t : h.daemon().targets()) {
        EXPECT_EQ(t.phase, TargetPhase::connected) << t.target;
    }
}

TEST(Daemon, ATargetBackBeforeDevLossIsTheKernelsToReconnect) {
    DaemonHost h;
    ASSERT_TRUE(h.start());
    h.run_to(30s);
    ASSERT_EQ(h.kernel().hosts_added, 3U);
    const auto logins = h.daemon().counters().logins_ok;
    const auto full_scans = h.daemon().counters().scans;
    const auto storage1 = port_of(h.fabric(), "storage1 mlx5_0", 1);
    h.event_at(60s, target_change(storage1, false));
    h.run_to(61s);
    // Trap 144 named the port: each local port looked at it alone, and its targets left the
    // report while the kernel keeps their hosts.
    EXPECT_EQ(h.daemon().counters().scans, full_scans);
    EXPECT_EQ(h.daemon().counters().targeted_scans, 2U);
    for (const auto& p : h.daemon().ports()) {
        EXPECT_EQ(p.targets, 1U) << p.port.str();
    }
    EXPECT_EQ(h.target(kPort1, kId1)->phase, TargetPhase::connected);
    h.event_at(90s, target_change(storage1, true));
    h.run_to(400s);
    EXPECT_EQ(h.daemon().counters().targeted_scans, 4U);
    for (const auto& p : h.daemon().ports()) {
        EXPECT_EQ(p.targets, 2U) << p.port.str();
    }
    // The remote ports went blocked and came back through the kernel's own reconnect: the
    // daemon logged nothing in again, and no SCSI host came or went.
    EXPECT_EQ(h.kernel().hosts_added, 3U);
    EXPECT_EQ(h.kernel().hosts_removed, 0U);
    EXPECT_GE(h.kernel().reconnects, 2U);
    EXPECT_EQ(h.daemon().counters().logins_ok, logins);
    EXPECT_GE(h.daemon().counters().reports, 2U);  // trap 144 twice, on each port
}

TEST(Daemon, ATargetBackAfterDevLossIsLoggedInAgainOncePerPort) {
    DaemonHost h;
    ASSERT_TRUE(h.start());
    h.run_to(30s);
    const auto storage1 = port_of(h.fabric(), "storage1 mlx5_0", 1);
    // dev_loss_tmo is ib_srp's default, 600 s: the hosts are removed at about 660 s.
    h.event_at(60s, target_change(storage1, false));
    h.event_at(900s, target_change(storage1, true));
    h.run_to(899s);
    EXPECT_EQ(h.kernel().hosts_removed, 2U) << h.log();
    EXPECT_EQ(h.hosts_on(kPort2).size(), 0U);
    const auto st = h.target(kPort2, kId1);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->phase, TargetPhase::waiting);
    EXPECT_EQ(st->last_error, "not found by the last scan");
    // Back: trap 64 (or the next retry) brings each port's login back, once.
    h.run_to(900s + 75s);
    EXPECT_EQ(h.kernel().hosts_added, 5U) << h.log();
    EXPECT_EQ(h.hosts_on(kPort1).size(), 2U);
    EXPECT_EQ(h.hosts_on(kPort2).size(), 1U);
    h.run_to(3000s);
    EXPECT_EQ(h.kernel().hosts_added, 5U);
}

TEST(Daemon, APortFlapLeavesTheLoginsToTheKernelAndRescans) {
    DaemonHost h;
    ASSERT_TRUE(h.start());
    h.run_to(30s);
    const auto scans = h.daemon().counters().scans;
    const auto subscriptions = h.daemon().counters().subscriptions;
    const auto local1 = port_of(h.fabric(), "host1 mlx5_0", 1);
    h.event_at(60s, sim::PortDown{local1});
    h.event_at(70s, sim::PortUp{local1});
    h.run_to(65s);
    const auto ports = h.daemon().ports();
    const auto down = std::find_if(ports.begin(), ports.end(),
                                   [](const PortStatus& p) { return p.port == kPort1; });
    ASSERT_NE(down, ports.end());
    EXPECT_EQ(down->state, "down");
    h.run_to(200s);
    EXPECT_EQ(h.kernel().hosts_added, 3U);
    EXPECT_EQ(h.kernel().hosts_removed, 0U);
    EXPECT_GT(h.daemon().counters().scans, scans);
    EXPECT_GT(h.daemon().counters().subscriptions, subscriptions);
    EXPECT_EQ(h.hosts_on(kPort1).size(), 2U);
}

TEST(Daemon, ANewSubnetManagerGetsTheSubscriptionsAgain) {
    DaemonHost h;
    ASSERT_TRUE(h.start());
    h.run_to(30s);
    ASSERT_EQ(h.fabric().sa().subscriptions().size(), 8U);  // 4 traps x 2 ports
    h.event_at(60s, sim::SmMove{port_of(h.fabric(), "storage1 mlx5_0", 1)});
    h.run_to(120s);
    // The new SA starts with none; both ports subscribed again.
    EXPECT_EQ(h.fabric().sa().subscriptions().size(), 8U) << h.log();
    EXPECT_EQ(h.kernel().hosts_added, 3U);
}

TEST(Daemon, AfterAnSmFailoverEachPortWaitsARandomPartOfTheSpread) {
    DaemonHost h;
    auto options = DaemonHost::defaults();
    options.resync_spread = 40s;
    ASSERT_TRUE(h.start(options));
    h.run_to(30s);
    ASSERT_EQ(h.fabric().sa().subscriptions().size(), 8U);
    h.event_at(60s, sim::SmMove{port_of(h.fabric(), "storage1 mlx5_0", 1)});
    // Without the spread both ports would have subscribed within a millisecond (the SA
    // answers in 200 us).
    h.run_to(60s + 10ms);
    EXPECT_LT(h.fabric().sa().subscriptions().size(), 8U) << h.log();
    h.run_to(60s + 41s);
    EXPECT_EQ(h.fabric().sa().subscriptions().size(), 8U) << h.log();
    EXPECT_EQ(h.kernel().hosts_added, 3U);
}

// What the daemon tells systemd, recorded with the virtual time it was sent.
class RecordingNotifier final : public ServiceNotifier {
  public:
    explicit RecordingNotifier(runtime::EventLoop& loop) : loop_(loop) {}
    void notify(const std::string& state) override { sent.push_back({loop_.now(), state}); }
    std::optional<runtime::Duration> watchdog() override { return watchdog_interval; }

    struct Sent {
        runtime::TimePoint at;
        std::string state;
    };
    std::vector<Sent> sent;
    std::optional<runtime::Duration> watchdog_interval;
    std::size_t count(const std::string& prefix) const {
        return static_cast<std::size_t>(std::count_if(sent.begin(), sent.end(), [&](const Sent& s) {
            return s.state.rfind(prefix, 0) == 0;
        }));
    }

  private:
    runtime::EventLoop& loop_;
};

TEST(Daemon, TellsSystemdItIsReadyOnceEveryPortHasScannedAndKeepsTheStatusCurrent) {
    DaemonHost h;
    ASSERT_TRUE(h.start());
    RecordingNotifier notifier(h.loop());
    notifier.watchdog_interval = 10s;
    ServiceReporter service(h.loop(), h.daemon(), notifier);
    service.start();
    EXPECT_FALSE(service.ready());  // nothing has been scanned yet
    h.run_to(30s);
    ASSERT_TRUE(service.ready()) << h.log();
    EXPECT_EQ(notifier.count("READY=1"), 1U);
    const auto ready = std::find_if(notifier.sent.begin(), notifier.sent.end(),
                                    [](const auto& s) { return s.state.rfind("READY=1", 0) == 0; });
    ASSERT_NE(ready, notifier.sent.end());
    EXPECT_NE(ready->state.find("\nSTATUS=2 of 2 ports up; "), std::string::npos) << ready->state;
    // The last status: storage1 on both ports, storage2 on port 1; port 2 is refused by
    // storage2's access list and backs off.
    std::string last;
    for (const auto& s : notifier.sent) {
        if (s.state.find("STATUS=") != std::string::npos) {
            last = s.state.substr(s.state.find("STATUS="));
        }
    }
    EXPECT_EQ(
        last.rfind("STATUS=2 of 2 ports up; 3 of 4 targets connected; 1 failing (last error: ", 0),
        0U)
        << last;
    // At most one STATUS= a second, and only when the line changes.
    std::optional<runtime::TimePoint> previous;
    for (const auto& s : notifier.sent) {
        if (s.state.rfind("STATUS=", 0) == 0) {
            if (previous) {
                EXPECT_GE(s.at - *previous, 1s);
            }
            previous = s.at;
        }
    }
    // The watchdog: every 5 s (half of WatchdogSec=) for the 30 s so far.
    EXPECT_GE(notifier.count("WATCHDOG=1"), 6U);
    EXPECT_LE(notifier.count("WATCHDOG=1"), 7U);

    // A reload: RELOADING=1 (with the time, for Type=notify-reload), then READY=1 again.
    service.reloading();
    h.daemon().reload();
    service.reloaded();
    ASSERT_GE(notifier.sent.size(), 2U);
    EXPECT_EQ(
        notifier.sent[notifier.sent.size() - 2].state.rfind("RELOADING=1\nMONOTONIC_USEC=", 0), 0U);
    EXPECT_EQ(notifier.sent.back().state.rfind("READY=1\nSTATUS=", 0), 0U);
    // Stopping.
    service.stopping();
    h.stop();
    EXPECT_EQ(notifier.count("STOPPING=1"), 1U);
}

TEST(Daemon, TellsSystemdItIsReadyAfterTheWaitWhenAPortNeverScans) {
    DaemonHost h;
    // No SA answers on this fabric: every scan of both ports times out and is retried.
    sim::FaultRule drop;
    drop.action = sim::FaultAction::drop;
    drop.mgmt_class = 0x03;
    drop.origin = "test: no SA";
    h.fabric().faults().add(drop);
    ASSERT_TRUE(h.start());
    RecordingNotifier notifier(h.loop());
    ServiceOptions options;
    options.ready_wait = 20s;
    ServiceReporter service(h.loop(), h.daemon(), notifier, options);
    service.start();
    h.run_to(19s);
    EXPECT_FALSE(service.ready());
    h.run_to(21s);
    EXPECT_TRUE(service.ready());
    EXPECT_FALSE(h.daemon().settled());
    EXPECT_EQ(notifier.count("READY=1"), 1U);
}

TEST(Daemon, StoppingUnsubscribesEveryPort) {
    DaemonHost h;
    ASSERT_TRUE(h.start());
    h.run_to(30s);
    ASSERT_EQ(h.fabric().sa().subscriptions().size(), 8U);
    h.stop();
    EXPECT_TRUE(h.fabric().sa().subscriptions().empty());
    // The logins stay: stopping the daemon never disconnects anything.
    EXPECT_EQ(h.hosts_on(kPort1).size(), 2U);
}

TEST(Daemon, ReloadKeepsTheLastGoodSettingsAndAppliesNewOnes) {
    DaemonHost h(kFabric, {{"/etc/srpadm/srpadm.conf",
                            "[target]\naction = deny\nid-ext = 0002c90300b00020\n"}});
    ASSERT_TRUE(h.start());
    h.run_to(30s);
    EXPECT_EQ(h.hosts_on(kPort2).size(), 0U);  // storage1 denied, storage2 rejects port 2
    const auto denied = h.target(kPort2, kId1);
    ASSERT_TRUE(denied);
    EXPECT_EQ(denied->phase, TargetPhase::denied);

    h.files()["/etc/srpadm/srpadm.conf"] = "[target]\naction = maybe\n";
    h.daemon().reload();
    h.run_to(60s);
    EXPECT_NE(h.log().find("srpadm.conf:2"), std::string::npos) << h.log();
    EXPECT_EQ(h.hosts_on(kPort2).size(), 0U);  // the last good settings still hold

    h.files()["/etc/srpadm/srpadm.conf"] = "";
    h.daemon().reload();
    h.run_to(90s);
    EXPECT_EQ(h.hosts_on(kPort2).size(), 1U) << h.log();
    EXPECT_EQ(h.kernel().hosts_added, 3U);
}

TEST(Daemon, ALoginTheAdminDisconnectedIsLeftAlone) {
    DaemonHost h;
    ASSERT_TRUE(h.start());
    h.run_to(30s);
    auto scan = host::srp_hosts(h.session().sysfs());
    ASSERT_TRUE(scan);
    std::vector<host::SrpHost> taken;
    for (const auto& host : scan->hosts) {
        if (host.local_port == 2U && host.id_ext == kStorage1) {
            taken.push_back(host);
        }
    }
    ASSERT_EQ(taken.size(), 1U);
    // What `srpadm disconnect` does: note it, then delete the remote port.
    ASSERT_TRUE(h.session().note_disconnected(taken));
    bool deleted = false;
    h.session().actions().disconnect(taken.front(), [&](const Result<bool>&) { deleted = true; });
    h.loop().run_until([&] { return deleted; });
    h.run_to(600s);
    EXPECT_EQ(h.hosts_on(kPort2).size(), 0U) << h.log();
    const auto st = h.target(kPort2, kId1);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->phase, TargetPhase::taken_down);
    EXPECT_EQ(h.kernel().hosts_added, 3U);
    // A reload forgets the admin's disconnections: connected again.
    h.daemon().reload();
    h.run_to(660s);
    EXPECT_EQ(h.hosts_on(kPort2).size(), 1U) << h.log();
}

// kFabric with `lines` added to storage1's target block.
std::string with_storage1(std::string_view lines) {
    std::string text(kFabric);
    const std::string block = "target \"storage1 mlx5_0\"/1\n";
    text.insert(text.find(block) + block.size(), lines);
    return text;
}

TEST(Daemon, AHostThatVanishesAfterTheWriteIsLoggedInAgain) {
    const std::string fabric = with_storage1("    login-vanish 1\n");
    DaemonHost h(fabric);
    ASSERT_TRUE(h.start());
    h.run_to(30s);
    // The first login to storage1 (through whichever port came first) lost its SCSI host
    // right after the write, as after a failed SCSI scan; the retry made it.
    EXPECT_EQ(h.kernel().vanished, 1U);
    EXPECT_EQ(h.kernel().hosts_added, 4U);
    EXPECT_EQ(h.hosts_on(kPort1).size(), 2U) << h.log();
    EXPECT_EQ(h.hosts_on(kPort2).size(), 1U);
    EXPECT_EQ(h.target(kPort1, kId1)->phase, TargetPhase::connected);
    EXPECT_EQ(h.target(kPort2, kId1)->phase, TargetPhase::connected);
    h.run_to(600s);
    EXPECT_EQ(h.kernel().hosts_added, 4U);
}

TEST(Daemon, ASlowLoginHoldsBackNeitherScansNorTheOtherPort) {
    // Logins to storage1 block for 40 s in the kernel (path lookup, CM, SCSI scan).
    const std::string fabric = with_storage1("    login-delay 40s\n");
    DaemonHost h(fabric);
    ASSERT_TRUE(h.start());
    h.run_to(5s);
    EXPECT_EQ(h.target(kPort1, kId1)->phase, TargetPhase::connecting);
    EXPECT_EQ(h.target(kPort2, kId1)->phase, TargetPhase::connecting);
    // The loop is free: a rescan of both ports runs and finishes meanwhile.
    const auto scans = h.daemon().counters().scans;
    h.daemon().rescan();
    h.run_to(10s);
    EXPECT_EQ(h.daemon().counters().scans, scans + 2);
    EXPECT_EQ(h.kernel().hosts_added, 0U);
    // Both ports' logins were written side by side (one lane per port): both done at ~40 s,
    // then storage2's on port 1, which the kernel queued behind storage1's (one add_target at
    // a time per port).
    h.run_to(45s);
    EXPECT_EQ(h.hosts_on(kPort2).size(), 1U) << h.log();
    EXPECT_EQ(h.kernel().hosts_added, 3U) << h.log();
    EXPECT_EQ(h.target(kPort1, kId1)->phase, TargetPhase::connected);
}

TEST(Daemon, APKeyTableChangeDropsThePortsCacheAndRescans) {
    DaemonHost h;
    ASSERT_TRUE(h.start());
    h.run_to(30s);
    const auto sa_before = h.fabric().stats().sa.requests;
    const auto scans = h.daemon().counters().scans;
    sim::PKeyTableChange change;
    change.port = port_of(h.fabric(), "host1 mlx5_0", 1);
    change.pkeys = {0xffff, 0x8001};
    h.event_at(60s, change);
    h.run_to(90s);
    // A full scan with nothing cached: the DM port table and both ports' records again.
    EXPECT_EQ(h.daemon().counters().scans, scans + 1);
    EXPECT_GE(h.fabric().stats().sa.requests - sa_before, 3U);
    EXPECT_EQ(h.kernel().hosts_added, 3U);
}

}  // namespace
}  // namespace srpadm::daemon

namespace srpadm::daemon {
namespace {

// tests/scenario/golden/NAME: equal to `text`; SRPADM_UPDATE_GOLDEN=1 writes it instead.
void expect_golden(const std::string& name, const std::string& text) {
    const fs::path path = fs::path(SRPADM_SOURCE_DIR) / "tests/scenario/golden" / name;
    if (std::getenv("SRPADM_UPDATE_GOLDEN") != nullptr) {
        std::ofstream(path) << text;
    }
    std::ifstream in(path);
    std::stringstream want;
    want << in.rdbuf();
    EXPECT_EQ(text, want.str()) << "golden file " << path
                                << " (SRPADM_UPDATE_GOLDEN=1 rewrites it)";
}

// srpadm status as the daemon answers it and the front end merges it with sysfs: storage1 on
// both ports, storage2 refused by its access list on port 2 (backing off, the multipath
// warning), in virtual time (every figure is the same on each run).
TEST(DaemonStatus, TextAndJsonAgainstTheStandInKernel) {
    DaemonHost h;
    ASSERT_TRUE(h.start());
    h.run_to(30s);
    nlohmann::json answer = status_result(h.daemon(), h.loop().now());
    ASSERT_TRUE(answer["daemon"]["pid"].is_number());
    answer["daemon"]["pid"] = 4242;  // the only figure that is not the simulation's
    // Over the wire and back, as srpadm status gets it.
    auto parsed = ops::control::parse_answer(ops::control::ok_line(answer));
    ASSERT_TRUE(parsed);
    ops::StatusInputs in;
    in.daemon = *parsed;
    auto ports = host::local_ports(h.session().sysfs());
    ASSERT_TRUE(ports);
    in.ports = *ports;
    auto hosts = host::srp_hosts(h.session().sysfs());
    ASSERT_TRUE(hosts);
    in.hosts = *hosts;
    const nlohmann::json doc = ops::status_document(in);
    expect_golden("daemon-status.txt", cli::render_status_text(doc));
    expect_golden("daemon-status.json", doc.dump(2) + "\n");
    const auto warnings = ops::multipath_warnings(doc);
    ASSERT_EQ(warnings.size(), 1U);
    EXPECT_EQ(warnings.front(),
              "target id_ext 0002c90300c00030 ioc_guid 0x0002c90300c00030: reachable on 2 ports, "
              "connected through 1");

    // Without the daemon: sysfs alone, what only the daemon knows is unknown.
    in.daemon.reset();
    in.no_daemon = "no srpadm daemon listens on /run/srpadm/srpadm.sock";
    expect_golden("sysfs-status.txt", cli::render_status_text(ops::status_document(in)));
    EXPECT_TRUE(ops::multipath_warnings(ops::status_document(in)).empty());
}

// The metrics follow the daemon: written at once, then after changes at most once a second.
TEST(DaemonStatus, MetricsAreWrittenOnChangeAtMostOnceASecond) {
    DaemonHost h;
    ASSERT_TRUE(h.start());
    const fs::path file = fs::temp_directory_path() / fmt::format("srpadm-metrics-{}", ::getpid());
    std::uint64_t writes_at_10s = 0;
    {
        MetricsWriter metrics(h.loop(), h.daemon(), file,
                              std::make_shared<Log>(spdlog::default_logger()));
        metrics.start();
        EXPECT_EQ(metrics.writes(), 1U);
        h.run_to(10s);
        writes_at_10s = metrics.writes();
        // The scans and the logins of the first seconds: a few writes, not one per change.
        EXPECT_GE(writes_at_10s, 2U);
        EXPECT_LE(writes_at_10s, 11U);
        // Later only the retries of port 2 change anything (about once a minute), and the
        // refresh writes every 60 s.
        h.run_to(10s + 600s);
        EXPECT_GE(metrics.writes() - writes_at_10s, 10U);
        EXPECT_LE(metrics.writes() - writes_at_10s, 40U);
        std::ifstream in(file);
        std::stringstream text;
        text << in.rdbuf();
        EXPECT_NE(text.str().find("srpadm_targets_connected{port=\"mlx5_0:2\"} 1\n"),
                  std::string::npos)
            << text.str();
        EXPECT_NE(text.str().find("srpadm_login_failures_total{port=\"mlx5_0:2\",target=\""
                                  "0002c90300c00030,0002c90300c00030\",reason=\"rejected\"} "),
                  std::string::npos)
            << text.str();
    }
    std::error_code ec;
    fs::remove(file, ec);
}

}  // namespace
}  // namespace srpadm::daemon
