// Which discovered targets to connect, and with what options: an ordered list of allow/deny
// rules, first match wins, and an implicit final rule (allow, as srp_daemon does, or deny in
// default-deny mode).
//
// Rules come from srpadm's configuration ([target] sections, config.hpp) and from
// srp_daemon's rules file, read here exactly as srp_daemon reads it (rdma-core
// srp_daemon/srp_daemon.c, get_rules_file() and is_enabled_by_rules_file()):
//
//   line     := comment | empty | rule            (one physical line)
//   comment  := '#' anything                      ('#' in the first column only)
//   empty    := ''                                (no blanks: "  " is an error)
//   rule     := ('a'|'A'|'d'|'D') rest            (only the first character is the verb)
//   rest     := blanks { item [',' | ' ' | '\t'] blanks }
//   item     := key '=' value
//   key      := id_ext | ioc_guid | dgid | service_id | pkey         (any rule; hex digits;
//               an empty value matches anything)
//             | allow_ext_sg | ch_count | cmd_sg_entries | comp_vector | max_cmd_per_lun
//             | max_sect | queue_size | sg_tablesize | tl_retry_count (allow rules only;
//               decimal digits, appended to the login in the order written)
//
// srp_daemon's defects are fixed, and every refusal names file:line and what was expected:
//   - a last line without a newline is read like any other (srp_daemon: "Bad syntax");
//   - a bad option value says what is wrong (srp_daemon: "Buffer overflow triggered");
//   - option values are checked against the kernel's ranges (tl_retry_count=9, queue_size=,
//     queue_size=010 reached the kernel as EINVAL or octal); an empty option value is refused;
//   - dgid must be 32 hex digits (srp_daemon compared shorter ones with uninitialised bytes),
//     pkey at most ffff (srp_daemon silently kept the low 16 bits of up to 9 digits);
//   - a match key given twice on one line is refused (srp_daemon silently used the last);
//   - there is no line-length or option-length limit (srp_daemon split lines at 254 bytes and
//     refused more than 127 bytes of options);
//   - a missing file is an error for the caller to report, never "allow everything".
// The grammar is otherwise unchanged: a file srpadm accepts means the same to srp_daemon.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <srpadm/model/address.hpp>
#include <srpadm/model/login.hpp>
#include <srpadm/model/port.hpp>
#include <srpadm/model/remote_port.hpp>
#include <srpadm/model/target.hpp>
#include <srpadm/result.hpp>
#include <srpadm/types.hpp>

namespace srpadm::model {

// What a rule matches; an absent field matches anything.
struct RuleMatch {
    std::optional<PortSelector> port;  // the local port (srpadm configuration only)
    std::optional<std::uint64_t> id_ext;
    std::optional<Guid> ioc_guid;
    std::optional<Gid> dgid;
    std::optional<std::uint64_t> service_id;
    std::optional<PKey> pkey;  // compared with the membership bit, as srp_daemon does
    // A target found by address (RoCE) with this address, and this RDMA/CM port when the rule
    // names one; targets found through the SA never match (srpadm configuration only). On an
    // allow rule it also names a target port to scan from RoCE ports (addresses_to_scan()).
    std::optional<TargetAddress> address;

    friend bool operator==(const RuleMatch&, const RuleMatch&) = default;
};

enum class RuleAction : std::uint8_t { allow, deny };

struct Rule {
    RuleAction action = RuleAction::allow;
    RuleMatch match;
    // Allow rules: login options appended after the ones srpadm adds, in this order.
    std::vector<login::Option> options;
    // srpadm configuration only: overrides of the defaults for the targets this rule allows.
    std::optional<InitiatorExt> initiator_ext;
    RemotePortTimeouts timeouts;
    std::string origin;  // "file:line", for messages

    friend bool operator==(const Rule&, const Rule&) = default;
};

struct RuleSet {
    std::vector<Rule> rules;
    RuleAction otherwise = RuleAction::allow;  // the implicit final rule
};

// Does `match` select `target` found from local port device:port? id_ext is compared as a
// number (srp_daemon's strtoull): a target id_ext that is not hexadecimal matches only rules
// without an id_ext.
bool matches(const RuleMatch& match, const Target& target, std::string_view device, unsigned port);

struct Decision {
    RuleAction action = RuleAction::allow;
    const Rule* rule = nullptr;  // nullptr: the implicit final rule decided
};
Decision evaluate(const RuleSet& rules, const Target& target, std::string_view device,
                  unsigned port);

// The addresses the allow rules name, in rule order, each once: the target ports a scan from a
// RoCE port asks when the command line names none.
std::vector<TargetAddress> addresses_to_scan(const std::vector<Rule>& rules);

// Reads srp_daemon's rules file text; `name` (the path) prefixes every message as
// "name:line: ...". All bad lines are reported, one per line of the error message.
Result<std::vector<Rule>> parse_srp_daemon_rules(std::string_view text, std::string_view name);

// The connection options srp_daemon's rules file accepts, in its order of lookup.
bool srp_daemon_rule_option(login::Key key);

}  // namespace srpadm::model
