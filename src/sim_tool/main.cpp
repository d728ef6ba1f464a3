// srpadm-sim: srpadm's commands on a simulated fabric (--fabric FILE), plus `fabric check` and
// `fabric generate`. For demonstrations, tests and benchmarks; it never logs in to anything
// through the real /sys (a simulated target needs --sysfs-root DIR or --dry-run).
#include <memory>

#include <srpadm/compat/personality.hpp>
#include <srpadm/sim/target_kernel.hpp>

#include "../cli/commands.hpp"
#include "sim_ports.hpp"

int main(int argc, char** argv) {
    srpadm::cli::Context ctx;
    auto daemon_writer = std::make_shared<srpadm::sim::WriterSlot>();
    ctx.ports = srpadm::cli::simulated_ports(daemon_writer);
    ctx.daemon_writer = daemon_writer;
    ctx.real_sysfs_writes = false;
    ctx.daemon_platform = srpadm::cli::simulated_platform();
    ctx.target_writer = [](const srpadm::host::TreeRoots& roots) {
        return std::make_unique<srpadm::sim::TargetKernelStandIn>(roots);
    };
    CLI::App app{"srpadm-sim - srpadm on a simulated InfiniBand fabric", "srpadm-sim"};
    srpadm::cli::register_common(app, ctx);
    srpadm::compat::register_compat(app, ctx, true);
    srpadm::cli::register_fabric(app, ctx);
    srpadm::cli::register_target_host(app, ctx);
    return srpadm::cli::run_tool(app, ctx, argc, argv);
}
