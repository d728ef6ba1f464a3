// srpadm_daemon_bench: the daemon's figures on a simulated host (not a test; ctest does not run
// it). The real Daemon, Session, pool, discovery and trap subscriptions against the simulated
// fabric and the stand-in ib_srp (sim/host.hpp).
//
//   idle:    the daemon connects every target of a generated fabric, then idles for
//            --idle-hours of virtual time: loop wakeups, timers, SA and DM MADs, CPU time.
//   latency: in real time, a target comes up (trap 144) and the daemon writes its login: wall
//            time from the fabric's change to the add_target write, over --samples targets.
//   fleet:   --fleet hosts, a daemon each, against one simulated SA with --fleet-targets
//            targets, in virtual time: SA requests at start, per initiator-hour in steady state,
//            for one target's reboot and for an SM failover (with the peak in any 10 ms), next
//            to srp_daemon -R 60 modelled on the same fleet.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <sys/resource.h>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <srpadm/daemon/control_server.hpp>
#include <srpadm/daemon/daemon.hpp>
#include <srpadm/daemon/log.hpp>
#include <srpadm/daemon/metrics.hpp>
#include <srpadm/ops/control.hpp>
#include <srpadm/ops/session.hpp>
#include <srpadm/runtime/clock.hpp>
#include <srpadm/sim/events.hpp>
#include <srpadm/sim/generator.hpp>
#include <srpadm/sim/host.hpp>
#include <srpadm/wire/mad.hpp>

namespace {

using namespace srpadm;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct Args {
    std::size_t ca_ports = 2000;
    std::size_t targets = 1000;
    double idle_hours = 1.0;
    std::size_t samples = 20;
    std::size_t fleet = 1000;
    std::size_t fleet_targets = 100;
    double fleet_hours = 3.0;
    std::string only;
};

// Notes when an add_target write reaches the stand-in kernel (pool threads).
class TimingWriter final : public host::SysfsWriter {
  public:
    explicit TimingWriter(std::shared_ptr<host::SysfsWriter> next) : next_(std::move(next)) {}
    std::error_code write(const std::string& relative, const std::string& data) override {
        if (relative.find("add_target") != std::string::npos) {
            const std::lock_guard lock(mutex_);
            logins_.push_back({std::chrono::steady_clock::now(), data});
        }
        return next_->write(relative, data);
    }
    struct Login {
        std::chrono::steady_clock::time_point at;
        std::string line;
    };
    std::vector<Login> logins() {
        const std::lock_guard lock(mutex_);
        return logins_;
    }

  private:
    std::shared_ptr<host::SysfsWriter> next_;
    std::mutex mutex_;
    std::vector<Login> logins_;
};

double cpu_seconds() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

long max_rss_kib() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

// One simulated host with the daemon on it.
struct Host {
    fs::path root;
    std::shared_ptr<sim::WriterSlot> slot = std::make_shared<sim::WriterSlot>();
    std::shared_ptr<TimingWriter> timing = std::make_shared<TimingWriter>(slot);
    std::unique_ptr<ops::Session> session;
    sim::SimHostPorts* ports = nullptr;
    std::unique_ptr<daemon::Platform> platform;
    std::unique_ptr<daemon::Daemon> daemon;

