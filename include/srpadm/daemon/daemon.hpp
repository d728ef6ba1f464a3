// srpadm daemon: keeps every target the configuration allows connected, driven by events.
//
// One process serves every InfiniBand port it is given (default all), and every RoCE port when
// targets are named by address (RoCE has no SA: those are scanned at start, on port events and
// periodically), on one event loop:
//   - per port: the MAD endpoint, a trap subscription (traps 64, 65, 144, 145), the discovery
//     cache, the last scan, and what it knows of every target it found;
//   - reconciliation: the wanted set (discovery results through the rules and policy,
//     host::plan_connections, exactly as connect-all decides) against ib_srp's SCSI hosts in
//     sysfs. A wanted target that is not connected is logged in through the session's write
//     pool (one lane per local port: the kernel serialises logins per port, and a write to an
//     unreachable target blocks for about a minute), never on the loop;
//   - the kernel's recovery is left alone: while ib_srp has the SCSI host, in any remote-port
//     state, the target counts as connected. A login is written only when there is no host
//     (never made, or removed: dev_loss_tmo passed, the SCSI scan failed, ib_srp or the HCA was
//     reloaded). Nothing is ever logged out; a login the admin took down (srpadm disconnect,
//     noted in the run directory) stays down until the admin connects it or the configuration
//     is reloaded;
//   - failed logins are retried per target and port with capped exponential backoff and jitter
//     (daemon/retry.hpp); a line the kernel refuses (EINVAL) waits for a configuration change;
//   - events: SA Reports (a Report about one port rescans the port; Reports that come while a
//     scan runs are coalesced into one scan after it), local port events (active, down, LID, SM,
//     P_Key, GID, client reregister), kernel events (ports and SRP hosts that come and go), a
//     long periodic rescan with jitter (every Nth one walks every target again: LIO's ib_srpt
//     always answers ChangeID 1), and a periodic sysfs audit behind the kernel events.
//
// The front end (srpadm daemon, srpadm-sim daemon) owns the session, the platform and the
// signals; the daemon runs on the session's loop.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <sys/types.h>
#include <vector>

#include <srpadm/daemon/log.hpp>
#include <srpadm/daemon/retry.hpp>
#include <srpadm/discovery/discovery.hpp>
#include <srpadm/host/connect_plan.hpp>
#include <srpadm/model/config.hpp>
#include <srpadm/model/port.hpp>
#include <srpadm/ops/run_dir.hpp>
#include <srpadm/ops/session.hpp>
#include <srpadm/ops/settings.hpp>
#include <srpadm/result.hpp>

namespace srpadm::daemon {

struct PortName {
    std::string device;
    unsigned port = 0;

    std::string str() const;  // "mlx5_0:1"
    friend bool operator==(const PortName&, const PortName&) = default;
    friend bool operator<(const PortName& a, const PortName& b) {
        return a.device != b.device ? a.device < b.device : a.port < b.port;
    }
};

// What the kernel tells the daemon: uevents on a real host, the stand-in ib_srp in a simulation.
struct KernelEvent {
    enum class Kind : std::uint8_t {
        port_added,        // an InfiniBand port's umad device appeared
        port_removed,      // ... went away (HCA removed, driver unloaded)
        srp_port_added,    // ib_srp's srp-<dev>-<port> appeared (ib_srp loaded)
        srp_port_removed,  // ... went away
        host_added,        // an SCSI host or SRP remote port appeared
        host_removed,      // ... went away
    };
    Kind kind = Kind::host_removed;
    PortName port;     // port and srp_port events; empty when unknown
    std::string host;  // host events: "host7", when known
};

// Where the daemon's ports come from and how the kernel's changes reach it.
class Platform {
  public:
    Platform() = default;
    Platform(const Platform&) = delete;
    Platform& operator=(const Platform&) = delete;
    Platform(Platform&&) = delete;
    Platform& operator=(Platform&&) = delete;
    virtual ~Platform() = default;

