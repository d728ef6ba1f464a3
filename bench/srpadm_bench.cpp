// srpadm_bench: discovery on a large simulated fabric: first scan, rescan, and a targeted
// rescan of one port (what a daemon does on an SA Report about it), by LID and by GID.
//
// Prints the scan times, the lower bound for the chosen window, the reference srp_daemon's
// serial cost for the same fabric (one round trip per MAD, its MAD budget), the MADs sent
// (SA requests, SA response MADs with RMPP segments counted, DM apart), MADs per target, CPU
// time and peak RSS, and ends with one JSON line of those figures. It is a benchmark, not a
// test: it asserts nothing about time; it says whether each goal was met.
//
// Time: by default the fabric runs on a virtual clock, so scan times are what the latency
// model and the window give, independent of this machine's load; --clock real runs the same
// scans on the steady clock, where the event loop really sleeps until answers are due and the
// scan time includes srpadm's and the simulator's CPU time.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>
#include <string>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <srpadm/discovery/discovery.hpp>
#include <srpadm/runtime/clock.hpp>
#include <srpadm/runtime/event_loop.hpp>
#include <srpadm/sim/generator.hpp>
#include <srpadm/sim/sim_endpoint.hpp>
#include <srpadm/sim/simulator.hpp>
#include <srpadm/wire/message.hpp>
#include <srpadm/wire/sa_records.hpp>

namespace {

using namespace srpadm;
using std::chrono::microseconds;

double us(runtime::Duration d) {
    return std::chrono::duration<double, std::micro>(d).count();
}

double cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

long peak_rss_kib() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

long current_rss_kib() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            return std::stol(line.substr(6));
        }
    }
    return 0;
}

struct Args {
    sim::GeneratorOptions fabric{10000, 1000, 1, 1, 0, 1};
    unsigned sa_latency_us = 200;
    unsigned dm_latency_us = 50;
    std::size_t window = 64;
    std::size_t sa_window = 32;
    std::string clock = "virtual";
};

// What one scan cost.
struct ScanFigures {
    double time_us = 0;
    double cpu_ms = 0;
    discovery::ScanStats stats;
    std::size_t targets = 0;
    std::size_t problems = 0;
};

// srp_daemon's serial cost for the fabric the report describes (rdma-core srp_daemon/srp_daemon.c,
// capability-mask SA, one-shot scan): 1 ClassPortInfo + 1 GetTable + per DM port
// (1 NodeRecord + P PathRecords) + per DM port and shared P_Key (1 IOUnitInfo + per IOC
// (1 IOControllerProfile + ceil(services / 4) ServiceEntries)), one round trip each.
struct ReferenceCost {
    std::uint64_t sa = 0;
    std::uint64_t dm = 0;
    double time_us = 0;
};

ReferenceCost reference_cost(const discovery::DiscoveryReport& report, std::size_t local_pkeys,
                             double sa_us, double dm_us) {
    ReferenceCost c;
    c.sa = 2;
    for (const auto& port : report.ports) {
        c.sa += 1 + local_pkeys;
        std::uint64_t walk = 1;
        for (const auto& ioc : port.iocs) {
            walk += 1 + (ioc.profile.service_entries + 3) / 4;
        }
        c.dm += walk * port.shared_pkeys.size();
    }
    c.time_us = static_cast<double>(c.sa) * sa_us + static_cast<double>(c.dm) * dm_us;
    return c;
}

// A lower bound on a first scan's time for this window: ClassPortInfo and the DM port table
// are sequential; then every PathRecord and DM MAD must pass through the windows, and the
// last port still needs one PathRecord and its DM walk after the table.
double first_scan_bound(const discovery::ScanStats& s, const Args& a, std::size_t dm_chain) {
    const double sa = a.sa_latency_us;
    const double dm = a.dm_latency_us;
    const double later_sa =
        static_cast<double>(s.sa_requests - std::min<std::uint64_t>(2, s.sa_requests));
    const double through_window =
        (later_sa * sa + static_cast<double>(s.dm_requests) * dm) / static_cast<double>(a.window);
    const double through_sa_window = later_sa * sa / static_cast<double>(a.sa_window);
    const double chain = sa + static_cast<double>(dm_chain) * dm;
    return 2 * sa + std::max({through_window, through_sa_window, chain});
}

