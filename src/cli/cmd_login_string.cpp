// srpadm login-string: render or check an ib_srp add_target line without touching the host.
#include <memory>
#include <string>

#include <fmt/format.h>

#include <srpadm/model/login.hpp>

#include "commands.hpp"
#include "login_args.hpp"

namespace srpadm::cli {

void register_login_string(CLI::App& app, Context& ctx) {
    auto args = std::make_shared<LoginArgs>();
    auto check = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand(
        "login-string",
        "Render an ib_srp add_target line from its parts, or check one (--check); every option "
        "is validated against the kernel's rules. Nothing is written to the host.");
    const LoginOptions parts = add_login_options(cmd, *args);
    auto* check_opt = cmd->add_option(
        "--check", *check,
        "Check an existing add_target line and print it in canonical form instead of rendering "
        "one");
    for (auto* part : parts.all()) {
        check_opt->excludes(part);
    }
    cmd->callback([=, &ctx] {
        Result<login::LoginSpec> spec =
            check_opt->count() > 0
                ? login::parse(*check)
                : login_from_options(*args, parts, "login-string", "--check LINE");
        Result<std::string> line =
            spec ? login::render(*spec) : Result<std::string>(Unexpected(spec.error()));
        if (!line) {
            ctx.status = report(line.error());
            return;
        }
        fmt::print("{}\n", *line);
    });
}

}  // namespace srpadm::cli
