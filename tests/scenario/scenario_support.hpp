// Shared fixtures of the scenario suite: the real discovery engine (discovery::discover) on
// the real simulated fabric (sim::SimFabric) and a VirtualClock, plus builders for fault
// rules and checks of what a scan found.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <srpadm/discovery/discovery.hpp>
#include <srpadm/model/login.hpp>
#include <srpadm/model/target.hpp>
#include <srpadm/runtime/clock.hpp>
#include <srpadm/runtime/event_loop.hpp>
#include <srpadm/sim/fabric_file.hpp>
#include <srpadm/sim/faults.hpp>
#include <srpadm/sim/generator.hpp>
#include <srpadm/sim/sim_endpoint.hpp>
#include <srpadm/sim/simulator.hpp>
#include <srpadm/wire/mad.hpp>

namespace srpadm::scenario {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::AllOf;
using testing::Contains;
using testing::ElementsAre;
using testing::HasSubstr;
using testing::IsEmpty;
using testing::Not;

using discovery::DiscoveryReport;
using sim::FaultAction;

inline std::string source_path(std::string_view relative) {
    return std::string(SRPADM_SOURCE_DIR) + "/" + std::string(relative);
}

// A fabric from examples/fabrics/ or tests/scenario/fabrics/.
inline sim::FabricFile load(std::string_view relative) {
    auto file = sim::load_fabric(source_path(relative));
    if (!file) {
        ADD_FAILURE() << file.error().message;
        return {};
    }
    return std::move(*file);
}
inline sim::FabricFile example(std::string_view name) {
    return load("examples/fabrics/" + std::string(name) + ".fabric");
}

// A fabric from sim::generate_fabric: `ca_ports` single-port CAs, `targets` of them SRP
// targets with one IOC of one service, unless `edit` changes the options.
inline sim::FabricFile generated(std::size_t ca_ports, std::size_t targets,
                                 const std::function<void(sim::GeneratorOptions&)>& edit = {}) {
    sim::GeneratorOptions options;
    options.ca_ports = ca_ports;
    options.targets = targets;
    if (edit) {
        edit(options);
    }
    auto file = sim::generate_fabric(options);
    if (!file) {
        ADD_FAILURE() << file.error().message;
        return {};
    }
    return std::move(*file);
}

// Port 1 of the CA whose node description is `description` ("storage2 mlx5_0").
inline sim::PortRef port_named(const sim::Fabric& fabric, std::string_view description) {
    for (std::size_t n = 0; n < fabric.nodes.size(); ++n) {
        if (fabric.nodes[n].description == description) {
            return sim::PortRef{n, 1};
        }
    }
    ADD_FAILURE() << "no node described as " << description;
    return {};
}

// ---- fault rules ------------------------------------------------------------------------------

// A FaultRule built in one expression: sa(FaultAction::drop, attr).once().
class Rule {
  public:
    Rule(FaultAction action, std::uint8_t mgmt_class, std::uint16_t attr) {
        rule_.action = action;
        rule_.mgmt_class = mgmt_class;
        rule_.attr_id = attr;
        rule_.origin = "scenario";
    }
    Rule& value(std::uint32_t v) {
        rule_.value = v;
        return *this;
    }
    Rule& delay(runtime::Duration d) {
        rule_.delay = d;
        return *this;
    }
    Rule& lid(Lid l) {
        rule_.dlid = l;
        return *this;
    }
    Rule& method(std::uint8_t m) {
        rule_.method = m;
        return *this;
    }
    // Fires on the nth match only (1-based).
    Rule& nth(std::uint64_t n) {
        rule_.nth = n;
        rule_.count = 1;
        return *this;
    }
    Rule& once() { return nth(1); }
    operator sim::FaultRule() const { return rule_; }  // NOLINT(google-explicit-constructor)

  private:
    sim::FaultRule rule_;
};

inline Rule sa_fault(FaultAction action, std::uint16_t attr) {
    return {action, wire::mgmt_class::subn_adm, attr};
}
inline Rule dm_fault(FaultAction action, std::uint16_t attr) {
    return {action, wire::mgmt_class::device_mgmt, attr};
}
// A rule that changes nothing (a delay of 0): its match count counts requests.
inline Rule probe(std::uint8_t mgmt_class, std::uint16_t attr) {
    return {FaultAction::delay, mgmt_class, attr};
}

inline constexpr std::uint16_t kStatusBusy = 0x0001;
inline constexpr std::uint16_t kStatusRedirect = 0x0002;

// ---- the harness ------------------------------------------------------------------------------

// A simulated fabric on virtual time, an endpoint on its first initiator port, the engine's
// options (the CLI's defaults) and a cache kept across scans.
struct Harness {
    explicit Harness(sim::FabricFile file)
        : fabric(std::move(file), loop), endpoint(open(fabric)), start(clock.now()) {}

