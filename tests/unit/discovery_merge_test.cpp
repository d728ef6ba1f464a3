// discovery::merge_targeted on reports built by hand, and discovery::ports_named_by on the
// details of each trap.
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <srpadm/discovery/discovery.hpp>
#include <srpadm/discovery/traps.hpp>

namespace srpadm::discovery {
namespace {

constexpr std::uint64_t kPrefix = 0xfe80000000000000ULL;

template <class T, class U>
void expect_list(const std::vector<T>& got, std::initializer_list<U> want) {
    EXPECT_EQ(got, std::vector<T>(want.begin(), want.end()));
}

Gid gid(Guid guid) {
    return Gid::from_parts(kPrefix, guid);
}

// A DM port at `lid` (GUID 0x100 + lid unless given) with `targets` targets, each named
// "<lid>.<n>" by its id_ext.
void add_port(DiscoveryReport& r, Lid lid, std::size_t targets, Guid guid = 0) {
    DmPortReport p;
    p.lid = lid;
    p.gid = gid(guid != 0 ? guid : 0x100 + lid);
    p.shared_pkeys = {0xffff};
    r.ports.push_back(p);
    for (std::size_t i = 0; i < targets; ++i) {
        model::Target t;
        t.lid = lid;
        t.dgid = p.gid;
        t.id_ext = fmt::format("{}.{}", lid, i);
        r.targets.push_back(t);
    }
}

DiscoveryReport full(std::initializer_list<std::pair<Lid, std::size_t>> ports) {
    DiscoveryReport r;
    for (const auto& [lid, n] : ports) {
        add_port(r, lid, n);
    }
    return r;
}

DiscoveryReport targeted(std::vector<ScannedPort> scanned) {
    DiscoveryReport r;
    r.targeted = true;
    r.scanned = std::move(scanned);
    return r;
}

ScannedPort present(Lid lid, Guid guid = 0) {
    return {lid, gid(guid != 0 ? guid : 0x100 + lid), PortOutcome::present, {}};
}
ScannedPort gone(Lid lid, std::optional<Gid> g = std::nullopt) {
    return {lid, g, PortOutcome::gone, "gone"};
}
ScannedPort failed(Lid lid) {
    return {lid, std::nullopt, PortOutcome::failed, "no answer"};
}

std::vector<Lid> lids(const DiscoveryReport& r) {
    std::vector<Lid> out;
    for (const auto& p : r.ports) {
        out.push_back(p.lid);
    }
    return out;
}
std::vector<std::string> ids(const DiscoveryReport& r) {
    std::vector<std::string> out;
    for (const auto& t : r.targets) {
        out.push_back(t.id_ext);
    }
    return out;
}

TEST(MergeTargeted, APresentPortIsReplacedInPlace) {
    const auto previous = full({{3, 1}, {4, 2}, {5, 1}});
    auto t = targeted({present(4)});
    add_port(t, 4, 3);
    t.ports[0].from_cache = true;
    t.stats.sa_requests = 1;
    const auto merged = merge_targeted(previous, t);
    expect_list(lids(merged), {3, 4, 5});
    expect_list(ids(merged), {"3.0", "4.0", "4.1", "4.2", "5.0"});
    EXPECT_FALSE(merged.targeted);
    EXPECT_TRUE(merged.scanned.empty());
    EXPECT_EQ(merged.stats.sa_requests, 1U);
    EXPECT_EQ(merged.stats.dm_ports, 3U);
    EXPECT_EQ(merged.stats.dm_ports_cached, 1U);
}

TEST(MergeTargeted, AGonePortIsDroppedWithItsTargets) {
    const auto merged = merge_targeted(full({{3, 1}, {4, 2}, {5, 1}}), targeted({gone(4)}));
    expect_list(lids(merged), {3, 5});
    expect_list(ids(merged), {"3.0", "5.0"});
}

TEST(MergeTargeted, AGoneGidIsMatchedByItsGid) {
    const auto merged =
        merge_targeted(full({{3, 1}, {4, 2}, {5, 1}}), targeted({gone(0, gid(0x100 + 5))}));
    expect_list(lids(merged), {3, 4});
}

TEST(MergeTargeted, AFailedPortStaysAsItWas) {
    auto previous = full({{3, 1}, {4, 2}});
    previous.problems = {"LID 0x0004: old trouble"};
    previous.problem_lids = {4};
    auto t = targeted({failed(4)});
    t.problems = {"LID 0x0004: PortInfoRecord: no answer"};
    t.problem_lids = {4};
    const auto merged = merge_targeted(previous, t);
    expect_list(ids(merged), {"3.0", "4.0", "4.1"});
    // Nothing was settled about it: the old problem stays, the new one is added.
    expect_list(merged.problems,
                {"LID 0x0004: old trouble", "LID 0x0004: PortInfoRecord: no answer"});
    expect_list(merged.problem_lids, {4, 4});
}

TEST(MergeTargeted, ANewPortGoesInTheTablesGuidOrder) {
    // The previous ports are in GUID order (0x103, 0x105, 0x107): the SA's table order.
    const auto previous = full({{3, 1}, {5, 1}, {7, 1}});
    auto first = targeted({present(2)});
    add_port(first, 2, 1);
    expect_list(lids(merge_targeted(previous, first)), {2, 3, 5, 7});
    auto middle = targeted({present(6), present(4)});
    add_port(middle, 6, 2);
    add_port(middle, 4, 1);
    const auto merged = merge_targeted(previous, middle);
    expect_list(lids(merged), {3, 4, 5, 6, 7});
    expect_list(ids(merged), {"3.0", "4.0", "5.0", "6.0", "6.1", "7.0"});
    auto last = targeted({present(9)});
    add_port(last, 9, 1);
    expect_list(lids(merge_targeted(previous, last)), {3, 5, 7, 9});
}

TEST(MergeTargeted, ANewPortGoesInByteSwappedGuidOrder) {
    // OpenSM on a little-endian host: the table is in the order of the GUIDs' bytes swapped
    // (here not in plain GUID order).
    DiscoveryReport previous;
    add_port(previous, 3, 1, 0x0200000000000001ULL);  // swapped: 0x0100000000000002
    add_port(previous, 5, 1, 0x0100000000000002ULL);  // swapped: 0x0200000000000001
    auto t = targeted({present(4, 0x0300000000000001ULL)});
    add_port(t, 4, 1, 0x0300000000000001ULL);  // swapped: 0x0100000000000003, between them
    expect_list(lids(merge_targeted(previous, t)), {3, 4, 5});
}

TEST(MergeTargeted, ANewPortGoesAtTheEndWhenThePreviousOrderTellsNothing) {
    // GUIDs 0x105, 0x103, 0x107: neither ascending nor ascending byte-swapped.
    DiscoveryReport previous;
    add_port(previous, 5, 1);
    add_port(previous, 3, 1, 0x0100000000000103ULL);
    add_port(previous, 7, 1);
    auto t = targeted({present(2)});
    add_port(t, 2, 1);
    const auto merged = merge_targeted(previous, t);
    expect_list(lids(merged), {5, 3, 7, 2});
    expect_list(ids(merged), {"5.0", "3.0", "7.0", "2.0"});
}

TEST(MergeTargeted, APortBackAtAnotherLidTakesItsOldPlace) {
    // The port with GUID 0x104 was at LID 4 and is now at LID 9.
    auto t = targeted({present(9, 0x104)});
    add_port(t, 9, 1, 0x104);
    const auto merged = merge_targeted(full({{3, 1}, {4, 2}, {5, 1}}), t);
    expect_list(lids(merged), {3, 9, 5});
    expect_list(ids(merged), {"3.0", "9.0", "5.0"});
}

TEST(MergeTargeted, ALidTakenByAnotherPortReplacesTheOldEntry) {
    // LID 4 now belongs to GUID 0x105, whose old entry was at LID 5: one entry remains, in the
    // first place either held.
    auto t = targeted({present(4, 0x105)});
    add_port(t, 4, 1, 0x105);
    const auto merged = merge_targeted(full({{3, 1}, {4, 2}, {5, 1}}), t);
    expect_list(lids(merged), {3, 4});
    expect_list(ids(merged), {"3.0", "4.0"});
    EXPECT_EQ(merged.ports[1].gid, gid(0x105));
}

TEST(MergeTargeted, ProblemsOfSettledPortsGoAndTheScansOwnAreAdded) {
    auto previous = full({{3, 1}, {4, 1}});
    previous.problems = {"table cut", "LID 0x0003: trouble", "LID 0x0004: trouble"};
    previous.problem_lids = {0, 3, 4};
    auto t = targeted({present(4), gone(3)});
    add_port(t, 4, 1);
    t.problems = {"LID 0x0004: slot 2: no answer"};
    t.problem_lids = {4};
    const auto merged = merge_targeted(previous, t);
    expect_list(merged.problems, {"table cut", "LID 0x0004: slot 2: no answer"});
    expect_list(merged.problem_lids, {0, 4});
    // The same problem twice (a GID never resolved) is listed once.
    const auto again = merge_targeted(merged, t);
    EXPECT_EQ(again.problems, merged.problems);
}

TEST(MergeTargeted, KeepsThePreviousMaskMatch) {
    auto previous = full({{3, 1}});
    previous.mask_match = false;
    auto t = targeted({gone(7)});
    t.mask_match = true;
    EXPECT_FALSE(merge_targeted(previous, t).mask_match);
}

TEST(MergeTargeted, AFullReportReplacesEverything) {
    const auto now = full({{5, 1}});
    const auto merged = merge_targeted(full({{3, 1}, {4, 1}}), now);
    expect_list(lids(merged), {5});
    expect_list(ids(merged), {"5.0"});
}

TEST(MergeTargeted, EmptyTargetedScanChangesNothing) {
    const auto previous = full({{3, 2}, {4, 1}});
    const auto merged = merge_targeted(previous, targeted({}));
    EXPECT_EQ(lids(merged), lids(previous));
    EXPECT_EQ(ids(merged), ids(previous));
}

TEST(PortsNamedBy, EachTrapNamesItsPort) {
    TrapEvent e;
    e.details = wire::GidInService{gid(0x42)};
    expect_list(ports_named_by(e).gids, {gid(0x42)});
    EXPECT_TRUE(ports_named_by(e).lids.empty());
    e.details = wire::GidOutOfService{gid(0x43)};
    expect_list(ports_named_by(e).gids, {gid(0x43)});
    wire::LocalChanges changes;
    changes.lid = 0x17;
    e.details = changes;  // whatever the new mask: a cleared DM bit matters too
    expect_list(ports_named_by(e).lids, {0x17});
    EXPECT_TRUE(ports_named_by(e).gids.empty());
    e.details = wire::SystemImageGuidChanged{0x18, 0x1234};
    expect_list(ports_named_by(e).lids, {0x18});
    e.details = wire::OtherNotice{};
    EXPECT_TRUE(ports_named_by(e).empty());
}

}  // namespace
}  // namespace srpadm::discovery
