// srpadm-sim target-host: a simulated target host for `srpadm-sim target ...`: lay out the
// sysfs and configfs trees of SCST's or LIO's ib_srpt (sim/target_kernel.hpp), and let an
// initiator log in or out, as the stand-in kernel shows a session.
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <srpadm/sim/target_kernel.hpp>
#include <srpadm/target/reader.hpp>
#include <srpadm/text.hpp>

#include "commands.hpp"

namespace srpadm::cli {
namespace {

struct TargetHostArgs {
    std::string flavour;
    std::string sysfs_root;
    std::string configfs_root;
    std::vector<std::string> ports;  // DEV:N:GID[:roce]
    std::string service_guid;
    std::uint16_t rdma_cm_port = 0;
    std::string port;     // login, logout: the target port
    std::string session;  // SCST: the session name; LIO: the ACL
};

// "mlx5_0:1:fe80::e41d:2d03:a0:11[:roce]" would be ambiguous: the GID is the last eight groups.
Result<sim::TargetRdmaPort> parse_port(const std::string& text) {
    sim::TargetRdmaPort p;
    std::string rest = text;
    if (rest.size() > 5 && rest.compare(rest.size() - 5, 5, ":roce") == 0) {
        p.link_layer = sim::LinkLayer::ethernet;
        rest.resize(rest.size() - 5);
    }
    const auto first = rest.find(':');
    const auto second = first == std::string::npos ? first : rest.find(':', first + 1);
    const auto number =
        second == std::string::npos
            ? std::nullopt
            : text::parse_number<unsigned>(rest.substr(first + 1, second - first - 1));
    const auto gid = second == std::string::npos ? Result<Gid>(fail(Errc::invalid_input, ""))
                                                 : Gid::parse(rest.substr(second + 1));
    if (first == 0 || !number || *number == 0 || !gid) {
        return fail(Errc::usage, fmt::format("option --port {}: give DEV:PORT:GID[:roce], e.g. "
                                             "mlx5_0:1:fe80:0000:0000:0000:e41d:2d03:00a0:0011",
                                             text::printable(text)));
    }
    p.device = rest.substr(0, first);
    p.port = *number;
    p.gid = *gid;
    p.node_guid = (gid->guid() & ~0xffULL) | 0x10U;
    return p;
}

ExitStatus lay_out(const TargetHostArgs& args) {
    sim::TargetHostOptions options;
    options.flavour = args.flavour == "scst" ? target::Flavour::scst : target::Flavour::lio;
    options.rdma_cm_port = args.rdma_cm_port;
    std::vector<std::string> ports = args.ports;
    if (ports.empty()) {
        ports.emplace_back("mlx5_0:1:fe80:0000:0000:0000:e41d:2d03:00a0:0011");
    }
    for (const std::string& text : ports) {
        auto p = parse_port(text);
        if (!p) {
            return report(p.error());
        }
        options.ports.push_back(*p);
    }
    if (!args.service_guid.empty()) {
        const auto guid =
            text::parse_hex(args.service_guid.rfind("0x", 0) == 0 ? args.service_guid.substr(2)
                                                                  : args.service_guid);
        if (!guid) {
            return report(Error{Errc::usage, "option --service-guid: give up to 16 hex digits"});
        }
        options.service_guid = *guid;
    }
    if (auto laid = sim::lay_out_target_host(args.sysfs_root, args.configfs_root, options); !laid) {
        return report(laid.error());
    }
    fmt::print("laid out a {} target host: sysfs {}, configfs {}\n",
               target::flavour_name(options.flavour), args.sysfs_root, args.configfs_root);
    return ExitStatus::ok;
}

ExitStatus login(const TargetHostArgs& args, bool in) {
    const host::TreeRoots roots{host::Sysfs(args.sysfs_root), host::Sysfs(args.configfs_root)};
    auto state = target::read_target_state(roots);
    if (!state) {
        return report(state.error());
    }
    const target::TargetPort* port = nullptr;
    for (const target::TargetPort& p : state->ports) {
        if (p.name == args.port || p.local_name() == args.port) {
            port = &p;
        }
    }
    if (port == nullptr) {
        return report(Error{Errc::not_found, fmt::format("no target port {}", args.port)});
    }
    sim::TargetKernelStandIn kernel(roots);
    std::error_code ec;
    if (state->flavour == target::Flavour::scst) {
        ec = in ? kernel.scst_login(port->name, args.session)
                : kernel.scst_logout(port->name, args.session);
    } else {
        ec = in ? kernel.lio_login(port->name, port->tpg, args.session)
                : kernel.lio_logout(port->name, port->tpg, args.session);
    }
    if (ec) {
        return report(Error{Errc::io, fmt::format("{} {} on {}: {}", in ? "login of" : "logout of",
                                                  args.session, port->name, ec.message())});
    }
    return ExitStatus::ok;
}

}  // namespace

void register_target_host(CLI::App& app, Context& ctx) {
    auto args = std::make_shared<TargetHostArgs>();
    auto* cmd = app.add_subcommand(
        "target-host",
        "A simulated SRP target host for 'srpadm-sim target': lay out its trees, let an "
        "initiator log in or out");
    cmd->require_subcommand(1);
    const auto roots = [&args](CLI::App* sub) {
        sub->add_option("--sysfs-root", args->sysfs_root, "The tree that stands for /sys")
            ->required();
        sub->add_option("--configfs-root", args->configfs_root,
                        "The tree that stands for /sys/kernel/config")
            ->required();
    };
    auto* lay = cmd->add_subcommand("lay-out",
                                    "Lay out the trees of SCST's or LIO's ib_srpt "
                                    "(the roots must be missing or empty)");
    lay->add_option("FLAVOUR", args->flavour, "scst or lio")
        ->required()
        ->check(CLI::IsMember({"scst", "lio"}));
    roots(lay);
    lay->add_option("--port", args->ports,
                    "An RDMA port DEV:PORT:GID[:roce] (repeatable; default "
                    "mlx5_0:1:fe80:0000:0000:0000:e41d:2d03:00a0:0011)");
    lay->add_option("--service-guid", args->service_guid,
                    "ib_srpt's srpt_service_guid (default: from the first node GUID)");
    lay->add_option("--rdma-cm-port", args->rdma_cm_port, "SCST's rdma_cm_port parameter");
    lay->callback([args, &ctx] { ctx.status = lay_out(*args); });
    for (const bool in : {true, false}) {
        auto* sub = cmd->add_subcommand(in ? "login" : "logout",
                                        in ? "An initiator logs in (SCST: under the session "
                                             "name; LIO: with the ACL)"
                                           : "An initiator logs out");
        roots(sub);
        sub->add_option("--port", args->port, "The target port (its name or DEV:PORT)")->required();
        sub->add_option("SESSION", args->session, "SCST: the session name; LIO: the ACL")
            ->required();
        sub->callback([args, &ctx, in] { ctx.status = login(*args, in); });
    }
}

}  // namespace srpadm::cli
