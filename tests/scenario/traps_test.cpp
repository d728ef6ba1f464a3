// Trap subscriptions (discovery::TrapSubscriber) against the simulated fabric's SA: InformInfo
// subscribe and unsubscribe, Reports for fabric events and their ReportResps, an SA that
// refuses, an SA that never answers, and unsolicited MADs that are not Reports.
#include <fmt/ranges.h>

#include <srpadm/discovery/traps.hpp>
#include <srpadm/wire/message.hpp>
#include <srpadm/wire/notice.hpp>
#include <srpadm/wire/sa_records.hpp>

#include "scenario_support.hpp"

namespace srpadm::scenario {
namespace {

using discovery::SubscriptionOutcome;
using discovery::SubscriptionResult;
using discovery::TrapEvent;
using discovery::TrapSubscriber;

// An endpoint that hands everything to a SimEndpoint and keeps a copy of what was sent.
class Recorder final : public mad::MadEndpoint {
  public:
    explicit Recorder(mad::MadEndpoint& inner) : inner_(inner) {}

    struct Sent {
        mad::MadAddress to;
        mad::MadBuffer mad{};
    };

    runtime::EventLoop& loop() override { return inner_.loop(); }
    Result<model::PortAttributes> port_attributes() override { return inner_.port_attributes(); }
    void send(mad::MadRequest request, runtime::TimePoint deadline,
              mad::MadCallback done) override {
        requests.push_back({request.to, request.mad});
        inner_.send(std::move(request), deadline, std::move(done));
    }
    Result<void> send_unanswered(const mad::MadAddress& to, const mad::MadBuffer& mad) override {
        unanswered.push_back({to, mad});
        return inner_.send_unanswered(to, mad);
    }
    void set_unsolicited_handler(std::function<void(const mad::MadResponse&)> handler) override {
        inner_.set_unsolicited_handler(std::move(handler));
    }
    void set_port_event_handler(std::function<void(const mad::PortEvent&)> handler) override {
        inner_.set_port_event_handler(std::move(handler));
    }
    const mad::EndpointStats& stats() const override { return inner_.stats(); }

    std::vector<Sent> requests;
    std::vector<Sent> unanswered;

  private:
    mad::MadEndpoint& inner_;
};

// two-targets.fabric with a TrapSubscriber on host1's port that keeps every TrapEvent.
struct Traps : testing::Test {
    Traps()
        : recorder(*h.endpoint),
          subscriber(recorder, [this](const TrapEvent& e) { events.push_back(e); }) {}

    // subscribe() or unsubscribe() run to completion on the loop.
    std::vector<SubscriptionResult> run(
        bool subscribe, std::span<const wire::TrapSubscription> traps = discovery::kSrpTraps) {
        std::optional<std::vector<SubscriptionResult>> got;
        const auto done = [&got](std::vector<SubscriptionResult> r) { got = std::move(r); };
        if (subscribe) {
            subscriber.subscribe(traps, done);
        } else {
            subscriber.unsubscribe(done);
        }
        EXPECT_FALSE(got.has_value()) << "the results come from the loop, not from the call";
        h.loop.run_until([&got] { return got.has_value(); });
        EXPECT_TRUE(got.has_value());
        return got.value_or(std::vector<SubscriptionResult>{});
    }
    std::vector<SubscriptionResult> subscribe(
        std::span<const wire::TrapSubscription> traps = discovery::kSrpTraps) {
        return run(true, traps);
    }
    std::vector<SubscriptionResult> unsubscribe() { return run(false); }

    // The trap numbers the simulated SA holds for host1, in its order.
    std::vector<std::uint16_t> held() {
        std::vector<std::uint16_t> out;
        for (const auto& s : h.fabric.sa().subscriptions()) {
            EXPECT_EQ(s.subscriber, h.local_port());
            out.push_back(s.trap_number);
        }
        return out;
    }

