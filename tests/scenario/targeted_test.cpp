// Targeted scans: a rescan of the ports an SA Report names (by LID for traps 144/145, by GID
// for traps 64/65) and the merge of its report into the last full one. After every event the
// merged view must be what a fresh full scan of the same fabric finds. Also the full walk that
// ignores the ChangeID cache (LIO's ib_srpt always answers ChangeID 1).
#include <srpadm/discovery/traps.hpp>
#include <srpadm/wire/class_port_info.hpp>
#include <srpadm/wire/sa_records.hpp>

#include "scenario_support.hpp"

namespace srpadm::scenario {
namespace {

using discovery::PortOutcome;
using discovery::PortSelection;
using discovery::ScannedPort;
using discovery::TrapEvent;

// ---- helpers ----------------------------------------------------------------------------------

Result<DiscoveryReport> targeted(Harness& h, const PortSelection& ports, bool cached = true) {
    h.options.use_cache = cached;
    return discovery::discover(*h.endpoint, h.options, ports, cached ? &h.cache : nullptr);
}

DiscoveryReport targeted_ok(Harness& h, const PortSelection& ports, bool cached = true) {
    auto r = targeted(h, ports, cached);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? std::move(*r) : DiscoveryReport{};
}

PortSelection by_lid(Lid lid) {
    return {{lid}, {}};
}
PortSelection by_gid(const Gid& gid) {
    return {{}, {gid}};
}

// `text` holds `part`.
void expect_has(const std::string& text, std::string_view part) {
    EXPECT_NE(text.find(part), std::string::npos) << "\"" << text << "\" lacks \"" << part << "\"";
}

std::string show_scanned(const ScannedPort& s) {
    return fmt::format("lid 0x{:04x} gid {} {}", s.lid, s.gid ? s.gid->hex() : "-",
                       discovery::port_outcome_name(s.outcome));
}
std::string scanned(Lid lid, const std::optional<Gid>& gid, PortOutcome outcome) {
    return show_scanned(ScannedPort{lid, gid, outcome, {}});
}
std::vector<std::string> scanned_of(const DiscoveryReport& r) {
    std::vector<std::string> out;
    for (const auto& s : r.scanned) {
        out.push_back(show_scanned(s));
    }
    return out;
}
using Lines = std::vector<std::string>;

// What a full scan and a merged view must agree on: every DM port (LID, GID, shared P_Keys,
// IOUnitInfo, controllers and services) in order, and every target in order. Not compared:
// how each was learnt (from_cache), the problems and the figures.
std::vector<std::string> view_of(const DiscoveryReport& r) {
    std::vector<std::string> out;
    for (const auto& p : r.ports) {
        std::string line = fmt::format("port lid 0x{:04x} gid {} pkeys", p.lid, p.gid.hex());
        for (const PKey k : p.shared_pkeys) {
            line += fmt::format(" {:04x}", k);
        }
        line += p.iou ? fmt::format(" change_id {} slots", p.iou->change_id) : " no iou";
        if (p.iou) {
            for (const auto slot : p.iou->present_slots()) {
                line += fmt::format(" {}", slot);
            }
        }
        if (!p.error.empty()) {
            line += " error " + p.error;
        }
        out.push_back(line);
        for (const auto& ioc : p.iocs) {
            std::string i = fmt::format(
                "  ioc slot {} guid {:016x} class {:04x} id '{}' error '{}'", ioc.slot,
                ioc.profile.guid, ioc.profile.io_class, ioc.profile.id_string.display(), ioc.error);
            for (const auto& e : ioc.services) {
                i += fmt::format(" [{} {:016x}]", e.name.display(), e.id);
            }
            out.push_back(i);
        }
    }
    for (const auto& t : r.targets) {
        out.push_back("target " + show(t) + fmt::format(" lid 0x{:04x}", t.lid));
    }
    return out;
}

void expect_same_view(const DiscoveryReport& merged, const DiscoveryReport& full) {
    EXPECT_EQ(view_of(merged), view_of(full));
    EXPECT_EQ(lines(merged), lines(full));
    EXPECT_FALSE(merged.targeted);
    EXPECT_TRUE(merged.scanned.empty());
}

// A fresh full scan, without the cache (so that nothing learnt earlier can hide a change).
DiscoveryReport fresh(Harness& h) {
    auto r = discovery::discover(*h.endpoint, discovery::DiscoveryOptions{}, nullptr);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? std::move(*r) : DiscoveryReport{};
}

Gid gid_of(const Harness& h, std::string_view description) {
    return h.fabric.fabric().gid(h.port(description));
}

// two-targets.fabric after a first full scan with the cache, as a daemon starts.
struct Targeted : testing::Test {
    void SetUp() override {
        view = h.ok(true);
        expect_targets(view, two_targets());
    }
    // A targeted scan, merged into the view, which must then be a fresh full scan's.
    DiscoveryReport rescan(const PortSelection& ports) {
        auto report = targeted_ok(h, ports);
        EXPECT_TRUE(report.targeted);
        view = discovery::merge_targeted(view, report);
        expect_same_view(view, fresh(h));
        return report;
    }

