#include <chrono>
#include <functional>
#include <map>
#include <vector>

#include <gtest/gtest.h>

#include <srpadm/discovery/mad_queue.hpp>
#include <srpadm/mad/request_tracker.hpp>

namespace srpadm::discovery {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using namespace srpadm::mad;

// A scripted endpoint: `answer` decides, per attempt, whether and how a request is answered.
class ScriptedEndpoint final : public MadEndpoint {
  public:
    enum class Action { respond, drop, busy, status, fail_now };
    std::function<Action(const MadBuffer&, int attempt)> answer;
    runtime::Duration latency = microseconds(100);
    std::map<std::uint16_t, int> attempts_by_attr;
    std::vector<runtime::TimePoint> send_times;

    explicit ScriptedEndpoint(runtime::EventLoop& loop) : loop_(loop), tracker_(loop) {}
    runtime::EventLoop& loop() override { return loop_; }
    Result<model::PortAttributes> port_attributes() override { return model::PortAttributes{}; }
    void send(MadRequest request, runtime::TimePoint deadline, MadCallback done) override {
        const auto tid = tracker_.start(request.mad, deadline, std::move(done));
        send_times.push_back(loop_.now());
        const auto attr = static_cast<std::uint16_t>((request.mad[16] << 8) | request.mad[17]);
        const int attempt = ++attempts_by_attr[attr];
        const Action action = answer ? answer(request.mad, attempt) : Action::respond;
        if (action == Action::drop) {
            return;
        }
        if (action == Action::fail_now) {
            tracker_.fail_send(tid, "the port is down");  // completes inside send()
            return;
        }
        MadResponse r;
        r.mad.assign(request.mad.begin(), request.mad.end());
        r.mad[3] |= 0x80;
        if (action == Action::busy) {
            r.mad[5] = 0x01;
        } else if (action == Action::status) {
            r.mad[4] = 0x01;  // 0x0100: no IOC
        }
        loop_.after(latency, [this, r] { tracker_.complete(r); });
    }
    Result<void> send_unanswered(const MadAddress&, const MadBuffer&) override { return {}; }
    void set_unsolicited_handler(std::function<void(const MadResponse&)>) override {}
    void set_port_event_handler(std::function<void(const PortEvent&)>) override {}
    const EndpointStats& stats() const override { return tracker_.stats(); }

