// Private: one field list per structure drives both its decoder and its encoder.
//
// Each structure's .cpp file writes a single "visit" function, a generic lambda
//   [](auto& value, auto& io) { io(layout::x::a, value.a); io(layout::x::b, value.b); ... }
// which decode_fields() runs with a reading io and encode_fields() with a writing io, so the
// two directions cannot disagree about a field.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <type_traits>

#include <fmt/format.h>

#include <srpadm/result.hpp>
#include <srpadm/types.hpp>
#include <srpadm/wire/bytes.hpp>
#include <srpadm/wire/wire_string.hpp>

namespace srpadm::wire::detail {

template <class T>
struct IsByteArray : std::false_type {};
template <std::size_t N>
struct IsByteArray<std::array<std::uint8_t, N>> : std::true_type {};

// The bytes of a byte-string member: a Gid, a WireString or a std::array of bytes.
template <class T>
auto member_bytes(T& member) {
    if constexpr (IsByteArray<std::remove_const_t<T>>::value) {
        return std::span(member);
    } else {
        return std::span(member.raw);
    }
}

class FieldReader {
  public:
    explicit FieldReader(std::span<const std::uint8_t> bytes) : reader_(bytes) {}

    template <class T>
    void operator()(const Field& f, T& member) {
        if constexpr (std::is_same_v<T, bool>) {
            member = reader_.number(f) != 0;
        } else if constexpr (std::is_integral_v<T>) {
            member = static_cast<T>(reader_.number(f));
        } else {
            reader_.copy(f, member_bytes(member));
        }
    }
    bool ok() const { return reader_.ok(); }

  private:
    ByteReader reader_;
};

class FieldWriter {
  public:
    explicit FieldWriter(std::span<std::uint8_t> bytes) : writer_(bytes) {}

    template <class T>
    void operator()(const Field& f, const T& member) {
        if constexpr (std::is_integral_v<T>) {
            writer_.number(f, static_cast<std::uint64_t>(member));
        } else {
            writer_.copy(f, member_bytes(member));
        }
    }
    bool ok() const { return writer_.ok(); }

  private:
    ByteWriter writer_;
};

// "<Name>: <n> bytes, need <m>".
inline Error too_short(std::string_view name, std::size_t have, std::size_t need) {
    return Error{Errc::malformed, fmt::format("{}: {} bytes, need {}", name, have, need)};
}

// Decodes T from the first T::kWireSize bytes of `bytes` (later bytes are ignored).
template <class T, class Visit>
Result<T> decode_fields(std::span<const std::uint8_t> bytes, const Visit& visit) {
    if (bytes.size() < T::kWireSize) {
        return Unexpected(too_short(T::kName, bytes.size(), T::kWireSize));
    }
    T value{};
    FieldReader reader(bytes.first(T::kWireSize));
    visit(value, reader);
    if (!reader.ok()) {
        return fail(Errc::internal, fmt::format("{}: layout does not fit", T::kName));
    }
    return value;
}

// Encodes T into its kWireSize bytes; reserved bits are 0, numbers wider than their field
// lose their high bits.
template <class T, class Visit>
std::array<std::uint8_t, T::kWireSize> encode_fields(const T& value, const Visit& visit) {
    std::array<std::uint8_t, T::kWireSize> out{};
    FieldWriter writer(out);
    visit(value, writer);
    return out;
}

}  // namespace srpadm::wire::detail