    static std::unique_ptr<sim::SimEndpoint> open(sim::SimFabric& f) {
        auto ep = f.open();
        EXPECT_TRUE(ep) << (ep ? "" : ep.error().message);
        return ep ? std::move(*ep) : nullptr;
    }

    // One scan; with `cached`, the harness's cache is used and kept for the next scan.
    Result<DiscoveryReport> scan(bool cached = false) {
        options.use_cache = cached;
        return discovery::discover(*endpoint, options, cached ? &cache : nullptr);
    }
    // A scan expected to succeed.
    DiscoveryReport ok(bool cached = false) {
        auto r = scan(cached);
        EXPECT_TRUE(r) << (r ? "" : r.error().message);
        return r ? std::move(*r) : DiscoveryReport{};
    }
    // A scan expected to fail; its error.
    Error failed(bool cached = false) {
        auto r = scan(cached);
        EXPECT_FALSE(r) << "the scan succeeded with " << (r ? r->targets.size() : 0)
                        << " target(s)";
        return r ? Error{} : r.error();
    }

    sim::FaultInjector::RuleId fault(const sim::FaultRule& rule) {
        return fabric.faults().add(rule);
    }
    sim::PortRef port(std::string_view description) const {
        return port_named(fabric.fabric(), description);
    }
    sim::PortRef local_port() const { return fabric.fabric().local_ports.front().port; }
    Lid lid(std::string_view description) const {
        return fabric.fabric().port(port(description)).lid;
    }
    Guid guid(std::string_view description) const {
        return fabric.fabric().port(port(description)).guid;
    }
    void apply(const sim::FabricEvent& event) {
        auto r = fabric.apply(event);
        EXPECT_TRUE(r) << (r ? "" : r.error().message);
    }
    // Lets late answers (delayed, reordered) arrive after a scan has finished.
    void settle(runtime::Duration d = seconds(30)) {
        const auto until = loop.now() + d;
        loop.run_until([&] { return loop.now() >= until || loop.pending_timers() == 0; });
    }
    runtime::Duration since_start() const { return clock.now() - start; }
    const mad::EndpointStats& endpoint_stats() const { return endpoint->stats(); }

