#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <syslog.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>

#include <srpadm/compat/personality.hpp>
#include <srpadm/host/local_port.hpp>
#include <srpadm/host/sysfs.hpp>
#include <srpadm/model/target.hpp>
#include <srpadm/ops/connect_all.hpp>
#include <srpadm/ops/settings.hpp>

#include "commands.hpp"
#include "discovery_source.hpp"
#include "host_options.hpp"
#include "render.hpp"

namespace srpadm::compat {
namespace {

// Where srp_daemon's diagnostics go: standard error always (srp_daemon sent them to syslog
// alone, so an interactive run showed none), and syslog as srp_daemon logged them (facility
// daemon, its name, with the PID), for the scripts and units that read them there. ibsrpdm
// wrote to standard error only, and still does.
class Diagnostics {
  public:
    explicit Diagnostics(Personality p) {
        if (p == Personality::srp_daemon) {
            syslog_ = std::make_shared<spdlog::logger>(
                "srp_daemon", std::make_shared<spdlog::sinks::syslog_sink_st>("srp_daemon", LOG_PID,
                                                                              LOG_DAEMON, false));
            syslog_->set_pattern("%v");
        }
    }
    void error(const std::string& message) const {
        cli::print_error_lines(message);
        if (syslog_) {
            syslog_->error(message);
        }
    }
    void warnings(const std::vector<std::string>& problems) const {
        cli::print_warnings(problems);
        if (syslog_) {
            for (const auto& p : problems) {
                syslog_->warn(p);
            }
        }
    }
    int report(const Error& e) const {
        error(e.message);
        return static_cast<int>(exit_status(e.code));
    }

  private:
    std::shared_ptr<spdlog::logger> syslog_;
};

struct Run {
    const Options& options;
    const Invocation& invocation;
    cli::Context& ctx;
    const Diagnostics& diag;
    std::string sysfs_root;

    bool srp_daemon() const { return options.personality == Personality::srp_daemon; }

    cli::DiscoverySourceArgs source() const {
        cli::DiscoverySourceArgs s;
        s.fabric = invocation.fabric;
        s.port = options.port_selector();
        if (s.port.empty()) {
            s.umad_device = options.umad_device;  // srp_daemon: -d counts only without -i/-j
        }
        s.timeout_ms = options.timeout_ms;
        s.retries = options.retries;
        return s;
    }

    // srp_daemon's rules file: a missing default file allows every target, as srp_daemon
    // did; a file named with -f must exist (srp_daemon took a typo for "allow everything").
    Result<std::string> rules_file() const {
        if (options.rules_file.empty() || options.rules_named) {
            return options.rules_file;
        }
        auto text = ops::file_sources().read(options.rules_file);
        if (!text) {
            return Unexpected(text.error());
        }
        return text->has_value() ? options.rules_file : std::string();
    }

    Result<ops::SettingsRequest> settings() const {
        auto rules = rules_file();
        if (!rules) {
            return Unexpected(rules.error());
        }
        ops::SettingsRequest s;
        s.config = "none";  // srp_daemon reads its rules file and nothing else
        s.overrides.rules = *rules;
        s.overrides.default_deny = false;
        s.overrides.initiator_ext =
            model::InitiatorExt{options.initiator_ext ? model::InitiatorExtPolicy::target_port_guid
                                                      : model::InitiatorExtPolicy::none};
        // srp_daemon.c add_non_exist_target(): -l's tl_retry_count only in what -e writes.
        if (options.execute && options.tl_retry_count) {
            s.overrides.options.push_back(
                {login::Key::tl_retry_count, std::to_string(*options.tl_retry_count)});
        }
        return s;
    }

    std::string report_header(const model::PortAttributes& port) const {
        if (!srp_daemon() || options.verbose == 0) {
            return {};
        }
        return configuration_report(options, static_cast<unsigned>(::getpid()), port.ca_name,
                                    port.port_num);
    }

    ops::HostOptions host() const { return cli::host_options(ctx, sysfs_root); }

