// Local RDMA ports and umad devices from sysfs, and choosing one the way libibumad does.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include <srpadm/host/local_port.hpp>
#include <srpadm/model/port.hpp>
#include <srpadm/text.hpp>

namespace srpadm::host {
namespace {

constexpr unsigned kStateActive = 4;
constexpr unsigned kPhysLinkUp = 5;
constexpr unsigned kPhysDisabled = 3;
constexpr std::size_t kMaxPKeyIndex = 0xffff;
constexpr std::string_view kUmadDevDir = "/dev/infiniband/";

std::string port_name(std::string_view ca, unsigned port) {
    return fmt::format("{}:{}", ca, port);
}

std::string port_dir(std::string_view ca, unsigned port) {
    return fmt::format("class/infiniband/{}/ports/{}", ca, port);
}

// A local port whose files cannot be read is unusable (exit status 4), not a host-side
// action that failed.
Unexpected port_error(Error e) {
    if (e.code == Errc::io) {
        e.code = Errc::port_state;
    }
    return Unexpected(std::move(e));
}

Unexpected bad_content(const Sysfs& sysfs, const std::string& file, std::string_view text) {
    return fail(Errc::port_state,
                fmt::format("{}: unexpected content '{}'", sysfs.path(file).string(), text));
}

// A numeric sysfs file, or an error naming it.
Result<std::uint64_t> read_number(const Sysfs& sysfs, const std::string& file, std::uint64_t max) {
    auto text = sysfs.read(file);
    if (!text) {
        return port_error(text.error());
    }
    const auto value = parse_sysfs_number(*text);
    if (!value || *value > max) {
        return bad_content(sysfs, file, *text);
    }
    return *value;
}

Result<std::vector<PKey>> read_pkeys(const Sysfs& sysfs, const std::string& dir) {
    auto names = sysfs.list(dir + "/pkeys");
    if (!names) {
        return port_error(names.error());
    }
    std::map<std::size_t, PKey> by_index;
    for (const auto& name : *names) {
        const auto index = text::parse_number<unsigned>(name);
        if (!index || *index > kMaxPKeyIndex) {
            continue;  // not a table entry (libibumad skips non-numeric names too)
        }
        auto value = read_number(sysfs, fmt::format("{}/pkeys/{}", dir, name), 0xffff);
        if (!value) {
            return Unexpected(value.error());
        }
        by_index[*index] = static_cast<PKey>(*value);
    }
    if (by_index.empty()) {
        return fail(Errc::port_state,
                    fmt::format("{}: no P_Key table entries", sysfs.path(dir + "/pkeys").string()));
    }
    std::vector<PKey> pkeys(by_index.rbegin()->first + 1, 0);
    for (const auto& [index, value] : by_index) {
        pkeys[index] = value;
    }
    return pkeys;
}

Unexpected wrong_link_layer(const LocalPort& p) {
    const std::string name = port_name(p.attributes.ca_name, p.attributes.port_num);
    if (p.attributes.link_layer == model::LinkLayer::ethernet) {
        return fail(Errc::unsupported,
                    fmt::format("port {} is a RoCE port (link layer Ethernet): it has no subnet "
                                "administrator and takes no LID-routed Device Management MADs; "
                                "choose an InfiniBand port, or name RoCE targets by address "
                                "(--target)",
                                name));
    }
    return fail(Errc::unsupported,
                fmt::format("port {} is an InfiniBand port: targets named by address are "
                            "reached through a RoCE port; InfiniBand targets are found through "
                            "the subnet administrator (leave out --target)",
                            name));
}

const char* link_layer_word(model::LinkLayer layer) {
    return layer == model::LinkLayer::ethernet ? "RoCE" : "InfiniBand";
}

Result<UmadDevice> umad_for(const std::vector<UmadDevice>& devices, std::string_view ca,
                            unsigned port, const Sysfs& sysfs) {
    for (const auto& d : devices) {
        if (d.ca_name == ca && d.port == port) {
            return d;
        }
    }
    return fail(Errc::not_found,
                fmt::format("port {} has no umad device in {} (is the ib_umad module loaded?)",
                            port_name(ca, port), sysfs.path("class/infiniband_mad").string()));
}

std::string joined(const std::vector<std::string>& names) {
    return names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", "));
}

