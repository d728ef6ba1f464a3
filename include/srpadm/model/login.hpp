// The ib_srp login string: what is written to
// /sys/class/infiniband_srp/srp-<dev>-<port>/add_target.
//
// Two forms: IB/CM (id_ext, ioc_guid, dgid, pkey, service_id) and RDMA/CM (id_ext, ioc_guid,
// dest=IP:PORT, optional src=). Every option is checked against the kernel's token table,
// formats and ranges (ib_srp srp_parse_options); a bad option is refused with a message that
// names it and its value and says what is expected. There is no length limit (srp_daemon drops
// lines past 255 bytes; the kernel has no such limit).
//
// Accepted values. Where the kernel is looser we accept a subset of what it accepts, never more:
//
//   id_ext            1-16 hex digits, either case, no 0x prefix: it is rendered verbatim, as
//                     srp_daemon copies it from the target's "SRP.T10:<id_ext>" service name.
//   ioc_guid,         1-16 hex digits with an optional 0x/0X prefix (the kernel's
//   service_id,       kstrtoull(base 16) accepts the prefix, and LIO prints srpt_service_guid
//   initiator_ext     as 0x%016llx). More digits, a '+' sign or an empty value are refused.
//   dgid              exactly 32 hex digits (no colons, no 0x), as the kernel requires.
//   pkey              1-4 hex digits with an optional 0x prefix. The kernel keeps only the low
//                     16 bits of a larger value; we refuse it instead of truncating.
//   io_class          1-4 hex digits with an optional 0x prefix whose value is 100 (SRP rev.
//                     16a) or ff00 (SRP rev. 10), e.g. "100", "0100", "ff00", "FF00".
//   decimal options   the kernel reads them with match_int (base 0: "0x10" is hex, "010" is
//                     octal 8, "-" allowed for %d tokens). We accept only decimal digits with no
//                     sign and no leading zero, as srp_daemon's rules file does, so that "010"
//                     cannot silently mean 8. Ranges (all at most 2147483647, INT_MAX):
//                       max_sect 1..          (the kernel does not check; 0 or negative values
//                                              are nonsense as a transfer size)
//                       max_cmd_per_lun 1..   target_can_queue 1..   ch_count 1..
//                       queue_size 2..        (the kernel's parser takes 1, but its stable ABI
//                                              document names 2 as the lowest supported value)
//                       cmd_sg_entries 1..255 sg_tablesize 1..2048   tl_retry_count 2..7
//                       comp_vector 0..       max_it_iu_size 0..
//                       allow_ext_sg 0..      (any value the kernel takes; kept as written, the
//                                              kernel turns every non-zero value into "on")
//   dest              a.b.c.d:port or [ipv6]:port or [ipv6%scope]:port; the port is required.
//   src               the same with the port optional.
//                     IPv4: four decimal parts 0..255 without leading zeros. IPv6: the RFC 4291
//                     text forms (8 groups, or "::" for at least one zero group, optionally
//                     ending in a dotted IPv4 address). Port: decimal 1..65535, no leading
//                     zero (the kernel reads it in base 0 too). Scope: 1-15 characters (an
//                     interface name or index; no '/', ':', ',', '%', '[', ']' or spaces),
//                     only on a link-local fe80::/10 address, since the kernel ignores it
//                     elsewhere; at most 48 characters inside the brackets (INET6_ADDRSTRLEN).
//                     Host names are refused: the kernel does not resolve them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <srpadm/result.hpp>
#include <srpadm/types.hpp>

namespace srpadm::login {

// The kernel's tokens, in the order of its SRP_OPT_* bits.
enum class Key : std::uint8_t {
    id_ext,
    ioc_guid,
    dgid,
    pkey,
    service_id,
    max_sect,
    max_cmd_per_lun,
    io_class,
    initiator_ext,
    cmd_sg_entries,
    allow_ext_sg,
    sg_tablesize,
    comp_vector,
    tl_retry_count,
    queue_size,
    src,
    dest,
    target_can_queue,
    max_it_iu_size,
    ch_count,
};

inline constexpr std::size_t kKeyCount = 20;

std::string_view key_name(Key key);
std::optional<Key> key_from_name(std::string_view name);

// True for the keys that only identify or address the target (the mandatory sets, plus src);
// false for the tuning options that rules and configuration may set.
bool is_address_key(Key key);

inline constexpr std::uint16_t kIoClassRev16a = 0x0100;
inline constexpr std::uint16_t kIoClassRev10 = 0xff00;

// One "name=value" option, validated. The value is kept as written so that a line renders
// back byte for byte.
struct Option {
    Key key{};
    std::string value;

