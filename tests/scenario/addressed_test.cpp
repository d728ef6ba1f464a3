// Scans of target ports named by address (RoCE has no subnet administrator): the Device
// Management walk straight to each port's GID with a GRH and LID 0, no SA query, and RDMA/CM
// logins to the address. The simulated fabric routes a MAD with LID 0 by its DGID, as a GRH
// is routed; the real RoCE path runs in the e2e tier (tests/e2e) against the kernel's ib_srpt.
#include <srpadm/model/login.hpp>

#include "scenario_support.hpp"

namespace srpadm::scenario {
namespace {

using discovery::AddressedPort;

AddressedPort named(const Harness& h, std::string_view description, std::string dest) {
    AddressedPort p;
    p.routes = {{h.fabric.fabric().gid(h.port(description)), 0}};
    p.login.dest = dest;
    p.name = std::move(dest);
    return p;
}

Result<DiscoveryReport> scan(Harness& h, const std::vector<AddressedPort>& ports) {
    return discovery::discover(*h.endpoint, h.options, ports, nullptr);
}

std::vector<std::string> add_target_lines(const DiscoveryReport& report) {
    std::vector<std::string> out;
    for (const auto& t : report.targets) {
        auto line = login::render(model::login_spec(t, model::LoginPolicy{}));
        out.push_back(line ? *line : "error: " + line.error().message);
    }
    return out;
}

TEST(AddressedScan, WalksOnlyTheNamedPortWithNoSaQuery) {
    Harness h{example("two-targets")};
    const auto sa = h.fault(probe(wire::mgmt_class::subn_adm, wire::attr::class_port_info));
    auto r = scan(h, {named(h, "storage2 mlx5_0", "192.0.2.2:5555")});
    ASSERT_TRUE(r) << r.error().message;
    // The same targets a full scan finds behind storage2, at LID 0, logging in by address.
    expect_targets(*r, storage2_only());
    EXPECT_EQ(add_target_lines(*r),
              (std::vector<std::string>{
                  "id_ext=0002C90300C00030,ioc_guid=0002c90300c00030,dest=192.0.2.2:5555",
                  "id_ext=0002C90300C00130,ioc_guid=0002c90300c00130,dest=192.0.2.2:5555"}));
    for (const auto& t : r->targets) {
        EXPECT_EQ(t.lid, 0);
        ASSERT_TRUE(t.rdma);
        EXPECT_EQ(t.rdma->dest, "192.0.2.2:5555");
    }
    ASSERT_EQ(r->ports.size(), 1U);
    EXPECT_EQ(r->ports[0].address, "192.0.2.2:5555");
    EXPECT_EQ(r->ports[0].gid, h.fabric.fabric().gid(h.port("storage2 mlx5_0")));
    EXPECT_TRUE(r->problems.empty());
    // IOUnitInfo, two profiles, two blocks of entries; nothing to the SA.
    EXPECT_EQ(r->stats.sa_requests, 0U);
    EXPECT_EQ(r->stats.dm_requests, 5U);
    EXPECT_EQ(h.fabric.faults().matches(sa), 0U);
}

TEST(AddressedScan, SeveralPortsInTheOrderGivenAndOneNamedTwiceIsWalkedOnce) {
    Harness h{example("two-targets")};
    auto r = scan(h, {named(h, "storage2 mlx5_0", "192.0.2.2:5555"),
                      named(h, "storage1 mlx5_0", "192.0.2.1:5555"),
                      named(h, "storage2 mlx5_0", "192.0.2.2:5555")});
    ASSERT_TRUE(r) << r.error().message;
    expect_targets(*r, {two_targets()[1], two_targets()[2], two_targets()[0]});
    ASSERT_EQ(r->ports.size(), 2U);
    EXPECT_EQ(r->stats.dm_requests, 5U + 3U);
}

TEST(AddressedScan, APortThatDoesNotAnswerIsAProblemNamingItsAddress) {
    Harness h{example("two-targets")};
    AddressedPort nobody;
    nobody.routes = {{Gid::from_parts(0xfe80000000000000ULL, 0x0002c903ffff0001ULL), 0}};
    nobody.login.dest = "192.0.2.99:5555";
    nobody.name = nobody.login.dest;
    auto r = scan(h, {nobody, named(h, "storage1 mlx5_0", "192.0.2.1:5555")});
    ASSERT_TRUE(r) << r.error().message;
    expect_targets(*r, storage1_only());
    ASSERT_EQ(r->problems.size(), 1U);
    EXPECT_EQ(r->problems[0],
              "192.0.2.99:5555 (GUID 0x0002c903ffff0001): IOUnitInfo: no answer (4 attempts)");
    EXPECT_FALSE(r->complete());
}

TEST(AddressedScan, APortIsAskedAtItsNextGidWhenTheFirstDoesNotAnswer) {
    Harness h{example("two-targets")};
    AddressedPort p = named(h, "storage1 mlx5_0", "192.0.2.1:5555");
    const Gid answering = p.routes.front().dgid;
    p.routes.insert(p.routes.begin(),
                    {Gid::from_parts(0xfe80000000000000ULL, 0x0002c903ffff0001ULL), 0});
    auto r = scan(h, {p});
    ASSERT_TRUE(r) << r.error().message;
    expect_targets(*r, storage1_only());
    ASSERT_EQ(r->ports.size(), 1U);
    EXPECT_EQ(r->ports[0].gid, answering);
    EXPECT_TRUE(r->problems.empty());
    // Four attempts at the first GID, then the walk at the second: IOUnitInfo, the profile and
    // one block of entries.
    EXPECT_EQ(r->stats.timeouts, 4U);
    EXPECT_EQ(r->stats.dm_requests, 4U + 3U);
}

TEST(AddressedScan, ALostAnswerIsAskedAgain) {
    Harness h{example("two-targets")};
    h.fault(dm_fault(FaultAction::drop, wire::dm_attr::io_unit_info).once());
    auto r = scan(h, {named(h, "storage1 mlx5_0", "192.0.2.1:5555")});
    ASSERT_TRUE(r) << r.error().message;
    expect_targets(*r, storage1_only());
    EXPECT_EQ(r->stats.retries, 1U);
    EXPECT_TRUE(r->problems.empty());
}

TEST(AddressedScan, ALocalPortThatIsDownFailsTheScan) {
    Harness h{example("two-targets")};
    h.fabric.fabric().port(h.local_port()).state = model::PortState::down;
    auto r = scan(h, {named(h, "storage1 mlx5_0", "192.0.2.1:5555")});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::port_state);
}

}  // namespace
}  // namespace srpadm::scenario