    // The InfiniBand ports there are now.
    virtual std::vector<PortName> ports() = 0;
    // The RoCE ports there are now (served when targets are named by address).
    virtual std::vector<PortName> roce_ports() { return {}; }
    // Starts handing kernel events to `handler`, on the loop.
    virtual Result<void> watch(std::function<void(const KernelEvent&)> handler) = 0;
    // The pid of rdma-core's srp_daemon when one serves `port`.
    virtual std::optional<pid_t> srp_daemon_on(const PortName& port) = 0;
};

struct DaemonOptions {
    std::vector<model::PortSelector> ports;  // empty: every InfiniBand port
    ops::SettingsRequest settings;           // the configuration and the front end's settings
    discovery::DiscoveryOptions discovery;   // MAD window and retries
    // A rescan of every port, each at this interval plus or minus 10 %; 0: none. Traps carry
    // the changes, so it is long.
    std::chrono::seconds rescan_interval{3600};
    // Every Nth periodic rescan walks every I/O controller again whatever its ChangeID.
    unsigned full_walk_every = 6;
    // How often sysfs is read behind the kernel events (a missed uevent); 0: never.
    std::chrono::seconds audit_interval{300};
    // After an SM change or a reregistration request, each port subscribes and rescans after
    // a random delay of up to this long: such events reach every host of a subnet at once,
    // and the spread keeps the new SA from meeting the whole fleet in one instant (the
    // kernel keeps the logins meanwhile). 0: at once.
    std::chrono::milliseconds resync_spread{60000};
    // The scans' pace for SA requests: up to sa_burst at once, then one per sa_pace
    // (discovery::QueueLimits). A lone Report's queries (two at most) go at once; a full scan of a
    // fabric with 100 targets takes about half a second more, and a fleet's rescans overlap gently.
    runtime::Duration sa_pace = std::chrono::milliseconds(5);
    std::size_t sa_burst = 2;
    RetryPolicy retry;       // failed logins
    RetryPolicy scan_retry;  // scans and subscriptions that failed (SA unreachable)
    std::uint64_t seed = 1;  // for the jitter
    // Targets on RoCE, named by address (the command line's); when empty, the address keys of
    // the configuration's allow rules. With any, the RoCE ports are served too: no SA, no
    // traps, a scan of these addresses at start, on port events and every
    // roce_rescan_interval.
    std::vector<model::TargetAddress> targets;
    std::uint16_t rdma_cm_port = model::kDefaultRdmaCmPort;
    std::chrono::seconds roce_rescan_interval{60};
    // Called on the loop with each add_target line just before it is written (srp_daemon -e -c
    // echoed every line it wrote; the personality prints them); empty: nothing.
    std::function<void(const std::string& line)> on_login;
};

enum class TargetPhase : std::uint8_t {
    connected,    // ib_srp has a SCSI host for it (any remote-port state)
    connecting,   // a login is being written
    backing_off,  // the last login failed; the next comes at next_try
    invalid,      // the kernel refused the line (EINVAL), or the target's data make none
    denied,       // the rules say no
    taken_down,   // the admin disconnected it
    waiting,      // the port is down or has no SRP initiator port yet
};
// "connected", "connecting", "backing-off", "invalid", "denied", "taken-down", "waiting".
std::string_view target_phase_name(TargetPhase phase);
// Whether a target in `phase` is one the daemon wants connected: not refused by the rules and
// not taken down by the admin (STATUS= and the metrics count these).
constexpr bool wanted_phase(TargetPhase phase) {
    return phase != TargetPhase::denied && phase != TargetPhase::taken_down;
}

// Why a login failed, as a short word for logs, status and metrics: "rejected" (the target
// or its ACL refused: ECONNRESET), "timed-out" (no answer, or the write did not return),
// "unreachable" (no path: ENETUNREACH, EHOSTUNREACH, ENXIO), "vanished" (the SCSI host went
// right after the login), "invalid" (EINVAL: the line), "no-initiator-port" (ENODEV, ENOENT:
// ib_srp has no such port), "other".
std::string_view login_failure_reason(const host::ConnectResult& result);

struct TargetStatus {
    PortName port;
    std::string target;   // "id_ext=...,ioc_guid=... (dgid ..., pkey ...)"
    model::Target found;  // as the last scan found it (identity and address)
    TargetPhase phase = TargetPhase::waiting;
    std::string host;            // when connected
    std::string rule;            // denied: the rule that refuses it ("" for the implicit last rule)
    unsigned failures = 0;       // since the last success
    std::uint64_t attempts = 0;  // logins written since the daemon started
    std::map<std::string, std::uint64_t> failures_by_reason;  // login_failure_reason()
    std::string last_error;                                   // the last failure, in words
    std::optional<runtime::TimePoint> next_try;
};

// A port's last scan, finished or failed.
struct ScanSummary {
    runtime::TimePoint at{};  // when it ended
    bool ok = true;
    bool targeted = false;  // after a Report: only the ports it named
    std::size_t targets = 0;
    std::size_t dm_ports = 0;
    std::uint64_t sa_requests = 0;
    std::uint64_t dm_requests = 0;
    std::uint64_t timeouts = 0;
    runtime::Duration elapsed{};
    std::string error;  // when it failed
};

// What one port did since the daemon started (its endpoints' counts, across reopenings).
struct PortCounters {
    std::uint64_t sa_mads = 0;  // SA requests sent (retries counted)
    std::uint64_t dm_mads = 0;  // Device Management requests sent
    std::uint64_t mad_timeouts = 0;
    std::uint64_t reports = 0;        // SA Reports received
    std::uint64_t subscriptions = 0;  // subscribe rounds that succeeded
    std::uint64_t scans = 0;
    std::uint64_t targeted_scans = 0;
    std::uint64_t scan_failures = 0;
};

struct PortStatus {
    PortName port;
    std::string state;          // "up", "down", "closed"
    std::optional<Lid> lid;     // when open
    std::optional<Lid> sm_lid;  // when open
    std::uint64_t scans = 0;
    std::size_t targets = 0;  // found by the last scan
    std::size_t connected = 0;
    bool subscribed = false;
    std::optional<runtime::TimePoint> subscribed_at;  // the last subscribe round that worked
    bool scanning = false;
    std::optional<ScanSummary> last_scan;
    std::optional<runtime::TimePoint> next_rescan;  // the periodic one
    PortCounters counters;
};

struct Counters {
    std::uint64_t logins = 0;  // attempts
    std::uint64_t logins_ok = 0;
    std::uint64_t logins_failed = 0;
    std::uint64_t scans = 0;
    std::uint64_t targeted_scans = 0;
    std::uint64_t scan_failures = 0;
    std::uint64_t reports = 0;
    std::uint64_t subscriptions = 0;  // successful subscribe rounds
    std::uint64_t reconciles = 0;
    std::uint64_t kernel_events = 0;
};

// How long kernel events about SCSI hosts are gathered before one reconcile.
inline constexpr runtime::Duration kKernelEventCoalescing = std::chrono::seconds(1);

class Daemon {
  public:
    Daemon(ops::Session& session, Platform& platform, DaemonOptions options,
           model::ConfigSources sources, std::shared_ptr<Log> log);
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;
    Daemon(Daemon&&) = delete;
    Daemon& operator=(Daemon&&) = delete;

