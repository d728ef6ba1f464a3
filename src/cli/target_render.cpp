#include "target_render.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace srpadm::cli {
namespace {

using nlohmann::json;
using target::TargetPort;

std::string size_text(std::uint64_t bytes) {
    if (bytes == 0) {
        return "size unknown";
    }
    constexpr std::array<std::string_view, 5> kUnits{"B", "KiB", "MiB", "GiB", "TiB"};
    std::size_t unit = 0;
    auto value = static_cast<double>(bytes);
    while (unit + 1 < kUnits.size() && value >= 1024) {
        value /= 1024;
        ++unit;
    }
    return fmt::format("{:.4g} {}", value, kUnits.at(unit));
}

std::string lun_text(const target::Lun& lun, bool mapped) {
    std::string out = fmt::format("LUN {} {}", lun.number, lun.device.empty() ? "?" : lun.device);
    if (mapped && lun.tpg_lun != lun.number) {
        out += fmt::format(" (TPG LUN {})", lun.tpg_lun);
    }
    if (lun.read_only) {
        out += " read-only";
    }
    return out;
}

std::string port_state(const TargetPort& p) {
    if (!p.configured) {
        return "not configured (nothing exported)";
    }
    std::string out = p.enabled ? "enabled" : "disabled";
    if (p.open) {
        out += ", open to every initiator";
    }
    return out;
}

json lun_json(const target::Lun& lun) {
    return {{"lun", lun.number},
            {"device", lun.device},
            {"read_only", lun.read_only},
            {"tpg_lun", lun.tpg_lun}};
}

std::string steps_text(const target::Plan& plan, const host::TreeRoots& roots) {
    std::string out;
    for (const target::Step& step : plan.steps) {
        out += fmt::format("  {}\n", target::shell_command(step.action, roots));
    }
    return out;
}

std::string notes_text(const target::Plan& plan) {
    std::string out;
    for (const std::string& note : plan.notes) {
        out += fmt::format("note: {}\n", note);
    }
    return out;
}

}  // namespace

std::string render_target_text(const target::TargetState& state) {
    const bool scst = state.flavour == target::Flavour::scst;
    std::string out = fmt::format("{} ib_srpt", target::flavour_name(state.flavour));
    if (state.service_guid) {
        out += fmt::format(": id_ext = ioc_guid = service_id = {:016x}", *state.service_guid);
    }
    const bool roce = std::any_of(state.ports.begin(), state.ports.end(),
                                  [](const TargetPort& p) { return p.roce; });
    if (state.rdma_cm_port && (roce || *state.rdma_cm_port != 0)) {
        out += *state.rdma_cm_port == 0 ? "; no RDMA/CM port (no RoCE logins)"
                                        : fmt::format("; RDMA/CM port {}", *state.rdma_cm_port);
    }
    out += "\n";
    for (const TargetPort& p : state.ports) {
        const std::string local = p.local_name();
        out +=
            fmt::format("\nport {} ({}{}): {}\n", p.name, local.empty() ? "no local port" : local,
                        p.roce ? ", RoCE" : (local.empty() ? "" : ", InfiniBand"), port_state(p));
        for (const target::Lun& lun : p.luns) {
            out += fmt::format("  {}{}\n", lun_text(lun, false),
                               scst ? " (initiators in no group)" : "");
        }
        for (const target::Group& g : p.groups) {
            if (scst) {
                std::string inis;
                for (const std::string& i : g.initiators) {
                    inis += (inis.empty() ? "" : ", ") + i;
                }
                out += fmt::format("  group {}: initiators {}\n", g.name,
                                   inis.empty() ? "none" : inis);
            } else {
                out += fmt::format("  ACL {}\n", g.name);
            }
            for (const target::Lun& lun : g.luns) {
                out += fmt::format("    {}\n", lun_text(lun, !scst));
            }
            if (g.luns.empty()) {
                out += "    no LUNs\n";
            }
        }
        for (const target::Session& s : p.sessions) {
            out += fmt::format("  session {} ({})\n", s.initiator,
                               s.group.empty() ? (scst ? "target LUNs" : "no ACL")
                                               : (scst ? "group " : "ACL ") + s.group);
        }
        if (p.configured && p.sessions.empty()) {
            out += "  no sessions\n";
        }
    }
    out += "\ndevices:\n";
    for (const target::Device& d : state.devices) {
        out += fmt::format("  {}  {}  {}{}  {}{}{}\n", d.name, d.handler,
                           target::backing_name(d.backing), d.path.empty() ? "" : " " + d.path,
                           size_text(d.size), d.read_only ? "  read-only" : "",
                           d.enabled ? "" : "  not enabled");
    }
    if (state.devices.empty()) {
        out += "  none\n";
    }
    return out;
}