    Harness h{example("two-targets")};
    DiscoveryReport view;
};

// ---- by LID -----------------------------------------------------------------------------------

TEST_F(Targeted, ByLidAnUnchangedPortCostsOnePortInfoRecordAndOneIouInfo) {
    const auto cpi = h.fault(probe(wire::mgmt_class::subn_adm, wire::attr::class_port_info));
    const auto pir = h.fault(probe(wire::mgmt_class::subn_adm, wire::sa_attr::port_info_record)
                                 .method(wire::method::get));
    const auto table = h.fault(probe(wire::mgmt_class::subn_adm, wire::sa_attr::port_info_record)
                                   .method(wire::method::get_table));
    const auto report = targeted_ok(h, by_lid(kStorage2Lid));
    EXPECT_EQ(scanned_of(report),
              (Lines{scanned(kStorage2Lid, gid_of(h, "storage2 mlx5_0"), PortOutcome::present)}));
    expect_targets(report, storage2_only());
    ASSERT_EQ(report.ports.size(), 1U);
    EXPECT_TRUE(report.ports[0].from_cache);
    EXPECT_TRUE(report.problems.empty());
    EXPECT_EQ(report.stats.sa_requests, 1U);
    EXPECT_EQ(report.stats.dm_requests, 1U);
    EXPECT_EQ(report.stats.dm_ports, 1U);
    EXPECT_EQ(report.stats.dm_ports_cached, 1U);
    EXPECT_EQ(report.stats.elapsed, microseconds(200 + 50));
    // No ClassPortInfo, no DM port table: one PortInfoRecord Get.
    EXPECT_EQ(h.fabric.faults().matches(cpi), 0U);
    EXPECT_EQ(h.fabric.faults().matches(table), 0U);
    EXPECT_EQ(h.fabric.faults().matches(pir), 1U);
    // Nothing changed: the merged view is the first scan's, and a fresh full scan's.
    const auto first = view;
    view = discovery::merge_targeted(view, report);
    expect_same_view(view, first);
    expect_same_view(view, fresh(h));
}

TEST_F(Targeted, ByLidWithoutTheCacheAsksThePathRecordsAndWalksThePort) {
    const auto report = targeted_ok(h, by_lid(kStorage2Lid), false);
    expect_targets(report, storage2_only());
    ASSERT_EQ(report.ports.size(), 1U);
    EXPECT_FALSE(report.ports[0].from_cache);
    // PortInfoRecord + one PathRecord (one local P_Key); IOUnitInfo, 2 IOCs, 2 entry blocks.
    EXPECT_EQ(report.stats.sa_requests, 2U);
    EXPECT_EQ(report.stats.dm_requests, 5U);
    expect_same_view(discovery::merge_targeted(view, report), fresh(h));
}

TEST_F(Targeted, LidWithoutTheDmBitIsGoneWithItsTargets) {
    h.apply(sim::TargetChange{h.port("storage2 mlx5_0"), false, std::nullopt});
    const auto report = rescan(by_lid(kStorage2Lid));
    ASSERT_EQ(report.scanned.size(), 1U);
    EXPECT_EQ(report.scanned[0].outcome, PortOutcome::gone);
    expect_has(report.scanned[0].why, "IsDeviceManagementSupported");
    EXPECT_TRUE(report.ports.empty());
    EXPECT_TRUE(report.targets.empty());
    EXPECT_EQ(report.stats.sa_requests, 1U);
    EXPECT_EQ(report.stats.dm_requests, 0U);
    expect_targets(view, storage1_only());
    // What was cached about it is dropped, as a full scan drops a port that left the table.
    EXPECT_EQ(h.cache.ports.count(kStorage2Lid), 0U);
    EXPECT_EQ(h.cache.iou.count(h.guid("storage2 mlx5_0")), 0U);
}

TEST_F(Targeted, LidNobodyHasIsGoneAndChangesNothing) {
    const auto report = rescan(by_lid(0x77));
    EXPECT_EQ(scanned_of(report), (Lines{scanned(0x77, std::nullopt, PortOutcome::gone)}));
    expect_has(report.scanned[0].why, "no port with this LID");
    expect_targets(view, two_targets());
}

TEST_F(Targeted, SwitchLidIsAskedAgainForPortZero) {
    // OpenSM answers a PortInfoRecord Get of a switch's LID with ERR_REQ_TOO_MANY (one record
    // per switch port); port 0 carries the switch's capabilities, without the DM bit here.
    const auto report = rescan(by_lid(kTwoTargetsSmLid));
    ASSERT_EQ(report.scanned.size(), 1U);
    EXPECT_EQ(report.scanned[0].outcome, PortOutcome::gone);
    EXPECT_EQ(report.stats.sa_requests, 2U);
    EXPECT_TRUE(report.problems.empty());
    expect_targets(view, two_targets());
}

TEST_F(Targeted, IocChangeWalksTheControllersAgainAndUpdatesTheCache) {
    h.apply(sim::IocChange{
        h.port("storage2 mlx5_0"), [](sim::DmAgent& agent) {
            agent.iocs[1].services.push_back({"SRP.T10:0002C90300C00131", 0x0002c90300c00131});
        }});
    const auto report = rescan(by_lid(kStorage2Lid));
    ASSERT_EQ(report.ports.size(), 1U);
    EXPECT_FALSE(report.ports[0].from_cache);
    EXPECT_EQ(report.ports[0].iou->change_id, 2);
    EXPECT_EQ(report.stats.sa_requests, 1U);
    EXPECT_EQ(report.stats.dm_requests, 1U + 4U);
    EXPECT_EQ(view.targets.size(), 4U);

    // The cache holds the new contents, for targeted and full scans alike.
    const auto again = targeted_ok(h, by_lid(kStorage2Lid));
    EXPECT_TRUE(again.ports.at(0).from_cache);
    EXPECT_EQ(again.stats.dm_requests, 1U);
    const auto full = h.ok(true);
    EXPECT_EQ(full.stats.sa_requests, 1U);
    EXPECT_EQ(full.stats.dm_requests, 2U);
    EXPECT_EQ(full.stats.dm_ports_cached, 2U);
    expect_same_view(view, full);
}

TEST(TargetedEachPort, ALidAloneGivesTheFullScansEntryAndTargetsForIt) {
    for (const char* name : {"two-targets", "mixed"}) {
        SCOPED_TRACE(name);
        Harness h(example(name));
        const auto full = h.ok();
        ASSERT_FALSE(full.ports.empty());
        for (const auto& port : full.ports) {
            SCOPED_TRACE(fmt::format("LID 0x{:04x}", port.lid));
            // Without the cache: the port walked from nothing, as the full scan walked it.
            const auto report = targeted_ok(h, by_lid(port.lid), false);
            EXPECT_EQ(scanned_of(report),
                      (Lines{scanned(port.lid, port.gid, PortOutcome::present)}));
            DiscoveryReport want;
            want.ports.push_back(port);
            for (const auto& t : full.targets) {
                if (t.lid == port.lid) {
                    want.targets.push_back(t);
                }
            }
            EXPECT_EQ(view_of(report), view_of(want));
            EXPECT_EQ(lines(report), lines(want));
            EXPECT_TRUE(report.problems.empty());
        }
    }
}

// ---- by GID -----------------------------------------------------------------------------------

TEST_F(Targeted, ByGidResolvesTheLidWithAPathRecordByDgid) {
    const auto paths = h.fault(probe(wire::mgmt_class::subn_adm, wire::sa_attr::path_record));
    const auto pir = h.fault(probe(wire::mgmt_class::subn_adm, wire::sa_attr::port_info_record));
    const Gid gid = gid_of(h, "storage1 mlx5_0");
    const auto report = targeted_ok(h, by_gid(gid));
    EXPECT_EQ(scanned_of(report), (Lines{scanned(kStorage1Lid, gid, PortOutcome::present)}));
    expect_targets(report, storage1_only());
    ASSERT_EQ(report.ports.size(), 1U);
    EXPECT_EQ(report.ports[0].lid, kStorage1Lid);
    EXPECT_EQ(report.ports[0].gid, gid);
    EXPECT_TRUE(report.ports[0].from_cache);  // the IOUnit's ChangeID is the cached one
    // One PathRecord (one local P_Key), then the PortInfoRecord by the LID it gave.
    EXPECT_EQ(h.fabric.faults().matches(paths), 1U);
    EXPECT_EQ(h.fabric.faults().matches(pir), 1U);
    EXPECT_EQ(report.stats.sa_requests, 2U);
    EXPECT_EQ(report.stats.dm_requests, 1U);
    EXPECT_EQ(report.stats.elapsed, microseconds(200 + 200 + 50));
    view = discovery::merge_targeted(view, report);
    expect_same_view(view, fresh(h));
}

TEST_F(Targeted, ByGidWithoutTheCacheWalksThePort) {
    const auto report = targeted_ok(h, by_gid(gid_of(h, "storage2 mlx5_0")), false);
    expect_targets(report, storage2_only());
    EXPECT_EQ(report.stats.sa_requests, 2U);
    EXPECT_EQ(report.stats.dm_requests, 5U);
    expect_same_view(discovery::merge_targeted(view, report), fresh(h));
}

TEST_F(Targeted, GidOfAPortThatWentDownIsUnreachableAndGone) {
    h.apply(sim::PortDown{h.port("storage2 mlx5_0")});
    const Gid gid = gid_of(h, "storage2 mlx5_0");
    const auto report = rescan(by_gid(gid));
    EXPECT_EQ(scanned_of(report), (Lines{scanned(0, gid, PortOutcome::gone)}));
    expect_has(report.scanned[0].why, "no path");
    EXPECT_TRUE(report.problems.empty());
    EXPECT_EQ(report.stats.sa_requests, 1U);
    EXPECT_EQ(report.stats.dm_requests, 0U);
    expect_targets(view, storage1_only());
    EXPECT_EQ(h.cache.ports.count(kStorage2Lid), 0U);
    EXPECT_EQ(h.cache.iou.count(gid.guid()), 0U);

    // It comes back: trap 64, the same GID.
    h.apply(sim::PortUp{h.port("storage2 mlx5_0")});
    const auto back = rescan(by_gid(gid));
    EXPECT_EQ(scanned_of(back), (Lines{scanned(kStorage2Lid, gid, PortOutcome::present)}));
    expect_targets(view, two_targets());
}

TEST_F(Targeted, UnknownGidIsGoneAndChangesNothing) {
    // The SA answers ERR_INVALID_GID for a GUID it does not know.
    const Gid gid = Gid::from_parts(0xfe80000000000000ULL, 0x0002c90300999999ULL);
    const auto report = rescan(by_gid(gid));
    EXPECT_EQ(scanned_of(report), (Lines{scanned(0, gid, PortOutcome::gone)}));
    expect_targets(view, two_targets());
}

// ---- several ports, failures, the local port ---------------------------------------------------

TEST_F(Targeted, SeveralPortsInOneScanEachWalkedOnce) {
    const Gid storage2 = gid_of(h, "storage2 mlx5_0");
    const Gid unknown = Gid::from_parts(0xfe80000000000000ULL, 0x0002c90300777777ULL);
    // storage2 is named twice (by LID and by GID), storage1 twice by LID.
    const auto report = rescan(
        {{kStorage1Lid, kStorage2Lid, 0x77, kStorage1Lid, 0}, {storage2, unknown, storage2}});
    EXPECT_EQ(scanned_of(report),
              (Lines{scanned(kStorage1Lid, gid_of(h, "storage1 mlx5_0"), PortOutcome::present),
                     scanned(kStorage2Lid, storage2, PortOutcome::present),
                     scanned(0x77, std::nullopt, PortOutcome::gone),
                     scanned(0, unknown, PortOutcome::gone)}));
    expect_targets(report, two_targets());
    // 3 PortInfoRecords, 2 PathRecords by DGID; one IOUnitInfo per port.
    EXPECT_EQ(report.stats.sa_requests, 5U);
    EXPECT_EQ(report.stats.dm_requests, 2U);
    expect_targets(view, two_targets());
}

TEST_F(Targeted, PortDownLocallyFailsTheScanAsAFullScanDoes) {
    h.apply(sim::PortDown{h.local_port()});
    const auto before = h.endpoint_stats().requests_sent;
    auto r = targeted(h, by_lid(kStorage2Lid));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::port_state);
    expect_has(r.error().message, "mlx5_0:1");
    expect_has(r.error().message, "DOWN");
    EXPECT_EQ(h.endpoint_stats().requests_sent, before);
    const Error full = h.failed(true);
    EXPECT_EQ(full.code, r.error().code);
    EXPECT_EQ(full.message, r.error().message);
}

TEST_F(Targeted, LocalPortDownDuringTheScanFailsIt) {
    h.fabric.schedule_after(microseconds(100), sim::PortDown{h.local_port()});
    auto r = targeted(h, by_gid(gid_of(h, "storage1 mlx5_0")));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::port_state);
    expect_has(r.error().message, "port mlx5_0:1 went down during the scan");
}

