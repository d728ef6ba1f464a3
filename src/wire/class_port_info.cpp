#include <srpadm/wire/class_port_info.hpp>

#include "codec.hpp"

namespace srpadm::wire {

namespace {

namespace lc = layout::class_port_info;

constexpr auto kFields = [](auto& c, auto& io) {
    io(lc::base_version, c.base_version);
    io(lc::class_version, c.class_version);
    io(lc::capability_mask, c.capability_mask);
    io(lc::capability_mask2, c.capability_mask2);
    io(lc::resp_time_value, c.resp_time_value);
    io(lc::redirect_gid, c.redirect_gid);
    io(lc::redirect_tc, c.redirect_tc);
    io(lc::redirect_sl, c.redirect_sl);
    io(lc::redirect_flow_label, c.redirect_flow_label);
    io(lc::redirect_lid, c.redirect_lid);
    io(lc::redirect_pkey, c.redirect_pkey);
    io(lc::redirect_qp, c.redirect_qp);
    io(lc::redirect_qkey, c.redirect_qkey);
    io(lc::trap_gid, c.trap_gid);
    io(lc::trap_tc, c.trap_tc);
    io(lc::trap_sl, c.trap_sl);
    io(lc::trap_flow_label, c.trap_flow_label);
    io(lc::trap_lid, c.trap_lid);
    io(lc::trap_pkey, c.trap_pkey);
    io(lc::trap_hop_limit, c.trap_hop_limit);
    io(lc::trap_qp, c.trap_qp);
    io(lc::trap_qkey, c.trap_qkey);
};

}  // namespace

Result<ClassPortInfo> ClassPortInfo::decode(std::span<const std::uint8_t> bytes) {
    return detail::decode_fields<ClassPortInfo>(bytes, kFields);
}

std::array<std::uint8_t, ClassPortInfo::kWireSize> ClassPortInfo::encode() const {
    return detail::encode_fields(*this, kFields);
}

}  // namespace srpadm::wire
