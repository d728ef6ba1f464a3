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

#include "fuzz_text_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace srpadm::model;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto rules = parse_srp_daemon_rules(text, "rules.conf");
    if (!rules) {
        if (!srpadm::fuzz::every_line_located(rules.error().message, "rules.conf")) {
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
