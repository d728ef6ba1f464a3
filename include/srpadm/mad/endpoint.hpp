// The MAD endpoint: the one seam between discovery/daemon logic and MAD I/O.
//
// One endpoint per local port. It sends one request and completes it exactly once, on the
// event loop's thread, with one complete response of any length (RMPP already reassembled)
// or a typed error: timeout at the caller's deadline, send failure, or the peer's non-zero
// MAD status. It assigns transaction IDs (only the low 32 bits are ours: the kernel and
// umad2sim overwrite the upper half), matches responses to requests, drops responses nobody
// waits for, and delivers unsolicited MADs (SA Reports) and port events.
//
// Implementations: UmadEndpoint (libibumad, real kernel or libumad2sim) and SimEndpoint
// (the in-process simulated fabric).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <srpadm/model/address.hpp>
#include <srpadm/model/port.hpp>
#include <srpadm/result.hpp>
#include <srpadm/runtime/clock.hpp>
#include <srpadm/runtime/event_loop.hpp>
#include <srpadm/types.hpp>
#include <srpadm/wire/mad.hpp>

namespace srpadm::mad {

inline constexpr std::size_t kMadSize = wire::kMadSize;
inline constexpr std::uint32_t kGsiQpn = 1;
inline constexpr std::uint32_t kGsiQkey = wire::kGsiQKey;

using MadBuffer = wire::MadBuffer;

// Where a MAD goes. SA and DM use QP1 with the well-known GSI Q_Key.
struct MadAddress {
    Lid dlid = 0;
    std::uint32_t qpn = kGsiQpn;
    std::uint32_t qkey = kGsiQkey;
    std::uint16_t pkey_index = 0;
    std::uint8_t sl = 0;
    std::optional<Gid> dgid;      // set to send with a GRH (RoCE, or IB across subnets)
    std::uint8_t sgid_index = 0;  // with dgid: the local GID table entry the MAD leaves from

    friend bool operator==(const MadAddress&, const MadAddress&) = default;
};

struct MadRequest {
    MadAddress to;
    MadBuffer mad{};  // complete request; the endpoint writes the TID (bytes 8..15)
};

struct MadResponse {
    std::vector<std::uint8_t> mad;  // whole response: header, then data (RMPP reassembled)
    Lid slid = 0;
    std::uint32_t sqpn = kGsiQpn;
    std::uint16_t pkey_index = 0;
    std::optional<Gid> sgid;  // when it came with a GRH
};

struct MadError {
    Errc code = Errc::internal;  // timeout, send_failed, mad_status, busy, malformed
    std::uint16_t status = 0;    // the MAD status field when code is mad_status or busy
    std::string message;
};

using MadResult = tl::expected<MadResponse, MadError>;
using MadCallback = std::function<void(MadResult)>;

enum class PortEventKind : std::uint8_t {
    port_active,
    port_down,
    lid_change,
    sm_change,
    pkey_change,
    client_reregister,
    gid_change,
    // The whole device (every port) is unusable: the HCA went into its fatal error state or was
    // removed (libibverbs IBV_EVENT_DEVICE_FATAL, ibv_get_async_event(3)). No port event of this
    // endpoint follows; a consumer closes it and opens the port again once it is back.
    device_fatal,
};

// "port-active", "port-down", "lid-change", "sm-change", "pkey-change", "client-reregister",
// "gid-change", "device-fatal".
std::string_view port_event_name(PortEventKind kind);

struct PortEvent {
    PortEventKind kind = PortEventKind::port_active;
};

// Counters every endpoint keeps; the benchmark and `-v` report them.
struct EndpointStats {
    std::uint64_t requests_sent[2] = {0, 0};      // [0] SA (class 0x03), [1] everything else
    std::uint64_t response_segments[2] = {0, 0};  // response MADs, RMPP segments counted
    std::uint64_t responses_ok = 0;
    std::uint64_t timeouts = 0;
    std::uint64_t status_errors = 0;
    std::uint64_t send_errors = 0;
    std::uint64_t unmatched = 0;  // responses nobody waited for (late, dup, bad TID)
    std::uint64_t unsolicited = 0;
    std::size_t outstanding = 0;
    std::size_t peak_outstanding = 0;
};

// Number of 256-byte MADs a response of `length` bytes takes on the wire. SA responses
// longer than one MAD travel as RMPP segments of 200 data bytes after a 56-byte header.
std::uint64_t wire_segments(std::uint8_t mgmt_class, std::size_t length);

class MadEndpoint {
  public:
    virtual ~MadEndpoint() = default;

    virtual runtime::EventLoop& loop() = 0;

    // Reads the port's current attributes (sysfs on real hardware).
    virtual Result<model::PortAttributes> port_attributes() = 0;

    // The port's GID table, the entries in use (sysfs on real hardware: on RoCE, its netdevs'
    // addresses). By default the one GID port_attributes() gives, at index 0.
    virtual Result<std::vector<model::GidEntry>> gid_table();

    // Sends `request`; `done` runs exactly once on the loop thread: with the response, with
    // MadError{timeout} at `deadline`, or with an error. A response with a non-zero status
    // completes with mad_status (busy status: busy) and keeps the status value.
    virtual void send(MadRequest request, runtime::TimePoint deadline, MadCallback done) = 0;

    // Sends a MAD that expects no answer (ReportResp, for one).
    virtual Result<void> send_unanswered(const MadAddress& to, const MadBuffer& mad) = 0;

    // Unsolicited MADs (requests from peers: SA Reports) arrive here, on the loop thread.
    virtual void set_unsolicited_handler(std::function<void(const MadResponse&)> handler) = 0;
    virtual void set_port_event_handler(std::function<void(const PortEvent&)> handler) = 0;

    virtual const EndpointStats& stats() const = 0;
};

}  // namespace srpadm::mad
