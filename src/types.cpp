#include <fmt/format.h>

#include <srpadm/types.hpp>

namespace srpadm {

std::string hex16(std::uint64_t v) {
    return fmt::format("{:016x}", v);
}

std::string guid_colon_form(Guid g) {
    return fmt::format("{:04x}:{:04x}:{:04x}:{:04x}", (g >> 48) & 0xffff, (g >> 32) & 0xffff,
                       (g >> 16) & 0xffff, g & 0xffff);
}

std::string Gid::hex() const {
    return hex16(prefix()) + hex16(guid());
}

std::string Gid::colon_groups() const {
    std::string out;
    out.reserve(39);
    for (std::size_t i = 0; i < 16; i += 2) {
        if (i != 0) {
            out += ':';
        }
        out += fmt::format("{:02x}{:02x}", raw[i], raw[i + 1]);
    }
    return out;
}

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

}  // namespace

Result<Gid> Gid::parse(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
        text.remove_suffix(1);
    }
    Gid g;
    if (text.find(':') == std::string_view::npos) {
        if (text.size() != 32) {
            return fail(Errc::invalid_input,
                        fmt::format("GID '{}' must be 32 hex digits (got {})", text, text.size()));
        }
        for (std::size_t i = 0; i < 32; i += 2) {
            const int hi = hex_value(text[i]);
            const int lo = hex_value(text[i + 1]);
            if (hi < 0 || lo < 0) {
                return fail(Errc::invalid_input, fmt::format("GID '{}' has a non-hex digit", text));
            }
            g.raw[i / 2] = static_cast<std::uint8_t>((hi << 4) | lo);
        }
        return g;
    }
    std::size_t group = 0;
    std::size_t pos = 0;
    while (true) {
        const std::size_t end = text.find(':', pos);
        const std::string_view part =
            text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        if (group >= 8 || part.empty() || part.size() > 4) {
            return fail(Errc::invalid_input,
                        fmt::format("GID '{}' must be eight ':'-separated groups of 1-4 hex "
                                    "digits",
                                    text));
        }
        unsigned v = 0;
        for (char c : part) {
            const int d = hex_value(c);
            if (d < 0) {
                return fail(Errc::invalid_input, fmt::format("GID '{}' has a non-hex digit", text));
            }
            v = (v << 4) | static_cast<unsigned>(d);
        }
        g.raw[2 * group] = static_cast<std::uint8_t>(v >> 8);
        g.raw[2 * group + 1] = static_cast<std::uint8_t>(v & 0xff);
        ++group;
        if (end == std::string_view::npos) {
            break;
        }
        pos = end + 1;
    }
    if (group != 8) {
        return fail(Errc::invalid_input,
                    fmt::format("GID '{}' must be eight ':'-separated groups", text));
    }
    return g;
}

}  // namespace srpadm