// A rescan with everything cached: the DM port table, then one IOUnitInfo per DM port.
double rescan_bound(const discovery::ScanStats& s, const Args& a) {
    const double dm = a.dm_latency_us;
    const double sa = a.sa_latency_us;
    return static_cast<double>(s.sa_requests) * sa +
           std::max(dm, static_cast<double>(s.dm_requests) * dm / static_cast<double>(a.window));
}

// The alternative to one PathRecord per DM port for learning port GUIDs: one NodeRecord
// GetTable of the whole fabric. Asked once, outside discovery, to count its RMPP segments.
std::uint64_t node_table_segments(mad::MadEndpoint& endpoint, Lid sm_lid) {
    wire::SaRequest req;
    req.method = wire::method::get_table;
    req.rmpp = wire::RmppHeader::single_request();
    mad::MadRequest request;
    request.to.dlid = sm_lid;
    request.mad = wire::build_sa_request(req, wire::NodeRecord{});
    std::uint64_t segments = 0;
    bool done = false;
    endpoint.send(request, endpoint.loop().now() + std::chrono::seconds(5),
                  [&](const mad::MadResult& r) {
                      done = true;
                      if (r) {
                          segments = mad::wire_segments(wire::mgmt_class::subn_adm, r->mad.size());
                      }
                  });
    endpoint.loop().run_until([&] { return done; });
    return segments;
}

