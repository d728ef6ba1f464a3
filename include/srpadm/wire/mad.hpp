// MAD constants and the three headers at the front of every SA and DM MAD: the common MAD
// header (bytes 0-23), the RMPP header (24-35) and the SA header (36-55); plus the status
// field's meaning.
//
// Sources: IBA 1.3 ch. 13 and 15; kernel include/rdma/ib_mad.h; rdma-core libibumad
// umad_types.h / umad_sa.h and libibmad fields.c; kernel drivers/infiniband/ulp/srpt/ib_dm_mad.h.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <srpadm/result.hpp>
#include <srpadm/wire/layouts.hpp>

namespace srpadm::wire {

// Where things sit in a 256-byte MAD.
inline constexpr std::size_t kMadSize = 256;
inline constexpr std::size_t kRmppHeaderOffset = 24;
inline constexpr std::size_t kSaHeaderOffset = 36;
inline constexpr std::size_t kSaDataOffset = 56;
inline constexpr std::size_t kSaDataSize = kMadSize - kSaDataOffset;  // 200
inline constexpr std::size_t kDmDataOffset = 64;                      // 24..63 reserved in DM MADs
inline constexpr std::size_t kDmDataSize = kMadSize - kDmDataOffset;  // 192
static_assert(kRmppHeaderOffset == layout::mad_header::size);
static_assert(kSaHeaderOffset == kRmppHeaderOffset + layout::rmpp_header::size);
static_assert(kSaDataOffset == kSaHeaderOffset + layout::sa_header::size);
static_assert(kSaDataSize == 200 && kDmDataSize == 192);

using MadBuffer = std::array<std::uint8_t, kMadSize>;

inline constexpr std::uint8_t kBaseVersion = 1;
inline constexpr std::uint32_t kGsiQKey = 0x80010000;  // Q_Key of QP1 (SA and DM MADs)

namespace mgmt_class {
inline constexpr std::uint8_t subn_adm = 0x03;
inline constexpr std::uint8_t device_mgmt = 0x06;
}  // namespace mgmt_class

namespace class_version {
inline constexpr std::uint8_t sa = 2;
inline constexpr std::uint8_t dm = 1;
}  // namespace class_version

// Method bytes as they appear in MAD byte 3 (R bit included).
namespace method {
inline constexpr std::uint8_t get = 0x01;
inline constexpr std::uint8_t set = 0x02;
inline constexpr std::uint8_t send = 0x03;
inline constexpr std::uint8_t trap = 0x05;
inline constexpr std::uint8_t report = 0x06;
inline constexpr std::uint8_t trap_repress = 0x07;
inline constexpr std::uint8_t get_table = 0x12;
inline constexpr std::uint8_t get_trace_table = 0x13;
inline constexpr std::uint8_t get_multi = 0x14;
inline constexpr std::uint8_t delete_ = 0x15;
inline constexpr std::uint8_t response_bit = 0x80;
inline constexpr std::uint8_t get_resp = 0x81;
inline constexpr std::uint8_t report_resp = 0x86;
inline constexpr std::uint8_t get_table_resp = 0x92;
inline constexpr std::uint8_t get_multi_resp = 0x94;
inline constexpr std::uint8_t delete_resp = 0x95;
}  // namespace method

// Attribute IDs shared by classes, SA records, DM attributes.
namespace attr {
inline constexpr std::uint16_t class_port_info = 0x0001;
inline constexpr std::uint16_t notice = 0x0002;
inline constexpr std::uint16_t inform_info = 0x0003;
}  // namespace attr
namespace sa_attr {
inline constexpr std::uint16_t node_record = 0x0011;
inline constexpr std::uint16_t port_info_record = 0x0012;
inline constexpr std::uint16_t service_record = 0x0031;
inline constexpr std::uint16_t path_record = 0x0035;
inline constexpr std::uint16_t multi_path_record = 0x003a;
inline constexpr std::uint16_t inform_info_record = 0x00f3;
}  // namespace sa_attr
namespace dm_attr {
inline constexpr std::uint16_t io_unit_info = 0x0010;
inline constexpr std::uint16_t io_controller_profile = 0x0011;
inline constexpr std::uint16_t service_entries = 0x0012;
}  // namespace dm_attr

// Common MAD status bits (MAD bytes 4-5).
namespace status {
inline constexpr std::uint16_t busy = 0x0001;
inline constexpr std::uint16_t redirect = 0x0002;
inline constexpr std::uint16_t invalid_field_mask = 0x001c;   // bits 4..2
inline constexpr std::uint16_t class_specific_mask = 0xff00;  // bits 15..8
// Invalid-field codes, already shifted into bits 4..2.
inline constexpr std::uint16_t bad_version = 0x0004;
inline constexpr std::uint16_t method_unsupported = 0x0008;
inline constexpr std::uint16_t method_attr_unsupported = 0x000c;
inline constexpr std::uint16_t invalid_attr_value = 0x001c;
}  // namespace status

// DM status values (kernel ib_dm_mad.h DM_MAD_STATUS_*); LIO ib_srpt answers with these.
namespace dm_status {
inline constexpr std::uint16_t unsup_method = 0x0008;
inline constexpr std::uint16_t unsup_method_attr = 0x000c;
inline constexpr std::uint16_t invalid_field = 0x001c;
inline constexpr std::uint16_t no_ioc = 0x0100;
}  // namespace dm_status

// SA class-specific status codes: the value of status bits 15..8 (libibumad umad_sa.h).
namespace sa_status {
inline constexpr std::uint8_t no_resources = 1;
inline constexpr std::uint8_t req_invalid = 2;
inline constexpr std::uint8_t no_records = 3;
inline constexpr std::uint8_t too_many_records = 4;
inline constexpr std::uint8_t invalid_gid = 5;
inline constexpr std::uint8_t insufficient_components = 6;
inline constexpr std::uint8_t req_denied = 7;
inline constexpr std::uint8_t priority_suggested = 8;
}  // namespace sa_status

constexpr bool status_busy(std::uint16_t s) {
    return (s & status::busy) != 0;
}
constexpr bool status_redirect(std::uint16_t s) {
    return (s & status::redirect) != 0;
}
// Bits 4..2 as a number 0..7 (0 = no invalid field).
constexpr std::uint8_t status_invalid_field(std::uint16_t s) {
    return static_cast<std::uint8_t>((s & status::invalid_field_mask) >> 2);
}
// Bits 15..8.
constexpr std::uint8_t status_class_code(std::uint16_t s) {
    return static_cast<std::uint8_t>(s >> 8);
}

// Name of an invalid-field code 0..7 ("reserved" for the unassigned ones).
std::string_view invalid_field_name(std::uint8_t code);
// Name of an SA class-specific code ("unknown SA status" when not assigned).
std::string_view sa_status_name(std::uint8_t code);
// "0x0300 (no records)", "0x0101 (busy, DM: no IOC at this slot)", ... for messages. The
// class decides how bits 15..8 read (SA codes for class 0x03, NO_IOC for class 0x06).
std::string describe_status(std::uint16_t status, std::uint8_t mgmt_class);

// Common MAD header, MAD bytes 0-23. The R bit and the 7-bit method are separate fields;
// method_byte() gives byte 3 whole, as the method:: constants spell it.
struct MadHeader {
    static constexpr std::string_view kName = "MAD header";
    static constexpr std::size_t kWireSize = layout::mad_header::size;

