// Shared properties of the wire decoder fuzz targets.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

namespace srpadm::wire::fuzz {

inline void require(bool ok) {
    if (!ok) {
        std::abort();
    }
}

// What display() produces must be printable ASCII only.
inline void require_printable(std::string_view s) {
    for (const char c : s) {
        require(c >= 0x20 && c <= 0x7e);
    }
}

inline std::span<const std::uint8_t> input(const std::uint8_t* data, std::size_t size) {
    return {data, size};
}

// A span shorter than T is refused; a longer one decodes, and decode -> encode -> decode
// gives the same value and the same bytes again.
template <class T>
void check_round_trip(std::span<const std::uint8_t> bytes) {
    const auto first = T::decode(bytes);
    if (bytes.size() < T::kWireSize) {
        require(!first.has_value());
        return;
    }
    require(first.has_value());
    const auto encoded = first->encode();
    const auto second = T::decode(encoded);
    require(second.has_value() && *second == *first);
    require(second->encode() == encoded);
}

}  // namespace srpadm::wire::fuzz