Result<UmadDevice> parse_umad_name(std::string_view text, const std::vector<UmadDevice>& devices,
                                   const Sysfs& sysfs) {
    std::string_view name = text;
    if (name.substr(0, kUmadDevDir.size()) == kUmadDevDir) {
        name.remove_prefix(kUmadDevDir.size());
    }
    const auto index = name.substr(0, 4) == "umad" ? text::parse_number<unsigned>(name.substr(4))
                                                   : std::optional<unsigned>{};
    if (!index) {
        return fail(Errc::usage, fmt::format("option --umad-device: '{}' is not "
                                             "/dev/infiniband/umadN or umadN",
                                             text));
    }
    for (const auto& d : devices) {
        if (d.index == *index) {
            return d;
        }
    }
    std::vector<std::string> known;
    known.reserve(devices.size());
    for (const auto& d : devices) {
        known.push_back(fmt::format("umad{} ({})", d.index, port_name(d.ca_name, d.port)));
    }
    return fail(Errc::not_found,
                fmt::format("umad device '{}' does not exist: no {}/umad{}; umad devices: {}", text,
                            sysfs.path("class/infiniband_mad").string(), *index, joined(known)));
}

}  // namespace

std::optional<Guid> parse_sysfs_guid(std::string_view text) {
    Guid guid = 0;
    std::size_t groups = 0;
    while (true) {
        const auto colon = text.find(':');
        const std::string_view group = text.substr(0, colon);
        std::uint16_t value = 0;
        const auto [ptr, ec] =
            std::from_chars(group.data(), group.data() + group.size(), value, 16);
        if (group.empty() || group.size() > 4 || ec != std::errc{} ||
            ptr != group.data() + group.size() || ++groups > 4) {
            return std::nullopt;
        }
        guid = (guid << 16) | value;
        if (colon == std::string_view::npos) {
            break;
        }
        text.remove_prefix(colon + 1);
    }
    if (groups != 4) {
        return std::nullopt;
    }
    return guid;
}

std::string UmadDevice::path() const {
    return fmt::format("{}umad{}", kUmadDevDir, index);
}

Result<std::vector<std::string>> rdma_devices(const Sysfs& sysfs) {
    auto names = sysfs.list("class/infiniband");
    if (!names) {
        if (names.error().code == Errc::not_found) {
            return fail(Errc::not_found,
                        fmt::format("no RDMA devices: {} does not exist (is an RDMA driver such "
                                    "as mlx5_ib or rdma_rxe loaded?)",
                                    sysfs.path("class/infiniband").string()));
        }
        return port_error(names.error());
    }
    return names;
}

Result<std::vector<unsigned>> device_ports(const Sysfs& sysfs, std::string_view ca) {
    auto names = sysfs.list(fmt::format("class/infiniband/{}/ports", ca));
    if (!names) {
        return port_error(names.error());
    }
    std::vector<unsigned> ports;
    for (const auto& name : *names) {
        if (const auto n = text::parse_number<unsigned>(name)) {
            ports.push_back(*n);
        }
    }
    std::sort(ports.begin(), ports.end());
    return ports;
}

