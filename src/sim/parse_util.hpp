// Small helpers shared by the .fabric and ibnetdiscover parsers (private to src/sim).
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include <srpadm/result.hpp>
#include <srpadm/runtime/clock.hpp>

namespace srpadm::sim::parse {

struct Loc {
    std::string_view file;
    std::size_t line = 0;
};

inline Error error_at(const Loc& loc, std::string_view message) {
    return Error{Errc::invalid_input, fmt::format("{}:{}: {}", loc.file, loc.line, message)};
}

inline Unexpected fail_at(const Loc& loc, std::string_view message) {
    return Unexpected(error_at(loc, message));
}

// Decimal, or hex with a 0x prefix; at most `max`.
std::optional<std::uint64_t> to_uint(std::string_view text, std::uint64_t max);
// Hex digits only (no prefix), 1..16 of them: the GUIDs inside ibnetdiscover's parentheses.
std::optional<std::uint64_t> hex_digits(std::string_view text);
// "200us", "1ms", "2s", "500ns", "1.5s".
std::optional<runtime::Duration> to_duration(std::string_view text);
std::optional<double> to_probability(std::string_view text);

struct Token {
    std::string_view text;    // without the quotes
    std::string_view suffix;  // "/N" after a quoted string or a GUID, without the '/'
    bool quoted = false;
};

// Splits a line into tokens; stops at '#' outside quotes. Fails on an unterminated quote.
Result<std::vector<Token>> tokenize(std::string_view line, const Loc& loc);

std::string quote(std::string_view text);

}  // namespace srpadm::sim::parse
