// The ib_srp login string: what is written to
// /sys/class/infiniband_srp/srp-<dev>-<port>/add_target.
//
// Two forms: IB/CM (id_ext, ioc_guid, dgid, pkey, service_id) and RDMA/CM (id_ext, ioc_guid,
// dest=IP:PORT, optional src=). Every option is checked against the kernel's token table,
// formats and ranges (ib_srp srp_parse_options); a bad option is refused with a message that
// names it. There is no length limit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <srpadm/result.hpp>
#include <srpadm/types.hpp>

namespace srpadm::login {

// The kernel's tokens, in the kernel's table order.
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

// Checks one option against the kernel's rules for that key; the error names the option.
Result<Option> make_option(Key key, std::string_view value);
Result<Option> make_option(std::string_view name, std::string_view value);

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
struct LoginSpec {
    // Hex digits as the target wrote them in its "SRP.T10:<id_ext>" service name (srp_daemon
    // keeps them verbatim, case included): 1-16 hex digits.
    std::string id_ext;
    std::uint64_t ioc_guid{};
    std::optional<IbCmAddress> ib;       // IB/CM form
    std::optional<RdmaCmAddress> rdma;   // RDMA/CM form (the kernel prefers it if both are set)
    std::vector<Option> options;         // rendered in this order after the address

    friend bool operator==(const LoginSpec&, const LoginSpec&) = default;
};

// Renders "id_ext=...,ioc_guid=%016llx,dgid=<32 hex>,pkey=%04x,service_id=%016llx[,opt=v...]"
// or "id_ext=...,ioc_guid=%016llx,dest=...[,src=...][,opt=v...]". Validates everything first.
Result<std::string> render(const LoginSpec& spec);

// Parses the kernel's grammar back: items separated by ',' or '\n', empty items skipped.
// Refuses unknown keys, missing values, bad values and lines without a mandatory set.
Result<LoginSpec> parse(std::string_view line);

// The optional suffixes srp_daemon appends, in its order (reference behaviour §3.1):
// io_class (only if not 0x0100), initiator_ext, tl_retry_count, rule options, max_it_iu_size.
struct SrpDaemonSuffix {
    std::uint16_t io_class{kIoClassRev16a};
    std::optional<std::uint64_t> initiator_ext;   // -n: the target port GUID
    std::optional<unsigned> tl_retry_count;       // -e -l N
    std::vector<Option> rule_options;             // from the matching allow rule, in order
    std::optional<std::uint32_t> max_it_iu_size;  // immediate data on and max_imm_data > SendSize
};
std::vector<Option> srp_daemon_options(const SrpDaemonSuffix& suffix);

}  // namespace srpadm::login