Result<LocalPort> read_local_port(const Sysfs& sysfs, std::string_view ca, unsigned port) {
    const std::string dir = port_dir(ca, port);
    LocalPort out;
    model::PortAttributes& a = out.attributes;
    a.ca_name = std::string(ca);
    a.port_num = port;

    auto lid = read_number(sysfs, dir + "/lid", 0xffff);
    auto lmc = read_number(sysfs, dir + "/lid_mask_count", 7);
    auto sm_lid = read_number(sysfs, dir + "/sm_lid", 0xffff);
    auto sm_sl = read_number(sysfs, dir + "/sm_sl", 15);
    auto state = read_number(sysfs, dir + "/state", 0xff);
    auto phys = read_number(sysfs, dir + "/phys_state", 0xff);
    auto cap = read_number(sysfs, dir + "/cap_mask", 0xffffffff);
    for (const auto* r : {&lid, &lmc, &sm_lid, &sm_sl, &state, &phys, &cap}) {
        if (!*r) {
            return Unexpected(r->error());
        }
    }
    a.lid = static_cast<Lid>(*lid);
    a.lmc = static_cast<std::uint8_t>(*lmc);
    a.sm_lid = static_cast<Lid>(*sm_lid);
    a.sm_sl = static_cast<std::uint8_t>(*sm_sl);
    a.state =
        *state <= kStateActive ? static_cast<model::PortState>(*state) : model::PortState::nop;
    a.phys_state = static_cast<std::uint8_t>(*phys);
    a.capability_mask = static_cast<std::uint32_t>(*cap);

    auto gid_text = sysfs.read(dir + "/gids/0");
    if (!gid_text) {
        return port_error(gid_text.error());
    }
    auto gid = Gid::parse(*gid_text);
    if (!gid) {
        return bad_content(sysfs, dir + "/gids/0", *gid_text);
    }
    a.gid_prefix = gid->prefix();
    a.port_guid = gid->guid();

    auto pkeys = read_pkeys(sysfs, dir);
    if (!pkeys) {
        return Unexpected(pkeys.error());
    }
    a.pkeys = std::move(*pkeys);

    const std::string guid_file = fmt::format("class/infiniband/{}/node_guid", ca);
    auto guid_text = sysfs.read(guid_file);
    if (!guid_text) {
        return port_error(guid_text.error());
    }
    const auto node_guid = parse_sysfs_guid(*guid_text);
    if (!node_guid) {
        return bad_content(sysfs, guid_file, *guid_text);
    }
    a.node_guid = *node_guid;

    auto layer = sysfs.read(dir + "/link_layer");
    if (layer) {
        if (*layer == "InfiniBand") {
            a.link_layer = model::LinkLayer::infiniband;
        } else if (*layer == "Ethernet") {
            a.link_layer = model::LinkLayer::ethernet;
        } else {
            a.link_layer = model::LinkLayer::unknown;
        }
    } else if (layer.error().code == Errc::not_found) {
        a.link_layer = model::LinkLayer::infiniband;
        out.link_layer_missing = true;
    } else {
        return port_error(layer.error());
    }
    return out;
}

Result<std::vector<UmadDevice>> umad_devices(const Sysfs& sysfs) {
    auto names = sysfs.list("class/infiniband_mad");
    if (!names) {
        return port_error(names.error());
    }
    std::vector<UmadDevice> out;
    for (const auto& name : *names) {
        const auto index = name.substr(0, 4) == "umad"
                               ? text::parse_number<unsigned>(name.substr(4))
                               : std::optional<unsigned>{};
        if (!index) {
            continue;  // abi_version, issmN
        }
        UmadDevice d;
        d.index = *index;
        auto ibdev = sysfs.read(fmt::format("class/infiniband_mad/{}/ibdev", name));
        if (!ibdev) {
            return port_error(ibdev.error());
        }
        d.ca_name = *ibdev;
        auto port = read_number(sysfs, fmt::format("class/infiniband_mad/{}/port", name), 0xff);
        if (!port) {
            return Unexpected(port.error());
        }
        d.port = static_cast<unsigned>(*port);
        out.push_back(std::move(d));
    }
    std::sort(out.begin(), out.end(),
              [](const UmadDevice& x, const UmadDevice& y) { return x.index < y.index; });
    return out;
}

Result<std::vector<model::GidEntry>> read_gid_table(const Sysfs& sysfs, std::string_view ca,
                                                    unsigned port) {
    const std::string dir = port_dir(ca, port);
    auto names = sysfs.list(dir + "/gids");
    if (!names) {
        return port_error(names.error());
    }
    std::vector<model::GidEntry> out;
    for (const auto& name : *names) {
        unsigned index = 0;
        const auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), index);
        if (ec != std::errc() || ptr != name.data() + name.size()) {
            continue;
        }
        const std::string file = fmt::format("{}/gids/{}", dir, name);
        auto text = sysfs.read(file);
        if (!text) {
            continue;  // an entry being changed; the next read sees it
        }
        auto gid = Gid::parse(*text);
        if (!gid) {
            return bad_content(sysfs, file, *text);
        }
        if (*gid == Gid{}) {
            continue;
        }
        model::GidEntry e;
        e.index = index;
        e.gid = *gid;
        if (auto type = sysfs.read(fmt::format("{}/gid_attrs/types/{}", dir, name))) {
            e.roce_v2 = *type == "RoCE v2";
        }
        if (auto ndev = sysfs.read(fmt::format("{}/gid_attrs/ndevs/{}", dir, name))) {
            e.netdev = *ndev;
        }
        out.push_back(std::move(e));
    }
    std::sort(out.begin(), out.end(),
              [](const model::GidEntry& x, const model::GidEntry& y) { return x.index < y.index; });
    return out;
}

