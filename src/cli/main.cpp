// srpadm: the tool admins run on hosts with InfiniBand or RoCE ports. It has no simulator in
// it (srpadm-sim is the demo and test tool for simulated fabrics).
#include <srpadm/daemon/host_platform.hpp>

#include "commands.hpp"

int main(int argc, char** argv) {
    srpadm::cli::Context ctx;
    ctx.ports = srpadm::cli::real_ports();
    ctx.daemon_platform = [](srpadm::ops::Session& session, const std::string& /*sysfs_root*/)
        -> srpadm::Result<std::unique_ptr<srpadm::daemon::Platform>> {
        return std::make_unique<srpadm::daemon::HostPlatform>(session.loop(), session.sysfs());
    };
    CLI::App app{"srpadm - find SRP targets on InfiniBand and RoCE fabrics and connect to them",
                 "srpadm"};
    srpadm::cli::register_common(app, ctx);
    return srpadm::cli::run_tool(app, ctx, argc, argv);
}
