// srpadm as srp_daemon and ibsrpdm: their command lines (compat/options.hpp) carried out by
// the operations every front end calls (scan, connect-all, the daemon), printed in their
// formats. Selected by the program name (symlinks named srp_daemon or ibsrpdm) or by
// `srpadm compat srp_daemon -- ARGS`. What it does differently is what srp_daemon got wrong
// (srpadm(8), SRP_DAEMON COMPATIBILITY).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <srpadm/compat/options.hpp>

namespace srpadm::cli {
struct Context;
}

namespace srpadm::compat {

struct Invocation {
    std::string program;     // the name the usage text shows
    std::string fabric;      // srpadm-sim: the simulated fabric
    std::string sysfs_root;  // "": $SYSFS_PATH when set (as srp_daemon reads it), else /sys
};

// Runs the personality with `args` (the arguments after the program name); the exit status.
int run(Personality personality, const std::vector<std::string>& args, const Invocation& invocation,
        cli::Context& ctx);

// `compat srp_daemon|ibsrpdm [--sysfs-root DIR] -- ARGS`; srpadm-sim adds --fabric.
void register_compat(CLI::App& app, cli::Context& ctx, bool with_fabric);

}  // namespace srpadm::compat
