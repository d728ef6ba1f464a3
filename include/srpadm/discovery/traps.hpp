// Trap subscriptions at the subnet administrator, and the Reports they bring.
//
// srp_daemon (rdma-core srp_daemon/srp_handle_traps.c) subscribes with InformInfo Set to trap
// 64 (GID in service) and 144 (capability mask changed) and rescans the port a Report names.
// TrapSubscriber does the same for one local port, through its MadEndpoint:
//
//   - subscribe(traps, done): one InformInfo Set (Subscribe 1) per trap to the SA, each with a
//     deadline and resends (RetryPolicy) on timeouts, busy answers and send errors; the answer
//     must have status 0 and echo the InformInfo with Subscribe 1 and the trap number. `done`
//     gets one SubscriptionResult per trap, in the order given.
//   - unsubscribe(done): Subscribe 0 for every trap subscribed so far.
//   - it installs the endpoint's unsolicited handler: every SA Report is answered at once with
//     a ReportResp, decoded (Notice) and handed to the trap handler as a TrapEvent. Anything
//     else unsolicited is counted and dropped.
//
// A daemon keeps one TrapSubscriber per port for the endpoint's lifetime and calls subscribe()
// again on every SM change and port-active event (a new SM knows no subscriptions; sysfs
// cannot show the SM's client-reregister request, see docs/design.md). Every call reads the
// port's attributes again, so requests go to the SA the port knows now.
//
// Everything runs on the endpoint's loop thread; every callback runs there too, never inside
// the call that started it. Destroying the subscriber removes the unsolicited handler; answers
// still in flight are then ignored and their `done` callbacks never run.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <srpadm/discovery/discovery.hpp>
#include <srpadm/discovery/mad_queue.hpp>
#include <srpadm/mad/endpoint.hpp>
#include <srpadm/model/port.hpp>
#include <srpadm/wire/notice.hpp>
#include <srpadm/wire/sa_records.hpp>

namespace srpadm::discovery {

// Where SA MADs go from `port`: the SM LID, on the SM's SL, with the P_Key index of the
// default partition (0xffff, else 0x7fff, else index 0), on QP1 with the GSI Q_Key.
mad::MadAddress sa_address(const model::PortAttributes& port);

// The traps srpadm subscribes to: 64 and 65 (a port's GID comes into or goes out of
// service), 144 (a port's capability mask changed: a target started or stopped) and 145
// (a node's system image GUID changed).
inline constexpr std::array<wire::TrapSubscription, 4> kSrpTraps = {
    wire::subscription::gid_in_service, wire::subscription::gid_out_of_service,
    wire::subscription::local_changes, wire::subscription::system_image_guid_changed};

// "GID in service" (64), "GID out of service" (65), "local changes" (144), "system image GUID
// changed" (145), "other trap" for any other number.
std::string_view trap_name(std::uint16_t trap_number);

enum class SubscriptionOutcome : std::uint8_t {
    ok,          // the SA answered status 0 and echoed the request
    refused,     // the SA answered with a non-zero status (kept in `status`)
    timeout,     // no answer after every attempt
    bad_answer,  // an answer with status 0 that does not echo the request
    failed,      // not sent: the port is unusable, the send failed on every attempt
};

// "ok", "refused", "timeout", "bad answer", "failed".
std::string_view subscription_outcome_name(SubscriptionOutcome outcome);

struct SubscriptionResult {
    wire::TrapSubscription trap;
    bool subscribe = true;  // false: the result of an unsubscribe
    SubscriptionOutcome outcome = SubscriptionOutcome::failed;
    std::uint16_t status = 0;                // the SA's MAD status when refused
    unsigned attempts = 0;                   // requests sent (resends included)
    std::optional<wire::InformInfo> echoed;  // the InformInfo the SA answered with, if it decoded
    std::string message;                     // what happened, in words; printable ASCII only

