// srpadm daemon: keep every target the configuration allows connected (daemon/daemon.hpp).
#include <csignal>
#include <grp.h>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <srpadm/daemon/control_server.hpp>
#include <srpadm/daemon/daemon.hpp>
#include <srpadm/daemon/metrics.hpp>
#include <srpadm/daemon/service.hpp>
#include <srpadm/runtime/signals.hpp>

#include "commands.hpp"
#include "host_options.hpp"

namespace srpadm::cli {
namespace {

struct DaemonArgs {
    DiscoverySourceArgs source;
    std::vector<std::string> ports;
    SettingsArgs settings;
    LoginTimingArgs timing;
    unsigned rescan_interval = 3600;
    unsigned roce_rescan_interval = 60;
    unsigned full_walk_every = 6;
    unsigned audit_interval = 300;
    unsigned retry_first = 2;
    unsigned retry_max = 60;
    std::string log_level = "info";
    std::string sysfs_root = "/sys";
    std::string run_dir;
    std::string control_group;
    std::string metrics_file;
};

spdlog::level::level_enum log_level(const std::string& name) {
    if (name == "debug") {
        return spdlog::level::debug;
    }
    if (name == "warning") {
        return spdlog::level::warn;
    }
    if (name == "error") {
        return spdlog::level::err;
    }
    return spdlog::level::info;
}

int run(const DaemonArgs& args, const Context& ctx) {
    auto settings = settings_request(args.settings);
    if (!settings) {
        return static_cast<int>(report(settings.error()));
    }
    auto scan = scan_request(args.source, 0);
    if (!scan) {
        return static_cast<int>(report(scan.error()));
    }
    daemon::DaemonOptions options;
    for (const std::string& text : args.ports) {
        auto selector = port_option(text);
        if (!selector) {
            return static_cast<int>(report(selector.error()));
        }
        options.ports.push_back(**selector);
    }
    options.settings = std::move(*settings);
    options.discovery = scan->options;
    options.rescan_interval = std::chrono::seconds(args.rescan_interval);
    options.full_walk_every = args.full_walk_every;
    options.audit_interval = std::chrono::seconds(args.audit_interval);
    options.retry.first = std::chrono::seconds(args.retry_first);
    options.retry.max = std::chrono::seconds(std::max(args.retry_first, args.retry_max));
    options.seed = static_cast<std::uint64_t>(::getpid());
    options.targets = scan->addresses;
    options.rdma_cm_port = scan->rdma_cm_port;
    options.roce_rescan_interval = std::chrono::seconds(args.roce_rescan_interval);
    std::optional<gid_t> control_gid;
    if (!args.control_group.empty()) {
        const group* g = ::getgrnam(args.control_group.c_str());
        if (g == nullptr) {
            return static_cast<int>(
                report(Error{Errc::usage, fmt::format("option --control-group: no group '{}'",
                                                      args.control_group)}));
        }
        control_gid = g->gr_gid;
    }

    DaemonRun launch;
    launch.source = args.source;
    launch.options = std::move(options);
    launch.timing = args.timing;
    launch.log_level = log_level(args.log_level);
    launch.sysfs_root = args.sysfs_root;
    launch.run_dir = args.run_dir;
    launch.control_gid = control_gid;
    launch.metrics_file = args.metrics_file;
    return run_daemon(std::move(launch), ctx);
}

}  // namespace

int run_daemon(DaemonRun args, const Context& ctx) {
    daemon::DaemonOptions options = std::move(args.options);
    const std::optional<gid_t> control_gid = args.control_gid;
    ops::HostOptions host = host_options(ctx, args.sysfs_root);
    host.actions = action_options(args.timing);
    if (!args.run_dir.empty()) {
        host.run_dir = args.run_dir;
    }
    if (ctx.daemon_writer) {
        host.writer = ctx.daemon_writer;
    }
    auto command = CommandSession::discovering(ctx.ports, args.source, host, PortUse::daemon);
    if (!command) {
        return static_cast<int>(report(command.error()));
    }
    ops::Session& session = (*command)->session();
    auto platform = ctx.daemon_platform(session, args.sysfs_root);
    if (!platform) {
        return static_cast<int>(report(platform.error()));
    }
    auto log = daemon::Log::for_process(args.log_level);
    daemon::Daemon d(session, **platform, std::move(options), ops::file_sources(), log);
    if (auto started = d.start(); !started) {
        log->error("", "", started.error().message);
        return static_cast<int>(exit_status(started.error().code));
    }
    // systemd's Type=notify: READY=1, STATUS=, RELOADING=1, STOPPING=1, WATCHDOG=1.
    const auto notifier = daemon::systemd_notifier();
    daemon::ServiceReporter service(session.loop(), d, *notifier);
    service.start();
    // srpadm status, rescan and reload talk to the daemon here.
    std::optional<daemon::ControlServer> control;
    if (!session.run_dir().empty()) {
        control.emplace(session.loop(), ops::control::socket_path(session.run_dir()),
                        daemon::default_authorizer(control_gid),
                        daemon::daemon_handler(d, [&service](bool before) {
                            if (before) {
                                service.reloading();
                            } else {
                                service.reloaded();
                            }
                        }));
        if (auto listening = control->start(); !listening) {
            if (listening.error().code == Errc::exists && args.control_socket_required) {
                log->error("", "", listening.error().message);
                return static_cast<int>(ExitStatus::daemon);
            }
            log->warn("", "",
                      "no control socket (srpadm status shows sysfs alone): " +
                          listening.error().message);
            control.reset();
        }
    }
    std::optional<daemon::MetricsWriter> metrics;
    if (!args.metrics_file.empty()) {
        metrics.emplace(session.loop(), d, args.metrics_file, log);
        metrics->start();
    }
    // The daemon's own signals; SIGINT and SIGTERM replace the one-shot commands' handling.
    bool stopped = false;
    runtime::SignalWatch signals(
        session.loop(), {SIGHUP, SIGUSR1, SIGINT, SIGTERM}, [&](int signal) {
            switch (signal) {
                case SIGHUP:
                    service.reloading();
                    static_cast<void>(d.reload());  // an error is logged with file:line
                    service.reloaded();
                    break;
                case SIGUSR1:
                    static_cast<void>(d.rescan());
                    break;
                default:
                    log->info(
                        "", "",
                        fmt::format("stopping on {}", signal == SIGINT ? "SIGINT" : "SIGTERM"));
                    service.stopping();
                    d.stop([&] {
                        stopped = true;
                        session.loop().stop();
                    });
                    break;
            }
        });
    session.loop().run();
    if (!stopped) {
        log->error("", "", "the event loop ended although nothing asked it to stop");
        return static_cast<int>(ExitStatus::failure);
    }
    log->info("", "", "stopped");
    return static_cast<int>(ExitStatus::ok);
}

void register_daemon(CLI::App& app, Context& ctx) {
    auto args = std::make_shared<DaemonArgs>();
    auto* cmd = app.add_subcommand(
        "daemon",
        "Keep every SRP target the configuration allows connected: discover on every "
        "InfiniBand port (or --port), and on RoCE ports at the targets named by address "
        "(--target, or the configuration's address keys), log in to what is not connected, and "
        "follow traps, port events, hot-plug and the kernel's removals. SIGHUP reloads, SIGUSR1 "
        "rescans, SIGTERM stops.");
    add_discovery_source_options(cmd, args->source);
    add_target_address_options(cmd, args->source);
    // --port is repeatable here: the daemon serves several ports.
    cmd->remove_option(cmd->get_option("--port"));
    cmd->remove_option(cmd->get_option("--umad-device"));
    cmd->remove_option(cmd->get_option("--wait-active"));
    cmd->add_option("--port", args->ports,
                    "A local port to serve, DEV or DEV:PORT (repeatable; default: every "
                    "InfiniBand port, also those that appear later)");
    add_settings_options(cmd, args->settings);
    add_login_timing_options(cmd, args->timing);
    cmd->add_option("--rescan-interval", args->rescan_interval,
                    "Seconds between periodic rescans of a port (plus or minus 10 %; 0: none); "
                    "traps carry the changes in between")
        ->check(CLI::Range(0U, 604800U))
        ->capture_default_str();
    cmd->add_option("--roce-rescan-interval", args->roce_rescan_interval,
                    "Seconds between rescans of the targets named by address on a RoCE port "
                    "(plus or minus 10 %; 0: none): RoCE has no traps")
        ->check(CLI::Range(0U, 604800U))
        ->capture_default_str();
    cmd->add_option("--full-walk-every", args->full_walk_every,
                    "Every Nth periodic rescan walks every I/O controller again (LIO's ib_srpt "
                    "never changes its ChangeID)")
        ->check(CLI::Range(1U, 1000U))
        ->capture_default_str();
    cmd->add_option("--audit-interval", args->audit_interval,
                    "Seconds between reads of sysfs behind the kernel's events (0: none)")
        ->check(CLI::Range(0U, 86400U))
        ->capture_default_str();
    cmd->add_option("--retry-first", args->retry_first,
                    "Seconds before the first retry of a failed login (doubling after)")
        ->check(CLI::Range(1U, 3600U))
        ->capture_default_str();
    cmd->add_option("--retry-max", args->retry_max,
                    "The longest wait between two attempts of a failed login, in seconds")
        ->check(CLI::Range(1U, 86400U))
        ->capture_default_str();
    cmd->add_option("--log-level", args->log_level, "debug, info, warning or error")
        ->check(CLI::IsMember({"debug", "info", "warning", "error"}))
        ->capture_default_str();
    add_sysfs_root_option(cmd, args->sysfs_root);
    cmd->add_option("--run-dir", args->run_dir,
                    "srpadm's run directory: login locks and the logins the admin disconnected "
                    "(default /run/srpadm, or SYSFS-ROOT/.srpadm with --sysfs-root)");
    cmd->add_option("--control-group", args->control_group,
                    "A group whose members may ask for rescans and reloads through the control "
                    "socket (srpadm rescan, srpadm reload), besides root; status is open to all");
    cmd->add_option("--metrics-file", args->metrics_file,
                    "Write Prometheus text exposition here for node_exporter's textfile "
                    "collector (replaced whole, at most once a second; srpadm(8), METRICS)");
    cmd->callback([args, &ctx] { ctx.status = static_cast<ExitStatus>(run(*args, ctx)); });
}

}  // namespace srpadm::cli
