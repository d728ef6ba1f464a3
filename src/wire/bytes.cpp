#include <algorithm>

#include <srpadm/wire/bytes.hpp>

namespace srpadm::wire {

namespace {

constexpr std::uint64_t low_mask(unsigned width) {
    return width >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width) - 1;
}

// The bytes a number field spans, loaded big-endian into the low end of a 64-bit word, and the
// shift that brings the field's least significant bit to bit 0.
struct Window {
    std::size_t first = 0;
    std::size_t count = 0;
    unsigned shift = 0;
};

constexpr Window window_of(const Field& f) {
    const std::size_t count = (f.bit + f.width + 7) / 8;
    return Window{f.byte, count, static_cast<unsigned>(count * 8 - f.bit - f.width)};
}

constexpr Field whole_bytes(std::size_t offset, unsigned count) {
    return Field{"", offset, 0, count * 8};
}

}  // namespace

bool ByteReader::fits(const Field& f) {
    if (!field_is_well_formed(f) || f.end_byte() > bytes_.size()) {
        ok_ = false;
        return false;
    }
    return true;
}

std::uint64_t ByteReader::number(const Field& f) {
    if (!fits(f) || !f.is_number()) {
        ok_ = false;
        return 0;
    }
    const Window w = window_of(f);
    std::uint64_t acc = 0;
    for (std::size_t i = 0; i < w.count; ++i) {
        acc = (acc << 8) | bytes_[w.first + i];
    }
    return (acc >> w.shift) & low_mask(f.width);
}

void ByteReader::copy(const Field& f, std::span<std::uint8_t> out) {
    if (!fits(f) || f.is_number() || out.size() != f.width / 8) {
        ok_ = false;
        std::fill(out.begin(), out.end(), std::uint8_t{0});
        return;
    }
    const auto src = bytes_.subspan(f.byte, out.size());
    std::copy(src.begin(), src.end(), out.begin());
}

std::uint8_t ByteReader::u8(std::size_t offset) {
    return static_cast<std::uint8_t>(number(whole_bytes(offset, 1)));
}
std::uint16_t ByteReader::u16(std::size_t offset) {
    return static_cast<std::uint16_t>(number(whole_bytes(offset, 2)));
}
std::uint32_t ByteReader::u32(std::size_t offset) {
    return static_cast<std::uint32_t>(number(whole_bytes(offset, 4)));
}
std::uint64_t ByteReader::u64(std::size_t offset) {
    return number(whole_bytes(offset, 8));
}

bool ByteWriter::fits(const Field& f) {
    if (!field_is_well_formed(f) || f.end_byte() > bytes_.size()) {
        ok_ = false;
        return false;
    }
    return true;
}

void ByteWriter::number(const Field& f, std::uint64_t value) {
    if (!fits(f) || !f.is_number()) {
        ok_ = false;
        return;
    }
    const Window w = window_of(f);
    std::uint64_t acc = 0;
    for (std::size_t i = 0; i < w.count; ++i) {
        acc = (acc << 8) | bytes_[w.first + i];
    }
    const std::uint64_t mask = low_mask(f.width) << w.shift;
    acc = (acc & ~mask) | ((value << w.shift) & mask);
    for (std::size_t i = w.count; i > 0; --i) {
        bytes_[w.first + i - 1] = static_cast<std::uint8_t>(acc & 0xff);
        acc >>= 8;
    }
}

void ByteWriter::copy(const Field& f, std::span<const std::uint8_t> in) {
    if (!fits(f) || f.is_number() || in.size() != f.width / 8) {
        ok_ = false;
        return;
    }
    std::copy(in.begin(), in.end(), bytes_.begin() + static_cast<std::ptrdiff_t>(f.byte));
}

void ByteWriter::u8(std::size_t offset, std::uint8_t v) {
    number(whole_bytes(offset, 1), v);
}
void ByteWriter::u16(std::size_t offset, std::uint16_t v) {
    number(whole_bytes(offset, 2), v);
}
void ByteWriter::u32(std::size_t offset, std::uint32_t v) {
    number(whole_bytes(offset, 4), v);
}
void ByteWriter::u64(std::size_t offset, std::uint64_t v) {
    number(whole_bytes(offset, 8), v);
}

}  // namespace srpadm::wire
