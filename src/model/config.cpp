// srpadm's configuration file (see config.hpp).
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include <srpadm/model/config.hpp>
#include <srpadm/text.hpp>

namespace srpadm::model {
namespace {

enum class KeyKind : std::uint8_t {
    initiator_ext,
    default_deny,
    rules,
    login_option,
    timeout,
    action,
    port,
    id_ext,
    ioc_guid,
    service_id,
    pkey,
    dgid,
    address,
};

enum Scope : unsigned { kDefaults = 1, kTarget = 2, kBoth = 3 };

struct ConfigKey {
    std::string name;
    KeyKind kind{};
    unsigned scope = kBoth;
    login::Key login{};
    TmoKey tmo{};
};

std::string dashed(std::string_view name) {
    std::string out(name);
    std::replace(out.begin(), out.end(), '_', '-');
    return out;
}

const std::vector<ConfigKey>& config_keys() {
    static const std::vector<ConfigKey> keys = [] {
        std::vector<ConfigKey> k = {
            {"initiator-ext", KeyKind::initiator_ext, kBoth, {}, {}},
            {"default-deny", KeyKind::default_deny, kDefaults, {}, {}},
            {"rules", KeyKind::rules, kDefaults, {}, {}},
            {"action", KeyKind::action, kTarget, {}, {}},
            {"port", KeyKind::port, kTarget, {}, {}},
            {"id-ext", KeyKind::id_ext, kTarget, {}, {}},
            {"ioc-guid", KeyKind::ioc_guid, kTarget, {}, {}},
            {"service-id", KeyKind::service_id, kTarget, {}, {}},
            {"pkey", KeyKind::pkey, kTarget, {}, {}},
            {"dgid", KeyKind::dgid, kTarget, {}, {}},
            {"address", KeyKind::address, kTarget, {}, {}},
        };
        for (const login::Key key : tunable_login_keys()) {
            k.push_back({option_spelling(key), KeyKind::login_option, kBoth, key, {}});
        }
        for (const TmoKey key : kTmoKeys) {
            k.push_back({dashed(tmo_name(key)), KeyKind::timeout, kBoth, {}, key});
        }
        return k;
    }();
    return keys;
}

const ConfigKey* find_key(std::string_view name) {
    for (const ConfigKey& key : config_keys()) {
        if (key.name == name) {
            return &key;
        }
    }
    return nullptr;
}

constexpr auto trim = text::trim_blanks;

std::optional<bool> parse_bool(std::string_view text) {
    if (text == "yes" || text == "true" || text == "on" || text == "1") {
        return true;
    }
    if (text == "no" || text == "false" || text == "off" || text == "0") {
        return false;
    }
    return std::nullopt;
}

// A message from another module that starts "kernel_name=value: " restated with the
// configuration's spelling, "key = value: ".
std::string restate(const std::string& message, std::string_view from, const std::string& key,
                    std::string_view value) {
    const std::string prefix = fmt::format("{}={}: ", from, login::printable(value));
    if (message.rfind(prefix, 0) == 0) {
        return fmt::format("{} = {}: {}", key, login::printable(value),
                           message.substr(prefix.size()));
    }
    return fmt::format("{} = {}: {}", key, login::printable(value), message);
}

// One file's parse: collects problems, keeps going.
class Parser {
  public:
    explicit Parser(std::string_view name) : name_(name) {}

    Result<ConfigFile> run(std::string_view text) {
        std::size_t pos = 0;
        while (pos < text.size()) {
            const std::size_t end = std::min(text.find('\n', pos), text.size());
            std::string_view line = text.substr(pos, end - pos);
            pos = end + 1;
            ++line_;
            if (!line.empty() && line.back() == '\r') {
                line.remove_suffix(1);
            }
            line = trim(line);
            if (line.empty() || line[0] == '#' || line[0] == ';') {
                continue;
            }
            if (line[0] == '[') {
                section(line);
            } else {
                assignment(line);
            }
        }
        finish_target();
        if (auto ok = check_tmo_given(file_.defaults.timeouts); !ok && defaults_tmo_line_ != 0) {
            problem(defaults_tmo_line_, "[defaults]: " + ok.error().message);
        }
        if (!errors_.empty()) {
            return fail(Errc::invalid_input, errors_);
        }
        return std::move(file_);
    }

  private:
    void problem(std::size_t line, const std::string& text) {
        errors_ += fmt::format("{}{}:{}: {}", errors_.empty() ? "" : "\n", name_, line, text);
    }

