#include <algorithm>

#include <fmt/format.h>

#include <srpadm/host/local_port.hpp>
#include <srpadm/mad/port_watcher.hpp>
#include <srpadm/ops/scan.hpp>

namespace srpadm::ops {
namespace {

// How often --wait-active reads the port's sysfs files.
constexpr auto kPortPoll = std::chrono::milliseconds(250);

void say(const std::function<void(const std::string&)>& to, const std::string& line) {
    if (to) {
        to(line);
    }
}

std::string gid_kind(const model::TargetAddress& a) {
    if (a.family == model::TargetAddress::Family::ipv4) {
        return "IPv4";
    }
    return a.link_local() ? "link-local IPv6" : "IPv6";
}

// The link-local GID of an on-link target named by another address: this port's own for one
// of its own addresses, else the one the neighbour's MAC gives; nullopt when not known.
std::optional<Gid> on_link_gid(const model::TargetAddress& a, const model::GidEntry& source,
                               const std::vector<model::GidEntry>& table,
                               const NeighbourLookup& neighbours) {
    if (a.link_local()) {
        return std::nullopt;  // already the link-local GID
    }
    const Gid dgid = a.gid();
    const bool own = std::any_of(table.begin(), table.end(), [&](const model::GidEntry& e) {
        return e.gid == dgid && e.netdev == source.netdev;
    });
    if (own) {
        const auto ll = std::find_if(table.begin(), table.end(), [&](const model::GidEntry& e) {
            return e.netdev == source.netdev && model::link_local(e.gid);
        });
        return ll == table.end() ? std::nullopt : std::optional<Gid>(ll->gid);
    }
    if (neighbours) {
        if (const auto mac = neighbours(a, source.netdev)) {
            return model::link_local_gid(*mac);
        }
    }
    return std::nullopt;
}

}  // namespace

Result<std::vector<discovery::AddressedPort>> resolve_addressed(
    const std::vector<model::TargetAddress>& addresses, const std::vector<model::GidEntry>& table,
    std::uint16_t default_port, const std::string& port_name, const NeighbourLookup& neighbours) {
    std::vector<discovery::AddressedPort> out;
    for (const auto& a : addresses) {
        const Gid dgid = a.gid();
        const auto source = model::choose_source_gid(table, dgid);
        if (!source) {
            return fail(Errc::unsupported,
                        fmt::format("target {}: port {} has no {} address to reach it from (its "
                                    "GID table lists the addresses of its network device)",
                                    a.with_port(default_port), port_name, gid_kind(a)));
        }
        discovery::AddressedPort p;
        p.login = model::rdma_cm_address(a, *source, table, default_port);
        p.name = p.login.dest;
        if (const auto ll = on_link_gid(a, *source, table, neighbours)) {
            if (const auto ll_source = model::choose_source_gid(table, *ll)) {
                p.routes.push_back(
                    discovery::GidRoute{*ll, static_cast<std::uint8_t>(ll_source->index)});
            }
        }
        p.routes.push_back(discovery::GidRoute{dgid, static_cast<std::uint8_t>(source->index)});
        if (std::none_of(out.begin(), out.end(),
                         [&](const discovery::AddressedPort& o) { return o == p; })) {
            out.push_back(std::move(p));
        }
    }
    return out;
}

Result<PortScan> scan_once(Session& session, const ScanRequest& request) {
    auto ports = session.ports();
    if (!ports) {
        return Unexpected(ports.error());
    }
    PortChoice choice = request.port;
    if (!request.addresses.empty()) {
        choice.port.link_layer = model::LinkLayer::ethernet;
    } else if (!request.configured_addresses.empty()) {
        choice.port.link_layer = model::LinkLayer::unknown;
    }
    auto opened = (*ports)->open(choice);
    if (!opened) {
        return Unexpected(opened.error());
    }
    for (const auto& note : opened->notes) {
        say(request.note, note);
    }
    if (!opened->description.empty()) {
        say(request.options.progress, "using " + opened->description);
    }
    mad::MadEndpoint& ep = *opened->endpoint;
    if (request.wait_active.count() > 0) {
        say(request.options.progress,
            fmt::format("waiting up to {} s for the port to be ACTIVE with an SM",
                        request.wait_active.count()));
        auto ready = mad::wait_until_usable(
            ep.loop(), [&ep] { return ep.port_attributes(); }, request.wait_active, kPortPoll,
            [&session] { return session.interrupting_signal() != 0; });
        if (!ready) {
            if (ready.error().code == Errc::cancelled) {
                return fail(Errc::cancelled, fmt::format("{}: {}", ready.error().message,
                                                         session.interrupt_reason()));
            }
            return Unexpected(ready.error());
        }
    }
    std::optional<Result<discovery::DiscoveryReport>> found;
    const auto on_done = [&found](Result<discovery::DiscoveryReport> r) { found = std::move(r); };
    std::unique_ptr<discovery::ScanOperation> scan;
    const std::vector<model::TargetAddress>* addresses = &request.addresses;
    if (addresses->empty() && !request.configured_addresses.empty()) {
        const auto attrs = ep.port_attributes();
        if (attrs && attrs->link_layer == model::LinkLayer::ethernet) {
            addresses = &request.configured_addresses;
        }
    }
    if (addresses->empty()) {
        scan = discovery::ScanOperation::start(ep, request.options, nullptr, on_done);
    } else {
        auto attrs = ep.port_attributes();
        if (!attrs) {
            return Unexpected(attrs.error());
        }
        const std::string name = fmt::format("{}:{}", attrs->ca_name, attrs->port_num);
        if (attrs->link_layer != model::LinkLayer::ethernet) {
            return fail(Errc::unsupported,
                        fmt::format("port {} is not a RoCE port: targets named by address are "
                                    "reached through a RoCE port; InfiniBand targets are found "
                                    "through the subnet administrator (leave out --target)",
                                    name));
        }
        auto table = ep.gid_table();
        if (!table) {
            return Unexpected(table.error());
        }
        auto addressed =
            resolve_addressed(*addresses, *table, request.rdma_cm_port, name, host::neighbour_mac);
        if (!addressed) {
            return Unexpected(addressed.error());
        }
        for (const auto& a : *addressed) {
            for (const auto& r : a.routes) {
                say(request.options.progress,
                    fmt::format("{}: Device Management MADs to GID {} from GID index {}", a.name,
                                r.dgid.colon_groups(), r.sgid_index));
            }
        }
        scan = discovery::ScanOperation::start(ep, request.options, nullptr, std::move(*addressed),
                                               on_done);
    }
    session.on_interrupt([&scan](const std::string& why) { scan->cancel(why); });
    if (session.interrupting_signal() != 0) {
        scan->cancel(session.interrupt_reason());
    }
    ep.loop().run_until([&found] { return found.has_value(); });
    session.on_interrupt({});
    if (!found) {
        return fail(Errc::internal, "discovery stopped before its requests completed");
    }
    if (!*found) {
        return Unexpected(found->error());
    }
    auto attrs = ep.port_attributes();
    return PortScan{std::move(**found), attrs ? *attrs : model::PortAttributes{}};
}

}  // namespace srpadm::ops
