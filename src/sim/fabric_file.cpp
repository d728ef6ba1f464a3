#include <algorithm>
#include <cctype>
#include <deque>
#include <fstream>
#include <map>
#include <sstream>

#include <srpadm/sim/fabric_file.hpp>

#include "parse_util.hpp"

namespace srpadm::sim {
namespace {

using parse::fail_at;
using parse::Loc;
using parse::quote;
using parse::Token;

constexpr std::uint32_t kLioSendSize = 4148;  // ib_srpt's srp_max_req_size default
constexpr std::size_t kMaxIbdevSize = 64;

std::string dirname_of(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
}

struct AttrName {
    std::string_view name;
    std::uint16_t id;
};
constexpr AttrName kAttrNames[] = {
    {"class-port-info", 0x0001}, {"notice", 0x0002},           {"inform-info", 0x0003},
    {"node-record", 0x0011},     {"port-info-record", 0x0012}, {"path-record", 0x0035},
    {"io-unit-info", 0x0010},    {"ioc-profile", 0x0011},      {"service-entries", 0x0012},
};

struct MethodName {
    std::string_view name;
    std::uint8_t id;
};
constexpr MethodName kMethodNames[] = {
    {"get", 0x01}, {"set", 0x02}, {"gettable", 0x12}, {"report-resp", 0x86}, {"delete", 0x15},
};

// Where a membership line puts a port: full or limited.
struct Membership {
    PortRef port;
    bool full = false;
};

struct OpenTarget {
    PortRef port;
    DmAgent agent;
    std::size_t line = 0;
    bool change_id_set = false;
    bool max_controllers_set = false;
    // lio settings
    std::optional<Guid> service_guid;
    std::optional<std::string> id_string;
    std::optional<std::uint32_t> send_size;
    std::optional<std::uint32_t> vendor_id;
    std::optional<std::uint32_t> device_id;
    std::optional<std::uint16_t> device_version;
    // the login side, for either flavour
    bool acl_set = false;  // without 'acl' lines the target admits every initiator
    bool acl_any = false;
    std::vector<AclEntry> acl_entries;
    LoginQuirks login;
};

struct OpenIoc {
    Ioc ioc;
    std::size_t line = 0;
    bool guid_set = false;
    bool vendor_set = false;
    bool device_set = false;
    bool subsys_vendor_set = false;
    bool id_set = false;
};

class FabricReader {
  public:
    FabricReader(const std::string& path, const ParseOptions& options)
        : path_(path), options_(options) {}

    Result<FabricFile> read(std::string_view text);

  private:
    Result<void> directive(const std::vector<Token>& t, const Loc& loc);
    Result<void> load_topology(std::string_view text, const std::string& source,
                               std::size_t first_line, const Loc& loc);
    Result<void> target_line(const std::vector<Token>& t, const Loc& loc);
    Result<void> ioc_line(const std::vector<Token>& t, const Loc& loc);
    Result<void> close_block(const Loc& loc);
    Result<void> partition_line(const std::vector<Token>& t, const Loc& loc);
    Result<void> fault_line(const std::vector<Token>& t, const Loc& loc);
    Result<void> event_line(const std::vector<Token>& t, const Loc& loc);
    static std::optional<Result<void>> login_line(OpenTarget& open, const std::vector<Token>& t,
                                                  const Loc& loc);
    Result<PortRef> port_ref(const Token& t, const Loc& loc) const;
    Result<void> need_topology(const Loc& loc, std::string_view what) const;
    Result<void> finish();
    void assign_lids();
    void assign_pkeys();
    Result<void> add_target(OpenTarget& open);

    Fabric& fabric() { return out_.fabric; }