    void section(std::string_view line) {
        if (line.back() != ']') {
            problem(line_, fmt::format("'{}': a section header must be [defaults] or [target]",
                                       login::printable(line)));
            return;
        }
        const std::string_view inner = trim(line.substr(1, line.size() - 2));
        finish_target();
        if (inner == "defaults") {
            in_target_ = false;
        } else if (inner == "target") {
            in_target_ = true;
            target_ = Rule{};
            target_.origin = fmt::format("{}:{}", name_, line_);
            target_line_ = line_;
            seen_target_.clear();
        } else {
            in_target_ = false;
            skip_section_ = true;
            problem(line_, fmt::format("unknown section [{}]; expected [defaults] or [target]",
                                       login::printable(inner)));
            return;
        }
        skip_section_ = false;
    }

    void assignment(std::string_view line) {
        const std::size_t eq = line.find('=');
        if (eq == std::string_view::npos) {
            problem(line_, fmt::format("'{}': expected KEY = VALUE, or a section header "
                                       "[defaults] or [target]",
                                       login::printable(line)));
            return;
        }
        if (skip_section_) {
            return;  // the unknown section was reported
        }
        const std::string_view key_text = trim(line.substr(0, eq));
        std::string_view value = trim(line.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
            value = value.substr(1, value.size() - 2);
        }
        const ConfigKey* key = find_key(key_text);
        const unsigned scope = in_target_ ? kTarget : kDefaults;
        if (key == nullptr) {
            unknown_key(key_text);
            return;
        }
        if ((key->scope & scope) == 0) {
            problem(line_, fmt::format("{} belongs in a {} section, not in {}", key->name,
                                       in_target_ ? "[defaults]" : "[target]",
                                       in_target_ ? "[target]" : "[defaults]"));
            return;
        }
        auto& seen = in_target_ ? seen_target_ : seen_defaults_;
        if (const auto it = seen.find(key->name); it != seen.end()) {
            problem(line_, fmt::format("{} given twice in this {} (first on line {}); give it "
                                       "once",
                                       key->name, in_target_ ? "[target] section" : "[defaults]",
                                       it->second));
            return;
        }
        seen[key->name] = line_;
        if (auto text = apply(*key, value); text) {
            problem(line_, *text);
        }
    }

    void unknown_key(std::string_view key_text) {
        const std::string as_dashed = dashed(key_text);
        if (as_dashed != key_text && find_key(as_dashed) != nullptr) {
            problem(line_, fmt::format("unknown key '{}'; keys are spelled like the command-line "
                                       "options: {}",
                                       login::printable(key_text), as_dashed));
            return;
        }
        std::string names;
        for (const ConfigKey& k : config_keys()) {
            if ((k.scope & (in_target_ ? kTarget : kDefaults)) != 0) {
                names += fmt::format("{}{}", names.empty() ? "" : ", ", k.name);
            }
        }
        problem(line_, fmt::format("unknown key '{}' in {} (expected one of: {})",
                                   login::printable(key_text),
                                   in_target_ ? "[target]" : "[defaults]", names));
    }

