// libFuzzer target: arbitrary bytes as srpadm's configuration file. A refusal names file:line
// on every line of its message; an accepted file renders back to text that parses to the
// same defaults and rules, whose timeouts follow the kernel's rules.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <srpadm/model/config.hpp>

#include "fuzz_text_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace srpadm::model;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto file = parse_config(text, "srpadm.conf");
    if (!file) {
        if (!srpadm::fuzz::every_line_located(file.error().message, "srpadm.conf")) {
            std::abort();
        }
        return 0;
    }
    if (!check_tmo_given(file->defaults.timeouts)) {
        std::abort();
    }
    for (const Rule& rule : file->targets) {
        if (!check_tmo_given(rule.timeouts) ||
            (rule.action == RuleAction::deny && !rule.options.empty())) {
            std::abort();
        }
    }
    const auto back = parse_config(render_config(file->defaults, file->targets, "fuzz"), "again");
    if (!back || !(back->defaults == file->defaults) ||
        back->targets.size() != file->targets.size()) {
        std::abort();
    }
    for (std::size_t i = 0; i < file->targets.size(); ++i) {
        Rule expected = file->targets[i];
        expected.origin = back->targets[i].origin;
        if (!(back->targets[i] == expected)) {
            std::abort();
        }
    }
    return 0;
}
