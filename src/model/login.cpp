// The ib_srp login string: validation, rendering and parsing (see login.hpp for the rules).
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include <srpadm/model/login.hpp>
#include <srpadm/text.hpp>

namespace srpadm::login {
namespace {

// How a key's value is written.
enum class Kind : std::uint8_t {
    id_ext,    // 1-16 hex digits, verbatim
    hex64,     // kstrtoull base 16: 1-16 hex digits, optional 0x
    dgid,      // exactly 32 hex digits
    pkey,      // match_hex, 16 bits
    io_class,  // match_hex, 0x100 or 0xff00
    decimal,   // match_int, a range
    dest,      // srp_parse_in, port required
    src,       // srp_parse_in, port optional
};

constexpr std::int64_t kIntMax = 2147483647;  // match_int stores an int

struct KeyInfo {
    std::string_view name;
    Kind kind;
    bool address;
    std::int64_t min;       // decimal keys only
    std::int64_t max;       // decimal keys only
    std::string_view note;  // added to a decimal key's range error
};

// Indexed by Key (the kernel's SRP_OPT_* bit order).
constexpr std::array<KeyInfo, kKeyCount> kKeys{{
    {"id_ext", Kind::id_ext, true, 0, 0, {}},
    {"ioc_guid", Kind::hex64, true, 0, 0, {}},
    {"dgid", Kind::dgid, true, 0, 0, {}},
    {"pkey", Kind::pkey, true, 0, 0, {}},
    {"service_id", Kind::hex64, true, 0, 0, {}},
    {"max_sect", Kind::decimal, false, 1, kIntMax,
     "the kernel does not check it, but 0 or a negative size in 512-byte sectors is nonsense"},
    {"max_cmd_per_lun", Kind::decimal, false, 1, kIntMax, {}},
    {"io_class", Kind::io_class, false, 0, 0, {}},
    {"initiator_ext", Kind::hex64, false, 0, 0, {}},
    {"cmd_sg_entries", Kind::decimal, false, 1, 255, {}},
    {"allow_ext_sg", Kind::decimal, false, 0, kIntMax, "0 is off, any other value on"},
    {"sg_tablesize", Kind::decimal, false, 1, 2048, {}},
    {"comp_vector", Kind::decimal, false, 0, kIntMax, {}},
    {"tl_retry_count", Kind::decimal, false, 2, 7, {}},
    {"queue_size", Kind::decimal, false, 2, kIntMax,
     "the kernel's parser takes 1, but its ABI document names 2 as the lowest supported value"},
    {"src", Kind::src, true, 0, 0, {}},
    {"dest", Kind::dest, true, 0, 0, {}},
    {"target_can_queue", Kind::decimal, false, 1, kIntMax, {}},
    {"max_it_iu_size", Kind::decimal, false, 0, kIntMax, {}},
    {"ch_count", Kind::decimal, false, 1, kIntMax, {}},
}};

const KeyInfo& info(Key key) {
    return kKeys.at(static_cast<std::size_t>(key));
}

// What is wrong with a value, said as what is expected; nullopt when the value is fine.
using Problem = std::optional<std::string>;

std::string show(std::string_view text) {
    return text::printable(text);
}

Unexpected bad_value(Key key, std::string_view value, std::string_view problem) {
    return fail(Errc::invalid_input, fmt::format("{}={}: {}", key_name(key), show(value), problem));
}

using text::all_of;
using text::is_digit;
using text::is_hex_digit;

bool has_0x(std::string_view text) {
    return text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
}

std::string_view without_0x(std::string_view text) {
    return has_0x(text) ? text.substr(2) : text;
}

// Decimal digits without sign or leading zero, at most 10 of them; nullopt otherwise.
std::optional<std::int64_t> read_decimal(std::string_view text) {
    if (text.size() > 10 || (text.size() > 1 && text[0] == '0')) {
        return std::nullopt;
    }
    const auto value = text::parse_number<std::uint64_t>(text);
    return value ? std::optional<std::int64_t>(static_cast<std::int64_t>(*value)) : std::nullopt;
}

Problem check_decimal(const KeyInfo& key, std::string_view value) {
    const std::string range = fmt::format("{}..{}", key.min, key.max);
    const std::string note = key.note.empty() ? "" : fmt::format(" ({})", key.note);
    std::string_view digits = value;
    const bool negative = !digits.empty() && digits[0] == '-';
    if (negative) {
        digits.remove_prefix(1);
    }
    if (has_0x(digits)) {
        return fmt::format("must be a decimal number {} (hex forms are refused)", range);
    }
    if (!all_of(digits, is_digit)) {
        return fmt::format("must be a decimal number {}", range);
    }
    if (digits.size() > 1 && digits[0] == '0') {
        return fmt::format(
            "must be a decimal number {} without leading zeros (the kernel would read {} as "
            "octal)",
            range, show(value));
    }
    const auto number = read_decimal(digits);
    if (negative || !number || *number < key.min || *number > key.max) {
        return fmt::format("must be {}{}", range, note);
    }
    return std::nullopt;
}

Problem check_id_ext(std::string_view value) {
    if (text::parse_hex(value, 16)) {
        return std::nullopt;
    }
    if (has_0x(value) && text::parse_hex(value.substr(2), 16)) {
        return "must be 1-16 hex digits without a 0x prefix (it is written verbatim, as the "
               "target's service name gives it)";
    }
    return "must be 1-16 hex digits (the target's id_ext)";
}

Problem check_hex64(std::string_view value) {
    if (text::parse_hex(without_0x(value), 16)) {
        return std::nullopt;
    }
    return "must be 1-16 hex digits, optionally with a 0x prefix";
}

Problem check_dgid(std::string_view value) {
    if (value.size() == 32 && all_of(value, is_hex_digit)) {
        return std::nullopt;
    }
    return "must be exactly 32 hex digits (no colons, no 0x prefix)";
}

// A 16-bit hex number as match_hex reads it: 1-4 hex digits with an optional 0x prefix.
std::optional<std::uint64_t> read_hex16(std::string_view value) {
    return text::parse_hex(without_0x(value), 4);
}

Problem check_pkey(std::string_view value) {
    if (read_hex16(value)) {
        return std::nullopt;
    }
    std::string_view digits = without_0x(value);
    if (all_of(digits, is_hex_digit)) {
        digits.remove_prefix(std::min(digits.find_first_not_of('0'), digits.size()));
        if (digits.size() > 4) {
            return "must be at most ffff (the kernel would silently keep only the low 16 bits)";
        }
    }
    return "must be a hex number 0..ffff (1-4 hex digits, optionally with a 0x prefix)";
}

Problem check_io_class(std::string_view value) {
    const auto number = read_hex16(value);
    if (number && (*number == kIoClassRev16a || *number == kIoClassRev10)) {
        return std::nullopt;
    }
    return "must be 100 (SRP rev. 16a) or ff00 (SRP rev. 10), in hex";
}

std::optional<std::array<std::uint8_t, 4>> parse_ipv4(std::string_view text) {
    std::array<std::uint8_t, 4> bytes{};
    std::size_t part = 0;
    while (true) {
        const std::size_t dot = text.find('.');
        const auto number = read_decimal(text.substr(0, dot));
        if (part >= bytes.size() || !number || *number > 255) {
            return std::nullopt;
        }
        bytes.at(part++) = static_cast<std::uint8_t>(*number);
        if (dot == std::string_view::npos) {
            return part == bytes.size() ? std::optional(bytes) : std::nullopt;
        }
        text.remove_prefix(dot + 1);
    }
}

// Groups of an IPv6 address on one side of "::": 1-4 hex digits each, the last possibly a
// dotted IPv4 address (two groups). Appends to groups[count...]; false on a syntax error.
bool parse_ipv6_groups(std::string_view text, bool allow_ipv4, std::array<std::uint16_t, 8>& groups,
                       std::size_t& count) {
    if (text.empty()) {
        return true;
    }
    while (true) {
        const std::size_t colon = text.find(':');
        const std::string_view part = text.substr(0, colon);
        if (colon == std::string_view::npos && allow_ipv4 && part.find('.') != part.npos) {
            const auto v4 = parse_ipv4(part);
            if (count + 2 > groups.size() || !v4) {
                return false;
            }
            groups.at(count++) = static_cast<std::uint16_t>(((*v4)[0] << 8U) | (*v4)[1]);
            groups.at(count++) = static_cast<std::uint16_t>(((*v4)[2] << 8U) | (*v4)[3]);
            return true;
        }
        const auto number = text::parse_hex(part, 4);
        if (count >= groups.size() || !number) {
            return false;
        }
        groups.at(count++) = static_cast<std::uint16_t>(*number);
        if (colon == std::string_view::npos) {
            return true;
        }
        text.remove_prefix(colon + 1);
    }
}

// The RFC 4291 text forms; the kernel's in6_pton accepts all of them.
std::optional<std::array<std::uint8_t, 16>> parse_ipv6(std::string_view text) {
    const std::size_t gap = text.find("::");
    const std::string_view head = text.substr(0, gap);
    const std::string_view tail =
        gap == std::string_view::npos ? std::string_view{} : text.substr(gap + 2);
    std::array<std::uint16_t, 8> front{};
    std::array<std::uint16_t, 8> back{};
    std::size_t nfront = 0;
    std::size_t nback = 0;
    if (tail.find("::") != std::string_view::npos ||
        !parse_ipv6_groups(head, gap == std::string_view::npos, front, nfront) ||
        !parse_ipv6_groups(tail, true, back, nback)) {
        return std::nullopt;
    }
    const bool complete = gap == std::string_view::npos ? nfront == 8 : nfront + nback <= 7;
    if (!complete) {
        return std::nullopt;
    }
    std::array<std::uint16_t, 8> groups{};
    std::copy_n(front.begin(), nfront, groups.begin());
    std::copy_n(back.begin(), nback, groups.end() - static_cast<std::ptrdiff_t>(nback));
    std::array<std::uint8_t, 16> bytes{};
    for (std::size_t i = 0; i < 8; ++i) {
        bytes.at(2 * i) = static_cast<std::uint8_t>(groups.at(i) >> 8U);
        bytes.at(2 * i + 1) = static_cast<std::uint8_t>(groups.at(i) & 0xffU);
    }
    return bytes;
}

bool is_scope_char(char c) {
    const std::string_view refused = "/:,%[]";
    return c > ' ' && c < 0x7f && refused.find(c) == std::string_view::npos;
}

constexpr std::size_t kInet6AddrStrLen = 48;  // the kernel's limit inside the brackets
constexpr std::size_t kMaxScope = 15;         // IFNAMSIZ - 1; the kernel truncates longer ones

Problem check_ipv6_host(std::string_view host) {
    const std::size_t percent = host.find('%');
    const auto bytes = parse_ipv6(host.substr(0, percent));
    if (!bytes) {
        return fmt::format("[{}] is not an IPv6 address", show(host.substr(0, percent)));
    }
    if (host.size() > kInet6AddrStrLen) {
        return fmt::format("[{}] is longer than the kernel's {} characters", show(host),
                           kInet6AddrStrLen);
    }
    if (percent == std::string_view::npos) {
        return std::nullopt;
    }
    const std::string_view scope = host.substr(percent + 1);
    if (scope.empty() || scope.size() > kMaxScope || scope == "." || scope == ".." ||
        !all_of(scope, is_scope_char)) {
        return fmt::format(
            "scope '{}' must be an interface name or index of 1-{} characters without '/', "
            "':', ',', '%', '[', ']' or spaces",
            show(scope), kMaxScope);
    }
    const bool link_local = (*bytes)[0] == 0xfe && ((*bytes)[1] & 0xc0U) == 0x80;
    if (!link_local) {
        return "a %scope only applies to a link-local fe80::/10 address (the kernel ignores it "
               "elsewhere)";
    }
    return std::nullopt;
}

Problem check_ipv4_host(std::string_view host) {
    if (parse_ipv4(host)) {
        return std::nullopt;
    }
    if (host.find(':') != std::string_view::npos) {
        return "an IPv6 address must be written in brackets: [addr]:port";
    }
    if (!all_of(host, [](char c) { return is_digit(c) || c == '.'; })) {
        return fmt::format(
            "'{}' is not an IP address (the kernel does not resolve host names; write "
            "a.b.c.d or [ipv6])",
            show(host));
    }
    return fmt::format(
        "'{}' is not an IPv4 address (four decimal parts 0..255 without leading zeros)",
        show(host));
}

struct Endpoint {
    Problem problem;
    bool ipv6 = false;
};

// srp_parse_in's forms: "a.b.c.d[:port]" or "[ipv6[%scope]][:port]".
Endpoint check_endpoint(std::string_view value, bool port_required) {
    std::string_view host = value;
    std::optional<std::string_view> port;
    Endpoint out;
    if (value.empty()) {
        out.problem = port_required ? "must be a.b.c.d:port or [ipv6]:port"
                                    : "must be a.b.c.d[:port] or [ipv6][:port]";
        return out;
    }
    if (value[0] == '[') {
        out.ipv6 = true;
        const std::size_t close = value.find(']');
        if (close == std::string_view::npos) {
            out.problem = "an IPv6 address must be written [addr]:port or [addr%scope]:port";
            return out;
        }
        host = value.substr(1, close - 1);
        const std::string_view rest = value.substr(close + 1);
        if (!rest.empty() && rest[0] != ':') {
            out.problem = "only ':port' may follow the ']' of an IPv6 address";
            return out;
        }
        if (!rest.empty()) {
            port = rest.substr(1);
        }
        out.problem = check_ipv6_host(host);
    } else {
        const std::size_t colon = value.rfind(':');
        if (colon != std::string_view::npos && value.substr(0, colon).find(':') == value.npos) {
            host = value.substr(0, colon);
            port = value.substr(colon + 1);
        }
        out.problem = check_ipv4_host(host);
    }
    if (out.problem) {
        return out;
    }
    if (port) {
        const auto number = read_decimal(*port);
        if (!number || *number < 1 || *number > 65535) {
            out.problem = fmt::format(
                "port '{}' must be a decimal number 1..65535 without leading zeros", show(*port));
        }
    } else if (port_required) {
        out.problem = out.ipv6 ? "needs a port: [ipv6]:port" : "needs a port: a.b.c.d:port";
    }
    return out;
}

Problem check_value(Key key, std::string_view value) {
    const KeyInfo& k = info(key);
    switch (k.kind) {
        case Kind::id_ext:
            return check_id_ext(value);
        case Kind::hex64:
            return check_hex64(value);
        case Kind::dgid:
            return check_dgid(value);
        case Kind::pkey:
            return check_pkey(value);
        case Kind::io_class:
            return check_io_class(value);
        case Kind::decimal:
            return check_decimal(k, value);
        case Kind::dest:
            return check_endpoint(value, true).problem;
        case Kind::src:
            return check_endpoint(value, false).problem;
    }
    return "unknown key";
}

std::string key_list() {
    std::string out;
    for (const KeyInfo& k : kKeys) {
        out += out.empty() ? "" : ", ";
        out += k.name;
    }
    return out;
}

// Checks what make_option cannot see: the spec as a whole.
Result<void> check_spec(const LoginSpec& spec) {
    if (auto problem = check_id_ext(spec.id_ext)) {
        return bad_value(Key::id_ext, spec.id_ext, *problem);
    }
    if (!spec.ib && !spec.rdma) {
        return fail(Errc::invalid_input,
                    fmt::format("login for id_ext={},ioc_guid={:016x} has no address: give dgid, "
                                "pkey and service_id (IB/CM) or dest (RDMA/CM)",
                                show(spec.id_ext), spec.ioc_guid));
    }
    if (spec.rdma) {
        const Endpoint dest = check_endpoint(spec.rdma->dest, true);
        if (dest.problem) {
            return bad_value(Key::dest, spec.rdma->dest, *dest.problem);
        }
        if (spec.rdma->src) {
            const Endpoint src = check_endpoint(*spec.rdma->src, false);
            if (src.problem) {
                return bad_value(Key::src, *spec.rdma->src, *src.problem);
            }
            if (src.ipv6 != dest.ipv6) {
                return bad_value(Key::src, *spec.rdma->src,
                                 fmt::format("must be of the same address family as dest={} "
                                             "(rdma_resolve_addr refuses a mix)",
                                             show(spec.rdma->dest)));
            }
        }
    }
    for (const Option& opt : spec.options) {
        if (is_address_key(opt.key)) {
            return bad_value(opt.key, opt.value,
                             "an address key belongs in the identity or address of the login, "
                             "not among its options");
        }
        if (auto problem = check_value(opt.key, opt.value)) {
            return bad_value(opt.key, opt.value, *problem);
        }
    }
    return {};
}

}  // namespace

std::string printable(std::string_view text) {
    return show(text);
}

std::string_view key_name(Key key) {
    return info(key).name;
}

std::optional<Key> key_from_name(std::string_view name) {
    for (std::size_t i = 0; i < kKeys.size(); ++i) {
        if (kKeys.at(i).name == name) {
            return static_cast<Key>(i);
        }
    }
    return std::nullopt;
}

bool is_address_key(Key key) {
    return info(key).address;
}

Result<Option> make_option(Key key, std::string_view value) {
    if (auto problem = check_value(key, value)) {
        return bad_value(key, value, value.empty() ? "empty value; it " + *problem : *problem);
    }
    return Option{key, std::string(value)};
}

Result<Option> make_option(std::string_view name, std::string_view value) {
    const auto key = key_from_name(name);
    if (!key) {
        return fail(Errc::invalid_input, fmt::format("unknown option '{}' (ib_srp accepts: {})",
                                                     show(name), key_list()));
    }
    return make_option(*key, value);
}

Result<std::uint64_t> parse_hex64(Key key, std::string_view value) {
    if (info(key).kind != Kind::hex64) {
        return fail(Errc::internal,
                    fmt::format("parse_hex64 called for {}, not a 64-bit hex key", key_name(key)));
    }
    const auto opt = make_option(key, value);
    if (!opt) {
        return Unexpected(opt.error());
    }
    return text::parse_hex(without_0x(value), 16).value_or(0);
}

Result<PKey> parse_pkey(std::string_view value) {
    const auto opt = make_option(Key::pkey, value);
    if (!opt) {
        return Unexpected(opt.error());
    }
    return static_cast<PKey>(read_hex16(value).value_or(0));
}

Result<Gid> parse_dgid(std::string_view value) {
    const auto opt = make_option(Key::dgid, value);
    if (!opt) {
        return Unexpected(opt.error());
    }
    return Gid::parse(value);
}

std::optional<std::string> effective_value(const LoginSpec& spec, Key key) {
    const auto last = std::find_if(spec.options.rbegin(), spec.options.rend(),
                                   [key](const Option& opt) { return opt.key == key; });
    if (last == spec.options.rend()) {
        return std::nullopt;
    }
    return last->value;
}

Result<std::string> render(const LoginSpec& spec) {
    if (auto ok = check_spec(spec); !ok) {
        return Unexpected(ok.error());
    }
    std::string out = fmt::format("id_ext={},ioc_guid={:016x}", spec.id_ext, spec.ioc_guid);
    if (spec.ib) {
        out += fmt::format(",dgid={},pkey={:04x},service_id={:016x}", spec.ib->dgid.hex(),
                           spec.ib->pkey, spec.ib->service_id);
    }
    if (spec.rdma) {
        out += ",dest=" + spec.rdma->dest;
        if (spec.rdma->src) {
            out += ",src=" + *spec.rdma->src;
        }
    }
    for (const Option& opt : spec.options) {
        out += fmt::format(",{}={}", key_name(opt.key), opt.value);
    }
    return out;
}

namespace {

// The address items of a line, at most one each, kept as written.
struct AddressItems {
    std::array<std::optional<std::string_view>, kKeyCount> value;