    bool ok() const { return outcome == SubscriptionOutcome::ok; }
};

using SubscriptionCallback = std::function<void(std::vector<SubscriptionResult>)>;

// One SA Report, already acknowledged.
struct TrapEvent {
    std::uint16_t trap_number = 0;  // notice.trap_number for a generic notice; 0 otherwise
    wire::Notice notice;
    wire::NoticeDetails details;  // notice.details()
    Lid from = 0;                 // the Report's source LID (the SA)
    std::uint64_t tid = 0;        // the Report's transaction ID
    bool acknowledged = false;    // the ReportResp was sent
};

// One line about the event, e.g. "trap 64 (GID in service) from LID 0x0001: GID
// fe80000000000000000002c90300b00021". Numbers only: nothing from the wire is copied as text.
std::string describe(const TrapEvent& event);

// The port a Report is about, for a targeted scan (ScanOperation::start with a
// PortSelection): the GID of traps 64 and 65, the LID of traps 144 and 145; empty for any
// other notice. rdma-core srp_daemon (srp_daemon/srp_handle_traps.c, get_trap_notices())
// queues the GID of trap 64, and the LID of trap 144 only when its new capability mask has
// IsDM; srpadm also rescans on 65 and 145, and on 144 whatever the mask, so that a port that
// left or stopped its target is seen to go.
PortSelection ports_named_by(const TrapEvent& event);

using TrapHandler = std::function<void(const TrapEvent&)>;

struct TrapStats {
    std::uint64_t requests = 0;      // InformInfo Sets sent, resends included
    std::uint64_t subscribed = 0;    // subscriptions the SA confirmed (renewals included)
    std::uint64_t renewals = 0;      // ... of them for a trap that was already subscribed
    std::uint64_t unsubscribed = 0;  // unsubscriptions the SA confirmed
    std::uint64_t failed = 0;        // subscriptions and unsubscriptions that did not succeed
    std::uint64_t reports = 0;       // Reports decoded and handed to the trap handler
    std::uint64_t report_resps_sent = 0;
    std::uint64_t report_resps_failed = 0;
    std::uint64_t bad_reports = 0;  // Reports whose Notice does not decode (answered, dropped)
    std::uint64_t dropped = 0;      // other unsolicited MADs
};

class TrapSubscriber {
  public:
    // Installs `endpoint`'s unsolicited handler (there is one per endpoint: the subscriber owns
    // it while it lives). `retry`: the deadline of each InformInfo Set and the resends.
    explicit TrapSubscriber(mad::MadEndpoint& endpoint, TrapHandler on_trap = {},
                            RetryPolicy retry = {});
    ~TrapSubscriber();
    TrapSubscriber(const TrapSubscriber&) = delete;
    TrapSubscriber& operator=(const TrapSubscriber&) = delete;

    void set_trap_handler(TrapHandler on_trap) { on_trap_ = std::move(on_trap); }

    // Subscribes to every trap in `traps` (kSrpTraps by default). A trap confirmed again (after
    // an SM change) counts as a renewal.
    void subscribe(std::span<const wire::TrapSubscription> traps, SubscriptionCallback done);
    void subscribe(SubscriptionCallback done) { subscribe(kSrpTraps, std::move(done)); }
    // Unsubscribes from every trap subscribed so far. A trap leaves the subscribed list when
    // the SA confirms, or refuses because it holds no such subscription (status 0x0200 after
    // an SM change); it stays after a timeout or a send failure.
    void unsubscribe(SubscriptionCallback done);

    // The traps the SA confirmed, in the order they were first confirmed.
    const std::vector<wire::TrapSubscription>& subscribed() const { return subscribed_; }
    const TrapStats& stats() const { return stats_; }
    const RetryPolicy& policy() const { return policy_; }

  private:
    struct Batch;

    void start(std::span<const wire::TrapSubscription> traps, bool subscribe,
               SubscriptionCallback done);
    void send(const std::shared_ptr<Batch>& batch, std::size_t index);
    void on_answer(const std::shared_ptr<Batch>& batch, std::size_t index, mad::MadResult result);
    void finish(const std::shared_ptr<Batch>& batch, std::size_t index, SubscriptionOutcome outcome,
                std::string message);
    void deliver(const std::shared_ptr<Batch>& batch);
    void record(const SubscriptionResult& result);
    runtime::Duration backoff(unsigned attempt) const;
    void on_unsolicited(const mad::MadResponse& mad);
    bool acknowledge(const mad::MadResponse& report);

    mad::MadEndpoint& endpoint_;
    TrapHandler on_trap_;
    RetryPolicy policy_;
    mad::MadAddress sa_;  // where the last requests went
    std::vector<wire::TrapSubscription> subscribed_;
    TrapStats stats_;
    std::set<runtime::EventLoop::TimerId> timers_;  // resends waiting out a backoff
    // Callbacks from the endpoint and the loop hold this weakly and do nothing once the
    // subscriber is gone.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace srpadm::discovery
