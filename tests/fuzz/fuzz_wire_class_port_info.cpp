// ClassPortInfo (SA and DM).
#include <cstdint>

#include <srpadm/wire/class_port_info.hpp>

#include "fuzz_wire_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace srpadm::wire;
    fuzz::check_round_trip<ClassPortInfo>(fuzz::input(data, size));
    return 0;
}
