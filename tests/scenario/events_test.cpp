// Fabric events between and during scans: SM moves, the local port going down, targets
// appearing, disappearing and changing, P_Key table changes. Rescans use the cache the way
// the daemon will.
#include "scenario_support.hpp"

namespace srpadm::scenario {
namespace {

// ---- the SM moves -----------------------------------------------------------------------------

// A first scan with the cache, then the SM moves to storage1's port.
struct SmMove : testing::Test {
    void SetUp() override {
        expect_targets(h.ok(true), two_targets());
        h.apply(sim::SmMove{h.port("storage1 mlx5_0")});
        ASSERT_EQ(h.endpoint->port_attributes()->sm_lid, kStorage1Lid);
    }
    Harness h{example("two-targets")};
};

TEST_F(SmMove, WithTheCacheClearedEverythingIsFoundAgain) {
    h.cache.clear();
    // A full first scan again, at the new SM.
    expect_recovered(h.ok(true), {});
}

TEST_F(SmMove, WithoutClearingTheCacheTheEngineDropsItItself) {
    // The daemon clears the cache on an SM change. If a caller does not, the engine notices
    // the new SM LID itself and drops what the old SA told it.
    expect_recovered(h.ok(true), {});
    // A third scan at the same SM uses the cache again.
    expect_recovered(h.ok(true), {.sa = 1, .dm = 2});
}

TEST_F(SmMove, ToAnOldSmWithAStaleCacheTheTargetsAreStillFound) {
    // The new SM has no capability-mask match: a cached "mask-match" answer from the old SM
    // would send a PortInfoRecord query the new SA compares for equality, matching nothing.
    h.fabric.fabric().sa_mode = sim::SaMode::old_sm;
    const auto report = h.ok(true);
    EXPECT_FALSE(report.mask_match);
    expect_targets(report, two_targets());
    EXPECT_THAT(report.problems, IsEmpty());
}

// ---- the local port ---------------------------------------------------------------------------

TEST(Events, LocalPortDownFailsTheScanWithPortState) {
    Harness h(example("two-targets"));
    h.apply(sim::PortDown{h.local_port()});
    const Error e = h.failed();
    EXPECT_EQ(e.code, Errc::port_state);
    EXPECT_EQ(exit_status(e.code), ExitStatus::port);
    EXPECT_THAT(e.message, AllOf(HasSubstr("mlx5_0:1"), HasSubstr("DOWN")));
    EXPECT_EQ(h.endpoint_stats().requests_sent[0] + h.endpoint_stats().requests_sent[1], 0U);

    h.apply(sim::PortUp{h.local_port()});
    expect_targets(h.ok(), two_targets());
}

// Takes the local port down `after` the scan starts: the scan ends with port_state and names
// the port.
void expect_local_port_lost(Harness& h, runtime::Duration after) {
    h.fabric.schedule_after(after, sim::PortDown{h.local_port()});
    const Error e = h.failed();
    EXPECT_EQ(e.code, Errc::port_state);
    EXPECT_THAT(e.message, HasSubstr("port mlx5_0:1 went down during the scan"));
}

TEST(Events, LocalPortDownDuringTheScanEndsItWithPortState) {
    Harness h(example("two-targets"));
    // After the SA's answers, while the DM walk is under way.
    expect_local_port_lost(h, microseconds(650));
    // It gave up at once: no retries against a port that is down.
    EXPECT_LT(h.since_start(), milliseconds(1));
}

TEST(Events, LocalPortDownWhileARetryWaitsEndsTheScanWithPortState) {
    Harness h(example("two-targets"));
    // storage2's IOUnitInfo times out at 1 s; the port goes down during the backoff, so the
    // resend cannot be sent.
    h.fault(dm_fault(FaultAction::drop, wire::dm_attr::io_unit_info).lid(kStorage2Lid).once());
    expect_local_port_lost(h, milliseconds(1050));
}

TEST(Events, LocalPortDownWithRequestsStillQueuedEndsTheScanWithPortState) {
    // 500 targets: when the port goes down, the window is full and requests wait in the
    // queue; sending them fails at once.
    Harness h(generated(2000, 500));
    expect_local_port_lost(h, microseconds(700));
    // It stopped at once: what was still queued was never sent.
    EXPECT_LT(h.since_start(), milliseconds(1));
    EXPECT_EQ(h.endpoint_stats().requests_sent[0] + h.endpoint_stats().requests_sent[1],
              h.fabric.stats().sa.requests + h.fabric.stats().dm.requests);
}

TEST(Events, LocalPKeyChangeIsSeenByACachedRescan) {
    Harness h(example("partitions"));
    const auto first = h.ok(true);
    ASSERT_EQ(first.targets.size(), 3U);
    // host1 leaves 0x8002: tgt-b is now reachable on 0x8001 only.
    const auto host = h.local_port();
    h.apply(sim::PKeyTableChange{host, {0x7fff, 0x8001, 0x0004}});
    const auto report = h.ok(true);
    ASSERT_EQ(report.targets.size(), 2U);
    EXPECT_EQ(report.targets[1].id_ext, "0002C90300D20020");
    EXPECT_EQ(report.targets[1].pkey, 0x8001);
    // The PathRecords are asked again for the new table (3 P_Keys x 2 ports).
    EXPECT_EQ(report.stats.sa_requests, 1U + 2U * 3U);
}

// ---- targets come and go ----------------------------------------------------------------------

TEST(Events, RemovedTargetIsNoLongerListed) {
    Harness h(example("two-targets"));
    expect_targets(h.ok(true), two_targets());
    h.apply(sim::TargetChange{h.port("storage2 mlx5_0"), false, std::nullopt});
    const auto report = h.ok(true);
    expect_targets(report, storage1_only());
    EXPECT_THAT(report.problems, IsEmpty());
    EXPECT_EQ(report.ports.size(), 1U);
    EXPECT_EQ(report.stats.sa_requests, 1U);
    EXPECT_EQ(report.stats.dm_requests, 1U);

    // It comes back as it was.
    h.apply(sim::TargetChange{h.port("storage2 mlx5_0"), true, std::nullopt});
    const auto back = h.ok(true);
    expect_targets(back, two_targets());
    EXPECT_THAT(back.problems, IsEmpty());
}

TEST(Events, TargetReplacedWhileAwayIsWalkedAgain) {
    // storage2 goes away, and comes back with one other IOC: a new agent that starts at
    // ChangeID 1 again, the value the cache holds for it.
    Harness h(example("two-targets"));
    expect_targets(h.ok(true), two_targets());
    h.apply(sim::TargetChange{h.port("storage2 mlx5_0"), false, std::nullopt});
    expect_targets(h.ok(true), storage1_only());

    sim::DmAgent agent;
    sim::Ioc ioc;
    ioc.guid = 0x0002c90300c00999;
    ioc.id_string = "storage2 reinstalled";
    ioc.services.push_back({"SRP.T10:0002C90300C00999", 0x0002c90300c00999});
    agent.iocs.push_back(ioc);
    h.apply(sim::TargetChange{h.port("storage2 mlx5_0"), true, agent});
    const auto report = h.ok(true);
    expect_targets(report, {two_targets()[0],
                            {"0002C90300C00999", 0x0002c90300c00999, dgid(0x0002c90300c00031),
                             0xffff, 0x0002c90300c00999}});
    EXPECT_EQ(report.stats.dm_ports_cached, 1U);
}

TEST(Events, TargetReplacedWhileAwayOnAnOldSm) {
    Harness h(example("mixed"));
    ASSERT_EQ(h.ok(true).targets.size(), 3U);
    const auto rev10 = h.port("rev10 HCA-1");
    h.apply(sim::TargetChange{rev10, false, std::nullopt});
    ASSERT_EQ(h.ok(true).targets.size(), 2U);
    sim::DmAgent agent;
    agent.iocs.push_back(sim::Ioc{});
    agent.iocs[0].guid = 0x0002c90300e30999;
    agent.iocs[0].services.push_back({"SRP.T10:0002C90300E30999", 0x0002c90300e30999});
    h.apply(sim::TargetChange{rev10, true, agent});
    const auto report = h.ok(true);
    ASSERT_EQ(report.targets.size(), 3U);
    EXPECT_EQ(report.targets[1].id_ext, "0002C90300E30999");
    EXPECT_EQ(report.targets[1].io_class, 0x0100);
}

TEST(Events, TargetAppearingOnAnotherPortIsFound) {
    Harness h(generated(6, 2));
    const auto first = h.ok(true);
    ASSERT_EQ(first.targets.size(), 2U);

    // A host that was no target starts one.
    const auto& f = h.fabric.fabric();
    std::optional<sim::PortRef> host;
    for (const auto ref : f.end_ports()) {
        const auto& p = f.port(ref);
        if (f.node(ref).type == sim::NodeType::ca && !p.dm && ref != h.local_port()) {
            host = ref;
            break;
        }
    }
    ASSERT_TRUE(host);
    const Guid guid = f.port(*host).guid;
    sim::DmAgent agent;
    agent.iocs.push_back(sim::Ioc{});
    agent.iocs[0].guid = guid;
    agent.iocs[0].services.push_back({fmt::format("SRP.T10:{:016X}", guid), guid});
    h.apply(sim::TargetChange{*host, true, agent});

    const auto report = h.ok(true);
    ASSERT_EQ(report.targets.size(), 3U);
    EXPECT_EQ(std::count_if(report.targets.begin(), report.targets.end(),
                            [&](const model::Target& t) { return t.port_guid() == guid; }),
              1);
    // The two known ports from the cache, the new one walked: 1 table + 1 PathRecord.
    EXPECT_EQ(report.stats.sa_requests, 2U);
    EXPECT_EQ(report.stats.dm_requests, 2U + 3U);
    EXPECT_EQ(report.stats.dm_ports_cached, 2U);
}

TEST(Events, RemotePortDownDuringTheScanIsAProblemForThatPortOnly) {
    Harness h(example("two-targets"));
    h.options.retry.retries = 1;
    h.fabric.schedule_after(microseconds(620), sim::PortDown{h.port("storage2 mlx5_0")});
    const auto report = h.ok();
    expect_targets(report, storage1_only());
    EXPECT_THAT(report.problems,
                ElementsAre(AllOf(HasSubstr("LID 0x0004"), HasSubstr("no answer (2 attempts)"))));
}

// ---- an I/O unit changes ----------------------------------------------------------------------

TEST(Events, IocChangeRewalksThatPortOnly) {
    Harness h(example("two-targets"));
    expect_targets(h.ok(true), two_targets());
    h.apply(sim::IocChange{
        h.port("storage2 mlx5_0"), [](sim::DmAgent& agent) {
            agent.iocs[1].services.push_back({"SRP.T10:0002C90300C00131", 0x0002c90300c00131});
        }});
    const auto report = h.ok(true);
    auto want = two_targets();
    want.push_back({"0002C90300C00131", 0x0002c90300c00130, dgid(0x0002c90300c00031), 0xffff,
                    0x0002c90300c00131});
    expect_targets(report, want);
    ASSERT_EQ(report.ports.size(), 2U);
    EXPECT_TRUE(report.ports[0].from_cache);
    EXPECT_FALSE(report.ports[1].from_cache);
    EXPECT_EQ(report.ports[1].iou->change_id, 2);
    EXPECT_EQ(report.stats.dm_ports_cached, 1U);
    // Two IOUnitInfo, then storage2's two IOCs and their entries.
    EXPECT_EQ(report.stats.dm_requests, 2U + 4U);
    EXPECT_EQ(report.stats.sa_requests, 1U);

    // The new contents are cached in turn.
    const auto again = h.ok(true);
    expect_targets(again, want);
    EXPECT_EQ(again.stats.dm_requests, 2U);
}

}  // namespace
}  // namespace srpadm::scenario