    std::uint8_t base_version = kBaseVersion;
    std::uint8_t mgmt_class = 0;
    std::uint8_t class_version = 0;
    bool response = false;
    std::uint8_t method = 0;  // 7 bits
    std::uint16_t status = 0;
    std::uint16_t class_specific = 0;
    std::uint64_t tid = 0;
    std::uint16_t attr_id = 0;
    std::uint32_t attr_mod = 0;

    std::uint8_t method_byte() const {
        return static_cast<std::uint8_t>((response ? method::response_bit : 0) | (method & 0x7f));
    }
    void set_method_byte(std::uint8_t m) {
        response = (m & method::response_bit) != 0;
        method = static_cast<std::uint8_t>(m & 0x7f);
    }

    // A request header: base version 1, status 0.
    static MadHeader request(std::uint8_t mgmt_class, std::uint8_t class_version,
                             std::uint8_t method_byte, std::uint16_t attr_id,
                             std::uint32_t attr_mod, std::uint64_t tid);
    // The header of an answer to this request: same class, version, TID and attribute, the
    // given method byte and status.
    MadHeader reply(std::uint8_t method_byte, std::uint16_t status_value = 0) const;

    static Result<MadHeader> decode(std::span<const std::uint8_t> bytes);
    std::array<std::uint8_t, kWireSize> encode() const;

