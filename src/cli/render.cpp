#include "render.hpp"

#include <fmt/format.h>

namespace srpadm::cli {
namespace {

std::string slot_state(std::uint8_t code) {
    switch (code) {
        case wire::ioc_slot::not_installed:
            return "not installed";
        case wire::ioc_slot::present:
            return "present";
        case wire::ioc_slot::does_not_exist:
            return "no slot";
        default:
            return "<unknown>";
    }
}

std::string hex(std::uint64_t v, int digits) {
    return fmt::format("0x{:0{}x}", v, digits);
}

}  // namespace

std::string render_listing(const discovery::DiscoveryReport& report, bool verbose) {
    std::string out;
    for (const auto& port : report.ports) {
        if (!port.iou) {
            continue;  // srp_daemon prints nothing for a port whose IOUnitInfo failed
        }
        const auto& iou = *port.iou;
        for (std::size_t copy = 0; copy < port.shared_pkeys.size(); ++copy) {
            out += "IO Unit Info:\n";
            if (port.address.empty()) {
                out += fmt::format("    port LID:        {:04x}\n", port.lid);
            } else {
                out += fmt::format("    port address:    {}\n", port.address);
            }
            out += fmt::format("    port GID:        {}\n", port.gid.hex());
            out += fmt::format("    change ID:       {:04x}\n", iou.change_id);
            out += fmt::format("    max controllers: 0x{:02x}\n", iou.max_controllers);
            if (verbose) {
                for (std::size_t s = 1; s <= iou.max_controllers; ++s) {
                    out += fmt::format("    controller[{:3}]: {}\n", s,
                                       slot_state(iou.slot(s).value_or(0xff)));
                }
            }
            for (const auto& ioc : port.iocs) {
                out += "\n";
                if (ioc.profile.guid == 0 && !ioc.error.empty()) {
                    continue;  // the profile could not be read
                }
                const auto& p = ioc.profile;
                out += fmt::format("    controller[{:3}]\n", ioc.slot);
                out += fmt::format("        GUID:      {:016x}\n", p.guid);
                out += fmt::format("        vendor ID: {:06x}\n", p.vendor_id_iba());
                out += fmt::format("        device ID: {:06x}\n", p.device_id);
                out += fmt::format("        IO class : {:04x}\n", p.io_class);
                out += fmt::format("        Maximum size of Send Messages in bytes: {}\n",
                                   static_cast<std::int32_t>(p.send_size));
                out += fmt::format("        ID:        {}\n", p.id_string.display());
                out += fmt::format("        service entries: {}\n", p.service_entries);
                for (std::size_t i = 0; i < ioc.services.size(); ++i) {
                    const auto& entry = ioc.services[i];
                    if (!discovery::srp_id_ext(entry)) {
                        continue;
                    }
                    out += fmt::format("            service[{:3}]: {:016x} / {}\n", i, entry.id,
                                       entry.name.display());
                }
            }
            out += "\n";
        }
    }
    return out;
}

std::string render_add_target(const discovery::DiscoveryReport& report,
                              const model::LoginPolicy& policy,
                              std::vector<std::string>& problems) {
    std::string out;
    for (const auto& target : report.targets) {
        auto line = login::render(model::login_spec(target, policy));
        if (!line) {
            const std::string where =
                target.rdma ? target.rdma->dest : fmt::format("LID 0x{:04x}", target.lid);
            problems.push_back(fmt::format("target id_ext={} at {}: {}", target.id_ext, where,
                                           line.error().message));
            continue;
        }
        out += *line;
        out += '\n';
    }
    return out;
}

nlohmann::json render_json(const discovery::DiscoveryReport& report,
                           const model::LoginPolicy& policy, const model::PortAttributes& port) {
    nlohmann::json targets = nlohmann::json::array();
    for (const auto& t : report.targets) {
        auto line = login::render(model::login_spec(t, policy));
        nlohmann::json j = {
            {"id_ext", t.id_ext},
            {"ioc_guid", hex(t.ioc_guid, 16)},
            {"dgid", t.dgid.hex()},
            {"pkey", hex(t.pkey, 4)},
            {"service_id", hex(t.service_id, 16)},
            {"io_class", hex(t.io_class, 4)},
            {"target_port_guid", hex(t.port_guid(), 16)},
            {"lid", t.lid},
            {"ioc_slot", t.ioc_slot},
            {"ioc_id", t.ioc_id},
            {"service_name", t.service_name},
            {"send_size", t.send_size},
            {"add_target", line ? nlohmann::json(*line) : nlohmann::json(nullptr)},
        };
        if (!line) {
            j["add_target_error"] = line.error().message;
        }
        if (t.rdma) {
            j["rdma_cm"] = {{"dest", t.rdma->dest},
                            {"src", t.rdma->src ? nlohmann::json(*t.rdma->src) : nullptr}};
        }
        targets.push_back(std::move(j));
    }
    const auto& s = report.stats;
    return {
        {"schema", "srpadm.discover/1"},
        {"local_port",
         {{"ca", port.ca_name},
          {"port", port.port_num},
          {"lid", port.lid},
          {"gid", Gid::from_parts(port.gid_prefix, port.port_guid).hex()},
          {"sm_lid", port.sm_lid}}},
        {"targets", std::move(targets)},
        {"problems", report.problems},
        {"stats",
         {{"dm_ports", s.dm_ports},
          {"dm_ports_unchanged", s.dm_ports_cached},
          {"sa_requests", s.sa_requests},
          {"sa_response_mads", s.sa_response_mads},
          {"dm_requests", s.dm_requests},
          {"retries", s.retries},
          {"timeouts", s.timeouts},
          {"elapsed_us",
           std::chrono::duration_cast<std::chrono::microseconds>(s.elapsed).count()}}},
    };
}

}  // namespace srpadm::cli
