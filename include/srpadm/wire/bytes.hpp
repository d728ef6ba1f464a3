// Bounds-checked big-endian access to MAD bytes, driven by field descriptions.
//
// Every attribute is described once, as a table of Fields (see layouts.hpp), in the spirit of
// python-rdma's structure tables: a name, the byte that holds the field's most significant
// bit, the bit inside that byte (0 = the byte's MSB, as the IBA tables count), and a width in
// bits. Fields of at most 64 bits are numbers and may start at any bit (RMPP flags, PathRecord
// SL, Notice Type...), as long as they fit in 8 consecutive bytes; wider fields are byte
// strings (GIDs, names) and must start and end on byte boundaries.
//
// ByteReader and ByteWriter never touch a byte outside their span: an access that would is not
// performed (a read yields 0 or zero bytes) and clears ok(), which stays false.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace srpadm::wire {

struct Field {
    std::string_view name;
    std::size_t byte = 0;
    unsigned bit = 0;
    unsigned width = 0;

    constexpr std::size_t first_bit() const { return byte * 8 + bit; }
    constexpr std::size_t end_bit() const { return first_bit() + width; }  // one past the last
    constexpr std::size_t end_byte() const { return (end_bit() + 7) / 8; }
    constexpr bool is_number() const { return width <= 64; }
    // The same field inside a structure that holds this one at byte offset `base`.
    constexpr Field at(std::size_t base) const { return Field{name, byte + base, bit, width}; }
};

// A field is well formed when it has a width, its bit offset is inside its first byte, a
// number fits in 8 bytes, and a byte string is byte aligned.
constexpr bool field_is_well_formed(const Field& f) {
    if (f.width == 0 || f.bit > 7) {
        return false;
    }
    if (f.is_number()) {
        return f.bit + f.width <= 64;
    }
    return f.bit == 0 && f.width % 8 == 0;
}

constexpr bool fields_overlap(const Field& a, const Field& b) {
    return a.first_bit() < b.end_bit() && b.first_bit() < a.end_bit();
}

// True when every field is well formed, lies inside `size` bytes, and no two fields share a
// bit. Every layout in layouts.hpp is checked with this at compile time.
template <std::size_t N>
constexpr bool layout_is_valid(const std::array<Field, N>& fields, std::size_t size) {
    for (std::size_t i = 0; i < N; ++i) {
        if (!field_is_well_formed(fields[i]) || fields[i].end_bit() > size * 8) {
            return false;
        }
        for (std::size_t j = i + 1; j < N; ++j) {
            if (fields_overlap(fields[i], fields[j])) {
                return false;
            }
        }
    }
    return true;
}

class ByteReader {
  public:
    explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

    std::size_t size() const { return bytes_.size(); }
    std::span<const std::uint8_t> bytes() const { return bytes_; }
    // False once any access fell (partly) outside the span.
    bool ok() const { return ok_; }

    // A number field; 0 when the field is not a number or does not lie inside the span.
    std::uint64_t number(const Field& f);
    // A byte-string field into `out` (which must be exactly the field's size); zero-filled
    // when the field does not lie inside the span or the sizes differ.
    void copy(const Field& f, std::span<std::uint8_t> out);

    std::uint8_t u8(std::size_t offset);
    std::uint16_t u16(std::size_t offset);
    std::uint32_t u32(std::size_t offset);
    std::uint64_t u64(std::size_t offset);

  private:
    bool fits(const Field& f);

    std::span<const std::uint8_t> bytes_;
    bool ok_ = true;
};

class ByteWriter {
  public:
    explicit ByteWriter(std::span<std::uint8_t> bytes) : bytes_(bytes) {}

    std::size_t size() const { return bytes_.size(); }
    // False once any access fell (partly) outside the span.
    bool ok() const { return ok_; }

    // Writes the low `f.width` bits of `value`; higher bits are dropped. Other bits of the
    // bytes the field shares are kept.
    void number(const Field& f, std::uint64_t value);
    // Writes a byte-string field; `in` must be exactly the field's size.
    void copy(const Field& f, std::span<const std::uint8_t> in);

    void u8(std::size_t offset, std::uint8_t v);
    void u16(std::size_t offset, std::uint16_t v);
    void u32(std::size_t offset, std::uint32_t v);
    void u64(std::size_t offset, std::uint64_t v);

  private:
    bool fits(const Field& f);

    std::span<std::uint8_t> bytes_;
    bool ok_ = true;
};

}  // namespace srpadm::wire
