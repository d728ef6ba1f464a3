#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <bit>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include <srpadm/model/address.hpp>

namespace srpadm::model {
namespace {

constexpr std::array<std::uint8_t, 12> kV4MappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool v4_mapped(const std::array<std::uint8_t, 16>& raw) {
    return std::equal(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), raw.begin());
}

bool link_local_bytes(const std::array<std::uint8_t, 16>& raw) {
    return raw[0] == 0xfe && (raw[1] & 0xc0) == 0x80;
}

// Scope names: a netdev name (IFNAMSIZ 16 with the NUL) or an interface index; what the
// kernel's inet_pton_with_scope() takes after '%'.
bool valid_scope(std::string_view scope) {
    return !scope.empty() && scope.size() < 16 &&
           std::all_of(scope.begin(), scope.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.';
           });
}

Result<std::uint16_t> parse_port(std::string_view text) {
    unsigned value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end || value == 0 || value > 65535 ||
        (text.size() > 1 && text[0] == '0')) {
        return fail(Errc::invalid_input,
                    fmt::format("'{}' is not an RDMA/CM port (1-65535)", text));
    }
    return static_cast<std::uint16_t>(value);
}

Result<TargetAddress> from_v6(std::string_view text, std::string_view scope) {
    TargetAddress a;
    const std::string host(text);
    in6_addr v6{};
    if (inet_pton(AF_INET6, host.c_str(), &v6) != 1) {
        return fail(Errc::invalid_input, fmt::format("'{}' is not an IPv6 address", text));
    }
    std::copy(std::begin(v6.s6_addr), std::end(v6.s6_addr), a.bytes.begin());
    if (v4_mapped(a.bytes)) {
        if (!scope.empty()) {
            return fail(Errc::invalid_input, "an IPv4-mapped address takes no %scope");
        }
        std::array<std::uint8_t, 16> v4{};
        std::copy(a.bytes.begin() + 12, a.bytes.end(), v4.begin());
        a.bytes = v4;
        return a;
    }
    a.family = TargetAddress::Family::ipv6;
    if (!scope.empty()) {
        if (!valid_scope(scope)) {
            return fail(Errc::invalid_input,
                        fmt::format("'{}' is not a scope (a network interface name)", scope));
        }
        if (!link_local_bytes(a.bytes)) {
            return fail(Errc::invalid_input, "only a link-local IPv6 address takes a %scope");
        }
        a.scope = std::string(scope);
    }
    return a;
}

// An IPv6 address with an optional %scope.
Result<TargetAddress> parse_v6_with_scope(std::string_view text) {
    const auto percent = text.find('%');
    if (percent == std::string_view::npos) {
        return from_v6(text, {});
    }
    return from_v6(text.substr(0, percent), text.substr(percent + 1));
}

}  // namespace

Gid TargetAddress::gid() const {
    Gid g;
    if (family == Family::ipv4) {
        std::copy(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), g.raw.begin());
        std::copy(bytes.begin(), bytes.begin() + 4, g.raw.begin() + 12);
    } else {
        g.raw = bytes;
    }
    return g;
}

std::string TargetAddress::host() const {
    std::array<char, INET6_ADDRSTRLEN> buf{};
    if (family == Family::ipv4) {
        inet_ntop(AF_INET, bytes.data(), buf.data(), buf.size());
        return buf.data();
    }
    inet_ntop(AF_INET6, bytes.data(), buf.data(), buf.size());
    std::string out = buf.data();
    if (!scope.empty()) {
        out += '%' + scope;
    }
    return out;
}

std::string TargetAddress::with_port(std::uint16_t default_port) const {
    const std::uint16_t p = port.value_or(default_port);
    if (family == Family::ipv4) {
        return fmt::format("{}:{}", host(), p);
    }
    return fmt::format("[{}]:{}", host(), p);
}

bool link_local(const Gid& gid) {
    return link_local_bytes(gid.raw);
}

bool TargetAddress::link_local() const {
    return family == Family::ipv6 && link_local_bytes(bytes);
}

