// What srpadm and srpadm-sim share around their subcommands: the top-level options, the
// footer, and running the parsed command.
#include <cstdio>
#include <exception>
#include <filesystem>

#include <fmt/format.h>

#include <srpadm/ops/run_dir.hpp>
#include <srpadm/version.hpp>

#include "commands.hpp"
#include "host_options.hpp"

namespace srpadm::cli {

ExitStatus report(const Error& error) {
    print_error_lines(error.message);
    return exit_status(error.code);
}

ops::HostOptions host_options(const Context& ctx, const std::string& sysfs_root) {
    ops::HostOptions host;
    host.sysfs_root = sysfs_root;
    host.real_sysfs_writes = ctx.real_sysfs_writes;
    host.run_dir = ops::default_run_dir(sysfs_root);
    return host;
}

void register_common(CLI::App& app, Context& ctx) {
    app.set_version_flag("--version", fmt::format("{} {}", app.get_name(), kVersion),
                         "Print the version and exit");
    app.add_flag("-v,--verbose", ctx.verbosity, "More progress output (repeat for more)");
    app.require_subcommand(1);
    app.footer(
        "Exit status: 0 ok, 1 internal failure, 2 usage, 3 invalid input, 4 local port\n"
        "(or no SRP target driver), 5 discovery failed, 6 partial failure,\n"
        "7 connect/disconnect or a target-side change failed,\n"
        "8 no daemon answers (or it refused),\n"
        "130/143 stopped by SIGINT/SIGTERM.\n"
        "See srpadm(8).");
    register_discover(app, ctx);
    register_login_string(app, ctx);
    register_connect(app, ctx);
    register_connect_all(app, ctx);
    register_disconnect(app, ctx);
    register_list(app, ctx);
    register_initiator_id(app, ctx);
    register_config(app, ctx);
    register_daemon(app, ctx);
    register_status(app, ctx);
    register_target(app, ctx);
}

int run_tool(CLI::App& app, Context& ctx, int argc, char** argv) {
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return static_cast<int>(ExitStatus::usage);
    } catch (const std::exception& e) {
        fmt::print(stderr, "{}: internal error: {}\n", app.get_name(), e.what());
        return static_cast<int>(ExitStatus::failure);
    }
    return static_cast<int>(ctx.status);
}

}  // namespace srpadm::cli
