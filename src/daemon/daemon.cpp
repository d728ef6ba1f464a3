#include <algorithm>
#include <cerrno>
#include <chrono>
#include <random>
#include <utility>

#include <fmt/format.h>

#include <srpadm/daemon/daemon.hpp>
#include <srpadm/discovery/traps.hpp>
#include <srpadm/host/host_ports.hpp>
#include <srpadm/host/local_port.hpp>
#include <srpadm/mad/port_watcher.hpp>
#include <srpadm/ops/connect_all.hpp>
#include <srpadm/ops/scan.hpp>

namespace srpadm::daemon {

std::string PortName::str() const {
    return fmt::format("{}:{}", device, port);
}

std::string_view target_phase_name(TargetPhase phase) {
    switch (phase) {
        case TargetPhase::connected:
            return "connected";
        case TargetPhase::connecting:
            return "connecting";
        case TargetPhase::backing_off:
            return "backing-off";
        case TargetPhase::invalid:
            return "invalid";
        case TargetPhase::denied:
            return "denied";
        case TargetPhase::taken_down:
            return "taken-down";
        case TargetPhase::waiting:
            return "waiting";
    }
    return "?";
}

std::string_view login_failure_reason(const host::ConnectResult& result) {
    switch (result.state) {
        case host::ConnectState::connected:
        case host::ConnectState::already_connected:
            return "none";
        case host::ConnectState::timed_out:
            return "timed-out";
        case host::ConnectState::vanished:
            return "vanished";
        case host::ConnectState::failed:
            break;
    }
    // The errors ib_srp's add_target gives (srp_create_target() and what it calls in
    // drivers/infiniband/ulp/srp/ib_srp.c; the CM's rejects become ECONNRESET).
    switch (result.error) {
        case ECONNRESET:
        case ECONNREFUSED:
            return "rejected";
        case ETIMEDOUT:
            return "timed-out";
        case ENETUNREACH:
        case EHOSTUNREACH:
        case ENXIO:
            return "unreachable";
        case EINVAL:
            return "invalid";
        case ENODEV:
        case ENOENT:
            return "no-initiator-port";
        default:
            return "other";
    }
}

namespace {

// How a port's next scan is to be made.
struct ScanWish {
    bool wanted = false;     // a scan of the whole fabric
    bool full_walk = false;  // walk every IOC again, whatever its ChangeID
    // Without `wanted`: only these ports, as SA Reports named them (a targeted scan, merged
    // into the last full report).
    discovery::PortSelection ports;
};

ScanWish full_scan(bool full_walk = false) {
    ScanWish w;
    w.wanted = true;
    w.full_walk = full_walk;
    return w;
}

// A target as the kernel tells logins apart on one local port: id_ext, ioc_guid,
// initiator_ext (srp_conn_unique() in drivers/infiniband/ulp/srp/ib_srp.c).
// An outcome's message without the target's description in front: the log names the target.
std::string reason_of(const std::string& message, const std::string& what) {
    const std::string prefix = what + ": ";
    return message.rfind(prefix, 0) == 0 ? message.substr(prefix.size()) : message;
}

std::string target_key(const host::PlannedTarget& p) {
    const auto ext = login::effective_value(p.request.spec, login::Key::initiator_ext);
    return fmt::format("{}|{:016x}|{}", p.target.id_ext, p.target.ioc_guid, ext.value_or("0"));
}

runtime::Duration jittered(std::chrono::seconds interval, std::minstd_rand& rng) {
    const runtime::Duration base = interval;
    const auto spread = base.count() / 10;
    std::uniform_int_distribution<runtime::Duration::rep> dist(-spread, spread);
    return base + runtime::Duration(spread > 0 ? dist(rng) : 0);
}

// Adds what an endpoint sent to a port's counts.
void add_mads(PortCounters& counters, const mad::EndpointStats& stats) {
    counters.sa_mads += stats.requests_sent[0];
    counters.dm_mads += stats.requests_sent[1];
    counters.mad_timeouts += stats.timeouts;
}

// Runs `f` when the scope ends (however it is left).
template <class F>
class AtScopeEnd {
  public:
    explicit AtScopeEnd(F f) : f_(std::move(f)) {}
    ~AtScopeEnd() { f_(); }
    AtScopeEnd(const AtScopeEnd&) = delete;
    AtScopeEnd& operator=(const AtScopeEnd&) = delete;
    AtScopeEnd(AtScopeEnd&&) = delete;
    AtScopeEnd& operator=(AtScopeEnd&&) = delete;

  private:
    F f_;
};

}  // namespace

// One local port: its endpoint, trap subscription, cache, scans and targets.
class Daemon::Port {
  public:
    Port(Daemon& d, PortName name) : d_(d), name_(std::move(name)), label_(name_.str()) {}
    ~Port() { close(); }
    Port(const Port&) = delete;
    Port& operator=(const Port&) = delete;
    Port(Port&&) = delete;
    Port& operator=(Port&&) = delete;

    void open();
    void close();
    // After the device failed: open again later, slower each time, until it works.
    void arm_reopen();
    void scan(ScanWish wish);
    void reconcile();
    void stop(std::function<void()> done);
    void forget_refusals();
    void forget_vanished(const std::vector<host::PlannedTarget>& plan,
                         const std::vector<host::SrpHost>& hosts);

