// srpadm initiator-id: the exact names a target's ACL needs for this host's ports.
#include <memory>
#include <string>

#include <fmt/format.h>

#include <srpadm/host/host_ports.hpp>

#include "commands.hpp"
#include "host_options.hpp"
#include "host_render.hpp"

namespace srpadm::cli {
namespace {

struct InitiatorIdArgs {
    std::string port;
    std::string initiator_ext = "0";
    std::string io_class = "0100";
    std::string format = "text";
    std::string sysfs_root = "/sys";
};

ExitStatus run(const InitiatorIdArgs& args) {
    std::uint64_t ext = 0;
    if (args.initiator_ext == "port-guid") {
        return report(Error{Errc::usage,
                            "option --initiator-ext: with the port-guid policy each login's "
                            "initiator_ext is the target port's GUID; give that GUID as "
                            "--initiator-ext HEX"});
    }
    if (args.initiator_ext != "none") {
        auto value = login::parse_hex64(login::Key::initiator_ext, args.initiator_ext);
        if (!value) {
            return report(Error{Errc::usage, "option --initiator-ext: " + value.error().message});
        }
        ext = *value;
    }
    auto io_class = login::make_option(login::Key::io_class, args.io_class);
    if (!io_class) {
        return report(Error{Errc::usage, "option --io-class: " + io_class.error().message});
    }
    auto selector = port_option(args.port);
    if (!selector) {
        return report(selector.error());
    }
    const host::Sysfs sysfs(args.sysfs_root);
    auto ports = host::local_ports(sysfs);
    if (!ports) {
        return report(ports.error());
    }
    if (*selector) {
        auto chosen = host::select_ports(*ports, **selector);
        if (!chosen) {
            return report(chosen.error());
        }
        ports = std::move(chosen);
    }
    const bool topspin = host::ib_srp_topspin_workarounds(sysfs);
    const auto io_class_value =
        static_cast<std::uint16_t>(login::parse_hex64(login::Key::initiator_ext, args.io_class)
                                       .value_or(login::kIoClassRev16a));
    std::vector<InitiatorIdView> views;
    for (const host::HostPort& p : *ports) {
        views.push_back({p, ext, io_class_value, topspin});
    }
    if (args.format == "json") {
        fmt::print("{}\n", render_initiator_id_json(views).dump(2));
    } else {
        fmt::print("{}", render_initiator_id_text(views));
    }
    return ExitStatus::ok;
}

}  // namespace

void register_initiator_id(CLI::App& app, Context& ctx) {
    auto args = std::make_shared<InitiatorIdArgs>();
    auto* cmd = app.add_subcommand(
        "initiator-id",
        "Print, per local port, the names a target's access list needs for this host: the "
        "initiator port ID as LIO's GID-named ports show it, LIO's GUID form, the GID SCST "
        "names IB/CM logins by, and for RDMA/CM logins the source addresses.");
    add_port_option(cmd, args->port, "only this port or device");
    cmd->add_option("--initiator-ext", args->initiator_ext,
                    "The logins' initiator_ext (hex; none = 0), the high half of the ID")
        ->capture_default_str();
    cmd->add_option("--io-class", args->io_class,
                    "The target's io_class: 0100 (SRP rev. 16a) or ff00 (rev. 10, which swaps "
                    "the halves)")
        ->capture_default_str();
    cmd->add_option("-f,--format", args->format, "Output: text or json")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    add_sysfs_root_option(cmd, args->sysfs_root);
    cmd->callback([args, &ctx] { ctx.status = run(*args); });
}

}  // namespace srpadm::cli
