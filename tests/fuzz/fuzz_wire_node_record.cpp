// NodeRecord; its NodeDescription shown safely.
#include <cstdint>

#include <srpadm/wire/sa_records.hpp>

#include "fuzz_wire_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace srpadm::wire;
    const auto bytes = fuzz::input(data, size);
    fuzz::check_round_trip<NodeRecord>(bytes);
    if (const auto n = NodeRecord::decode(bytes)) {
        fuzz::require_printable(n->node_description.display());
        fuzz::require(n->node_description.view().size() == n->node_description.length());
    }
    return 0;
}