    const std::string& path_;
    const ParseOptions& options_;
    FabricFile out_;
    bool have_topology_ = false;
    std::optional<PortRef> sm_;
    std::map<std::string, std::optional<std::size_t>, std::less<>> by_description_;
    std::map<PKey, std::vector<Membership>> members_;  // by base P_Key
    std::vector<PKey> partition_order_;                // bases, in order of first use
    std::optional<OpenTarget> target_;
    std::optional<OpenIoc> ioc_;
    std::vector<std::size_t> target_lines_;
};

Result<std::uint64_t> number(const std::vector<Token>& t, std::size_t i, std::uint64_t max,
                             const Loc& loc, std::string_view what) {
    if (i >= t.size()) {
        return fail_at(loc, fmt::format("expected {} (a number up to {}), found the end of the "
                                        "line",
                                        what, max));
    }
    const auto v = parse::to_uint(t[i].text, max);
    if (!v || t[i].quoted || !t[i].suffix.empty()) {
        return fail_at(loc, fmt::format("expected {} (a number up to {}), found {}", what, max,
                                        quote(t[i].text)));
    }
    return *v;
}

Result<std::string> string_arg(const std::vector<Token>& t, std::size_t i, std::size_t max,
                               const Loc& loc, std::string_view what) {
    if (i >= t.size() || !t[i].quoted) {
        return fail_at(loc, fmt::format("expected {} in double quotes, found {}", what,
                                        i < t.size() ? quote(t[i].text) : "the end of the line"));
    }
    if (t[i].text.size() > max) {
        return fail_at(loc,
                       fmt::format("{} {} is longer than {} bytes", what, quote(t[i].text), max));
    }
    return std::string(t[i].text);
}

Result<void> no_more(const std::vector<Token>& t, std::size_t i, const Loc& loc) {
    if (i < t.size()) {
        return fail_at(loc,
                       fmt::format("expected the end of the line, found {}", quote(t[i].text)));
    }
    return {};
}

// The words after 'acl', 'acl-allow PORT' or 'acl-deny PORT': `any` or initiator names.
Result<void> acl_words(const std::vector<Token>& t, std::size_t first, const Loc& loc, bool& any,
                       std::vector<AclEntry>& entries) {
    if (first >= t.size()) {
        return fail_at(loc,
                       "expected 'any' or initiator port IDs (0x and 32 hex digits, or "
                       "a port GUID xxxx:xxxx:xxxx:xxxx), found the end of the line");
    }
    for (std::size_t i = first; i < t.size(); ++i) {
        if (!t[i].quoted && t[i].suffix.empty() && t[i].text == "any") {
            any = true;
            continue;
        }
        const auto entry =
            t[i].quoted || !t[i].suffix.empty() ? std::nullopt : parse_acl_entry(t[i].text);
        if (!entry) {
            return fail_at(loc, fmt::format("expected 'any' or an initiator port ID (0x and 32 "
                                            "hex digits, or a port GUID xxxx:xxxx:xxxx:xxxx), "
                                            "found {}",
                                            quote(t[i].text)));
        }
        if (std::find(entries.begin(), entries.end(), *entry) == entries.end()) {
            if (entries.size() >= kMaxAclEntries) {
                return fail_at(loc, fmt::format("more than {} access list entries for one target",
                                                kMaxAclEntries));
            }
            entries.push_back(*entry);
        }
    }
    return {};
}

Result<FabricFile> FabricReader::read(std::string_view text) {
    out_.fabric.source = path_;
    std::size_t line_no = 0;
    bool in_topology = false;
    std::size_t inline_start = 0;
    std::size_t inline_offset = 0;
    std::size_t offset = 0;
    while (offset < text.size()) {
        const auto nl = text.find('\n', offset);
        const auto end = nl == std::string_view::npos ? text.size() : nl;
        const auto line = text.substr(offset, end - offset);
        ++line_no;
        const Loc loc{path_, line_no};
        if (in_topology) {
            auto trimmed = line;
            while (!trimmed.empty() &&
                   (trimmed.back() == ' ' || trimmed.back() == '\t' || trimmed.back() == '\r')) {
                trimmed.remove_suffix(1);
            }
            while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\t')) {
                trimmed.remove_prefix(1);
            }
            if (trimmed == "end topology") {
                const auto body = text.substr(inline_offset, offset - inline_offset);
                if (auto r = load_topology(body, path_, inline_start + 1, loc); !r) {
                    return Unexpected(r.error());
                }
                in_topology = false;
            }
        } else {
            auto tokens = parse::tokenize(line, loc);
            if (!tokens) {
                return Unexpected(tokens.error());
            }
            if (tokens->size() == 2 && !(*tokens)[0].quoted && (*tokens)[0].text == "begin" &&
                (*tokens)[1].text == "topology") {
                if (have_topology_) {
                    return fail_at(loc,
                                   "a second topology: expected only one 'topology' line "
                                   "or 'begin topology' block");
                }
                in_topology = true;
                inline_start = line_no;
                inline_offset = nl == std::string_view::npos ? text.size() : nl + 1;
            } else if (!tokens->empty()) {
                if (auto r = directive(*tokens, loc); !r) {
                    return Unexpected(r.error());
                }
            }
        }
        if (nl == std::string_view::npos) {
            break;
        }
        offset = nl + 1;
    }
    if (in_topology) {
        return fail_at(Loc{path_, inline_start},
                       "'begin topology' without 'end topology' before the end of the file");
    }
    if (ioc_) {
        return fail_at(Loc{path_, ioc_->line},
                       "expected 'end' to close this 'ioc' block before the end of the file");
    }
    if (target_) {
        return fail_at(Loc{path_, target_->line},
                       "expected 'end' to close this 'target' block before the end of the file");
    }
    if (!have_topology_) {
        return fail_at(Loc{path_, std::max<std::size_t>(line_no, 1)},
                       "expected a topology: a 'topology PATH' line or a "
                       "'begin topology' block");
    }
    if (auto r = finish(); !r) {
        return Unexpected(r.error());
    }
    return std::move(out_);
}

Result<void> FabricReader::load_topology(std::string_view text, const std::string& source,
                                         std::size_t first_line, const Loc& loc) {
    if (have_topology_) {
        return fail_at(loc,
                       "a second topology: expected only one 'topology' line or "
                       "'begin topology' block");
    }
    auto topo = parse_ibnetdiscover(text, source, first_line);
    if (!topo) {
        return Unexpected(topo.error());
    }
    if (topo->nodes.empty()) {
        return fail_at(loc, "the topology has no nodes: expected Switch, Ca or Rt lines");
    }
    fabric().nodes = std::move(topo->nodes);
    fabric().reindex();
    for (std::size_t n = 0; n < fabric().nodes.size(); ++n) {
        auto [it, inserted] = by_description_.emplace(fabric().nodes[n].description, n);
        if (!inserted) {
            it->second.reset();  // ambiguous
        }
    }
    have_topology_ = true;
    return {};
}

Result<void> FabricReader::need_topology(const Loc& loc, std::string_view what) const {
    if (!have_topology_) {
        return fail_at(loc, fmt::format("'{}' names ports: expected the topology ('topology "
                                        "PATH' or 'begin topology') before it",
                                        what));
    }
    return {};
}

Result<PortRef> FabricReader::port_ref(const Token& t, const Loc& loc) const {
    const Fabric& f = out_.fabric;
    std::optional<std::size_t> node;
    std::optional<PortRef> direct;
    if (!t.quoted && t.text.size() > 2 && t.text[0] == '0' &&
        (t.text[1] == 'x' || t.text[1] == 'X')) {
        const auto guid = parse::to_uint(t.text, UINT64_MAX);
        if (!guid) {
            return fail_at(loc,
                           fmt::format("expected a port GUID 0xHEX64, found {}", quote(t.text)));
        }
        if (auto p = f.by_port_guid(*guid); p && t.suffix.empty()) {
            direct = p;
        } else {
            for (std::size_t n = 0; n < f.nodes.size(); ++n) {
                if (f.nodes[n].node_guid == *guid) {
                    node = n;
                    break;
                }
            }
            if (!node) {
                return fail_at(loc, fmt::format("no port or node has the GUID {}", quote(t.text)));
            }
        }
    } else {
        node = f.by_node_name(t.text);
        if (!node) {
            const auto it = by_description_.find(t.text);
            if (it == by_description_.end()) {
                return fail_at(loc,
                               fmt::format("no node has the id or description \"{}\"", t.text));
            }
            if (!it->second) {
                return fail_at(loc, fmt::format("several nodes have the description \"{}\": "
                                                "name the node by its id or GUID",
                                                t.text));
            }
            node = *it->second;
        }
    }
    if (direct) {
        return *direct;
    }
    const Node& n = f.nodes[*node];
    unsigned port = n.type == NodeType::switch_node ? 0 : 1;
    if (!t.suffix.empty()) {
        const auto v = parse::to_uint(t.suffix, kMaxPortsPerNode);
        if (!v) {
            return fail_at(
                loc, fmt::format("expected a port number after '/', found {}", quote(t.suffix)));
        }
        port = static_cast<unsigned>(*v);
    }
    const Port* p = n.port(port);
    if (p == nullptr || !n.is_end_port(*p)) {
        return fail_at(loc, fmt::format("\"{}\" has no end port {} (a CA's ports are 1..{}, a "
                                        "switch's LID is on port 0)",
                                        n.name, port, n.num_ports));
    }
    return PortRef{*node, static_cast<std::uint8_t>(port)};
}

Result<void> FabricReader::directive(const std::vector<Token>& t, const Loc& loc) {
    const auto& word = t[0].text;
    if (t[0].quoted) {
        return fail_at(loc, fmt::format("expected a directive, found the string \"{}\"", word));
    }
    if (ioc_) {
        return ioc_line(t, loc);
    }
    if (target_) {
        return target_line(t, loc);
    }
    if (word == "topology") {
        if (t.size() != 2) {
            return fail_at(loc, "expected 'topology PATH'");
        }
        std::string file(t[1].text);
        if (!t[1].suffix.empty() || (!t[1].quoted && t[1].text.empty())) {
            file += "/" + std::string(t[1].suffix);  // the tokenizer splits at the first '/'
        }
        if (file.empty() || file.size() > 4096) {
            return fail_at(loc, "expected a topology file path");
        }
        if (file[0] != '/') {
            file = dirname_of(path_) + file;
        }
        auto text = options_.read_file(file);
        if (!text) {
            return fail_at(loc,
                           fmt::format("cannot read the topology file: {}", text.error().message));
        }
        return load_topology(*text, file, 1, loc);
    }
    if (word == "subnet-prefix") {
        auto v = number(t, 1, UINT64_MAX, loc, "a GID prefix");
        if (!v) {
            return Unexpected(v.error());
        }
        fabric().subnet_prefix = *v;
        return no_more(t, 2, loc);
    }
    if (word == "sa-mode") {
        if (t.size() != 2 || (t[1].text != "mask-match" && t[1].text != "old-sm")) {
            return fail_at(loc, "expected 'sa-mode mask-match' or 'sa-mode old-sm'");
        }
        fabric().sa_mode = t[1].text == "old-sm" ? SaMode::old_sm : SaMode::mask_match;
        return {};
    }
    if (word == "sa-resp-time") {
        auto v = number(t, 1, 31, loc, "a RespTimeValue");
        if (!v) {
            return Unexpected(v.error());
        }
        fabric().sa_resp_time_value = static_cast<std::uint8_t>(*v);
        return no_more(t, 2, loc);
    }
    if (word == "latency") {
        if (t.size() != 3) {
            return fail_at(loc, "expected 'latency sa|dm|other|sa-segment DURATION'");
        }
        const auto d = parse::to_duration(t[2].text);
        if (!d) {
            return fail_at(loc, fmt::format("expected a duration such as 200us, 1ms or 2s, "
                                            "found {}",
                                            quote(t[2].text)));
        }
        auto& lat = fabric().latency;
        if (t[1].text == "sa") {
            lat.sa = *d;
        } else if (t[1].text == "dm") {
            lat.dm = *d;
        } else if (t[1].text == "other") {
            lat.other = *d;
        } else if (t[1].text == "sa-segment") {
            lat.sa_per_segment = *d;
        } else {
            return fail_at(loc, fmt::format("expected sa, dm, other or sa-segment after "
                                            "'latency', found {}",
                                            quote(t[1].text)));
        }
        return {};
    }
    if (word == "fault") {
        return fault_line(t, loc);
    }
    constexpr std::string_view kPortDirectives[] = {"sm", "initiator", "partition", "target",
                                                    "event"};
    if (std::find(std::begin(kPortDirectives), std::end(kPortDirectives), word) !=
        std::end(kPortDirectives)) {
        if (auto r = need_topology(loc, word); !r) {
            return r;
        }
    }
    if (word == "sm") {
        if (t.size() != 2) {
            return fail_at(loc, "expected 'sm PORT'");
        }
        auto p = port_ref(t[1], loc);
        if (!p) {
            return Unexpected(p.error());
        }
        sm_ = *p;
        return {};
    }
    if (word == "initiator") {
        if (t.size() != 2 && !(t.size() == 4 && t[2].text == "ibdev")) {
            return fail_at(loc, "expected 'initiator PORT [ibdev NAME]'");
        }
        auto p = port_ref(t[1], loc);
        if (!p) {
            return Unexpected(p.error());
        }
        LocalPort lp;
        lp.port = *p;
        if (t.size() == 4) {
            const auto name = t[3].text;
            const bool ok =
                !name.empty() && t[3].suffix.empty() && name.size() <= kMaxIbdevSize &&
                std::all_of(name.begin(), name.end(), [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
                });
            if (!ok) {
                return fail_at(loc, fmt::format("expected an ibdev name of letters, digits, _ "
                                                "and - (at most {}), found {}",
                                                kMaxIbdevSize, quote(name)));
            }
            lp.ca_name = std::string(name);
        }
        for (const auto& other : fabric().local_ports) {
            if (other.port == lp.port) {
                return fail_at(loc, "this port is already an initiator port");
            }
        }
        fabric().local_ports.push_back(lp);
        return {};
    }
    if (word == "partition") {
        return partition_line(t, loc);
    }
    if (word == "target") {
        if (t.size() < 2 || t.size() > 3) {
            return fail_at(loc, "expected 'target PORT [generic|lio]'");
        }
        auto p = port_ref(t[1], loc);
        if (!p) {
            return Unexpected(p.error());
        }
        OpenTarget open;
        open.port = *p;
        open.line = loc.line;
        if (t.size() == 3) {
            if (t[2].text == "lio") {
                open.agent.flavour = DmFlavour::lio;
            } else if (t[2].text != "generic") {
                return fail_at(loc, fmt::format("expected the flavour generic or lio, found {}",
                                                quote(t[2].text)));
            }
        }
        if (fabric().port(*p).dm) {
            return fail_at(loc, "this port is already a target");
        }
        target_ = std::move(open);
        return {};
    }
    if (word == "event") {
        return event_line(t, loc);
    }
    if (word == "end") {
        return fail_at(loc, "'end' without an open 'target' or 'ioc' block");
    }
    return fail_at(loc, fmt::format("unknown directive {} (expected topology, begin topology, "
                                    "subnet-prefix, sm, sa-mode, sa-resp-time, initiator, "
                                    "partition, latency, target, fault or event)",
                                    quote(word)));
}

// The lines of a target block that say how logins to it go, for either flavour; nullopt
// for any other line.
std::optional<Result<void>> FabricReader::login_line(OpenTarget& open, const std::vector<Token>& t,
                                                     const Loc& loc) {
    const auto& word = t[0].text;
    if (word == "acl") {
        open.acl_set = true;
        return acl_words(t, 1, loc, open.acl_any, open.acl_entries);
    }
    if (word == "login-delay") {
        const auto d = t.size() == 2 ? parse::to_duration(t[1].text) : std::nullopt;
        if (!d) {
            return fail_at(loc, "expected 'login-delay DURATION', such as 60s");
        }
        open.login.delay = *d;
        return Result<void>{};
    }
    if (word == "login-vanish") {
        open.login.vanish = kVanishAlways;
        if (t.size() > 1) {
            auto n = number(t, 1, kVanishAlways - 1, loc, "the number of logins that vanish");
            if (!n) {
                return Unexpected(n.error());
            }
            open.login.vanish = static_cast<std::uint32_t>(*n);
        }
        return no_more(t, 2, loc);
    }
    return std::nullopt;
}

Result<void> FabricReader::target_line(const std::vector<Token>& t, const Loc& loc) {
    auto& open = *target_;
    const auto& word = t[0].text;
    const bool lio = open.agent.flavour == DmFlavour::lio;
    if (word == "end") {
        if (auto r = no_more(t, 1, loc); !r) {
            return r;
        }
        return close_block(loc);
    }
    if (auto login = login_line(open, t, loc)) {
        return *login;
    }
    if (word == "ioc") {
        if (lio) {
            return fail_at(loc,
                           "a lio target has exactly the one IOC ib_srpt reports: expected "
                           "service-guid, id, send-size, vendor-id, device-id, "
                           "device-version, acl, login-delay, login-vanish or end");
        }
        auto slot = number(t, 1, kMaxSlot, loc, "an IOC slot 1..255");
        if (!slot) {
            return Unexpected(slot.error());
        }
        if (*slot == 0) {
            return fail_at(loc, "expected an IOC slot 1..255, found 0");
        }
        if (open.agent.ioc_in_slot(static_cast<unsigned>(*slot)) != nullptr) {
            return fail_at(loc, fmt::format("slot {} already has an IOC", *slot));
        }
        OpenIoc ioc;
        ioc.ioc.slot = static_cast<unsigned>(*slot);
        ioc.line = loc.line;
        ioc_ = std::move(ioc);
        return no_more(t, 2, loc);
    }
    if (word == "change-id" || word == "max-controllers") {
        if (lio) {
            return fail_at(loc, fmt::format("a lio target answers ChangeID 1 and "
                                            "MaxControllers 16: '{}' is for generic targets",
                                            word));
        }
        const bool change = word == "change-id";
        auto v = number(t, 1, change ? 0xffff : kMaxSlot, loc,
                        change ? "a ChangeID" : "a controller count");
        if (!v) {
            return Unexpected(v.error());
        }
        if (change) {
            open.agent.change_id = static_cast<std::uint16_t>(*v);
            open.change_id_set = true;
        } else {
            open.agent.max_controllers = static_cast<std::uint8_t>(*v);
            open.max_controllers_set = true;
        }
        return no_more(t, 2, loc);
    }
    if (!lio) {
        return fail_at(loc, fmt::format("expected ioc, change-id, max-controllers, acl, "
                                        "login-delay, login-vanish or end in a target block, "
                                        "found {}",
                                        quote(word)));
    }
    if (word == "id") {
        auto s = string_arg(t, 1, kIdStringSize, loc, "an ID string");
        if (!s) {
            return Unexpected(s.error());
        }
        open.id_string = *s;
        return no_more(t, 2, loc);
    }
    std::uint64_t max = 0;
    if (word == "service-guid") {
        max = UINT64_MAX;
    } else if (word == "send-size" || word == "device-id") {
        max = 0xffffffff;
    } else if (word == "vendor-id") {
        max = 0xffffff;
    } else if (word == "device-version") {
        max = 0xffff;
    } else {
        return fail_at(loc, fmt::format("expected service-guid, id, send-size, vendor-id, "
                                        "device-id, device-version, acl, login-delay, "
                                        "login-vanish or end in a lio target block, found {}",
                                        quote(word)));
    }
    auto v = number(t, 1, max, loc, std::string("a value for ") + std::string(word));
    if (!v) {
        return Unexpected(v.error());
    }
    if (word == "service-guid") {
        open.service_guid = *v;
    } else if (word == "send-size") {
        open.send_size = static_cast<std::uint32_t>(*v);
    } else if (word == "device-id") {
        open.device_id = static_cast<std::uint32_t>(*v);
    } else if (word == "vendor-id") {
        open.vendor_id = static_cast<std::uint32_t>(*v);
    } else {
        open.device_version = static_cast<std::uint16_t>(*v);
    }
    return no_more(t, 2, loc);
}

Result<void> FabricReader::ioc_line(const std::vector<Token>& t, const Loc& loc) {
    auto& open = *ioc_;
    Ioc& ioc = open.ioc;
    const auto& word = t[0].text;
    if (word == "end") {
        if (auto r = no_more(t, 1, loc); !r) {
            return r;
        }
        return close_block(loc);
    }
    if (word == "id") {
        auto s = string_arg(t, 1, kIdStringSize, loc, "an ID string");
        if (!s) {
            return Unexpected(s.error());
        }
        ioc.id_string = *s;
        open.id_set = true;
        return no_more(t, 2, loc);
    }
    if (word == "service") {
        if (ioc.services.size() >= kMaxServicesPerIoc) {
            return fail_at(loc,
                           fmt::format("more than {} services in one IOC", kMaxServicesPerIoc));
        }
        auto name = string_arg(t, 1, kServiceNameSize, loc, "a service name");
        if (!name) {
            return Unexpected(name.error());
        }
        auto id = number(t, 2, UINT64_MAX, loc, "a 64-bit service ID");
        if (!id) {
            return Unexpected(id.error());
        }
        ioc.services.push_back(ServiceEntry{*name, *id});
        return no_more(t, 3, loc);
    }
    struct Field {
        std::string_view name;
        std::uint64_t max;
        std::function<void(std::uint64_t)> set;
    };
    const Field fields[] = {
        {"guid", UINT64_MAX,
         [&](std::uint64_t v) {
             ioc.guid = v;
             open.guid_set = true;
         }},
        {"vendor-id", 0xffffff,
         [&](std::uint64_t v) {
             ioc.vendor_id = static_cast<std::uint32_t>(v);
             open.vendor_set = true;
         }},
        {"device-id", 0xffffffff,
         [&](std::uint64_t v) {
             ioc.device_id = static_cast<std::uint32_t>(v);
             open.device_set = true;
         }},
        {"device-version", 0xffff,
         [&](std::uint64_t v) { ioc.device_version = static_cast<std::uint16_t>(v); }},
        {"subsystem-vendor-id", 0xffffff,
         [&](std::uint64_t v) {
             ioc.subsystem_vendor_id = static_cast<std::uint32_t>(v);
             open.subsys_vendor_set = true;
         }},
        {"subsystem-id", 0xffffffff,
         [&](std::uint64_t v) { ioc.subsystem_id = static_cast<std::uint32_t>(v); }},
        {"io-class", 0xffff,
         [&](std::uint64_t v) { ioc.io_class = static_cast<std::uint16_t>(v); }},
        {"io-subclass", 0xffff,
         [&](std::uint64_t v) { ioc.io_subclass = static_cast<std::uint16_t>(v); }},
        {"protocol", 0xffff,
         [&](std::uint64_t v) { ioc.protocol = static_cast<std::uint16_t>(v); }},
        {"protocol-version", 0xffff,
         [&](std::uint64_t v) { ioc.protocol_version = static_cast<std::uint16_t>(v); }},
        {"send-queue-depth", 0xffff,
         [&](std::uint64_t v) { ioc.send_queue_depth = static_cast<std::uint16_t>(v); }},
        {"rdma-read-depth", 0xff,
         [&](std::uint64_t v) { ioc.rdma_read_depth = static_cast<std::uint8_t>(v); }},
        {"send-size", 0xffffffff,
         [&](std::uint64_t v) { ioc.send_size = static_cast<std::uint32_t>(v); }},
        {"rdma-size", 0xffffffff,
         [&](std::uint64_t v) { ioc.rdma_size = static_cast<std::uint32_t>(v); }},
        {"op-cap-mask", 0xff,
         [&](std::uint64_t v) { ioc.op_cap_mask = static_cast<std::uint8_t>(v); }},
    };
    for (const auto& f : fields) {
        if (word != f.name) {
            continue;
        }
        auto v = number(t, 1, f.max, loc, fmt::format("a value for {}", f.name));
        if (!v) {
            return Unexpected(v.error());
        }
        f.set(*v);
        return no_more(t, 2, loc);
    }
    return fail_at(loc, fmt::format("expected an IOC field (guid, vendor-id, device-id, "
                                    "device-version, subsystem-vendor-id, subsystem-id, "
                                    "io-class, io-subclass, protocol, protocol-version, "
                                    "send-queue-depth, rdma-read-depth, send-size, rdma-size, "
                                    "op-cap-mask, id, service) or end, found {}",
                                    quote(word)));
}

Result<void> FabricReader::close_block(const Loc& loc) {
    if (ioc_) {
        OpenIoc open = std::move(*ioc_);
        ioc_.reset();
        const Node& node = fabric().node(target_->port);
        Ioc ioc = std::move(open.ioc);
        if (!open.guid_set) {
            ioc.guid = node.node_guid + 0x100ULL * (ioc.slot - 1);
        }
        if (!open.vendor_set) {
            ioc.vendor_id = node.vendor_id & 0xffffff;
        }
        if (!open.device_set) {
            ioc.device_id = node.device_id;
        }
        if (!open.subsys_vendor_set) {
            ioc.subsystem_vendor_id = node.vendor_id & 0xffffff;
        }
        if (!open.id_set) {
            ioc.id_string = node.description.substr(0, kIdStringSize);
        }
        auto& iocs = target_->agent.iocs;
        iocs.push_back(std::move(ioc));
        std::sort(iocs.begin(), iocs.end(),
                  [](const Ioc& a, const Ioc& b) { return a.slot < b.slot; });
        return {};
    }
    OpenTarget open = std::move(*target_);
    target_.reset();
    (void)loc;
    return add_target(open);
}

Result<void> FabricReader::add_target(OpenTarget& open) {
    const Loc loc{path_, open.line};
    const Node& node = fabric().node(open.port);
    DmAgent agent = std::move(open.agent);
    if (agent.flavour == DmFlavour::lio) {
        const Guid guid = open.service_guid.value_or(node.node_guid);
        Ioc ioc;
        ioc.slot = 1;
        ioc.guid = guid;
        ioc.vendor_id = open.vendor_id.value_or(node.vendor_id & 0xffffff);
        ioc.device_id = open.device_id.value_or(node.device_id);
        ioc.device_version =
            open.device_version.value_or(static_cast<std::uint16_t>(node.revision));
        ioc.subsystem_vendor_id = ioc.vendor_id;
        ioc.subsystem_id = 0;
        ioc.send_size = open.send_size.value_or(kLioSendSize);
        ioc.id_string = open.id_string.value_or("Linux SRP target");
        ioc.services.push_back(ServiceEntry{fmt::format("SRP.T10:{:016x}", guid), guid});
        agent.iocs = {ioc};
        agent.change_id = 1;
        agent.max_controllers = 16;
    } else {
        const unsigned highest = agent.iocs.empty() ? 0 : agent.iocs.back().slot;
        if (!open.max_controllers_set) {
            agent.max_controllers = static_cast<std::uint8_t>(std::max(16U, highest));
        } else if (agent.max_controllers < highest) {
            return fail_at(loc, fmt::format("max-controllers {} is lower than the highest IOC "
                                            "slot {}",
                                            agent.max_controllers, highest));
        }
    }
    Port& port = fabric().port(open.port);
    port.dm = std::move(agent);
    if (open.acl_set) {
        port.acl = SrpAcl{open.acl_any, std::move(open.acl_entries)};
    }
    port.login = open.login;
    return {};
}

Result<void> FabricReader::partition_line(const std::vector<Token>& t, const Loc& loc) {
    if (t.size() < 4) {
        return fail_at(loc, "expected 'partition PKEY full|limited PORT...'");
    }
    auto pkey = number(t, 1, 0xffff, loc, "a P_Key");
    if (!pkey) {
        return Unexpected(pkey.error());
    }
    const auto base = pkey_base(static_cast<PKey>(*pkey));
    if (base == 0) {
        return fail_at(loc, "the P_Key base 0 is the invalid P_Key: expected 0x0001..0x7fff");
    }
    if (t[2].text != "full" && t[2].text != "limited") {
        return fail_at(loc, fmt::format("expected full or limited after the P_Key, found {}",
                                        quote(t[2].text)));
    }
    const bool full = t[2].text == "full";
    if (members_.count(base) == 0) {
        if (partition_order_.size() >= kMaxPKeysPerPort) {
            return fail_at(loc, fmt::format("more than {} partitions", kMaxPKeysPerPort));
        }
        partition_order_.push_back(base);
    }
    auto& list = members_[base];
    for (std::size_t i = 3; i < t.size(); ++i) {
        if (!t[i].quoted && t[i].text == "all") {
            for (const auto& p : fabric().end_ports()) {
                list.push_back(Membership{p, full});
            }
            continue;
        }
        auto p = port_ref(t[i], loc);
        if (!p) {
            return Unexpected(p.error());
        }
        list.push_back(Membership{*p, full});
    }
    return {};
}

Result<void> FabricReader::fault_line(const std::vector<Token>& t, const Loc& loc) {
    if (t.size() < 2) {
        return fail_at(loc, "expected 'fault ACTION ...'");
    }
    FaultRule rule;
    rule.origin = fmt::format("{}:{}", loc.file, loc.line);
    std::size_t i = 1;
    const auto action_word = t[i].text;
    if (action_word == "busy" || action_word == "redirect") {
        rule.action = FaultAction::status;
        rule.value = action_word == "busy" ? 0x0001 : 0x0002;
        ++i;
    } else {
        const auto action = fault_action_from_name(action_word);
        if (!action) {
            return fail_at(loc, fmt::format("unknown fault action {} (expected drop, delay, "
                                            "duplicate, reorder, wrong-tid, status, busy, "
                                            "redirect, truncate-table, oversize-table, "
                                            "bad-attr-offset, short-dm, max-controllers-lie, "
                                            "service-count-lie, unterminated-strings or "
                                            "binary-strings)",
                                            quote(action_word)));
        }
        rule.action = *action;
        ++i;
        switch (rule.action) {
            case FaultAction::delay: {
                const auto d = i < t.size() ? parse::to_duration(t[i].text) : std::nullopt;
                if (!d) {
                    return fail_at(loc, "expected a duration after 'delay', such as 10s");
                }
                rule.delay = *d;
                ++i;
                break;
            }
            case FaultAction::status:
            case FaultAction::bad_attr_offset: {
                auto v = number(t, i, 0xffff, loc, "the value for this fault");
                if (!v) {
                    return Unexpected(v.error());
                }
                rule.value = static_cast<std::uint32_t>(*v);
                ++i;
                break;
            }
            case FaultAction::truncate_table:
            case FaultAction::oversize_table:
            case FaultAction::short_dm:
            case FaultAction::max_controllers_lie:
            case FaultAction::service_count_lie:
                if (i < t.size() && parse::to_uint(t[i].text, 1000000)) {
                    rule.value = static_cast<std::uint32_t>(*parse::to_uint(t[i].text, 1000000));
                    ++i;
                }
                break;
            default:
                break;
        }
    }
    bool count_set = false;
    while (i < t.size()) {
        const auto key = t[i].text;
        ++i;
        if (key == "every") {
            rule.nth = 0;
            continue;
        }
        if (i >= t.size()) {
            return fail_at(loc, fmt::format("expected a value after {}", quote(key)));
        }
        const auto value = t[i].text;
        if (key == "class") {
            if (value == "sa") {
                rule.mgmt_class = 0x03;
            } else if (value == "dm") {
                rule.mgmt_class = 0x06;
            } else {
                auto v = number(t, i, 0xff, loc, "a management class (sa, dm or a number)");
                if (!v) {
                    return Unexpected(v.error());
                }
                rule.mgmt_class = static_cast<std::uint8_t>(*v);
            }
        } else if (key == "attr") {
            const auto* named = std::find_if(std::begin(kAttrNames), std::end(kAttrNames),
                                             [&](const AttrName& a) { return a.name == value; });
            if (named != std::end(kAttrNames)) {
                rule.attr_id = named->id;
            } else {
                auto v = number(t, i, 0xffff, loc, "an attribute name or ID");
                if (!v) {
                    return Unexpected(v.error());
                }
                rule.attr_id = static_cast<std::uint16_t>(*v);
            }
        } else if (key == "method") {
            const auto* named = std::find_if(std::begin(kMethodNames), std::end(kMethodNames),
                                             [&](const MethodName& m) { return m.name == value; });
            if (named != std::end(kMethodNames)) {
                rule.method = named->id;
            } else {
                auto v = number(t, i, 0xff, loc, "a method name or number");
                if (!v) {
                    return Unexpected(v.error());
                }
                rule.method = static_cast<std::uint8_t>(*v);
            }
        } else if (key == "lid") {
            auto v = number(t, i, kMaxUnicastLid, loc, "a destination LID");
            if (!v) {
                return Unexpected(v.error());
            }
            rule.dlid = static_cast<Lid>(*v);
        } else if (key == "nth" || key == "count" || key == "seed") {
            auto v = number(t, i, UINT64_MAX, loc, fmt::format("a number after {}", key));
            if (!v) {
                return Unexpected(v.error());
            }
            if (key == "nth") {
                rule.nth = *v;
            } else if (key == "count") {
                rule.count = *v;
                count_set = true;
            } else {
                rule.seed = *v;
            }
        } else if (key == "probability") {
            const auto p = parse::to_probability(value);
            if (!p) {
                return fail_at(loc,
                               fmt::format("expected a probability 0..1, found {}", quote(value)));
            }
            rule.probability = *p;
        } else {
            return fail_at(loc, fmt::format("expected class, attr, method, lid, nth, count, "
                                            "every, probability or seed, found {}",
                                            quote(key)));
        }
        ++i;
    }
    if (rule.nth > 0 && !count_set) {
        rule.count = 1;
    }
    out_.faults.push_back(std::move(rule));
    return {};
}

Result<void> FabricReader::event_line(const std::vector<Token>& t, const Loc& loc) {
    if (t.size() < 4) {
        return fail_at(loc, "expected 'event TIME KIND PORT ...'");
    }
    const auto at = parse::to_duration(t[1].text);
    if (!at) {
        return fail_at(
            loc, fmt::format("expected an event time such as 5s, found {}", quote(t[1].text)));
    }
    auto port = port_ref(t[3], loc);
    if (!port) {
        return Unexpected(port.error());
    }
    TimedEvent ev;
    ev.at = *at;
    ev.origin = fmt::format("{}:{}", loc.file, loc.line);
    const auto kind = t[2].text;
    std::size_t used = 4;
    if (kind == "sm-move") {
        ev.event = SmMove{*port};
    } else if (kind == "port-down") {
        ev.event = PortDown{*port};
    } else if (kind == "port-up") {
        ev.event = PortUp{*port};
    } else if (kind == "target-remove") {
        ev.event = TargetChange{*port, false, std::nullopt};
    } else if (kind == "target-add") {
        ev.event = TargetChange{*port, true, std::nullopt};
    } else if (kind == "ioc-change") {
        ev.event = IocChange{*port, nullptr};
    } else if (kind == "acl-allow" || kind == "acl-deny") {
        AclChange change{*port, kind == "acl-allow", false, {}};
        if (auto r = acl_words(t, used, loc, change.any, change.entries); !r) {
            return r;
        }
        used = t.size();
        ev.event = std::move(change);
    } else if (kind == "pkeys") {
        PKeyTableChange change{*port, {}};
        for (; used < t.size(); ++used) {
            if (change.pkeys.size() >= kMaxPKeysPerPort) {
                return fail_at(loc, fmt::format("more than {} P_Keys", kMaxPKeysPerPort));
            }
            auto v = number(t, used, 0xffff, loc, "a P_Key");
            if (!v) {
                return Unexpected(v.error());
            }
            change.pkeys.push_back(static_cast<PKey>(*v));
        }
        ev.event = std::move(change);
    } else {
        return fail_at(loc, fmt::format("expected an event kind (sm-move, port-down, port-up, "
                                        "target-remove, target-add, ioc-change, pkeys, "
                                        "acl-allow, acl-deny), found {}",
                                        quote(kind)));
    }
    if (auto r = no_more(t, used, loc); !r) {
        return r;
    }
    out_.events.push_back(std::move(ev));
    return {};
}

void FabricReader::assign_lids() {
    Fabric& f = fabric();
    std::vector<bool> used(kMaxUnicastLid + 1, false);
    for (const Node& node : f.nodes) {
        for (const Port& p : node.ports) {
            if (node.is_end_port(p) && p.lid != 0) {
                for (unsigned l = p.lid; l < p.lid + (1U << p.lmc) && l <= kMaxUnicastLid; ++l) {
                    used[l] = true;
                }
            }
        }
    }
    // Breadth first from the SM, as an SM's sweep discovers the fabric.
    std::vector<bool> seen(f.nodes.size(), false);
    std::deque<std::size_t> queue{f.sm.node};
    seen[f.sm.node] = true;
    Lid next = 1;
    while (!queue.empty()) {
        const std::size_t n = queue.front();
        queue.pop_front();
        Node& node = f.nodes[n];
        const bool linked = std::any_of(node.ports.begin(), node.ports.end(),
                                        [](const Port& p) { return p.peer_node != kNoNode; });
        for (Port& p : node.ports) {
            if (p.peer_node != kNoNode && !seen[p.peer_node]) {
                seen[p.peer_node] = true;
                queue.push_back(p.peer_node);
            }
            if (!node.is_end_port(p)) {
                p.state =
                    p.peer_node != kNoNode ? model::PortState::active : model::PortState::down;
                continue;
            }
            const bool up =
                p.peer_node != kNoNode || (p.num == 0 && linked) || PortRef{n, p.num} == f.sm;
            p.state = up ? model::PortState::active : model::PortState::down;
            if (!up || p.lid != 0) {
                continue;
            }
            const unsigned span = 1U << p.lmc;
            Lid lid = static_cast<Lid>((next + span - 1) & ~(span - 1));
            while (lid + span - 1 <= kMaxUnicastLid) {
                bool free = true;
                for (unsigned l = lid; l < lid + span; ++l) {
                    free = free && !used[l];
                }
                if (free) {
                    break;
                }
                lid = static_cast<Lid>(lid + span);
            }
            if (lid + span - 1 > kMaxUnicastLid) {
                continue;  // out of LIDs: the port stays without one
            }
            p.lid = lid;
            for (unsigned l = lid; l < lid + span; ++l) {
                used[l] = true;
            }
            next = static_cast<Lid>(lid + span);
        }
    }
    // Ports the SM cannot reach get no LID and stay down.
    for (std::size_t n = 0; n < f.nodes.size(); ++n) {
        if (!seen[n]) {
            for (Port& p : f.nodes[n].ports) {
                p.state = model::PortState::down;
            }
        }
    }
}

void FabricReader::assign_pkeys() {
    Fabric& f = fabric();
    const bool explicit_default = members_.count(0x7fff) != 0;
    std::vector<PKey> order;
    if (!explicit_default) {
        order.push_back(kDefaultPKey);
    }
    for (const PKey base : partition_order_) {
        order.push_back(base == 0x7fff ? kDefaultPKey : static_cast<PKey>(base | 0x8000));
    }
    // The default partition first, as OpenSM puts it at index 0.
    std::stable_partition(order.begin(), order.end(),
                          [](PKey p) { return pkey_base(p) == 0x7fff; });
    f.partitions = order;
    for (const auto& ref : f.end_ports()) {
        Port& p = f.port(ref);
        p.pkeys.clear();
        for (const PKey full_value : order) {
            const PKey base = pkey_base(full_value);
            bool member = false;
            bool full = false;
            if (base == 0x7fff && !explicit_default) {
                member = full = true;
            } else {
                for (const auto& m : members_[base]) {
                    if (m.port == ref) {
                        member = true;
                        full = full || m.full;
                    }
                }
            }
            if (base == 0x7fff && ref == f.sm) {
                member = full = true;  // the SM is always a full member of the default
            }
            if (member) {
                p.pkeys.push_back(full ? static_cast<PKey>(base | 0x8000) : base);
            }
        }
    }
}

Result<void> FabricReader::finish() {
    Fabric& f = fabric();
    if (sm_) {
        f.sm = *sm_;
    } else {
        for (std::size_t n = 0; n < f.nodes.size() && !f.sm.valid(); ++n) {
            if (f.nodes[n].type == NodeType::switch_node) {
                f.sm = PortRef{n, 0};
            }
        }
        for (std::size_t n = 0; n < f.nodes.size() && !f.sm.valid(); ++n) {
            for (const Port& p : f.nodes[n].ports) {
                if (p.peer_node != kNoNode) {
                    f.sm = PortRef{n, p.num};
                    break;
                }
            }
        }
        if (!f.sm.valid()) {
            f.sm = PortRef{0, f.nodes[0].ports.front().num};
        }
    }
    assign_lids();
    assign_pkeys();
    for (Node& node : f.nodes) {
        for (Port& p : node.ports) {
            if (!node.is_end_port(p)) {
                continue;
            }
            p.capability_mask = node.type == NodeType::switch_node ? kDefaultSwitchCapabilityMask
                                                                   : kDefaultCaCapabilityMask;
            if (p.dm) {
                p.capability_mask |= kCapIsDm;
            }
        }
    }
    f.port(f.sm).capability_mask |= kCapIsSm;
    if (f.local_ports.empty()) {
        for (const auto& ref : f.end_ports()) {
            const Port& p = f.port(ref);
            if (f.node(ref).type == NodeType::ca && !p.dm && !(ref == f.sm) &&
                p.state == model::PortState::active) {
                f.local_ports.push_back(LocalPort{ref, "sim0"});
                break;
            }
        }
    }
    f.reindex();
    return {};
}

}  // namespace

Result<std::string> read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return fail(Errc::not_found, fmt::format("{}: cannot open the file", path));
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) {
        return fail(Errc::io, fmt::format("{}: read error", path));
    }
    std::string text = std::move(ss).str();
    if (text.size() > kMaxFabricFileSize) {
        return fail(Errc::invalid_input,
                    fmt::format("{}: larger than {} MiB", path, kMaxFabricFileSize >> 20));
    }
    return text;
}

Result<FabricFile> parse_fabric(std::string_view text, const std::string& path,
                                const ParseOptions& options) {
    if (text.size() > kMaxFabricFileSize) {
        return fail(Errc::invalid_input,
                    fmt::format("{}: larger than {} MiB", path, kMaxFabricFileSize >> 20));
    }
    FabricReader reader(path, options);
    return reader.read(text);
}

Result<FabricFile> load_fabric(const std::string& path, const ParseOptions& options) {
    auto text = options.read_file(path);
    if (!text) {
        return Unexpected(text.error());
    }
    return parse_fabric(*text, path, options);
}

}  // namespace srpadm::sim
