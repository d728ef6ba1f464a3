// Whole SA and DM MADs of any length: header decoding, the GetTable record walk (counts come
// from the bytes present and never reach past them) and re-encoding the records found.
#include <cstdint>
#include <vector>

#include <srpadm/wire/message.hpp>
#include <srpadm/wire/sa_records.hpp>

#include "fuzz_wire_common.hpp"

namespace {

using namespace srpadm::wire;

template <class R>
void check_table(const SaMad& mad) {
    const auto table = walk_sa_table(mad, R::kName, R::kWireSize);
    const auto records = decode_sa_table<R>(mad);
    fuzz::require(table.has_value() == records.has_value());
    if (!table) {
        fuzz::require(table.error().code == srpadm::Errc::malformed);
        fuzz::require(mad.sa.attr_offset != 0 && mad.sa.attr_offset * 8U < R::kWireSize);
        return;
    }
    if (table->stride == 0) {
        fuzz::require(table->count == 0 && records->empty());
        return;
    }
    fuzz::require(table->stride >= R::kWireSize);
    fuzz::require(table->count * table->stride + table->trailing_bytes == mad.data.size());
    fuzz::require(table->trailing_bytes < table->stride);
    fuzz::require(records->size() == table->count);
    fuzz::require(table->record(table->count).empty());
    // The records re-encoded as a reassembled response decode to the same records.
    const auto out = encode_sa_table_response<R>(mad.header, mad.sa, *records);
    const auto back = decode_sa_mad(out);
    fuzz::require(back.has_value());
    const auto again = decode_sa_table<R>(*back);
    fuzz::require(again.has_value() && *again == *records);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto bytes = fuzz::input(data, size);
    if (const auto dm = decode_dm_mad(bytes)) {
        fuzz::require(dm->data.size() == size - kDmDataOffset);
    }
    const auto sa = decode_sa_mad(bytes);
    if (!sa) {
        return 0;
    }
    fuzz::require(sa->data.size() == size - kSaDataOffset);
    check_table<NodeRecord>(*sa);
    check_table<PortInfoRecord>(*sa);
    check_table<PathRecord>(*sa);
    if (const auto resp = report_response(bytes)) {
        fuzz::require((*resp)[3] == method::report_resp);
    }
    return 0;
}
