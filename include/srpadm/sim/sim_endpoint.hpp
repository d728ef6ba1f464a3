// SimEndpoint: the MadEndpoint of one local port of a simulated fabric (SimFabric::open).
//
// Requests go to the fabric's agents and come back after their latency, through the event
// loop; RequestTracker assigns TIDs, enforces deadlines and matches answers. Reports from
// the SA arrive at the unsolicited handler; a ReportResp goes back with send_unanswered().
// Port events (down, up, SM change, P_Key change) arrive at the port event handler, and
// port_attributes() reads the model as sysfs would show it at that moment. Several
// endpoints can share one fabric (a dual-port initiator).
#pragma once

#include <functional>
#include <string>

#include <srpadm/mad/endpoint.hpp>
#include <srpadm/mad/request_tracker.hpp>
#include <srpadm/sim/fabric.hpp>

namespace srpadm::sim {

class SimFabric;

class SimEndpoint final : public mad::MadEndpoint {
  public:
    SimEndpoint(SimFabric& fabric, PortRef port, std::string ca_name, std::uint64_t id);
    ~SimEndpoint() override;
    SimEndpoint(const SimEndpoint&) = delete;
    SimEndpoint& operator=(const SimEndpoint&) = delete;

    runtime::EventLoop& loop() override { return loop_; }
    Result<model::PortAttributes> port_attributes() override;
    void send(mad::MadRequest request, runtime::TimePoint deadline, mad::MadCallback done) override;
    Result<void> send_unanswered(const mad::MadAddress& to, const mad::MadBuffer& mad) override;
    void set_unsolicited_handler(std::function<void(const mad::MadResponse&)> handler) override;
    void set_port_event_handler(std::function<void(const mad::PortEvent&)> handler) override;
    const mad::EndpointStats& stats() const override { return tracker_.stats(); }

    PortRef port() const { return port_; }
    std::uint64_t id() const { return id_; }

    // Called by SimFabric on the loop thread.
    void deliver(mad::MadResponse response);
    void deliver_unsolicited(const mad::MadResponse& mad);
    void port_event(mad::PortEventKind kind);
    void fail_outstanding(const std::string& why);
    void fabric_gone() { fabric_ = nullptr; }

  private:
    SimFabric* fabric_;
    runtime::EventLoop& loop_;
    PortRef port_;
    std::string ca_name_;
    std::uint64_t id_;
    mad::RequestTracker tracker_;
    std::function<void(const mad::MadResponse&)> unsolicited_;
    std::function<void(const mad::PortEvent&)> port_events_;
};

}  // namespace srpadm::sim
