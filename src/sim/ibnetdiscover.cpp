// Reader for the topology text `ibnetdiscover` prints (and ibsim's similar net files):
//
//   vendid=0x2c9                       attributes of the next node
//   devid=0xc738
//   sysimgguid=0x2c903004d2df0
//   switchguid=0x2c903004d2df0(2c903004d2df0)      or caguid=0x... / rtguid=0x...
//   Switch 36 "S-0002c903004d2df0"  # "desc" enhanced port 0 lid 2 lmc 0
//   [1] "H-0002c903000e0b72"[1](2c903000e0b73)  # "peer desc" lid 3 4xFDR
//   Ca 2 "H-0002c903000e0b72"  # "desc"
//   [1](2c903000e0b73) "S-0002c903004d2df0"[1]  # lid 3 lmc 0 "peer desc" lid 2 4xFDR
//
// LIDs come from the switch line (port 0) and from the CA/router port lines' comments.
#include <unordered_map>

#include <srpadm/sim/fabric_file.hpp>

#include "parse_util.hpp"

namespace srpadm::sim {
namespace {

using parse::fail_at;
using parse::Loc;
using parse::quote;

constexpr Guid kAssignedGuidBase = 0x0002c90300000000ULL;
constexpr std::size_t kMaxNameSize = 64;

struct PendingLink {
    std::size_t node = 0;
    std::uint8_t port = 0;
    std::string peer;
    std::uint8_t peer_port = 0;
    std::size_t line = 0;
};

struct NodeAttrs {
    std::optional<std::uint32_t> vendor_id;
    std::optional<std::uint32_t> device_id;
    std::optional<Guid> sysimg_guid;
    std::optional<Guid> guid;
    std::optional<Guid> port0_guid;
};

// A cursor over one line.
class Cursor {
  public:
    explicit Cursor(std::string_view s) : s_(s) {}
    void blanks() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\r')) {
            ++i_;
        }
    }
    bool at_end() const { return i_ >= s_.size(); }
    char peek() const { return at_end() ? '\0' : s_[i_]; }
    bool take(char c) {
        if (peek() == c) {
            ++i_;
            return true;
        }
        return false;
    }
    bool take(std::string_view word) {
        if (s_.substr(i_, word.size()) == word) {
            i_ += word.size();
            return true;
        }
        return false;
    }
    std::string_view until(char c) {
        const auto end = s_.find(c, i_);
        const auto stop = end == std::string_view::npos ? s_.size() : end;
        const auto out = s_.substr(i_, stop - i_);
        i_ = stop;
        return out;
    }
    std::string_view word() {
        const auto start = i_;
        while (i_ < s_.size() && s_[i_] != ' ' && s_[i_] != '\t' && s_[i_] != '\r' &&
               s_[i_] != '#' && s_[i_] != '"' && s_[i_] != '[' && s_[i_] != '(' && s_[i_] != ']' &&
               s_[i_] != ')' && s_[i_] != '=') {
            ++i_;
        }
        return s_.substr(start, i_ - start);
    }
    std::string_view rest() const { return at_end() ? std::string_view{} : s_.substr(i_); }

  private:
    std::string_view s_;
    std::size_t i_ = 0;
};

Result<std::string> quoted(Cursor& c, const Loc& loc, std::string_view what) {
    c.blanks();
    if (!c.take('"')) {
        return fail_at(
            loc, fmt::format("expected {} in double quotes, found {}", what, quote(c.rest())));
    }
    const auto text = c.until('"');
    if (!c.take('"')) {
        return fail_at(loc, fmt::format("unterminated {}: expected a closing '\"'", what));
    }
    if (text.size() > kMaxNameSize) {
        return fail_at(
            loc, fmt::format("{} {} is longer than {} bytes", what, quote(text), kMaxNameSize));
    }
    return std::string(text);
}

Result<std::uint8_t> bracketed_port(Cursor& c, const Loc& loc, unsigned max) {
    if (!c.take('[')) {
        return fail_at(loc, fmt::format("expected [PORT], found {}", quote(c.rest())));
    }
    const auto digits = c.word();
    const auto value = parse::to_uint(digits, max);
    if (!value || *value == 0 || !c.take(']')) {
        return fail_at(
            loc, fmt::format("expected a port number 1..{} in [ ], found {}", max, quote(digits)));
    }
    // "[ext N]" (extended port numbering) may follow; it does not matter here.
    if (c.take("[ext")) {
        c.until(']');
        c.take(']');
    }
    return static_cast<std::uint8_t>(*value);
}