TEST_F(Targeted, SaThatDoesNotAnswerLeavesThePortAsItWas) {
    h.options.retry.retries = 1;
    h.fault(sa_fault(FaultAction::drop, wire::sa_attr::port_info_record));
    const auto report = targeted_ok(h, by_lid(kStorage2Lid));
    ASSERT_EQ(report.scanned.size(), 1U);
    EXPECT_EQ(report.scanned[0].outcome, PortOutcome::failed);
    ASSERT_EQ(report.problems.size(), 1U);
    expect_has(report.problems[0], "LID 0x0004");
    expect_has(report.problems[0], "no answer (2 attempts)");
    EXPECT_EQ(report.problem_lids, std::vector<Lid>{kStorage2Lid});
    const auto merged = discovery::merge_targeted(view, report);
    expect_targets(merged, two_targets());
    EXPECT_FALSE(merged.complete());
    // Once the SA answers again, the port is settled and its problem goes.
    h.fabric.faults().clear();
    const auto settled = discovery::merge_targeted(merged, targeted_ok(h, by_lid(kStorage2Lid)));
    expect_same_view(settled, fresh(h));
    EXPECT_TRUE(settled.complete());
}

TEST_F(Targeted, GidWhosePathRecordsAreNotAnsweredFails) {
    h.options.retry.retries = 0;
    h.fault(sa_fault(FaultAction::drop, wire::sa_attr::path_record));
    const Gid gid = gid_of(h, "storage2 mlx5_0");
    const auto report = targeted_ok(h, by_gid(gid));
    EXPECT_EQ(scanned_of(report), (Lines{scanned(0, gid, PortOutcome::failed)}));
    ASSERT_EQ(report.problems.size(), 1U);
    expect_has(report.problems[0], gid.hex());
    expect_has(report.problems[0], "no answer");
    expect_targets(discovery::merge_targeted(view, report), two_targets());
}

