// UmadEndpoint: the MadEndpoint of one local InfiniBand port, through libibumad (a real kernel's
// ib_umad, or ibsim's libumad2sim.so preloaded in its place).
//
// - The port comes from sysfs (host::select_port): a umad device, a device and port, or the
//   first ACTIVE InfiniBand port. RoCE ports are refused.
// - One umad agent per class on one umad file descriptor: SA (class 0x03, version 2, RMPP
//   version 1, with the Report method in its mask so unsolicited Reports arrive; if the kernel
//   refuses the mask, the agent is registered without it and reports_available() is false)
//   and Device Management (class 0x06, version 1). A request goes out through the agent of its
//   own class, so its answer comes back to an agent of that class.
// - A receive thread waits in umad_recv() with a finite timeout (never in poll/epoll next to
//   other descriptors: libumad2sim supports neither), and hands each MAD to the event loop with
//   post(). Receive buffers grow to what arrives (ENOSPC from the kernel says how much).
// - RequestTracker gives every request a TID (low 32 bits), a user-space deadline (libumad2sim
//   never times out) and matches answers; each request also holds the loop (hold/release) until
//   it completes. The kernel gets the time left until the deadline as its own timeout, so that
//   it matches the answer; when the kernel gives up first, or ibsim cannot deliver the request,
//   the MAD comes back with umad status ETIMEDOUT (110) and the request completes at once as a
//   timeout.
// - Under libumad2sim only the first 224 bytes of a received MAD are delivered; the receive
//   thread sets the rest to zero (umad/delivered.hpp), says so in notes() and counts the MADs
//   it cut.
// - Port events come from the verbs device's asynchronous events (umad/verbs_events.hpp),
//   or, where there is no usable verbs device, from the port's sysfs files read on a timer
//   (mad::PortWatcher); see set_port_event_handler().
// - Destruction stops the receive thread through a flag (it notices within one receive
//   timeout), completes whatever is outstanding with Errc::port_state, unregisters the agents
//   and closes the port. Nothing here runs in a signal handler.
//
// All methods but the constructor's helpers run on the loop's thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <srpadm/host/local_port.hpp>
#include <srpadm/mad/endpoint.hpp>
#include <srpadm/mad/port_watcher.hpp>
#include <srpadm/mad/request_tracker.hpp>
#include <srpadm/result.hpp>
#include <srpadm/umad/verbs_events.hpp>

namespace srpadm::umad {

// A management class whose unsolicited requests this endpoint receives (its methods go into
// the agent's method mask). The tool serves nothing; test responders (a DM agent, an SA) do.
struct ServedClass {
    std::uint8_t mgmt_class = 0;
    std::uint8_t class_version = 1;
    std::vector<std::uint8_t> methods;
};

struct UmadOptions {
    host::PortRequest port;  // empty: the first ACTIVE InfiniBand port
    std::filesystem::path sysfs_root = "/sys";
    std::chrono::milliseconds receive_timeout{100};  // umad_recv() wait; bounds shutdown time
    bool sa_reports = true;                          // ask for unsolicited SA Reports
    std::vector<ServedClass> serve;
    // Open the port's issm device once the agents are registered (IsSM set while it is open).
    // Only test fixtures need it: under libumad2sim a port's unsolicited MADs go to its issm
    // client alone, and the IsSM change makes ibsim send trap 144 to the SM's LID, which must
    // find the agents already registered when that LID is this port's.
    bool issm = false;
    // How often the port's sysfs files are read for port events while a handler is set and
    // the verbs device's asynchronous events are not available (see set_port_event_handler).
    std::chrono::milliseconds port_poll_interval{1000};
};

class UmadEndpoint final : public mad::MadEndpoint {
  public:
    // Selects the port, opens it and registers the agents. Errors: the port selection's
    // (not_found, unsupported, port_state), or port_state when the umad device cannot be
    // opened or an agent cannot be registered.
    static Result<std::unique_ptr<UmadEndpoint>> open(runtime::EventLoop& loop,
                                                      const UmadOptions& options);
    ~UmadEndpoint() override;
    UmadEndpoint(const UmadEndpoint&) = delete;
    UmadEndpoint& operator=(const UmadEndpoint&) = delete;

