// Notice and its typed trap details: rebuilding a notice from its details gives them back.
#include <cstdint>
#include <variant>

#include <srpadm/wire/notice.hpp>

#include "fuzz_wire_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace srpadm::wire;
    const auto bytes = fuzz::input(data, size);
    fuzz::check_round_trip<Notice>(bytes);
    if (const auto n = Notice::decode(bytes)) {
        const NoticeDetails details = n->details();
        const Notice rebuilt = Notice::generic(details, n->issuer_lid, n->issuer_gid);
        fuzz::require(rebuilt.details() == details);
        if (!std::holds_alternative<OtherNotice>(details)) {
            fuzz::require(rebuilt.trap_number == n->trap_number && n->is_generic);
        }
    }
    return 0;
}