    // Stores the value; returns the problem, if any.
    std::optional<std::string> apply(const ConfigKey& key, std::string_view value) {
        Defaults& d = file_.defaults;
        RuleMatch& m = target_.match;
        const auto bad = [&key, value](std::string_view expected) {
            return fmt::format("{} = {}: {}", key.name, login::printable(value), expected);
        };
        switch (key.kind) {
            case KeyKind::initiator_ext: {
                auto ext = parse_initiator_ext(value);
                if (!ext) {
                    return bad("must be none, port-guid or a 64-bit hex value");
                }
                (in_target_ ? target_.initiator_ext : d.initiator_ext) = *ext;
                return std::nullopt;
            }
            case KeyKind::default_deny: {
                const auto flag = parse_bool(value);
                if (!flag) {
                    return bad("must be yes or no");
                }
                d.default_deny = *flag;
                return std::nullopt;
            }
            case KeyKind::rules:
                d.rules = std::string(value);
                return std::nullopt;
            case KeyKind::login_option: {
                auto opt = login::make_option(key.login, value);
                if (!opt) {
                    return restate(opt.error().message, login::key_name(key.login), key.name,
                                   value);
                }
                auto& options = in_target_ ? target_.options : d.options;
                options.push_back(std::move(*opt));
                return std::nullopt;
            }
            case KeyKind::timeout: {
                auto tmo = parse_tmo(key.tmo, value);
                if (!tmo) {
                    return restate(tmo.error().message, tmo_name(key.tmo), key.name, value);
                }
                (in_target_ ? target_.timeouts : d.timeouts).at(key.tmo) = *tmo;
                if (!in_target_ && defaults_tmo_line_ == 0) {
                    defaults_tmo_line_ = line_;
                }
                return std::nullopt;
            }
            case KeyKind::action:
                if (value != "allow" && value != "deny") {
                    return bad("must be allow or deny");
                }
                target_.action = value == "allow" ? RuleAction::allow : RuleAction::deny;
                return std::nullopt;
            case KeyKind::port: {
                auto port = parse_port_selector(value);
                if (!port) {
                    return bad(port.error().message);
                }
                m.port = *port;
                return std::nullopt;
            }
            case KeyKind::id_ext:
            case KeyKind::ioc_guid:
            case KeyKind::service_id: {
                auto number = login::parse_hex64(login::Key::service_id, value);
                if (!number) {
                    return bad("must be 1-16 hex digits, optionally with 0x");
                }
                (key.kind == KeyKind::id_ext     ? m.id_ext
                 : key.kind == KeyKind::ioc_guid ? m.ioc_guid
                                                 : m.service_id) = *number;
                return std::nullopt;
            }
            case KeyKind::pkey: {
                auto pkey = login::parse_pkey(value);
                if (!pkey) {
                    return bad(
                        "must be a hex P_Key 0..ffff (membership bit included, as the "
                        "SA reports it: ffff, 8001)");
                }
                m.pkey = *pkey;
                return std::nullopt;
            }
            case KeyKind::dgid: {
                auto gid = Gid::parse(value);
                if (!gid || value.empty() || value.back() == ' ') {
                    return bad("must be a GID: 32 hex digits, or eight ':'-separated groups");
                }
                m.dgid = *gid;
                return std::nullopt;
            }
            case KeyKind::address: {
                auto address = parse_target_address(value);
                if (!address) {
                    return bad(address.error().message +
                               "; expected IPv4[:PORT], IPv6, [IPv6[%DEV]][:PORT] or a GID");
                }
                m.address = *address;
                return std::nullopt;
            }
        }
        return bad("unknown key");
    }

    void finish_target() {
        if (!in_target_) {
            return;
        }
        in_target_ = false;
        const bool has_settings =
            !target_.options.empty() || target_.initiator_ext || !target_.timeouts.empty();
        if (target_.action == RuleAction::deny && has_settings) {
            problem(target_line_,
                    "a [target] section with action = deny takes only match keys "
                    "(port, id-ext, ioc-guid, service-id, pkey, dgid, address): login "
                    "options, initiator-ext and timeouts apply to allowed targets");
            return;
        }
        if (auto ok = check_tmo_given(target_.timeouts); !ok) {
            problem(target_line_, "[target]: " + ok.error().message);
            return;
        }
        file_.targets.push_back(std::move(target_));
    }