    Host(sim::FabricFile file, runtime::Clock* clock) {
        std::random_device random;
        root = fs::temp_directory_path() / fmt::format("srpadm-dbench-{}-{}", random(), random());
        ops::HostOptions options;
        options.sysfs_root = root.string();
        options.writer = timing;
        options.real_sysfs_writes = false;
        options.run_dir = (root / ".srpadm").string();
        options.clock = clock;
        options.actions.settle = 10ms;
        session = std::make_unique<ops::Session>(options);
        auto made = sim::SimHostPorts::create(std::move(file), session->loop(), root, slot);
        if (!made) {
            throw std::runtime_error(made.error().message);
        }
        ports = made->get();
        session->set_ports(std::move(*made));
        platform = sim::make_platform(*ports);
        auto logger = std::make_shared<spdlog::logger>(
            "bench", std::make_shared<spdlog::sinks::null_sink_mt>());
        if (std::getenv("SRPADM_BENCH_LOG") != nullptr) {
            logger = std::make_shared<spdlog::logger>(
                "bench", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
            logger->set_level(spdlog::level::debug);
        }
        daemon::DaemonOptions d;
        d.settings.config = "none";
        daemon = std::make_unique<daemon::Daemon>(*session, *platform, d, model::ConfigSources{},
                                                  std::make_shared<daemon::Log>(logger));
        if (auto started = daemon->start(); !started) {
            throw std::runtime_error(started.error().message);
        }
    }
    Host(const Host&) = delete;
    Host& operator=(const Host&) = delete;
    Host(Host&&) = delete;
    Host& operator=(Host&&) = delete;
    ~Host() {
        daemon.reset();
        platform.reset();
        session.reset();
        std::error_code ec;
        fs::remove_all(root, ec);
    }

    runtime::EventLoop& loop() { return session->loop(); }
    std::size_t connected() {
        const auto ps = daemon->ports();
        return ps.empty() ? 0 : ps.front().connected;
    }
    void run_until(const std::function<bool()>& done, runtime::Duration limit) {
        bool expired = false;
        const auto id = loop().after(limit, [&] { expired = true; });
        loop().run_until([&] { return expired || done(); });
        loop().cancel(id);
    }
};

Result<sim::FabricFile> fabric(const Args& args) {
    sim::GeneratorOptions g;
    g.ca_ports = args.ca_ports;
    g.targets = args.targets;
    return sim::generate_fabric(g);
}

int idle(const Args& args) {
    auto file = fabric(args);
    if (!file) {
        fmt::print(stderr, "{}\n", file.error().message);
        return 1;
    }
    runtime::VirtualClock clock;
    const auto wall0 = std::chrono::steady_clock::now();
    Host h(std::move(*file), &clock);
    const auto t0 = h.loop().now();
    h.run_until([&] { return h.connected() == args.targets; }, 600s);
    const auto settled = h.loop().now() - t0;
    const double settle_wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    auto& fs_stats = h.ports->fabric().stats();
    fmt::print(
        "settle: {} of {} targets connected in {:.3f} s virtual, {:.3f} s wall; "
        "{} SA, {} DM requests; {} logins written; {} reconciles\n",
        h.connected(), args.targets, std::chrono::duration<double>(settled).count(), settle_wall,
        fs_stats.sa.requests, fs_stats.dm.requests, h.ports->kernel().stats().logins,
        h.daemon->counters().reconciles);

    const auto sa0 = fs_stats.sa.requests;
    const auto dm0 = fs_stats.dm.requests;
    const auto wake0 = h.loop().wakeups();
    const auto tasks0 = h.loop().tasks_run();
    const auto logins0 = h.ports->kernel().stats().logins;
    const double cpu0 = cpu_seconds();
    const auto idle_for = std::chrono::duration_cast<runtime::Duration>(
        std::chrono::duration<double>(args.idle_hours * 3600.0));
    const auto end = h.loop().now() + idle_for;
    h.run_until([&] { return h.loop().now() >= end; }, idle_for + 1s);
    const double hours = args.idle_hours;
    fmt::print(
        "idle {:.1f} h (virtual) with {} connected targets: {} loop wakeups ({:.1f}/h), {} tasks, "
        "{} SA requests ({:.1f}/h), {} DM requests ({:.1f}/h), {} logins written, {:.3f} s CPU "
        "for the whole hour (simulator included)\n",
        hours, h.connected(), h.loop().wakeups() - wake0,
        static_cast<double>(h.loop().wakeups() - wake0) / hours, h.loop().tasks_run() - tasks0,
        fs_stats.sa.requests - sa0, static_cast<double>(fs_stats.sa.requests - sa0) / hours,
        fs_stats.dm.requests - dm0, static_cast<double>(fs_stats.dm.requests - dm0) / hours,
        h.ports->kernel().stats().logins - logins0, cpu_seconds() - cpu0);
    // What srpadm status and the metrics file cost with every target connected: the daemon's
    // answer, built and serialised on its loop, and the exposition text.
    const auto s0 = std::chrono::steady_clock::now();
    const std::string answer =
        ops::control::ok_line(daemon::status_result(*h.daemon, h.loop().now()));
    const auto s1 = std::chrono::steady_clock::now();
    const std::string metrics = daemon::render_metrics(h.daemon->ports(), h.daemon->targets());
    const auto s2 = std::chrono::steady_clock::now();
    const auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
    fmt::print(
        "status answer with {} targets: {:.1f} KiB in {:.2f} ms; metrics file: {:.1f} KiB in "
        "{:.2f} ms\n",
        h.connected(), static_cast<double>(answer.size()) / 1024.0, ms(s1 - s0),
        static_cast<double>(metrics.size()) / 1024.0, ms(s2 - s1));
    fmt::print(
        "max RSS: {:.1f} MiB (the process: daemon, simulated fabric of {} ports and the "
        "stand-in kernel's host tree)\n",
        static_cast<double>(max_rss_kib()) / 1024.0, args.ca_ports);
    return 0;
}

int latency(const Args& args) {
    Args small = args;
    small.ca_ports = std::min<std::size_t>(args.ca_ports, 200);
    small.targets = std::max<std::size_t>(args.samples, 2);
    auto file = fabric(small);
    if (!file) {
        fmt::print(stderr, "{}\n", file.error().message);
        return 1;
    }
    // Every target starts absent; each sample brings one up.
    std::vector<sim::PortRef> targets;
    for (std::size_t n = 0; n < file->fabric.nodes.size(); ++n) {
        for (std::size_t p = 0; p < file->fabric.nodes[n].ports.size(); ++p) {
            if (file->fabric.nodes[n].ports[p].dm) {
                targets.push_back(sim::PortRef{n, file->fabric.nodes[n].ports[p].num});
            }
        }
    }
    runtime::SteadyClock clock;
    Host h(std::move(*file), &clock);
    for (const auto& t : targets) {
        sim::TargetChange gone;
        gone.port = t;
        gone.present = false;
        if (auto applied = h.ports->fabric().apply(gone); !applied) {
            fmt::print(stderr, "target-remove: {}\n", applied.error().message);
            return 1;
        }
    }
    h.run_until([&] { return h.daemon->settled(); }, 10s);
    h.run_until([] { return false; }, 200ms);
    std::vector<double> ms;
    for (std::size_t i = 0; i < args.samples && i < targets.size(); ++i) {
        const auto before = h.timing->logins().size();
        sim::TargetChange back;
        back.port = targets[i];
        back.present = true;
        const auto at = std::chrono::steady_clock::now();
        if (auto applied = h.ports->fabric().apply(back); !applied) {
            fmt::print(stderr, "target-add: {}\n", applied.error().message);
            return 1;
        }
        h.run_until([&] { return h.timing->logins().size() > before; }, 5s);
        const auto logins = h.timing->logins();
        if (logins.size() > before) {
            ms.push_back(std::chrono::duration<double, std::milli>(logins[before].at - at).count());
        }
        h.run_until([] { return false; }, 50ms);
    }
    if (ms.empty()) {
        fmt::print("latency: no login was written\n");
        return 1;
    }
    std::sort(ms.begin(), ms.end());
    fmt::print(
        "Report -> add_target write (real time, SA {} us and DM {} us per answer): "
        "{} samples, median {:.2f} ms, max {:.2f} ms (goal <= 10 ms: {})\n",
        std::chrono::duration_cast<std::chrono::microseconds>(h.ports->fabric().fabric().latency.sa)
            .count(),
        std::chrono::duration_cast<std::chrono::microseconds>(h.ports->fabric().fabric().latency.dm)
            .count(),
        ms.size(), ms[ms.size() / 2], ms.back(), ms.back() <= 10.0 ? "met" : "NOT MET");
    return 0;
}

// ---- fleet ------------------------------------------------------------------------------

// SA requests in time: the total since a mark and the most in any 10 ms window.
class SaMeter {
  public:
    explicit SaMeter(runtime::EventLoop& loop) : loop_(loop) {}
    void count() { times_.push_back(loop_.now()); }
    void mark() { from_ = times_.size(); }
    std::size_t since_mark() const { return times_.size() - from_; }
    std::size_t peak_per_10ms() const {
        std::size_t peak = 0;
        std::size_t lo = from_;
        for (std::size_t hi = from_; hi < times_.size(); ++hi) {
            while (times_[hi] - times_[lo] >= 10ms) {
                ++lo;
            }
            peak = std::max(peak, hi - lo + 1);
        }
        return peak;
    }