Result<TargetAddress> parse_target_address(std::string_view text) {
    if (text.empty()) {
        return fail(Errc::invalid_input, "an address is empty");
    }
    if (text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos) {
            return fail(Errc::invalid_input, "'[' without ']'");
        }
        auto a = parse_v6_with_scope(text.substr(1, close - 1));
        if (!a) {
            return a;
        }
        const auto rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') {
                return fail(Errc::invalid_input,
                            fmt::format("'{}' after ']': expected ':PORT'", rest));
            }
            auto port = parse_port(rest.substr(1));
            if (!port) {
                return Unexpected(port.error());
            }
            a->port = *port;
        }
        return a;
    }
    if (text.size() == 32 || (text.size() == 34 && text.substr(0, 2) == "0x")) {
        // A GID as add_target writes it: 32 hex digits.
        if (auto gid = Gid::parse(text.substr(text.size() - 32))) {
            return from_v6(gid->colon_groups(), {});
        }
    }
    const auto colons = std::count(text.begin(), text.end(), ':');
    if (colons <= 1) {
        // IPv4, optionally with a port.
        const auto colon = text.find(':');
        const std::string host(text.substr(0, colon));
        in_addr v4{};
        if (inet_pton(AF_INET, host.c_str(), &v4) != 1) {
            return fail(Errc::invalid_input,
                        fmt::format("'{}' is not an IPv4 address, an IPv6 address or a GID", host));
        }
        TargetAddress a;
        std::memcpy(a.bytes.data(), &v4, 4);
        if (colon != std::string_view::npos) {
            auto port = parse_port(text.substr(colon + 1));
            if (!port) {
                return Unexpected(port.error());
            }
            a.port = *port;
        }
        return a;
    }
    // An IPv6 address without brackets (no port), or a GID in the sysfs form (eight groups:
    // an IPv6 address too).
    return parse_v6_with_scope(text);
}

namespace {

enum class GidKind : std::uint8_t { v4_mapped, link_local, other };

GidKind kind_of(const Gid& g) {
    if (v4_mapped(g.raw)) {
        return GidKind::v4_mapped;
    }
    return link_local_bytes(g.raw) ? GidKind::link_local : GidKind::other;
}

int common_prefix_bits(const Gid& a, const Gid& b) {
    int bits = 0;
    for (std::size_t i = 0; i < a.raw.size(); ++i) {
        const auto x = static_cast<std::uint8_t>(a.raw[i] ^ b.raw[i]);
        if (x != 0) {
            return bits + std::countl_zero(x);
        }
        bits += 8;
    }
    return bits;
}

}  // namespace

std::optional<GidEntry> choose_source_gid(const std::vector<GidEntry>& table, const Gid& dgid) {
    const GidKind want = kind_of(dgid);
    const GidEntry* best = nullptr;
    // Higher is better: RoCE v2, then the longest common prefix, then the lowest index.
    const auto better = [&](const GidEntry& e) {
        if (best == nullptr) {
            return true;
        }
        if (e.roce_v2 != best->roce_v2) {
            return e.roce_v2;
        }
        const int pe = common_prefix_bits(e.gid, dgid);
        const int pb = common_prefix_bits(best->gid, dgid);
        if (pe != pb) {
            return pe > pb;
        }
        return e.index < best->index;
    };
    for (const auto& e : table) {
        if (e.gid == Gid{} || kind_of(e.gid) != want) {
            continue;
        }
        if (better(e)) {
            best = &e;
        }
    }
    if (best == nullptr) {
        return std::nullopt;
    }
    return *best;
}

login::RdmaCmAddress rdma_cm_address(const TargetAddress& target, const GidEntry& source,
                                     const std::vector<GidEntry>& table,
                                     std::uint16_t default_port) {
    TargetAddress dest = target;
    if (dest.link_local() && dest.scope.empty()) {
        dest.scope = source.netdev;
    }
    login::RdmaCmAddress out;
    out.dest = dest.with_port(default_port);
    // Other addresses of the same kind on the port: name the source, so that the login leaves
    // from the address the DM MADs did.
    const GidKind kind = kind_of(source.gid);
    const bool others = std::any_of(table.begin(), table.end(), [&](const GidEntry& e) {
        return e.gid != Gid{} && e.gid != source.gid && kind_of(e.gid) == kind;
    });
    if (others) {
        auto src = parse_target_address(source.gid.colon_groups());
        if (src) {
            if (src->link_local()) {
                src->scope = source.netdev;
            }
            out.src =
                src->family == TargetAddress::Family::ipv4 ? src->host() : "[" + src->host() + "]";
        }
    }
    return out;
}

std::optional<MacAddress> parse_mac(std::string_view text) {
    MacAddress mac{};
    if (text.size() != 17) {
        return std::nullopt;
    }
    for (std::size_t i = 0; i < mac.size(); ++i) {
        const std::string_view pair = text.substr(i * 3, 2);
        unsigned v = 0;
        const auto [ptr, ec] = std::from_chars(pair.data(), pair.data() + 2, v, 16);
        if (ec != std::errc() || ptr != pair.data() + 2 || (i < 5 && text[i * 3 + 2] != ':')) {
            return std::nullopt;
        }
        mac[i] = static_cast<std::uint8_t>(v);
    }
    return mac;
}

Gid link_local_gid(const MacAddress& mac) {
    Gid g;
    g.raw[0] = 0xfe;
    g.raw[1] = 0x80;
    g.raw[8] = static_cast<std::uint8_t>(mac[0] ^ 0x02);  // the universal/local bit
    g.raw[9] = mac[1];
    g.raw[10] = mac[2];
    g.raw[11] = 0xff;
    g.raw[12] = 0xfe;
    g.raw[13] = mac[3];
    g.raw[14] = mac[4];
    g.raw[15] = mac[5];
    return g;
}

}  // namespace srpadm::model
