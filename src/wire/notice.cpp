#include <algorithm>

#include <srpadm/wire/notice.hpp>

#include "codec.hpp"

namespace srpadm::wire {

namespace {

namespace lno = layout::notice;

constexpr auto kNoticeFields = [](auto& n, auto& io) {
    io(lno::is_generic, n.is_generic);
    io(lno::type, n.type);
    io(lno::producer_type, n.producer_type);
    io(lno::trap_number, n.trap_number);
    io(lno::issuer_lid, n.issuer_lid);
    io(lno::notice_toggle, n.notice_toggle);
    io(lno::notice_count, n.notice_count);
    io(lno::data_details, n.data_details);
    io(lno::issuer_gid, n.issuer_gid);
};

// Trap details, at Notice offsets.
constexpr auto kGidTrapFields = [](auto& d, auto& io) { io(lno::trap_64_65::gid, d.gid); };

constexpr auto kTrap144Fields = [](auto& d, auto& io) {
    io(lno::trap_144::lid, d.lid);
    io(lno::trap_144::other_local_changes, d.other_local_changes);
    io(lno::trap_144::capability_mask, d.capability_mask);
    io(lno::trap_144::change_flags, d.change_flags);
    io(lno::trap_144::capability_mask2, d.capability_mask2);
};

constexpr auto kTrap145Fields = [](auto& d, auto& io) {
    io(lno::trap_145::lid, d.lid);
    io(lno::trap_145::system_image_guid, d.system_image_guid);
};

template <class Details, class Visit>
Details read_details(std::span<const std::uint8_t> notice_bytes, const Visit& visit) {
    Details d{};
    detail::FieldReader reader(notice_bytes);
    visit(d, reader);
    return d;
}

struct Issuer {
    std::uint16_t trap_number = 0;
    std::uint8_t type = 0;
    std::uint32_t producer_type = 0;
};

// Writes the details into a Notice image and returns who issues such a trap.
struct DetailsWriter {
    std::span<std::uint8_t> image;

    Issuer operator()(const OtherNotice& /*unused*/) const { return {}; }
    Issuer operator()(const GidInService& d) const {
        write(d, kGidTrapFields);
        return {trap::gid_in_service, notice_type::subnet_mgmt, producer_type::class_manager};
    }
    Issuer operator()(const GidOutOfService& d) const {
        write(d, kGidTrapFields);
        return {trap::gid_out_of_service, notice_type::subnet_mgmt, producer_type::class_manager};
    }
    Issuer operator()(const LocalChanges& d) const {
        write(d, kTrap144Fields);
        return {trap::local_changes, notice_type::info, producer_type::channel_adapter};
    }
    Issuer operator()(const SystemImageGuidChanged& d) const {
        write(d, kTrap145Fields);
        return {trap::system_image_guid_changed, notice_type::info, producer_type::channel_adapter};
    }

    template <class Details, class Visit>
    void write(const Details& d, const Visit& visit) const {
        detail::FieldWriter writer(image);
        visit(d, writer);
    }
};

}  // namespace

NoticeDetails Notice::details() const {
    if (!is_generic) {
        return OtherNotice{};
    }
    const auto bytes = encode();
    switch (trap_number) {
        case trap::gid_in_service:
            return read_details<GidInService>(bytes, kGidTrapFields);
        case trap::gid_out_of_service:
            return read_details<GidOutOfService>(bytes, kGidTrapFields);
        case trap::local_changes:
            return read_details<LocalChanges>(bytes, kTrap144Fields);
        case trap::system_image_guid_changed:
            return read_details<SystemImageGuidChanged>(bytes, kTrap145Fields);
        default:
            return OtherNotice{};
    }
}

Notice Notice::generic(const NoticeDetails& details, Lid issuer_lid, const Gid& issuer_gid) {
    std::array<std::uint8_t, kWireSize> image{};
    const Issuer issuer = std::visit(DetailsWriter{image}, details);
    Notice n;
    n.is_generic = true;
    n.type = issuer.type;
    n.producer_type = issuer.producer_type;
    n.trap_number = issuer.trap_number;
    n.issuer_lid = issuer_lid;
    n.issuer_gid = issuer_gid;
    const auto from = image.begin() + static_cast<std::ptrdiff_t>(lno::data_details.byte);
    std::copy_n(from, n.data_details.size(), n.data_details.begin());
    return n;
}

Result<Notice> Notice::decode(std::span<const std::uint8_t> bytes) {
    return detail::decode_fields<Notice>(bytes, kNoticeFields);
}
std::array<std::uint8_t, Notice::kWireSize> Notice::encode() const {
    return detail::encode_fields(*this, kNoticeFields);
}

}  // namespace srpadm::wire
