#include <fmt/format.h>

#include <srpadm/wire/mad.hpp>

#include "codec.hpp"

namespace srpadm::wire {

namespace {

namespace lm = layout::mad_header;
namespace lr = layout::rmpp_header;
namespace ls = layout::sa_header;

constexpr auto kMadHeaderFields = [](auto& h, auto& io) {
    io(lm::base_version, h.base_version);
    io(lm::mgmt_class, h.mgmt_class);
    io(lm::class_version, h.class_version);
    io(lm::response, h.response);
    io(lm::method, h.method);
    io(lm::status, h.status);
    io(lm::class_specific, h.class_specific);
    io(lm::tid, h.tid);
    io(lm::attr_id, h.attr_id);
    io(lm::attr_mod, h.attr_mod);
};

constexpr auto kRmppHeaderFields = [](auto& h, auto& io) {
    io(lr::version, h.version);
    io(lr::type, h.type);
    io(lr::resp_time, h.resp_time);
    io(lr::flags, h.flags);
    io(lr::status, h.status);
    io(lr::data1, h.segment_number);
    io(lr::data2, h.payload_length);
};

constexpr auto kSaHeaderFields = [](auto& h, auto& io) {
    io(ls::sm_key, h.sm_key);
    io(ls::attr_offset, h.attr_offset);
    io(ls::comp_mask, h.comp_mask);
};

}  // namespace

std::string_view invalid_field_name(std::uint8_t code) {
    switch (code) {
        case 0:
            return "no invalid field";
        case 1:
            return "bad base or class version";
        case 2:
            return "method not supported";
        case 3:
            return "method/attribute combination not supported";
        case 7:
            return "invalid attribute or modifier value";
        default:
            return "reserved invalid-field code";
    }
}

std::string_view sa_status_name(std::uint8_t code) {
    switch (code) {
        case sa_status::no_resources:
            return "no resources";
        case sa_status::req_invalid:
            return "request invalid";
        case sa_status::no_records:
            return "no records";
        case sa_status::too_many_records:
            return "too many records";
        case sa_status::invalid_gid:
            return "invalid GID";
        case sa_status::insufficient_components:
            return "insufficient components";
        case sa_status::req_denied:
            return "request denied";
        case sa_status::priority_suggested:
            return "priority suggested";
        default:
            return "unknown SA status";
    }
}

std::string describe_status(std::uint16_t s, std::uint8_t mgmt_class) {
    if (s == 0) {
        return "0x0000 (ok)";
    }
    std::string parts;
    const auto add = [&parts](std::string_view part) {
        if (!parts.empty()) {
            parts += ", ";
        }
        parts += part;
    };
    if (status_busy(s)) {
        add("busy");
    }
    if (status_redirect(s)) {
        add("redirect required");
    }
    if (status_invalid_field(s) != 0) {
        add(invalid_field_name(status_invalid_field(s)));
    }
    const std::uint8_t code = status_class_code(s);
    if (code != 0) {
        if (mgmt_class == mgmt_class::subn_adm) {
            add(sa_status_name(code));
        } else if (mgmt_class == mgmt_class::device_mgmt &&
                   code == status_class_code(dm_status::no_ioc)) {
            add("no IOC at this slot");
        } else {
            add(fmt::format("class-specific code {}", code));
        }
    }
    if ((s & 0x00e0) != 0) {
        add("reserved bits set");
    }
    return fmt::format("{:#06x} ({})", s, parts);
}

MadHeader MadHeader::request(std::uint8_t mgmt_class, std::uint8_t class_version,
                             std::uint8_t method_byte, std::uint16_t attr_id,
                             std::uint32_t attr_mod, std::uint64_t tid) {
    MadHeader h;
    h.mgmt_class = mgmt_class;
    h.class_version = class_version;
    h.set_method_byte(method_byte);
    h.attr_id = attr_id;
    h.attr_mod = attr_mod;
    h.tid = tid;
    return h;
}

MadHeader MadHeader::reply(std::uint8_t method_byte, std::uint16_t status_value) const {
    MadHeader h = *this;
    h.set_method_byte(method_byte);
    h.status = status_value;
    h.class_specific = 0;
    return h;
}

Result<MadHeader> MadHeader::decode(std::span<const std::uint8_t> bytes) {
    return detail::decode_fields<MadHeader>(bytes, kMadHeaderFields);
}
std::array<std::uint8_t, MadHeader::kWireSize> MadHeader::encode() const {
    return detail::encode_fields(*this, kMadHeaderFields);
}

MadHeader header_of(const MadBuffer& mad) {
    MadHeader h;
    detail::FieldReader reader(mad);
    kMadHeaderFields(h, reader);
    return h;
}

void set_tid(MadBuffer& mad, std::uint64_t tid) {
    ByteWriter writer(mad);
    writer.number(lm::tid, tid);
}

Result<void> check_status(const MadHeader& header, std::string_view what) {
    if (header.status == 0) {
        return {};
    }
    const Errc code = status_busy(header.status) ? Errc::busy : Errc::mad_status;
    return fail(code, fmt::format("{}: status {}", what,
                                  describe_status(header.status, header.mgmt_class)));
}

Result<RmppHeader> RmppHeader::decode(std::span<const std::uint8_t> bytes) {
    return detail::decode_fields<RmppHeader>(bytes, kRmppHeaderFields);
}
std::array<std::uint8_t, RmppHeader::kWireSize> RmppHeader::encode() const {
    return detail::encode_fields(*this, kRmppHeaderFields);
}

Result<SaHeader> SaHeader::decode(std::span<const std::uint8_t> bytes) {
    return detail::decode_fields<SaHeader>(bytes, kSaHeaderFields);
}
std::array<std::uint8_t, SaHeader::kWireSize> SaHeader::encode() const {
    return detail::encode_fields(*this, kSaHeaderFields);
}

}  // namespace srpadm::wire
