// srpadm_daemon_bench: the daemon's figures on a simulated host (not a test; ctest does not run
// it). The real Daemon, Session, pool, discovery and trap subscriptions against the simulated
// fabric and the stand-in ib_srp (sim/host.hpp).
//
//   idle:    the daemon connects every target of a generated fabric, then idles for
//            --idle-hours of virtual time: loop wakeups, timers, SA and DM MADs, CPU time.
//   latency: in real time, a target comes up (trap 144) and the daemon writes its login: wall
//            time from the fabric's change to the add_target write, over --samples targets.
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
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <srpadm/daemon/daemon.hpp>
#include <srpadm/daemon/log.hpp>
#include <srpadm/ops/session.hpp>
#include <srpadm/runtime/clock.hpp>
#include <srpadm/sim/events.hpp>
#include <srpadm/sim/generator.hpp>
#include <srpadm/sim/host.hpp>

namespace {

using namespace srpadm;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct Args {
    std::size_t ca_ports = 2000;
    std::size_t targets = 1000;
    double idle_hours = 1.0;
    std::size_t samples = 20;
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
        "{} SA, {} DM requests; {} logins written\n",
        h.connected(), args.targets, std::chrono::duration<double>(settled).count(), settle_wall,
        fs_stats.sa.requests, fs_stats.dm.requests, h.ports->kernel().stats().logins);

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

}  // namespace

int main(int argc, char** argv) {
    Args args;
    CLI::App app{"srpadm_daemon_bench - the daemon's figures on a simulated host"};
    app.add_option("--ca-ports", args.ca_ports, "CA ports in the generated fabric (idle)");
    app.add_option("--targets", args.targets, "SRP target ports (idle)");
    app.add_option("--idle-hours", args.idle_hours, "Virtual hours of idling");
    app.add_option("--samples", args.samples, "Targets brought up one by one (latency)");
    CLI11_PARSE(app, argc, argv);
    try {
        if (const int rc = idle(args); rc != 0) {
            return rc;
        }
        return latency(args);
    } catch (const std::exception& e) {
        fmt::print(stderr, "srpadm_daemon_bench: {}\n", e.what());
        return 1;
    }
}
