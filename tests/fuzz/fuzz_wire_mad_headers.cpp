// MAD, RMPP and SA headers; status descriptions.
#include <cstdint>

#include <srpadm/wire/mad.hpp>

#include "fuzz_wire_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace srpadm::wire;
    const auto bytes = fuzz::input(data, size);
    // Each header where it sits in a MAD.
    const auto from = [&bytes](std::size_t offset) {
        return offset <= bytes.size() ? bytes.subspan(offset) : bytes.subspan(bytes.size());
    };
    fuzz::check_round_trip<MadHeader>(bytes);
    fuzz::check_round_trip<RmppHeader>(from(kRmppHeaderOffset));
    fuzz::check_round_trip<SaHeader>(from(kSaHeaderOffset));
    if (const auto h = MadHeader::decode(bytes)) {
        fuzz::require_printable(describe_status(h->status, h->mgmt_class));
        const auto st = check_status(*h, "fuzz");
        fuzz::require(st.has_value() == (h->status == 0));
        MadHeader copy = *h;
        copy.set_method_byte(h->method_byte());
        fuzz::require(copy == *h);
    }
    return 0;
}
