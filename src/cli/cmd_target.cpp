// srpadm target: the SRP target side (SCST or LIO ib_srpt) of this host. Every command reads
// the state, computes a plan (target/planner.hpp), prints it with --dry-run or applies it
// through one writer (host::TreeWriter) and says what changed.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <srpadm/daemon/metrics.hpp>
#include <srpadm/target/apply.hpp>
#include <srpadm/target/names.hpp>
#include <srpadm/target/planner.hpp>
#include <srpadm/target/reader.hpp>
#include <srpadm/target/save.hpp>

#include "commands.hpp"
#include "target_render.hpp"

namespace srpadm::cli {
namespace {

struct TargetArgs {
    std::string sysfs_root = "/sys";
    std::string configfs_root = "/sys/kernel/config";
    std::vector<std::string> ports;
    bool dry_run = false;
    std::string format = "text";
    // export
    std::string device;
    std::string file;
    std::string size;
    std::string ram;
    std::string null_size;
    std::string name;
    std::optional<std::uint32_t> lun;
    bool read_only = false;
    std::string group;
    std::vector<std::string> allow;
    bool no_enable = false;
    std::optional<std::uint16_t> rdma_cm_port;
    std::string ram_dir = "/dev/shm";
    // unexport
    bool keep_device = false;
    // allow, deny
    std::vector<std::string> initiators;
    bool any = false;
    // save
    std::string output;
    bool force = false;
};

host::TreeRoots roots_of(const TargetArgs& args) {
    return {host::Sysfs(args.sysfs_root), host::Sysfs(args.configfs_root)};
}

void print_warnings(const target::Plan& plan) {
    for (const std::string& w : plan.warnings) {
        fmt::print(stderr, "srpadm: warning: {}\n", w);
    }
}

// Prints the plan (dry run) or applies it and prints what changed.
ExitStatus carry_out(const Context& ctx, const TargetArgs& args, const Result<target::Plan>& plan) {
    if (!plan) {
        return report(plan.error());
    }
    const host::TreeRoots roots = roots_of(args);
    print_warnings(*plan);
    if (args.dry_run) {
        fmt::print("{}", render_plan(*plan, roots));
        return ExitStatus::ok;
    }
    std::unique_ptr<host::TreeWriter> writer = ctx.target_writer
                                                   ? ctx.target_writer(roots)
                                                   : std::make_unique<host::RealTreeWriter>(roots);
    auto applied = target::apply_plan(*plan, *writer);
    if (!applied) {
        return report(applied.error());
    }
    fmt::print("{}", render_applied(*plan, roots));
    return ExitStatus::ok;
}

// The state a changing command plans from. srpadm-sim refuses the real trees first, whatever
// they hold: its writer is the stand-in kernel (a dry run is fine).
Result<target::TargetState> state_of(const Context& ctx, const TargetArgs& args) {
    if (!ctx.real_sysfs_writes && !args.dry_run) {
        const auto real = [](const std::string& root, std::string_view system) {
            std::error_code ec;
            return std::filesystem::equivalent(root, system, ec);
        };
        if (real(args.sysfs_root, "/sys") || real(args.configfs_root, "/sys/kernel/config")) {
            return fail(Errc::usage,
                        "srpadm-sim never changes the real target: give --sysfs-root and "
                        "--configfs-root, or --dry-run");
        }
    }
    return target::read_target_state(roots_of(args));
}

ExitStatus run_status(const TargetArgs& args) {
    auto state = target::read_target_state(roots_of(args));
    if (!state) {
        return report(state.error());
    }
    if (!args.ports.empty()) {
        auto chosen = target::choose_ports(*state, args.ports);
        if (!chosen) {
            return report(chosen.error());
        }
        std::vector<target::TargetPort> kept;
        for (const target::TargetPort* p : *chosen) {
            kept.push_back(*p);
        }
        state->ports = std::move(kept);
    }
    if (args.format == "json") {
        fmt::print("{}\n", render_target_json(*state).dump(2));
    } else {
        fmt::print("{}", render_target_text(*state));
    }
    return ExitStatus::ok;
}

Result<target::ExportRequest> export_request(const TargetArgs& args) {
    target::ExportRequest r;
    const int sources = static_cast<int>(!args.device.empty()) +
                        static_cast<int>(!args.file.empty()) + static_cast<int>(!args.ram.empty()) +
                        static_cast<int>(!args.null_size.empty());
    if (sources != 1) {
        return fail(Errc::usage, "give exactly one of --device, --file, --ram and --null");
    }
    if (!args.size.empty() && args.file.empty()) {
        return fail(Errc::usage,
                    "option --size: only with --file (--ram and --null take the size)");
    }
    const auto size = [](std::string_view option,
                         const std::string& text) -> Result<std::uint64_t> {
        return text.empty() ? Result<std::uint64_t>(0) : target::parse_size(option, text);
    };
    if (!args.device.empty()) {
        r.backing = target::Backing::block;
        r.path = args.device;
    } else if (!args.file.empty()) {
        r.backing = target::Backing::file;
        r.path = args.file;
        auto s = size("option --size", args.size);
        if (!s) {
            return Unexpected(s.error());
        }
        r.size = *s;
    } else {
        r.backing = args.ram.empty() ? target::Backing::null : target::Backing::ram;
        auto s = args.ram.empty() ? size("option --null", args.null_size)
                                  : size("option --ram", args.ram);
        if (!s) {
            return Unexpected(s.error());
        }
        r.size = *s;
    }
    if (!r.path.empty()) {
        r.facts = target::inspect_path(r.path);
    }
    r.name = args.name;
    r.lun = args.lun;
    r.read_only = args.read_only;
    r.ports = args.ports;
    r.group = args.group;
    r.allow = args.allow;
    r.enable = !args.no_enable;
    r.rdma_cm_port = args.rdma_cm_port;
    r.unit_serial = target::random_unit_serial();  // LIO: a new storage object's identity
    r.ram_dir = args.ram_dir;
    return r;
}

ExitStatus run_save(const Context& ctx, const TargetArgs& args) {
    if (!ctx.real_sysfs_writes && args.output.empty() && !args.dry_run) {
        return report(Error{Errc::usage,
                            "srpadm-sim never writes the real target's configuration: give -o "
                            "FILE or --dry-run"});
    }
    const host::TreeRoots roots = roots_of(args);
    auto state = target::read_target_state(roots);
    if (!state) {
        return report(state.error());
    }
    const std::string path = args.output.empty() ? target::save_path(state->flavour) : args.output;
    std::vector<std::string> warnings;
    Result<std::string> text;
    if (state->flavour == target::Flavour::scst) {
        const auto& others = state->other_drivers;
        if (!others.empty() && !args.force) {
            std::string list;
            for (const std::string& d : others) {
                list += (list.empty() ? "" : ", ") + d;
            }
            return report(Error{
                Errc::exists,
                fmt::format("SCST also serves {}: {} describes every driver and srpadm writes "
                            "ib_srpt's part only; save with 'scstadmin -write_config {}' (or "
                            "--force to write ib_srpt's part alone)",
                            list, path, path)});
        }
        text = target::scst_conf(*state, "Written by srpadm target save", warnings);
    } else {
        std::optional<std::string> existing;
        const target::PathFacts facts = target::inspect_path(path);
        if (facts.exists) {
            std::ifstream in(path);
            if (!in) {
                return report(Error{Errc::io, fmt::format("{}: cannot be read", path)});
            }
            existing = std::string(std::istreambuf_iterator<char>(in), {});
        }
        text = target::lio_saveconfig(*state, existing, warnings, path);
    }
    if (!text) {
        return report(text.error());
    }
    for (const std::string& w : warnings) {
        fmt::print(stderr, "srpadm: warning: {}\n", w);
    }
    if (args.dry_run) {
        fmt::print("{}", *text);
        return ExitStatus::ok;
    }
    // saveconfig.json may hold CHAP secrets of other fabrics: rtslib writes it 0600.
    const unsigned mode = state->flavour == target::Flavour::lio ? 0600 : 0644;
    if (auto written = daemon::replace_file(path, *text, mode); !written) {
        return report(written.error());
    }
    fmt::print("wrote {} ({} bytes)\n", path, text->size());
    for (const std::string& note : target::persistence_notes(state->flavour)) {
        fmt::print("note: {}\n", note);
    }
    return ExitStatus::ok;
}

// --sysfs-root and --configfs-root: every target command reads the trees below them.
void add_roots(CLI::App* cmd, TargetArgs& args) {
    cmd->add_option("--sysfs-root", args.sysfs_root, "Directory that stands for /sys")
        ->capture_default_str();
    cmd->add_option("--configfs-root", args.configfs_root,
                    "Directory that stands for /sys/kernel/config (LIO)")
        ->capture_default_str();
}

void add_common(CLI::App* cmd, TargetArgs& args, bool changes) {
    add_roots(cmd, args);
    cmd->add_option("--port", args.ports,
                    "Only this target port: its name, a local port DEV:PORT or a device DEV "
                    "(repeatable; default every port)");
    if (changes) {
        cmd->add_flag("-n,--dry-run", args.dry_run,
                      "Print the plan and the same with scstadmin or targetcli; change nothing");
    }
}

}  // namespace

void register_target(CLI::App& app, Context& ctx) {
    auto args = std::make_shared<TargetArgs>();
    auto* cmd = app.add_subcommand(
        "target",
        "The SRP target side of this host: SCST's or LIO's ib_srpt (status, export, allow, "
        "deny, enable, disable, save)");
    cmd->require_subcommand(1);

    auto* status = cmd->add_subcommand(
        "status", "Which ib_srpt runs, its ports, devices, LUNs, who may log in and who has");
    add_common(status, *args, false);
    status->add_option("-f,--format", args->format, "Output: text or json")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    status->callback([args, &ctx] { ctx.status = run_status(*args); });

    auto* exp = cmd->add_subcommand(
        "export",
        "Export a block device, a file or a RAM disk as a LUN on every srpt port (or --port), "
        "allow the initiators given with --allow, and enable the ports");
    add_common(exp, *args, true);
    exp->add_option("--device", args->device, "A block device, e.g. /dev/nvme0n1");
    exp->add_option("--file", args->file, "A file (absolute path), made with --size if missing");
    exp->add_option("--size", args->size, "The size of a new --file: 10G, 512M, bytes");
    exp->add_option("--ram", args->ram,
                    "A RAM disk of this size (LIO rd_mcp; SCST: a file on tmpfs, see --ram-dir)");
    exp->add_option("--null", args->null_size,
                    "A null device of this size: reads return zeros, writes are dropped "
                    "(for measurements)");
    exp->add_option("--name", args->name, "The device's name (default: from the path, ramN)");
    exp->add_option("--lun", args->lun, "The LUN number (default: the lowest free one)");
    exp->add_flag("--read-only", args->read_only, "Initiators may only read");
    exp->add_option("--group", args->group,
                    "SCST: the initiator group the LUN goes into (default srpadm)");
    exp->add_option("--allow", args->allow,
                    "Also allow this initiator (any form 'srpadm initiator-id' prints; "
                    "repeatable)");
    exp->add_flag("--no-enable", args->no_enable, "Leave disabled ports disabled");
    exp->add_option("--rdma-cm-port", args->rdma_cm_port,
                    "LIO: the RDMA/CM port for RoCE logins (default 5555 when a RoCE port is "
                    "exported and none is set)");
    exp->add_option("--ram-dir", args->ram_dir, "SCST: where --ram's tmpfs file goes")
        ->capture_default_str();
    exp->callback([args, &ctx] {
        auto request = export_request(*args);
        if (!request) {
            ctx.status = report(request.error());
            return;
        }
        auto state = state_of(ctx, *args);
        ctx.status = state ? carry_out(ctx, *args, target::plan_export(*state, *request))
                           : report(state.error());
    });

    auto* unexp =
        cmd->add_subcommand("unexport",
                            "Remove a device's LUNs from the ports, then the device when no port "
                            "exports it any more");
    add_common(unexp, *args, true);
    unexp->add_option("DEVICE", args->name, "The device's name (srpadm target status)")->required();
    unexp->add_flag("--keep-device", args->keep_device, "Remove the LUNs only");
    unexp->callback([args, &ctx] {
        auto state = state_of(ctx, *args);
        const target::UnexportRequest r{args->name, args->ports, args->keep_device};
        ctx.status =
            state ? carry_out(ctx, *args, target::plan_unexport(*state, r)) : report(state.error());
    });

    const auto access = [&](std::string_view name, bool allow) {
        auto* sub = cmd->add_subcommand(
            std::string(name),
            allow ? "Let initiators log in and see the port's LUNs (SCST: into the group; LIO: a "
                    "node ACL)"
                  : "Take initiators' access away (LIO closes their sessions at once)");
        add_common(sub, *args, true);
        sub->add_option("ID", args->initiators,
                        "Initiator IDs: any form 'srpadm initiator-id' prints, or the 0x... ID "
                        "from a target's log");
        sub->add_flag("--any", args->any,
                      allow
                          ? "SCST: every initiator (the pattern *); LIO's ib_srpt has no such mode"
                          : "Close the port to initiators not named (undo allow --any)");
        sub->add_option("--group", args->group,
                        allow ? "SCST: the initiator group (default srpadm)"
                              : "SCST: only this group (default: every group)");
        sub->callback([args, &ctx, allow] {
            auto state = state_of(ctx, *args);
            const target::AccessRequest r{args->initiators, args->any, args->ports, args->group};
            ctx.status = !state  ? report(state.error())
                         : allow ? carry_out(ctx, *args, target::plan_allow(*state, r))
                                 : carry_out(ctx, *args, target::plan_deny(*state, r));
        });
    };
    access("allow", true);
    access("deny", false);

    const auto switcher = [&](std::string_view name, bool enable) {
        auto* sub = cmd->add_subcommand(
            std::string(name), enable ? "Enable the ports: initiators may log in"
                                      : "Disable the ports: close their sessions, refuse logins");
        add_common(sub, *args, true);
        if (enable) {
            sub->add_option("--rdma-cm-port", args->rdma_cm_port,
                            "LIO: the RDMA/CM port for RoCE logins");
        }
        sub->callback([args, &ctx, enable] {
            auto state = state_of(ctx, *args);
            const target::EnableRequest r{args->ports, enable, args->rdma_cm_port};
            ctx.status = state ? carry_out(ctx, *args, target::plan_enable(*state, r))
                               : report(state.error());
        });
    };
    switcher("enable", true);
    switcher("disable", false);

    auto* save = cmd->add_subcommand(
        "save",
        "Write what restores this configuration at boot: SCST's /etc/scst.conf, or "
        "LIO's saveconfig.json (merged with what it holds for other fabrics)");
    add_roots(save, *args);
    save->add_option("-o,--output", args->output,
                     "The file (default /etc/scst.conf; LIO: /etc/rtslib-fb-target/"
                     "saveconfig.json where Debian's rtslib-fb reads it, else "
                     "/etc/target/saveconfig.json)");
    save->add_flag("-n,--dry-run", args->dry_run, "Print the file; write nothing");
    save->add_flag("--force", args->force,
                   "SCST: write ib_srpt's part even when other target drivers have targets");
    save->callback([args, &ctx] { ctx.status = run_save(ctx, *args); });
}

}  // namespace srpadm::cli