    runtime::VirtualClock clock;
    runtime::EventLoop loop{clock};
    sim::SimFabric fabric;
    std::unique_ptr<sim::SimEndpoint> endpoint;
    runtime::TimePoint start;
    discovery::DiscoveryOptions options;
    discovery::DiscoveryCache cache;
};

// One scan of an example fabric with these fault rules, expected to succeed.
inline DiscoveryReport scan_with(std::initializer_list<sim::FaultRule> rules,
                                 std::string_view fabric = "two-targets") {
    Harness h(example(fabric));
    for (const auto& rule : rules) {
        h.fault(rule);
    }
    return h.ok();
}

// ---- what a scan found ------------------------------------------------------------------------

// The add_target lines of a report, rendered without the CLI (srp_daemon -o -a -c).
inline std::vector<std::string> lines(const DiscoveryReport& report,
                                      const model::LoginPolicy& policy = {}) {
    std::vector<std::string> out;
    for (const auto& t : report.targets) {
        auto line = login::render(model::login_spec(t, policy));
        EXPECT_TRUE(line) << (line ? "" : line.error().message);
        out.push_back(line ? *line : std::string("<") + line.error().message + ">");
    }
    return out;
}

// One target as a test expects it, in add_target terms.
struct Want {
    std::string id_ext;
    Guid ioc_guid = 0;
    std::string dgid;  // 32 hex digits
    PKey pkey = 0xffff;
    std::uint64_t service_id = 0;
    std::uint16_t io_class = 0x0100;
};

inline std::string show(const model::Target& t) {
    return fmt::format(
        "id_ext={} ioc_guid={:016x} dgid={} pkey={:04x} service_id={:016x} "
        "io_class={:04x}",
        t.id_ext, t.ioc_guid, t.dgid.hex(), t.pkey, t.service_id, t.io_class);
}
inline std::string show(const Want& w) {
    return fmt::format(
        "id_ext={} ioc_guid={:016x} dgid={} pkey={:04x} service_id={:016x} "
        "io_class={:04x}",
        w.id_ext, w.ioc_guid, w.dgid, w.pkey, w.service_id, w.io_class);
}

// Exactly these targets, in this order.
inline void expect_targets(const DiscoveryReport& report, const std::vector<Want>& want) {
    std::vector<std::string> got_text;
    std::vector<std::string> want_text;
    for (const auto& t : report.targets) {
        got_text.push_back(show(t));
    }
    for (const auto& w : want) {
        want_text.push_back(show(w));
    }
    EXPECT_EQ(got_text, want_text);
}

// The GID of a port GUID on the default subnet prefix, as add_target writes it.
inline std::string dgid(Guid port_guid) {
    return Gid::from_parts(0xfe80000000000000ULL, port_guid).hex();
}

// A target whose id_ext and service ID are its IOC GUID and whose port GUID is the IOC GUID
// plus one, as most example targets are numbered.
inline Want srp(Guid ioc, PKey pkey = 0xffff, std::uint16_t io_class = 0x0100) {
    return {fmt::format("{:016X}", ioc), ioc, dgid(ioc + 1), pkey, ioc, io_class};
}

// examples/fabrics/two-targets.fabric: storage1 (LID 3) with one IOC, storage2 (LID 4) with
// IOCs in slots 1 and 2; every port on the default partition.
inline std::vector<Want> two_targets() {
    return {
        {"0002C90300B00020", 0x0002c90300b00020, dgid(0x0002c90300b00021), 0xffff,
         0x0002c90300b00020},
        {"0002C90300C00030", 0x0002c90300c00030, dgid(0x0002c90300c00031), 0xffff,
         0x0002c90300c00030},
        {"0002C90300C00130", 0x0002c90300c00130, dgid(0x0002c90300c00031), 0xffff,
         0x0002c90300c00130},
    };
}
inline std::vector<Want> storage1_only() {
    return {two_targets()[0]};
}
inline std::vector<Want> storage2_only() {
    return {two_targets()[1], two_targets()[2]};
}
inline constexpr Lid kStorage1Lid = 3;
inline constexpr Lid kStorage2Lid = 4;
inline constexpr Lid kTwoTargetsSmLid = 1;

// What a scan of two-targets.fabric spent on the faults it recovered from. The defaults are a
// scan without faults.
struct Spent {
    std::uint64_t sa = 4;  // SA requests
    std::uint64_t dm = 8;  // DM requests
    std::uint64_t timeouts = 0;
    std::uint64_t retries = 0;
    std::uint64_t unmatched = 0;
    std::uint64_t busy = 0;
};

// All three targets of two-targets.fabric, no problem, and exactly `spent`.
inline void expect_recovered(const DiscoveryReport& report, const Spent& spent) {
    expect_targets(report, two_targets());
    EXPECT_THAT(report.problems, IsEmpty());
    const auto& s = report.stats;
    const auto row = [](std::uint64_t sa, std::uint64_t dm, std::uint64_t timeouts,
                        std::uint64_t retries, std::uint64_t unmatched, std::uint64_t busy) {
        return fmt::format("SA {}, DM {}, timeouts {}, retries {}, unmatched {}, busy {}", sa, dm,
                           timeouts, retries, unmatched, busy);
    };
    EXPECT_EQ(row(s.sa_requests, s.dm_requests, s.timeouts, s.retries, s.unmatched, s.busy),
              row(spent.sa, spent.dm, spent.timeouts, spent.retries, spent.unmatched, spent.busy));
}

// Scans two-targets.fabric with `rule` making one answer fail once (drop, wrong TID): every
// target is found after one timeout and one retry, and the scan took one timeout and one
// backoff longer than without the fault.
inline void expect_one_retry(const sim::FaultRule& rule, const Spent& spent);

// The bounds of the time a request that never succeeds takes: `attempts` timeouts plus the
// backoffs between them (each doubling from policy.backoff up to backoff_max, with up to 25 %
// jitter added).
struct TimeBounds {
    runtime::Duration low{};
    runtime::Duration high{};
};
inline void expect_within(runtime::Duration d, const TimeBounds& b) {
    EXPECT_GE(d, b.low);
    EXPECT_LE(d, b.high);
}
// `base` plus a first backoff of `backoff` (up to 25 % jitter added).
inline TimeBounds after_backoff(runtime::Duration base, runtime::Duration backoff) {
    return {base + backoff, base + backoff + backoff / 4};
}
inline TimeBounds retry_time(const discovery::RetryPolicy& policy) {
    TimeBounds b;
    runtime::Duration backoff = policy.backoff;
    for (unsigned attempt = 1; attempt <= policy.retries; ++attempt) {
        const runtime::Duration d = std::min(backoff, policy.backoff_max);
        b.low += d;
        b.high += d + d / 4;
        backoff *= 2;
    }
    const auto attempts = static_cast<std::int64_t>(policy.retries) + 1;
    b.low += policy.timeout * attempts;
    b.high += policy.timeout * attempts;
    return b;
}

// Every problem is printable ASCII: nothing from the wire reaches a terminal raw.
inline void expect_printable(const std::vector<std::string>& texts) {
    for (const auto& text : texts) {
        EXPECT_TRUE(std::all_of(text.begin(), text.end(), [](char c) {
            return c >= 0x20 && c < 0x7f;
        })) << text;
    }
}

inline void expect_one_retry(const sim::FaultRule& rule, const Spent& spent) {
    Harness h(example("two-targets"));
    h.fault(rule);
    const auto report = h.ok();
    expect_recovered(report, spent);
    EXPECT_EQ(report.stats.timeouts, 1U);
    EXPECT_EQ(report.stats.retries, 1U);
    expect_within(report.stats.elapsed,
                  after_backoff(microseconds(750) + h.options.retry.timeout, milliseconds(100)));
}

}  // namespace srpadm::scenario
