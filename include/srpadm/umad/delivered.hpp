// How much of a received MAD the transport delivered, and the rule that the rest reads as zero.
//
// Under ibsim's libumad2sim.so (umad2sim/umad2sim.c, ibsim 0.10 to 0.12) only the first 224
// bytes of a received MAD are real. Its receiver thread queues each MAD in
//   buf = alloc_umad_buf(sizeof(struct sim_request));    // 288 bytes (include/ibsim.h)
//   buf->size = umad2sim_read(dev, buf->umad, buf->size, &mgmt_class);
// umad2sim_read() copies at most count - umad_size() = 288 - 64 = 224 MAD bytes behind the
// 64-byte umad header, yet returns umad->length = umad_size() + req.length = 64 + 256; read()
// then copies that many bytes (320) out of the 288-byte block. MAD bytes 224..255 are therefore
// whatever follows the block on the heap: once the fourth ServiceEntry of a DM answer came back
// with a service ID that was a heap pointer. A MAD shorter than 224 bytes arrives whole.
//
// UmadEndpoint clears those bytes when libumad2sim is in the process, so that bytes the
// transport did not deliver never decide anything: they read as zero, and the MAD keeps its
// length.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

namespace srpadm::umad {

// sizeof(struct sim_request) in ibsim's include/ibsim.h: five 32-bit fields, a 64-bit length
// (aligned to 24) and 256 MAD bytes.
inline constexpr std::size_t kUmad2simRequestSize = 288;

// The MAD bytes libumad2sim delivers behind a umad header of `umad_header_size` bytes:
// libibumad's umad_size() once a port is open (64, so 224; it says 56 before umad_open_port()
// has enabled P_Key indexes, umad.c new_user_mad_api).
constexpr std::size_t umad2sim_delivered_bytes(std::size_t umad_header_size) {
    return umad_header_size < kUmad2simRequestSize ? kUmad2simRequestSize - umad_header_size : 0;
}

// Sets every byte of `mad` from offset `delivered` on to zero; the span keeps its size. Returns
// whether the MAD had any byte there (it was cut).
inline bool clear_undelivered(std::span<std::uint8_t> mad, std::size_t delivered) {
    if (mad.size() <= delivered) {
        return false;
    }
    std::fill(mad.begin() + static_cast<std::ptrdiff_t>(delivered), mad.end(), std::uint8_t{0});
    return true;
}

}  // namespace srpadm::umad