    std::optional<std::string_view>& at(Key key) { return value.at(static_cast<std::size_t>(key)); }
    bool has(Key key) const { return value.at(static_cast<std::size_t>(key)).has_value(); }
    std::string_view get(Key key) const { return value.at(static_cast<std::size_t>(key)).value(); }

    // "a, b" of the keys that are present (or absent), "none" if there are none.
    std::string list(std::initializer_list<Key> keys, bool present) const {
        std::string out;
        for (const Key key : keys) {
            if (has(key) == present) {
                out += out.empty() ? "" : ", ";
                out += key_name(key);
            }
        }
        return out.empty() ? "none" : out;
    }
    std::size_t count(std::initializer_list<Key> keys) const {
        return static_cast<std::size_t>(
            std::count_if(keys.begin(), keys.end(), [this](Key key) { return has(key); }));
    }
};

constexpr std::initializer_list<Key> kIbKeys = {Key::dgid, Key::pkey, Key::service_id};

// The kernel's mandatory sets, plus the combinations it would accept but silently ignore.
Result<void> check_sets(const AddressItems& items) {
    const std::size_t ib = items.count(kIbKeys);
    if (!items.has(Key::id_ext) || !items.has(Key::ioc_guid) ||
        (!items.has(Key::dest) && ib != kIbKeys.size())) {
        return fail(
            Errc::invalid_input,
            fmt::format(
                "login string lacks a mandatory set: IB/CM needs id_ext, ioc_guid, dgid, pkey, "
                "service_id (missing: {}); RDMA/CM needs id_ext, ioc_guid, dest (missing: {})",
                items.list({Key::id_ext, Key::ioc_guid, Key::dgid, Key::pkey, Key::service_id},
                           false),
                items.list({Key::id_ext, Key::ioc_guid, Key::dest}, false)));
    }
    if (items.has(Key::src) && !items.has(Key::dest)) {
        return bad_value(Key::src, items.get(Key::src),
                         "given without dest; the kernel uses src only for RDMA/CM logins, "
                         "which need dest=IP:PORT");
    }
    if (items.has(Key::dest) && ib != 0 && ib != kIbKeys.size()) {
        return bad_value(
            Key::dest, items.get(Key::dest),
            fmt::format("given with {} but without {}: with dest the kernel logs in through "
                        "RDMA/CM and ignores the IB/CM keys; give all of dgid, pkey, "
                        "service_id or none",
                        items.list(kIbKeys, true), items.list(kIbKeys, false)));
    }
    return {};
}

}  // namespace

Result<LoginSpec> parse(std::string_view line) {
    LoginSpec spec;
    AddressItems items;
    std::size_t pos = 0;
    while (pos <= line.size()) {
        const std::size_t end = std::min(line.find_first_of(",\n", pos), line.size());
        const std::string_view item = line.substr(pos, end - pos);
        pos = end + 1;
        if (item.empty()) {
            continue;
        }
        const std::size_t eq = item.find('=');
        const auto key = key_from_name(item.substr(0, eq));
        if (!key) {
            return fail(Errc::invalid_input, fmt::format("unknown option '{}' (ib_srp accepts: {})",
                                                         show(item), key_list()));
        }
        if (eq == std::string_view::npos) {
            return fail(Errc::invalid_input, fmt::format("'{}' has no value (expected {}=VALUE)",
                                                         show(item), key_name(*key)));
        }
        const std::string_view value = item.substr(eq + 1);
        auto opt = make_option(*key, value);
        if (!opt) {
            return Unexpected(opt.error());
        }
        if (!is_address_key(*key)) {
            spec.options.push_back(std::move(*opt));
            continue;
        }
        auto& slot = items.at(*key);
        if (slot) {
            return fail(Errc::invalid_input,
                        fmt::format("{0} given twice ({0}={1} and {0}={2}); the kernel would "
                                    "silently use the last, so give it once",
                                    key_name(*key), show(*slot), show(value)));
        }
        slot = value;
    }
    if (auto sets = check_sets(items); !sets) {
        return Unexpected(sets.error());
    }
    spec.id_ext = std::string(items.get(Key::id_ext));
    spec.ioc_guid = parse_hex64(Key::ioc_guid, items.get(Key::ioc_guid)).value_or(0);
    if (items.count(kIbKeys) == kIbKeys.size()) {
        spec.ib = IbCmAddress{parse_dgid(items.get(Key::dgid)).value_or(Gid{}),
                              parse_pkey(items.get(Key::pkey)).value_or(0),
                              parse_hex64(Key::service_id, items.get(Key::service_id)).value_or(0)};
    }
    if (items.has(Key::dest)) {
        spec.rdma = RdmaCmAddress{std::string(items.get(Key::dest)), std::nullopt};
        if (items.has(Key::src)) {
            spec.rdma->src = std::string(items.get(Key::src));
        }
    }
    if (auto ok = check_spec(spec); !ok) {
        return Unexpected(ok.error());
    }
    return spec;
}

std::vector<Option> srp_daemon_options(const SrpDaemonSuffix& suffix) {
    std::vector<Option> out;
    if (suffix.io_class != kIoClassRev16a) {
        out.push_back({Key::io_class, fmt::format("{:04x}", suffix.io_class)});
    }
    if (suffix.initiator_ext) {
        out.push_back({Key::initiator_ext, fmt::format("{:016x}", *suffix.initiator_ext)});
    }
    if (suffix.tl_retry_count) {
        out.push_back({Key::tl_retry_count, fmt::format("{}", *suffix.tl_retry_count)});
    }
    out.insert(out.end(), suffix.rule_options.begin(), suffix.rule_options.end());
    if (suffix.max_it_iu_size) {
        out.push_back({Key::max_it_iu_size, fmt::format("{}", *suffix.max_it_iu_size)});
    }
    return out;
}

}  // namespace srpadm::login
