// InformInfo.
#include <cstdint>

#include <srpadm/wire/sa_records.hpp>

#include "fuzz_wire_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace srpadm::wire;
    const auto bytes = fuzz::input(data, size);
    fuzz::check_round_trip<InformInfo>(bytes);
    if (const auto i = InformInfo::decode(bytes)) {
        const bool qpn = (i->srp_daemon_comp_mask() & inform_info_comp::qpn) != 0;
        fuzz::require(qpn == (i->subscribe == 0));
    }
    return 0;
}