    runtime::EventLoop& loop() override { return loop_; }
    // Reads the port's sysfs files again (a frozen snapshot under libumad2sim).
    Result<model::PortAttributes> port_attributes() override;
    Result<std::vector<model::GidEntry>> gid_table() override;
    void send(mad::MadRequest request, runtime::TimePoint deadline, mad::MadCallback done) override;
    Result<void> send_unanswered(const mad::MadAddress& to, const mad::MadBuffer& mad) override;
    // The same with the MAD's own length (at least the 24-byte header): an answer as short as
    // its content, as OpenSM sends a GetTableResp of one MAD. (A receiver sees exactly these
    // bytes under libumad2sim; a kernel pads a non-RMPP MAD to 256 bytes.)
    Result<void> send_unanswered(const mad::MadAddress& to, std::span<const std::uint8_t> mad);
    void set_unsolicited_handler(std::function<void(const mad::MadResponse&)> handler) override;
    // Port events, while a handler is set (a null handler stops them), come from:
    // - the verbs device's asynchronous events on the loop (VerbsPortEvents, by the port's
    //   exact device name), when it opens; after device_fatal nothing more comes;
    // - otherwise the port's sysfs files, read every port_poll_interval (mad::PortWatcher):
    //   under libumad2sim (it simulates umad devices only; libibverbs would see this host's
    //   real ones), with a sysfs root other than /sys (the same), or when the verbs device
    //   does not open (no such device, no permission, no provider library).
    // notes() then holds one line that says which: "port events: verbs asynchronous events"
    // or "port events: sysfs read every N ms because ...".
    void set_port_event_handler(std::function<void(const mad::PortEvent&)> handler) override;
    const mad::EndpointStats& stats() const override { return tracker_.stats(); }

    // Completes every outstanding request with Errc::port_state and `why`, and every later one
    // at once the same way (an interrupted scan ends quickly instead of waiting for deadlines
    // and retries). The port stays open until destruction.
    void close(const std::string& why, Errc code = Errc::port_state);

    const host::SelectedPort& selected() const { return selected_; }
    // Whether the SA agent was registered with the Report method in its mask.
    bool reports_available() const { return reports_available_; }
    // What was assumed or given up while opening (missing link_layer, Reports unavailable),
    // and where port events come from once a handler was set.
    const std::vector<std::string>& notes() const { return notes_; }
    // umad_recv() failures other than timeouts (the thread goes on after a short pause).
    std::uint64_t receive_errors() const { return receive_errors_.load(); }
    // Received MADs longer than the transport delivers whole (libumad2sim: 224 bytes, see
    // umad/delivered.hpp), whose bytes past that were set to zero; 0 with a kernel.
    std::uint64_t cut_mads() const { return cut_.load(); }

  private:
    struct Received;

    UmadEndpoint(runtime::EventLoop& loop, host::Sysfs sysfs, host::SelectedPort selected,
                 const UmadOptions& options);
    Result<void> register_agents(const UmadOptions& options);
    int agent_for(std::uint8_t mgmt_class) const;
    Result<void> write(int agent, const mad::MadAddress& to, std::span<const std::uint8_t> mad,
                       int timeout_ms);
    void receive_loop();
    void deliver(Received received);
    void set_note(std::string_view prefix, std::string note);

    runtime::EventLoop& loop_;
    host::Sysfs sysfs_;
    host::SelectedPort selected_;
    std::chrono::milliseconds receive_timeout_;
    std::chrono::milliseconds port_poll_interval_;
    int fd_ = -1;
    int issm_fd_ = -1;
    std::vector<std::pair<std::uint8_t, int>> agents_;  // (class, agent id)
    bool reports_available_ = false;
    std::vector<std::string> notes_;
    std::string closed_;  // why close() was called; empty while open
    mad::RequestTracker tracker_;
    std::function<void(const mad::MadResponse&)> unsolicited_;
    std::unique_ptr<mad::PortWatcher> port_watcher_;
    std::unique_ptr<VerbsPortEvents> verbs_events_;
    // Tasks posted by the receive thread check this before touching the endpoint, so that a
    // task still queued when the endpoint is destroyed does nothing.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
    std::atomic<bool> stop_{false};
    std::atomic<std::uint64_t> receive_errors_{0};
    // MAD bytes the transport delivers (0: all of them); set before the receive thread starts.
    std::size_t delivered_limit_ = 0;
    std::atomic<std::uint64_t> cut_{0};
    std::thread receiver_;
};

}  // namespace srpadm::umad
