// PortInfoRecord: every byte survives decode -> encode (PortInfo keeps its untyped bits).
#include <algorithm>
#include <cstdint>

#include <srpadm/wire/sa_records.hpp>

#include "fuzz_wire_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace srpadm::wire;
    const auto bytes = fuzz::input(data, size);
    fuzz::check_round_trip<PortInfoRecord>(bytes);
    if (const auto r = PortInfoRecord::decode(bytes)) {
        const auto encoded = r->encode();
        fuzz::require(std::equal(encoded.begin(), encoded.end(), bytes.begin()));
    }
    return 0;
}
