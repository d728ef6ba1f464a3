#include <arpa/inet.h>
#include <cstring>

#include <fmt/format.h>

#include <srpadm/target/names.hpp>
#include <srpadm/text.hpp>

namespace srpadm::target {
namespace {

using Bytes = std::array<std::uint8_t, 16>;

std::uint64_t half(const Bytes& b, std::size_t at) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8; ++i) {
        v = (v << 8) | b[at + i];
    }
    return v;
}

// Splits on ':' keeping empty fields.
std::vector<std::string_view> split_colons(std::string_view text) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        const auto colon = text.find(':', start);
        out.push_back(text.substr(start, colon == std::string_view::npos ? colon : colon - start));
        if (colon == std::string_view::npos) {
            return out;
        }
        start = colon + 1;
    }
}

// Fills `out` from groups of 1-4 hex digits, 16 bits each, ending at out[16].
bool fill_groups(const std::vector<std::string_view>& groups, Bytes& out) {
    std::size_t at = 16 - 2 * groups.size();
    for (const std::string_view g : groups) {
        if (g.empty() || g.size() > 4 || !text::all_of(g, text::is_hex_digit)) {
            return false;
        }
        const auto v = text::parse_number<std::uint16_t>(g, 16);
        if (!v) {
            return false;
        }
        out[at] = static_cast<std::uint8_t>(*v >> 8);
        out[at + 1] = static_cast<std::uint8_t>(*v & 0xff);
        at += 2;
    }
    return true;
}

Unexpected bad_name(std::string_view text) {
    return fail(Errc::invalid_input,
                fmt::format("'{}' is not an initiator name: give the initiator port ID (0x and 32 "
                            "hex digits, as 'srpadm initiator-id' prints it), a GID or port ID in "
                            "eight groups of four hex digits, a port GUID (xxxx:xxxx:xxxx:xxxx) "
                            "or an IP address",
                            text::printable(text)));
}

}  // namespace

std::string port_id_hex(const Bytes& bytes) {
    return fmt::format("0x{:016x}{:016x}", half(bytes, 0), half(bytes, 8));
}

std::string eight_groups(const Bytes& bytes) {
    std::string out;
    for (std::size_t i = 0; i < 16; i += 2) {
        out += fmt::format("{}{:02x}{:02x}", i == 0 ? "" : ":", bytes[i], bytes[i + 1]);
    }
    return out;
}

std::string lio_gid_port_name(const Gid& gid) {
    return "0x" + gid.hex();
}

std::string lio_guid_port_name(const Gid& gid) {
    return guid_colon_form(gid.guid());
}

std::string scst_port_name(const Gid& gid) {
    return gid.colon_groups();
}

Result<InitiatorName> parse_initiator_name(std::string_view text) {
    InitiatorName name;
    name.given = std::string(text);
    if (text.empty() || text.size() > 64) {
        return bad_name(text);
    }
    std::string_view digits = text;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
        digits.remove_prefix(2);
    }
    if (digits.size() == 32 && text::all_of(digits, text::is_hex_digit)) {
        for (std::size_t i = 0; i < 16; ++i) {
            name.bytes[i] = *text::parse_number<std::uint8_t>(digits.substr(2 * i, 2), 16);
        }
        name.kind = NameKind::port_id;
        return name;
    }
    if (text.find(':') != std::string_view::npos && text.find("::") == std::string_view::npos) {
        const auto groups = split_colons(text);
        if ((groups.size() == 8 || groups.size() == 4) && fill_groups(groups, name.bytes)) {
            name.kind = groups.size() == 8 ? NameKind::eight_groups : NameKind::guid;
            return name;
        }
    }
    const std::string copy(text);
    in_addr v4{};
    if (::inet_pton(AF_INET, copy.c_str(), &v4) == 1) {
        name.kind = NameKind::ipv4;
        std::memcpy(name.bytes.data() + 12, &v4, 4);
        std::array<char, INET_ADDRSTRLEN> buffer{};
        name.address = ::inet_ntop(AF_INET, &v4, buffer.data(), buffer.size());
        return name;
    }
    in6_addr v6{};
    if (::inet_pton(AF_INET6, copy.c_str(), &v6) == 1) {
        name.kind = NameKind::ipv6;
        std::memcpy(name.bytes.data(), &v6, 16);
        // The kernel's %pI6 (which %pIS uses for IPv6): eight groups, not compressed.
        name.address = eight_groups(name.bytes);
        return name;
    }
    return bad_name(text);
}