    std::string_view name_;
    std::size_t line_ = 0;
    ConfigFile file_;
    std::string errors_;
    bool in_target_ = false;
    bool skip_section_ = false;
    Rule target_;
    std::size_t target_line_ = 0;
    std::size_t defaults_tmo_line_ = 0;
    std::map<std::string, std::size_t> seen_defaults_;
    std::map<std::string, std::size_t> seen_target_;
};

std::string hex64_text(std::uint64_t value) {
    return fmt::format("0x{:016x}", value);
}

void render_settings(std::string& out, const std::vector<login::Option>& options,
                     const std::optional<InitiatorExt>& ext, const RemotePortTimeouts& tmo) {
    if (ext) {
        out += fmt::format("initiator-ext = {}\n", format_initiator_ext(*ext));
    }
    // A key once per section: a repeated option (srp_daemon's rules allow it) means its last
    // value, as the kernel reads it.
    for (const login::Option& opt : merge_options({}, options)) {
        out += fmt::format("{} = {}\n", option_spelling(opt.key), opt.value);
    }
    for (const TmoKey key : kTmoKeys) {
        if (tmo.at(key)) {
            out += fmt::format("{} = {}\n", dashed(tmo_name(key)), format_tmo(*tmo.at(key)));
        }
    }
}

}  // namespace

std::string option_spelling(login::Key key) {
    return dashed(login::key_name(key));
}

std::vector<login::Key> tunable_login_keys() {
    std::vector<login::Key> keys;
    for (std::size_t i = 0; i < login::kKeyCount; ++i) {
        const auto key = static_cast<login::Key>(i);
        if (!login::is_address_key(key) && key != login::Key::initiator_ext) {
            keys.push_back(key);
        }
    }
    return keys;
}

std::vector<login::Option> merge_options(const std::vector<login::Option>& base,
                                         const std::vector<login::Option>& over) {
    std::vector<login::Option> out = base;
    for (const login::Option& opt : over) {
        auto it = std::find_if(out.begin(), out.end(),
                               [&opt](const login::Option& o) { return o.key == opt.key; });
        if (it != out.end()) {
            it->value = opt.value;
        } else {
            out.push_back(opt);
        }
    }
    return out;
}

Defaults Defaults::overridden_by(const Defaults& over) const {
    Defaults out = *this;
    if (over.initiator_ext) {
        out.initiator_ext = over.initiator_ext;
    }
    if (over.default_deny) {
        out.default_deny = over.default_deny;
    }
    if (over.rules) {
        out.rules = over.rules;
    }
    out.options = merge_options(options, over.options);
    out.timeouts = timeouts.overridden_by(over.timeouts);
    return out;
}

Result<ConfigFile> parse_config(std::string_view text, std::string_view name) {
    return Parser(name).run(text);
}

std::string render_config(const Defaults& defaults, const std::vector<Rule>& rules,
                          std::string_view header_comment) {
    std::string out;
    std::string_view rest = header_comment;
    while (!rest.empty()) {
        const std::size_t end = std::min(rest.find('\n'), rest.size());
        out += fmt::format("# {}\n", rest.substr(0, end));
        rest.remove_prefix(std::min(end + 1, rest.size()));
    }
    std::string head;
    if (defaults.default_deny) {
        head += fmt::format("default-deny = {}\n", *defaults.default_deny ? "yes" : "no");
    }
    if (defaults.rules) {
        head += fmt::format("rules = \"{}\"\n", *defaults.rules);
    }
    render_settings(head, defaults.options, defaults.initiator_ext, defaults.timeouts);
    if (!head.empty()) {
        out += "\n[defaults]\n" + head;
    }
    for (const Rule& rule : rules) {
        out += "\n[target]\n";
        if (!rule.origin.empty()) {
            out += fmt::format("# from {}\n", rule.origin);
        }
        out += fmt::format("action = {}\n", rule.action == RuleAction::allow ? "allow" : "deny");
        const RuleMatch& m = rule.match;
        if (m.port) {
            out += fmt::format("port = {}\n", m.port->str());
        }
        if (m.id_ext) {
            out += fmt::format("id-ext = {}\n", hex64_text(*m.id_ext));
        }
        if (m.ioc_guid) {
            out += fmt::format("ioc-guid = {}\n", hex64_text(*m.ioc_guid));
        }
        if (m.dgid) {
            out += fmt::format("dgid = {}\n", m.dgid->hex());
        }
        if (m.service_id) {
            out += fmt::format("service-id = {}\n", hex64_text(*m.service_id));
        }
        if (m.pkey) {
            out += fmt::format("pkey = 0x{:04x}\n", *m.pkey);
        }
        if (m.address) {
            out += fmt::format("address = {}\n",
                               m.address->port ? m.address->with_port(0) : m.address->host());
        }
        render_settings(out, rule.options, rule.initiator_ext, rule.timeouts);
    }
    return out;
}

Result<Config> load_config(const std::string& path, bool required, const ConfigSources& sources) {
    Config config;
    std::string errors;
    const auto add = [&](const std::string& file, bool must_exist) {
        auto text = sources.read(file);
        if (!text) {
            errors += (errors.empty() ? "" : "\n") + text.error().message;
            return;
        }
        if (!*text) {
            if (must_exist) {
                errors += fmt::format("{}{}: no such file", errors.empty() ? "" : "\n", file);
            }
            return;
        }
        auto parsed = parse_config(**text, file);
        if (!parsed) {
            errors += (errors.empty() ? "" : "\n") + parsed.error().message;
            return;
        }
        config.defaults = config.defaults.overridden_by(parsed->defaults);
        config.rules.insert(config.rules.end(), parsed->targets.begin(), parsed->targets.end());
        config.files.push_back(file);
    };
    add(path, required);
    const std::string dir = path + ".d";
    auto names = sources.list(dir);
    if (!names) {
        return Unexpected(names.error());
    }
    std::sort(names->begin(), names->end());
    for (const std::string& name : *names) {
        const bool conf = name.size() > 5 && name.compare(name.size() - 5, 5, ".conf") == 0;
        if (conf && name[0] != '.') {
            add(fmt::format("{}/{}", dir, name), true);
        }
    }
    if (!errors.empty()) {
        return fail(Errc::invalid_input, errors);
    }
    return config;
}

Result<std::vector<Rule>> load_srp_daemon_rules(const std::string& path,
                                                const ConfigSources& sources) {
    auto text = sources.read(path);
    if (!text) {
        return Unexpected(text.error());
    }
    if (!*text) {
        return fail(Errc::invalid_input,
                    fmt::format("{}: no such rules file (srp_daemon would silently allow every "
                                "target; srpadm refuses)",
                                path));
    }
    return parse_srp_daemon_rules(**text, path);
}

}  // namespace srpadm::model
