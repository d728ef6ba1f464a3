// srp_daemon's rules file and rule evaluation (see rules.hpp).
#include <algorithm>
#include <array>
#include <charconv>

#include <fmt/format.h>

#include <srpadm/model/rules.hpp>
#include <srpadm/text.hpp>

namespace srpadm::model {
namespace {

// srp_daemon's match keys and the most hex digits its buffers hold.
struct MatchKey {
    std::string_view name;
    std::size_t max_digits;
};
constexpr std::array<MatchKey, 5> kMatchKeys{{
    {"id_ext", 16},
    {"ioc_guid", 16},
    {"dgid", 32},
    {"service_id", 16},
    {"pkey", 9},
}};

// srp_daemon's connection options (allow rules only), in its order.
constexpr std::array<login::Key, 9> kRuleOptions{
    login::Key::allow_ext_sg, login::Key::ch_count,        login::Key::cmd_sg_entries,
    login::Key::comp_vector,  login::Key::max_cmd_per_lun, login::Key::max_sect,
    login::Key::queue_size,   login::Key::sg_tablesize,    login::Key::tl_retry_count,
};

using text::is_blank;

std::optional<std::uint64_t> hex_number(std::string_view digits) {
    return text::parse_number<std::uint64_t>(digits, 16);
}

std::string option_list() {
    std::string out;
    for (const login::Key key : kRuleOptions) {
        out += fmt::format("{}{}", out.empty() ? "" : ", ", login::key_name(key));
    }
    return out;
}

// One rule line's items, checked; the problem text, or nullopt.
class LineParser {
  public:
    LineParser(std::string_view line, Rule& rule) : line_(line), rule_(rule) {}

    std::optional<std::string> parse() {
        std::size_t pos = 1;
        skip_blanks(pos);
        while (pos < line_.size()) {
            const std::size_t end = std::min(line_.find_first_of(", \t", pos), line_.size());
            if (auto problem = item(line_.substr(pos, end - pos))) {
                return problem;
            }
            pos = end;
            if (pos < line_.size()) {
                ++pos;  // one separator
            }
            skip_blanks(pos);
        }
        return std::nullopt;
    }

  private:
    void skip_blanks(std::size_t& pos) const {
        while (pos < line_.size() && is_blank(line_[pos])) {
            ++pos;
        }
    }

    std::optional<std::string> item(std::string_view text) {
        if (text.empty()) {
            return "empty item (two separators in a row); expected KEY=VALUE";
        }
        const std::size_t eq = text.find('=');
        if (eq == std::string_view::npos) {
            if (line_.size() > 1 && !is_blank(line_[1]) && line_.data() + 1 == text.data()) {
                return fmt::format(
                    "'{}' is not KEY=VALUE: the rule is the single letter 'a' (allow) or 'd' "
                    "(deny) followed by a blank, e.g. \"a id_ext=...\"",
                    login::printable(text));
            }
            return fmt::format("'{}' is not KEY=VALUE", login::printable(text));
        }
        const std::string_view key = text.substr(0, eq);
        const std::string_view value = text.substr(eq + 1);
        for (std::size_t i = 0; i < kMatchKeys.size(); ++i) {
            if (kMatchKeys.at(i).name == key) {
                return match_item(i, value);
            }
        }
        return option_item(key, value);
    }

    std::optional<std::string> match_item(std::size_t index, std::string_view value) {
        const MatchKey& key = kMatchKeys.at(index);
        if (seen_.at(index)) {
            return fmt::format(
                "{} given twice on one line (srp_daemon would silently use the "
                "last); give it once",
                key.name);
        }
        seen_.at(index) = true;
        const bool hex = std::all_of(value.begin(), value.end(), text::is_hex_digit);
        if (!hex || value.size() > key.max_digits) {
            return fmt::format(
                "{}={}: must be at most {} hex digits without 0x (or nothing, "
                "which matches any value)",
                key.name, login::printable(value), key.max_digits);
        }
        if (value.empty()) {
            return std::nullopt;  // a wildcard
        }
        RuleMatch& m = rule_.match;
        if (key.name == "dgid") {
            if (value.size() != 32) {
                return fmt::format(
                    "dgid={}: must be exactly 32 hex digits (subnet prefix and "
                    "port GUID), got {}",
                    value, value.size());
            }
            m.dgid = Gid::parse(value).value_or(Gid{});
            return std::nullopt;
        }
        const auto number = hex_number(value);
        if (!number) {
            return fmt::format("{}={}: does not fit in 64 bits", key.name, value);
        }
        if (key.name == "pkey") {
            if (*number > 0xffff) {
                return fmt::format(
                    "pkey={}: must be at most ffff (srp_daemon would silently "
                    "compare only the low 16 bits)",
                    value);
            }
            m.pkey = static_cast<PKey>(*number);
        } else if (key.name == "id_ext") {
            m.id_ext = *number;
        } else if (key.name == "ioc_guid") {
            m.ioc_guid = *number;
        } else {
            m.service_id = *number;
        }
        return std::nullopt;
    }