    friend bool operator==(const Option&, const Option&) = default;
};

// `text` as it can be shown in a message: control bytes and non-ASCII bytes as \xNN.
std::string printable(std::string_view text);

// Checks one option against the kernel's rules for that key (see the table above); the error
// (Errc::invalid_input) names the option and the value, e.g. "tl_retry_count=9: must be 2..7".
Result<Option> make_option(Key key, std::string_view value);
Result<Option> make_option(std::string_view name, std::string_view value);

// Typed readers for the hex address values, with the same rules and messages as make_option.
// parse_hex64 takes ioc_guid, service_id or initiator_ext.
Result<std::uint64_t> parse_hex64(Key key, std::string_view value);
Result<PKey> parse_pkey(std::string_view value);
Result<Gid> parse_dgid(std::string_view value);

struct IbCmAddress {
    Gid dgid;
    PKey pkey{};
    std::uint64_t service_id{};
    friend bool operator==(const IbCmAddress&, const IbCmAddress&) = default;
};

struct RdmaCmAddress {
    std::string dest;                // "a.b.c.d:port" or "[v6addr[%scope]]:port"
    std::optional<std::string> src;  // "a.b.c.d[:port]" or "[v6addr[%scope]][:port]"
    friend bool operator==(const RdmaCmAddress&, const RdmaCmAddress&) = default;
};

// A complete login string: identity, one address form, then options in order.
//
// If both `ib` and `rdma` are set, the kernel logs in through RDMA/CM (dest is present) and
// ignores the IB/CM fields; render() writes both, the IB/CM fields first, and parse() keeps both
// when a line holds the complete IB/CM set as well as dest.
//
// `options` holds tuning options only (is_address_key() false), in the order written. A key may
// appear more than once: the kernel applies the items in order, so the last value wins (see
// effective_value()); parse() and render() keep every occurrence, so nothing changes meaning.
// Address keys, in contrast, may appear only once in a line: parse() refuses a repeated id_ext,
// ioc_guid, dgid, pkey, service_id, dest or src, since the kernel would silently keep the last.
struct LoginSpec {
    // Hex digits as the target wrote them in its "SRP.T10:<id_ext>" service name (srp_daemon
    // keeps them verbatim, case included): 1-16 hex digits.
    std::string id_ext;
    std::uint64_t ioc_guid{};
    std::optional<IbCmAddress> ib;      // IB/CM form
    std::optional<RdmaCmAddress> rdma;  // RDMA/CM form (the kernel prefers it if both are set)
    std::vector<Option> options;        // rendered in this order after the address

    bool uses_rdma_cm() const { return rdma.has_value(); }

    friend bool operator==(const LoginSpec&, const LoginSpec&) = default;
};

// The value the kernel ends up with for a tuning option: the last occurrence in spec.options,
// or nullopt when the option is absent (the kernel's default applies).
std::optional<std::string> effective_value(const LoginSpec& spec, Key key);

// Renders "id_ext=...,ioc_guid=%016llx,dgid=<32 hex>,pkey=%04x,service_id=%016llx[,opt=v...]"
// or "id_ext=...,ioc_guid=%016llx,dest=...[,src=...][,opt=v...]" (both address parts, IB/CM
// first, when both are set). Validates everything first; no trailing newline.
Result<std::string> render(const LoginSpec& spec);

// Parses the kernel's grammar back: items separated by ',' or '\n', empty items skipped, each
// "key=value". Refuses unknown keys, items without '=' or with an empty value, bad values,
// repeated address keys, src without dest, IB/CM keys that are incomplete next to dest, and
// lines without a mandatory set (IB/CM: id_ext, ioc_guid, dgid, pkey, service_id; RDMA/CM:
// id_ext, ioc_guid, dest). parse(render(s)) == s, and render(parse(l)) == l for a line in
// render()'s canonical form.
Result<LoginSpec> parse(std::string_view line);

// The optional suffixes srp_daemon appends, in its order (rdma-core srp_daemon/srp_daemon.c,
// add_non_exist_target()):
// io_class (only if not 0x0100), initiator_ext, tl_retry_count, rule options, max_it_iu_size.
struct SrpDaemonSuffix {
    std::uint16_t io_class{kIoClassRev16a};
    std::optional<std::uint64_t> initiator_ext;   // -n: the target port GUID
    std::optional<unsigned> tl_retry_count;       // -e -l N
    std::vector<Option> rule_options;             // from the matching allow rule, in order
    std::optional<std::uint32_t> max_it_iu_size;  // immediate data on and max_imm_data > SendSize
};
// Formats exactly as srp_daemon does (io_class %04hx, initiator_ext %016llx, the counts %d);
// render() validates the result, so an io_class other than 0100/ff00 is refused there.
std::vector<Option> srp_daemon_options(const SrpDaemonSuffix& suffix);

}  // namespace srpadm::login
