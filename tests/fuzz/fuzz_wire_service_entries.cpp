// ServiceEntries with the attribute modifier taken from the first 4 input bytes.
#include <cstdint>

#include <srpadm/wire/dm.hpp>

#include "fuzz_wire_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace srpadm::wire;
    if (size < 4) {
        return 0;
    }
    const std::uint32_t attr_mod = (std::uint32_t{data[0]} << 24) | (std::uint32_t{data[1]} << 16) |
                                   (std::uint32_t{data[2]} << 8) | data[3];
    const auto bytes = fuzz::input(data + 4, size - 4);
    fuzz::check_round_trip<ServiceEntry>(bytes);
    const auto mod = ServiceEntriesModifier::decode(attr_mod);
    if (!mod) {
        fuzz::require(((attr_mod & 0xff) > ((attr_mod >> 8) & 0xff)) ||
                      (((attr_mod >> 8) & 0xff) - (attr_mod & 0xff) > 3));
        return 0;
    }
    fuzz::require(mod->encode() == attr_mod && mod->count() >= 1 && mod->count() <= 4);
    const auto entries = ServiceEntries::decode(bytes, *mod);
    if (!entries) {
        fuzz::require(bytes.size() < mod->count() * ServiceEntry::kWireSize);
        return 0;
    }
    fuzz::require(entries->valid().size() == mod->count());
    const auto again = ServiceEntries::decode(entries->encode(), *mod);
    fuzz::require(again.has_value() && *again == *entries);
    for (const ServiceEntry& e : entries->valid()) {
        fuzz::require_printable(e.name.display());
        fuzz::require(e.is_srp_target() == (e.srp_id_ext().size() == srp_ioc::id_ext_length));
    }
    return 0;
}
