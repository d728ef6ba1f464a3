// srpadm connect-all: discover, apply the rules, and log in to every allowed target that is
// not connected yet (or, with --dry-run, print what would be written).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <srpadm/host/connect_plan.hpp>
#include <srpadm/host/host_ports.hpp>
#include <srpadm/model/config.hpp>

#include "commands.hpp"
#include "discovery_source.hpp"
#include "host_options.hpp"
#include "host_render.hpp"

namespace srpadm::cli {
namespace {

struct ConnectAllArgs {
    DiscoverySourceArgs source;
    std::string config = std::string(model::kDefaultConfigPath);
    std::string rules;
    std::string default_deny;
    std::string initiator_ext;
    std::vector<std::string> login_values = std::vector<std::string>(
        model::tunable_login_keys().size());  // one per tunable key, "" = not given
    TimeoutArgs timeouts;
    std::string format = "text";
    bool dry_run = false;
    LoginTimingArgs timing;
    std::string sysfs_root = "/sys";
};

// The command line's settings, as a [defaults] section would give them.
Result<model::Defaults> command_line_defaults(const ConnectAllArgs& a, bool rules_given) {
    model::Defaults d;
    if (!a.initiator_ext.empty()) {
        auto ext = model::parse_initiator_ext(a.initiator_ext);
        if (!ext) {
            return fail(Errc::invalid_input, "option --initiator-ext: " + ext.error().message);
        }
        d.initiator_ext = *ext;
    }
    if (!a.default_deny.empty()) {
        d.default_deny = a.default_deny == "yes";
    }
    if (rules_given) {
        d.rules = a.rules;
    }
    const auto keys = model::tunable_login_keys();
    for (std::size_t i = 0; i < keys.size(); ++i) {
        if (a.login_values[i].empty()) {
            continue;
        }
        auto opt = login::make_option(keys[i], a.login_values[i]);
        if (!opt) {
            return fail(Errc::invalid_input,
                        fmt::format("option --{}: {}", model::option_spelling(keys[i]),
                                    opt.error().message));
        }
        d.options.push_back(*opt);
    }
    auto tmo = timeouts_from(a.timeouts);
    if (!tmo) {
        return Unexpected(tmo.error());
    }
    d.timeouts = *tmo;
    return d;
}

Result<host::ConnectSettings> settings(const ConnectAllArgs& a, bool config_given, bool rules_given,
                                       const host::Sysfs& sysfs) {
    auto cli = command_line_defaults(a, rules_given);
    if (!cli) {
        return Unexpected(cli.error());
    }
    model::Config config;
    if (a.config != "none") {
        auto loaded = model::load_config(a.config, config_given, file_sources());
        if (!loaded) {
            return Unexpected(loaded.error());
        }
        config = std::move(*loaded);
    }
    host::ConnectSettings s;
    s.defaults = config.defaults.overridden_by(*cli);
    s.rules.rules = std::move(config.rules);
    if (s.defaults.rules && !s.defaults.rules->empty()) {
        auto rules = model::load_srp_daemon_rules(*s.defaults.rules, file_sources());
        if (!rules) {
            return Unexpected(rules.error());
        }
        s.rules.rules.insert(s.rules.rules.end(), rules->begin(), rules->end());
    }
    if (auto ok = model::check_tmo_given(s.defaults.timeouts); !ok) {
        return fail(Errc::invalid_input, "timeouts: " + ok.error().message);
    }
    s.rules.otherwise = s.defaults.default_deny.value_or(false) ? model::RuleAction::deny
                                                                : model::RuleAction::allow;
    s.max_imm_data = host::ib_srp_max_imm_data(sysfs);
    s.new_port_timeouts = host::ib_srp_default_timeouts(sysfs);
    return s;
}

TargetOutcome planned_outcome(const host::PlannedTarget& p) {
    TargetOutcome o;
    o.plan = p;
    o.host = p.host;
    const std::string what = host::describe_login(p.request);
    switch (p.action) {
        case host::PlanAction::connect:
            o.state = "would-connect";
            o.message = what;
            break;
        case host::PlanAction::already_connected:
            o.state = "already-connected";
            o.message = fmt::format("{}: already connected as {}", what, p.host);
            break;
        case host::PlanAction::denied:
            o.state = "denied";
            o.message =
                fmt::format("{}: denied by {}", what, p.rule.empty() ? "default-deny" : p.rule);
            break;
        case host::PlanAction::invalid:
            o.state = "invalid";
            o.message = fmt::format("{}: not connected: {}", what, p.problem);
            break;
    }
    return o;
}

// Sets the planned timeouts on the outcome's host, if any.
void set_timeouts(host::HostActions& actions, const host::HostScan& scan, TargetOutcome& o) {
    if (o.plan.timeouts.empty() || o.host.empty()) {
        return;
    }
    if (const host::SrpHost* h = host::find_host(scan.hosts, o.host)) {
        auto writes = actions.set_timeouts(*h, o.plan.timeouts);
        if (writes) {
            o.timeouts_set = *writes;
        } else {
            o.timeouts_error = writes.error().message;
        }
        return;
    }
    o.timeouts_error = fmt::format("{}: gone before its timeouts could be set", o.host);
}

int run(const ConnectAllArgs& args, bool config_given, bool rules_given, const Context& ctx) {
    const host::Sysfs sysfs(args.sysfs_root);
    // Everything that can be wrong with the configuration is found before anything else.
    auto s = settings(args, config_given, rules_given, sysfs);
    if (!s) {
        return static_cast<int>(report(s.error()));
    }
    auto found = run_discovery(args.source, ctx.verbosity, args.sysfs_root);
    if (!found) {
        const auto status = report(found.error());
        const int signal = interrupting_signal();
        return signal != 0 ? 128 + signal : static_cast<int>(status);
    }
    const std::string device = found->port.ca_name;
    const unsigned port = found->port.port_num;
    const std::string add_target = host::add_target_path(device, port);
    if (!args.dry_run && !sysfs.exists(add_target)) {
        return static_cast<int>(report(Error{
            Errc::not_found, fmt::format("{}:{} has no SRP initiator port ({}); is ib_srp loaded?",
                                         device, port, sysfs.path(add_target).string())}));
    }
    auto scan = host::srp_hosts(sysfs);
    if (!scan) {
        return static_cast<int>(report(scan.error()));
    }
    auto plan = host::plan_connections(found->report.targets, device, port, *s, scan->hosts);
    if (!plan) {
        return static_cast<int>(report(plan.error()));
    }
    std::vector<TargetOutcome> outcomes;
    for (const host::PlannedTarget& p : *plan) {
        outcomes.push_back(planned_outcome(p));
    }
    if (!args.dry_run) {
        host::HostActions actions(sysfs, real_writer(sysfs), action_options(args.timing));
        std::vector<std::pair<std::size_t, host::PendingLogin>> pending;
        for (std::size_t i = 0; i < outcomes.size(); ++i) {
            if (outcomes[i].plan.action == host::PlanAction::connect) {
                pending.emplace_back(i, actions.submit(outcomes[i].plan.request));
            }
        }
        if (!pending.empty()) {
            actions.settle();
        }
        const auto after = host::srp_hosts(sysfs);
        const host::HostScan now = after ? *after : host::HostScan{};
        for (const auto& [i, login] : pending) {
            const host::ConnectResult r = actions.confirm(login, now);
            outcomes[i].state = std::string(host::connect_state_name(r.state));
            outcomes[i].host = r.host;
            outcomes[i].message = r.message;
        }
        for (TargetOutcome& o : outcomes) {
            if (o.state == "connected" || o.state == "already-connected") {
                set_timeouts(actions, now, o);
            }
        }
    }
    std::vector<std::string> problems = found->report.problems;
    const std::string file = sysfs.path(add_target).string();
    if (args.format == "json") {
        fmt::print(
            "{}\n",
            render_connect_all_json(outcomes, args.dry_run, device, port, file, problems).dump(2));
    } else {
        fmt::print("{}", render_connect_all_text(outcomes, args.dry_run, file, ctx.verbosity > 0));
    }
    std::fflush(stdout);
    std::size_t failures = 0;
    std::size_t successes = 0;
    for (const TargetOutcome& o : outcomes) {
        if (!o.failed() && (o.state == "connected" || o.state == "already-connected")) {
            ++successes;
        }
        if (o.failed()) {
            ++failures;
            print_error_lines(o.timeouts_error.empty() ? o.message : o.timeouts_error);
        }
        if (o.state == "invalid") {
            problems.push_back(o.message);
        }
    }
    print_warnings(problems);
    if (failures > 0) {
        return static_cast<int>(successes == 0 && problems.empty() ? ExitStatus::connect
                                                                   : ExitStatus::partial);
    }
    return static_cast<int>(problems.empty() ? ExitStatus::ok : ExitStatus::partial);
}

}  // namespace

void register_connect_all(CLI::App& app, Context& ctx) {
    auto args = std::make_shared<ConnectAllArgs>();
    auto* cmd = app.add_subcommand(
        "connect-all",
        "Discover the SRP targets, apply the rules of the configuration (and of srp_daemon's "
        "rules file), and log in to every allowed target that is not connected yet; "
        "--dry-run prints the add_target lines instead.");
    add_discovery_source_options(cmd, args->source);
    auto* config = cmd->add_option("--config", args->config,
                                   "Configuration file, with drop-ins in FILE.d/*.conf "
                                   "(srpadm.conf(5)); none for no file")
                       ->capture_default_str();
    auto* rules = cmd->add_option("--rules", args->rules,
                                  "srp_daemon's rules file, tried after the configuration's "
                                  "[target] rules (it must exist)");
    cmd->add_option("--default-deny", args->default_deny,
                    "yes: connect only targets an allow rule matches; no: also targets no rule "
                    "matches (srp_daemon's way)")
        ->check(CLI::IsMember({"yes", "no"}));
    cmd->add_option("--initiator-ext", args->initiator_ext,
                    "initiator_ext of the logins: none (the kernel uses 0), port-guid (srp_daemon "
                    "-n: the target port GUID) or a 64-bit hex value");
    const auto keys = model::tunable_login_keys();
    for (std::size_t i = 0; i < keys.size(); ++i) {
        cmd->add_option("--" + model::option_spelling(keys[i]), args->login_values[i],
                        fmt::format("Login option {} for every target (checked against the "
                                    "kernel's range)",
                                    login::key_name(keys[i])));
    }
    add_timeout_options(cmd, args->timeouts);
    cmd->add_flag("--dry-run", args->dry_run,
                  "Print the add_target lines (and the file) instead of writing them");
    cmd->add_option("-f,--format", args->format, "Output: text or json")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    add_login_timing_options(cmd, args->timing);
    add_sysfs_root_option(cmd, args->sysfs_root);
    cmd->callback([args, config, rules, &ctx] {
        ctx.status =
            static_cast<ExitStatus>(run(*args, config->count() > 0, rules->count() > 0, ctx));
    });
}

}  // namespace srpadm::cli