  private:
    runtime::EventLoop& loop_;
    std::vector<runtime::TimePoint> times_;
    std::size_t from_ = 0;
};

// srp_daemon's SA requests for the same fleet, from its algorithm (rdma-core
// srp_daemon/srp_daemon.c: recalc(), do_dm_port_list(), get_shared_pkeys(), register_to_traps()):
// with an SA that matches capability masks and one shared P_Key, a full scan asks
// ClassPortInfo, one PortInfoRecord table, a NodeRecord and a PathRecord per DM port, and sets
// InformInfo for traps 64 and 144; `-R 60` repeats it every minute, an SM change at once on
// every initiator; a trap 64 costs a PathRecord and a PortInfoRecord. All of it serial.
struct ReferenceModel {
    std::size_t targets = 0;
    std::size_t per_scan() const { return 2 + 2 * targets + 2; }
    std::size_t per_hour() const { return 60 * per_scan(); }
    std::size_t per_trap64() const { return 2; }
    // Requests one serial initiator sends in the first 10 ms of a full scan: two SA round
    // trips, then per DM port two SA and three DM round trips (IOUnitInfo, IOCProfile,
    // ServiceEntries).
    std::size_t first_10ms(runtime::Duration sa, runtime::Duration dm) const {
        runtime::Duration t{};
        std::size_t n = 0;
        const auto step = [&](runtime::Duration d, bool is_sa) {
            if (t >= 10ms) {
                return;
            }
            n += is_sa ? 1 : 0;
            t += d;
        };
        step(sa, true);
        step(sa, true);
        for (std::size_t i = 0; i < targets && t < 10ms; ++i) {
            step(sa, true);
            step(sa, true);
            for (int k = 0; k < 3; ++k) {
                step(dm, false);
            }
        }
        return n;
    }
};

int fleet(const Args& args) {
    sim::GeneratorOptions g;
    g.ca_ports = args.fleet + args.fleet_targets + 1;
    g.targets = args.fleet_targets;
    auto file = sim::generate_fabric(g);
    if (!file) {
        fmt::print(stderr, "{}\n", file.error().message);
        return 1;
    }
    // Every CA port that is not a target is a host with a daemon, but one: the SM moves there.
    std::optional<sim::PortRef> spare;
    sim::PortRef target0{};
    bool have_target = false;
    file->fabric.local_ports.clear();
    for (std::size_t n = 0; n < file->fabric.nodes.size(); ++n) {
        const sim::Node& node = file->fabric.nodes[n];
        if (node.type != sim::NodeType::ca || node.ports.empty()) {
            continue;
        }
        const sim::PortRef ref{n, node.ports.front().num};
        if (node.ports.front().dm) {
            if (!have_target) {
                target0 = ref;
                have_target = true;
            }
        } else if (!spare) {
            spare = ref;
        } else {
            file->fabric.local_ports.push_back(
                sim::LocalPort{ref, fmt::format("hca{}", file->fabric.local_ports.size())});
        }
    }
    const auto latency = file->fabric.latency;
    runtime::VirtualClock clock;
    const auto wall0 = std::chrono::steady_clock::now();
    const double cpu0 = cpu_seconds();

    std::random_device random;
    const fs::path root =
        fs::temp_directory_path() / fmt::format("srpadm-fleet-{}-{}", random(), random());
    auto slot = std::make_shared<sim::WriterSlot>();
    ops::HostOptions options;
    options.sysfs_root = root.string();
    options.writer = slot;
    options.real_sysfs_writes = false;
    options.run_dir = (root / ".srpadm").string();
    options.clock = &clock;
    auto session = std::make_unique<ops::Session>(options);
    auto made = sim::SimHostPorts::create(std::move(*file), session->loop(), root, slot);
    if (!made) {
        fmt::print(stderr, "{}\n", made.error().message);
        return 1;
    }
    sim::SimHostPorts& ports = **made;
    session->set_ports(std::move(*made));
    runtime::EventLoop& loop = session->loop();
    SaMeter sa(loop);
    ports.fabric().set_request_tap([&sa](const wire::MadHeader& h) {
        if (h.mgmt_class == wire::mgmt_class::subn_adm) {
            sa.count();
        }
    });

    // The hosts' rules turn every target down, so that the fleet's 100,000 logins do not fill
    // the stand-in kernel's tree: a login sends no SA request from the daemon (ib_srp's own
    // path queries are the same whichever daemon wrote the login, and are not counted).
    model::ConfigSources sources;
    sources.read = [](const std::string&) -> Result<std::optional<std::string>> {
        return std::optional<std::string>("[defaults]\ndefault-deny = yes\n");
    };
    sources.list = [](const std::string&) -> Result<std::vector<std::string>> {
        return std::vector<std::string>{};
    };
    auto log = std::make_shared<daemon::Log>(
        std::make_shared<spdlog::logger>("fleet", std::make_shared<spdlog::sinks::null_sink_mt>()));
    std::vector<std::unique_ptr<daemon::Platform>> platforms;
    std::vector<std::unique_ptr<daemon::Daemon>> daemons;
    const auto& local = ports.fabric().fabric().local_ports;
    for (std::size_t i = 0; i < local.size(); ++i) {
        platforms.push_back(sim::make_platform(ports));
        daemon::DaemonOptions d;
        d.settings.config = "/etc/srpadm/fleet.conf";
        d.settings.config_named = true;
        d.ports = {model::PortSelector{local[i].ca_name, local[i].port.port}};
        d.seed = i + 1;
        daemons.push_back(
            std::make_unique<daemon::Daemon>(*session, *platforms.back(), d, sources, log));
        if (auto started = daemons.back()->start(); !started) {
            fmt::print(stderr, "daemon {}: {}\n", i, started.error().message);
            return 1;
        }
    }
    const auto run_for = [&](runtime::Duration d) {
        const auto end = loop.now() + d;
        bool expired = false;
        const auto id = loop.after(d, [&] { expired = true; });
        loop.run_until([&] { return expired || loop.now() >= end; });
        loop.cancel(id);
    };
    const auto subscribed = [&] {
        return static_cast<std::size_t>(std::count_if(daemons.begin(), daemons.end(), [](auto& d) {
            const auto ps = d->ports();
            return !ps.empty() && ps.front().subscribed;
        }));
    };
    const std::size_t n = daemons.size();
    const auto pct = [n](std::size_t v) { return 100.0 * static_cast<double>(v) / n; };
    const ReferenceModel ref{args.fleet_targets};
    fmt::print(
        "fleet: {} hosts (one daemon and one initiator port each), {} SRP targets, one SA; "
        "virtual time\n",
        n, args.fleet_targets);

    run_for(60s);
    fmt::print(
        "start (every daemon at the same instant): {} SA requests, peak {} per 10 ms; "
        "{} of {} subscribed\n",
        sa.since_mark(), sa.peak_per_10ms(), subscribed(), n);

    sa.mark();
    const double hours = args.fleet_hours;
    run_for(std::chrono::duration_cast<runtime::Duration>(
        std::chrono::duration<double>(hours * 3600.0)));
    const double per_host_hour = static_cast<double>(sa.since_mark()) / n / hours;
    fmt::print(
        "steady state, {:.1f} h: {} SA requests, {:.2f} per initiator per hour; "
        "reference (-R 60): {} per initiator per hour; {:.3f} % of it (goal <= 1 %)\n",
        hours, sa.since_mark(), per_host_hour, ref.per_hour(),
        100.0 * per_host_hour / static_cast<double>(ref.per_hour()));

    sa.mark();
    auto down = ports.fabric().apply(sim::PortDown{target0});
    run_for(30s);
    auto up = ports.fabric().apply(sim::PortUp{target0});
    run_for(60s);
    if (!down || !up) {
        fmt::print(stderr, "target reboot: could not apply\n");
        return 1;
    }
    fmt::print(
        "one target reboots (trap 65, then 64): {} SA requests ({:.2f} per initiator), "
        "peak {} per 10 ms; reference: {} ({} per initiator, trap 64 only)\n",
        sa.since_mark(), static_cast<double>(sa.since_mark()) / n, sa.peak_per_10ms(),
        n * ref.per_trap64(), ref.per_trap64());

    sa.mark();
    if (auto moved = ports.fabric().apply(sim::SmMove{*spare}); !moved) {
        fmt::print(stderr, "SM move: {}\n", moved.error().message);
        return 1;
    }
    run_for(90s);  // the spread (60 s) and the last scans
    const std::size_t ref_peak = n * ref.first_10ms(latency.sa, latency.dm);
    fmt::print(
        "SM failover: {} SA requests ({:.2f} per initiator), peak {} per 10 ms = {:.1f} % "
        "of the fleet (goal < 5 %); {} of {} subscribed again; reference: {} SA requests "
        "({} per initiator, a full scan each), peak {} per 10 ms ({:.0f} %)\n",
        sa.since_mark(), static_cast<double>(sa.since_mark()) / n, sa.peak_per_10ms(),
        pct(sa.peak_per_10ms()), subscribed(), n, n * ref.per_scan(), ref.per_scan(), ref_peak,
        pct(ref_peak));
    fmt::print("{:.1f} s CPU, {:.1f} s wall, max RSS {:.1f} MiB\n", cpu_seconds() - cpu0,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count(),
               static_cast<double>(max_rss_kib()) / 1024.0);

    daemons.clear();
    platforms.clear();
    session.reset();
    std::error_code ec;
    fs::remove_all(root, ec);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    Args args;
    CLI::App app{"srpadm_daemon_bench - the daemon's figures on a simulated host"};
    app.add_option("--ca-ports", args.ca_ports, "CA ports in the generated fabric (idle)");
    app.add_option("--targets", args.targets, "SRP target ports (idle)");
    app.add_option("--idle-hours", args.idle_hours, "Virtual hours of idling");
    app.add_option("--samples", args.samples, "Targets brought up one by one (latency)");
    app.add_option("--fleet", args.fleet, "Hosts with a daemon each (fleet)");
    app.add_option("--fleet-targets", args.fleet_targets, "SRP targets (fleet)");
    app.add_option("--fleet-hours", args.fleet_hours, "Virtual hours of steady state (fleet)");
    app.add_option("--only", args.only, "Run one part: idle, latency or fleet")
        ->check(CLI::IsMember({"idle", "latency", "fleet"}));
    CLI11_PARSE(app, argc, argv);
    try {
        for (const auto& [name, part] : {std::pair<std::string, int (*)(const Args&)>{"idle", idle},
                                         {"latency", latency},
                                         {"fleet", fleet}}) {
            if (args.only.empty() || args.only == name) {
                if (const int rc = part(args); rc != 0) {
                    return rc;
                }
            }
        }
        return 0;
    } catch (const std::exception& e) {
        fmt::print(stderr, "srpadm_daemon_bench: {}\n", e.what());
        return 1;
    }
}