    Harness h{example("two-targets")};
    Recorder recorder;
    std::vector<TrapEvent> events;
    TrapSubscriber subscriber;
};

std::vector<std::uint16_t> trap_numbers(const std::vector<SubscriptionResult>& results) {
    std::vector<std::uint16_t> out;
    for (const auto& r : results) {
        out.push_back(r.trap.trap_number);
    }
    return out;
}

std::vector<SubscriptionOutcome> outcomes(const std::vector<SubscriptionResult>& results) {
    std::vector<SubscriptionOutcome> out;
    for (const auto& r : results) {
        out.push_back(r.outcome);
    }
    return out;
}

std::vector<SubscriptionOutcome> all(SubscriptionOutcome o, std::size_t n = 4) {
    return std::vector<SubscriptionOutcome>(n, o);
}

std::vector<std::string> messages(const std::vector<SubscriptionResult>& results) {
    std::vector<std::string> out;
    for (const auto& r : results) {
        out.push_back(r.message);
    }
    return out;
}

TEST(TrapsAddress, SaMadsGoToTheSmOnItsSlAndTheDefaultPartition) {
    model::PortAttributes port;
    port.sm_lid = 0x12;
    port.sm_sl = 3;
    port.pkeys = {0x8001, 0x7fff, 0xffff, 0};
    auto to = discovery::sa_address(port);
    EXPECT_EQ(to.dlid, 0x12);
    EXPECT_EQ(to.sl, 3);
    EXPECT_EQ(to.pkey_index, 2);  // the full member first
    EXPECT_EQ(to.qpn, 1U);
    EXPECT_EQ(to.qkey, 0x80010000U);
    EXPECT_FALSE(to.dgid.has_value());

    port.pkeys = {0x8001, 0x8002, 0x7fff};
    EXPECT_EQ(discovery::sa_address(port).pkey_index, 2);  // a limited member
    port.pkeys = {0x8001, 0x8002};
    EXPECT_EQ(discovery::sa_address(port).pkey_index, 0);  // no default partition
}

TEST_F(Traps, SubscribesToTheFourTrapsAndTheSaHoldsThem) {
    const auto results = subscribe();
    EXPECT_EQ(trap_numbers(results), (std::vector<std::uint16_t>{64, 65, 144, 145}));
    EXPECT_EQ(outcomes(results), all(SubscriptionOutcome::ok))
        << fmt::format("{}", fmt::join(messages(results), "\n"));
    for (const auto& r : results) {
        EXPECT_EQ(r.status, 0);
        EXPECT_EQ(r.attempts, 1U);
        ASSERT_TRUE(r.echoed.has_value());
        EXPECT_EQ(r.echoed->subscribe, 1);
        EXPECT_EQ(r.echoed->trap_number, r.trap.trap_number);
        EXPECT_THAT(r.message, HasSubstr("confirmed by the SA at LID 0x0001"));
    }
    EXPECT_EQ(held(), (std::vector<std::uint16_t>{64, 65, 144, 145}));
    for (const auto& s : h.fabric.sa().subscriptions()) {
        EXPECT_EQ(s.lid, h.fabric.fabric().port(h.local_port()).lid);
        EXPECT_EQ(s.lid_range_begin, 0xffff);
    }
    EXPECT_EQ(subscriber.subscribed().size(), 4U);
    EXPECT_EQ(subscriber.stats().subscribed, 4U);
    EXPECT_EQ(subscriber.stats().renewals, 0U);
    EXPECT_EQ(subscriber.stats().requests, 4U);
    EXPECT_EQ(h.fabric.stats().sa.requests, 4U);

    // The requests, byte for byte where it matters: srp_daemon's InformInfo Set to the SM LID
    // on the default partition's index.
    ASSERT_EQ(recorder.requests.size(), 4U);
    for (std::size_t i = 0; i < 4; ++i) {
        const auto& sent = recorder.requests[i];
        EXPECT_EQ(sent.to, discovery::sa_address(*h.endpoint->port_attributes()));
        EXPECT_EQ(sent.to.dlid, kTwoTargetsSmLid);
        const auto sa = wire::decode_sa_mad(sent.mad);
        ASSERT_TRUE(sa);
        EXPECT_EQ(sa->header.mgmt_class, 0x03);
        EXPECT_EQ(sa->header.method_byte(), 0x02);  // Set
        EXPECT_EQ(sa->header.attr_id, 0x0003);      // InformInfo
        // srp_daemon: comp_mask = 2 | 16 | 32 | 64 | 128 | 4096.
        EXPECT_EQ(sa->sa.comp_mask, 0x10f2U);
        const auto info = wire::InformInfo::decode(sa->data);
        ASSERT_TRUE(info);
        const auto& want = discovery::kSrpTraps[i];
        EXPECT_EQ(info->lid_range_begin, 0xffff);
        EXPECT_EQ(info->is_generic, 1);
        EXPECT_EQ(info->subscribe, 1);
        EXPECT_EQ(info->trap_number, want.trap_number);
        EXPECT_EQ(info->type, want.type);
        EXPECT_EQ(info->producer_type, want.producer_type);
    }
}

TEST_F(Traps, SubscribingAgainIsARenewal) {
    subscribe();
    const auto again = subscribe();
    EXPECT_EQ(outcomes(again), all(SubscriptionOutcome::ok));
    EXPECT_EQ(subscriber.stats().subscribed, 8U);
    EXPECT_EQ(subscriber.stats().renewals, 4U);
    EXPECT_EQ(subscriber.subscribed().size(), 4U);
    EXPECT_EQ(held(), (std::vector<std::uint16_t>{64, 65, 144, 145}));  // no duplicates
}

TEST_F(Traps, AfterAnSmMoveTheSubscriptionsAreRenewedAtTheNewSa) {
    subscribe();
    h.apply(sim::SmMove{h.port("storage1 mlx5_0")});
    EXPECT_TRUE(held().empty());
    const auto again = subscribe();
    EXPECT_EQ(outcomes(again), all(SubscriptionOutcome::ok));
    EXPECT_EQ(recorder.requests.back().to.dlid, kStorage1Lid);
    EXPECT_EQ(held(), (std::vector<std::uint16_t>{64, 65, 144, 145}));
    EXPECT_EQ(subscriber.stats().renewals, 4U);
}

// The event and its Report, acknowledged.
void expect_acknowledged(const sim::SimFabric& fabric, std::uint16_t trap) {
    ASSERT_FALSE(fabric.report_log().empty());
    const auto& log = fabric.report_log().back();
    EXPECT_EQ(log.trap_number, trap);
    EXPECT_TRUE(log.acknowledged);
}

TEST_F(Traps, ATargetPortGoingAwayAndComingBackIsReportedAndAcknowledged) {
    subscribe();
    const auto storage2 = h.port("storage2 mlx5_0");
    const Gid gid = h.fabric.fabric().gid(storage2);

    h.apply(sim::PortDown{storage2});
    h.settle();
    ASSERT_EQ(events.size(), 1U);
    EXPECT_EQ(events[0].trap_number, 65);
    ASSERT_TRUE(std::holds_alternative<wire::GidOutOfService>(events[0].details));
    EXPECT_EQ(std::get<wire::GidOutOfService>(events[0].details).gid, gid);
    EXPECT_EQ(events[0].from, kTwoTargetsSmLid);
    EXPECT_TRUE(events[0].acknowledged);
    expect_acknowledged(h.fabric, 65);
    EXPECT_EQ(events[0].tid, h.fabric.report_log().back().tid);
    EXPECT_EQ(discovery::describe(events[0]),
              "trap 65 (GID out of service) from LID 0x0001: GID " + gid.hex());

    h.apply(sim::PortUp{storage2});
    h.settle();
    ASSERT_EQ(events.size(), 2U);
    EXPECT_EQ(events[1].trap_number, 64);
    ASSERT_TRUE(std::holds_alternative<wire::GidInService>(events[1].details));
    EXPECT_EQ(std::get<wire::GidInService>(events[1].details).gid, gid);
    expect_acknowledged(h.fabric, 64);

    EXPECT_EQ(subscriber.stats().reports, 2U);
    EXPECT_EQ(subscriber.stats().report_resps_sent, 2U);
    EXPECT_EQ(subscriber.stats().report_resps_failed, 0U);
    EXPECT_EQ(h.fabric.stats().report_resps, 2U);

    // Each ReportResp is its Report with method 0x86, sent back to the SA's LID and QP.
    ASSERT_EQ(recorder.unanswered.size(), 2U);
    for (const auto& sent : recorder.unanswered) {
        EXPECT_EQ(sent.to.dlid, kTwoTargetsSmLid);
        EXPECT_EQ(sent.to.qpn, 1U);
        EXPECT_EQ(sent.mad[3], 0x86);
    }
}

TEST_F(Traps, ATargetStartingAndStoppingIsReportedAsTrap144) {
    subscribe();
    const auto storage2 = h.port("storage2 mlx5_0");
    const Lid lid = h.lid("storage2 mlx5_0");
    constexpr std::uint32_t kIsDm = wire::port_cap::is_device_management_supported;

    h.apply(sim::TargetChange{storage2, false, std::nullopt});
    h.settle();
    ASSERT_EQ(events.size(), 1U);
    EXPECT_EQ(events[0].trap_number, 144);
    ASSERT_TRUE(std::holds_alternative<wire::LocalChanges>(events[0].details));
    const auto& stopped = std::get<wire::LocalChanges>(events[0].details);
    EXPECT_EQ(stopped.lid, lid);
    EXPECT_EQ(stopped.capability_mask & kIsDm, 0U);
    EXPECT_EQ(events[0].notice.issuer_gid, h.fabric.fabric().gid(storage2));
    expect_acknowledged(h.fabric, 144);

    h.apply(sim::TargetChange{storage2, true, std::nullopt});
    h.settle();
    ASSERT_EQ(events.size(), 2U);
    const auto& started = std::get<wire::LocalChanges>(events[1].details);
    EXPECT_EQ(started.lid, lid);
    EXPECT_EQ(started.capability_mask & kIsDm, kIsDm);
    expect_acknowledged(h.fabric, 144);
    EXPECT_THAT(discovery::describe(events[1]),
                HasSubstr(fmt::format("LID 0x{:04x}, capability mask 0x{:08x} (device management)",
                                      lid, started.capability_mask)));
}

TEST_F(Traps, Trap145CarriesTheNewSystemImageGuid) {
    subscribe();
    const auto storage1 = h.port("storage1 mlx5_0");
    // No fabric event issues trap 145: the SA's Report for it is handed to the endpoint as the
    // fabric hands its Reports over.
    const auto reports =
        h.fabric.sa().reports(sim::Trap{wire::trap::system_image_guid_changed, storage1, 0});
    ASSERT_EQ(reports.size(), 1U);
    mad::MadResponse m;
    m.mad = reports[0].mad;
    m.slid = kTwoTargetsSmLid;
    h.endpoint->deliver_unsolicited(m);
    ASSERT_EQ(events.size(), 1U);
    EXPECT_EQ(events[0].trap_number, 145);
    ASSERT_TRUE(std::holds_alternative<wire::SystemImageGuidChanged>(events[0].details));
    const auto& d = std::get<wire::SystemImageGuidChanged>(events[0].details);
    EXPECT_EQ(d.lid, kStorage1Lid);
    EXPECT_EQ(d.system_image_guid, h.fabric.fabric().node(storage1).system_image_guid);
    EXPECT_EQ(subscriber.stats().report_resps_sent, 1U);
    ASSERT_EQ(recorder.unanswered.size(), 1U);
    EXPECT_EQ(recorder.unanswered[0].mad[3], 0x86);
}

TEST_F(Traps, TheReportRespGoesBackToTheSendersAddress) {
    subscribe();
    auto reports = h.fabric.sa().reports(
        sim::Trap{wire::trap::gid_out_of_service, h.port("storage1 mlx5_0"), 0});
    ASSERT_EQ(reports.size(), 1U);
    mad::MadResponse m;
    m.mad = reports[0].mad;
    m.slid = 0x21;
    m.sqpn = 7;
    m.pkey_index = 1;
    m.sgid = h.fabric.fabric().gid(h.port("storage2 mlx5_0"));
    h.endpoint->deliver_unsolicited(m);
    ASSERT_EQ(recorder.unanswered.size(), 1U);
    const auto& sent = recorder.unanswered[0];
    EXPECT_EQ(sent.to.dlid, 0x21);
    EXPECT_EQ(sent.to.qpn, 7U);
    EXPECT_EQ(sent.to.pkey_index, 1);
    EXPECT_EQ(sent.to.sl, 0);
    EXPECT_EQ(sent.to.dgid, m.sgid);
    // The Report itself with method ReportResp.
    std::vector<std::uint8_t> want = reports[0].mad;
    want[3] = 0x86;
    EXPECT_EQ(std::vector<std::uint8_t>(sent.mad.begin(), sent.mad.begin() + 256), want);
    ASSERT_EQ(events.size(), 1U);
    EXPECT_EQ(events[0].from, 0x21);
    EXPECT_EQ(events[0].tid, reports[0].tid);
}

TEST_F(Traps, AnSaThatRefusesIsReportedWithItsStatusInWords) {
    h.fault(sa_fault(FaultAction::status, wire::attr::inform_info).value(0x0700));
    const auto results = subscribe();
    EXPECT_EQ(outcomes(results), all(SubscriptionOutcome::refused));
    for (const auto& r : results) {
        EXPECT_EQ(r.status, 0x0700);
        EXPECT_EQ(r.attempts, 1U);  // a refusal is not retried
        EXPECT_THAT(r.message, HasSubstr(fmt::format(
                                   "subscribing to trap {} ({}): the SA at LID 0x0001 refused it: "
                                   "status 0x0700 (request denied)",
                                   r.trap.trap_number, discovery::trap_name(r.trap.trap_number))));
    }
    expect_printable(messages(results));
    EXPECT_TRUE(subscriber.subscribed().empty());
    EXPECT_EQ(subscriber.stats().failed, 4U);
    EXPECT_EQ(subscriber.stats().subscribed, 0U);
    EXPECT_EQ(h.fabric.stats().sa.requests, 4U);
}

TEST_F(Traps, ABusySaIsAskedAgain) {
    h.fault(sa_fault(FaultAction::status, wire::attr::inform_info).value(kStatusBusy).once());
    const auto results = subscribe();
    EXPECT_EQ(outcomes(results), all(SubscriptionOutcome::ok));
    EXPECT_EQ(results[0].attempts, 2U);
    EXPECT_EQ(results[1].attempts, 1U);
    EXPECT_EQ(subscriber.stats().requests, 5U);
    EXPECT_EQ(held(), (std::vector<std::uint16_t>{64, 65, 144, 145}));
}

TEST_F(Traps, ASilentSaTimesOutAfterEveryAttempt) {
    h.fault(sa_fault(FaultAction::drop, wire::attr::inform_info));
    const auto started = h.loop.now();
    const auto results = subscribe(std::span(discovery::kSrpTraps).first(2));
    const auto took = h.loop.now() - started;
    const auto& policy = subscriber.policy();
    const unsigned attempts = policy.retries + 1;
    EXPECT_EQ(outcomes(results), all(SubscriptionOutcome::timeout, 2));
    for (const auto& r : results) {
        EXPECT_EQ(r.attempts, attempts);
        EXPECT_THAT(r.message, HasSubstr(fmt::format("no answer from the SA at LID 0x0001 ({} "
                                                     "attempts)",
                                                     attempts)));
    }
    EXPECT_EQ(h.fabric.stats().sa.requests, 2U * attempts);
    EXPECT_EQ(subscriber.stats().failed, 2U);
    // Every attempt's deadline plus the backoffs between them (1 + 2 + 4 times the first).
    EXPECT_EQ(took, policy.timeout * attempts + policy.backoff * 7);
    EXPECT_TRUE(subscriber.subscribed().empty());
}

TEST_F(Traps, AnAnswerThatDoesNotEchoTheRequestIsABadAnswer) {
    // The SA's GetResp cut after the SA header: no InformInfo to check.
    h.fault(sa_fault(FaultAction::truncate_table, wire::attr::inform_info).value(200));
    const auto results = subscribe(std::span(discovery::kSrpTraps).first(1));
    EXPECT_EQ(outcomes(results), all(SubscriptionOutcome::bad_answer, 1));
    EXPECT_THAT(results[0].message, HasSubstr("does not decode"));
    EXPECT_FALSE(results[0].echoed.has_value());
    EXPECT_TRUE(subscriber.subscribed().empty());
}

TEST_F(Traps, APortWithoutAnSmSendsNothing) {
    h.apply(sim::PortDown{h.local_port()});
    const auto results = subscribe();
    EXPECT_EQ(outcomes(results), all(SubscriptionOutcome::failed));
    EXPECT_THAT(results[0].message, HasSubstr("not sent: port mlx5_0:1 is DOWN"));
    EXPECT_TRUE(recorder.requests.empty());
}

TEST_F(Traps, AfterUnsubscribingNoMoreReportsCome) {
    subscribe();
    const auto results = unsubscribe();
    EXPECT_EQ(outcomes(results), all(SubscriptionOutcome::ok));
    for (const auto& r : results) {
        EXPECT_FALSE(r.subscribe);
        ASSERT_TRUE(r.echoed.has_value());
        EXPECT_EQ(r.echoed->subscribe, 0);
    }
    EXPECT_TRUE(held().empty());
    EXPECT_TRUE(subscriber.subscribed().empty());
    EXPECT_EQ(subscriber.stats().unsubscribed, 4U);
    // srp_daemon's unsubscribe: Subscribe 0 and the QPN (comp_mask bit 8 added).
    const auto sa = wire::decode_sa_mad(recorder.requests.back().mad);
    ASSERT_TRUE(sa);
    EXPECT_EQ(sa->sa.comp_mask, 0x11f2U);
    EXPECT_EQ(wire::InformInfo::decode(sa->data)->qpn, 1U);

    const auto storage2 = h.port("storage2 mlx5_0");
    h.apply(sim::PortDown{storage2});
    h.apply(sim::TargetChange{h.port("storage1 mlx5_0"), false, std::nullopt});
    h.settle();
    EXPECT_TRUE(events.empty());
    EXPECT_TRUE(h.fabric.report_log().empty());
    EXPECT_EQ(subscriber.stats().reports, 0U);

    // Nothing left to unsubscribe from.
    EXPECT_TRUE(unsubscribe().empty());
}

TEST_F(Traps, UnsubscribingFromWhatTheSaForgotDropsIt) {
    subscribe();
    h.apply(sim::SmMove{h.port("storage1 mlx5_0")});  // the new SA holds nothing
    const auto results = unsubscribe();
    EXPECT_EQ(outcomes(results), all(SubscriptionOutcome::refused));
    EXPECT_EQ(results[0].status, 0x0200);
    EXPECT_TRUE(subscriber.subscribed().empty());
}

TEST_F(Traps, OtherUnsolicitedMadsAndBrokenReportsAreCountedAndDropped) {
    subscribe();
    const auto storage1 = h.port("storage1 mlx5_0");
    auto report = h.fabric.sa().reports(sim::Trap{wire::trap::gid_in_service, storage1, 0});
    ASSERT_EQ(report.size(), 1U);

    // A DM request: not ours, no answer.
    mad::MadResponse dm;
    const auto dm_get = wire::build_dm_get(wire::dm_attr::io_unit_info, 0, 0x77);
    dm.mad.assign(dm_get.begin(), dm_get.end());
    dm.slid = kStorage1Lid;
    h.endpoint->deliver_unsolicited(dm);
    // Shorter than a MAD header.
    mad::MadResponse tiny;
    tiny.mad.assign(report[0].mad.begin(), report[0].mad.begin() + 20);
    h.endpoint->deliver_unsolicited(tiny);
    // A Report cut inside its Notice: answered (it was received), not handed over.
    mad::MadResponse cut;
    cut.mad.assign(report[0].mad.begin(), report[0].mad.begin() + 100);
    cut.slid = kTwoTargetsSmLid;
    h.endpoint->deliver_unsolicited(cut);
    // A Report of another attribute.
    mad::MadResponse other = cut;
    other.mad = report[0].mad;
    other.mad[17] = 0x03;  // AttributeID InformInfo
    h.endpoint->deliver_unsolicited(other);

    EXPECT_TRUE(events.empty());
    const auto& s = subscriber.stats();
    EXPECT_EQ(s.dropped, 2U);
    EXPECT_EQ(s.bad_reports, 2U);
    EXPECT_EQ(s.reports, 0U);
    EXPECT_EQ(s.report_resps_sent, 2U);
    ASSERT_EQ(recorder.unanswered.size(), 2U);
    EXPECT_EQ(recorder.unanswered[0].mad[3], 0x86);
    EXPECT_EQ(recorder.unanswered[0].mad[99], report[0].mad[99]);
    EXPECT_EQ(recorder.unanswered[0].mad[100], 0);  // nothing past what arrived
}

TEST_F(Traps, ANoticeWithOddBytesIsDescribedInPrintableText) {
    subscribe();
    auto notice = wire::Notice::generic(wire::GidInService{}, kTwoTargetsSmLid, Gid{});
    notice.trap_number = 0x1234;  // a trap srpadm has no details for
    notice.type = 0x7f;
    notice.data_details.fill(0xff);
    const auto header = wire::MadHeader::request(wire::mgmt_class::subn_adm, 2,
                                                 wire::method::report, wire::attr::notice, 0, 9);
    const auto mad = wire::build_sa_mad(header, std::nullopt, {}, notice.encode()).value();
    mad::MadResponse m;
    m.mad.assign(mad.begin(), mad.end());
    m.slid = kTwoTargetsSmLid;
    h.endpoint->deliver_unsolicited(m);
    ASSERT_EQ(events.size(), 1U);
    EXPECT_TRUE(std::holds_alternative<wire::OtherNotice>(events[0].details));
    const std::string text = discovery::describe(events[0]);
    EXPECT_EQ(text,
              "trap 4660 (other trap) from LID 0x0001: type 127, producer type 4, issuer "
              "LID 0x0001");
    expect_printable({text});
}

TEST_F(Traps, NothingComesBackAfterTheSubscriberIsGone) {
    h.fault(sa_fault(FaultAction::delay, wire::attr::inform_info).delay(milliseconds(5)));
    bool called = false;
    {
        TrapSubscriber gone(*h.endpoint);
        gone.subscribe([&called](std::vector<SubscriptionResult> /*r*/) { called = true; });
    }
    h.settle();
    EXPECT_FALSE(called);
    // The endpoint's unsolicited handler went with it: a Report is counted by the endpoint
    // and goes nowhere.
    h.apply(sim::PortDown{h.port("storage2 mlx5_0")});
    h.settle();
    EXPECT_FALSE(h.fabric.report_log().empty());
    EXPECT_FALSE(h.fabric.report_log().back().acknowledged);
}

}  // namespace
}  // namespace srpadm::scenario