// ---- the daemon's loop: Reports name the ports
// ---------------------------------------------------

// two-targets.fabric with trap subscriptions: every Report becomes a targeted scan, merged into
// the view; the view must stay a full scan's.
struct ByTraps : Targeted {
    void SetUp() override {
        Targeted::SetUp();
        std::optional<std::vector<discovery::SubscriptionResult>> got;
        subscriber.subscribe([&got](auto r) { got = std::move(r); });
        h.loop.run_until([&got] { return got.has_value(); });
        ASSERT_TRUE(got);
        for (const auto& r : *got) {
            ASSERT_TRUE(r.ok()) << r.message;
        }
    }
    // Applies `event`, waits for its Report and rescans what it names.
    DiscoveryReport on(const sim::FabricEvent& event, std::uint16_t trap) {
        events.clear();
        h.apply(event);
        h.loop.run_until([this] { return !events.empty(); });
        EXPECT_EQ(events.size(), 1U);
        if (events.empty()) {
            return {};
        }
        EXPECT_EQ(events[0].trap_number, trap);
        const auto ports = discovery::ports_named_by(events[0]);
        EXPECT_FALSE(ports.empty());
        return rescan(ports);
    }

    std::vector<TrapEvent> events;
    discovery::TrapSubscriber subscriber{*h.endpoint,
                                         [this](const TrapEvent& e) { events.push_back(e); }};
};

