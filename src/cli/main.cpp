#include <cstdio>
#include <exception>

#include <fmt/format.h>

#include <srpadm/version.hpp>

#include "commands.hpp"
#include "host_options.hpp"

namespace srpadm::cli {

ExitStatus report(const Error& error) {
    print_error_lines(error.message);
    return exit_status(error.code);
}

}  // namespace srpadm::cli

int main(int argc, char** argv) {
    using srpadm::ExitStatus;
    srpadm::cli::Context ctx;
    CLI::App app{"srpadm - find SRP targets on InfiniBand and RoCE fabrics and connect to them",
                 "srpadm"};
    app.set_version_flag("--version", fmt::format("srpadm {}", srpadm::kVersion),
                         "Print the version and exit");
    app.add_flag("-v,--verbose", ctx.verbosity, "More progress output (repeat for more)");
    app.require_subcommand(1);
    app.footer(
        "Exit status: 0 ok, 1 internal failure, 2 usage, 3 invalid input, 4 local port,\n"
        "5 discovery failed, 6 partial failure, 7 connect/disconnect failed,\n"
        "130/143 stopped by SIGINT/SIGTERM.\n"
        "See srpadm(8).");

    srpadm::cli::register_discover(app, ctx);
    srpadm::cli::register_login_string(app, ctx);
    srpadm::cli::register_connect(app, ctx);
    srpadm::cli::register_connect_all(app, ctx);
    srpadm::cli::register_disconnect(app, ctx);
    srpadm::cli::register_list(app, ctx);
    srpadm::cli::register_initiator_id(app, ctx);
    srpadm::cli::register_config(app, ctx);
    srpadm::cli::register_fabric(app, ctx);

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
        fmt::print(stderr, "srpadm: internal error: {}\n", e.what());
        return static_cast<int>(ExitStatus::failure);
    }
    return static_cast<int>(ctx.status);
}