std::optional<model::MacAddress> arp_lookup(std::string_view table,
                                            const model::TargetAddress& address,
                                            std::string_view netdev) {
    // "IP address  HW type  Flags  HW address  Mask  Device" after a header line
    // (net/ipv4/arp.c, arp_format_neigh_entry()); flags 0x2 (ATF_COM) marks a complete entry.
    const std::string ip = address.host();
    std::istringstream lines{std::string(table)};
    std::string line;
    std::getline(lines, line);  // the header
    while (std::getline(lines, line)) {
        std::istringstream fields(line);
        std::string addr;
        std::string type;
        std::string flags;
        std::string mac;
        std::string mask;
        std::string dev;
        if (!(fields >> addr >> type >> flags >> mac >> mask >> dev) || addr != ip ||
            dev != netdev) {
            continue;
        }
        const auto value = parse_sysfs_number(flags);
        if (value && (*value & 0x2) != 0) {
            return model::parse_mac(mac);
        }
    }
    return std::nullopt;
}

std::optional<model::MacAddress> neighbour_mac(const model::TargetAddress& address,
                                               const std::string& netdev) {
    if (address.family != model::TargetAddress::Family::ipv4) {
        return std::nullopt;
    }
    std::ifstream in("/proc/net/arp");
    if (!in) {
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return arp_lookup(text.str(), address, netdev);
}

Result<PortRequest> parse_port_option(std::string_view text) {
    auto selector = model::parse_port_selector(text);
    if (!selector) {
        return fail(Errc::usage,
                    fmt::format("option --port: '{}': {}", text, selector.error().message));
    }
    PortRequest r;
    r.ca_name = selector->device;
    r.port = selector->port.value_or(0);
    return r;
}

Result<SelectedPort> select_port(const Sysfs& sysfs, const PortRequest& request) {
    if (request.link_layer == model::LinkLayer::unknown && request.umad_device.empty() &&
        request.port == 0) {
        // Either kind: InfiniBand first, then RoCE.
        PortRequest ib = request;
        ib.link_layer = model::LinkLayer::infiniband;
        auto found = select_port(sysfs, ib);
        if (found || found.error().code != Errc::unsupported) {
            return found;
        }
        PortRequest roce = request;
        roce.link_layer = model::LinkLayer::ethernet;
        return select_port(sysfs, roce);
    }
    auto umads = umad_devices(sysfs);
    if (!umads) {
        if (umads.error().code == Errc::not_found) {
            return fail(Errc::not_found,
                        fmt::format("no umad devices: {} does not exist (is the ib_umad module "
                                    "loaded?)",
                                    sysfs.path("class/infiniband_mad").string()));
        }
        return Unexpected(umads.error());
    }
    // Reads one port and refuses RoCE.
    const auto chosen = [&](std::string_view ca, unsigned port,
                            std::string reason) -> Result<SelectedPort> {
        auto p = read_local_port(sysfs, ca, port);
        if (!p) {
            return Unexpected(p.error());
        }
        if (request.link_layer != model::LinkLayer::unknown &&
            p->attributes.link_layer != request.link_layer) {
            return wrong_link_layer(*p);
        }
        auto umad = umad_for(*umads, ca, port, sysfs);
        if (!umad) {
            return Unexpected(umad.error());
        }
        return SelectedPort{std::move(*p), std::move(*umad), std::move(reason)};
    };

    if (!request.umad_device.empty()) {
        auto d = parse_umad_name(request.umad_device, *umads, sysfs);
        if (!d) {
            return Unexpected(d.error());
        }
        return chosen(d->ca_name, d->port, fmt::format("umad device {}", d->path()));
    }

    auto devices = rdma_devices(sysfs);
    if (!devices || devices->empty()) {
        return fail(Errc::not_found,
                    fmt::format("no RDMA devices in {}", sysfs.path("class/infiniband").string()));
    }
    std::vector<std::string> candidates = *devices;
    if (!request.ca_name.empty()) {
        if (std::find(devices->begin(), devices->end(), request.ca_name) == devices->end()) {
            return fail(Errc::not_found, fmt::format("RDMA device '{}' does not exist; devices: {}",
                                                     request.ca_name, joined(*devices)));
        }
        candidates = {request.ca_name};
    }
    if (request.port != 0) {
        auto ports = device_ports(sysfs, request.ca_name);
        if (!ports) {
            return Unexpected(ports.error());
        }
        if (std::find(ports->begin(), ports->end(), request.port) == ports->end()) {
            std::vector<std::string> names;
            for (const unsigned p : *ports) {
                names.push_back(std::to_string(p));
            }
            return fail(Errc::not_found, fmt::format("{} has no port {}; its ports: {}",
                                                     request.ca_name, request.port, joined(names)));
        }
        return chosen(request.ca_name, request.port, "as given");
    }

    // Rank every port of the wanted link layer: ACTIVE, then LinkUp, then not Disabled.
    std::optional<LocalPort> best[3];
    std::vector<std::string> other;
    std::vector<std::string> unusable;
    for (const auto& ca : candidates) {
        auto ports = device_ports(sysfs, ca);
        if (!ports) {
            return Unexpected(ports.error());
        }
        for (const unsigned n : *ports) {
            auto p = read_local_port(sysfs, ca, n);
            if (!p) {
                return Unexpected(p.error());
            }
            const auto& a = p->attributes;
            if (a.link_layer != request.link_layer) {
                other.push_back(port_name(ca, n));
                continue;
            }
            int rank = -1;
            if (a.state == model::PortState::active) {
                rank = 0;
            } else if (a.phys_state == kPhysLinkUp) {
                rank = 1;
            } else if (a.phys_state != kPhysDisabled) {
                rank = 2;
            }
            if (rank < 0) {
                unusable.push_back(fmt::format("{} (Disabled)", port_name(ca, n)));
            } else if (!best[rank]) {
                best[rank] = std::move(*p);
            }
        }
    }
    const char* kind = link_layer_word(request.link_layer);
    const std::string reasons[] = {
        fmt::format("the first ACTIVE {} port", kind),
        fmt::format("no port is ACTIVE; the first {} port with link up", kind),
        fmt::format("no port is ACTIVE or has link up; the first {} port that is not disabled",
                    kind)};
    for (std::size_t rank = 0; rank < 3; ++rank) {
        if (best[rank]) {
            const auto& a = best[rank]->attributes;
            auto umad = umad_for(*umads, a.ca_name, a.port_num, sysfs);
            if (!umad) {
                return Unexpected(umad.error());
            }
            return SelectedPort{std::move(*best[rank]), std::move(*umad), reasons[rank]};
        }
    }
    const std::string where = request.ca_name.empty() ? std::string("this host")
                                                      : fmt::format("device {}", request.ca_name);
    if (!other.empty() && unusable.empty()) {
        if (request.link_layer == model::LinkLayer::ethernet) {
            return fail(Errc::unsupported,
                        fmt::format("{} has no RoCE ports (only InfiniBand: {}); targets named "
                                    "by address are reached through a RoCE port",
                                    where, joined(other)));
        }
        return fail(Errc::unsupported,
                    fmt::format("{} has only RoCE ports (link layer Ethernet: {}); SRP discovery "
                                "with SA and Device Management MADs needs an InfiniBand port; "
                                "name RoCE targets by address (--target)",
                                where, joined(other)));
    }
    if (!unusable.empty()) {
        return fail(Errc::port_state, fmt::format("every {} port of {} is disabled: {}", kind,
                                                  where, joined(unusable)));
    }
    return fail(Errc::not_found, fmt::format("{} has no ports", where));
}

}  // namespace srpadm::host