TEST_F(ByTraps, PortDownAndUp) {
    const auto storage2 = h.port("storage2 mlx5_0");
    const auto down = on(sim::PortDown{storage2}, wire::trap::gid_out_of_service);
    EXPECT_EQ(down.scanned.at(0).outcome, PortOutcome::gone);
    expect_targets(view, storage1_only());
    const auto up = on(sim::PortUp{storage2}, wire::trap::gid_in_service);
    EXPECT_EQ(up.scanned.at(0).outcome, PortOutcome::present);
    expect_targets(view, two_targets());
}

TEST_F(ByTraps, TargetRemoveAndAdd) {
    const auto storage1 = h.port("storage1 mlx5_0");
    const auto removed =
        on(sim::TargetChange{storage1, false, std::nullopt}, wire::trap::local_changes);
    EXPECT_EQ(removed.scanned.at(0).outcome, PortOutcome::gone);
    expect_targets(view, storage2_only());
    // storage1 comes back: new to the view, it goes where the SA's table has it (first, by
    // its GUID), so the merged view is a full scan's again.
    const auto added =
        on(sim::TargetChange{storage1, true, std::nullopt}, wire::trap::local_changes);
    EXPECT_EQ(added.scanned.at(0).outcome, PortOutcome::present);
    expect_targets(view, two_targets());
    ASSERT_EQ(view.ports.size(), 2U);
    EXPECT_EQ(view.ports[0].lid, kStorage1Lid);

    // storage2 leaves and comes back: it is last in the SA's table.
    on(sim::TargetChange{h.port("storage2 mlx5_0"), false, std::nullopt},
       wire::trap::local_changes);
    expect_targets(view, storage1_only());
    on(sim::TargetChange{h.port("storage2 mlx5_0"), true, std::nullopt}, wire::trap::local_changes);
    expect_targets(view, two_targets());
}