Result<std::optional<Guid>> parenthesized_guid(Cursor& c, const Loc& loc) {
    if (!c.take('(')) {
        return std::optional<Guid>{};
    }
    const auto digits = c.until(')');
    const auto guid = parse::hex_digits(digits);
    if (!guid || !c.take(')')) {
        return fail_at(
            loc, fmt::format("expected a GUID of 1-16 hex digits in ( ), found {}", quote(digits)));
    }
    return std::optional<Guid>{*guid};
}

// Finds "lid N" and "lmc N" in a comment, after `from`.
struct LidInfo {
    std::optional<Lid> lid;
    std::uint8_t lmc = 0;
};

Result<LidInfo> lid_in_comment(std::string_view comment, const Loc& loc, bool first_only) {
    LidInfo info;
    Cursor c(comment);
    c.blanks();
    if (first_only) {
        if (!c.take("lid ")) {
            return info;
        }
    } else {
        const auto at = comment.find(" lid ");
        if (at == std::string_view::npos) {
            return info;
        }
        c = Cursor(comment.substr(at + 5));
    }
    c.blanks();
    const auto lid_word = c.word();
    const auto lid = parse::to_uint(lid_word, kMaxUnicastLid);
    if (!lid) {
        return fail_at(loc, fmt::format("expected a LID 0..{} after 'lid', found {}",
                                        kMaxUnicastLid, quote(lid_word)));
    }
    info.lid = static_cast<Lid>(*lid);
    c.blanks();
    if (c.take("lmc ")) {
        c.blanks();
        const auto lmc_word = c.word();
        const auto lmc = parse::to_uint(lmc_word, 7);
        if (!lmc) {
            return fail_at(
                loc, fmt::format("expected an LMC 0..7 after 'lmc', found {}", quote(lmc_word)));
        }
        info.lmc = static_cast<std::uint8_t>(*lmc);
    }
    return info;
}

class TopologyReader {
  public:
    TopologyReader(const std::string& path, std::size_t first_line)
        : path_(path), first_line_(first_line) {}

    Result<Topology> read(std::string_view text);

  private:
    Result<void> line(std::string_view text, const Loc& loc);
    Result<void> attribute(std::string_view key, std::string_view value, const Loc& loc);
    Result<void> node_line(NodeType type, Cursor& c, const Loc& loc);
    Result<void> port_line(Cursor& c, const Loc& loc);
    Result<void> link_all();
    Result<void> claim_lid(const LidInfo& info, std::string_view who, const Loc& loc);

    const std::string& path_;
    std::size_t first_line_;
    Topology topo_;
    NodeAttrs attrs_;
    std::unordered_map<std::string, std::size_t> by_name_;
    std::vector<PendingLink> links_;
    std::unordered_map<Lid, std::pair<std::string, std::size_t>> lids_;  // owner, line
};

Result<void> TopologyReader::claim_lid(const LidInfo& info, std::string_view who, const Loc& loc) {
    if (!info.lid || *info.lid == 0) {
        return {};
    }
    const unsigned span = 1U << info.lmc;
    if ((*info.lid & (span - 1)) != 0 || *info.lid + span - 1 > kMaxUnicastLid) {
        return fail_at(loc, fmt::format("LID {} does not fit LMC {} (expected a multiple of {} "
                                        "below {})",
                                        *info.lid, info.lmc, span, kMaxUnicastLid + 1));
    }
    for (unsigned l = *info.lid; l < *info.lid + span; ++l) {
        auto [it, inserted] =
            lids_.emplace(static_cast<Lid>(l), std::make_pair(std::string(who), loc.line));
        if (!inserted) {
            return fail_at(loc, fmt::format("LID {} of {} is already used by {} (line {})", l, who,
                                            it->second.first, it->second.second));
        }
    }
    return {};
}

Result<Topology> TopologyReader::read(std::string_view text) {
    std::size_t line_no = first_line_;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        const auto line = text.substr(0, nl);
        const Loc loc{path_, line_no};
        if (auto r = this->line(line, loc); !r) {
            return Unexpected(r.error());
        }
        if (nl == std::string_view::npos) {
            break;
        }
        text.remove_prefix(nl + 1);
        ++line_no;
    }
    if (auto r = link_all(); !r) {
        return Unexpected(r.error());
    }
    return std::move(topo_);
}