  private:
    runtime::EventLoop& loop_;
    RequestTracker tracker_;
};

MadRequest make(std::uint8_t mgmt_class, std::uint16_t attr) {
    MadRequest r;
    r.mad[0] = 1;
    r.mad[1] = mgmt_class;
    r.mad[3] = 1;
    r.mad[16] = static_cast<std::uint8_t>(attr >> 8);
    r.mad[17] = static_cast<std::uint8_t>(attr);
    return r;
}

struct QueueTest : ::testing::Test {
    runtime::VirtualClock clock;
    runtime::EventLoop loop{clock};
    ScriptedEndpoint ep{loop};
};

TEST_F(QueueTest, WindowBoundsOutstandingAndPipelines) {
    MadQueue q(ep, QueueLimits{4, 2}, RetryPolicy{});
    int ok = 0;
    const runtime::TimePoint t0 = clock.now();
    for (std::uint16_t i = 0; i < 16; ++i) {
        q.submit(make(0x06, static_cast<std::uint16_t>(0x100 + i)),
                 [&](MadResult r) { ok += r.has_value() ? 1 : 0; });
    }
    EXPECT_EQ(q.outstanding(), 4U);
    EXPECT_EQ(q.queued(), 12U);
    loop.run();
    EXPECT_EQ(ok, 16);
    EXPECT_TRUE(q.idle());
    EXPECT_EQ(q.stats().peak_outstanding, 4U);
    // 16 requests, 4 at a time, 100 us each: 400 us.
    EXPECT_EQ(clock.now() - t0, runtime::Duration(microseconds(400)));
}

TEST_F(QueueTest, SaWindowIsSeparateAndDoesNotBlockDm) {
    MadQueue q(ep, QueueLimits{8, 2}, RetryPolicy{});
    int done = 0;
    for (int i = 0; i < 6; ++i) {
        q.submit(make(0x03, 0x0035), [&](MadResult) { ++done; });
    }
    for (int i = 0; i < 4; ++i) {
        q.submit(make(0x06, 0x0010), [&](MadResult) { ++done; });
    }
    EXPECT_EQ(q.outstanding(), 6U);  // 2 SA + 4 DM
    loop.run();
    EXPECT_EQ(done, 10);
    EXPECT_EQ(q.stats().peak_sa_outstanding, 2U);
}

TEST_F(QueueTest, PacedSaRequestsGoInABurstThenOnePerInterval) {
    QueueLimits limits{64, 32};
    limits.sa_interval = milliseconds(5);
    limits.sa_burst = 2;
    MadQueue q(ep, limits, RetryPolicy{});
    const auto t0 = loop.now();
    std::vector<runtime::Duration> sa_sent;
    int dm_done = 0;
    for (int i = 0; i < 6; ++i) {
        q.submit(make(0x03, 0x0011), [&](MadResult r) { EXPECT_TRUE(r); });
    }
    // DM requests are not paced: all four go at once, beside the two SA requests.
    for (int i = 0; i < 4; ++i) {
        q.submit(make(0x06, 0x0010), [&](MadResult) { ++dm_done; });
    }
    EXPECT_EQ(q.outstanding(), 6U);
    loop.run();
    EXPECT_EQ(dm_done, 4);
    ASSERT_EQ(ep.send_times.size(), 10U);
    for (std::size_t i = 0; i < ep.send_times.size(); ++i) {
        if (i < 2 || i >= 6) {
            sa_sent.push_back(ep.send_times[i] - t0);
        }
    }
    const std::vector<runtime::Duration> expected{milliseconds(0),  milliseconds(0),
                                                  milliseconds(5),  milliseconds(10),
                                                  milliseconds(15), milliseconds(20)};
    EXPECT_EQ(sa_sent, expected);
    EXPECT_EQ(q.stats().paced, 4U);

    // After a quiet time the bucket is full again: a lone pair goes at once.
    bool quiet_enough = false;
    loop.after(milliseconds(100), [&] { quiet_enough = true; });
    loop.run_until([&] { return quiet_enough; });
    const auto quiet = loop.now();
    q.submit(make(0x03, 0x0035), [](MadResult) {});
    q.submit(make(0x03, 0x0035), [](MadResult) {});
    EXPECT_EQ(ep.send_times.size(), 12U);
    EXPECT_EQ(ep.send_times.back(), quiet);
    loop.run();
}

TEST_F(QueueTest, TimeoutsAreRetriedWithBackoffThenFail) {
    ep.answer = [](const MadBuffer&, int) { return ScriptedEndpoint::Action::drop; };
    RetryPolicy p;
    p.timeout = milliseconds(100);
    p.retries = 2;
    p.backoff = milliseconds(10);
    p.backoff_max = milliseconds(1000);
    MadQueue q(ep, QueueLimits{4, 4}, p);
    std::optional<MadResult> got;
    const runtime::TimePoint t0 = clock.now();
    q.submit(make(0x06, 0x0010), [&](MadResult r) { got = std::move(r); });
    loop.run();
    ASSERT_TRUE(got.has_value());
    ASSERT_FALSE(got->has_value());
    EXPECT_EQ(got->error().code, Errc::timeout);
    EXPECT_EQ(ep.attempts_by_attr[0x0010], 3);
    EXPECT_EQ(q.stats().retries, 2U);
    EXPECT_EQ(q.stats().timeouts, 3U);
    EXPECT_EQ(q.stats().failed, 1U);
    ASSERT_EQ(ep.send_times.size(), 3U);
    // Each retry waits its backoff (10 ms, then 20 ms, plus up to 25 % jitter) after the timeout.
    const auto gap1 = ep.send_times[1] - ep.send_times[0];
    const auto gap2 = ep.send_times[2] - ep.send_times[1];
    EXPECT_GE(gap1, runtime::Duration(milliseconds(110)));
    EXPECT_LE(gap1, runtime::Duration(microseconds(112500)));
    EXPECT_GE(gap2, runtime::Duration(milliseconds(120)));
    EXPECT_LE(gap2, runtime::Duration(milliseconds(125)));
    EXPECT_EQ(clock.now() - ep.send_times[2], runtime::Duration(milliseconds(100)));
    EXPECT_GT(clock.now() - t0, runtime::Duration(milliseconds(330)));
}

TEST_F(QueueTest, BusyIsRetriedAndThenSucceeds) {
    ep.answer = [](const MadBuffer&, int attempt) {
        return attempt < 3 ? ScriptedEndpoint::Action::busy : ScriptedEndpoint::Action::respond;
    };
    MadQueue q(ep, QueueLimits{}, RetryPolicy{});
    std::optional<MadResult> got;
    q.submit(make(0x03, 0x0012), [&](MadResult r) { got = std::move(r); });
    loop.run();
    ASSERT_TRUE(got->has_value());
    EXPECT_EQ(q.stats().busy, 2U);
    EXPECT_EQ(q.stats().retries, 2U);
    EXPECT_EQ(q.stats().failed, 0U);
}

TEST_F(QueueTest, OtherStatusEndsAtOnce) {
    ep.answer = [](const MadBuffer&, int) { return ScriptedEndpoint::Action::status; };
    MadQueue q(ep, QueueLimits{}, RetryPolicy{});
    std::optional<MadResult> got;
    q.submit(make(0x06, 0x0011), [&](MadResult r) { got = std::move(r); });
    loop.run();
    ASSERT_FALSE(got->has_value());
    EXPECT_EQ(got->error().code, Errc::mad_status);
    EXPECT_EQ(got->error().status, 0x0100);
    EXPECT_EQ(q.stats().attempts, 1U);
}

TEST_F(QueueTest, SendsThatFailInsideSendLeaveTheQueueWhole) {
    // Four requests that get no answer fill the window and the rest wait in the queue. When
    // they time out, the queue sends the waiting ones to an endpoint that now refuses every
    // send on the spot (its port went down): each completes inside send(), and the caller's
    // callback submits more from there. Every request must complete exactly once.
    ep.answer = [](const MadBuffer& mad, int) {
        return mad[17] == 0x01 ? ScriptedEndpoint::Action::drop
                               : ScriptedEndpoint::Action::fail_now;
    };
    RetryPolicy p;
    p.timeout = milliseconds(100);
    p.retries = 1;
    p.backoff = milliseconds(1);
    MadQueue q(ep, QueueLimits{4, 2}, p);
    int completed = 0;
    std::function<void(int)> submit = [&](int i) {
        const std::uint16_t attr = i < 4 ? 0x0001 : static_cast<std::uint16_t>(0x100 + i);
        q.submit(make(i % 3 == 0 ? 0x03 : 0x06, attr), [&, i](MadResult r) {
            EXPECT_FALSE(r.has_value());
            ++completed;
            if (i >= 4 && i < 100) {
                submit(i + 100);
            }
        });
    };
    for (int i = 0; i < 100; ++i) {
        submit(i);
    }
    EXPECT_EQ(q.queued(), 96U);
    loop.run();
    EXPECT_EQ(completed, 100 + 96);
    EXPECT_TRUE(q.idle());
    EXPECT_EQ(q.stats().failed, 196U);
    EXPECT_EQ(q.stats().attempts, 2U * 196U);
}

TEST_F(QueueTest, CancelEndsWhatIsNotSentAtOnce) {
    // Attribute 0x0001 is never answered.
    ep.answer = [](const MadBuffer& mad, int) {
        return mad[17] == 0x01 ? ScriptedEndpoint::Action::drop : ScriptedEndpoint::Action::respond;
    };
    RetryPolicy p;
    p.timeout = milliseconds(100);
    MadQueue q(ep, QueueLimits{2, 2}, p);
    std::vector<Errc> ended;
    const auto record = [&](MadResult r) { ended.push_back(r ? Errc::internal : r.error().code); };
    // Two time out at 100 ms and wait out their backoff (100-125 ms).
    q.submit(make(0x06, 0x0001), record);
    q.submit(make(0x06, 0x0001), record);
    loop.run_until([&] { return clock.now() >= runtime::TimePoint{} + milliseconds(150); });
    // Two more fill the window; a fifth waits in the queue.
    q.submit(make(0x06, 0x0001), record);
    q.submit(make(0x06, 0x0001), record);
    q.submit(make(0x06, 0x0010), record);
    ASSERT_TRUE(ended.empty());
    q.cancel(MadError{Errc::port_state, 0, "port down"});
    // The queued one and the two in backoff end now, with the error given.
    EXPECT_EQ(ended, (std::vector<Errc>{Errc::port_state, Errc::port_state, Errc::port_state}));
    q.submit(make(0x06, 0x0011), record);
    EXPECT_EQ(ended.size(), 4U);
    // The two in flight end at their deadline, and are not sent again.
    loop.run();
    EXPECT_EQ(ended.size(), 6U);
    EXPECT_EQ(ended.back(), Errc::timeout);
    EXPECT_EQ(ep.send_times.size(), 4U);
    EXPECT_TRUE(q.idle());
}

}  // namespace
}  // namespace srpadm::discovery
