// The running simulated fabric: SA and DM agents on a Fabric model, delivery through the
// event loop's timers with a latency per class (so it runs on a VirtualClock or in real time
// on a SteadyClock), fault injection, scheduled events, and accounting per class.
//
//   runtime::VirtualClock clock;
//   runtime::EventLoop loop(clock);
//   auto file = sim::load_fabric("examples/fabrics/two-targets.fabric").value();
//   sim::SimFabric fabric(std::move(file), loop);
//   auto endpoint = fabric.open().value();   // a MadEndpoint on the initiator port
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <srpadm/mad/endpoint.hpp>
#include <srpadm/result.hpp>
#include <srpadm/runtime/event_loop.hpp>
#include <srpadm/sim/agents.hpp>
#include <srpadm/sim/events.hpp>
#include <srpadm/sim/fabric.hpp>
#include <srpadm/sim/fabric_file.hpp>
#include <srpadm/sim/faults.hpp>
#include <srpadm/wire/mad.hpp>

namespace srpadm::sim {

class SimEndpoint;

// Counters per management class, kept by the agents' side of the fabric.
struct ClassStats {
    std::uint64_t requests = 0;           // requests that reached the fabric
    std::uint64_t responses = 0;          // answers delivered (duplicates counted)
    std::uint64_t response_segments = 0;  // 256-byte MADs those answers take (RMPP)
    std::uint64_t unanswered = 0;         // no agent, port down, P_Key mismatch, dropped
    std::size_t outstanding = 0;          // requests an agent holds and has not answered yet
    std::size_t peak_outstanding = 0;
};

struct FabricStats {
    ClassStats sa;
    ClassStats dm;
    ClassStats other;
    std::uint64_t reports_sent = 0;
    std::uint64_t report_resps = 0;
    std::uint64_t events = 0;
};

// A Report the SA sent, and whether its ReportResp came back.
struct ReportLog {
    Lid to = 0;
    std::uint64_t tid = 0;
    std::uint16_t trap_number = 0;
    runtime::TimePoint sent{};
    bool acknowledged = false;
};

class SimFabric {
  public:
    // Installs the file's faults and schedules its events (their times count from now).
    SimFabric(FabricFile file, runtime::EventLoop& loop);
    SimFabric(Fabric fabric, runtime::EventLoop& loop);
    ~SimFabric();
    SimFabric(const SimFabric&) = delete;
    SimFabric& operator=(const SimFabric&) = delete;

    Fabric& fabric() { return fabric_; }
    const Fabric& fabric() const { return fabric_; }
    runtime::EventLoop& loop() { return loop_; }
    FaultInjector& faults() { return faults_; }
    SaAgent& sa() { return sa_; }
    const FabricStats& stats() const { return stats_; }
    const std::vector<ReportLog>& report_log() const { return report_log_; }

    // An endpoint on fabric().local_ports[index].
    Result<std::unique_ptr<SimEndpoint>> open(std::size_t local_index = 0);
    // An endpoint on any end port (a second initiator port, or a port the test picks).
    Result<std::unique_ptr<SimEndpoint>> open_port(PortRef port, std::string ca_name = "sim0");

    // Runs `event` now; or at `when` on the loop; or `delay` from now.
    Result<void> apply(const FabricEvent& event);
    void schedule_at(runtime::TimePoint when, FabricEvent event);
    void schedule_after(runtime::Duration delay, FabricEvent event);

    // `observer` runs on the loop after every event that changed the fabric (applied or
    // scheduled), in order, once the fabric shows the change: the stand-in kernel
    // (kernel.hpp) follows the ports and targets its logins go through this way. An observer
    // may unobserve itself. Returns the id for unobserve().
    std::uint64_t observe(std::function<void(const FabricEvent&)> observer);
    void unobserve(std::uint64_t id);

    // `tap` sees the header of every request that reaches the fabric, on the loop, at the
    // time it arrives (the fleet benchmark counts SA requests per 10 ms with it).
    void set_request_tap(std::function<void(const wire::MadHeader&)> tap) {
        request_tap_ = std::move(tap);
    }

    // Used by SimEndpoint.
    void submit(SimEndpoint& from, const mad::MadRequest& request);
    void receive_unanswered(SimEndpoint& from, const mad::MadAddress& to,
                            const mad::MadBuffer& mad);
    void detach(SimEndpoint& endpoint);

  private:
    struct Delivery {
        std::uint64_t endpoint = 0;
        mad::MadResponse response;
        std::uint8_t mgmt_class = 0;
    };

    Result<void> change(const FabricEvent& event);
    ClassStats& class_stats(std::uint8_t mgmt_class);
    // Where a request goes: by its DLID, or, with LID 0 and a GRH, by its DGID (a port of this
    // subnet with that GUID), as a MAD to a GID travels.
    std::optional<PortRef> destination(const mad::MadAddress& to) const;
    // `header`: the request's, decoded once when it was submitted.
    std::optional<Bytes> answer(PortRef from, const mad::MadRequest& request,
                                const wire::MadHeader& header,
                                const std::vector<const FaultRule*>& faults);
    void respond(std::uint64_t endpoint, const mad::MadRequest& request,
                 const wire::MadHeader& header, const std::vector<const FaultRule*>& faults);
    void deliver_at(runtime::TimePoint when, Delivery delivery, bool reorder);
    void deliver_now(Delivery delivery);
    void send_reports(const Trap& trap);
    SimEndpoint* endpoint_at(PortRef port);
    std::uint64_t timer(runtime::TimePoint when, std::function<void()> task);

    Fabric fabric_;
    runtime::EventLoop& loop_;
    FaultInjector faults_;
    SaAgent sa_{fabric_};
    FabricStats stats_;
    std::vector<ReportLog> report_log_;
    std::unordered_map<std::uint64_t, SimEndpoint*> endpoints_;
    std::uint64_t next_endpoint_ = 1;
    std::unordered_set<runtime::EventLoop::TimerId> timers_;
    std::map<std::pair<std::size_t, std::uint8_t>, DmAgent> removed_targets_;  // target-remove
    // Answers held back by `reorder`, per endpoint: released after the next answer.
    std::unordered_map<std::uint64_t, std::vector<Delivery>> held_;
    std::map<std::uint64_t, std::function<void(const FabricEvent&)>> observers_;
    std::function<void(const wire::MadHeader&)> request_tap_;
    std::uint64_t next_observer_ = 1;
};

}  // namespace srpadm::sim