    // The listing (no -c, no -e): every SRP service found, rules and logins aside.
    int listing() const {
        const auto src = source();
        auto request = cli::scan_request(src, static_cast<int>(options.debug));
        if (!request) {
            return diag.report(request.error());
        }
        auto opened = cli::CommandSession::discovering(ctx.ports, src, host());
        if (!opened) {
            return diag.report(opened.error());
        }
        auto scan = ops::scan_once((*opened)->session(), *request);
        if (!scan) {
            diag.error(scan.error().message);
            return (*opened)->failure_status(scan.error());
        }
        std::string out = report_header(scan->port);
        if (srp_daemon() && options.verbose > 0 && scan->report.ports.empty()) {
            out += "Query did not find any targets\n";
        }
        // ibsrpdm's -v is srp_daemon's -V: it never shows the controller slots.
        out += cli::render_listing(scan->report, srp_daemon() && options.verbose > 0);
        fmt::print("{}", out);
        std::fflush(stdout);
        diag.warnings(scan->report.problems);
        return 0;
    }

    // -c and -e: the add_target lines of the allowed targets not connected yet (all of them
    // with -a), written with -e.
    int commands() const {
        auto settings_req = settings();
        if (!settings_req) {
            return diag.report(settings_req.error());
        }
        const auto src = source();
        auto scan = cli::scan_request(src, static_cast<int>(options.debug));
        if (!scan) {
            return diag.report(scan.error());
        }
        ops::ConnectAllRequest request;
        request.settings = std::move(*settings_req);
        request.scan = std::move(*scan);
        request.dry_run = !options.execute;
        auto opened = cli::CommandSession::discovering(ctx.ports, src, host());
        if (!opened) {
            return diag.report(opened.error());
        }
        auto result = ops::connect_all((*opened)->session(), request, ops::file_sources());
        if (!result) {
            diag.error(result.error().message);
            return (*opened)->failure_status(result.error());
        }
        std::string out;
        if (srp_daemon() && options.verbose > 0) {
            model::PortAttributes port;
            port.ca_name = result->device;
            port.port_num = result->port;
            out += report_header(port);
        }
        std::vector<std::string> problems = result->problems;
        for (const ops::TargetOutcome& o : result->outcomes) {
            const bool print =
                o.state == ops::TargetState::already_connected
                    ? options.all
                    : o.state != ops::TargetState::denied && o.state != ops::TargetState::invalid;
            if (options.print_commands && print && !o.plan.request.line.empty()) {
                out += o.plan.request.line;
                out += '\n';
            }
            if (o.failed()) {
                problems.push_back(o.failure());
            } else if (o.state == ops::TargetState::invalid) {
                problems.push_back(o.message);
            }
        }
        fmt::print("{}", out);
        std::fflush(stdout);
        diag.warnings(problems);
        if (!options.execute) {
            return 0;
        }
        return static_cast<int>(ops::connect_all_status(*result));
    }

    int once() const { return options.print_commands || options.execute ? commands() : listing(); }

    // Without -o and without -e: srp_daemon kept printing on every rescan. The same pass
    // every -R seconds, and without -R once and then until SIGINT or SIGTERM (srp_daemon
    // spun on a CPU meanwhile).
    int watch() const {
        sigset_t stop;
        sigemptyset(&stop);
        sigaddset(&stop, SIGINT);
        sigaddset(&stop, SIGTERM);
        for (;;) {
            const int status = once();
            if (status == 128 + SIGINT || status == 128 + SIGTERM) {
                return 0;  // stopped during a pass
            }
            // A bad option, file or local port does not mend itself: stop with its status. A
            // scan that failed (the SA did not answer) is tried again at the next pass.
            if (status == static_cast<int>(ExitStatus::usage) ||
                status == static_cast<int>(ExitStatus::invalid_input) ||
                status == static_cast<int>(ExitStatus::port)) {
                return status;
            }
            std::fflush(stdout);
            sigset_t old;
            ::sigprocmask(SIG_BLOCK, &stop, &old);
            int got = 0;
            if (options.rescan_s == 0) {
                ::sigwait(&stop, &got);
            } else {
                const timespec period{static_cast<time_t>(options.rescan_s), 0};
                got = ::sigtimedwait(&stop, nullptr, &period);
            }
            ::sigprocmask(SIG_SETMASK, &old, nullptr);
            if (got == SIGINT || got == SIGTERM) {
                return 0;
            }
        }
    }

    // The port selector of -i/-p, -j or -d for the daemon; nullopt: every InfiniBand port. A
    // umad device is resolved as the one-shot scans resolve it (host::select_port).
    Result<std::optional<model::PortSelector>> daemon_port() const {
        std::string text = options.port_selector();
        if (text.empty() && !options.umad_device.empty()) {
            host::PortRequest request;
            request.umad_device = options.umad_device;
            auto selected = host::select_port(host::Sysfs(sysfs_root), request);
            if (!selected) {
                return Unexpected(selected.error());
            }
            text = fmt::format("{}:{}", selected->umad.ca_name, selected->umad.port);
        }
        return cli::port_option(text);
    }

