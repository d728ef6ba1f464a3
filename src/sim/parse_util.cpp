#include "parse_util.hpp"

#include <cmath>

#include <srpadm/text.hpp>

namespace srpadm::sim::parse {

std::optional<std::uint64_t> to_uint(std::string_view text, std::uint64_t max) {
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        text.remove_prefix(2);
        base = 16;
    }
    const auto value = srpadm::text::parse_number<std::uint64_t>(text, base);
    if (!value || *value > max) {
        return std::nullopt;
    }
    return value;
}

std::optional<std::uint64_t> hex_digits(std::string_view text) {
    return srpadm::text::parse_hex(text);
}

std::optional<runtime::Duration> to_duration(std::string_view text) {
    struct Unit {
        std::string_view suffix;
        double ns;
    };
    static constexpr Unit kUnits[] = {{"ns", 1.0}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};
    for (const auto& unit : kUnits) {
        if (text.size() <= unit.suffix.size() ||
            text.substr(text.size() - unit.suffix.size()) != unit.suffix) {
            continue;
        }
        const auto number = text.substr(0, text.size() - unit.suffix.size());
        if (number.empty() || number.size() > 24 || number[0] == '-' || number[0] == '+') {
            return std::nullopt;
        }
        double value = 0;
        const char* end = number.data() + number.size();
        const auto [ptr, ec] = std::from_chars(number.data(), end, value);
        if (ec != std::errc{} || ptr != end || !std::isfinite(value)) {
            return std::nullopt;
        }
        const double ns = value * unit.ns;
        // A day is far beyond any deadline a test or a benchmark uses.
        if (ns < 0 || ns > 86400e9) {
            return std::nullopt;
        }
        return runtime::Duration(static_cast<std::int64_t>(ns));
    }
    return std::nullopt;
}

std::optional<double> to_probability(std::string_view text) {
    if (text.empty() || text.size() > 24) {
        return std::nullopt;
    }
    double value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || ptr != end || !(value >= 0.0 && value <= 1.0)) {
        return std::nullopt;
    }
    return value;
}

Result<std::vector<Token>> tokenize(std::string_view line, const Loc& loc) {
    std::vector<Token> tokens;
    std::size_t i = 0;
    while (i < line.size()) {
        const char c = line[i];
        if (c == ' ' || c == '\t' || c == '\r') {
            ++i;
            continue;
        }
        if (c == '#') {
            break;
        }
        Token t;
        if (c == '"') {
            const auto close = line.find('"', i + 1);
            if (close == std::string_view::npos) {
                return fail_at(loc, "unterminated string: expected a closing '\"'");
            }
            t.text = line.substr(i + 1, close - i - 1);
            t.quoted = true;
            i = close + 1;
            if (i < line.size() && line[i] == '/') {
                const auto start = i + 1;
                while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '#') {
                    ++i;
                }
                t.suffix = line.substr(start, i - start);
            } else if (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r' &&
                       line[i] != '#') {
                return fail_at(loc, fmt::format("expected a blank or /PORT after the string "
                                                "\"{}\", found '{}'",
                                                t.text, line[i]));
            }
        } else {
            const auto start = i;
            while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r' &&
                   line[i] != '#' && line[i] != '"') {
                ++i;
            }
            auto word = line.substr(start, i - start);
            const auto slash = word.find('/');
            if (slash != std::string_view::npos) {
                t.suffix = word.substr(slash + 1);
                word = word.substr(0, slash);
            }
            t.text = word;
        }
        tokens.push_back(t);
    }
    return tokens;
}

std::string quote(std::string_view text) {
    constexpr std::size_t kShown = 40;
    std::string out;
    for (const char c : text.substr(0, kShown)) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u >= 0x7f) {
            out += fmt::format("\\x{:02x}", u);
        } else {
            out += c;
        }
    }
    if (text.size() > kShown) {
        out += "...";
    }
    return "'" + out + "'";
}

}  // namespace srpadm::sim::parse
