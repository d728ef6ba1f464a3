// IOUnitInfo and its 1-based slot accessors.
#include <cstdint>

#include <srpadm/wire/dm.hpp>

#include "fuzz_wire_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace srpadm::wire;
    const auto bytes = fuzz::input(data, size);
    fuzz::check_round_trip<IoUnitInfo>(bytes);
    const auto u = IoUnitInfo::decode(bytes);
    if (!u) {
        return 0;
    }
    fuzz::require(!u->slot(0) && !u->slot(IoUnitInfo::kMaxSlots + 1));
    for (std::size_t s = 1; s <= IoUnitInfo::kMaxSlots; ++s) {
        const std::uint8_t byte = u->controller_list[(s - 1) / 2];
        const std::uint8_t expected = (s % 2 == 1) ? byte >> 4 : byte & 0xf;
        fuzz::require(u->slot(s) == expected);
    }
    for (const std::uint16_t s : u->present_slots()) {
        fuzz::require(s >= 1 && s <= u->max_controllers && u->slot(s) == ioc_slot::present);
    }
    IoUnitInfo copy = *u;
    for (std::size_t s = 1; s <= IoUnitInfo::kMaxSlots; ++s) {
        fuzz::require(copy.set_slot(s, *u->slot(s)));
    }
    fuzz::require(copy == *u);
    return 0;
}
