#include <memory>

#include <fmt/format.h>

#include <srpadm/host/host_ports.hpp>
#include <srpadm/ops/connect_all.hpp>

namespace srpadm::ops {
namespace {

TargetState state_of(host::ConnectState state) {
    switch (state) {
        case host::ConnectState::connected:
            return TargetState::connected;
        case host::ConnectState::already_connected:
            return TargetState::already_connected;
        case host::ConnectState::failed:
            return TargetState::failed;
        case host::ConnectState::timed_out:
            return TargetState::timed_out;
        case host::ConnectState::vanished:
            return TargetState::vanished;
    }
    return TargetState::failed;
}

// Counts down the operations still running and calls `done` after the last.
struct Countdown {
    std::size_t left = 0;
    std::vector<TargetOutcome> outcomes;
    std::function<void(std::vector<TargetOutcome>)> done;

    void finish_one() {
        if (--left == 0) {
            done(std::move(outcomes));
        }
    }
};

// Sets the planned timeouts of every login that is there. Reads only the hosts of the targets
// that have timeouts to set (the daemon carries out one login at a time on a host that may
// have a thousand).
void set_timeouts(Session& session, std::vector<TargetOutcome> outcomes,
                  std::function<void(std::vector<TargetOutcome>)> done) {
    auto count = std::make_shared<Countdown>(Countdown{1, std::move(outcomes), std::move(done)});
    const auto wanted = [](const TargetOutcome& o) {
        return o.logged_in() && !o.plan.timeouts.empty() && !o.host.empty();
    };
    // One read of sysfs for the hosts of every target whose timeouts are set (all hosts when
    // an id_ext is not a number the kernel could compare).
    std::vector<host::TargetFilter> filters;
    bool all = false;
    for (const TargetOutcome& o : count->outcomes) {
        if (wanted(o)) {
            const auto f = host::target_filter(o.plan.request.spec);
            all = all || !f;
            if (f) {
                filters.push_back(*f);
            }
        }
    }
    if (filters.empty() && !all) {
        count->finish_one();
        return;
    }
    const auto scan =
        host::srp_hosts(session.sysfs(), all ? std::vector<host::TargetFilter>{} : filters);
    const host::HostScan now = scan ? *scan : host::HostScan{};
    for (std::size_t i = 0; i < count->outcomes.size(); ++i) {
        TargetOutcome& o = count->outcomes[i];
        if (!wanted(o)) {
            continue;
        }
        const host::SrpHost* h = host::find_host(now.hosts, o.host);
        if (h == nullptr) {
            o.timeouts_error = fmt::format("{}: gone before its timeouts could be set", o.host);
            continue;
        }
        ++count->left;
        session.actions().set_timeouts(*h, o.plan.timeouts,
                                       [count, i](Result<std::vector<model::TmoWrite>> writes) {
                                           TargetOutcome& out = count->outcomes[i];
                                           if (writes) {
                                               out.timeouts_set = std::move(*writes);
                                           } else {
                                               out.timeouts_error = writes.error().message;
                                           }
                                           count->finish_one();
                                       });
    }
    count->finish_one();
}

}  // namespace

std::string_view target_state_name(TargetState state) {
    switch (state) {
        case TargetState::would_connect:
            return "would-connect";
        case TargetState::connected:
            return "connected";
        case TargetState::already_connected:
            return "already-connected";
        case TargetState::denied:
            return "denied";
        case TargetState::invalid:
            return "invalid";
        case TargetState::failed:
            return "failed";
        case TargetState::timed_out:
            return "timed-out";
        case TargetState::vanished:
            return "vanished";
    }
    return "?";
}

bool TargetOutcome::failed() const {
    return state == TargetState::failed || state == TargetState::timed_out ||
           state == TargetState::vanished || !timeouts_error.empty();
}

TargetOutcome planned_outcome(const host::PlannedTarget& p) {
    TargetOutcome o;
    o.plan = p;
    o.host = p.host;
    const std::string what = host::describe_login(p.request);
    switch (p.action) {
        case host::PlanAction::connect:
            o.state = TargetState::would_connect;
            o.message = what;
            break;
        case host::PlanAction::already_connected:
            o.state = TargetState::already_connected;
            o.message = fmt::format("{}: already connected as {}", what, p.host);
            break;
        case host::PlanAction::denied:
            o.state = TargetState::denied;
            o.message =
                fmt::format("{}: denied by {}", what, p.rule.empty() ? "default-deny" : p.rule);
            break;
        case host::PlanAction::invalid:
            o.state = TargetState::invalid;
            o.message = fmt::format("{}: not connected: {}", what, p.problem);
            break;
    }
    return o;
}

void carry_out(Session& session, std::vector<TargetOutcome> outcomes,
               std::function<void(std::vector<TargetOutcome>)> done) {
    auto count = std::make_shared<Countdown>(Countdown{
        1, std::move(outcomes), [&session, done = std::move(done)](std::vector<TargetOutcome> o) {
            set_timeouts(session, std::move(o), done);
        }});
    for (std::size_t i = 0; i < count->outcomes.size(); ++i) {
        if (count->outcomes[i].plan.action != host::PlanAction::connect) {
            continue;
        }
        ++count->left;
        session.actions().connect(count->outcomes[i].plan.request,
                                  [count, i](const host::ConnectResult& r) {
                                      TargetOutcome& o = count->outcomes[i];
                                      o.state = state_of(r.state);
                                      o.host = r.host;
                                      o.message = r.message;
                                      o.error = r.error;
                                      count->finish_one();
                                  });
    }
    count->finish_one();
}

Result<ConnectAllResult> connect_all(Session& session, const ConnectAllRequest& request,
                                     const model::ConfigSources& sources) {
    if (auto ok = session.check_writes(request.dry_run); !ok) {
        return Unexpected(ok.error());
    }
    // Everything that can be wrong with the configuration is found before anything else.
    auto settings = connect_settings(request.settings, session.sysfs(), sources);
    if (!settings) {
        return Unexpected(settings.error());
    }
    ScanRequest scan_request = request.scan;
    scan_request.configured_addresses = model::addresses_to_scan(settings->rules.rules);
    auto found = scan_once(session, scan_request);
    if (!found) {
        return Unexpected(found.error());
    }
    ConnectAllResult result;
    result.device = found->port.ca_name;
    result.port = found->port.port_num;
    const std::string add_target = host::add_target_path(result.device, result.port);
    result.add_target_file = session.sysfs().path(add_target).string();
    result.problems = found->report.problems;
    if (!request.dry_run && !session.sysfs().exists(add_target)) {
        return fail(Errc::not_found,
                    fmt::format("{}:{} has no SRP initiator port ({}); is ib_srp loaded?",
                                result.device, result.port, result.add_target_file));
    }
    auto scan = host::srp_hosts(session.sysfs());
    if (!scan) {
        return Unexpected(scan.error());
    }
    auto plan = host::plan_connections(found->report.targets, result.device, result.port, *settings,
                                       scan->hosts);
    if (!plan) {
        return Unexpected(plan.error());
    }
    for (const host::PlannedTarget& p : *plan) {
        result.outcomes.push_back(planned_outcome(p));
    }
    if (request.dry_run) {
        return result;
    }
    bool finished = false;
    carry_out(session, std::move(result.outcomes), [&](std::vector<TargetOutcome> outcomes) {
        result.outcomes = std::move(outcomes);
        finished = true;
    });
    session.loop().run_until([&finished] { return finished; });
    if (!finished) {
        return fail(Errc::internal, "the logins stopped before they completed");
    }
    for (const TargetOutcome& o : result.outcomes) {
        if (o.state == TargetState::connected) {
            static_cast<void>(session.note_connected(o.plan.request));  // best effort
        }
    }
    return result;
}

ExitStatus connect_all_status(const ConnectAllResult& result) {
    std::size_t failures = 0;
    std::size_t successes = 0;
    std::size_t problems = result.problems.size();
    for (const TargetOutcome& o : result.outcomes) {
        if (!o.failed() && o.logged_in()) {
            ++successes;
        }
        if (o.failed()) {
            ++failures;
        }
        if (o.state == TargetState::invalid) {
            ++problems;
        }
    }
    if (failures > 0) {
        return successes == 0 && problems == 0 ? ExitStatus::connect : ExitStatus::partial;
    }
    return problems == 0 ? ExitStatus::ok : ExitStatus::partial;
}

}  // namespace srpadm::ops
