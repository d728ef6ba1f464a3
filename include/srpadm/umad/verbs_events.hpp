// Port events from a verbs device's asynchronous events, on the event loop.
//
// The kernel queues every port's events (port active or in error, LID, P_Key, SM, GID changes,
// the SM's client-reregister request) and the device's fatal error on the async event file of
// each open verbs context (drivers/infiniband/core/uverbs_main.c, ib_uverbs_async_handler).
// VerbsPortEvents opens the device, makes that descriptor non-blocking and watches it on the
// loop, so a daemon sleeps until something happens. rdma-core's srp_daemon reads the same
// events in a thread of its own that blocks in ibv_get_async_event()
// (srp_daemon/srp_handle_traps.c, run_thread_listen_to_events); the non-blocking use on a
// poll loop is the one ibv_get_async_event(3) shows in its EXAMPLES section.
//
// This component (verbs_events.cpp) is the only code that includes <infiniband/verbs.h>. It
// lives in umad/, the real endpoint's layer and library (srpadm_umad), because it serves the
// umad endpoint alone and needs the same kernel RDMA stack as libibumad; the fuzz build, which
// builds no srpadm_umad, needs no libibverbs either. It creates no QP, CQ or SRQ: only the
// port and device events concern it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <srpadm/mad/endpoint.hpp>
#include <srpadm/result.hpp>
#include <srpadm/runtime/event_loop.hpp>

struct ibv_context;

namespace srpadm::umad {

// What one asynchronous event means for port `port`: `event_type` is an enum ibv_event_type
// value and `event_port` its element.port_num (read only for port events; anything for the
// others). IBV_EVENT_PORT_ACTIVE → port_active, PORT_ERR → port_down, LID_CHANGE → lid_change,
// SM_CHANGE → sm_change, PKEY_CHANGE → pkey_change, CLIENT_REREGISTER → client_reregister,
// GID_CHANGE → gid_change, each only when event_port == port; IBV_EVENT_DEVICE_FATAL →
// device_fatal whatever the port. Everything else (other ports, QP, CQ, SRQ and WQ events,
// types this build does not know) → nullopt.
std::optional<mad::PortEvent> port_event_from_verbs(int event_type, std::uint32_t event_port,
                                                    std::uint32_t port);

class VerbsPortEvents {
  public:
    using Handler = std::function<void(const mad::PortEvent&)>;

    // Opens the verbs device named exactly `device` (ibv_get_device_list, ibv_open_device),
    // sets its async event descriptor O_NONBLOCK and watches it on `loop`; `handler` gets the
    // events of `port` on the loop's thread. Errors: not_found when libibverbs lists no device
    // of that name (the message names it and the devices there are), port_state when the
    // device cannot be opened or its descriptor cannot be watched. The watch keeps
    // EventLoop::run() from returning, as any watch does (a daemon's loop runs until stopped).
    static Result<std::unique_ptr<VerbsPortEvents>> open(runtime::EventLoop& loop,
                                                         const std::string& device,
                                                         std::uint32_t port, Handler handler);
    // Unwatches the descriptor and closes the device (loop thread).
    ~VerbsPortEvents();
    VerbsPortEvents(const VerbsPortEvents&) = delete;
    VerbsPortEvents& operator=(const VerbsPortEvents&) = delete;

    const std::string& device() const { return device_; }
    std::uint32_t port() const { return port_; }
    // Whether the device is still open: false once device_fatal was reported (the descriptor is
    // unwatched and the context closed then, and nothing more is reported).
    bool is_open() const { return context_ != nullptr; }
    // Asynchronous events read and acknowledged, of any type and port.
    std::uint64_t events_read() const { return events_read_; }
    // Reads that failed other than with EAGAIN; each closes the device (see on_ready()).
    std::uint64_t read_errors() const { return read_errors_; }

  private:
    VerbsPortEvents(runtime::EventLoop& loop, std::string device, std::uint32_t port,
                    Handler handler, ibv_context* context);
    void on_ready(unsigned ready);
    void close_device();

    runtime::EventLoop& loop_;
    std::string device_;
    std::uint32_t port_;
    Handler handler_;
    ibv_context* context_ = nullptr;
    runtime::WatchId watch_ = 0;
    std::uint64_t events_read_ = 0;
    std::uint64_t read_errors_ = 0;
    // The handler may destroy this object (the endpoint drops it when its handler is reset):
    // events still to be delivered after that are dropped.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace srpadm::umad
