#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include <srpadm/host/local_port.hpp>
#include <srpadm/sim/fabric.hpp>
#include <srpadm/text.hpp>

namespace srpadm::sim {

std::string_view node_type_name(NodeType type) {
    switch (type) {
        case NodeType::ca:
            return "CA";
        case NodeType::switch_node:
            return "switch";
        case NodeType::router:
            return "router";
    }
    return "?";
}

std::string_view dm_flavour_name(DmFlavour flavour) {
    return flavour == DmFlavour::lio ? "lio" : "generic";
}

const Ioc* DmAgent::ioc_in_slot(unsigned slot) const {
    for (const auto& ioc : iocs) {
        if (ioc.slot == slot) {
            return &ioc;
        }
    }
    return nullptr;
}

bool AclEntry::matches(const model::PortId& sent, Guid initiator_port_guid) const {
    return kind == Kind::port_id ? id == sent : guid == initiator_port_guid;
}

std::optional<AclEntry> parse_acl_entry(std::string_view text) {
    AclEntry entry;
    if (text.find(':') != std::string_view::npos) {
        const auto guid = host::parse_sysfs_guid(text);
        if (!guid) {
            return std::nullopt;
        }
        entry.kind = AclEntry::Kind::port_guid;
        entry.guid = *guid;
        return entry;
    }
    if (text.size() == 34 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        text.remove_prefix(2);
    }
    if (text.size() != 32 || !text::all_of(text, text::is_hex_digit)) {
        return std::nullopt;
    }
    for (std::size_t i = 0; i < entry.id.size(); ++i) {
        entry.id.at(i) = static_cast<std::uint8_t>(*text::parse_hex(text.substr(2 * i, 2)));
    }
    return entry;
}

std::string acl_entry_text(const AclEntry& entry) {
    return entry.kind == AclEntry::Kind::port_id ? model::port_id_text(entry.id)
                                                 : guid_colon_form(entry.guid);
}

bool SrpAcl::admits(const model::PortId& sent, Guid initiator_port_guid) const {
    return any || std::any_of(entries.begin(), entries.end(), [&](const AclEntry& e) {
               return e.matches(sent, initiator_port_guid);
           });
}

Port* Node::port(unsigned num) {
    for (auto& p : ports) {
        if (p.num == num) {
            return &p;
        }
    }
    return nullptr;
}

const Port* Node::port(unsigned num) const {
    for (const auto& p : ports) {
        if (p.num == num) {
            return &p;
        }
    }
    return nullptr;
}

bool pkeys_match(PKey a, PKey b) {
    if (pkey_base(a) == 0 || pkey_base(b) == 0) {
        return false;
    }
    return pkey_base(a) == pkey_base(b) &&
           ((a & kPKeyMembershipBit) != 0 || (b & kPKeyMembershipBit) != 0);
}

bool ports_share_pkey(const Port& a, const Port& b) {
    for (const PKey pa : a.pkeys) {
        for (const PKey pb : b.pkeys) {
            if (pkeys_match(pa, pb)) {
                return true;
            }
        }
    }
    return false;
}

namespace {

const PKey* find_base(const Port& p, PKey pkey) {
    for (const PKey& k : p.pkeys) {
        if (pkey_base(k) != 0 && pkey_base(k) == pkey_base(pkey)) {
            return &k;
        }
    }
    return nullptr;
}

// OpenSM keys its P_Key maps by the base P_Key in network byte order held in a 64-bit
// integer; on a little-endian host the map therefore sorts by the byte-swapped value.
std::uint16_t opensm_map_order(PKey pkey) {
    const auto base = pkey_base(pkey);
    return static_cast<std::uint16_t>(((base & 0xff) << 8) | (base >> 8));
}

std::vector<PKey> sorted_table(const Port& p) {
    std::vector<PKey> keys;
    for (const PKey k : p.pkeys) {
        if (pkey_base(k) == 0) {
            continue;
        }
        // One map entry per base; a later duplicate does not replace the first.
        if (std::none_of(keys.begin(), keys.end(),
                         [&](PKey x) { return pkey_base(x) == pkey_base(k); })) {
            keys.push_back(k);
        }
    }
    std::sort(keys.begin(), keys.end(),
              [](PKey x, PKey y) { return opensm_map_order(x) < opensm_map_order(y); });
    return keys;
}

}  // namespace

bool ports_share_this_pkey(const Port& a, const Port& b, PKey pkey) {
    const PKey* ka = find_base(a, pkey);
    const PKey* kb = find_base(b, pkey);
    return ka != nullptr && kb != nullptr && pkeys_match(*ka, *kb);
}

std::optional<PKey> first_common_pkey(const Port& a, const Port& b) {
    const auto ta = sorted_table(a);
    const auto tb = sorted_table(b);
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < ta.size() && j < tb.size()) {
        if (pkeys_match(ta[i], tb[j])) {
            return ta[i];
        }
        const auto oa = opensm_map_order(ta[i]);
        const auto ob = opensm_map_order(tb[j]);
        if (oa == ob) {
            ++i;
            ++j;
        } else if (oa < ob) {
            ++i;
        } else {
            ++j;
        }
    }
    return std::nullopt;
}

