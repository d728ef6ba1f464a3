// Whole MADs: building 256-byte SA and DM requests, decoding responses of any length, walking
// the records of an SA GetTable response, and encoding such a response (the simulated fabric
// answers with it).
//
// How GetTable responses reach user space: the kernel reassembles RMPP segments and one read
// returns the first segment whole (MAD, RMPP and SA headers, 56 bytes before the data) followed
// by the data of the later segments without their headers. So the records start at MAD byte 56
// and follow each other at a stride of AttributeOffset * 8 bytes, up to the end of what was
// read. Under ibsim/umad2sim the response is cut to one 256-byte MAD and its RMPP header is not
// valid; the walk below neither needs nor checks the RMPP header.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <srpadm/result.hpp>
#include <srpadm/wire/mad.hpp>

namespace srpadm::wire {

// An SA record type (NodeRecord, PortInfoRecord, PathRecord, InformInfo, ...).
template <class R>
concept SaRecord = requires(const R& record, std::span<const std::uint8_t> bytes) {
    { R::kAttributeId } -> std::convertible_to<std::uint16_t>;
    { R::kWireSize } -> std::convertible_to<std::size_t>;
    { R::kName } -> std::convertible_to<std::string_view>;
    { R::decode(bytes) } -> std::same_as<Result<R>>;
    {record.encode()};
};

// A DM attribute type (IoUnitInfo, IoControllerProfile, ServiceEntries, ClassPortInfo).
template <class A>
concept DmAttribute = requires(const A& attribute) {
    { A::kAttributeId } -> std::convertible_to<std::uint16_t>;
    { A::kWireSize } -> std::convertible_to<std::size_t>;
    {attribute.encode()};
};

// Assembles a 256-byte SA MAD: header, RMPP header (zero bytes when absent), SA header, then
// `data` at byte 56. Refuses data longer than 200 bytes.
Result<MadBuffer> build_sa_mad(const MadHeader& header, const std::optional<RmppHeader>& rmpp,
                               const SaHeader& sa, std::span<const std::uint8_t> data);
// Assembles a 256-byte DM MAD: header, 40 zero bytes, then `data` at byte 64. Refuses data
// longer than 192 bytes.
Result<MadBuffer> build_dm_mad(const MadHeader& header, std::span<const std::uint8_t> data);

// What an SA request needs besides its record.
struct SaRequest {
    std::uint8_t method = method::get;
    std::uint32_t attr_mod = 0;
    std::uint64_t tid = 0;
    std::uint64_t comp_mask = 0;
    std::uint64_t sm_key = 0;
    // srp_daemon sends GetTable with RmppHeader::single_request(); Get and Set without.
    std::optional<RmppHeader> rmpp;
};

// An SA request (class 0x03, version 2) carrying `record` (its attribute ID comes from R).
template <SaRecord R>
MadBuffer build_sa_request(const SaRequest& request, const R& record) {
    static_assert(R::kWireSize <= kSaDataSize, "an SA request holds one record");
    const MadHeader header =
        MadHeader::request(mgmt_class::subn_adm, class_version::sa, request.method, R::kAttributeId,
                           request.attr_mod, request.tid);
    SaHeader sa;
    sa.sm_key = request.sm_key;
    sa.comp_mask = request.comp_mask;
    const auto bytes = record.encode();
    return build_sa_mad(header, request.rmpp, sa, bytes).value();
}

// A DM request (class 0x06, version 1) without data: Get of IOUnitInfo, IOControllerProfile
// (attr_mod = slot) or ServiceEntries (attr_mod = ServiceEntriesModifier::encode()).
MadBuffer build_dm_get(std::uint16_t attr_id, std::uint32_t attr_mod, std::uint64_t tid);

// A DM request carrying an attribute, e.g. srp_daemon's Set(ClassPortInfo) for Topspin targets.
template <DmAttribute A>
MadBuffer build_dm_request(std::uint8_t method_byte, std::uint32_t attr_mod, std::uint64_t tid,
                           const A& attribute) {
    static_assert(A::kWireSize <= kDmDataSize, "a DM MAD holds one attribute");
    const MadHeader header = MadHeader::request(mgmt_class::device_mgmt, class_version::dm,
                                                method_byte, A::kAttributeId, attr_mod, tid);
    const auto bytes = attribute.encode();
    return build_dm_mad(header, bytes).value();
}

// A decoded SA MAD of any length >= 56: the three headers and the bytes from 56 to the end.
struct SaMad {
    MadHeader header;
    RmppHeader rmpp;
    SaHeader sa;
    std::span<const std::uint8_t> data;
};
// Refuses fewer than 56 bytes and a management class other than SA (0x03).
Result<SaMad> decode_sa_mad(std::span<const std::uint8_t> mad);

// A decoded DM MAD of any length >= 64: the header and the bytes from 64 to the end.
struct DmMad {
    MadHeader header;
    std::span<const std::uint8_t> data;
};
// Refuses fewer than 64 bytes and a management class other than DM (0x06).
Result<DmMad> decode_dm_mad(std::span<const std::uint8_t> mad);

// The record layout of a GetTable response, derived only from the bytes actually present:
// - AttributeOffset 0 means no records (count 0), whatever follows the header;
// - a stride (AttributeOffset * 8) smaller than the record's defined size is an error;
// - count = whole strides in the data area; the length, count or payload fields the peer
//   sent are never used;
// - a trailing partial record (an answer cut off mid-record, e.g. at 256 bytes under
//   umad2sim) is ignored, and its size reported in trailing_bytes.
struct SaTable {
    std::size_t stride = 0;
    std::size_t count = 0;
    std::size_t trailing_bytes = 0;
    std::span<const std::uint8_t> area;  // MAD bytes 56..end

