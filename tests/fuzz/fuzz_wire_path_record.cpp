// PathRecord.
#include <cstdint>

#include <srpadm/wire/sa_records.hpp>

#include "fuzz_wire_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace srpadm::wire;
    fuzz::check_round_trip<PathRecord>(fuzz::input(data, size));
    return 0;
}
