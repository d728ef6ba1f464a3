// Port events from snapshots: port_changes() on single changes and combinations, the watcher on
// virtual time with a scripted reader, and the watcher over a sysfs tree that changes between
// reads (the way the real endpoint uses it).
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <srpadm/host/local_port.hpp>
#include <srpadm/mad/port_watcher.hpp>

#include "host_fixture.hpp"

namespace srpadm::mad {
namespace {

using Kinds = std::vector<PortEventKind>;
using std::chrono::milliseconds;

model::PortAttributes active_port() {
    model::PortAttributes a;
    a.ca_name = "mlx5_0";
    a.port_num = 1;
    a.link_layer = model::LinkLayer::infiniband;
    a.state = model::PortState::active;
    a.phys_state = 5;
    a.lid = 0x12;
    a.sm_lid = 1;
    a.gid_prefix = 0xfe80000000000000ULL;
    a.port_guid = 0x0002c90300a00031ULL;
    a.pkeys = {0xffff, 0x8001, 0, 0};
    return a;
}

TEST(PortChanges, NothingChangedIsNoEvent) {
    EXPECT_TRUE(port_changes(active_port(), active_port()).empty());
}

TEST(PortChanges, EachAttributeHasItsEvent) {
    const model::PortAttributes before = active_port();
    model::PortAttributes a = before;
    a.lid = 0x13;
    EXPECT_EQ(port_changes(before, a), Kinds{PortEventKind::lid_change});
    a = before;
    a.lmc = 2;
    EXPECT_EQ(port_changes(before, a), Kinds{PortEventKind::lid_change});
    a = before;
    a.sm_lid = 7;
    EXPECT_EQ(port_changes(before, a), Kinds{PortEventKind::sm_change});
    a = before;
    a.sm_sl = 3;
    EXPECT_EQ(port_changes(before, a), Kinds{PortEventKind::sm_change});
    a = before;
    a.pkeys[2] = 0x0002;
    EXPECT_EQ(port_changes(before, a), Kinds{PortEventKind::pkey_change});
    a = before;
    a.gid_prefix = 0xfec0000000000000ULL;
    EXPECT_EQ(port_changes(before, a), Kinds{PortEventKind::gid_change});
    a = before;
    a.state = model::PortState::init;
    EXPECT_EQ(port_changes(before, a), Kinds{PortEventKind::port_down});
    EXPECT_EQ(port_changes(a, before), Kinds{PortEventKind::port_active});
}

TEST(PortChanges, ComingBackWithNewAddressesReportsThemBeforePortActive) {
    model::PortAttributes down = active_port();
    down.state = model::PortState::down;
    down.lid = 0;
    down.sm_lid = 0;
    model::PortAttributes up = active_port();
    up.lid = 0x40;
    up.sm_lid = 9;
    up.pkeys = {0xffff, 0, 0, 0};
    EXPECT_EQ(port_changes(down, up),
              (Kinds{PortEventKind::lid_change, PortEventKind::sm_change,
                     PortEventKind::pkey_change, PortEventKind::port_active}));
    // Going down while the SM clears the LID: only port_down, the LID is not news yet.
    EXPECT_EQ(port_changes(up, down),
              (Kinds{PortEventKind::port_down, PortEventKind::pkey_change}));
}

TEST(PortChanges, StepsBelowActiveAreNotEvents) {
    model::PortAttributes a = active_port();
    a.state = model::PortState::init;
    model::PortAttributes b = a;
    b.state = model::PortState::armed;
    b.lid = 0x55;  // assigned while the port comes up: reported with port_active
    EXPECT_TRUE(port_changes(a, b).empty());
}

struct Scripted {
    model::PortAttributes now = active_port();
    bool fail = false;
    int reads = 0;
    Result<model::PortAttributes> read() {
        ++reads;
        if (fail) {
            return fail_with();
        }
        return now;
    }
    static Result<model::PortAttributes> fail_with() {
        return Unexpected(Error{Errc::not_found, "class/infiniband/mlx5_0: no such device"});
    }
};

TEST(PortWatcher, ReadsEveryIntervalAndReportsEachChangeOnce) {
    runtime::VirtualClock clock;
    runtime::EventLoop loop(clock);
    Scripted port;
    Kinds seen;
    std::vector<runtime::TimePoint> when;
    auto watcher = std::make_unique<PortWatcher>(
        loop, [&] { return port.read(); }, milliseconds(1000),
        [&](const PortEvent& e) {
            seen.push_back(e.kind);
            when.push_back(loop.now());
        });
    EXPECT_EQ(port.reads, 1);  // the baseline
    const runtime::TimePoint start = loop.now();
    loop.after(milliseconds(2500), [&] { port.now.sm_lid = 4; });
    loop.after(milliseconds(4500), [&] { port.fail = true; });
    loop.after(milliseconds(7500), [&] {
        port.fail = false;
        port.now.lid = 0x20;
    });
    loop.after(milliseconds(10'500), [&] { loop.stop(); });
    loop.run();
    EXPECT_EQ(seen, (Kinds{PortEventKind::sm_change, PortEventKind::port_down,
                           PortEventKind::lid_change, PortEventKind::port_active}));
    ASSERT_EQ(when.size(), 4U);
    EXPECT_EQ(when[0] - start, milliseconds(3000));  // the first read after the change
    EXPECT_EQ(when[1] - start, milliseconds(5000));  // one port_down, not one per failed read
    EXPECT_EQ(when[2] - start, milliseconds(8000));
    EXPECT_EQ(watcher->polls(), 10U);
    EXPECT_EQ(watcher->read_errors(), 3U);  // 5 s, 6 s, 7 s
    EXPECT_EQ(port.reads, 11);
    EXPECT_EQ(watcher->last().lid, 0x20);
    watcher.reset();
    EXPECT_EQ(loop.pending_timers(), 0U);  // the watcher's timer goes with it
}

TEST(PortWatcher, AnUnreadablePortAtTheStartIsDown) {
    runtime::VirtualClock clock;
    runtime::EventLoop loop(clock);
    Scripted port;
    port.fail = true;
    Kinds seen;
    PortWatcher watcher(
        loop, [&] { return port.read(); }, milliseconds(100),
        [&](const PortEvent& e) { seen.push_back(e.kind); });
    watcher.poll();
    EXPECT_TRUE(seen.empty());
    port.fail = false;
    watcher.poll();
    // Compared with an empty baseline: every attribute is new.
    EXPECT_EQ(seen, (Kinds{PortEventKind::lid_change, PortEventKind::sm_change,
                           PortEventKind::pkey_change, PortEventKind::gid_change,
                           PortEventKind::port_active}));
}

TEST(PortWatcher, AHandlerMayDestroyTheWatcher) {
    runtime::VirtualClock clock;
    runtime::EventLoop loop(clock);
    Scripted port;
    std::unique_ptr<PortWatcher> watcher;
    int events = 0;
    watcher = std::make_unique<PortWatcher>(
        loop, [&] { return port.read(); }, milliseconds(10),
        [&](const PortEvent&) {
            ++events;
            watcher.reset();
        });
    port.now.state = model::PortState::down;
    port.now.pkeys = {0xffff};
    loop.run();  // returns: the watcher and its timer are gone
    EXPECT_EQ(events, 1);
    EXPECT_EQ(watcher, nullptr);
    EXPECT_EQ(loop.pending_timers(), 0U);
}

TEST(PortWatcher, SeesSysfsChange) {
    const testing::FixtureCopy tree("host");
    const host::Sysfs sysfs(tree.root());
    const std::string dir = "class/infiniband/mlx5_10/ports/1/";
    runtime::VirtualClock clock;
    runtime::EventLoop loop(clock);
    Kinds seen;
    PortWatcher watcher(
        loop,
        [&]() -> Result<model::PortAttributes> {
            auto port = host::read_local_port(sysfs, "mlx5_10", 1);
            if (!port) {
                return Unexpected(port.error());
            }
            return port->attributes;
        },
        milliseconds(1000), [&](const PortEvent& e) { seen.push_back(e.kind); });
    ASSERT_EQ(watcher.read_errors(), 0U);
    EXPECT_EQ(watcher.last().lid, 0x12);

    tree.write(dir + "sm_lid", "0x7\n");
    tree.write(dir + "pkeys/2", "0x8002\n");
    watcher.poll();
    EXPECT_EQ(seen, (Kinds{PortEventKind::sm_change, PortEventKind::pkey_change}));

    seen.clear();
    tree.write(dir + "state", "1: DOWN\n");
    tree.write(dir + "phys_state", "2: Polling\n");
    watcher.poll();
    EXPECT_EQ(seen, Kinds{PortEventKind::port_down});

    seen.clear();
    tree.remove("class/infiniband/mlx5_10");  // the device went away: no second port_down
    watcher.poll();
    EXPECT_TRUE(seen.empty());
    EXPECT_EQ(watcher.read_errors(), 1U);
}

}  // namespace
}  // namespace srpadm::mad

namespace srpadm::mad {
namespace {

// A reader of `now` as it is at each read.
PortWatcher::Reader reading(const model::PortAttributes& now) {
    return [&now]() -> Result<model::PortAttributes> { return now; };
}

TEST(WaitUntilUsable, ReturnsAtOnceForAUsablePort) {
    runtime::VirtualClock clock;
    runtime::EventLoop loop(clock);
    int reads = 0;
    const auto r = wait_until_usable(
        loop,
        [&]() -> Result<model::PortAttributes> {
            ++reads;
            return active_port();
        },
        std::chrono::seconds(30), milliseconds(250));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(reads, 1);
    EXPECT_EQ(loop.now(), runtime::TimePoint{});
    EXPECT_EQ(loop.pending_timers(), 0U);
}

TEST(WaitUntilUsable, WaitsForStateThenLidThenSm) {
    runtime::VirtualClock clock;
    runtime::EventLoop loop(clock);
    model::PortAttributes now = active_port();
    now.state = model::PortState::init;
    now.lid = 0;
    now.sm_lid = 0;
    // The SM brings the port up in steps: ACTIVE at 1 s, a LID at 2 s, its own LID at 3.1 s.
    loop.after(std::chrono::seconds(1), [&] { now.state = model::PortState::active; });
    loop.after(std::chrono::seconds(2), [&] { now.lid = 0x12; });
    loop.after(milliseconds(3100), [&] { now.sm_lid = 1; });
    const auto r =
        wait_until_usable(loop, reading(now), std::chrono::seconds(30), milliseconds(250));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->sm_lid, 1);
    EXPECT_EQ(loop.now() - runtime::TimePoint{}, milliseconds(3250));  // the first read after 3.1 s
    EXPECT_EQ(loop.pending_timers(), 0U);
}

TEST(WaitUntilUsable, TimesOutNamingWhatIsMissing) {
    runtime::VirtualClock clock;
    runtime::EventLoop loop(clock);
    model::PortAttributes now = active_port();
    now.state = model::PortState::armed;
    auto r = wait_until_usable(loop, reading(now), std::chrono::seconds(5), milliseconds(250));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::port_state);
    EXPECT_EQ(r.error().message,
              "port mlx5_0:1 did not become ACTIVE with an SM within 5000 ms: it is still ARMED");
    EXPECT_EQ(loop.now() - runtime::TimePoint{}, std::chrono::seconds(5));
    EXPECT_EQ(loop.pending_timers(), 0U);