    // -e without -o: srpadm's daemon on the port srp_daemon would serve.
    int daemon() const {
        auto settings_req = settings();
        if (!settings_req) {
            return diag.report(settings_req.error());
        }
        const auto src = source();
        auto scan = cli::scan_request(src, 0);
        if (!scan) {
            return diag.report(scan.error());
        }
        auto port = daemon_port();
        if (!port) {
            return diag.report(port.error());
        }
        if (srp_daemon() && options.verbose > 0) {
            model::PortAttributes shown;
            shown.ca_name = *port ? (*port)->device : std::string();
            shown.port_num = *port ? (*port)->port.value_or(0) : 0;
            fmt::print("{}", report_header(shown));
            std::fflush(stdout);
        }
        cli::DaemonRun launch;
        launch.source = src;
        launch.source.port.clear();
        launch.source.umad_device.clear();
        if (*port) {
            launch.options.ports.push_back(**port);
        }
        launch.options.settings = std::move(*settings_req);
        launch.options.discovery = scan->options;
        // srp_daemon -R: a full rescan at that period; without it none (traps only).
        launch.options.rescan_interval = std::chrono::seconds(options.rescan_s);
        launch.options.seed = static_cast<std::uint64_t>(::getpid());
        if (options.print_commands) {
            // srp_daemon -e -c: each line on standard output as it is written.
            launch.options.on_login = [](const std::string& line) {
                fmt::print("{}\n", line);
                std::fflush(stdout);
            };
        }
        launch.log_level = options.debug > 0 ? spdlog::level::debug : spdlog::level::info;
        launch.sysfs_root = sysfs_root;
        launch.control_socket_required = false;
        return cli::run_daemon(std::move(launch), ctx);
    }
};

}  // namespace

int run(Personality personality, const std::vector<std::string>& args, const Invocation& invocation,
        cli::Context& ctx) {
    const Diagnostics diag(personality);
    const std::string program = invocation.program.empty()
                                    ? std::string(personality_name(personality))
                                    : invocation.program;
    auto options = parse(personality, args);
    if (!options) {
        diag.error(options.error().message);
        fmt::print(stderr, "{}", usage(personality, program));
        return static_cast<int>(ExitStatus::usage);
    }
    if (options->help) {
        fmt::print("{}", usage(personality, program));
        return 0;
    }
    std::string root = invocation.sysfs_root;
    if (root.empty()) {
        const char* env = std::getenv("SYSFS_PATH");  // srp_daemon's re-rooting of sysfs
        root = env != nullptr && *env != '\0' ? env : "/sys";
    }
    const Run r{*options, invocation, ctx, diag, root};
    if (options->once) {
        return r.once();
    }
    return options->execute ? r.daemon() : r.watch();
}

void register_compat(CLI::App& app, cli::Context& ctx, bool with_fabric) {
    struct Args {
        std::string personality;
        std::vector<std::string> args;
        Invocation invocation;
    };
    auto a = std::make_shared<Args>();
    auto* cmd = app.add_subcommand(
        "compat",
        "Run as rdma-core's srp_daemon or ibsrpdm: their options, their output byte for byte, "
        "with their defects fixed (srpadm(8), SRP_DAEMON COMPATIBILITY). Give their arguments "
        "after --, e.g. compat srp_daemon -- -o -a -c");
    cmd->add_option("personality", a->personality, "srp_daemon or ibsrpdm")
        ->required()
        ->check(CLI::IsMember({"srp_daemon", "ibsrpdm"}));
    cmd->add_option("args", a->args, "Their arguments, after --");
    cmd->add_option("--sysfs-root", a->invocation.sysfs_root,
                    "Directory that stands for /sys (default: $SYSFS_PATH as srp_daemon reads "
                    "it, else /sys)");
    if (with_fabric) {
        cmd->add_option("--fabric", a->invocation.fabric, "The simulated fabric file")->required();
    }
    cmd->callback([a, &ctx] {
        const Personality p =
            a->personality == "ibsrpdm" ? Personality::ibsrpdm : Personality::srp_daemon;
        a->invocation.program = std::string(personality_name(p));
        ctx.status = static_cast<ExitStatus>(run(p, a->args, a->invocation, ctx));
    });
}

}  // namespace srpadm::compat
