// libFuzzer target: arbitrary bytes as srp_daemon's rules file. A refusal names file:line on
// every line of its message; accepted rules convert to srpadm configuration that parses back
// to the same rules, and evaluate against a target without trouble.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <srpadm/model/config.hpp>
#include <srpadm/model/rules.hpp>

namespace {

// Every line of `message` starts with "<name>:<digits>: ".
bool every_line_located(const std::string& message, std::string_view name) {
    if (message.empty()) {
        return false;
    }
    std::size_t pos = 0;
    while (pos <= message.size()) {
        const std::size_t end = std::min(message.find('\n', pos), message.size());
        const std::string_view line = std::string_view(message).substr(pos, end - pos);
        if (line.substr(0, name.size()) != name || line.size() <= name.size() + 1 ||
            line[name.size()] != ':') {
            return false;
        }
        const std::size_t colon = line.find(':', name.size() + 1);
        if (colon == std::string_view::npos || colon == name.size() + 1) {
            return false;
        }
        pos = end + 1;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace srpadm::model;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto rules = parse_srp_daemon_rules(text, "rules.conf");
    if (!rules) {
        if (!every_line_located(rules.error().message, "rules.conf")) {
            std::abort();
        }
        return 0;
    }
    const auto back = parse_config(render_config({}, *rules, "fuzz"), "converted.conf");
    if (!back || back->targets.size() != rules->size()) {
        std::abort();
    }
    for (std::size_t i = 0; i < rules->size(); ++i) {
        Rule expected = (*rules)[i];
        expected.origin = back->targets[i].origin;
        expected.options = merge_options({}, expected.options);
        if (!(back->targets[i] == expected)) {
            std::abort();
        }
    }
    RuleSet set{*rules, RuleAction::allow};
    Target target;
    target.id_ext = "0002c90300b00020";
    target.ioc_guid = 0x0002c90300b00020ULL;
    target.pkey = 0xffff;
    const Decision d = evaluate(set, target, "mlx5_0", 1);
    if (d.rule != nullptr && d.rule->action != d.action) {
        std::abort();
    }
    return 0;
}