Result<void> TopologyReader::line(std::string_view text, const Loc& loc) {
    Cursor c(text);
    c.blanks();
    if (c.at_end() || c.peek() == '#') {
        return {};
    }
    if (c.peek() == '[') {
        return port_line(c, loc);
    }
    const auto word = c.word();
    if (c.take('=')) {
        c.blanks();
        if (auto r = attribute(word, c.word(), loc); !r) {
            return r;
        }
        // switchguid=0x...(port GUID): the GUID of the switch's port 0.
        auto port0 = parenthesized_guid(c, loc);
        if (!port0) {
            return Unexpected(port0.error());
        }
        if (*port0) {
            attrs_.port0_guid = **port0;
        }
        return {};
    }
    if (word == "Switch") {
        return node_line(NodeType::switch_node, c, loc);
    }
    if (word == "Ca" || word == "Hca") {
        return node_line(NodeType::ca, c, loc);
    }
    if (word == "Rt") {
        return node_line(NodeType::router, c, loc);
    }
    return fail_at(loc, fmt::format("expected a topology line (vendid=, devid=, sysimgguid=, "
                                    "switchguid=, caguid=, rtguid=, Switch, Ca, Rt or "
                                    "[port]), found {}",
                                    quote(text)));
}

Result<void> TopologyReader::attribute(std::string_view key, std::string_view value,
                                       const Loc& loc) {
    const auto number = [&](std::uint64_t max) -> Result<std::uint64_t> {
        const auto v = parse::to_uint(value, max);
        if (!v) {
            return fail_at(
                loc, fmt::format("expected a number after '{}=', found {}", key, quote(value)));
        }
        return *v;
    };
    if (key == "vendid") {
        auto v = number(0xffffff);
        if (!v) {
            return Unexpected(v.error());
        }
        attrs_.vendor_id = static_cast<std::uint32_t>(*v);
    } else if (key == "devid") {
        auto v = number(0xffffffff);
        if (!v) {
            return Unexpected(v.error());
        }
        attrs_.device_id = static_cast<std::uint32_t>(*v);
    } else if (key == "sysimgguid") {
        auto v = number(UINT64_MAX);
        if (!v) {
            return Unexpected(v.error());
        }
        attrs_.sysimg_guid = *v;
    } else if (key == "switchguid" || key == "caguid" || key == "rtguid" || key == "hcaguid") {
        auto v = number(UINT64_MAX);
        if (!v) {
            return Unexpected(v.error());
        }
        attrs_.guid = *v;
    } else {
        return fail_at(loc, fmt::format("unknown topology attribute '{}=' (expected vendid, "
                                        "devid, sysimgguid, switchguid, caguid or rtguid)",
                                        key));
    }
    return {};
}

Result<void> TopologyReader::node_line(NodeType type, Cursor& c, const Loc& loc) {
    if (topo_.nodes.size() >= kMaxNodes) {
        return fail_at(loc, fmt::format("more than {} nodes", kMaxNodes));
    }
    c.blanks();
    const auto count_word = c.word();
    const auto count = parse::to_uint(count_word, kMaxPortsPerNode);
    if (!count || *count == 0) {
        return fail_at(loc, fmt::format("expected a port count 1..{}, found {}", kMaxPortsPerNode,
                                        quote(count_word)));
    }
    auto name = quoted(c, loc, "node id");
    if (!name) {
        return Unexpected(name.error());
    }
    if (name->empty() || by_name_.count(*name) != 0) {
        return fail_at(loc, fmt::format("node id \"{}\" is empty or used twice", *name));
    }
    Node node;
    node.type = type;
    node.name = *name;
    node.description = *name;
    node.num_ports = static_cast<std::uint8_t>(*count);
    node.node_guid = attrs_.guid.value_or(kAssignedGuidBase + 0x100 * (topo_.nodes.size() + 1));
    node.system_image_guid = attrs_.sysimg_guid.value_or(node.node_guid);
    node.vendor_id = attrs_.vendor_id.value_or(0);
    node.device_id = attrs_.device_id.value_or(0);
    c.blanks();
    std::string_view comment;
    if (c.take('#')) {
        comment = c.rest();
        Cursor cc(comment);
        cc.blanks();
        if (cc.peek() == '"') {
            auto desc = quoted(cc, loc, "node description");
            if (!desc) {
                return Unexpected(desc.error());
            }
            node.description = *desc;
            comment = cc.rest();
        }
    } else if (!c.at_end()) {
        return fail_at(loc, fmt::format("expected '#' or the end of the line after the node "
                                        "id, found {}",
                                        quote(c.rest())));
    }
    if (type == NodeType::switch_node) {
        Port p0;
        p0.num = 0;
        p0.guid = attrs_.port0_guid.value_or(node.node_guid);
        auto info = lid_in_comment(comment, loc, false);
        if (!info) {
            return Unexpected(info.error());
        }
        if (auto r = claim_lid(*info, fmt::format("\"{}\" port 0", node.name), loc); !r) {
            return Unexpected(r.error());
        }
        p0.lid = info->lid.value_or(0);
        p0.lmc = info->lmc;
        node.ports.push_back(p0);
    }
    for (unsigned n = 1; n <= *count; ++n) {
        Port p;
        p.num = static_cast<std::uint8_t>(n);
        p.guid = type == NodeType::switch_node ? 0 : node.node_guid + n;
        node.ports.push_back(p);
    }
    by_name_.emplace(node.name, topo_.nodes.size());
    topo_.nodes.push_back(std::move(node));
    attrs_ = NodeAttrs{};
    return {};
}

