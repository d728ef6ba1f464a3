// Small value types shared by the layers: GIDs, GUIDs, LIDs, P_Keys.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include <srpadm/result.hpp>

namespace srpadm {

using Guid = std::uint64_t;
using Lid = std::uint16_t;
using PKey = std::uint16_t;  // with the membership bit (bit 15) as the SA returns it

inline constexpr PKey kPKeyMembershipBit = 0x8000;
inline constexpr PKey pkey_base(PKey p) {
    return static_cast<PKey>(p & 0x7fff);
}

// A 128-bit InfiniBand GID in wire (network) byte order.
struct Gid {
    std::array<std::uint8_t, 16> raw{};

    static constexpr Gid from_parts(std::uint64_t prefix, std::uint64_t guid) {
        Gid g;
        for (std::size_t i = 0; i < 8; ++i) {
            g.raw[i] = static_cast<std::uint8_t>(prefix >> (56 - 8 * i));
            g.raw[8 + i] = static_cast<std::uint8_t>(guid >> (56 - 8 * i));
        }
        return g;
    }
    constexpr std::uint64_t prefix() const { return half(0); }
    constexpr std::uint64_t guid() const { return half(8); }

    // 32 lower-case hex digits, no separators (the add_target dgid= form).
    std::string hex() const;
    // Eight colon-separated groups of four digits, as the kernel's %pI6 prints
    // (sysfs dgid/orig_dgid/sgid and /sys/class/infiniband/*/ports/*/gids/*).
    std::string colon_groups() const;

    // Accepts 32 hex digits, or eight ':'-separated groups of 1-4 hex digits
    // (the sysfs form), optionally with a trailing newline.
    static Result<Gid> parse(std::string_view text);

    friend constexpr auto operator<=>(const Gid&, const Gid&) = default;

  private:
    constexpr std::uint64_t half(std::size_t at) const {
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < 8; ++i) {
            v = (v << 8) | raw[at + i];
        }
        return v;
    }
};

// "%016llx" of a GUID / 64-bit id.
std::string hex16(std::uint64_t v);

// "xxxx:xxxx:xxxx:xxxx", the form LIO uses for GUID-named ports and ACLs.
std::string guid_colon_form(Guid g);

}  // namespace srpadm
