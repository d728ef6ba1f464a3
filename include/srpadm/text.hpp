// Small text helpers every parser shares: character classes, trimming, and whole-string
// numbers. Header-only, no locale: a sysfs file, a rules file and a .fabric file are read the
// same way on every machine.
#pragma once

#include <algorithm>
#include <charconv>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace srpadm::text {

constexpr bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

constexpr bool is_hex_digit(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// A blank inside a line: space or tab (rules and configuration files).
constexpr bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

// What C's isspace() accepts in the "C" locale (what sscanf's %s stops at).
constexpr bool is_space(char c) {
    return is_blank(c) || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// Whether `text` is non-empty and every character satisfies `pred`.
template <class Pred>
constexpr bool all_of(std::string_view text, Pred pred) {
    return !text.empty() && std::all_of(text.begin(), text.end(), pred);
}

// `text` without blanks (space, tab) at either end.
constexpr std::string_view trim_blanks(std::string_view text) {
    while (!text.empty() && is_blank(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_blank(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

// The whole of `text` as a number in `base`: digits only (no sign, prefix or blanks), not
// empty, and within T's range; nullopt otherwise.
template <std::unsigned_integral T>
std::optional<T> parse_number(std::string_view text, int base = 10) {
    T value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value, base);
    if (text.empty() || ec != std::errc{} || ptr != end) {
        return std::nullopt;
    }
    return value;
}

// 1..max_digits hex digits (no "0x") as a number.
inline std::optional<std::uint64_t> parse_hex(std::string_view digits,
                                              std::size_t max_digits = 16) {
    if (digits.size() > max_digits || !all_of(digits, is_hex_digit)) {
        return std::nullopt;
    }
    return parse_number<std::uint64_t>(digits, 16);
}

// `text` as a message or log line can show it: bytes below 0x20 and from 0x7f up as \xNN.
inline std::string printable(std::string_view text) {
    constexpr std::string_view kHex = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte >= 0x7f) {
            out += "\\x";
            out += kHex[byte >> 4];
            out += kHex[byte & 0xf];
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace srpadm::text