    // Reads the settings (a bad configuration stops the start: Errc::invalid_input with
    // file:line), watches the kernel, takes the ports and arms the timers.
    Result<void> start();
    // SIGHUP, `srpadm reload`: reads the settings again; on an error keeps the last good ones
    // (logs the error with file:line and returns it). Targets refused as invalid and the
    // admin's disconnections are forgotten; every port is reconciled with what it last found.
    Result<void> reload();
    // SIGUSR1, `srpadm rescan`: every port (or those `only` names) scans again now, walking
    // every I/O controller. Returns the ports that will scan; Errc::not_found naming the
    // ports served when `only` names none of them.
    Result<std::vector<PortName>> rescan(const std::optional<model::PortSelector>& only = {});
    // SIGTERM, SIGINT: stops scanning, unsubscribes every port and lets the logins being written
    // finish within their deadline; `done` runs once all that is over.
    void stop(std::function<void()> done);

    std::vector<PortStatus> ports() const;
    std::vector<TargetStatus> targets() const;
    const Counters& counters() const { return counters_; }
    // Every port has scanned once (or is down or closed): systemd's READY=1.
    bool settled() const;
    runtime::TimePoint now() const { return session_.loop().now(); }
    // When start() ran, and how many times the configuration was (re)loaded.
    std::optional<runtime::TimePoint> started_at() const { return started_at_; }
    std::uint64_t generation() const { return generation_; }

    // `observer` runs on the loop after anything ports() or targets() show may have changed
    // (a port's state, a scan, a target's phase); it must not call back into the daemon
    // before it returns (post, then read). Returns an id for remove_observer().
    std::uint64_t add_observer(std::function<void()> observer);
    void remove_observer(std::uint64_t id);

  private:
    class Port;
    friend class Port;

    void on_kernel_event(const KernelEvent& event);
    void sync_ports();
    bool wanted(const PortName& port) const;
    // The targets on RoCE: the command line's, else the configuration's address keys.
    std::vector<model::TargetAddress> addresses() const;
    void arm_audit();
    void reconcile_all();
    bool excluded(const PortName& port, const std::string& id_ext, Guid ioc_guid);
    void stop_done();
    void changed();

    ops::Session& session_;
    Platform& platform_;
    DaemonOptions options_;
    model::ConfigSources sources_;
    std::shared_ptr<Log> log_;
    std::optional<host::ConnectSettings> settings_;
    std::uint64_t generation_ = 1;  // bumped by every reload
    std::map<PortName, std::unique_ptr<Port>> ports_;
    Counters counters_;
    std::minstd_rand rng_;
    runtime::EventLoop::TimerId reconcile_timer_ = 0;
    runtime::EventLoop::TimerId audit_timer_ = 0;
    bool stopping_ = false;
    std::size_t stop_pending_ = 0;
    std::function<void()> stop_done_;
    std::map<std::uint64_t, std::function<void()>> observers_;
    std::uint64_t next_observer_ = 1;
    std::optional<runtime::TimePoint> started_at_;
    std::size_t in_flight_ = 0;  // logins being written
    // The admin's disconnections, read again when the file changes.
    std::optional<std::filesystem::file_time_type> exclusions_mtime_;
    std::vector<ops::Exclusion> exclusions_;
    // Callbacks of writes still on the pool hold it weakly.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace srpadm::daemon
