// srpadm status, rescan and reload: the running daemon through its control socket
// (ops/control.hpp), and what sysfs shows (ops/status.hpp).
#include <chrono>
#include <csignal>
#include <memory>
#include <string>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>

#include <srpadm/host/host_ports.hpp>
#include <srpadm/ops/control.hpp>
#include <srpadm/ops/status.hpp>

#include "commands.hpp"
#include "host_options.hpp"
#include "status_render.hpp"

namespace srpadm::cli {
namespace {

struct ControlArgs {
    std::string sysfs_root = "/sys";
    std::string run_dir;
    unsigned timeout = 10;

    std::filesystem::path socket() const {
        return ops::control::client_socket(run_dir, sysfs_root);
    }
};

void add_control_options(CLI::App* cmd, ControlArgs& args) {
    add_sysfs_root_option(cmd, args.sysfs_root);
    cmd->add_option("--run-dir", args.run_dir,
                    "The daemon's run directory, where its socket srpadm.sock is (default "
                    "/run/srpadm, or SYSFS-ROOT/.srpadm with --sysfs-root)");
    cmd->add_option("--timeout", args.timeout, "Seconds to wait for the daemon's answer")
        ->check(CLI::Range(1U, 600U))
        ->capture_default_str();
}

struct StatusArgs {
    ControlArgs control;
    std::string format = "text";
    std::optional<double> watch;
};

Result<nlohmann::json> status_once(const StatusArgs& args) {
    const host::Sysfs sysfs(args.control.sysfs_root);
    ops::StatusInputs in;
    auto answer = ops::control::ask(args.control.socket(), {ops::control::Command::status, {}},
                                    std::chrono::seconds(args.control.timeout));
    if (answer) {
        in.daemon = std::move(*answer);
    } else if (answer.error().code == Errc::no_daemon) {
        in.no_daemon = answer.error().message;
    } else {
        // A daemon that is there but does not answer is news: say it, and show sysfs.
        fmt::print(stderr, "srpadm: warning: {}\n", answer.error().message);
        in.no_daemon = answer.error().message;
    }
    auto ports = host::local_ports(sysfs);
    if (ports) {
        in.ports = std::move(*ports);
    }
    auto hosts = host::srp_hosts(sysfs);
    if (!hosts) {
        return Unexpected(hosts.error());
    }
    in.hosts = std::move(*hosts);
    return ops::status_document(in);
}

volatile std::sig_atomic_t g_stop = 0;

ExitStatus run_status(const StatusArgs& args) {
    const bool json = args.format == "json";
    if (args.watch) {
        // Until SIGINT or SIGTERM: a watch is ended by hand.
        std::signal(SIGINT, [](int) { g_stop = 1; });
        std::signal(SIGTERM, [](int) { g_stop = 1; });
    }
    const bool clear = args.watch && !json && ::isatty(STDOUT_FILENO) != 0;
    for (;;) {
        auto doc = status_once(args);
        if (!doc) {
            return report(doc.error());
        }
        if (clear) {
            fmt::print("\033[H\033[2J");
        }
        if (json) {
            fmt::print("{}\n", doc->dump(args.watch ? -1 : 2, ' ', false,
                                         nlohmann::json::error_handler_t::replace));
        } else {
            fmt::print("{}", render_status_text(*doc));
            for (const std::string& p : doc->value("problems", std::vector<std::string>{})) {
                fmt::print(stderr, "srpadm: warning: {}\n", p);
            }
        }
        std::fflush(stdout);
        if (!args.watch) {
            return doc->value("problems", nlohmann::json::array()).empty() ? ExitStatus::ok
                                                                           : ExitStatus::partial;
        }
        const auto until = std::chrono::steady_clock::now() +
                           std::chrono::milliseconds(static_cast<long>(*args.watch * 1000));
        while (g_stop == 0 && std::chrono::steady_clock::now() < until) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        if (g_stop != 0) {
            return ExitStatus::ok;
        }
        if (!json) {
            fmt::print("\n");
        }
    }
}

struct RescanArgs {
    ControlArgs control;
    std::string port;
};

ExitStatus ask_daemon(const ControlArgs& control, const ops::control::Request& request) {
    auto answer =
        ops::control::ask(control.socket(), request, std::chrono::seconds(control.timeout));
    if (!answer) {
        return report(answer.error());
    }
    if (request.command == ops::control::Command::rescan) {
        std::string ports;
        for (const auto& p : answer->value("rescanning", nlohmann::json::array())) {
            ports += (ports.empty() ? "" : ", ") + p.get<std::string>();
        }
        fmt::print("rescanning {}\n", ports);
    } else {
        fmt::print("configuration reloaded\n");
    }
    return ExitStatus::ok;
}

}  // namespace

void register_status(CLI::App& app, Context& ctx) {
    auto args = std::make_shared<StatusArgs>();
    auto* cmd = app.add_subcommand(
        "status",
        "Show the SRP initiator: per local port its state, trap subscription and scans, per "
        "target each path's state and why (connected with its SCSI host and disks, connecting, "
        "backing off with the last error and the next try, refused by the rules or the "
        "kernel), from the running daemon and sysfs; without the daemon, what sysfs shows.");
    add_control_options(cmd, args->control);
    cmd->add_option("-f,--format", args->format, "Output: text or json")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    cmd->add_option("-w,--watch", args->watch,
                    "Show it again every SECONDS (default 2) until interrupted; with json, one "
                    "document per line")
        ->expected(0, 1)
        ->default_str("2")
        ->check(CLI::Range(0.1, 3600.0));
    cmd->callback([args, &ctx] { ctx.status = run_status(*args); });

    auto rescan = std::make_shared<RescanArgs>();
    auto* rcmd = app.add_subcommand(
        "rescan",
        "Ask the running daemon to scan every port it serves (or --port) again now, walking "
        "every I/O controller; needs root or the daemon's --control-group.");
    add_control_options(rcmd, rescan->control);
    add_port_option(rcmd, rescan->port, "only this port");
    rcmd->callback([rescan, &ctx] {
        auto selector = port_option(rescan->port);
        if (!selector) {
            ctx.status = report(selector.error());
            return;
        }
        ctx.status = ask_daemon(rescan->control, {ops::control::Command::rescan, *selector});
    });

    auto reload = std::make_shared<ControlArgs>();
    auto* lcmd = app.add_subcommand(
        "reload",
        "Ask the running daemon to read its configuration again (as systemctl reload does); a "
        "bad configuration is refused with file:line and the daemon keeps the last good one. "
        "Needs root or the daemon's --control-group.");
    add_control_options(lcmd, *reload);
    lcmd->callback([reload, &ctx] {
        ctx.status = ask_daemon(*reload, {ops::control::Command::reload, {}});
    });
}

}  // namespace srpadm::cli
