// The host side of a simulated fabric as a sysfs tree (see host_tree.hpp).
#include <algorithm>
#include <map>
#include <system_error>
#include <tuple>

#include <fmt/format.h>

#include <srpadm/sim/host_tree.hpp>

#include "sysfs_files.hpp"

namespace srpadm::sim {
namespace {

namespace fs = std::filesystem;
using files::put_all;

// The umad character devices' major number (kernel drivers/infiniband/core/user_mad.c,
// IB_UMAD_MAJOR).
constexpr unsigned kUmadMajor = 231;
// ABI version of the umad interface (user_mad.c, IB_USER_MAD_ABI_VERSION).
constexpr unsigned kUmadAbiVersion = 5;
// PortPhysicalState values (IBA 14.2.5.6, PortInfo), as ib_port_phys_state_str() names them.
constexpr unsigned kPhysPolling = 2;
constexpr unsigned kPhysLinkUp = 5;

// %04x:%04x:%04x:%04x, as node_guid_show() prints a GUID.
std::string guid_text(Guid g) {
    return guid_colon_form(g);
}

std::string phys_state_text(model::PortState state) {
    return state == model::PortState::down ? fmt::format("{}: Polling\n", kPhysPolling)
                                           : fmt::format("{}: LinkUp\n", kPhysLinkUp);
}

fs::path port_dir(const fs::path& root, const Fabric& fabric, std::size_t index) {
    const LocalPort& lp = fabric.local_ports.at(index);
    return root / "class/infiniband" / lp.ca_name / "ports" / std::to_string(lp.port.port);
}

// The files of ports/<n>/ that fabric events change.
Result<void> write_port_state(const Fabric& fabric, const fs::path& dir, const Port& p) {
    std::error_code ec;
    fs::remove_all(dir / "pkeys", ec);
    std::vector<std::pair<fs::path, std::string>> files = {
        {dir / "lid", fmt::format("0x{:x}\n", p.lid)},
        {dir / "lid_mask_count", fmt::format("{}\n", p.lmc)},
        {dir / "sm_lid", fmt::format("0x{:x}\n", fabric.sm_lid())},
        {dir / "sm_sl", "0\n"},
        {dir / "state",
         fmt::format("{}: {}\n", static_cast<unsigned>(p.state), model::port_state_name(p.state))},
        {dir / "phys_state", phys_state_text(p.state)},
        {dir / "cap_mask", fmt::format("0x{:08x}\n", p.capability_mask)},
    };
    // The whole table, empty entries included, as pkey_show() shows every index.
    for (std::size_t i = 0; i < p.pkeys.size(); ++i) {
        files.emplace_back(dir / "pkeys" / std::to_string(i),
                           fmt::format("0x{:04x}\n", p.pkeys[i]));
    }
    if (p.pkeys.empty()) {
        files.emplace_back(dir / "pkeys/0", "0x0000\n");
    }
    return put_all(files);
}

}  // namespace

std::string srp_port_name(const Fabric& fabric, std::size_t local_index) {
    const LocalPort& lp = fabric.local_ports.at(local_index);
    return fmt::format("srp-{}-{}", lp.ca_name, lp.port.port);
}

Result<void> check_host_ports(const Fabric& fabric) {
    std::map<std::string, std::size_t> node_of;  // device name → CA node
    for (std::size_t i = 0; i < fabric.local_ports.size(); ++i) {
        const LocalPort& lp = fabric.local_ports[i];
        if (fabric.find_port(lp.port) == nullptr) {
            return fail(
                Errc::invalid_input,
                fmt::format("{}: initiator port #{} is not in the fabric", fabric.source, i + 1));
        }
        const auto [it, inserted] = node_of.emplace(lp.ca_name, lp.port.node);
        if (!inserted && it->second != lp.port.node) {
            return fail(Errc::invalid_input,
                        fmt::format("{}: initiator ports on two HCAs (\"{}\" and \"{}\") have the "
                                    "device name {}: give each HCA its own 'ibdev NAME'",
                                    fabric.source, fabric.nodes[it->second].name,
                                    fabric.node(lp.port).name, lp.ca_name));
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (fabric.local_ports[j].ca_name == lp.ca_name &&
                fabric.local_ports[j].port.port == lp.port.port) {
                return fail(Errc::invalid_input,
                            fmt::format("{}: two initiator ports are {}:{}", fabric.source,
                                        lp.ca_name, lp.port.port));
            }
        }
    }
    return {};
}

Result<void> lay_out_host(const Fabric& fabric, const fs::path& root,
                          const HostTreeOptions& options) {
    if (auto r = check_host_ports(fabric); !r) {
        return r;
    }
    if (auto r = files::make_empty_root(root, "host"); !r) {
        return r;
    }
    // Local ports by device name, then port number: the order of umad<N>.
    std::vector<std::size_t> order(fabric.local_ports.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        order[i] = i;
    }
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const LocalPort& x = fabric.local_ports[a];
        const LocalPort& y = fabric.local_ports[b];
        return std::tie(x.ca_name, x.port.port) < std::tie(y.ca_name, y.port.port);
    });
    std::vector<std::pair<fs::path, std::string>> files = {
        {root / "class/infiniband_mad/abi_version", fmt::format("{}\n", kUmadAbiVersion)},
    };
    unsigned umad = 0;
    for (const std::size_t index : order) {
        const LocalPort& lp = fabric.local_ports[index];
        const Node& node = fabric.node(lp.port);
        const Port& p = fabric.port(lp.port);
        const fs::path dev = root / "class/infiniband" / lp.ca_name;
        const fs::path dir = port_dir(root, fabric, index);
        const std::string port = std::to_string(lp.port.port);
        files.emplace_back(dev / "node_guid", guid_text(node.node_guid) + "\n");
        files.emplace_back(
            dev / "sys_image_guid",
            guid_text(node.system_image_guid != 0 ? node.system_image_guid : node.node_guid) +
                "\n");
        files.emplace_back(dev / "node_type", "1: CA\n");
        files.emplace_back(dev / "node_desc", node.description + "\n");
        files.emplace_back(dir / "link_layer", "InfiniBand\n");
        files.emplace_back(dir / "gids/0", fabric.gid(lp.port).colon_groups() + "\n");
        const fs::path mad = root / "class/infiniband_mad" / fmt::format("umad{}", umad);
        files.emplace_back(mad / "ibdev", lp.ca_name + "\n");
        files.emplace_back(mad / "port", port + "\n");
        files.emplace_back(mad / "dev", fmt::format("{}:{}\n", kUmadMajor, umad));
        ++umad;
        const fs::path srp = root / "class/infiniband_srp" / srp_port_name(fabric, index);
        files.emplace_back(srp / "add_target", "");
        files.emplace_back(srp / "ibdev", lp.ca_name + "\n");
        files.emplace_back(srp / "port", port + "\n");
        if (auto r = write_port_state(fabric, dir, p); !r) {
            return r;
        }
    }
    // module/ib_srp/parameters: srp_tmo_get() prints a number or "off"; bool parameters
    // print Y or N (kernel/params.c param_get_bool()).
    const fs::path params = root / "module/ib_srp/parameters";
    const auto tmo = [](int v) { return model::format_tmo(v) + "\n"; };
    files.emplace_back(params / "fast_io_fail_tmo", tmo(options.timeouts.fast_io_fail_tmo));
    files.emplace_back(params / "dev_loss_tmo", tmo(options.timeouts.dev_loss_tmo));
    files.emplace_back(params / "reconnect_delay", tmo(options.timeouts.reconnect_delay));
    files.emplace_back(params / "use_imm_data", options.use_imm_data ? "Y\n" : "N\n");
    files.emplace_back(params / "max_imm_data", fmt::format("{}\n", options.max_imm_data));
    files.emplace_back(params / "topspin_workarounds", options.topspin_workarounds ? "1\n" : "0\n");
    // srp_init_module() turns cmd_sg_entries 0 into SRP_DEF_SG_TABLESIZE (12).
    files.emplace_back(params / "cmd_sg_entries", "12\n");
    files.emplace_back(params / "ch_count", "0\n");
    files.emplace_back(params / "allow_ext_sg", "N\n");
    // The classes of the SCSI hosts and remote ports to come (empty until a login).
    std::error_code ec;
    for (const char* dir : {"class/scsi_host", "class/srp_remote_ports"}) {
        fs::create_directories(root / dir, ec);
        if (ec) {
            return fail(Errc::io, fmt::format("{}: {}", (root / dir).string(), ec.message()));
        }
    }
    return put_all(files);
}

Result<void> update_port_files(const Fabric& fabric, const fs::path& root,
                               std::size_t local_index) {
    if (local_index >= fabric.local_ports.size()) {
        return fail(Errc::not_found,
                    fmt::format("{}: no initiator port #{}", fabric.source, local_index + 1));
    }
    const LocalPort& lp = fabric.local_ports[local_index];
    return write_port_state(fabric, port_dir(root, fabric, local_index), fabric.port(lp.port));
}

}  // namespace srpadm::sim