    now.state = model::PortState::active;
    now.sm_lid = 0;
    r = wait_until_usable(loop, reading(now), std::chrono::seconds(1), milliseconds(250));
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("it still has no SM LID"), std::string::npos)
        << r.error().message;
}

TEST(WaitUntilUsable, StopsWhenAsked) {
    runtime::VirtualClock clock;
    runtime::EventLoop loop(clock);
    model::PortAttributes now = active_port();
    now.state = model::PortState::down;
    bool stop = false;
    loop.after(std::chrono::seconds(2), [&] { stop = true; });
    const auto r = wait_until_usable(loop, reading(now), std::chrono::seconds(60),
                                     milliseconds(500), [&] { return stop; });
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::cancelled);
    EXPECT_LT(loop.now() - runtime::TimePoint{}, std::chrono::seconds(3));
}

TEST(WaitUntilUsable, RoCEPortsNeedNoLidOrSm) {
    model::PortAttributes roce = active_port();
    roce.link_layer = model::LinkLayer::ethernet;
    roce.lid = 0;
    roce.sm_lid = 0;
    EXPECT_TRUE(port_usable(roce));
    roce.state = model::PortState::down;
    EXPECT_FALSE(port_usable(roce));
    model::PortAttributes ib = active_port();
    EXPECT_TRUE(port_usable(ib));
    ib.sm_lid = 0;
    EXPECT_FALSE(port_usable(ib));
}

}  // namespace
}  // namespace srpadm::mad