json render_target_json(const target::TargetState& state) {
    json ports = json::array();
    for (const TargetPort& p : state.ports) {
        json luns = json::array();
        for (const target::Lun& l : p.luns) {
            luns.push_back(lun_json(l));
        }
        json groups = json::array();
        for (const target::Group& g : p.groups) {
            json gl = json::array();
            for (const target::Lun& l : g.luns) {
                gl.push_back(lun_json(l));
            }
            groups.push_back({{"name", g.name}, {"initiators", g.initiators}, {"luns", gl}});
        }
        json sessions = json::array();
        for (const target::Session& s : p.sessions) {
            sessions.push_back({{"initiator", s.initiator}, {"group", s.group}});
        }
        ports.push_back(
            {{"name", p.name},
             {"local_port", p.local_name().empty() ? json(nullptr) : json(p.local_name())},
             {"link_layer",
              p.device.empty() ? json(nullptr) : json(p.roce ? "Ethernet" : "InfiniBand")},
             {"gid", p.gid ? json(p.gid->colon_groups()) : json(nullptr)},
             {"naming", p.naming == target::PortNaming::gid ? "gid" : "guid"},
             {"configured", p.configured},
             {"enabled", p.enabled},
             {"open", p.open},
             {"luns", luns},
             {"groups", groups},
             {"sessions", sessions}});
    }
    json devices = json::array();
    for (const target::Device& d : state.devices) {
        devices.push_back({{"name", d.name},
                           {"handler", d.handler},
                           {"backing", target::backing_name(d.backing)},
                           {"path", d.path.empty() ? json(nullptr) : json(d.path)},
                           {"size", d.size},
                           {"read_only", d.read_only},
                           {"enabled", d.enabled}});
    }
    return {{"version", 1},
            {"flavour", target::flavour_name(state.flavour)},
            {"service_guid", state.service_guid ? json(fmt::format("{:016x}", *state.service_guid))
                                                : json(nullptr)},
            {"rdma_cm_port", state.rdma_cm_port ? json(*state.rdma_cm_port) : json(nullptr)},
            {"ports", ports},
            {"devices", devices}};
}

std::string render_plan(const target::Plan& plan, const host::TreeRoots& roots) {
    if (plan.empty()) {
        return "nothing to change\n" + notes_text(plan);
    }
    std::string out = fmt::format("plan for {} ib_srpt ({} step(s), nothing applied):\n",
                                  target::flavour_name(plan.flavour), plan.steps.size());
    out += steps_text(plan, roots);
    out += fmt::format("the same with {}:\n",
                       plan.flavour == target::Flavour::scst ? "scstadmin" : "targetcli");
    for (const std::string& line : plan.equivalent) {
        out += fmt::format("  {}\n", line);
    }
    return out + notes_text(plan);
}

std::string render_applied(const target::Plan& plan, const host::TreeRoots& roots) {
    if (plan.empty()) {
        return "nothing to change\n" + notes_text(plan);
    }
    return fmt::format("applied to {} ib_srpt ({} step(s)):\n", target::flavour_name(plan.flavour),
                       plan.steps.size()) +
           steps_text(plan, roots) + notes_text(plan);
}

}  // namespace srpadm::cli
