#include <algorithm>
#include <utility>
#include <variant>

#include <fmt/format.h>

#include <srpadm/discovery/traps.hpp>
#include <srpadm/wire/message.hpp>

namespace srpadm::discovery {

namespace {

constexpr PKey kDefaultPKey = 0xffff;
// A refused unsubscribe means the SA holds no such subscription (OpenSM osm_sa_informinfo.c
// answers IB_SA_MAD_STATUS_REQ_INVALID when nothing matches).
constexpr auto kStatusRequestInvalid =
    static_cast<std::uint16_t>(wire::sa_status::req_invalid << 8);

std::string lid_name(Lid lid) {
    return fmt::format("LID 0x{:04x}", lid);
}

std::string what(const wire::TrapSubscription& trap, bool subscribe) {
    return fmt::format("{} trap {} ({})", subscribe ? "subscribing to" : "unsubscribing from",
                       trap.trap_number, trap_name(trap.trap_number));
}

bool same_trap(const wire::TrapSubscription& a, const wire::TrapSubscription& b) {
    return a.trap_number == b.trap_number && a.type == b.type && a.producer_type == b.producer_type;
}

bool retryable(Errc code) {
    return code == Errc::timeout || code == Errc::busy || code == Errc::send_failed;
}

// Why the port cannot reach an SA now, or nothing.
std::optional<std::string> unusable(const Result<model::PortAttributes>& attrs) {
    if (!attrs) {
        return attrs.error().message;
    }
    const std::string port = fmt::format("port {}:{}", attrs->ca_name, attrs->port_num);
    if (attrs->link_layer == model::LinkLayer::ethernet) {
        return port + " is RoCE: it has no subnet administrator";
    }
    if (attrs->state != model::PortState::active) {
        return fmt::format("{} is {}, not ACTIVE", port, model::port_state_name(attrs->state));
    }
    if (attrs->sm_lid == 0) {
        return port + " has no SM LID";
    }
    return std::nullopt;
}

}  // namespace

mad::MadAddress sa_address(const model::PortAttributes& port) {
    mad::MadAddress sa;
    // SA MADs go to the SM LID on the SM's SL, on the default partition (IBA 15.4.2).
    sa.dlid = port.sm_lid;
    sa.sl = port.sm_sl;
    sa.pkey_index = 0;
    for (const PKey want : {kDefaultPKey, pkey_base(kDefaultPKey)}) {
        const auto it = std::find(port.pkeys.begin(), port.pkeys.end(), want);
        if (it != port.pkeys.end()) {
            sa.pkey_index = static_cast<std::uint16_t>(it - port.pkeys.begin());
            break;
        }
    }
    return sa;
}

std::string_view trap_name(std::uint16_t trap_number) {
    switch (trap_number) {
        case wire::trap::gid_in_service:
            return "GID in service";
        case wire::trap::gid_out_of_service:
            return "GID out of service";
        case wire::trap::local_changes:
            return "local changes";
        case wire::trap::system_image_guid_changed:
            return "system image GUID changed";
        default:
            return "other trap";
    }
}

std::string_view subscription_outcome_name(SubscriptionOutcome outcome) {
    switch (outcome) {
        case SubscriptionOutcome::ok:
            return "ok";
        case SubscriptionOutcome::refused:
            return "refused";
        case SubscriptionOutcome::timeout:
            return "timeout";
        case SubscriptionOutcome::bad_answer:
            return "bad answer";
        case SubscriptionOutcome::failed:
            return "failed";
    }
    return "failed";
}

namespace {

struct DetailsText {
    std::string operator()(const wire::OtherNotice& /*unused*/) const { return {}; }
    std::string operator()(const wire::GidInService& d) const { return "GID " + d.gid.hex(); }
    std::string operator()(const wire::GidOutOfService& d) const { return "GID " + d.gid.hex(); }
    std::string operator()(const wire::LocalChanges& d) const {
        return fmt::format("{}, capability mask 0x{:08x}{}, change flags 0x{:04x}", lid_name(d.lid),
                           d.capability_mask,
                           (d.capability_mask & wire::port_cap::is_device_management_supported) != 0
                               ? " (device management)"
                               : "",
                           d.change_flags);
    }
    std::string operator()(const wire::SystemImageGuidChanged& d) const {
        return fmt::format("{}, system image GUID 0x{:016x}", lid_name(d.lid), d.system_image_guid);
    }
};

}  // namespace

std::string describe(const TrapEvent& event) {
    const wire::Notice& n = event.notice;
    std::string text = n.is_generic
                           ? fmt::format("trap {} ({}) from {}", event.trap_number,
                                         trap_name(event.trap_number), lid_name(event.from))
                           : fmt::format("vendor notice (vendor 0x{:06x}, device 0x{:04x}) from {}",
                                         n.producer_type, n.trap_number, lid_name(event.from));
    std::string details = std::visit(DetailsText{}, event.details);
    if (details.empty()) {
        details = fmt::format("type {}, producer type {}, issuer {}", n.type, n.producer_type,
                              lid_name(n.issuer_lid));
    }
    text += ": " + details;
    if (!event.acknowledged) {
        text += " (the ReportResp could not be sent)";
    }
    return text;
}

PortSelection ports_named_by(const TrapEvent& event) {
    PortSelection ports;
    if (const auto* in = std::get_if<wire::GidInService>(&event.details)) {
        ports.gids.push_back(in->gid);
    } else if (const auto* out = std::get_if<wire::GidOutOfService>(&event.details)) {
        ports.gids.push_back(out->gid);
    } else if (const auto* changes = std::get_if<wire::LocalChanges>(&event.details)) {
        ports.lids.push_back(changes->lid);
    } else if (const auto* image = std::get_if<wire::SystemImageGuidChanged>(&event.details)) {
        ports.lids.push_back(image->lid);
    }
    return ports;
}

struct TrapSubscriber::Batch {
    bool subscribe = true;
    std::vector<SubscriptionResult> results;
    std::size_t pending = 0;
    SubscriptionCallback done;
};

TrapSubscriber::TrapSubscriber(mad::MadEndpoint& endpoint, TrapHandler on_trap, RetryPolicy retry)
    : endpoint_(endpoint), on_trap_(std::move(on_trap)), policy_(retry) {
    endpoint_.set_unsolicited_handler(
        [this, token = std::weak_ptr<int>(alive_)](const mad::MadResponse& mad) {
            if (!token.expired()) {
                on_unsolicited(mad);
            }
        });
}

TrapSubscriber::~TrapSubscriber() {
    endpoint_.set_unsolicited_handler(nullptr);
    alive_.reset();
    for (const auto id : timers_) {
        endpoint_.loop().cancel(id);
    }
}

void TrapSubscriber::subscribe(std::span<const wire::TrapSubscription> traps,
                               SubscriptionCallback done) {
    start(traps, true, std::move(done));
}

void TrapSubscriber::unsubscribe(SubscriptionCallback done) {
    const std::vector<wire::TrapSubscription> traps = subscribed_;
    start(traps, false, std::move(done));
}

void TrapSubscriber::start(std::span<const wire::TrapSubscription> traps, bool subscribe,
                           SubscriptionCallback done) {
    auto batch = std::make_shared<Batch>();
    batch->subscribe = subscribe;
    batch->done = std::move(done);
    batch->pending = traps.size();
    for (const auto& trap : traps) {
        SubscriptionResult r;
        r.trap = trap;
        r.subscribe = subscribe;
        batch->results.push_back(std::move(r));
    }
    const auto attrs = endpoint_.port_attributes();
    const std::optional<std::string> why = unusable(attrs);
    if (traps.empty() || why.has_value()) {
        // Nothing to send: the results still come from the loop, as they would from the SA.
        batch->pending = 0;
        for (auto& r : batch->results) {
            r.message = fmt::format("{}: not sent: {}", what(r.trap, subscribe), why.value_or(""));
            ++stats_.failed;
        }
        deliver(batch);
        return;
    }
    sa_ = sa_address(*attrs);
    for (std::size_t i = 0; i < batch->results.size(); ++i) {
        send(batch, i);
    }
}

void TrapSubscriber::deliver(const std::shared_ptr<Batch>& batch) {
    endpoint_.loop().post([token = std::weak_ptr<int>(alive_), batch] {
        if (!token.expired() && batch->done) {
            batch->done(std::move(batch->results));
        }
    });
}

void TrapSubscriber::send(const std::shared_ptr<Batch>& batch, std::size_t index) {
    SubscriptionResult& r = batch->results[index];
    // srp_daemon's request (srp_handle_traps.c register_to_trap), and its unsubscribe naming
    // the QP the Reports go to: QP1, where the endpoint receives them.
    const wire::InformInfo info = batch->subscribe
                                      ? wire::InformInfo::subscribe_to(r.trap)
                                      : wire::InformInfo::unsubscribe_from(r.trap, mad::kGsiQpn);
    wire::SaRequest request;
    request.method = wire::method::set;
    request.comp_mask = info.srp_daemon_comp_mask();
    ++r.attempts;
    ++stats_.requests;
    endpoint_.send(mad::MadRequest{sa_, wire::build_sa_request(request, info)},
                   endpoint_.loop().now() + policy_.timeout,
                   [this, token = std::weak_ptr<int>(alive_), batch, index](mad::MadResult result) {
                       if (!token.expired()) {
                           on_answer(batch, index, std::move(result));
                       }
                   });
}

runtime::Duration TrapSubscriber::backoff(unsigned attempt) const {
    runtime::Duration delay = policy_.backoff;
    for (unsigned i = 1; i < attempt && delay < policy_.backoff_max; ++i) {
        delay *= 2;
    }
    return std::min(delay, policy_.backoff_max);
}

void TrapSubscriber::on_answer(const std::shared_ptr<Batch>& batch, std::size_t index,
                               mad::MadResult result) {
    SubscriptionResult& r = batch->results[index];
    const std::string doing = what(r.trap, batch->subscribe);
    const std::string sa = "the SA at " + lid_name(sa_.dlid);
    if (!result) {
        const mad::MadError& e = result.error();
        if (retryable(e.code) && r.attempts <= policy_.retries) {
            auto id = std::make_shared<runtime::EventLoop::TimerId>(0);
            *id = endpoint_.loop().after(
                backoff(r.attempts), [this, token = std::weak_ptr<int>(alive_), batch, index, id] {
                    if (!token.expired()) {
                        timers_.erase(*id);
                        send(batch, index);
                    }
                });
            timers_.insert(*id);
            return;
        }
        switch (e.code) {
            case Errc::timeout:
                finish(batch, index, SubscriptionOutcome::timeout,
                       fmt::format("{}: no answer from {} ({} attempt{})", doing, sa, r.attempts,
                                   r.attempts == 1 ? "" : "s"));
                return;
            case Errc::busy:
            case Errc::mad_status:
                r.status = e.status;
                finish(batch, index, SubscriptionOutcome::refused,
                       fmt::format("{}: {} refused it: status {}", doing, sa,
                                   wire::describe_status(e.status, wire::mgmt_class::subn_adm)));
                return;
            default:
                finish(batch, index, SubscriptionOutcome::failed,
                       fmt::format("{}: {}", doing, e.message));
                return;
        }
    }
    auto echoed = wire::decode_sa_response<wire::InformInfo>(result->mad);
    if (!echoed) {
        finish(batch, index, SubscriptionOutcome::bad_answer,
               fmt::format("{}: the answer of {} does not decode: {}", doing, sa,
                           echoed.error().message));
        return;
    }
    r.echoed = *echoed;
    const std::uint8_t want = batch->subscribe ? 1 : 0;
    if (echoed->subscribe != want || echoed->trap_number != r.trap.trap_number) {
        finish(batch, index, SubscriptionOutcome::bad_answer,
               fmt::format("{}: {} answered with Subscribe {} for trap {}, not Subscribe {} for "
                           "trap {}",
                           doing, sa, echoed->subscribe, echoed->trap_number, want,
                           r.trap.trap_number));
        return;
    }
    finish(batch, index, SubscriptionOutcome::ok, fmt::format("{}: confirmed by {}", doing, sa));
}

void TrapSubscriber::finish(const std::shared_ptr<Batch>& batch, std::size_t index,
                            SubscriptionOutcome outcome, std::string message) {
    SubscriptionResult& r = batch->results[index];
    r.outcome = outcome;
    r.message = std::move(message);
    record(r);
    if (--batch->pending == 0) {
        deliver(batch);
    }
}

void TrapSubscriber::record(const SubscriptionResult& r) {
    const auto it = std::find_if(subscribed_.begin(), subscribed_.end(),
                                 [&](const auto& t) { return same_trap(t, r.trap); });
    const bool known = it != subscribed_.end();
    if (!r.ok()) {
        ++stats_.failed;
        if (!r.subscribe && known && r.outcome == SubscriptionOutcome::refused &&
            r.status == kStatusRequestInvalid) {
            subscribed_.erase(it);  // the SA holds no such subscription
        }
        return;
    }
    if (r.subscribe) {
        ++stats_.subscribed;
        if (known) {
            ++stats_.renewals;
        } else {
            subscribed_.push_back(r.trap);
        }
    } else {
        ++stats_.unsubscribed;
        if (known) {
            subscribed_.erase(it);
        }
    }
}

// Every SA Report is answered with a ReportResp as soon as its header decodes, before and
// whatever its Notice holds: a ReportResp acknowledges receipt, not content, and OpenSM sends
// each Report expecting one (osm_inform.c send_report sets resp_expected); srp_daemon too
// answers a Report before it reads the Notice (srp_handle_traps.c get_trap_notices). A Report
// whose Notice does not decode (cut short, another attribute) is then counted and dropped.
// Other unsolicited MADs (a request of another class, a MAD shorter than its header) get no
// answer: they are not ours to acknowledge.
void TrapSubscriber::on_unsolicited(const mad::MadResponse& mad) {
    const auto header = wire::MadHeader::decode(mad.mad);
    if (!header || header->mgmt_class != wire::mgmt_class::subn_adm ||
        header->method_byte() != wire::method::report) {
        ++stats_.dropped;
        return;
    }
    const bool acknowledged = acknowledge(mad);
    const auto notice = header->attr_id == wire::attr::notice
                            ? wire::decode_sa_response<wire::Notice>(mad.mad)
                            : Result<wire::Notice>(fail(Errc::malformed, "not a Notice"));
    if (!notice) {
        ++stats_.bad_reports;
        return;
    }
    ++stats_.reports;
    TrapEvent event;
    event.notice = *notice;
    event.trap_number = notice->is_generic ? notice->trap_number : 0;
    event.details = notice->details();
    event.from = mad.slid;
    event.tid = header->tid;
    event.acknowledged = acknowledged;
    if (on_trap_) {
        on_trap_(event);
    }
}

// The ReportResp goes back where the Report came from: the sender's LID, QP and P_Key index
// (with a GRH when the Report had one), on the SM's SL when the sender is the SA we use.
bool TrapSubscriber::acknowledge(const mad::MadResponse& report) {
    const auto resp = wire::report_response(report.mad);
    mad::MadAddress to;
    to.dlid = report.slid;
    to.qpn = report.sqpn;
    to.pkey_index = report.pkey_index;
    to.sl = report.slid == sa_.dlid ? sa_.sl : 0;
    to.dgid = report.sgid;
    if (resp && endpoint_.send_unanswered(to, *resp)) {
        ++stats_.report_resps_sent;
        return true;
    }
    ++stats_.report_resps_failed;
    return false;
}

}  // namespace srpadm::discovery
