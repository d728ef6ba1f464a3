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
    SettingsArgs settings;
    std::string format = "text";
    bool dry_run = false;
    LoginTimingArgs timing;
    std::string sysfs_root = "/sys";
};

int run(const ConnectAllArgs& args, const Context& ctx) {
    auto settings = settings_request(args.settings);
    if (!settings) {
        return static_cast<int>(report(settings.error()));
    }
    auto scan = scan_request(args.source, ctx.verbosity);
    if (!scan) {
        return static_cast<int>(report(scan.error()));
    }
    ops::ConnectAllRequest request;
    request.settings = std::move(*settings);
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
            print_error_lines(o.failure());
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
    add_target_address_options(cmd, args->source);
    add_settings_options(cmd, args->settings);
    cmd->add_flag("--dry-run", args->dry_run,
                  "Print the add_target lines (and the file) instead of writing them");
    cmd->add_option("-f,--format", args->format, "Output: text or json")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    add_login_timing_options(cmd, args->timing);
    add_sysfs_root_option(cmd, args->sysfs_root);
    cmd->callback([args, &ctx] { ctx.status = static_cast<ExitStatus>(run(*args, ctx)); });
}

}  // namespace srpadm::cli
