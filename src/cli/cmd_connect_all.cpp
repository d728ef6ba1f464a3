// srpadm connect-all: discover, apply the rules, and log in to every allowed target that is
// not connected yet (or, with --dry-run, print what would be written).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <srpadm/model/config.hpp>
#include <srpadm/ops/connect_all.hpp>
#include <srpadm/ops/settings.hpp>

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

int run(const ConnectAllArgs& args, bool config_given, bool rules_given, const Context& ctx) {
    auto overrides = command_line_defaults(args, rules_given);
    if (!overrides) {
        return static_cast<int>(report(overrides.error()));
    }
    auto scan = scan_request(args.source, ctx.verbosity);
    if (!scan) {
        return static_cast<int>(report(scan.error()));
    }
    ops::ConnectAllRequest request;
    request.settings.config = args.config;
    request.settings.config_named = config_given;
    request.settings.overrides = std::move(*overrides);
    request.scan = std::move(*scan);
    request.dry_run = args.dry_run;
    ops::HostOptions host = host_options(ctx, args.sysfs_root);
    host.actions = action_options(args.timing);
    auto opened = CommandSession::discovering(ctx.ports, args.source, host);
    if (!opened) {
        return static_cast<int>(report(opened.error()));
    }
    auto result = ops::connect_all((*opened)->session(), request, ops::file_sources());
    if (!result) {
        report(result.error());
        return (*opened)->failure_status(result.error());
    }
    if (args.format == "json") {
        fmt::print("{}\n", render_connect_all_json(*result, args.dry_run).dump(2));
    } else {
        fmt::print("{}", render_connect_all_text(*result, args.dry_run, ctx.verbosity > 0));
    }
    std::fflush(stdout);
    std::vector<std::string> problems = result->problems;
    for (const ops::TargetOutcome& o : result->outcomes) {
        if (o.failed()) {
            print_error_lines(o.timeouts_error.empty() ? o.message : o.timeouts_error);
        }
        if (o.state == ops::TargetState::invalid) {
            problems.push_back(o.message);
        }
    }
    print_warnings(problems);
    return static_cast<int>(ops::connect_all_status(*result));
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
