// srpadm: the tool admins run on hosts with InfiniBand or RoCE ports. It has no simulator in
// it (srpadm-sim is the demo and test tool for simulated fabrics).
#include <string>
#include <vector>

#include <srpadm/compat/personality.hpp>
#include <srpadm/daemon/host_platform.hpp>

#include "commands.hpp"

int main(int argc, char** argv) {
    srpadm::cli::Context ctx;
    ctx.ports = srpadm::cli::real_ports();
    ctx.daemon_platform = [](srpadm::ops::Session& session, const std::string& /*sysfs_root*/)
        -> srpadm::Result<std::unique_ptr<srpadm::daemon::Platform>> {
        return std::make_unique<srpadm::daemon::HostPlatform>(session.loop(), session.sysfs());
    };
    // Installed as srp_daemon or ibsrpdm (srpadm(8), SRP_DAEMON COMPATIBILITY): their options.
    if (const auto personality = srpadm::compat::personality_of(argc > 0 ? argv[0] : "")) {
        const std::vector<std::string> args(argv + 1, argv + argc);
        srpadm::compat::Invocation invocation;
        invocation.program = argv[0];
        return srpadm::compat::run(*personality, args, invocation, ctx);
    }
    CLI::App app{"srpadm - find SRP targets on InfiniBand and RoCE fabrics and connect to them",
                 "srpadm"};
    srpadm::cli::register_common(app, ctx);
    srpadm::compat::register_compat(app, ctx, false);
    return srpadm::cli::run_tool(app, ctx, argc, argv);
}
