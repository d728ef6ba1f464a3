// The bundled example fabrics, scanned end to end: exact targets in srp_daemon's order, the
// add_target lines srp_daemon -o -a -c prints (tests/cli/discover.sh checks them for every
// example through the binary), and the MADs each scan costs.
#include "scenario_support.hpp"

namespace srpadm::scenario {
namespace {

TEST(Examples, TwoTargetsLinesAsSrpDaemonPrintsThem) {
    Harness h(example("two-targets"));
    const auto report = h.ok();
    expect_targets(report, two_targets());
    EXPECT_THAT(lines(report), ElementsAre("id_ext=0002C90300B00020,ioc_guid=0002c90300b00020,"
                                           "dgid=fe800000000000000002c90300b00021,pkey=ffff,"
                                           "service_id=0002c90300b00020",
                                           "id_ext=0002C90300C00030,ioc_guid=0002c90300c00030,"
                                           "dgid=fe800000000000000002c90300c00031,pkey=ffff,"
                                           "service_id=0002c90300c00030",
                                           "id_ext=0002C90300C00130,ioc_guid=0002c90300c00130,"
                                           "dgid=fe800000000000000002c90300c00031,pkey=ffff,"
                                           "service_id=0002c90300c00130"));
    EXPECT_THAT(report.problems, IsEmpty());
    EXPECT_TRUE(report.mask_match);

    // Where each target was found, and what its IOC said.
    ASSERT_EQ(report.targets.size(), 3U);
    EXPECT_EQ(report.targets[0].lid, kStorage1Lid);
    EXPECT_EQ(report.targets[0].ioc_slot, 1);
    EXPECT_EQ(report.targets[0].ioc_id, "SCST SRP target");
    EXPECT_EQ(report.targets[0].send_size, 8192U);
    EXPECT_EQ(report.targets[0].vendor_id, 0x0002c9U);
    EXPECT_EQ(report.targets[2].lid, kStorage2Lid);
    EXPECT_EQ(report.targets[2].ioc_slot, 2);
    EXPECT_EQ(report.targets[2].ioc_id, "storage2 controller B");
    ASSERT_EQ(report.ports.size(), 2U);
    EXPECT_EQ(report.ports[0].lid, kStorage1Lid);
    EXPECT_EQ(report.ports[1].lid, kStorage2Lid);
    EXPECT_THAT(report.ports[1].shared_pkeys, ElementsAre(0xffff));

    // 1 ClassPortInfo + 1 PortInfoRecord table + 1 PathRecord per DM port; every answer fits
    // one MAD. DM: IOUnitInfo + (IOControllerProfile + ServiceEntries) per IOC.
    const auto& s = report.stats;
    EXPECT_EQ(s.sa_requests, 4U);
    EXPECT_EQ(s.sa_response_mads, 4U);
    EXPECT_EQ(s.dm_requests, 3U + 5U);
    EXPECT_EQ(s.dm_responses, 8U);
    EXPECT_EQ(s.retries, 0U);
    EXPECT_EQ(s.timeouts, 0U);
    EXPECT_EQ(s.unmatched, 0U);
    EXPECT_EQ(s.dm_ports, 2U);
    // Pipelined: three SA round trips (200 us) and three DM round trips (50 us), where one MAD
    // at a time would take 4 x 200 + 8 x 50 us.
    EXPECT_EQ(s.elapsed, microseconds(3 * 200 + 3 * 50));
    EXPECT_GE(s.peak_outstanding, 2U);
}

TEST(Examples, ManyServicesAreReadInBlocksOfFour) {
    Harness h(example("many-services"));
    const auto services =
        h.fault(probe(wire::mgmt_class::device_mgmt, wire::dm_attr::service_entries));
    const auto report = h.ok();
    std::vector<Want> want;
    for (std::uint64_t i = 0; i < 9; ++i) {
        want.push_back({fmt::format("0002C90300B1002{}", i), 0x0002c90300b10020,
                        dgid(0x0002c90300b10021), 0xffff, 0x0002c90300b10020 + i});
    }
    expect_targets(report, want);
    EXPECT_THAT(report.problems, IsEmpty());
    for (std::size_t i = 0; i < report.targets.size(); ++i) {
        EXPECT_EQ(report.targets[i].service_index, i);
    }
    // Entries 0-3, 4-7 and 8: three ServiceEntries queries.
    EXPECT_EQ(h.fabric.faults().matches(services), 3U);
    EXPECT_EQ(report.stats.dm_requests, 1U + 1U + 3U);
    EXPECT_EQ(report.stats.sa_requests, 3U);
}

TEST(Examples, PartitionsListTargetsOnTheSharedPKeysInLocalTableOrder) {
    Harness h(example("partitions"));
    const auto report = h.ok();
    // tgt-a shares 0x8001; tgt-b shares 0x8001 and 0x8002 (listed on both, in the order of the
    // local P_Key table); tgt-c shares nothing; tgt-d is a limited member of 0x8004 like the
    // initiator, which shares nothing.
    expect_targets(report, {srp(0x0002c90300d20010, 0x8001), srp(0x0002c90300d20020, 0x8001),
                            srp(0x0002c90300d20020, 0x8002)});
    EXPECT_THAT(report.problems, IsEmpty());
    ASSERT_EQ(report.ports.size(), 2U);
    EXPECT_THAT(report.ports[0].shared_pkeys, ElementsAre(0x8001));
    EXPECT_THAT(report.ports[1].shared_pkeys, ElementsAre(0x8001, 0x8002));
    // The SA lists only the DM ports the initiator shares a partition with (tgt-a, tgt-b);
    // each gets one PathRecord per local P_Key (0x7fff, 0x8001, 0x8002, 0x0004), and one DM
    // walk however many P_Keys it shares.
    EXPECT_EQ(report.stats.sa_requests, 2U + 2U * 4U);
    EXPECT_EQ(report.stats.dm_requests, 2U * 3U);
}

TEST(Examples, PartitionsLimitedLimitedIsNotSharedEvenWhenTheSaListsThePort) {
    // tgt-d also joins 0x8001 as a full member, so the SA lists it; its PathRecord for the
    // limited-limited 0x8004 must still not count as shared.
    auto file = example("partitions");
    sim::Port& d = file.fabric.port(port_named(file.fabric, "tgt-d mlx5_0"));
    d.pkeys.push_back(0x8001);
    Harness h(std::move(file));
    const auto report = h.ok();
    ASSERT_EQ(report.ports.size(), 3U);
    EXPECT_EQ(report.ports[2].lid, h.lid("tgt-d mlx5_0"));
    EXPECT_THAT(report.ports[2].shared_pkeys, ElementsAre(0x8001));
    ASSERT_EQ(report.targets.size(), 4U);
    EXPECT_EQ(report.targets[3].id_ext, "0002C90300D20040");
    EXPECT_EQ(report.targets[3].pkey, 0x8001);
    EXPECT_THAT(report.problems, IsEmpty());
}

TEST(Examples, PartitionsOrderFollowsTheLocalTableNotTheAnswers) {
    // The initiator's table lists 0x8002 before 0x8001: tgt-b is listed on 0x8002 first.
    auto file = example("partitions");
    sim::Port& host = file.fabric.port(file.fabric.local_ports.front().port);
    host.pkeys = {0x7fff, 0x8002, 0x8001, 0x0004};
    Harness h(std::move(file));
    // Answers for the first PathRecords come last.
    h.fault(sa_fault(FaultAction::reorder, wire::sa_attr::path_record).nth(2));
    const auto report = h.ok();
    ASSERT_EQ(report.targets.size(), 3U);
    EXPECT_EQ(report.targets[1].pkey, 0x8002);
    EXPECT_EQ(report.targets[2].pkey, 0x8001);
    EXPECT_THAT(report.ports[1].shared_pkeys, ElementsAre(0x8002, 0x8001));
}

TEST(Examples, MixedOldSmLioRev10AndANonSrpIoc) {
    Harness h(example("mixed"));
    const Lid lio = h.lid("lio1 mlx5_0");
    const auto profiles = h.fault(
        probe(wire::mgmt_class::device_mgmt, wire::dm_attr::io_controller_profile).lid(lio));
    const auto entries =
        h.fault(probe(wire::mgmt_class::device_mgmt, wire::dm_attr::service_entries).lid(lio));
    const auto report = h.ok();
    EXPECT_FALSE(report.mask_match);
    // LIO writes its id_ext in lower case; the rev10 IOC needs io_class=ff00; the gateway's
    // slot 1 (an Ethernet gateway, services VNIC.ETH:*) is not SRP; its slot 3 is.
    expect_targets(report, {{"0002c90300e30010", 0x0002c90300e30010, dgid(0x0002c90300e30011),
                             0xffff, 0x0002c90300e30010},
                            srp(0x0002c90300e30020, 0xffff, 0xff00),
                            {"0002C90300E30130", 0x0002c90300e30230, dgid(0x0002c90300e30031),
                             0xffff, 0x0002c90300e30130}});
    EXPECT_THAT(lines(report)[1], testing::EndsWith(",service_id=0002c90300e30020,io_class=ff00"));
    EXPECT_THAT(report.problems, IsEmpty());

    // LIO answers slot 2 although IOUnitInfo says it is empty: it is never asked.
    ASSERT_EQ(report.ports.size(), 3U);
    const auto& lio_port = report.ports[0];
    EXPECT_EQ(lio_port.lid, lio);
    ASSERT_EQ(lio_port.iocs.size(), 1U);
    EXPECT_EQ(lio_port.iocs[0].slot, 1);
    EXPECT_EQ(lio_port.iocs[0].profile.id_string.view(), "Linux SRP target");
    EXPECT_EQ(h.fabric.faults().matches(profiles), 1U);
    EXPECT_EQ(h.fabric.faults().matches(entries), 1U);
    EXPECT_EQ(report.targets[0].send_size, 4148U);

    // The gateway's non-SRP IOC is walked and kept in the port report, but gives no target.
    const auto& gateway = report.ports[2];
    ASSERT_EQ(gateway.iocs.size(), 2U);
    EXPECT_EQ(gateway.iocs[0].slot, 1);
    EXPECT_EQ(gateway.iocs[0].profile.io_class, 0x2000);
    ASSERT_EQ(gateway.iocs[0].services.size(), 2U);
    EXPECT_EQ(gateway.iocs[0].services[0].name.view(), "VNIC.ETH:port0");
    EXPECT_EQ(gateway.iocs[1].slot, 3);

    // Old SM: 1 ClassPortInfo + 1 NodeRecord table + 1 PortInfoRecord per node (switch, host
    // and three targets) + 1 PathRecord per DM port.
    EXPECT_EQ(report.stats.sa_requests, 1U + 1U + 5U + 3U);
    // lio1 3, rev10 3, gateway 1 + 2 x 2.
    EXPECT_EQ(report.stats.dm_requests, 3U + 3U + 5U);
}

// two-targets.fabric with storage1's port GUID under the Topspin OUI.
sim::FabricFile with_topspin_port() {
    auto file = example("two-targets");
    file.fabric.port(port_named(file.fabric, "storage1 mlx5_0")).guid = 0x0005ad00000013e9;
    return file;
}

TEST(Examples, TopspinPortIsToldTheTrapAddressBeforeItsWalk) {
    // storage1's port carries the Topspin OUI: srp_daemon sends it DM Set(ClassPortInfo) with
    // the initiator's LID and GID as the trap address, then walks it as usual.
    Harness h(with_topspin_port());
    const auto set = h.fault(probe(wire::mgmt_class::device_mgmt, wire::attr::class_port_info)
                                 .method(wire::method::set));
    const auto report = h.ok();
    ASSERT_EQ(report.targets.size(), 3U);
    EXPECT_EQ(report.targets[0].dgid.hex(), "fe800000000000000005ad00000013e9");
    EXPECT_EQ(h.fabric.faults().matches(set), 1U);
    EXPECT_EQ(report.stats.dm_requests, 1U + 8U);
    EXPECT_THAT(report.problems, IsEmpty());

    // A refused Set (LIO refuses every Set) only costs that MAD.
    Harness refused(with_topspin_port());
    refused.fault(dm_fault(FaultAction::status, wire::attr::class_port_info).value(0x000c));
    const auto r2 = refused.ok();
    EXPECT_EQ(lines(r2), lines(report));
    EXPECT_THAT(r2.problems, IsEmpty());
}

}  // namespace
}  // namespace srpadm::scenario
