// Local RDMA ports from sysfs (see host_ports.hpp).
#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include <srpadm/host/host_ports.hpp>
#include <srpadm/host/local_port.hpp>

namespace srpadm::host {
namespace {

std::optional<unsigned> small_number(const std::string& text) {
    const auto value = parse_sysfs_number(text);
    if (!value || *value > 0xffffffffULL) {
        return std::nullopt;
    }
    return static_cast<unsigned>(*value);
}

std::string read_or_empty(const Sysfs& sysfs, const std::string& relative) {
    return sysfs.read(relative).value_or("");
}

std::vector<PortGid> read_gids(const Sysfs& sysfs, const std::string& dir) {
    std::vector<PortGid> gids;
    const auto names = sysfs.list(dir + "/gids");
    if (!names) {
        return gids;
    }
    for (const std::string& name : *names) {
        const auto index = small_number(name);
        const auto text = sysfs.read(fmt::format("{}/gids/{}", dir, name));
        if (!index || !text) {
            continue;
        }
        const auto gid = Gid::parse(*text);
        if (!gid || *gid == Gid{}) {
            continue;
        }
        gids.push_back({*index, *gid,
                        read_or_empty(sysfs, fmt::format("{}/gid_attrs/types/{}", dir, name)),
                        read_or_empty(sysfs, fmt::format("{}/gid_attrs/ndevs/{}", dir, name))});
    }
    std::sort(gids.begin(), gids.end(),
              [](const PortGid& a, const PortGid& b) { return a.index < b.index; });
    return gids;
}

}  // namespace

std::string HostPort::name() const {
    return fmt::format("{}:{}", device, port);
}

std::string add_target_path(const std::string& device, unsigned port) {
    return fmt::format("class/infiniband_srp/srp-{}-{}/add_target", device, port);
}

Result<std::vector<HostPort>> local_ports(const Sysfs& sysfs) {
    const auto devices = rdma_devices(sysfs);
    if (!devices) {
        return Unexpected(devices.error());
    }
    // umad<N> → (device, port), from class/infiniband_mad; none when it cannot be read.
    const auto umads = umad_devices(sysfs).value_or(std::vector<UmadDevice>{});
    std::vector<HostPort> out;
    for (const std::string& device : *devices) {
        const std::string dev_dir = "class/infiniband/" + device;
        const auto node_guid = parse_sysfs_guid(read_or_empty(sysfs, dev_dir + "/node_guid"));
        std::vector<std::pair<unsigned, std::string>> ports;
        for (const std::string& name :
             sysfs.list(dev_dir + "/ports").value_or(std::vector<std::string>{})) {
            if (const auto n = small_number(name)) {
                ports.emplace_back(*n, name);
            }
        }
        std::sort(ports.begin(), ports.end());
        for (const auto& [number, name] : ports) {
            const std::string dir = fmt::format("{}/ports/{}", dev_dir, name);
            HostPort p;
            p.device = device;
            p.port = number;
            p.node_guid = node_guid.value_or(0);
            p.link_layer_text = read_or_empty(sysfs, dir + "/link_layer");
            p.link_layer = p.link_layer_text.empty() || p.link_layer_text == "InfiniBand"
                               ? LinkLayer::infiniband
                           : p.link_layer_text == "Ethernet" ? LinkLayer::ethernet
                                                             : LinkLayer::other;
            p.state = read_or_empty(sysfs, dir + "/state");
            p.gids = read_gids(sysfs, dir);
            if (const auto text = sysfs.read(dir + "/gids/0")) {
                if (auto gid = Gid::parse(*text)) {
                    p.gid0 = *gid;
                }
            }
            for (const UmadDevice& umad : umads) {
                if (umad.ca_name == device && umad.port == number) {
                    p.umad = fmt::format("umad{}", umad.index);
                }
            }
            p.srp = sysfs.exists(add_target_path(device, number));
            out.push_back(std::move(p));
        }
    }
    return out;
}

Result<std::vector<HostPort>> select_ports(const std::vector<HostPort>& ports,
                                           const model::PortSelector& selector) {
    std::vector<HostPort> out;
    std::copy_if(ports.begin(), ports.end(), std::back_inserter(out),
                 [&selector](const HostPort& p) { return selector.matches(p.device, p.port); });
    if (out.empty()) {
        std::string names;
        for (const HostPort& p : ports) {
            names += (names.empty() ? "" : ", ") + p.name();
        }
        return fail(Errc::not_found, fmt::format("no local port {} (ports: {})", selector.str(),
                                                 names.empty() ? "none" : names));
    }
    return out;
}

Result<HostPort> srp_port(const Sysfs& sysfs, const std::optional<model::PortSelector>& selector) {
    auto ports = local_ports(sysfs);
    if (!ports) {
        return Unexpected(ports.error());
    }
    std::vector<HostPort> candidates;
    if (selector) {
        auto chosen = select_ports(*ports, *selector);
        if (!chosen) {
            return Unexpected(chosen.error());
        }
        candidates = std::move(*chosen);
    } else {
        candidates = std::move(*ports);
    }
    std::vector<HostPort> srp;
    std::copy_if(candidates.begin(), candidates.end(), std::back_inserter(srp),
                 [](const HostPort& p) { return p.srp; });
    if (srp.size() == 1) {
        return srp.front();
    }
    std::string names;
    for (const HostPort& p : srp) {
        names += (names.empty() ? "" : ", ") + p.name();
    }
    if (srp.empty()) {
        return fail(Errc::not_found,
                    fmt::format("no SRP initiator port {}(no {}); is ib_srp loaded?",
                                selector ? "on " + selector->str() + " " : "",
                                sysfs.path("class/infiniband_srp/srp-*/add_target").string()));
    }
    return fail(Errc::usage, fmt::format("several local ports have an SRP initiator port ({}); "
                                         "choose one with --port DEV:PORT",
                                         names));
}

}  // namespace srpadm::host
