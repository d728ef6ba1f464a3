// Helpers for the wire codec tests: golden fixtures written by hand as annotated hex files in
// tests/unit/golden/, and the checks every fixture gets.
//
// Fixture syntax: pairs of hex digits are bytes (whitespace between them is ignored), '#'
// starts a comment, and "@N" zero-fills up to byte N (decimal), so a 256-byte MAD can be
// written as its interesting parts.
#pragma once

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <srpadm/result.hpp>
#include <srpadm/types.hpp>

namespace srpadm::wire::test {

using Bytes = std::vector<std::uint8_t>;

// GIDs the fixtures use (link-local prefix fe80::).
constexpr std::uint64_t kLinkLocal = 0xfe80000000000000;
inline const Gid kTargetPortGid = Gid::from_parts(kLinkLocal, 0x0002c90300a0b1c1);  // ...b1c1
inline const Gid kOtherPortGid = Gid::from_parts(kLinkLocal, 0x0002c90300a0b1c2);   // ...b1c2
inline const Gid kTopspinGid = Gid::from_parts(kLinkLocal, 0x0005ad00000013e9);     // ...13e9
inline const Gid kSmGid = Gid::from_parts(kLinkLocal, 0x0005ad0000000001);          // ...0001

inline Bytes parse_hex(std::string_view text) {
    Bytes out;
    int pending = -1;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '#') {
            i = text.find('\n', i);
            if (i == std::string_view::npos) {
                break;
            }
            continue;
        }
        if (c == '@') {
            std::size_t end = i + 1;
            while (end < text.size() && text[end] >= '0' && text[end] <= '9') {
                ++end;
            }
            const std::size_t target = std::stoul(std::string(text.substr(i + 1, end - i - 1)));
            if (pending >= 0 || target < out.size()) {
                throw std::runtime_error("fixture: @" + std::to_string(target) + " after byte " +
                                         std::to_string(out.size()));
            }
            out.resize(target, 0);
            i = end - 1;
            continue;
        }
        int v = -1;
        if (c >= '0' && c <= '9') {
            v = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            v = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            v = c - 'A' + 10;
        } else if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
            continue;
        } else {
            throw std::runtime_error(std::string("fixture: unexpected character '") + c + "'");
        }
        if (pending < 0) {
            pending = v;
        } else {
            out.push_back(static_cast<std::uint8_t>(pending * 16 + v));
            pending = -1;
        }
    }
    if (pending >= 0) {
        throw std::runtime_error("fixture: odd number of hex digits");
    }
    return out;
}

// tests/unit/golden/<name>.hex
inline Bytes golden(std::string_view name) {
    const std::string path = fmt::format("{}/tests/unit/golden/{}.hex", SRPADM_SOURCE_DIR, name);
    std::ifstream in(path);
    if (!in) {
        throw std::runtime_error("cannot read fixture " + path);
    }
    std::stringstream text;
    text << in.rdbuf();
    return parse_hex(text.str());
}

template <std::size_t N>
Bytes to_bytes(const std::array<std::uint8_t, N>& a) {
    return Bytes(a.begin(), a.end());
}

inline Bytes concat(std::initializer_list<std::span<const std::uint8_t>> parts) {
    Bytes out;
    for (const auto part : parts) {
        out.insert(out.end(), part.begin(), part.end());
    }
    return out;
}

inline Bytes padded(Bytes b, std::size_t size) {
    b.resize(size, 0);
    return b;
}

// "" when equal, else the first offset where they differ and both bytes there.
inline std::string first_difference(const Bytes& a, const Bytes& b) {
    for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
        const int x = i < a.size() ? a[i] : -1;
        const int y = i < b.size() ? b[i] : -1;
        if (x != y) {
            return "first difference at byte " + std::to_string(i) + ": " + std::to_string(x) +
                   " vs " + std::to_string(y);
        }
    }
    return "";
}

// The fixture is exactly T's size; it decodes to `expected`; `expected` encodes to the
// fixture; and the encoding decodes back to `expected`.
template <class T>
void expect_golden(const Bytes& fixture, const T& expected) {
    ASSERT_EQ(fixture.size(), T::kWireSize) << T::kName << " fixture size";
    const Result<T> decoded = T::decode(fixture);
    ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
    EXPECT_TRUE(*decoded == expected) << T::kName << ": decoded fixture differs from the value";
    const auto encoded = expected.encode();
    EXPECT_EQ(first_difference(to_bytes(encoded), fixture), "")
        << T::kName << ": encoding differs from the fixture";
    const Result<T> again = T::decode(encoded);
    ASSERT_TRUE(again.has_value()) << again.error().message;
    EXPECT_TRUE(*again == expected) << T::kName << ": round trip changed the value";
}

// Every span shorter than T's size is refused as malformed with "<Name>: <n> bytes, need <N>";
// a longer span decodes and its extra bytes are ignored.
template <class T>
void expect_length_checks(const Bytes& fixture) {
    for (std::size_t n = 0; n < T::kWireSize; ++n) {
        const Result<T> r = T::decode(std::span(fixture).first(n));
        ASSERT_FALSE(r.has_value()) << T::kName << " accepted " << n << " bytes";
        EXPECT_EQ(r.error().code, Errc::malformed);
        EXPECT_EQ(r.error().message,
                  fmt::format("{}: {} bytes, need {}", T::kName, n, T::kWireSize));
    }
    Bytes longer = fixture;
    longer.resize(fixture.size() + 37, 0xa5);
    const Result<T> r = T::decode(longer);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(to_bytes(r->encode()), Bytes(fixture.begin(), fixture.begin() + T::kWireSize));
}

}  // namespace srpadm::wire::test
