// Fixed-size text fields from the wire (NodeDescription 64 B, IOControllerProfile IDString
// 64 B, ServiceEntry ServiceName 40 B).
//
// The bytes come from the network: they may lack a terminating NUL and may hold any byte. A
// WireString keeps them exactly as received. Use display() for anything a person or a log will
// see, and starts_with()/raw for protocol decisions.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace srpadm::wire {

// A safe rendering of wire text: stops at the first NUL (or the end), copies printable ASCII
// (0x20-0x7e) except the backslash, and writes every other byte, the backslash included, as
// \xNN (two lower-case hex digits). The result holds only printable ASCII, so nothing read
// from the network can inject control sequences into a terminal or a log line.
std::string display_text(std::span<const std::uint8_t> raw);

template <std::size_t N>
struct WireString {
    static constexpr std::size_t kSize = N;

    std::array<std::uint8_t, N> raw{};

    // Copies the first N bytes of `text` and NUL-pads the rest (for encoders and tests; text
    // longer than N is cut).
    static WireString from_text(std::string_view text) {
        WireString s;
        const std::size_t n = std::min(text.size(), N);
        for (std::size_t i = 0; i < n; ++i) {
            s.raw[i] = static_cast<std::uint8_t>(text[i]);
        }
        return s;
    }

    // Bytes before the first NUL, or N when there is none.
    std::size_t length() const {
        return static_cast<std::size_t>(std::find(raw.begin(), raw.end(), 0) - raw.begin());
    }
    bool terminated() const { return length() < N; }

    // The bytes before the first NUL, unescaped: for comparisons, never for display.
    std::string_view view() const { return {reinterpret_cast<const char*>(raw.data()), length()}; }

    std::string display() const { return display_text(raw); }

    // Exact byte comparison of the first prefix.size() raw bytes (a NUL in the data does not
    // end the comparison early, so "SRP.T10:" never matches "SRP.T10\0...").
    bool starts_with(std::string_view prefix) const {
        if (prefix.size() > N) {
            return false;
        }
        for (std::size_t i = 0; i < prefix.size(); ++i) {
            if (raw[i] != static_cast<std::uint8_t>(prefix[i])) {
                return false;
            }
        }
        return true;
    }

    friend bool operator==(const WireString&, const WireString&) = default;
};

}  // namespace srpadm::wire
