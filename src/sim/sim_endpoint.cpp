#include <fmt/format.h>

#include <srpadm/sim/sim_endpoint.hpp>
#include <srpadm/sim/simulator.hpp>

namespace srpadm::sim {

SimEndpoint::SimEndpoint(SimFabric& fabric, PortRef port, std::string ca_name, std::uint64_t id)
    : fabric_(&fabric),
      loop_(fabric.loop()),
      port_(port),
      ca_name_(std::move(ca_name)),
      id_(id),
      tracker_(fabric.loop()) {}

SimEndpoint::~SimEndpoint() {
    if (fabric_ != nullptr) {
        fabric_->detach(*this);
    }
}

Result<model::PortAttributes> SimEndpoint::port_attributes() {
    if (fabric_ == nullptr) {
        return fail(Errc::port_state, "the simulated fabric is gone");
    }
    const Fabric& f = fabric_->fabric();
    const Port& p = f.port(port_);
    const Node& n = f.node(port_);
    model::PortAttributes a;
    a.ca_name = ca_name_;
    a.port_num = port_.port;
    a.link_layer = model::LinkLayer::infiniband;
    a.state = p.state;
    a.phys_state = p.state == model::PortState::active ? 5 : 3;  // LinkUp / Disabled
    a.lid = p.lid;
    a.lmc = p.lmc;
    a.sm_lid = f.sm_lid();
    a.sm_sl = 0;
    a.gid_prefix = f.subnet_prefix;
    a.port_guid = p.guid;
    a.node_guid = n.node_guid;
    a.capability_mask = p.capability_mask;
    a.pkeys = p.pkeys;
    return a;
}

void SimEndpoint::send(mad::MadRequest request, runtime::TimePoint deadline,
                       mad::MadCallback done) {
    const std::uint32_t tid = tracker_.start(request.mad, deadline, std::move(done));
    if (fabric_ == nullptr) {
        tracker_.fail_send(tid, "the simulated fabric is gone");
        return;
    }
    const Port& p = fabric_->fabric().port(port_);
    if (p.state != model::PortState::active) {
        tracker_.fail_send(tid, fmt::format("port {} of {} is not active", port_.port, ca_name_));
        return;
    }
    if (request.to.pkey_index >= p.pkeys.size() || pkey_base(p.pkeys[request.to.pkey_index]) == 0) {
        tracker_.fail_send(tid, fmt::format("P_Key index {} is not in the port's P_Key table",
                                            request.to.pkey_index));
        return;
    }
    fabric_->submit(*this, request);
}

Result<void> SimEndpoint::send_unanswered(const mad::MadAddress& to, const mad::MadBuffer& mad) {
    if (fabric_ == nullptr) {
        return fail(Errc::send_failed, "the simulated fabric is gone");
    }
    if (fabric_->fabric().port(port_).state != model::PortState::active) {
        return fail(Errc::send_failed,
                    fmt::format("port {} of {} is not active", port_.port, ca_name_));
    }
    fabric_->receive_unanswered(*this, to, mad);
    return {};
}

void SimEndpoint::set_unsolicited_handler(std::function<void(const mad::MadResponse&)> handler) {
    unsolicited_ = std::move(handler);
}

void SimEndpoint::set_port_event_handler(std::function<void(const mad::PortEvent&)> handler) {
    port_events_ = std::move(handler);
}

void SimEndpoint::deliver(mad::MadResponse response) {
    tracker_.complete(std::move(response));
}

void SimEndpoint::deliver_unsolicited(const mad::MadResponse& mad) {
    ++tracker_.stats().unsolicited;
    if (unsolicited_) {
        unsolicited_(mad);
    }
}

void SimEndpoint::port_event(mad::PortEventKind kind) {
    if (port_events_) {
        port_events_(mad::PortEvent{kind});
    }
}

void SimEndpoint::fail_outstanding(const std::string& why) {
    tracker_.fail_all(mad::MadError{Errc::port_state, 0, why});
}

}  // namespace srpadm::sim