    std::optional<std::string> option_item(std::string_view name, std::string_view value) {
        const auto key = login::key_from_name(name);
        const bool rule_option = key && srp_daemon_rule_option(*key);
        if (!key) {
            return fmt::format(
                "unknown key '{}' (srp_daemon's rules accept id_ext, ioc_guid, dgid, service_id "
                "and pkey, and on allow rules {})",
                login::printable(name), option_list());
        }
        if (!rule_option) {
            return fmt::format(
                "{} is a kernel login option that srp_daemon's rules file does not accept (it "
                "takes {}); convert the file with 'srpadm config convert' and set it in "
                "srpadm's configuration",
                name, option_list());
        }
        if (rule_.action == RuleAction::deny) {
            return fmt::format(
                "{}={}: login options are only allowed on allow ('a') rules, not on deny ('d')",
                name, login::printable(value));
        }
        // The login module's rules are stricter than srp_daemon's (decimal digits, at most 16):
        // the kernel's ranges, no leading zeros, no empty value.
        auto opt = login::make_option(*key, value);
        if (!opt) {
            return opt.error().message;
        }
        rule_.options.push_back(std::move(*opt));
        return std::nullopt;
    }

    std::string_view line_;
    Rule& rule_;
    std::array<bool, kMatchKeys.size()> seen_{};
};

}  // namespace

bool srp_daemon_rule_option(login::Key key) {
    return std::find(kRuleOptions.begin(), kRuleOptions.end(), key) != kRuleOptions.end();
}

bool matches(const RuleMatch& match, const Target& target, std::string_view device, unsigned port) {
    if (match.port && !match.port->matches(device, port)) {
        return false;
    }
    if (match.id_ext) {
        const auto id = hex_number(target.id_ext);
        if (!id || *id != *match.id_ext) {
            return false;
        }
    }
    if (match.address) {
        if (!target.rdma) {
            return false;
        }
        const auto dest = parse_target_address(target.rdma->dest);
        if (!dest || dest->family != match.address->family || dest->bytes != match.address->bytes ||
            (match.address->port && dest->port != match.address->port)) {
            return false;
        }
    }
    return (!match.ioc_guid || *match.ioc_guid == target.ioc_guid) &&
           (!match.dgid || *match.dgid == target.dgid) &&
           (!match.service_id || *match.service_id == target.service_id) &&
           (!match.pkey || *match.pkey == target.pkey);
}

Decision evaluate(const RuleSet& rules, const Target& target, std::string_view device,
                  unsigned port) {
    for (const Rule& rule : rules.rules) {
        if (matches(rule.match, target, device, port)) {
            return Decision{rule.action, &rule};
        }
    }
    return Decision{rules.otherwise, nullptr};
}

std::vector<TargetAddress> addresses_to_scan(const std::vector<Rule>& rules) {
    std::vector<TargetAddress> out;
    for (const Rule& rule : rules) {
        if (rule.action == RuleAction::allow && rule.match.address &&
            std::find(out.begin(), out.end(), *rule.match.address) == out.end()) {
            out.push_back(*rule.match.address);
        }
    }
    return out;
}

Result<std::vector<Rule>> parse_srp_daemon_rules(std::string_view text, std::string_view name) {
    std::vector<Rule> rules;
    std::string errors;
    std::size_t number = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t end = std::min(text.find('\n', pos), text.size());
        const std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        ++number;
        if (line.empty() || line[0] == '#') {
            continue;
        }
        Rule rule;
        rule.origin = fmt::format("{}:{}", name, number);
        std::optional<std::string> problem;
        switch (line[0]) {
            case 'a':
            case 'A':
                rule.action = RuleAction::allow;
                break;
            case 'd':
            case 'D':
                rule.action = RuleAction::deny;
                break;
            default:
                if (std::all_of(line.begin(), line.end(), is_blank)) {
                    problem = "a line of only blanks; an empty line must be really empty";
                } else if (is_blank(line[0])) {
                    problem =
                        "a rule must start in the first column with 'a' (allow) or 'd' "
                        "(deny); this line starts with a blank";
                } else {
                    problem = fmt::format(
                        "a line must start with 'a' (allow) or 'd' (deny), or '#' for a "
                        "comment, not '{}'",
                        login::printable(line.substr(0, 1)));
                }
                break;
        }
        if (!problem && line.back() == '\r') {
            problem =
                "the line ends in a carriage return (DOS line ends); save the file with "
                "Unix line ends";
        }
        if (!problem) {
            problem = LineParser(line, rule).parse();
        }
        if (problem) {
            errors += fmt::format("{}{}: {}", errors.empty() ? "" : "\n", rule.origin, *problem);
            continue;
        }
        rules.push_back(std::move(rule));
    }
    if (!errors.empty()) {
        return fail(Errc::invalid_input, errors);
    }
    return rules;
}

}  // namespace srpadm::model
