// Subcommands of the srpadm tool. Each register_* adds one subcommand to the app and sets
// its callback; the callback stores the command's exit status in `status`.
#pragma once

#include <CLI/CLI.hpp>

#include <srpadm/result.hpp>

namespace srpadm::cli {

struct Context {
    int verbosity = 0;
    ExitStatus status = ExitStatus::ok;
};

// Prints "srpadm: <message>" on stderr and returns the exit status for the error's code.
ExitStatus report(const Error& error);

void register_login_string(CLI::App& app, Context& ctx);
void register_discover(CLI::App& app, Context& ctx);
void register_fabric(CLI::App& app, Context& ctx);
void register_connect(CLI::App& app, Context& ctx);
void register_connect_all(CLI::App& app, Context& ctx);
void register_disconnect(CLI::App& app, Context& ctx);
void register_list(CLI::App& app, Context& ctx);
void register_initiator_id(CLI::App& app, Context& ctx);
void register_config(CLI::App& app, Context& ctx);

}  // namespace srpadm::cli