TEST_F(ByTraps, IocChangeWithoutAReportIsSeenByATargetedScanOfItsLid) {
    // ioc-change sends no trap (a new ChangeID is only seen by asking); a daemon that learns
    // of it otherwise rescans the LID.
    h.apply(sim::IocChange{h.port("storage1 mlx5_0"), [](sim::DmAgent& agent) {
                               agent.iocs[0].services[0].id = 0x0002c90300b00099;
                           }});
    const auto report = rescan(by_lid(kStorage1Lid));
    EXPECT_FALSE(report.ports.at(0).from_cache);
    EXPECT_EQ(view.targets.at(0).service_id, 0x0002c90300b00099U);
}

// ---- a larger fabric: a sequence of events, then a full scan ------------------------------------

TEST(TargetedSequence, AFullScanAfterMergesEqualsTheMergedView) {
    Harness h(generated(60, 8));
    auto view = h.ok(true);
    ASSERT_EQ(view.targets.size(), 8U);
    const auto& f = h.fabric.fabric();
    std::vector<sim::PortRef> targets;
    std::optional<sim::PortRef> last_host;  // the host port last in the SA's table
    Guid last_guid = 0;
    for (const auto ref : f.end_ports()) {
        if (f.node(ref).type != sim::NodeType::ca || ref == h.local_port()) {
            continue;
        }
        if (f.port(ref).dm) {
            targets.push_back(ref);
        }
        if (f.node(ref).node_guid > last_guid) {
            last_guid = f.node(ref).node_guid;
            last_host = ref;
        }
    }
    ASSERT_EQ(targets.size(), 8U);
    ASSERT_TRUE(last_host);
    ASSERT_FALSE(f.port(*last_host).dm) << "the generator made the last CA a target";

    const auto step = [&](const sim::FabricEvent& event, const PortSelection& ports) {
        h.apply(event);
        auto report = targeted_ok(h, ports);
        view = discovery::merge_targeted(view, report);
        expect_same_view(view, fresh(h));
        return report;
    };
    const auto lid = [&](sim::PortRef r) { return f.port(r).lid; };
    // A controller gains a service (ChangeID bumped).
    step(sim::IocChange{targets[2],
                        [](sim::DmAgent& a) {
                            a.iocs[0].services.push_back({"SRP.T10:00000000000000AA", 0xaa});
                        }},
         by_lid(lid(targets[2])));
    // A target stops (trap 144 by LID), another port goes down (trap 65 by GID).
    step(sim::TargetChange{targets[5], false, std::nullopt}, by_lid(lid(targets[5])));
    step(sim::PortDown{targets[0]}, by_gid(f.gid(targets[0])));
    // A host that sorts last starts a target (trap 144): new, at the end.
    sim::DmAgent agent;
    agent.iocs.push_back(sim::Ioc{});
    agent.iocs[0].guid = f.port(*last_host).guid;
    agent.iocs[0].services.push_back(
        {fmt::format("SRP.T10:{:016X}", agent.iocs[0].guid), agent.iocs[0].guid});
    step(sim::TargetChange{*last_host, true, agent}, by_lid(lid(*last_host)));
    // That host goes down and comes back (traps 65 and 64), and meanwhile another target
    // changes: two ports in one scan.
    step(sim::PortDown{*last_host}, by_gid(f.gid(*last_host)));
    h.apply(sim::PortUp{*last_host});
    step(
        sim::IocChange{targets[7], [](sim::DmAgent& a) { a.iocs[0].services[0].name = "not SRP"; }},
        {{lid(targets[7])}, {f.gid(*last_host)}});
    // 8 targets, one service more, two stopped or down, one not SRP any more, one new.
    EXPECT_EQ(view.targets.size(), 8U + 1U - 2U - 1U + 1U);

    // The daemon's periodic full scan (cached) finds exactly the merged view, and every port
    // identity the targeted scans learnt is cached: the table, and a PathRecord for the port
    // that is down only (the simulated SA still lists it; no path answers).
    const auto full = h.ok(true);
    expect_same_view(view, full);
    EXPECT_EQ(full.stats.sa_requests, 2U);
}