int run(const Args& a) {
    const double t_gen = cpu_seconds();
    auto file = sim::generate_fabric(a.fabric);
    if (!file) {
        fmt::print(stderr, "srpadm_bench: {}\n", file.error().message);
        return 3;
    }
    file->fabric.latency.sa = microseconds(a.sa_latency_us);
    file->fabric.latency.dm = microseconds(a.dm_latency_us);
    const double gen_s = cpu_seconds() - t_gen;
    const long rss_fabric = current_rss_kib();

    std::unique_ptr<runtime::Clock> clock;
    if (a.clock == "real") {
        clock = std::make_unique<runtime::SteadyClock>();
    } else {
        clock = std::make_unique<runtime::VirtualClock>();
    }
    runtime::EventLoop loop(*clock);
    sim::SimFabric fabric(std::move(*file), loop);
    auto endpoint = fabric.open();
    if (!endpoint) {
        fmt::print(stderr, "srpadm_bench: {}\n", endpoint.error().message);
        return 4;
    }
    const auto attrs = (*endpoint)->port_attributes().value();
    const auto local_pkeys = static_cast<std::size_t>(
        std::count_if(attrs.pkeys.begin(), attrs.pkeys.end(), [](PKey p) { return p != 0; }));

    discovery::DiscoveryOptions options;
    options.limits.window = a.window;
    options.limits.sa_window = a.sa_window;
    discovery::DiscoveryCache cache;

    auto scan = [&]() -> std::optional<std::pair<ScanFigures, discovery::DiscoveryReport>> {
        const double c0 = cpu_seconds();
        const auto w0 = std::chrono::steady_clock::now();
        auto report = discovery::discover(**endpoint, options, &cache);
        const auto w1 = std::chrono::steady_clock::now();
        if (!report) {
            fmt::print(stderr, "srpadm_bench: scan failed: {}\n", report.error().message);
            return std::nullopt;
        }
        ScanFigures f;
        f.stats = report->stats;
        f.time_us = a.clock == "real" ? us(w1 - w0) : us(report->stats.elapsed);
        f.cpu_ms = (cpu_seconds() - c0) * 1e3;
        f.targets = report->targets.size();
        f.problems = report->problems.size();
        return std::make_pair(f, std::move(*report));
    };

    auto first = scan();
    if (!first) {
        return 5;
    }
    auto again = scan();
    if (!again) {
        return 5;
    }
    const long rss_after = current_rss_kib();
    const auto& [f1, report] = *first;
    const auto& f2 = again->first;

    std::size_t dm_chain = 1;  // IOUnitInfo, then IOControllerProfile, then ServiceEntries
    for (const auto& port : report.ports) {
        dm_chain = std::max<std::size_t>(dm_chain, port.iocs.empty() ? 1 : 3);
    }
    const double bound1 = first_scan_bound(f1.stats, a, dm_chain);
    const double bound2 = rescan_bound(f2.stats, a);
    const auto ref = reference_cost(report, local_pkeys, a.sa_latency_us, a.dm_latency_us);
    const std::uint64_t table_segments = node_table_segments(**endpoint, attrs.sm_lid);

    // A targeted rescan of one DM port of the unchanged fabric, as on a trap: by LID (144) and
    // by GID (64). The port in the middle of the SA's table.
    const auto& probe_port = report.ports[report.ports.size() / 2];
    std::uint64_t port_walk = 1;  // its DM MADs on a walk: IOUnitInfo, profiles, entry blocks
    for (const auto& ioc : probe_port.iocs) {
        port_walk += 1 + (ioc.profile.service_entries + 3) / 4;
    }
    auto targeted = [&](const discovery::PortSelection& ports) -> std::optional<ScanFigures> {
        const double c0 = cpu_seconds();
        const auto w0 = std::chrono::steady_clock::now();
        auto partial = discovery::discover(**endpoint, options, ports, &cache);
        const auto w1 = std::chrono::steady_clock::now();
        if (!partial) {
            fmt::print(stderr, "srpadm_bench: targeted scan failed: {}\n", partial.error().message);
            return std::nullopt;
        }
        ScanFigures f;
        f.stats = partial->stats;
        f.time_us = a.clock == "real" ? us(w1 - w0) : us(partial->stats.elapsed);
        f.cpu_ms = (cpu_seconds() - c0) * 1e3;
        f.targets = partial->targets.size();
        f.problems = partial->problems.size();
        // Merged into the full rescan's report, it must give the same targets.
        if (discovery::merge_targeted(again->second, *partial).targets != again->second.targets) {
            fmt::print(stderr, "srpadm_bench: the merged view differs from the full rescan\n");
            return std::nullopt;
        }
        return f;
    };
    const auto by_lid = targeted({{probe_port.lid}, {}});
    const auto by_gid = targeted({{}, {probe_port.gid}});
    if (!by_lid || !by_gid) {
        return 5;
    }
    const auto targeted_goal = [&](const ScanFigures& f) {
        return f.stats.sa_requests <= 2 && f.stats.dm_requests <= port_walk && f.problems == 0;
    };
    const bool goal_targeted = targeted_goal(*by_lid) && targeted_goal(*by_gid);

    const double targets = static_cast<double>(std::max<std::size_t>(1, f1.targets));
    const double dm_per_target_1 = static_cast<double>(f1.stats.dm_requests) / targets;
    const double dm_per_target_2 = static_cast<double>(f2.stats.dm_requests) / targets;
    const std::size_t dm_ports = f1.stats.dm_ports;
    const bool goal_bound = f1.time_us <= 1.25 * bound1;
    const bool goal_speedup = ref.time_us >= 50 * f1.time_us;
    const bool goal_sa_first = f1.stats.sa_requests <= 2 + 2 * dm_ports;
    const bool goal_sa_rescan = f2.stats.sa_requests <= 2;
    const bool goal_dm_first = dm_per_target_1 <= 3.0;
    const bool goal_dm_rescan = dm_per_target_2 <= 1.0;
    const long peak = peak_rss_kib();
    auto yes = [](bool b) { return b ? "met" : "NOT MET"; };

    fmt::print(
        "srpadm_bench: {} CA ports, {} targets ({} IOC(s) x {} service(s)), {} extra "
        "P_Key(s); SA latency {} us, DM latency {} us; window {} (SA {}); {} clock\n",
        a.fabric.ca_ports, a.fabric.targets, a.fabric.iocs_per_target, a.fabric.services_per_ioc,
        a.fabric.pkeys, a.sa_latency_us, a.dm_latency_us, a.window, a.sa_window, a.clock);
    fmt::print("fabric: generated and loaded in {:.0f} ms CPU, {} KiB RSS\n", gen_s * 1e3,
               rss_fabric);
    fmt::print("first scan: {} targets on {} DM ports, {} problem(s)\n", f1.targets, dm_ports,
               f1.problems);
    fmt::print(
        "  time            {:10.0f} us   lower bound for this window {:.0f} us "
        "(ratio {:.3f}; goal <= 1.25: {})\n",
        f1.time_us, bound1, f1.time_us / bound1, yes(goal_bound));
    fmt::print(
        "  reference       {:10.0f} us   srp_daemon serially: {} SA + {} DM MADs "
        "(speed-up {:.0f}x; goal >= 50x: {})\n",
        ref.time_us, ref.sa, ref.dm, ref.time_us / f1.time_us, yes(goal_speedup));
    fmt::print("  SA requests     {:10}      goal <= 2 + 2 x {} DM ports = {}: {}\n",
               f1.stats.sa_requests, dm_ports, 2 + 2 * dm_ports, yes(goal_sa_first));
    fmt::print("  SA response MADs{:10}      (RMPP segments counted)\n", f1.stats.sa_response_mads);
    fmt::print("  DM requests     {:10}      {:.2f} per target (goal <= 3: {})\n",
               f1.stats.dm_requests, dm_per_target_1, yes(goal_dm_first));
    fmt::print("  retries {}, timeouts {}, peak in flight {}, CPU {:.1f} ms\n", f1.stats.retries,
               f1.stats.timeouts, f1.stats.peak_outstanding, f1.cpu_ms);
    fmt::print("rescan (unchanged fabric, cached): {} targets, {} of {} DM ports unchanged\n",
               f2.targets, f2.stats.dm_ports_cached, f2.stats.dm_ports);
    fmt::print("  time            {:10.0f} us   lower bound {:.0f} us (ratio {:.3f})\n", f2.time_us,
               bound2, f2.time_us / bound2);
    fmt::print("  SA requests     {:10}      goal <= 2: {}\n", f2.stats.sa_requests,
               yes(goal_sa_rescan));
    fmt::print("  SA response MADs{:10}\n", f2.stats.sa_response_mads);
    fmt::print("  DM requests     {:10}      {:.2f} per target (goal <= 1: {})\n",
               f2.stats.dm_requests, dm_per_target_2, yes(goal_dm_rescan));
    fmt::print("  CPU {:.1f} ms\n", f2.cpu_ms);
    fmt::print(
        "targeted rescan of one port (LID 0x{:04x}, {} target(s), a walk of {} DM MADs), "
        "cached, next to the full rescan's {:.0f} us, {} SA and {} DM requests:\n",
        probe_port.lid, by_lid->targets, port_walk, f2.time_us, f2.stats.sa_requests,
        f2.stats.dm_requests);
    for (const auto& [name, f] :
         {std::pair{"by LID (trap 144)", *by_lid}, std::pair{"by GID (trap 64) ", *by_gid}}) {
        fmt::print(
            "  {}  time {:6.0f} us   SA requests {}   DM requests {}   goal <= 2 SA and <= {} "
            "DM: {}\n",
            name, f.time_us, f.stats.sa_requests, f.stats.dm_requests, port_walk,
            yes(targeted_goal(f)));
    }
    fmt::print(
        "port GUIDs: one PathRecord per DM port costs {} request + {} response MADs; one "
        "NodeRecord GetTable of the fabric would cost 1 request + {} response segments\n",
        dm_ports * local_pkeys, dm_ports * local_pkeys, table_segments);
    fmt::print("memory: peak RSS {} KiB; {} KiB after both scans ({} KiB with only the fabric)\n",
               peak, rss_after, rss_fabric);

    const nlohmann::json j = {
        {"bench", "srpadm_bench/1"},
        {"clock", a.clock},
        {"ca_ports", a.fabric.ca_ports},
        {"targets", f1.targets},
        {"dm_ports", dm_ports},
        {"window", a.window},
        {"sa_window", a.sa_window},
        {"sa_latency_us", a.sa_latency_us},
        {"dm_latency_us", a.dm_latency_us},
        {"first_scan_us", std::lround(f1.time_us)},
        {"first_scan_bound_us", std::lround(bound1)},
        {"first_scan_ratio_to_bound", std::round(f1.time_us / bound1 * 1000) / 1000},
        {"reference_serial_us", std::lround(ref.time_us)},
        {"speedup_vs_reference", std::round(ref.time_us / f1.time_us * 10) / 10},
        {"rescan_us", std::lround(f2.time_us)},
        {"rescan_bound_us", std::lround(bound2)},
        {"sa_requests_first", f1.stats.sa_requests},
        {"sa_response_mads_first", f1.stats.sa_response_mads},
        {"dm_requests_first", f1.stats.dm_requests},
        {"dm_per_target_first", std::round(dm_per_target_1 * 100) / 100},
        {"sa_requests_rescan", f2.stats.sa_requests},
        {"sa_response_mads_rescan", f2.stats.sa_response_mads},
        {"dm_requests_rescan", f2.stats.dm_requests},
        {"dm_per_target_rescan", std::round(dm_per_target_2 * 100) / 100},
        {"node_table_segments", table_segments},
        {"cpu_ms_first", std::round(f1.cpu_ms * 10) / 10},
        {"cpu_ms_rescan", std::round(f2.cpu_ms * 10) / 10},
        {"peak_rss_kib", peak},
        {"goals_met", goal_bound && goal_speedup && goal_sa_first && goal_sa_rescan &&
                          goal_dm_first && goal_dm_rescan},
        {"targeted_port_dm_walk", port_walk},
        {"targeted_lid_us", std::lround(by_lid->time_us)},
        {"sa_requests_targeted_lid", by_lid->stats.sa_requests},
        {"dm_requests_targeted_lid", by_lid->stats.dm_requests},
        {"targeted_gid_us", std::lround(by_gid->time_us)},
        {"sa_requests_targeted_gid", by_gid->stats.sa_requests},
        {"dm_requests_targeted_gid", by_gid->stats.dm_requests},
        {"targeted_goals_met", goal_targeted},
    };
    fmt::print("{}\n", j.dump());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    Args a;
    CLI::App app{"srpadm_bench - discovery on a large simulated fabric", "srpadm_bench"};
    app.add_option("--ca-ports", a.fabric.ca_ports, "CA ports in the fabric")
        ->capture_default_str();
    app.add_option("--targets", a.fabric.targets, "SRP target ports")->capture_default_str();
    app.add_option("--iocs-per-target", a.fabric.iocs_per_target)->capture_default_str();
    app.add_option("--services-per-ioc", a.fabric.services_per_ioc)->capture_default_str();
    app.add_option("--pkeys", a.fabric.pkeys, "Partitions besides the default one")
        ->capture_default_str();
    app.add_option("--seed", a.fabric.seed)->capture_default_str();
    app.add_option("--sa-latency-us", a.sa_latency_us)->capture_default_str();
    app.add_option("--dm-latency-us", a.dm_latency_us)->capture_default_str();
    app.add_option("--window", a.window)
        ->check(CLI::Range(std::size_t{1}, std::size_t{4096}))
        ->capture_default_str();
    app.add_option("--sa-window", a.sa_window)
        ->check(CLI::Range(std::size_t{1}, std::size_t{4096}))
        ->capture_default_str();
    app.add_option("--clock", a.clock, "virtual (latency model only) or real (steady clock)")
        ->check(CLI::IsMember({"virtual", "real"}))
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    a.sa_window = std::min(a.sa_window, a.window);
    return run(a);
}
