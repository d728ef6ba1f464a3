#include <chrono>
#include <optional>

#include <gtest/gtest.h>

#include <srpadm/mad/request_tracker.hpp>

namespace srpadm::mad {
namespace {

using std::chrono::milliseconds;

MadBuffer request(std::uint8_t mgmt_class, std::uint16_t attr) {
    MadBuffer m{};
    m[0] = 1;
    m[1] = mgmt_class;
    m[2] = mgmt_class == 0x03 ? 2 : 1;
    m[3] = 0x01;
    m[16] = static_cast<std::uint8_t>(attr >> 8);
    m[17] = static_cast<std::uint8_t>(attr);
    return m;
}

MadResponse answer(const MadBuffer& req, std::uint16_t status = 0, std::size_t length = 256) {
    MadResponse r;
    r.mad.assign(req.begin(), req.end());
    r.mad.resize(length);
    r.mad[3] = static_cast<std::uint8_t>(0x80 | 0x01);
    r.mad[4] = static_cast<std::uint8_t>(status >> 8);
    r.mad[5] = static_cast<std::uint8_t>(status);
    return r;
}

struct Fixture : ::testing::Test {
    runtime::VirtualClock clock;
    runtime::EventLoop loop{clock};
    RequestTracker tracker{loop};
    std::optional<MadResult> got;
    MadCallback keep() {
        return [this](MadResult r) { got = std::move(r); };
    }
};

TEST_F(Fixture, WritesLow32BitTidAndMatchesTheResponse) {
    MadBuffer m = request(0x06, 0x0010);
    for (std::size_t i = 8; i < 16; ++i) {
        m[i] = 0xee;
    }
    const auto tid = tracker.start(m, clock.now() + milliseconds(10), keep());
    EXPECT_EQ(tid, 1U);
    EXPECT_EQ(m[8], 0);
    EXPECT_EQ(m[11], 0);
    EXPECT_EQ(m[15], 1);
    EXPECT_EQ(tracker.outstanding(), 1U);
    EXPECT_TRUE(tracker.complete(answer(m)));
    ASSERT_TRUE(got.has_value());
    ASSERT_TRUE(got->has_value());
    EXPECT_EQ(tracker.outstanding(), 0U);
    EXPECT_EQ(tracker.stats().responses_ok, 1U);
    EXPECT_EQ(tracker.stats().requests_sent[1], 1U);
    loop.run();  // the cancelled deadline must not fire
    EXPECT_EQ(tracker.stats().timeouts, 0U);
}

TEST_F(Fixture, UpperTidBitsRewrittenByTheKernelStillMatch) {
    MadBuffer m = request(0x03, 0x0012);
    tracker.start(m, clock.now() + milliseconds(10), keep());
    MadResponse r = answer(m);
    r.mad[8] = 0x12;
    r.mad[9] = 0x34;
    EXPECT_TRUE(tracker.complete(r));
    EXPECT_TRUE(got->has_value());
}

TEST_F(Fixture, TimesOutAtTheDeadlineAndDropsTheLateAnswer) {
    MadBuffer m = request(0x03, 0x0001);
    const runtime::TimePoint t0 = clock.now();
    tracker.start(m, t0 + milliseconds(7), keep());
    loop.run();
    ASSERT_TRUE(got.has_value());
    ASSERT_FALSE(got->has_value());
    EXPECT_EQ(got->error().code, Errc::timeout);
    EXPECT_EQ(clock.now() - t0, runtime::Duration(milliseconds(7)));
    EXPECT_FALSE(tracker.complete(answer(m)));
    EXPECT_EQ(tracker.stats().unmatched, 1U);
    EXPECT_EQ(tracker.stats().timeouts, 1U);
}

TEST_F(Fixture, ClassifiesStatus) {
    MadBuffer a = request(0x06, 0x0011);
    tracker.start(a, clock.now() + milliseconds(10), keep());
    EXPECT_TRUE(tracker.complete(answer(a, 0x0100)));
    ASSERT_FALSE(got->has_value());
    EXPECT_EQ(got->error().code, Errc::mad_status);
    EXPECT_EQ(got->error().status, 0x0100);

    MadBuffer b = request(0x03, 0x0012);
    tracker.start(b, clock.now() + milliseconds(10), keep());
    EXPECT_TRUE(tracker.complete(answer(b, 0x0001)));
    EXPECT_EQ(got->error().code, Errc::busy);
}

TEST_F(Fixture, RefusesWrongClassWrongTidRequestsAndShortMads) {
    MadBuffer m = request(0x06, 0x0010);
    tracker.start(m, clock.now() + milliseconds(10), keep());
    MadResponse wrong_class = answer(m);
    wrong_class.mad[1] = 0x03;
    EXPECT_FALSE(tracker.complete(wrong_class));
    MadResponse wrong_tid = answer(m);
    wrong_tid.mad[15] ^= 0x55;
    EXPECT_FALSE(tracker.complete(wrong_tid));
    MadResponse not_a_response = answer(m);
    not_a_response.mad[3] = 0x01;
    EXPECT_FALSE(tracker.complete(not_a_response));
    MadResponse short_mad = answer(m, 0, 20);
    EXPECT_FALSE(tracker.complete(short_mad));
    EXPECT_EQ(tracker.stats().unmatched, 4U);
    EXPECT_FALSE(got.has_value());
    EXPECT_TRUE(tracker.complete(answer(m)));
    EXPECT_TRUE(got->has_value());
}

TEST_F(Fixture, AttributeMismatchIsMalformed) {
    MadBuffer m = request(0x06, 0x0010);
    tracker.start(m, clock.now() + milliseconds(10), keep());
    MadResponse r = answer(m);
    r.mad[17] = 0x11;
    EXPECT_TRUE(tracker.complete(r));
    EXPECT_EQ(got->error().code, Errc::malformed);
}

TEST_F(Fixture, CountsRmppSegmentsAndPeakOutstanding) {
    MadBuffer a = request(0x03, 0x0012);
    MadBuffer b = request(0x03, 0x0012);
    tracker.start(a, clock.now() + milliseconds(10), keep());
    tracker.start(b, clock.now() + milliseconds(10), keep());
    EXPECT_NE(a[15], b[15]);
    EXPECT_TRUE(tracker.complete(answer(a, 0, 56 + 64 * 100)));  // 6400 bytes: 32 segments
    EXPECT_EQ(tracker.stats().response_segments[0], 32U);
    EXPECT_EQ(tracker.stats().peak_outstanding, 2U);
    tracker.fail_send(static_cast<std::uint32_t>(b[15]), "boom");
    EXPECT_EQ(got->error().code, Errc::send_failed);
    EXPECT_EQ(tracker.stats().send_errors, 1U);
}

TEST_F(Fixture, TransportTimeoutCompletesAtOnceAndOnlyOnce) {
    MadBuffer m = request(0x06, 0x0010);
    const auto tid = tracker.start(m, clock.now() + milliseconds(10), keep());
    tracker.fail_timeout(tid, "umad status 110");
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->error().code, Errc::timeout);
    EXPECT_EQ(got->error().message, "umad status 110");
    EXPECT_EQ(tracker.stats().timeouts, 1U);
    EXPECT_EQ(loop.pending_timers(), 0U);  // the deadline timer is gone
    got.reset();
    tracker.fail_timeout(tid, "again");  // already completed: nothing happens
    EXPECT_FALSE(tracker.complete(answer(m)));
    EXPECT_FALSE(got.has_value());
    EXPECT_EQ(tracker.stats().timeouts, 1U);
}

TEST_F(Fixture, FailAllCompletesEverything) {
    int failed = 0;
    for (int i = 0; i < 3; ++i) {
        MadBuffer m = request(0x06, 0x0010);
        tracker.start(m, clock.now() + milliseconds(10),
                      [&](MadResult r) { failed += r.has_value() ? 0 : 1; });
    }
    tracker.fail_all(MadError{Errc::port_state, 0, "port went down"});
    EXPECT_EQ(failed, 3);
    EXPECT_EQ(tracker.outstanding(), 0U);
}

TEST(WireSegments, CountsRmppSegmentsOfSaResponses) {
    EXPECT_EQ(wire_segments(0x03, 56), 1U);
    EXPECT_EQ(wire_segments(0x03, 256), 1U);
    EXPECT_EQ(wire_segments(0x03, 257), 2U);
    EXPECT_EQ(wire_segments(0x03, 56 + 400), 2U);
    EXPECT_EQ(wire_segments(0x03, 56 + 401), 3U);
    EXPECT_EQ(wire_segments(0x06, 256), 1U);
}

}  // namespace
}  // namespace srpadm::mad