// ---- the full walk that ignores the ChangeID ----------------------------------------------------

TEST(RewalkIocs, LioTargetChangedUnderTheSameChangeIdIsFoundByTheFullWalk) {
    Harness h(example("mixed"));
    const Lid lio = h.lid("lio1 mlx5_0");
    const auto first = h.ok(true);
    const auto before = std::find_if(first.targets.begin(), first.targets.end(),
                                     [&](const model::Target& t) { return t.lid == lio; });
    ASSERT_NE(before, first.targets.end());
    // The LIO target is reconfigured: another target name and service ID. ib_srpt still
    // answers ChangeID 1.
    h.apply(sim::IocChange{
        h.port("lio1 mlx5_0"), [](sim::DmAgent& agent) {
            agent.iocs[0].services[0] = {"SRP.T10:0002C90300E300FF", 0x0002c90300e300ff};
        }});
    const auto cached = h.ok(true);
    EXPECT_EQ(lines(cached), lines(first));  // missed: the cached controllers were reused
    EXPECT_EQ(cached.stats.dm_ports_cached, cached.stats.dm_ports);

    h.options.rewalk_iocs = true;
    const auto walked = h.ok(true);
    EXPECT_EQ(walked.stats.dm_ports_cached, 0U);
    // No extra SA query: the port identities still come from the cache.
    EXPECT_EQ(walked.stats.sa_requests, cached.stats.sa_requests);
    EXPECT_GT(walked.stats.dm_requests, cached.stats.dm_requests);
    const auto found = std::find_if(walked.targets.begin(), walked.targets.end(),
                                    [&](const model::Target& t) { return t.lid == lio; });
    ASSERT_NE(found, walked.targets.end());
    EXPECT_EQ(found->id_ext, "0002C90300E300FF");
    EXPECT_EQ(found->service_id, 0x0002c90300e300ffU);
    expect_same_view(walked, fresh(h));

    // The walk refreshed the cache: a plain cached rescan now lists the new target too.
    h.options.rewalk_iocs = false;
    EXPECT_EQ(lines(h.ok(true)), lines(walked));
}

TEST(RewalkIocs, TargetedScanOfALioPortWithTheFullWalk) {
    Harness h(example("mixed"));
    auto view = h.ok(true);
    EXPECT_FALSE(view.mask_match);
    const Lid lio = h.lid("lio1 mlx5_0");
    h.apply(sim::IocChange{h.port("lio1 mlx5_0"), [](sim::DmAgent& agent) {
                               agent.iocs[0].services[0].id = 0x0002c90300e300ff;
                           }});
    const auto missed = targeted_ok(h, by_lid(lio));
    EXPECT_TRUE(missed.ports.at(0).from_cache);
    EXPECT_FALSE(missed.mask_match);  // as cached: an old SM
    h.options.rewalk_iocs = true;
    const auto report = targeted_ok(h, by_lid(lio));
    EXPECT_FALSE(report.ports.at(0).from_cache);
    EXPECT_EQ(report.stats.sa_requests, 1U);
    view = discovery::merge_targeted(view, report);
    expect_same_view(view, fresh(h));
}

}  // namespace
}  // namespace srpadm::scenario
