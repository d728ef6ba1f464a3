// One large fabric: 10,000 CA ports, 1,000 of them SRP targets (sim::generate_fabric), a
// first scan and a rescan. Wall time is printed, never asserted.
#include <chrono>
#include <iostream>

#include "scenario_support.hpp"

namespace srpadm::scenario {
namespace {

TEST(Scale, ThousandTargetsOnTenThousandPorts) {
    const auto wall = std::chrono::steady_clock::now();
    auto file = generated(10000, 1000, [](sim::GeneratorOptions& g) { g.seed = 7; });
    ASSERT_EQ(file.fabric.summary().targets, 1000U);
    ASSERT_EQ(file.fabric.summary().ca_ports, 10000U);
    Harness h(std::move(file));
    const auto built = std::chrono::steady_clock::now();

    const auto first = h.ok(true);
    const auto scanned = std::chrono::steady_clock::now();
    const auto again = h.ok(true);
    const auto rescanned = std::chrono::steady_clock::now();

    // Every target, once, in the SA table's order (by port GUID), each port with its own.
    ASSERT_EQ(first.targets.size(), 1000U);
    EXPECT_THAT(first.problems, IsEmpty());
    for (std::size_t i = 0; i < first.targets.size(); ++i) {
        const auto& t = first.targets[i];
        EXPECT_EQ(t.ioc_guid + 1, t.port_guid());
        EXPECT_EQ(t.id_ext, fmt::format("{:016X}", t.ioc_guid));
        EXPECT_EQ(t.service_id, t.ioc_guid);
        if (i > 0) {
            EXPECT_LT(first.targets[i - 1].port_guid(), t.port_guid());
        }
    }
    EXPECT_EQ(lines(again), lines(first));
    EXPECT_THAT(again.problems, IsEmpty());

    // First scan: ClassPortInfo, the table of 1,000 PortInfoRecords (72-byte stride: 72,000
    // bytes in 360 RMPP segments), one PathRecord per DM port; 3 DM MADs per target.
    EXPECT_EQ(first.stats.dm_ports, 1000U);
    EXPECT_EQ(first.stats.sa_requests, 1U + 1U + 1000U);
    EXPECT_EQ(first.stats.sa_response_mads, 1U + 360U + 1000U);
    EXPECT_EQ(first.stats.dm_requests, 3000U);
    EXPECT_EQ(first.stats.retries, 0U);
    // Rescan: the table and one IOUnitInfo per DM port.
    EXPECT_EQ(again.stats.sa_requests, 1U);
    EXPECT_EQ(again.stats.sa_response_mads, 360U);
    EXPECT_EQ(again.stats.dm_requests, 1000U);
    EXPECT_EQ(again.stats.dm_ports_cached, 1000U);

    // Virtual time: 32 SA and 64 MADs in flight. One at a time would take
    // 1,002 x 200 us + 3,000 x 50 us = 350 ms.
    EXPECT_LE(first.stats.peak_outstanding, 64U);
    EXPECT_LT(first.stats.elapsed, milliseconds(20));
    EXPECT_LT(again.stats.elapsed, milliseconds(2));

    const auto ms = [](auto d) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
    };
    std::cout << "[ scale    ] fabric built in " << ms(built - wall) << " ms; first scan "
              << ms(scanned - built) << " ms, rescan " << ms(rescanned - scanned)
              << " ms of wall time; virtual " << ms(first.stats.elapsed) << " ms and "
              << std::chrono::duration_cast<microseconds>(again.stats.elapsed).count() << " us\n";
}

}  // namespace
}  // namespace srpadm::scenario
