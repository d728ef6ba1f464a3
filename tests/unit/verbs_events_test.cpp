// Port events from verbs asynchronous events: the mapping of every event type (checked against
// libibverbs's own constants, which is why this test includes <infiniband/verbs.h>), and the
// endpoint's fallback trigger, a device that does not open. There is no HCA where the suite runs,
// so reading a real event queue is left to a host with one.
#include <cstdint>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <infiniband/verbs.h>

#include <srpadm/mad/endpoint.hpp>
#include <srpadm/runtime/clock.hpp>
#include <srpadm/runtime/event_loop.hpp>
#include <srpadm/umad/verbs_events.hpp>

namespace srpadm::umad {
namespace {

using mad::PortEventKind;

std::optional<PortEventKind> kind(int type, std::uint32_t event_port, std::uint32_t port = 1) {
    const auto e = port_event_from_verbs(type, event_port, port);
    return e ? std::optional<PortEventKind>(e->kind) : std::nullopt;
}

TEST(VerbsEvents, EachPortEventOfOurPortHasItsKind) {
    EXPECT_EQ(kind(IBV_EVENT_PORT_ACTIVE, 1), PortEventKind::port_active);
    EXPECT_EQ(kind(IBV_EVENT_PORT_ERR, 1), PortEventKind::port_down);
    EXPECT_EQ(kind(IBV_EVENT_LID_CHANGE, 1), PortEventKind::lid_change);
    EXPECT_EQ(kind(IBV_EVENT_SM_CHANGE, 1), PortEventKind::sm_change);
    EXPECT_EQ(kind(IBV_EVENT_PKEY_CHANGE, 1), PortEventKind::pkey_change);
    EXPECT_EQ(kind(IBV_EVENT_CLIENT_REREGISTER, 1), PortEventKind::client_reregister);
    EXPECT_EQ(kind(IBV_EVENT_GID_CHANGE, 1), PortEventKind::gid_change);
    EXPECT_EQ(kind(IBV_EVENT_PORT_ACTIVE, 2, 2), PortEventKind::port_active);
}

TEST(VerbsEvents, OtherPortsAreIgnored) {
    for (const int type :
         {IBV_EVENT_PORT_ACTIVE, IBV_EVENT_PORT_ERR, IBV_EVENT_LID_CHANGE, IBV_EVENT_SM_CHANGE,
          IBV_EVENT_PKEY_CHANGE, IBV_EVENT_CLIENT_REREGISTER, IBV_EVENT_GID_CHANGE}) {
        EXPECT_EQ(kind(type, 2, 1), std::nullopt) << type;
        EXPECT_EQ(kind(type, 0, 1), std::nullopt) << type;
        EXPECT_EQ(kind(type, 1, 2), std::nullopt) << type;
    }
}

TEST(VerbsEvents, DeviceFatalConcernsEveryPort) {
    EXPECT_EQ(kind(IBV_EVENT_DEVICE_FATAL, 0, 1), PortEventKind::device_fatal);
    EXPECT_EQ(kind(IBV_EVENT_DEVICE_FATAL, 7, 1), PortEventKind::device_fatal);
    EXPECT_EQ(kind(IBV_EVENT_DEVICE_FATAL, 1, 2), PortEventKind::device_fatal);
    EXPECT_EQ(mad::port_event_name(PortEventKind::device_fatal), "device-fatal");
}

TEST(VerbsEvents, QueueEventsAndUnknownTypesAreIgnored) {
    // No QP, CQ, SRQ or WQ is ever created; whatever their element holds, they mean nothing.
    for (const int type :
         {IBV_EVENT_CQ_ERR, IBV_EVENT_QP_FATAL, IBV_EVENT_QP_REQ_ERR, IBV_EVENT_QP_ACCESS_ERR,
          IBV_EVENT_COMM_EST, IBV_EVENT_SQ_DRAINED, IBV_EVENT_PATH_MIG, IBV_EVENT_PATH_MIG_ERR,
          IBV_EVENT_SRQ_ERR, IBV_EVENT_SRQ_LIMIT_REACHED, IBV_EVENT_QP_LAST_WQE_REACHED,
          IBV_EVENT_WQ_FATAL}) {
        EXPECT_EQ(kind(type, 1, 1), std::nullopt) << type;
    }
    EXPECT_EQ(kind(-1, 1, 1), std::nullopt);
    EXPECT_EQ(kind(1000, 1, 1), std::nullopt);
}

// The whole table: of every type libibverbs defines, exactly the seven port events and the
// device's fatal error mean something.
TEST(VerbsEvents, EveryTypeOfLibibverbsIsMappedOrIgnored) {
    int mapped = 0;
    for (int type = IBV_EVENT_CQ_ERR; type <= IBV_EVENT_WQ_FATAL; ++type) {
        if (kind(type, 1, 1)) {
            ++mapped;
        }
    }
    EXPECT_EQ(mapped, 8);
    EXPECT_EQ(kind(IBV_EVENT_DEVICE_FATAL, 1, 1), PortEventKind::device_fatal);
}

TEST(VerbsEvents, ADeviceThatDoesNotExistIsAnErrorNamingIt) {
    runtime::SteadyClock clock;
    runtime::EventLoop loop(clock);
    bool called = false;
    auto opened = VerbsPortEvents::open(loop, "srpadm_no_such_hca9", 1,
                                        [&](const mad::PortEvent&) { called = true; });
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().code, Errc::not_found) << opened.error().message;
    EXPECT_NE(opened.error().message.find("no verbs device named \"srpadm_no_such_hca9\""),
              std::string::npos)
        << opened.error().message;
    EXPECT_EQ(loop.watches(), 0U);
    EXPECT_FALSE(called);
}

TEST(VerbsEvents, TheNameIsShownEscaped) {
    runtime::SteadyClock clock;
    runtime::EventLoop loop(clock);
    auto opened = VerbsPortEvents::open(loop, "bad\x1b[31mname", 1, {});
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().message.find('\x1b'), std::string::npos) << opened.error().message;
    EXPECT_NE(opened.error().message.find("bad\\x1b[31mname"), std::string::npos)
        << opened.error().message;
}

}  // namespace
}  // namespace srpadm::umad
