// Checks shared by the fuzz targets of text parsers.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

namespace srpadm::fuzz {

// Every line of a parser's error message starts with "<name>:<line>:", and nothing in it is
// a raw control byte (a file's bytes are shown escaped).
inline bool every_line_located(const std::string& message, std::string_view name) {
    if (message.empty()) {
        return false;
    }
    std::size_t pos = 0;
    while (pos <= message.size()) {
        const std::size_t end = std::min(message.find('\n', pos), message.size());
        const std::string_view line = std::string_view(message).substr(pos, end - pos);
        const std::size_t digits = name.size() + 1;
        const std::size_t colon = line.find(':', digits);
        if (line.substr(0, name.size()) != name || line.size() <= digits ||
            line[name.size()] != ':' || colon == std::string_view::npos || colon == digits ||
            !std::all_of(line.begin() + static_cast<std::ptrdiff_t>(digits),
                         line.begin() + static_cast<std::ptrdiff_t>(colon),
                         [](char c) { return c >= '0' && c <= '9'; }) ||
            std::any_of(line.begin(), line.end(),
                        [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
            return false;
        }
        pos = end + 1;
    }
    return true;
}

}  // namespace srpadm::fuzz
