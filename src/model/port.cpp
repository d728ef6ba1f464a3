#include <array>
#include <charconv>

#include <fmt/format.h>

#include <srpadm/model/port.hpp>
#include <srpadm/text.hpp>

namespace srpadm::model {

std::string_view port_state_name(PortState state) {
    constexpr std::array<std::string_view, 5> kNames = {"NOP", "DOWN", "INIT", "ARMED", "ACTIVE"};
    const auto i = static_cast<std::size_t>(state);
    return i < kNames.size() ? kNames[i] : "in an unknown state";
}
namespace {

constexpr std::size_t kMaxDeviceName = 63;
constexpr unsigned kMaxPort = 255;

bool device_char(char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte > ' ' && byte < 0x7f && c != '/' && c != ':';
}

}  // namespace

std::string PortSelector::str() const {
    return port ? fmt::format("{}:{}", device, *port) : device;
}

Result<PortSelector> parse_port_selector(std::string_view text) {
    const auto bad = [](std::string_view what) {
        return fail(Errc::invalid_input,
                    fmt::format("{} (expected DEV or DEV:PORT, e.g. mlx5_0:1)", what));
    };
    const std::size_t colon = text.find(':');
    const std::string_view device = text.substr(0, colon);
    if (device.empty() || device.size() > kMaxDeviceName || device == "." || device == "..") {
        return bad(fmt::format("the device name must be 1-{} characters", kMaxDeviceName));
    }
    for (const char c : device) {
        if (!device_char(c)) {
            return bad("the device name may not hold '/', ':', blanks or control characters");
        }
    }
    PortSelector out{std::string(device), std::nullopt};
    if (colon == std::string_view::npos) {
        return out;
    }
    const std::string_view digits = text.substr(colon + 1);
    const auto port = text::parse_number<unsigned>(digits);
    if (!port || digits[0] == '0' || *port > kMaxPort) {
        return bad(fmt::format("the port must be a decimal number 1..{}", kMaxPort));
    }
    out.port = *port;
    return out;
}

}  // namespace srpadm::model