    PortStatus status() const;
    void append_targets(std::vector<TargetStatus>& out) const;
    bool settled() const { return !endpoint_ || !up_ || scans_ > 0; }
    bool roce() const { return roce_; }

  private:
    struct Target {
        host::PlannedTarget plan;
        TargetPhase phase = TargetPhase::waiting;
        std::string host;
        unsigned failures = 0;
        std::uint64_t attempts = 0;
        std::map<std::string, std::uint64_t> failures_by_reason;
        std::string last_error;
        std::uint64_t invalid_generation = 0;
        std::optional<runtime::TimePoint> next_try;
        runtime::EventLoop::TimerId retry_timer = 0;
        bool in_flight = false;
    };

    runtime::EventLoop& loop() { return d_.session_.loop(); }
    Log& log() { return *d_.log_; }
    void on_port_event(const mad::PortEvent& event);
    void on_trap(const discovery::TrapEvent& event);
    void subscribe();
    void resync(bool with_scan, bool spread_out);
    void start_scan();
    void scan_done(Result<discovery::DiscoveryReport> result);
    void arm_rescan();
    void login(const std::string& key);
    void login_done(const std::string& key, const ops::TargetOutcome& outcome);
    void set_phase(Target& t, TargetPhase phase, const std::string& why);
    void cancel_retry(Target& t);
    void note_addresses(const Result<model::PortAttributes>& attrs);

