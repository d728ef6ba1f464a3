#include <algorithm>

#include <fmt/format.h>

#include <srpadm/sim/sim_endpoint.hpp>
#include <srpadm/sim/simulator.hpp>
#include <srpadm/wire/mad.hpp>
#include <srpadm/wire/message.hpp>
#include <srpadm/wire/sa_records.hpp>

namespace srpadm::sim {
namespace {

constexpr std::uint32_t kDefaultShortDm = 100;
constexpr std::uint8_t kDefaultLie = 255;
constexpr std::uint32_t kDefaultOversize = 1;
// How long a reordered answer waits for a later one before it goes out anyway.
constexpr runtime::Duration kReorderHoldLimit = std::chrono::seconds(10);

bool has(const std::vector<const FaultRule*>& faults, FaultAction action) {
    return std::any_of(faults.begin(), faults.end(),
                       [&](const FaultRule* r) { return r->action == action; });
}

const FaultRule* first(const std::vector<const FaultRule*>& faults, FaultAction action) {
    for (const FaultRule* r : faults) {
        if (r->action == action) {
            return r;
        }
    }
    return nullptr;
}

// Rewrites the common MAD header of `mad` after `edit` changed it.
template <class Edit>
void edit_header(Bytes& mad, Edit edit) {
    auto header = wire::MadHeader::decode(mad);
    if (!header) {
        return;
    }
    edit(*header);
    const auto bytes = header->encode();
    std::copy(bytes.begin(), bytes.end(), mad.begin());
}

// The SA table faults: AttributeOffset, extra records, cut records.
void apply_sa_table_faults(Bytes& mad, const std::vector<const FaultRule*>& faults) {
    auto decoded = wire::decode_sa_mad(mad);
    if (!decoded) {
        return;
    }
    wire::SaHeader sa = decoded->sa;
    const std::size_t stride = std::size_t{sa.attr_offset} * 8;
    if (const FaultRule* r = first(faults, FaultAction::oversize_table);
        r != nullptr && stride > 0 && mad.size() >= wire::kSaDataOffset + stride) {
        const std::size_t extra = r->value == 0 ? kDefaultOversize : r->value;
        const Bytes last(mad.end() - static_cast<std::ptrdiff_t>(stride), mad.end());
        mad.reserve(mad.size() + extra * stride);
        for (std::size_t i = 0; i < extra; ++i) {
            mad.insert(mad.end(), last.begin(), last.end());
        }
    }
    if (const FaultRule* r = first(faults, FaultAction::truncate_table); r != nullptr) {
        const std::size_t cut = r->value == 0 ? std::max<std::size_t>(stride / 2, 1) : r->value;
        const std::size_t keep = mad.size() > wire::kSaDataOffset + cut
                                     ? mad.size() - cut
                                     : std::min(mad.size(), wire::kSaDataOffset);
        mad.resize(keep);
    }
    if (const FaultRule* r = first(faults, FaultAction::bad_attr_offset); r != nullptr) {
        sa.attr_offset = static_cast<std::uint16_t>(r->value);
        const auto bytes = sa.encode();
        std::copy(bytes.begin(), bytes.end(),
                  mad.begin() + static_cast<std::ptrdiff_t>(wire::kSaHeaderOffset));
    }
}

}  // namespace

SimFabric::SimFabric(Fabric fabric, runtime::EventLoop& loop)
    : fabric_(std::move(fabric)), loop_(loop) {
    fabric_.reindex();
}

SimFabric::SimFabric(FabricFile file, runtime::EventLoop& loop)
    : SimFabric(std::move(file.fabric), loop) {
    for (auto& rule : file.faults) {
        faults_.add(std::move(rule));
    }
    for (auto& ev : file.events) {
        schedule_after(ev.at, std::move(ev.event));
    }
}

SimFabric::~SimFabric() {
    for (const auto id : timers_) {
        loop_.cancel(id);
    }
    for (auto& [id, endpoint] : endpoints_) {
        endpoint->fabric_gone();
    }
}

std::uint64_t SimFabric::timer(runtime::TimePoint when, std::function<void()> task) {
    auto id = std::make_shared<runtime::EventLoop::TimerId>(0);
    *id = loop_.at(when, [this, id, task = std::move(task)] {
        timers_.erase(*id);
        task();
    });
    timers_.insert(*id);
    return *id;
}

Result<std::unique_ptr<SimEndpoint>> SimFabric::open(std::size_t local_index) {
    if (local_index >= fabric_.local_ports.size()) {
        return fail(Errc::not_found, fmt::format("{}: the fabric has no initiator port #{}",
                                                 fabric_.source, local_index + 1));
    }
    const auto& lp = fabric_.local_ports[local_index];
    return open_port(lp.port, lp.ca_name);
}

Result<std::unique_ptr<SimEndpoint>> SimFabric::open_port(PortRef port, std::string ca_name) {
    const Port* p = fabric_.find_port(port);
    if (p == nullptr || !fabric_.node(port).is_end_port(*p)) {
        return fail(Errc::not_found, "no such end port in the simulated fabric");
    }
    const std::uint64_t id = next_endpoint_++;
    auto endpoint = std::make_unique<SimEndpoint>(*this, port, std::move(ca_name), id);
    endpoints_.emplace(id, endpoint.get());
    return endpoint;
}

void SimFabric::detach(SimEndpoint& endpoint) {
    endpoints_.erase(endpoint.id());
    held_.erase(endpoint.id());
}

SimEndpoint* SimFabric::endpoint_at(PortRef port) {
    for (auto& [id, endpoint] : endpoints_) {
        if (endpoint->port() == port) {
            return endpoint;
        }
    }
    return nullptr;
}

ClassStats& SimFabric::class_stats(std::uint8_t mgmt_class) {
    if (mgmt_class == wire::mgmt_class::subn_adm) {
        return stats_.sa;
    }
    if (mgmt_class == wire::mgmt_class::device_mgmt) {
        return stats_.dm;
    }
    return stats_.other;
}

void SimFabric::submit(SimEndpoint& from, const mad::MadRequest& request) {
    const wire::MadHeader header = wire::header_of(request.mad);
    const std::uint8_t mgmt_class = header.mgmt_class;
    ClassStats& cs = class_stats(mgmt_class);
    ++cs.requests;
    if (request_tap_) {
        request_tap_(header);
    }
    RequestKey key;
    key.mgmt_class = mgmt_class;
    key.dlid = request.to.dlid;
    key.attr_id = header.attr_id;
    key.method = header.method_byte();
    auto fired = faults_.fire(key);
    ++cs.outstanding;
    cs.peak_outstanding = std::max(cs.peak_outstanding, cs.outstanding);
    runtime::Duration latency = fabric_.latency.other;
    if (mgmt_class == wire::mgmt_class::subn_adm) {
        latency = fabric_.latency.sa;
    } else if (mgmt_class == wire::mgmt_class::device_mgmt) {
        latency = fabric_.latency.dm;
    }
    timer(loop_.now() + latency,
          [this, id = from.id(), request, header, fired = std::move(fired)]() mutable {
              respond(id, request, header, fired);
          });
}

std::optional<PortRef> SimFabric::destination(const mad::MadAddress& to) const {
    if (to.dlid == 0 && to.dgid) {
        if (to.dgid->prefix() != fabric_.subnet_prefix) {
            return std::nullopt;
        }
        return fabric_.by_port_guid(to.dgid->guid());
    }
    return fabric_.by_lid(to.dlid);
}

std::optional<Bytes> SimFabric::answer(PortRef from, const mad::MadRequest& request,
                                       const wire::MadHeader& header,
                                       const std::vector<const FaultRule*>& faults) {
    const Port& src = fabric_.port(from);
    const auto dest_ref = destination(request.to);
    if (src.state != model::PortState::active || !dest_ref) {
        return std::nullopt;  // unroutable: nothing comes back
    }
    const Port& dest = fabric_.port(*dest_ref);
    if (dest.state != model::PortState::active || request.to.pkey_index >= src.pkeys.size()) {
        return std::nullopt;
    }
    // QP1 takes a packet whose P_Key matches an entry of the receiving port's table.
    const PKey pkey = src.pkeys[request.to.pkey_index];
    if (std::none_of(dest.pkeys.begin(), dest.pkeys.end(),
                     [&](PKey k) { return pkeys_match(k, pkey); })) {
        return std::nullopt;
    }
    const std::span<const std::uint8_t> mad(request.mad);
    const std::uint8_t mgmt_class = header.mgmt_class;
    if (mgmt_class == wire::mgmt_class::subn_adm && *dest_ref == fabric_.sm) {
        return sa_.handle(from, mad);
    }
    if (mgmt_class == wire::mgmt_class::device_mgmt && dest.dm) {
        DmAnswerFaults dm_faults;
        if (const FaultRule* r = first(faults, FaultAction::max_controllers_lie)) {
            dm_faults.max_controllers =
                static_cast<std::uint8_t>(r->value == 0 ? kDefaultLie : r->value);
        }
        if (const FaultRule* r = first(faults, FaultAction::service_count_lie)) {
            dm_faults.service_entries =
                static_cast<std::uint8_t>(r->value == 0 ? kDefaultLie : r->value);
        }
        dm_faults.unterminated_strings = has(faults, FaultAction::unterminated_strings);
        dm_faults.binary_strings = has(faults, FaultAction::binary_strings);
        return dm_answer(*dest.dm, mad, dm_faults);
    }
    return unregistered_class_answer(mad);
}

void SimFabric::respond(std::uint64_t endpoint, const mad::MadRequest& request,
                        const wire::MadHeader& header,
                        const std::vector<const FaultRule*>& faults) {
    const std::uint8_t mgmt_class = header.mgmt_class;
    ClassStats& cs = class_stats(mgmt_class);
    const auto it = endpoints_.find(endpoint);
    std::optional<Bytes> reply;
    if (it != endpoints_.end() && !has(faults, FaultAction::drop)) {
        reply = answer(it->second->port(), request, header, faults);
    }
    if (!reply) {
        --cs.outstanding;
        ++cs.unanswered;
        return;
    }
    Bytes& mad = *reply;
    if (mgmt_class == wire::mgmt_class::subn_adm) {
        apply_sa_table_faults(mad, faults);
    }
    if (const FaultRule* r = first(faults, FaultAction::short_dm);
        r != nullptr && mgmt_class == wire::mgmt_class::device_mgmt) {
        mad.resize(std::min<std::size_t>(mad.size(), r->value == 0 ? kDefaultShortDm : r->value));
    }
    if (const FaultRule* r = first(faults, FaultAction::status)) {
        edit_header(mad,
                    [&](wire::MadHeader& h) { h.status = static_cast<std::uint16_t>(r->value); });
    }
    if (has(faults, FaultAction::wrong_tid)) {
        edit_header(mad, [](wire::MadHeader& h) { h.tid ^= 0x5a5a0000ULL; });
    }
    runtime::Duration delay{};
    if (mgmt_class == wire::mgmt_class::subn_adm) {
        const auto segments = mad::wire_segments(mgmt_class, mad.size());
        delay += fabric_.latency.sa_per_segment * static_cast<std::int64_t>(segments - 1);
    }
    if (const FaultRule* r = first(faults, FaultAction::delay)) {
        delay += r->delay;
    }
    Delivery d;
    d.endpoint = endpoint;
    d.mgmt_class = mgmt_class;
    const auto dest = destination(request.to);
    d.response.slid = dest ? fabric_.port(*dest).lid : request.to.dlid;
    if (request.to.dgid) {
        d.response.sgid = request.to.dgid;  // the answer comes back with a GRH
    }
    d.response.sqpn = mad::kGsiQpn;
    d.response.pkey_index = request.to.pkey_index;
    d.response.mad = std::move(mad);
    const bool duplicate = has(faults, FaultAction::duplicate);
    const bool reorder = has(faults, FaultAction::reorder);
    if (duplicate) {
        ++cs.outstanding;  // the copy leaves the agent too
        deliver_at(loop_.now() + delay, d, false);
    }
    deliver_at(loop_.now() + delay, std::move(d), reorder);
}

void SimFabric::deliver_at(runtime::TimePoint when, Delivery delivery, bool reorder) {
    if (reorder) {
        // Held until the next answer to the same endpoint has gone out (or the hold limit).
        const std::uint64_t id = delivery.endpoint;
        auto& held = held_[id];
        held.push_back(std::move(delivery));
        const std::size_t index = held.size() - 1;
        timer(when + kReorderHoldLimit, [this, id, index] {
            auto it = held_.find(id);
            if (it == held_.end() || index >= it->second.size() ||
                it->second[index].endpoint == 0) {
                return;
            }
            Delivery d = std::move(it->second[index]);
            it->second[index].endpoint = 0;
            deliver_now(std::move(d));
        });
        return;
    }
    timer(when, [this, d = std::move(delivery)]() mutable {
        const std::uint64_t id = d.endpoint;
        deliver_now(std::move(d));
        auto it = held_.find(id);
        if (it == held_.end()) {
            return;
        }
        auto held = std::move(it->second);
        held_.erase(it);
        for (auto& h : held) {
            if (h.endpoint != 0) {
                deliver_now(std::move(h));
            }
        }
    });
}

void SimFabric::deliver_now(Delivery delivery) {
    ClassStats& cs = class_stats(delivery.mgmt_class);
    --cs.outstanding;
    const auto it = endpoints_.find(delivery.endpoint);
    if (it == endpoints_.end() ||
        fabric_.port(it->second->port()).state != model::PortState::active) {
        ++cs.unanswered;  // the requester is gone or its port went down
        return;
    }
    ++cs.responses;
    cs.response_segments += mad::wire_segments(delivery.mgmt_class, delivery.response.mad.size());
    it->second->deliver(std::move(delivery.response));
}

void SimFabric::receive_unanswered(SimEndpoint& from, const mad::MadAddress& to,
                                   const mad::MadBuffer& mad) {
    (void)from;
    const auto header = wire::MadHeader::decode(mad);
    if (!header || header->mgmt_class != wire::mgmt_class::subn_adm ||
        header->method_byte() != wire::method::report_resp || to.dlid != fabric_.sm_lid()) {
        return;
    }
    for (auto& r : report_log_) {
        if ((r.tid & 0xffffffffULL) == (header->tid & 0xffffffffULL) && !r.acknowledged) {
            r.acknowledged = true;
            ++stats_.report_resps;
            return;
        }
    }
}

void SimFabric::send_reports(const Trap& trap) {
    for (auto& report : sa_.reports(trap)) {
        ReportLog log;
        log.to = report.lid;
        log.tid = report.tid;
        log.trap_number = report.trap_number;
        log.sent = loop_.now();
        report_log_.push_back(log);
        ++stats_.reports_sent;
        timer(loop_.now() + fabric_.latency.sa, [this, report = std::move(report)] {
            SimEndpoint* endpoint = endpoint_at(report.to);
            if (endpoint == nullptr || fabric_.port(report.to).state != model::PortState::active) {
                return;  // nobody listens there: OpenSM would time out
            }
            mad::MadResponse m;
            m.mad = report.mad;
            m.slid = fabric_.sm_lid();
            m.sqpn = mad::kGsiQpn;
            endpoint->deliver_unsolicited(m);
        });
    }
}

void SimFabric::schedule_at(runtime::TimePoint when, FabricEvent event) {
    timer(when, [this, event = std::move(event)] { (void)apply(event); });
}

void SimFabric::schedule_after(runtime::Duration delay, FabricEvent event) {
    schedule_at(loop_.now() + delay, std::move(event));
}

std::uint64_t SimFabric::observe(std::function<void(const FabricEvent&)> observer) {
    const std::uint64_t id = next_observer_++;
    observers_.emplace(id, std::move(observer));
    return id;
}

void SimFabric::unobserve(std::uint64_t id) {
    observers_.erase(id);
}

Result<void> SimFabric::apply(const FabricEvent& event) {
    auto changed = change(event);
    if (!changed) {
        return changed;
    }
    // By id, looked up again each time: an observer may remove itself or another one.
    for (auto it = observers_.begin(); it != observers_.end();) {
        const std::uint64_t id = it->first;
        const auto observer = it->second;
        observer(event);
        it = observers_.upper_bound(id);
    }
    return {};
}

Result<void> SimFabric::change(const FabricEvent& event) {
    const auto check = [&](PortRef r) -> Result<void> {
        const Port* p = fabric_.find_port(r);
        if (p == nullptr || !fabric_.node(r).is_end_port(*p)) {
            return fail(Errc::not_found,
                        "event for a port that is not an end port: " + describe(fabric_, event));
        }
        return {};
    };
    ++stats_.events;
    if (const auto* e = std::get_if<SmMove>(&event)) {
        if (auto r = check(e->to); !r) {
            return r;
        }
        fabric_.port(fabric_.sm).capability_mask &= ~kCapIsSm;
        fabric_.sm = e->to;
        Port& p = fabric_.port(e->to);
        p.capability_mask |= kCapIsSm;
        if (std::none_of(p.pkeys.begin(), p.pkeys.end(),
                         [](PKey k) { return k == kDefaultPKey; })) {
            p.pkeys.insert(p.pkeys.begin(), kDefaultPKey);
        }
        sa_.forget_subscriptions();
        for (auto& [id, endpoint] : endpoints_) {
            endpoint->port_event(mad::PortEventKind::sm_change);
        }
        return {};
    }
    const auto* down = std::get_if<PortDown>(&event);
    const auto* up = std::get_if<PortUp>(&event);
    if (down != nullptr || up != nullptr) {
        const PortRef port = down != nullptr ? down->port : up->port;
        if (auto r = check(port); !r) {
            return r;
        }
        fabric_.port(port).state =
            up != nullptr ? model::PortState::active : model::PortState::down;
        if (SimEndpoint* endpoint = endpoint_at(port)) {
            if (down != nullptr) {
                endpoint->fail_outstanding("the local port went down");
            }
            endpoint->port_event(up != nullptr ? mad::PortEventKind::port_active
                                               : mad::PortEventKind::port_down);
        } else {
            send_reports(
                Trap{up != nullptr ? wire::trap::gid_in_service : wire::trap::gid_out_of_service,
                     port, 0});
        }
        return {};
    }
    if (const auto* e = std::get_if<TargetChange>(&event)) {
        if (auto r = check(e->port); !r) {
            return r;
        }
        Port& p = fabric_.port(e->port);
        const auto key = std::make_pair(e->port.node, e->port.port);
        if (e->present) {
            if (e->agent) {
                p.dm = *e->agent;
            } else if (!p.dm) {
                const auto it = removed_targets_.find(key);
                if (it == removed_targets_.end()) {
                    return fail(Errc::not_found,
                                "target-add on a port that never had a target and no agent "
                                "given: " +
                                    describe(fabric_, event));
                }
                p.dm = it->second;
            }
            p.capability_mask |= kCapIsDm;
        } else {
            if (p.dm) {
                removed_targets_[key] = *p.dm;
            }
            p.dm.reset();
            p.capability_mask &= ~kCapIsDm;
        }
        send_reports(Trap{wire::trap::local_changes, e->port, p.capability_mask});
        return {};
    }
    if (const auto* e = std::get_if<IocChange>(&event)) {
        if (auto r = check(e->port); !r) {
            return r;
        }
        Port& p = fabric_.port(e->port);
        if (!p.dm) {
            return fail(Errc::not_found,
                        "ioc-change on a port without a target: " + describe(fabric_, event));
        }
        ++p.dm->change_id;
        if (e->change) {
            e->change(*p.dm);
        }
        return {};
    }
    if (const auto* e = std::get_if<PKeyTableChange>(&event)) {
        if (auto r = check(e->port); !r) {
            return r;
        }
        fabric_.port(e->port).pkeys = e->pkeys;
        if (SimEndpoint* endpoint = endpoint_at(e->port)) {
            endpoint->port_event(mad::PortEventKind::pkey_change);
        }
        return {};
    }
    if (const auto* e = std::get_if<AclChange>(&event)) {
        if (auto r = check(e->port); !r) {
            return r;
        }
        SrpAcl& acl = fabric_.port(e->port).acl;
        if (e->any) {
            acl.any = e->allow;
        }
        for (const AclEntry& entry : e->entries) {
            const auto it = std::find(acl.entries.begin(), acl.entries.end(), entry);
            if (e->allow && it == acl.entries.end()) {
                if (acl.entries.size() >= kMaxAclEntries) {
                    return fail(Errc::invalid_input,
                                fmt::format("more than {} access list entries: {}", kMaxAclEntries,
                                            describe(fabric_, event)));
                }
                acl.entries.push_back(entry);
            } else if (!e->allow && it != acl.entries.end()) {
                acl.entries.erase(it);
            }
        }
        return {};
    }
    return {};
}

}  // namespace srpadm::sim
