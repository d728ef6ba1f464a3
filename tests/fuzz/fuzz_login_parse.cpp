// libFuzzer target: parse arbitrary bytes as an add_target line. Whatever parses must render,
// and the rendered line must parse back to the same spec and render to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <srpadm/model/login.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    const auto spec = srpadm::login::parse(line);
    if (!spec) {
        if (spec.error().message.empty()) {
            std::abort();
        }
        return 0;
    }
    const auto rendered = srpadm::login::render(*spec);
    if (!rendered) {
        std::abort();
    }
    const auto back = srpadm::login::parse(*rendered);
    if (!back || !(*back == *spec)) {
        std::abort();
    }
    const auto again = srpadm::login::render(*back);
    if (!again || *again != *rendered) {
        std::abort();
    }
    return 0;
}