    Daemon& d_;
    PortName name_;
    std::string label_;
    std::unique_ptr<mad::MadEndpoint> endpoint_;
    std::unique_ptr<discovery::TrapSubscriber> traps_;
    discovery::DiscoveryCache cache_;
    std::unique_ptr<discovery::ScanOperation> scan_;
    ScanWish pending_;
    std::optional<discovery::DiscoveryReport> report_;
    bool up_ = false;
    bool roce_ = false;  // a RoCE port: targets by address, no SA
    bool subscribed_ = false;
    std::optional<Lid> lid_;  // as the port's last attributes said
    std::optional<Lid> sm_lid_;
    std::optional<runtime::TimePoint> subscribed_at_;
    std::optional<ScanSummary> last_scan_;
    std::optional<runtime::TimePoint> scan_started_;
    std::optional<runtime::TimePoint> next_rescan_;
    PortCounters counters_;  // the MAD counts: of the endpoints closed before the current one
    std::uint64_t scans_ = 0;
    unsigned periodic_ = 0;
    unsigned scan_failures_ = 0;
    unsigned subscribe_failures_ = 0;
    std::string last_problem_;  // logged once until it changes
    runtime::EventLoop::TimerId rescan_timer_ = 0;
    runtime::EventLoop::TimerId subscribe_timer_ = 0;
    runtime::EventLoop::TimerId reopen_timer_ = 0;
    runtime::EventLoop::TimerId resync_timer_ = 0;
    bool resync_scan_ = false;  // the pending resync rescans too
    unsigned reopen_failures_ = 0;
    std::map<std::string, Target> targets_;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

void Daemon::Port::open() {
    if (endpoint_) {
        return;
    }
    const AtScopeEnd shown([this] { d_.changed(); });
    auto ports = d_.session_.ports();
    if (!ports) {
        log().error(label_, "", ports.error().message);
        return;
    }
    ops::PortChoice choice;
    choice.port.ca_name = name_.device;
    choice.port.port = name_.port;
    choice.port.link_layer = model::LinkLayer::unknown;  // InfiniBand or RoCE, as listed
    auto opened = (*ports)->open(choice);
    if (!opened) {
        if (last_problem_ != opened.error().message) {
            last_problem_ = opened.error().message;
            log().error(label_, "", "cannot open the port: " + last_problem_);
        }
        return;
    }
    last_problem_.clear();
    for (const auto& note : opened->notes) {
        log().info(label_, "", note);
    }
    endpoint_ = std::move(opened->endpoint);
    const auto attrs = endpoint_->port_attributes();
    roce_ = attrs && attrs->link_layer == model::LinkLayer::ethernet;
    if (!roce_) {
        // RoCE has no SA to send traps: its ports are scanned periodically instead.
        traps_ = std::make_unique<discovery::TrapSubscriber>(
            *endpoint_, [this](const discovery::TrapEvent& e) { on_trap(e); });
    }
    endpoint_->set_port_event_handler([this](const mad::PortEvent& e) { on_port_event(e); });
    up_ = attrs && mad::port_usable(*attrs);
    note_addresses(attrs);
    log().info(label_, "",
               up_ ? "serving the port" : "serving the port; waiting for it to be ACTIVE");
    if (up_) {
        subscribe();
        scan(full_scan());
    }
    arm_rescan();
}

void Daemon::Port::close() {
    const AtScopeEnd shown([this] { d_.changed(); });
    scan_.reset();
    traps_.reset();
    if (endpoint_) {
        endpoint_->set_port_event_handler({});
        add_mads(counters_, endpoint_->stats());  // keep what this endpoint sent
    }
    endpoint_.reset();
    for (auto* timer : {&rescan_timer_, &subscribe_timer_, &reopen_timer_, &resync_timer_}) {
        if (*timer != 0) {
            loop().cancel(*timer);
            *timer = 0;
        }
    }
    for (auto& [key, t] : targets_) {
        cancel_retry(t);
    }
    up_ = false;
    subscribed_ = false;
}

void Daemon::Port::arm_reopen() {
    if (d_.stopping_ || endpoint_) {
        return;
    }
    ++reopen_failures_;
    reopen_timer_ =
        loop().after(retry_delay(d_.options_.scan_retry, reopen_failures_, d_.rng_), [this] {
            reopen_timer_ = 0;
            open();
            if (endpoint_) {
                reopen_failures_ = 0;
            } else {
                arm_reopen();
            }
        });
}

void Daemon::Port::on_port_event(const mad::PortEvent& event) {
    const AtScopeEnd shown([this] { d_.changed(); });
    log().debug(label_, "", fmt::format("port event {}", mad::port_event_name(event.kind)));
    // The LID and SM LID change only with a port event: read them here, not for every status.
    if (endpoint_) {
        note_addresses(endpoint_->port_attributes());
    }
    switch (event.kind) {
        case mad::PortEventKind::port_down:
            if (up_) {
                log().warn(label_, "", "the port went down: scans and logins wait for it");
            }
            up_ = false;
            subscribed_ = false;
            scan_started_.reset();
            scan_.reset();
            if (resync_timer_ != 0) {
                loop().cancel(resync_timer_);
                resync_timer_ = 0;
            }
            return;
        case mad::PortEventKind::port_active:
            if (!up_) {
                log().info(label_, "", "the port is ACTIVE");
            }
            up_ = true;
            break;
        case mad::PortEventKind::sm_change:
        case mad::PortEventKind::pkey_change:
            // A new SM, or another partition table: nothing cached about the fabric holds.
            cache_.clear();
            break;
        case mad::PortEventKind::lid_change:
        case mad::PortEventKind::gid_change:
        case mad::PortEventKind::client_reregister:
            break;
        case mad::PortEventKind::device_fatal:
            // The HCA needs a reset (or its driver a reload): nothing on it works until it
            // comes back. Drop the endpoint (not from inside its own handler) and try again.
            log().error(label_, "",
                        "the device reported a fatal error: the port is closed and opened "
                        "again once the device is back");
            loop().post([this, token = std::weak_ptr<int>(alive_)] {
                if (!token.expired()) {
                    close();
                    arm_reopen();
                }
            });
            return;
    }
    if (!up_) {
        return;
    }
    // Every one of these can mean that the SA forgot our subscriptions (a new SM, a
    // reregistration request) or addresses us anew (a LID change): subscribe again.
    const bool subnet_wide = event.kind == mad::PortEventKind::sm_change ||
                             event.kind == mad::PortEventKind::client_reregister;
    resync(event.kind != mad::PortEventKind::client_reregister, subnet_wide);
}

// An SM failover or a reregistration request reaches every port of the subnet at the same
// moment: each port waits a random part of resync_spread before it subscribes and rescans, so
// that a fleet of hosts does not meet the new SA all in the same instant. The port's own
// events (ACTIVE, a new LID, GID or P_Key table) act at once. Events during a wait join it.
void Daemon::Port::resync(bool with_scan, bool spread_out) {
    resync_scan_ = resync_scan_ || with_scan;
    if (resync_timer_ != 0) {
        return;
    }
    const auto spread =
        spread_out ? std::chrono::duration_cast<runtime::Duration>(d_.options_.resync_spread)
                   : runtime::Duration::zero();
    std::uniform_int_distribution<runtime::Duration::rep> dist(
        0, std::max<runtime::Duration::rep>(spread.count(), 0));
    resync_timer_ = loop().after(runtime::Duration(dist(d_.rng_)), [this] {
        resync_timer_ = 0;
        const bool rescan = std::exchange(resync_scan_, false);
        if (!up_ || d_.stopping_) {
            return;
        }
        subscribe();
        if (rescan) {
            scan(full_scan());
        }
    });
}

void Daemon::Port::on_trap(const discovery::TrapEvent& event) {
    ++d_.counters_.reports;
    ++counters_.reports;
    log().info(label_, "", discovery::describe(event));
    // Only the port the Report names changed: look at it alone (one SA query and one
    // IOUnitInfo when its I/O unit did not change), unless there is no full report to merge
    // into yet. A port that went (trap 65, or 144 without IsDM) drops out of the report; the
    // kernel keeps its hosts and reconnects them if it comes back.
    ScanWish wish;
    wish.ports = discovery::ports_named_by(event);
    if (wish.ports.empty() || !report_) {
        wish = full_scan();
    }
    scan(std::move(wish));
}

void Daemon::Port::subscribe() {
    if (!traps_ || d_.stopping_) {
        return;
    }
    if (subscribe_timer_ != 0) {
        loop().cancel(subscribe_timer_);
        subscribe_timer_ = 0;
    }
    traps_->subscribe([this, token = std::weak_ptr<int>(alive_)](
                          const std::vector<discovery::SubscriptionResult>& results) {
        if (token.expired()) {
            return;
        }
        std::string failed;
        for (const auto& r : results) {
            if (!r.ok()) {
                failed += (failed.empty() ? "" : "; ") + r.message;
            }
        }
        if (failed.empty()) {
            ++d_.counters_.subscriptions;
            ++counters_.subscriptions;
            subscribed_at_ = loop().now();
            if (!subscribed_ || subscribe_failures_ > 0) {
                log().info(label_, "", "subscribed to traps 64, 65, 144 and 145");
            }
            subscribed_ = true;
            subscribe_failures_ = 0;
            return;
        }
        subscribed_ = false;
        if (subscribe_failures_++ == 0) {
            log().warn(label_, "", "trap subscription failed: " + failed);
        }
        if (up_ && !d_.stopping_) {
            subscribe_timer_ = loop().after(
                retry_delay(d_.options_.scan_retry, subscribe_failures_, d_.rng_), [this] {
                    subscribe_timer_ = 0;
                    subscribe();
                });
        }
    });
}

void Daemon::Port::scan(ScanWish wish) {
    pending_.wanted = pending_.wanted || wish.wanted;
    pending_.full_walk = pending_.full_walk || wish.full_walk;
    auto& lids = pending_.ports.lids;
    auto& gids = pending_.ports.gids;
    lids.insert(lids.end(), wish.ports.lids.begin(), wish.ports.lids.end());
    gids.insert(gids.end(), wish.ports.gids.begin(), wish.ports.gids.end());
    if (!scan_ && up_ && endpoint_ && !d_.stopping_) {
        start_scan();
    }
}

void Daemon::Port::start_scan() {
    const ScanWish wish = pending_;
    pending_ = ScanWish{};
    if (wish.full_walk) {
        cache_.iou.clear();  // keep the ports' identities (no SA query), walk every IOC again
    }
    auto done = [this, token = std::weak_ptr<int>(alive_)](Result<discovery::DiscoveryReport> r) {
        if (!token.expired()) {
            scan_done(std::move(r));
        }
    };
    discovery::DiscoveryOptions options = d_.options_.discovery;
    options.limits.sa_interval = d_.options_.sa_pace;
    options.limits.sa_burst = d_.options_.sa_burst;
    scan_started_ = loop().now();
    if (roce_) {
        ++d_.counters_.scans;
        ++counters_.scans;
        auto table = endpoint_->gid_table();
        auto ports = table
                         ? ops::resolve_addressed(d_.addresses(), *table, d_.options_.rdma_cm_port,
                                                  label_, host::neighbour_mac)
                         : Result<std::vector<discovery::AddressedPort>>(Unexpected(table.error()));
        if (!ports) {
            loop().post([done = std::move(done), error = ports.error()]() mutable {
                done(Unexpected(std::move(error)));
            });
            return;
        }
        scan_ = discovery::ScanOperation::start(*endpoint_, options, &cache_, std::move(*ports),
                                                std::move(done));
        return;
    }
    if (!wish.wanted && report_) {
        ++d_.counters_.targeted_scans;
        ++counters_.targeted_scans;
        scan_ = discovery::ScanOperation::start(*endpoint_, options, &cache_, wish.ports,
                                                std::move(done));
        return;
    }
    ++d_.counters_.scans;
    ++counters_.scans;
    scan_ = discovery::ScanOperation::start(*endpoint_, options, &cache_, std::move(done));
}

void Daemon::Port::scan_done(Result<discovery::DiscoveryReport> result) {
    const AtScopeEnd shown([this] { d_.changed(); });
    // The operation is still on the stack that called us: drop it from the loop.
    loop().post([op = std::shared_ptr<discovery::ScanOperation>(std::move(scan_))] {});
    ScanSummary summary;
    summary.at = loop().now();
    summary.elapsed = scan_started_ ? summary.at - *scan_started_ : runtime::Duration::zero();
    scan_started_.reset();
    if (!result) {
        ++d_.counters_.scan_failures;
        ++counters_.scan_failures;
        ++scan_failures_;
        summary.ok = false;
        summary.error = result.error().message;
        last_scan_ = summary;
        if (last_problem_ != result.error().message) {
            last_problem_ = result.error().message;
            log().warn(label_, "", "scan failed: " + last_problem_);
        }
        if (up_ && !d_.stopping_) {
            // The SA may be busy or between masters: try again, slower each time.
            const auto delay = retry_delay(d_.options_.scan_retry, scan_failures_, d_.rng_);
            loop().after(delay, [this, token = std::weak_ptr<int>(alive_)] {
                if (!token.expired()) {
                    scan(full_scan());
                }
            });
        }
        return;
    }
    ++scans_;
    scan_failures_ = 0;
    summary.targeted = result->targeted;
    summary.targets = result->targets.size();
    summary.dm_ports = result->stats.dm_ports;
    summary.sa_requests = result->stats.sa_requests;
    summary.dm_requests = result->stats.dm_requests;
    summary.timeouts = result->stats.timeouts;
    last_scan_ = summary;
    if (!last_problem_.empty()) {
        log().info(label_, "", "scanning works again");
        last_problem_.clear();
    }
    for (const auto& p : result->problems) {
        log().debug(label_, "", p);
    }
    log().debug(
        label_, "",
        fmt::format("{}: {} target(s) on {} DM port(s), {} SA and {} DM request(s)",
                    result->targeted ? "targeted scan" : "scan", result->targets.size(),
                    result->stats.dm_ports, result->stats.sa_requests, result->stats.dm_requests));
    if (result->targeted && report_) {
        report_ = discovery::merge_targeted(*report_, *result);
    } else {
        report_ = std::move(*result);
    }
    reconcile();
    if ((pending_.wanted || !pending_.ports.empty()) && up_ && !d_.stopping_) {
        start_scan();  // what came in while this scan ran: one scan for all of it
    }
}

void Daemon::Port::arm_rescan() {
    next_rescan_.reset();
    const auto interval = roce_ ? d_.options_.roce_rescan_interval : d_.options_.rescan_interval;
    if (interval.count() == 0 || d_.stopping_) {
        return;
    }
    next_rescan_ = loop().now() + jittered(interval, d_.rng_);
    rescan_timer_ = loop().at(*next_rescan_, [this] {
        rescan_timer_ = 0;
        ++periodic_;
        const unsigned every = std::max(1U, d_.options_.full_walk_every);
        scan(full_scan(periodic_ % every == 0));
        arm_rescan();
    });
}

void Daemon::Port::forget_refusals() {
    for (auto& [key, t] : targets_) {
        if (t.phase == TargetPhase::taken_down || t.phase == TargetPhase::invalid) {
            t.phase = TargetPhase::waiting;
        }
        t.failures = 0;
        t.next_try.reset();
        cancel_retry(t);
    }
}

void Daemon::Port::note_addresses(const Result<model::PortAttributes>& attrs) {
    if (attrs) {
        lid_ = attrs->lid;
        sm_lid_ = attrs->sm_lid;
    } else {
        lid_.reset();
        sm_lid_.reset();
    }
}

void Daemon::Port::cancel_retry(Target& t) {
    if (t.retry_timer != 0) {
        loop().cancel(t.retry_timer);
        t.retry_timer = 0;
    }
}

void Daemon::Port::set_phase(Target& t, TargetPhase phase, const std::string& why) {
    if (t.phase == phase && t.last_error == why) {
        return;
    }
    const AtScopeEnd shown([this] { d_.changed(); });
    const bool was_connected = t.phase == TargetPhase::connected;
    t.phase = phase;
    const std::string what = host::describe_login(t.plan.request);
    switch (phase) {
        case TargetPhase::connected:
            if (!was_connected) {
                log().info(label_, what, fmt::format("connected as {}", t.host));
            }
            break;
        case TargetPhase::backing_off:
            if (t.last_error != why) {
                log().warn(label_, what, why);
            }
            break;
        case TargetPhase::invalid:
            log().error(label_, what, why);
            break;
        case TargetPhase::taken_down:
            log().info(label_, what,
                       "disconnected by the admin: left alone until connected again or the "
                       "configuration is reloaded");
            break;
        case TargetPhase::denied:
        case TargetPhase::connecting:
        case TargetPhase::waiting:
            log().debug(label_, what, std::string(target_phase_name(phase)));
            break;
    }
    t.last_error = why;
}

void Daemon::Port::reconcile() {
    if (!report_ || !d_.settings_ || d_.stopping_) {
        return;
    }
    const auto scan = host::srp_hosts(d_.session_.sysfs());
    if (!scan) {
        log().error(label_, "", scan.error().message);
        return;
    }
    auto plan = host::plan_connections(report_->targets, name_.device, name_.port, *d_.settings_,
                                       scan->hosts);
    if (!plan) {
        if (last_problem_ != plan.error().message) {
            last_problem_ = plan.error().message;
            log().error(label_, "", plan.error().message);
        }
        return;
    }
    const bool srp_port =
        d_.session_.sysfs().exists(host::add_target_path(name_.device, name_.port));
    forget_vanished(*plan, scan->hosts);
    for (host::PlannedTarget& p : *plan) {
        const std::string key = target_key(p);
        Target& t = targets_[key];
        if (t.in_flight) {
            continue;
        }
        t.plan = std::move(p);
        switch (t.plan.action) {
            case host::PlanAction::already_connected:
                cancel_retry(t);
                t.host = t.plan.host;
                t.failures = 0;
                t.next_try.reset();
                set_phase(t, TargetPhase::connected, "");
                continue;
            case host::PlanAction::denied:
                set_phase(t, TargetPhase::denied, t.plan.rule);
                continue;
            case host::PlanAction::invalid:
                set_phase(t, TargetPhase::invalid, t.plan.problem);
                continue;
            case host::PlanAction::connect:
                break;
        }
        if (d_.excluded(name_, t.plan.target.id_ext, t.plan.target.ioc_guid)) {
            cancel_retry(t);
            set_phase(t, TargetPhase::taken_down, "");
            continue;
        }
        if (t.phase == TargetPhase::invalid && t.invalid_generation == d_.generation_) {
            continue;  // the kernel refused this line: not again until the settings change
        }
        if (t.phase == TargetPhase::backing_off && t.next_try && loop().now() < *t.next_try) {
            continue;  // its retry timer calls reconcile() again
        }
        if (!up_ || !srp_port) {
            set_phase(t, TargetPhase::waiting,
                      up_ ? "ib_srp has no SRP initiator port here (is ib_srp loaded?)"
                          : "the port is down");
            continue;
        }
        login(key);
    }
}

// A target the last scan no longer found: connected while its SCSI host is there (the kernel
// keeps it until dev_loss_tmo, and reconnects it if the target comes back), waiting otherwise.
void Daemon::Port::forget_vanished(const std::vector<host::PlannedTarget>& plan,
                                   const std::vector<host::SrpHost>& hosts) {
    for (auto& [key, t] : targets_) {
        if (t.in_flight || std::any_of(plan.begin(), plan.end(), [&key = key](const auto& p) {
                return target_key(p) == key;
            })) {
            continue;
        }
        cancel_retry(t);
        t.next_try.reset();
        const bool host_there =
            !t.host.empty() && std::any_of(hosts.begin(), hosts.end(),
                                           [&t = t](const auto& h) { return h.name == t.host; });
        if (t.phase == TargetPhase::connected && host_there) {
            continue;
        }
        t.host.clear();
        set_phase(t, TargetPhase::waiting, "not found by the last scan");
    }
}

void Daemon::Port::login(const std::string& key) {
    Target& t = targets_.at(key);
    cancel_retry(t);
    t.in_flight = true;
    ++d_.in_flight_;
    ++d_.counters_.logins;
    ++t.attempts;
    set_phase(t, TargetPhase::connecting, t.last_error);
    if (d_.options_.on_login) {
        d_.options_.on_login(t.plan.request.line);
    }
    ops::carry_out(
        d_.session_, {ops::planned_outcome(t.plan)},
        [this, d = &d_, key, port = std::weak_ptr<int>(alive_),
         daemon = std::weak_ptr<int>(d_.alive_)](const std::vector<ops::TargetOutcome>& outcomes) {
            if (daemon.expired()) {
                return;  // the daemon is gone; the session still ran the write
            }
            --d->in_flight_;
            if (!port.expired()) {
                login_done(key, outcomes.front());
            }
            if (d->stopping_) {
                d->stop_done();
            }
        });
}

void Daemon::Port::login_done(const std::string& key, const ops::TargetOutcome& outcome) {
    Target& t = targets_.at(key);
    t.in_flight = false;
    host::ConnectResult r;
    switch (outcome.state) {
        case ops::TargetState::connected:
            r.state = host::ConnectState::connected;
            break;
        case ops::TargetState::already_connected:
            r.state = host::ConnectState::already_connected;
            break;
        case ops::TargetState::timed_out:
            r.state = host::ConnectState::timed_out;
            break;
        case ops::TargetState::vanished:
            r.state = host::ConnectState::vanished;
            break;
        default:
            r.state = host::ConnectState::failed;
            break;
    }
    r.error = outcome.error;
    switch (verdict(r)) {
        case Verdict::connected:
            ++d_.counters_.logins_ok;
            t.host = outcome.host;
            t.failures = 0;
            t.next_try.reset();
            if (!outcome.timeouts_error.empty()) {
                log().warn(label_, host::describe_login(t.plan.request), outcome.timeouts_error);
            }
            set_phase(t, TargetPhase::connected, "");
            static_cast<void>(d_.session_.note_connected(t.plan.request));
            return;
        case Verdict::invalid:
            ++d_.counters_.logins_failed;
            ++t.failures_by_reason[std::string(login_failure_reason(r))];
            t.invalid_generation = d_.generation_;
            set_phase(t, TargetPhase::invalid,
                      reason_of(outcome.message, host::describe_login(t.plan.request)));
            return;
        case Verdict::retry:
            break;
    }
    ++d_.counters_.logins_failed;
    ++t.failures_by_reason[std::string(login_failure_reason(r))];
    ++t.failures;
    const auto delay = retry_delay(d_.options_.retry, t.failures, d_.rng_);
    t.next_try = loop().now() + delay;
    set_phase(t, TargetPhase::backing_off,
              reason_of(outcome.message, host::describe_login(t.plan.request)));
    t.retry_timer = loop().after(delay, [this, key] {
        auto it = targets_.find(key);
        if (it != targets_.end()) {
            it->second.retry_timer = 0;
        }
        reconcile();
    });
}

void Daemon::Port::stop(std::function<void()> done) {
    scan_.reset();
    pending_ = ScanWish{};
    for (auto* timer : {&rescan_timer_, &subscribe_timer_, &reopen_timer_, &resync_timer_}) {
        if (*timer != 0) {
            loop().cancel(*timer);
            *timer = 0;
        }
    }
    for (auto& [key, t] : targets_) {
        cancel_retry(t);
    }
    if (!traps_ || traps_->subscribed().empty()) {
        loop().post(std::move(done));
        return;
    }
    traps_->unsubscribe(
        [this, done = std::move(done)](const std::vector<discovery::SubscriptionResult>& results) {
            std::string failed;
            for (const auto& r : results) {
                if (!r.ok()) {
                    failed += (failed.empty() ? "" : "; ") + r.message;
                }
            }
            if (failed.empty()) {
                log().info(label_, "", "unsubscribed from traps 64, 65, 144 and 145");
            } else {
                log().warn(label_, "", "unsubscribing failed: " + failed);
            }
            done();
        });
}

PortStatus Daemon::Port::status() const {
    PortStatus s;
    s.port = name_;
    s.state = !endpoint_ ? "closed" : (up_ ? "up" : "down");
    if (endpoint_) {
        s.lid = lid_;
        s.sm_lid = sm_lid_;
    }
    s.scans = scans_;
    s.subscribed_at = subscribed_at_;
    s.scanning = scan_ != nullptr;
    s.last_scan = last_scan_;
    s.next_rescan = next_rescan_;
    s.counters = counters_;
    if (endpoint_) {
        add_mads(s.counters, endpoint_->stats());
    }
    s.targets = report_ ? report_->targets.size() : 0;
    s.connected = static_cast<std::size_t>(
        std::count_if(targets_.begin(), targets_.end(),
                      [](const auto& kv) { return kv.second.phase == TargetPhase::connected; }));
    s.subscribed = subscribed_;
    return s;
}

void Daemon::Port::append_targets(std::vector<TargetStatus>& out) const {
    for (const auto& [key, t] : targets_) {
        TargetStatus s;
        s.port = name_;
        s.target = host::describe_login(t.plan.request);
        s.found = t.plan.target;
        s.phase = t.phase;
        s.host = t.host;
        s.rule = t.phase == TargetPhase::denied ? t.plan.rule : std::string();
        s.failures = t.failures;
        s.attempts = t.attempts;
        s.failures_by_reason = t.failures_by_reason;
        s.last_error = t.last_error;
        s.next_try = t.next_try;
        out.push_back(std::move(s));
    }
}

// ---- the daemon --------------------------------------------------------------------------

Daemon::Daemon(ops::Session& session, Platform& platform, DaemonOptions options,
               model::ConfigSources sources, std::shared_ptr<Log> log)
    : session_(session),
      platform_(platform),
      options_(std::move(options)),
      sources_(std::move(sources)),
      log_(std::move(log)),
      rng_(static_cast<std::minstd_rand::result_type>(options_.seed == 0 ? 1 : options_.seed)) {}

Daemon::~Daemon() {
    observers_.clear();  // the ports closing below are no news to anyone
    ports_.clear();
    for (auto* timer : {&audit_timer_, &reconcile_timer_}) {
        if (*timer != 0) {
            session_.loop().cancel(*timer);
        }
    }
}

Result<void> Daemon::start() {
    auto settings = ops::connect_settings(options_.settings, session_.sysfs(), sources_);
    if (!settings) {
        return Unexpected(settings.error());
    }
    settings_ = std::move(*settings);
    started_at_ = session_.loop().now();
    if (auto watching = platform_.watch([this](const KernelEvent& e) { on_kernel_event(e); });
        !watching) {
        log_->warn("", "",
                   "kernel events unavailable (" + watching.error().message +
                       "); the periodic audit finds removed hosts and new ports");
    }
    sync_ports();
    if (ports_.empty()) {
        log_->warn("", "", "no InfiniBand port to serve yet; waiting for one to appear");
    }
    arm_audit();
    return {};
}

bool Daemon::wanted(const PortName& port) const {
    if (options_.ports.empty()) {
        return true;
    }
    return std::any_of(
        options_.ports.begin(), options_.ports.end(),
        [&port](const model::PortSelector& s) { return s.matches(port.device, port.port); });
}

std::vector<model::TargetAddress> Daemon::addresses() const {
    if (!options_.targets.empty() || !settings_) {
        return options_.targets;
    }
    return model::addresses_to_scan(settings_->rules.rules);
}

// Takes the ports there are and drops the ports that went away.
void Daemon::sync_ports() {
    if (stopping_) {
        return;
    }
    std::vector<PortName> present;
    std::vector<PortName> there = platform_.ports();
    if (!addresses().empty()) {
        const auto roce = platform_.roce_ports();
        there.insert(there.end(), roce.begin(), roce.end());
    }
    for (const PortName& p : there) {
        if (wanted(p)) {
            present.push_back(p);
        }
    }
    for (auto it = ports_.begin(); it != ports_.end();) {
        if (std::find(present.begin(), present.end(), it->first) == present.end()) {
            log_->info(it->first.str(), "", "the port went away");
            it = ports_.erase(it);
        } else {
            ++it;
        }
    }
    for (const PortName& p : present) {
        if (ports_.count(p) != 0) {
            ports_.at(p)->open();  // again, if opening failed before
            continue;
        }
        if (const auto pid = platform_.srp_daemon_on(p)) {
            log_->error(p.str(), "",
                        fmt::format("rdma-core's srp_daemon (pid {}) serves this port; srpadm "
                                    "leaves it alone (stop srp_daemon to let srpadm serve it)",
                                    *pid));
            continue;
        }
        auto port = std::make_unique<Port>(*this, p);
        Port& ref = *port;
        ports_.emplace(p, std::move(port));
        ref.open();
    }
}

void Daemon::on_kernel_event(const KernelEvent& event) {
    ++counters_.kernel_events;
    switch (event.kind) {
        case KernelEvent::Kind::port_added:
        case KernelEvent::Kind::port_removed:
            sync_ports();
            return;
        case KernelEvent::Kind::srp_port_added:
        case KernelEvent::Kind::srp_port_removed:
        case KernelEvent::Kind::host_added:
        case KernelEvent::Kind::host_removed:
            // Each reconcile reads every SRP host in sysfs; a burst of hosts coming or going
            // (the daemon's own logins, an HCA going away) is one reconcile, a second later.
            if (reconcile_timer_ == 0 && !stopping_) {
                reconcile_timer_ = session_.loop().after(kKernelEventCoalescing, [this] {
                    reconcile_timer_ = 0;
                    reconcile_all();
                });
            }
            return;
    }
}

void Daemon::reconcile_all() {
    ++counters_.reconciles;
    for (auto& [name, port] : ports_) {
        port->reconcile();
    }
}

void Daemon::arm_audit() {
    if (options_.audit_interval.count() == 0 || stopping_) {
        return;
    }
    audit_timer_ = session_.loop().after(options_.audit_interval, [this] {
        audit_timer_ = 0;
        sync_ports();
        reconcile_all();
        arm_audit();
    });
}

bool Daemon::excluded(const PortName& port, const std::string& id_ext, Guid ioc_guid) {
    if (session_.run_dir().empty()) {
        return false;
    }
    const ops::Exclusions file(session_.run_dir());
    std::error_code ec;
    const auto mtime = std::filesystem::last_write_time(file.file(), ec);
    const std::optional<std::filesystem::file_time_type> now =
        ec ? std::nullopt : std::optional(mtime);
    if (!now) {
        exclusions_.clear();  // no file: nothing excluded
    } else if (now != exclusions_mtime_) {
        exclusions_ = file.load();
    }
    exclusions_mtime_ = now;
    const auto id = host::id_ext_value(id_ext);
    return id && std::any_of(exclusions_.begin(), exclusions_.end(), [&](const ops::Exclusion& e) {
               return e.device == port.device && e.port == port.port && e.id_ext == *id &&
                      e.ioc_guid == ioc_guid;
           });
}

Result<void> Daemon::reload() {
    auto settings = ops::connect_settings(options_.settings, session_.sysfs(), sources_);
    if (!settings) {
        log_->error(
            "", "",
            "configuration not reloaded, the last good one stays: " + settings.error().message);
        return Unexpected(settings.error());
    }
    settings_ = std::move(*settings);
    ++generation_;
    // "Until the admin connects it again or the configuration is reloaded".
    if (!session_.run_dir().empty()) {
        static_cast<void>(ops::Exclusions(session_.run_dir()).clear());
    }
    exclusions_mtime_.reset();
    log_->info("", "", "configuration reloaded");
    for (auto& [name, port] : ports_) {
        port->forget_refusals();
    }
    sync_ports();
    for (auto& [name, port] : ports_) {
        if (port->roce()) {
            port->scan(full_scan());  // the addresses may be others now
        }
    }
    reconcile_all();
    changed();
    return {};
}

Result<std::vector<PortName>> Daemon::rescan(const std::optional<model::PortSelector>& only) {
    std::vector<PortName> chosen;
    for (auto& [name, port] : ports_) {
        if (!only || only->matches(name.device, name.port)) {
            chosen.push_back(name);
        }
    }
    if (chosen.empty()) {
        std::string served;
        for (const auto& [name, port] : ports_) {
            served += (served.empty() ? "" : ", ") + name.str();
        }
        return Unexpected(
            Error{Errc::not_found, fmt::format("no served port matches {} (served: {})",
                                               only ? only->str() : std::string("the request"),
                                               served.empty() ? std::string("none") : served)});
    }
    for (const PortName& name : chosen) {
        ports_.at(name)->scan(full_scan(true));
    }
    changed();
    return chosen;
}

void Daemon::stop(std::function<void()> done) {
    if (stopping_) {
        return;
    }
    stopping_ = true;
    stop_done_ = std::move(done);
    for (auto* timer : {&audit_timer_, &reconcile_timer_}) {
        if (*timer != 0) {
            session_.loop().cancel(*timer);
            *timer = 0;
        }
    }
    stop_pending_ = ports_.size() + 1;
    for (auto& [name, port] : ports_) {
        port->stop([this] {
            --stop_pending_;
            stop_done();
        });
    }
    --stop_pending_;
    stop_done();
}

void Daemon::stop_done() {
    if (!stopping_ || stop_pending_ > 0 || in_flight_ > 0 || !stop_done_) {
        return;
    }
    auto done = std::move(stop_done_);
    stop_done_ = nullptr;
    done();
}

std::vector<PortStatus> Daemon::ports() const {
    std::vector<PortStatus> out;
    for (const auto& [name, port] : ports_) {
        out.push_back(port->status());
    }
    return out;
}

std::vector<TargetStatus> Daemon::targets() const {
    std::vector<TargetStatus> out;
    for (const auto& [name, port] : ports_) {
        port->append_targets(out);
    }
    return out;
}

std::uint64_t Daemon::add_observer(std::function<void()> observer) {
    const std::uint64_t id = next_observer_++;
    observers_.emplace(id, std::move(observer));
    return id;
}

void Daemon::remove_observer(std::uint64_t id) {
    observers_.erase(id);
}

void Daemon::changed() {
    // An observer may remove itself (or another): walk a copy of the ids.
    std::vector<std::uint64_t> ids;
    ids.reserve(observers_.size());
    for (const auto& [id, f] : observers_) {
        ids.push_back(id);
    }
    for (const std::uint64_t id : ids) {
        auto it = observers_.find(id);
        if (it != observers_.end()) {
            it->second();
        }
    }
}

bool Daemon::settled() const {
    return std::all_of(ports_.begin(), ports_.end(),
                       [](const auto& kv) { return kv.second->settled(); });
}

}  // namespace srpadm::daemon
