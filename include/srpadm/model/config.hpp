// srpadm's configuration file (man srpadm.conf(5)): INI text, keys spelled exactly like the
// command-line options of `srpadm connect-all`, read from a main file and the drop-in files
// of its ".d" directory.
//
//   # comment (';' too), at the start of a line after optional blanks
//   [defaults]                 settings for every target (keys before any section count too)
//   initiator-ext = none | port-guid | HEX
//   default-deny = yes | no    no: a target no rule matches is connected (srp_daemon's
//                              implicit final allow); yes: it is not
//   rules = PATH               srp_daemon's rules file, tried after the [target] rules; an
//                              empty value names none
//   queue-size = 128 ...       any ib_srp login option but the address ones, spelled with
//                              '-' for '_' (max-sect, max-cmd-per-lun, target-can-queue,
//                              io-class, cmd-sg-entries, allow-ext-sg, sg-tablesize,
//                              comp-vector, tl-retry-count, queue-size, max-it-iu-size,
//                              ch-count), checked against the kernel's ranges
//   fast-io-fail-tmo = S|off   remote-port timeouts set after connecting, checked against
//   dev-loss-tmo = S|off       the kernel's rules
//   reconnect-delay = S|off
//
//   [target]                   a rule; repeatable; tried in file order, first match wins
//   action = allow | deny      (default allow)
//   port = DEV[:PORT]          only targets found from this local port
//   id-ext = HEX  ioc-guid = HEX  service-id = HEX  pkey = HEX  dgid = GID
//                              what to match; a key left out matches anything
//   address = ADDRESS[:PORT]   a RoCE target port by address (IPv4, IPv6 or GID): matches
//                              the targets found there; on an allow rule, also a port to
//                              scan from RoCE ports when the command line names none
//   plus, on allow rules, any [defaults] key but default-deny and rules, overriding the
//   defaults for the targets it allows.
//
// Every problem is reported as "file:line: what is wrong and what was expected"; unknown
// sections and keys are errors (a typo must not silently change what is connected).
// Values may be put in double quotes. Later files override earlier [defaults] keys;
// [target] rules are concatenated: the main file's first, then the drop-ins' in name order.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <srpadm/model/login.hpp>
#include <srpadm/model/remote_port.hpp>
#include <srpadm/model/rules.hpp>
#include <srpadm/model/target.hpp>
#include <srpadm/result.hpp>

namespace srpadm::model {

inline constexpr std::string_view kDefaultConfigPath = "/etc/srpadm/srpadm.conf";

// The settings of [defaults] (and of the command line, which overrides them).
struct Defaults {
    std::optional<InitiatorExt> initiator_ext;
    std::optional<bool> default_deny;
    std::optional<std::string> rules;    // srp_daemon rules file; "" = none
    std::vector<login::Option> options;  // at most one per key
    RemotePortTimeouts timeouts;

    // `over`'s settings where it has them; options are replaced key by key.
    Defaults overridden_by(const Defaults& over) const;
    friend bool operator==(const Defaults&, const Defaults&) = default;
};

// `base` with `over` applied key by key, in base's order, new keys appended.
std::vector<login::Option> merge_options(const std::vector<login::Option>& base,
                                         const std::vector<login::Option>& over);

struct ConfigFile {
    Defaults defaults;
    std::vector<Rule> targets;  // the [target] sections, in order
};

// Parses one file's text; `name` prefixes every message ("name:line: ...").
Result<ConfigFile> parse_config(std::string_view text, std::string_view name);

// The option name of a login key as the command line and the configuration spell it
// ("queue-size" for queue_size).
std::string option_spelling(login::Key key);
// The login keys a configuration or connect-all may set (not the address keys, and not
// initiator_ext, which has its own policy key).
std::vector<login::Key> tunable_login_keys();

// Text of a configuration holding `rules` as [target] sections (with `defaults` first when it
// holds anything), each with a comment naming its origin. parse_config() of the text gives
// the same defaults and rules, origins aside and a repeated login option once with its last
// value (what the kernel makes of it). Used by `srpadm config convert`.
std::string render_config(const Defaults& defaults, const std::vector<Rule>& rules,
                          std::string_view header_comment);

// Where files come from (the front end gives real files, tests give strings).
struct ConfigSources {
    // The file's text, nullopt when it does not exist, an error when it cannot be read.
    std::function<Result<std::optional<std::string>>(const std::string& path)> read;
    // The names in a directory (not sorted), empty when it does not exist.
    std::function<Result<std::vector<std::string>>(const std::string& dir)> list;
};

struct Config {
    Defaults defaults;
    std::vector<Rule> rules;         // [target] rules of every file, in order
    std::vector<std::string> files;  // the files read, in order
};

// Reads `path` and the "*.conf" files of "<path>.d/" in byte order of their names (names
// starting with '.' are skipped). A missing main file is an error only when `required`.
// Every file is checked; all problems are reported together.
Result<Config> load_config(const std::string& path, bool required, const ConfigSources& sources);

// Reads srp_daemon's rules file; a missing file is an error (srp_daemon silently allowed
// every target).
Result<std::vector<Rule>> load_srp_daemon_rules(const std::string& path,
                                                const ConfigSources& sources);

}  // namespace srpadm::model
