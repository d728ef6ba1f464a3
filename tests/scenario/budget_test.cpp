// MAD budgets: what a first scan and a rescan of an unchanged fabric cost, against
// srp_daemon's (rdma-core srp_daemon/srp_daemon.c: every scan from scratch, one MAD at a time).
#include "scenario_support.hpp"

namespace srpadm::scenario {
namespace {

// A first scan, then a rescan of the unchanged fabric with the cache.
struct TwoScans {
    DiscoveryReport first;
    DiscoveryReport again;
};
TwoScans scan_twice(Harness& h) {
    TwoScans s{h.ok(true), h.ok(true)};
    EXPECT_EQ(lines(s.again), lines(s.first));
    EXPECT_THAT(s.first.problems, IsEmpty());
    EXPECT_THAT(s.again.problems, IsEmpty());
    return s;
}

TEST(Budget, TwoTargetsFirstScanAndRescan) {
    Harness h(example("two-targets"));
    const auto [first, again] = scan_twice(h);
    expect_targets(first, two_targets());
    const std::size_t dm_ports = 2;
    // First: ClassPortInfo, the DM port table, one PathRecord per DM port (one P_Key).
    EXPECT_EQ(first.stats.sa_requests, 4U);
    EXPECT_LE(first.stats.sa_requests, 2 + 2 * dm_ports);
    EXPECT_EQ(first.stats.sa_response_mads, 4U);
    EXPECT_EQ(first.stats.dm_requests, 8U);
    EXPECT_LE(first.stats.dm_requests, 3 * first.targets.size());
    EXPECT_EQ(first.stats.dm_ports_cached, 0U);
    // Rescan: the DM port table, one IOUnitInfo per DM port (ChangeID unchanged).
    EXPECT_EQ(again.stats.sa_requests, 1U);
    EXPECT_EQ(again.stats.sa_response_mads, 1U);
    EXPECT_EQ(again.stats.dm_requests, dm_ports);
    EXPECT_EQ(again.stats.dm_ports_cached, dm_ports);
    EXPECT_EQ(again.stats.elapsed, microseconds(200 + 50));
    // srp_daemon: CPI + table + 2 x (NodeRecord + PathRecord) and the same 8 DM MADs, every
    // scan, one at a time: 6 x 200 + 8 x 50 us.
    EXPECT_LT(first.stats.elapsed, microseconds(6 * 200 + 8 * 50));
}

TEST(Budget, PartitionsRescanIsOneSaQueryAndOneDmQueryPerPort) {
    Harness h(example("partitions"));
    const auto [first, again] = scan_twice(h);
    EXPECT_EQ(first.stats.sa_requests, 2U + 2U * 4U);
    EXPECT_EQ(again.stats.sa_requests, 1U);
    EXPECT_EQ(again.stats.dm_requests, 2U);
    EXPECT_EQ(again.targets.size(), 3U);
}

TEST(Budget, OldSmRescanStillAsksEveryPortInfoRecord) {
    // Without capability-mask match there is no table of DM ports: each rescan reads the
    // NodeRecord table and each node's PortInfoRecord (to see IsDM set or cleared), but the
    // PathRecords and the unchanged IOUs come from the cache.
    Harness h(example("mixed"));
    const auto [first, again] = scan_twice(h);
    EXPECT_EQ(first.stats.sa_requests, 1U + 1U + 5U + 3U);
    EXPECT_EQ(again.stats.sa_requests, 1U + 5U);
    EXPECT_EQ(again.stats.dm_requests, 3U);
    EXPECT_EQ(again.stats.dm_ports_cached, 3U);
}

TEST(Budget, TwoLocalPKeysCostTwoPathRecordsPerDmPort) {
    // Every target shares the default partition and 0x8001 with the initiator.
    Harness h(generated(64, 8, [](sim::GeneratorOptions& g) { g.pkeys = 1; }));
    const auto [first, again] = scan_twice(h);
    ASSERT_EQ(first.targets.size(), 16U);
    EXPECT_EQ(first.targets[0].pkey, 0xffff);
    EXPECT_EQ(first.targets[1].pkey, 0x8001);
    EXPECT_EQ(first.stats.dm_ports, 8U);
    EXPECT_EQ(first.stats.sa_requests, 2U + 2U * 8U);
    // One walk per DM port, whatever the number of shared P_Keys.
    EXPECT_EQ(first.stats.dm_requests, 3U * 8U);
    EXPECT_EQ(again.stats.sa_requests, 1U);
    EXPECT_EQ(again.stats.dm_requests, 8U);
}

TEST(Budget, DmQueriesPerTargetWithUpToFourServicesPerIoc) {
    for (const std::size_t services : {1U, 2U, 4U}) {
        Harness h(generated(40, 5, [&](sim::GeneratorOptions& g) {
            g.iocs_per_target = 3;
            g.services_per_ioc = services;
        }));
        const auto report = h.ok();
        ASSERT_EQ(report.targets.size(), 5U * 3U * services);
        // IOUnitInfo + 3 x (IOControllerProfile + one ServiceEntries block) per port.
        EXPECT_EQ(report.stats.dm_requests, 5U * (1U + 3U * 2U));
        EXPECT_LE(report.stats.dm_requests, 3U * report.targets.size());
        EXPECT_THAT(report.problems, IsEmpty());
    }
}

TEST(Budget, WindowsBoundWhatIsInFlight) {
    Harness h(generated(200, 40));
    h.options.limits.window = 4;
    h.options.limits.sa_window = 2;
    const auto narrow = h.ok();
    EXPECT_EQ(narrow.targets.size(), 40U);
    EXPECT_LE(narrow.stats.peak_outstanding, 4U);
    EXPECT_LE(h.fabric.stats().sa.peak_outstanding, 2U);

    Harness wide(generated(200, 40));
    const auto report = wide.ok();
    EXPECT_EQ(lines(report), lines(narrow));
    EXPECT_GT(report.stats.peak_outstanding, 4U);
    EXPECT_LE(report.stats.peak_outstanding, wide.options.limits.window);
    EXPECT_LT(report.stats.elapsed, narrow.stats.elapsed);
}

TEST(Budget, WithoutTheCacheEveryScanIsAFirstScan) {
    Harness h(example("two-targets"));
    const auto first = h.ok();
    const auto again = h.ok();
    EXPECT_EQ(again.stats.sa_requests, first.stats.sa_requests);
    EXPECT_EQ(again.stats.dm_requests, first.stats.dm_requests);
}

}  // namespace
}  // namespace srpadm::scenario
