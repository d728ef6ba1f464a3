#include <srpadm/wire/wire_string.hpp>

namespace srpadm::wire {

std::string display_text(std::span<const std::uint8_t> raw) {
    static constexpr std::string_view kHex = "0123456789abcdef";
    std::string out;
    out.reserve(raw.size());
    for (const std::uint8_t b : raw) {
        if (b == 0) {
            break;
        }
        if (b >= 0x20 && b <= 0x7e && b != '\\') {
            out += static_cast<char>(b);
        } else {
            out += "\\x";
            out += kHex[b >> 4];
            out += kHex[b & 0xf];
        }
    }
    return out;
}

}  // namespace srpadm::wire