    // Record i's `stride` bytes; empty when i >= count.
    std::span<const std::uint8_t> record(std::size_t i) const {
        return i < count ? area.subspan(i * stride, stride) : std::span<const std::uint8_t>{};
    }
};
Result<SaTable> walk_sa_table(const SaMad& mad, std::string_view record_name,
                              std::size_t record_size);

// Every whole record of a GetTable response, decoded.
template <SaRecord R>
Result<std::vector<R>> decode_sa_table(const SaMad& mad) {
    auto table = walk_sa_table(mad, R::kName, R::kWireSize);
    if (!table) {
        return Unexpected(table.error());
    }
    std::vector<R> records;
    records.reserve(table->count);
    for (std::size_t i = 0; i < table->count; ++i) {
        auto record = R::decode(table->record(i));
        if (!record) {
            return Unexpected(record.error());
        }
        records.push_back(std::move(*record));
    }
    return records;
}

// The single record of a Get/Set response (at MAD byte 56).
template <SaRecord R>
Result<R> decode_sa_record(const SaMad& mad) {
    return R::decode(mad.data);
}

// The single record of a whole SA Get/Set response: decode_sa_mad, then decode_sa_record.
template <SaRecord R>
Result<R> decode_sa_response(std::span<const std::uint8_t> mad) {
    auto sa = decode_sa_mad(mad);
    if (!sa) {
        return Unexpected(sa.error());
    }
    return decode_sa_record<R>(*sa);
}

// The attribute of a whole DM response: decode_dm_mad, then A::decode(data, args...) (the
// ServiceEntries decoder also takes the request's modifier).
template <class A, class... Args>
Result<A> decode_dm_response(std::span<const std::uint8_t> mad, const Args&... args) {
    auto dm = decode_dm_mad(mad);
    if (!dm) {
        return Unexpected(dm.error());
    }
    return A::decode(dm->data, args...);
}

// The 56 header bytes of a GetTable response followed by `count` zeroed records at the
// stride sa.attr_offset * 8 (the frame encode_sa_table_response fills).
std::vector<std::uint8_t> sa_table_frame(const MadHeader& header, const RmppHeader& rmpp,
                                         const SaHeader& sa, std::size_t count);

// A GetTable response with any number of records as one contiguous reassembled buffer, as
// the kernel hands it to user space: `header` (give it the response method and status), the
// RMPP header (default RmppHeader::reassembled_response), `sa` with AttributeOffset set from
// R's size (rounded up to 8 bytes), then the records. An empty table is 56 bytes.
template <SaRecord R>
std::vector<std::uint8_t> encode_sa_table_response(const MadHeader& header, SaHeader sa,
                                                   std::span<const R> records,
                                                   std::optional<RmppHeader> rmpp = {}) {
    sa.attr_offset = SaHeader::attr_offset_for(R::kWireSize);
    const std::size_t stride = std::size_t{sa.attr_offset} * 8;
    const RmppHeader rh = rmpp.value_or(
        RmppHeader::reassembled_response(static_cast<std::uint32_t>(records.size() * stride)));
    std::vector<std::uint8_t> out = sa_table_frame(header, rh, sa, records.size());
    for (std::size_t i = 0; i < records.size(); ++i) {
        const auto bytes = records[i].encode();
        std::copy(bytes.begin(), bytes.end(),
                  out.begin() + static_cast<std::ptrdiff_t>(kSaDataOffset + i * stride));
    }
    return out;
}

// The ReportResp for a received Report: the same MAD (up to 256 bytes) with method 0x86, as
// srp_daemon answers. Refuses fewer than 24 bytes.
Result<MadBuffer> report_response(std::span<const std::uint8_t> report);

}  // namespace srpadm::wire