Port& Fabric::port(PortRef r) {
    Port* p = nodes.at(r.node).port(r.port);
    if (p == nullptr) {
        throw std::out_of_range(fmt::format("node {} has no port {}", r.node, r.port));
    }
    return *p;
}

const Port& Fabric::port(PortRef r) const {
    const Port* p = find_port(r);
    if (p == nullptr) {
        throw std::out_of_range(fmt::format("node {} has no port {}", r.node, r.port));
    }
    return *p;
}

const Port* Fabric::find_port(PortRef r) const {
    if (r.node >= nodes.size()) {
        return nullptr;
    }
    return nodes[r.node].port(r.port);
}

void Fabric::reindex() {
    lid_index_.clear();
    guid_index_.clear();
    name_index_.clear();
    for (std::size_t n = 0; n < nodes.size(); ++n) {
        const Node& node = nodes[n];
        name_index_.emplace(node.name, n);
        for (const Port& p : node.ports) {
            if (!node.is_end_port(p)) {
                continue;
            }
            if (p.guid != 0) {
                guid_index_.emplace(p.guid, PortRef{n, p.num});
            }
            if (p.lid != 0) {
                lid_index_.emplace(p.lid, PortRef{n, p.num});
            }
        }
    }
}

std::optional<PortRef> Fabric::by_lid(Lid lid) const {
    if (lid == 0 || lid > kMaxUnicastLid) {
        return std::nullopt;
    }
    for (unsigned lmc = 0; lmc <= 7; ++lmc) {
        const auto base = static_cast<Lid>(lid & ~((1U << lmc) - 1));
        const auto it = lid_index_.find(base);
        if (it == lid_index_.end()) {
            continue;
        }
        const Port& p = port(it->second);
        if (static_cast<unsigned>(lid - base) < (1U << p.lmc)) {
            return it->second;
        }
    }
    return std::nullopt;
}

std::optional<PortRef> Fabric::by_port_guid(Guid guid) const {
    const auto it = guid_index_.find(guid);
    if (it == guid_index_.end()) {
        return std::nullopt;
    }
    return it->second;
}

std::optional<std::size_t> Fabric::by_node_name(std::string_view name) const {
    const auto it = name_index_.find(std::string(name));
    if (it == name_index_.end()) {
        return std::nullopt;
    }
    return it->second;
}

Lid Fabric::sm_lid() const {
    const Port* p = find_port(sm);
    return p == nullptr ? 0 : p->lid;
}

std::vector<PortRef> Fabric::end_ports() const {
    std::vector<PortRef> out;
    for (std::size_t n = 0; n < nodes.size(); ++n) {
        for (const Port& p : nodes[n].ports) {
            if (nodes[n].is_end_port(p)) {
                out.push_back(PortRef{n, p.num});
            }
        }
    }
    return out;
}

FabricSummary Fabric::summary() const {
    FabricSummary s;
    s.nodes = nodes.size();
    for (const Node& node : nodes) {
        switch (node.type) {
            case NodeType::ca:
                ++s.cas;
                break;
            case NodeType::switch_node:
                ++s.switches;
                break;
            case NodeType::router:
                ++s.routers;
                break;
        }
        for (const Port& p : node.ports) {
            if (node.type == NodeType::ca) {
                ++s.ca_ports;
            }
            if (!p.dm) {
                continue;
            }
            ++s.targets;
            for (const Ioc& ioc : p.dm->iocs) {
                ++s.iocs;
                s.services += ioc.services.size();
                for (const auto& svc : ioc.services) {
                    if (svc.name.rfind("SRP.T10:", 0) == 0) {
                        ++s.srp_services;
                    }
                }
            }
        }
    }
    s.partitions = partitions.size();
    return s;
}

std::string describe(const FabricSummary& s) {
    return fmt::format(
        "{} nodes ({} switches, {} CAs, {} routers), {} CA ports, {} SRP target ports with "
        "{} IOCs and {} services ({} of them SRP.T10), {} partitions.",
        s.nodes, s.switches, s.cas, s.routers, s.ca_ports, s.targets, s.iocs, s.services,
        s.srp_services, s.partitions);
}

}  // namespace srpadm::sim
