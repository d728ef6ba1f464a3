// IOControllerProfile; its IDString shown safely.
#include <cstdint>

#include <srpadm/wire/dm.hpp>

#include "fuzz_wire_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace srpadm::wire;
    const auto bytes = fuzz::input(data, size);
    fuzz::check_round_trip<IoControllerProfile>(bytes);
    if (const auto p = IoControllerProfile::decode(bytes)) {
        fuzz::require_printable(p->id_string.display());
        fuzz::require(p->vendor_id_iba() <= 0xffffff);
    }
    return 0;
}