PortName name_for_port(const InitiatorName& initiator, Flavour flavour, const TargetPort& port) {
    PortName out;
    const std::uint64_t high = half(initiator.bytes, 0);
    const std::uint64_t low = half(initiator.bytes, 8);
    const std::string where = fmt::format("port {}", port.name);
    const bool address = initiator.kind == NameKind::ipv4 || initiator.kind == NameKind::ipv6;
    if (address) {
        out.name = initiator.address;
        if (!port.roce) {
            out.warnings.push_back(fmt::format(
                "{}: {} is an IP address, which names RDMA/CM logins only; ib_srp logs in "
                "through IB/CM on InfiniBand unless the login has dest=",
                where, initiator.address));
        }
        if (flavour == Flavour::lio && port.naming == PortNaming::gid) {
            out.warnings.push_back(fmt::format(
                "{}: LIO names logins on a GID-named port by the initiator port ID, never by "
                "address: {} will not match; give the ID 'srpadm initiator-id' prints",
                where, initiator.address));
        }
        return out;
    }
    const auto assumed_ext = [&](std::string_view form) {
        return fmt::format(
            "{}: {} is a {}: srpadm assumes the host logs in with initiator_ext 0 (ib_srp's "
            "default); a host that sets another initiator_ext (srp_daemon -n, srpadm's "
            "port-guid policy) sends a different ID: give that ID instead",
            where, initiator.given, form);
    };
    if (flavour == Flavour::scst) {
        // SCST wants the GID: the initiator's subnet prefix is the target port's own (one
        // subnet), its interface ID the port GUID, the low half of a port ID.
        const std::uint64_t prefix = port.gid ? port.gid->prefix() : 0xfe80000000000000ULL;
        if (initiator.kind == NameKind::eight_groups) {
            out.name = eight_groups(initiator.bytes);
            return out;
        }
        out.name = Gid::from_parts(prefix, low).colon_groups();
        if (initiator.kind == NameKind::port_id && high != 0 && high != prefix) {
            out.warnings.push_back(fmt::format(
                "{}: SCST names a login by the initiator's GID, not by its port ID: srpadm "
                "took the port GUID from the ID's low half ({})",
                where, guid_colon_form(low)));
        }
        if (port.roce) {
            out.warnings.push_back(fmt::format(
                "{}: logins over RoCE come through RDMA/CM, which SCST names by the source "
                "address: allow the address 'srpadm initiator-id' prints as well",
                where));
        }
        return out;
    }
    if (port.naming == PortNaming::guid) {
        out.name = guid_colon_form(low);
        if (port.roce) {
            out.warnings.push_back(fmt::format(
                "{}: a GUID-named LIO port names RDMA/CM logins (all logins over RoCE) by the "
                "source address: allow the address 'srpadm initiator-id' prints instead",
                where));
        }
        return out;
    }
    if (initiator.kind == NameKind::guid) {
        out.name = port_id_hex(initiator.bytes);  // bytes 0..7 are zero
        out.warnings.push_back(assumed_ext("port GUID"));
        return out;
    }
    out.name = port_id_hex(initiator.bytes);
    return out;
}

Result<void> check_object_name(std::string_view what, std::string_view name) {
    const bool ok = !name.empty() && name.size() <= 48 && name.front() != '.' &&
                    name.front() != '-' && text::all_of(name, [](char c) {
                        return text::is_digit(c) || (c >= 'a' && c <= 'z') ||
                               (c >= 'A' && c <= 'Z') || c == '_' || c == '.' || c == '-';
                    });
    if (!ok) {
        return fail(Errc::invalid_input,
                    fmt::format("{} '{}': use 1-48 characters of A-Z a-z 0-9 _ . - (not starting "
                                "with . or -)",
                                what, text::printable(name)));
    }
    return {};
}

Result<std::uint64_t> parse_size(std::string_view what, std::string_view text) {
    std::size_t digits = 0;
    while (digits < text.size() && text::is_digit(text[digits])) {
        ++digits;
    }
    const auto number = text::parse_number<std::uint64_t>(text.substr(0, digits));
    std::string_view unit = text.substr(digits);
    if (unit.size() > 1 && unit.back() == 'B') {
        unit.remove_suffix(1);
        if (!unit.empty() && unit.back() == 'i') {
            unit.remove_suffix(1);
        }
    }
    unsigned shift = 0;
    if (unit == "K" || unit == "k") {
        shift = 10;
    } else if (unit == "M") {
        shift = 20;
    } else if (unit == "G") {
        shift = 30;
    } else if (unit == "T") {
        shift = 40;
    } else if (!unit.empty() && unit != "B") {
        shift = 64;
    }
    if (!number || *number == 0 || shift == 64 || (*number >> (63 - shift)) != 0) {
        return fail(Errc::invalid_input,
                    fmt::format("{} {}: give a size such as 10G, 512M or 1048576 (bytes)", what,
                                text::printable(text)));
    }
    return *number << shift;
}

}  // namespace srpadm::target