    friend bool operator==(const MadHeader&, const MadHeader&) = default;
};

// The header of a whole 256-byte MAD (always there, so no error to return).
MadHeader header_of(const MadBuffer& mad);
// Writes `tid` into the MAD's TransactionID field (layout::mad_header::tid), nothing else.
void set_tid(MadBuffer& mad, std::uint64_t tid);

// Ok when the status is 0; Errc::busy when the busy bit is set; Errc::mad_status otherwise.
// The message names `what` and describes the status.
Result<void> check_status(const MadHeader& header, std::string_view what);

namespace rmpp_type {
inline constexpr std::uint8_t data = 1;
inline constexpr std::uint8_t ack = 2;
inline constexpr std::uint8_t stop = 3;
inline constexpr std::uint8_t abort = 4;
}  // namespace rmpp_type
namespace rmpp_flag {
inline constexpr std::uint8_t active = 0x1;
inline constexpr std::uint8_t first = 0x2;
inline constexpr std::uint8_t last = 0x4;
}  // namespace rmpp_flag

// RMPP header, MAD bytes 24-35.
struct RmppHeader {
    static constexpr std::string_view kName = "RMPP header";
    static constexpr std::size_t kWireSize = layout::rmpp_header::size;

    std::uint8_t version = 0;
    std::uint8_t type = 0;
    std::uint8_t resp_time = 0;  // 5 bits
    std::uint8_t flags = 0;      // 3 bits: rmpp_flag::*
    std::uint8_t status = 0;
    std::uint32_t segment_number = 0;  // Data1
    std::uint32_t payload_length = 0;  // Data2 (NewWindowLast in an ACK)

    // What srp_daemon puts in its SA requests: version 1, type DATA, flags 0 (one MAD, RMPP
    // not active).
    static constexpr RmppHeader single_request() {
        RmppHeader h;
        h.version = 1;
        h.type = rmpp_type::data;
        return h;
    }
    // The header of a reassembled GetTable response as srpadm's simulated fabric writes it:
    // version 1, DATA, Active|First|Last, segment 1, PayloadLength = SA header bytes after the
    // RMPP header (20) plus the record bytes. Real SAs differ in these values and the
    // response decoder does not rely on them.
    static constexpr RmppHeader reassembled_response(std::uint32_t record_bytes) {
        RmppHeader h;
        h.version = 1;
        h.type = rmpp_type::data;
        h.flags = rmpp_flag::active | rmpp_flag::first | rmpp_flag::last;
        h.segment_number = 1;
        h.payload_length = static_cast<std::uint32_t>(layout::sa_header::size) + record_bytes;
        return h;
    }

    static Result<RmppHeader> decode(std::span<const std::uint8_t> bytes);
    std::array<std::uint8_t, kWireSize> encode() const;

    friend bool operator==(const RmppHeader&, const RmppHeader&) = default;
};

// SA header, MAD bytes 36-55. AttributeOffset counts 8-byte words: the record stride in a
// GetTable response.
struct SaHeader {
    static constexpr std::string_view kName = "SA header";
    static constexpr std::size_t kWireSize = layout::sa_header::size;

    std::uint64_t sm_key = 0;
    std::uint16_t attr_offset = 0;
    std::uint64_t comp_mask = 0;

    // The AttributeOffset for records of `record_size` bytes (rounded up to 8-byte words).
    static constexpr std::uint16_t attr_offset_for(std::size_t record_size) {
        return static_cast<std::uint16_t>((record_size + 7) / 8);
    }

    static Result<SaHeader> decode(std::span<const std::uint8_t> bytes);
    std::array<std::uint8_t, kWireSize> encode() const;

    friend bool operator==(const SaHeader&, const SaHeader&) = default;
};

}  // namespace srpadm::wire