Result<void> TopologyReader::port_line(Cursor& c, const Loc& loc) {
    if (topo_.nodes.empty()) {
        return fail_at(loc, "a [port] line comes before any Switch, Ca or Rt line");
    }
    const std::size_t node_index = topo_.nodes.size() - 1;
    Node& node = topo_.nodes.back();
    auto local = bracketed_port(c, loc, node.num_ports);
    if (!local) {
        return Unexpected(local.error());
    }
    auto own_guid = parenthesized_guid(c, loc);
    if (!own_guid) {
        return Unexpected(own_guid.error());
    }
    auto peer = quoted(c, loc, "peer node id");
    if (!peer) {
        return Unexpected(peer.error());
    }
    auto peer_port = bracketed_port(c, loc, kMaxPortsPerNode);
    if (!peer_port) {
        return Unexpected(peer_port.error());
    }
    if (auto peer_guid = parenthesized_guid(c, loc); !peer_guid) {
        return Unexpected(peer_guid.error());
    }
    Port* port = node.port(*local);
    if (**own_guid != 0 && node.type != NodeType::switch_node) {
        port->guid = **own_guid;
    }
    for (const auto& l : links_) {
        if (l.node == node_index && l.port == *local) {
            return fail_at(loc,
                           fmt::format("port {} of \"{}\" is listed twice", *local, node.name));
        }
    }
    const auto hash = c.rest().find('#');
    if (hash != std::string_view::npos && node.type != NodeType::switch_node) {
        auto info = lid_in_comment(c.rest().substr(hash + 1), loc, true);
        if (!info) {
            return Unexpected(info.error());
        }
        if (info->lid) {
            if (auto r = claim_lid(*info, fmt::format("\"{}\" port {}", node.name, *local), loc);
                !r) {
                return r;
            }
            port->lid = *info->lid;
            port->lmc = info->lmc;
        }
    }
    links_.push_back(PendingLink{node_index, *local, *peer, *peer_port, loc.line});
    return {};
}

Result<void> TopologyReader::link_all() {
    for (const auto& l : links_) {
        const Loc loc{path_, l.line};
        const auto it = by_name_.find(l.peer);
        if (it == by_name_.end()) {
            return fail_at(loc, fmt::format("the peer \"{}\" is not a node of this topology "
                                            "(expected a Switch, Ca or Rt line with that id)",
                                            l.peer));
        }
        Node& peer = topo_.nodes[it->second];
        Port* pp = peer.port(l.peer_port);
        if (pp == nullptr || l.peer_port == 0) {
            return fail_at(loc, fmt::format("\"{}\" has no port {} (it has {})", l.peer,
                                            l.peer_port, peer.num_ports));
        }
        Port* own = topo_.nodes[l.node].port(l.port);
        const bool own_ok = own->peer_node == kNoNode ||
                            (own->peer_node == it->second && own->peer_port == l.peer_port);
        const bool peer_ok =
            pp->peer_node == kNoNode || (pp->peer_node == l.node && pp->peer_port == l.port);
        if (!own_ok || !peer_ok) {
            return fail_at(loc, fmt::format("port {} of \"{}\" and port {} of \"{}\" are "
                                            "already linked to other ports",
                                            l.port, topo_.nodes[l.node].name, l.peer_port, l.peer));
        }
        own->peer_node = it->second;
        own->peer_port = l.peer_port;
        pp->peer_node = l.node;
        pp->peer_port = l.port;
    }
    return {};
}

}  // namespace

Result<Topology> parse_ibnetdiscover(std::string_view text, const std::string& path,
                                     std::size_t first_line) {
    TopologyReader reader(path, first_line);
    return reader.read(text);
}

}  // namespace srpadm::sim
