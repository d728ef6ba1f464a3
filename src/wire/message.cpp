#include <algorithm>

#include <fmt/format.h>

#include <srpadm/wire/message.hpp>

#include "codec.hpp"

namespace srpadm::wire {

namespace {

template <class Bytes>
void put(std::span<std::uint8_t> out, std::size_t offset, const Bytes& bytes) {
    std::copy(bytes.begin(), bytes.end(), out.begin() + static_cast<std::ptrdiff_t>(offset));
}

Result<void> check_class(std::string_view what, const MadHeader& header, std::uint8_t expected) {
    if (header.mgmt_class != expected) {
        return fail(Errc::malformed, fmt::format("{}: management class {:#04x}, expected {:#04x}",
                                                 what, header.mgmt_class, expected));
    }
    return {};
}

}  // namespace

Result<MadBuffer> build_sa_mad(const MadHeader& header, const std::optional<RmppHeader>& rmpp,
                               const SaHeader& sa, std::span<const std::uint8_t> data) {
    if (data.size() > kSaDataSize) {
        return fail(Errc::invalid_input,
                    fmt::format("SA MAD: {} data bytes, at most {} fit", data.size(), kSaDataSize));
    }
    MadBuffer mad{};
    put(mad, 0, header.encode());
    if (rmpp) {
        put(mad, kRmppHeaderOffset, rmpp->encode());
    }
    put(mad, kSaHeaderOffset, sa.encode());
    put(mad, kSaDataOffset, data);
    return mad;
}

Result<MadBuffer> build_dm_mad(const MadHeader& header, std::span<const std::uint8_t> data) {
    if (data.size() > kDmDataSize) {
        return fail(Errc::invalid_input,
                    fmt::format("DM MAD: {} data bytes, at most {} fit", data.size(), kDmDataSize));
    }
    MadBuffer mad{};
    put(mad, 0, header.encode());
    put(mad, kDmDataOffset, data);
    return mad;
}

MadBuffer build_dm_get(std::uint16_t attr_id, std::uint32_t attr_mod, std::uint64_t tid) {
    const MadHeader header = MadHeader::request(mgmt_class::device_mgmt, class_version::dm,
                                                method::get, attr_id, attr_mod, tid);
    return build_dm_mad(header, {}).value();
}

Result<SaMad> decode_sa_mad(std::span<const std::uint8_t> mad) {
    if (mad.size() < kSaDataOffset) {
        return Unexpected(detail::too_short("SA MAD", mad.size(), kSaDataOffset));
    }
    SaMad out;
    auto header = MadHeader::decode(mad);
    auto rmpp = RmppHeader::decode(mad.subspan(kRmppHeaderOffset));
    auto sa = SaHeader::decode(mad.subspan(kSaHeaderOffset));
    if (!header || !rmpp || !sa) {
        return fail(Errc::internal, "SA MAD: header layout does not fit");
    }
    if (auto ok = check_class("SA MAD", *header, mgmt_class::subn_adm); !ok) {
        return Unexpected(ok.error());
    }
    out.header = *header;
    out.rmpp = *rmpp;
    out.sa = *sa;
    out.data = mad.subspan(kSaDataOffset);
    return out;
}

Result<DmMad> decode_dm_mad(std::span<const std::uint8_t> mad) {
    if (mad.size() < kDmDataOffset) {
        return Unexpected(detail::too_short("DM MAD", mad.size(), kDmDataOffset));
    }
    auto header = MadHeader::decode(mad);
    if (!header) {
        return Unexpected(header.error());
    }
    if (auto ok = check_class("DM MAD", *header, mgmt_class::device_mgmt); !ok) {
        return Unexpected(ok.error());
    }
    return DmMad{*header, mad.subspan(kDmDataOffset)};
}

Result<SaTable> walk_sa_table(const SaMad& mad, std::string_view record_name,
                              std::size_t record_size) {
    SaTable table;
    table.area = mad.data;
    table.stride = std::size_t{mad.sa.attr_offset} * 8;
    if (table.stride == 0) {
        return table;  // AttributeOffset 0: no records
    }
    if (table.stride < record_size) {
        return fail(Errc::malformed,
                    fmt::format("{} table: AttributeOffset {} gives a {}-byte stride, smaller "
                                "than the {}-byte record",
                                record_name, mad.sa.attr_offset, table.stride, record_size));
    }
    table.count = table.area.size() / table.stride;
    table.trailing_bytes = table.area.size() % table.stride;
    return table;
}

std::vector<std::uint8_t> sa_table_frame(const MadHeader& header, const RmppHeader& rmpp,
                                         const SaHeader& sa, std::size_t count) {
    std::vector<std::uint8_t> out(kSaDataOffset + count * std::size_t{sa.attr_offset} * 8);
    const std::span<std::uint8_t> bytes(out);
    put(bytes, 0, header.encode());
    put(bytes, kRmppHeaderOffset, rmpp.encode());
    put(bytes, kSaHeaderOffset, sa.encode());
    return out;
}

Result<MadBuffer> report_response(std::span<const std::uint8_t> report) {
    if (report.size() < MadHeader::kWireSize) {
        return Unexpected(detail::too_short("Report", report.size(), MadHeader::kWireSize));
    }
    MadBuffer out{};
    std::copy_n(report.begin(), std::min(report.size(), kMadSize), out.begin());
    ByteWriter writer(out);
    writer.u8(layout::mad_header::method.byte, method::report_resp);
    return out;
}

}  // namespace srpadm::wire
