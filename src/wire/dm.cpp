#include <fmt/format.h>

#include <srpadm/wire/dm.hpp>

#include "codec.hpp"

namespace srpadm::wire {

namespace {

namespace lu = layout::io_unit_info;
namespace lpf = layout::ioc_profile;
namespace lse = layout::service_entry;

constexpr auto kIoUnitInfoFields = [](auto& u, auto& io) {
    io(lu::change_id, u.change_id);
    io(lu::max_controllers, u.max_controllers);
    io(lu::diag_rom, u.diag_rom);
    io(lu::controller_list, u.controller_list);
};

constexpr auto kIocProfileFields = [](auto& p, auto& io) {
    io(lpf::guid, p.guid);
    io(lpf::vendor_id, p.vendor_id);
    io(lpf::device_id, p.device_id);
    io(lpf::device_version, p.device_version);
    io(lpf::subsystem_vendor_id, p.subsystem_vendor_id);
    io(lpf::subsystem_id, p.subsystem_id);
    io(lpf::io_class, p.io_class);
    io(lpf::io_subclass, p.io_subclass);
    io(lpf::protocol, p.protocol);
    io(lpf::protocol_version, p.protocol_version);
    io(lpf::service_conn, p.service_conn);
    io(lpf::initiators_supported, p.initiators_supported);
    io(lpf::send_queue_depth, p.send_queue_depth);
    io(lpf::rdma_read_depth, p.rdma_read_depth);
    io(lpf::send_size, p.send_size);
    io(lpf::rdma_size, p.rdma_size);
    io(lpf::controller_op_cap, p.controller_op_cap);
    io(lpf::service_cap, p.service_cap);
    io(lpf::service_entries, p.service_entries);
    io(lpf::id_string, p.id_string);
};

constexpr auto kServiceEntryFields = [](auto& e, auto& io) {
    io(lse::name, e.name);
    io(lse::id, e.id);
};

// The slot's field relative to the controller list (slot codes are addressed in the list,
// which starts at IOUnitInfo byte 4).
Field slot_in_list(std::size_t slot_number) {
    const Field f = lu::slot(slot_number);
    return Field{f.name, f.byte - lu::controller_list.byte, f.bit, f.width};
}

bool slot_in_range(std::size_t slot_number) {
    return slot_number >= 1 && slot_number <= IoUnitInfo::kMaxSlots;
}

}  // namespace

std::optional<std::uint8_t> IoUnitInfo::slot(std::size_t slot_number) const {
    if (!slot_in_range(slot_number)) {
        return std::nullopt;
    }
    ByteReader reader(controller_list);
    return static_cast<std::uint8_t>(reader.number(slot_in_list(slot_number)));
}

bool IoUnitInfo::set_slot(std::size_t slot_number, std::uint8_t code) {
    if (!slot_in_range(slot_number)) {
        return false;
    }
    ByteWriter writer(controller_list);
    writer.number(slot_in_list(slot_number), code);
    return true;
}

std::vector<std::uint16_t> IoUnitInfo::present_slots() const {
    std::vector<std::uint16_t> slots;
    for (std::size_t s = 1; s <= max_controllers; ++s) {
        if (slot(s) == ioc_slot::present) {
            slots.push_back(static_cast<std::uint16_t>(s));
        }
    }
    return slots;
}

Result<IoUnitInfo> IoUnitInfo::decode(std::span<const std::uint8_t> bytes) {
    return detail::decode_fields<IoUnitInfo>(bytes, kIoUnitInfoFields);
}
std::array<std::uint8_t, IoUnitInfo::kWireSize> IoUnitInfo::encode() const {
    return detail::encode_fields(*this, kIoUnitInfoFields);
}

Result<IoControllerProfile> IoControllerProfile::decode(std::span<const std::uint8_t> bytes) {
    return detail::decode_fields<IoControllerProfile>(bytes, kIocProfileFields);
}
std::array<std::uint8_t, IoControllerProfile::kWireSize> IoControllerProfile::encode() const {
    return detail::encode_fields(*this, kIocProfileFields);
}

bool ServiceEntry::is_srp_target() const {
    constexpr std::size_t kEnd = srp_ioc::service_name_prefix.size() + srp_ioc::id_ext_length;
    static_assert(kEnd <= decltype(name)::kSize);
    if (!name.starts_with(srp_ioc::service_name_prefix)) {
        return false;
    }
    for (std::size_t i = srp_ioc::service_name_prefix.size(); i < kEnd; ++i) {
        if (name.raw[i] == 0) {
            return false;
        }
    }
    return true;
}

std::string_view ServiceEntry::srp_id_ext() const {
    if (!is_srp_target()) {
        return {};
    }
    return std::string_view(reinterpret_cast<const char*>(name.raw.data()), name.raw.size())
        .substr(srp_ioc::service_name_prefix.size(), srp_ioc::id_ext_length);
}

Result<ServiceEntry> ServiceEntry::decode(std::span<const std::uint8_t> bytes) {
    return detail::decode_fields<ServiceEntry>(bytes, kServiceEntryFields);
}
std::array<std::uint8_t, ServiceEntry::kWireSize> ServiceEntry::encode() const {
    return detail::encode_fields(*this, kServiceEntryFields);
}

Result<ServiceEntriesModifier> ServiceEntriesModifier::make(std::uint16_t slot, std::uint8_t first,
                                                            std::uint8_t last) {
    if (first > last) {
        return fail(Errc::malformed,
                    fmt::format("ServiceEntries modifier: first entry {} after last entry {}",
                                first, last));
    }
    if (last - first >= static_cast<int>(ServiceEntries::kMaxEntries)) {
        return fail(Errc::malformed,
                    fmt::format("ServiceEntries modifier: entries {}..{} are more than {}", first,
                                last, ServiceEntries::kMaxEntries));
    }
    return ServiceEntriesModifier{slot, first, last};
}

Result<ServiceEntriesModifier> ServiceEntriesModifier::decode(std::uint32_t attr_mod) {
    return make(static_cast<std::uint16_t>(attr_mod >> 16),
                static_cast<std::uint8_t>(attr_mod & 0xff),
                static_cast<std::uint8_t>((attr_mod >> 8) & 0xff));
}

Result<ServiceEntries> ServiceEntries::decode(std::span<const std::uint8_t> bytes,
                                              const ServiceEntriesModifier& modifier) {
    const std::size_t count = std::min(modifier.count(), kMaxEntries);
    const std::size_t need = count * ServiceEntry::kWireSize;
    if (bytes.size() < need) {
        return fail(Errc::malformed, fmt::format("{}: {} bytes, need {} for {} entries", kName,
                                                 bytes.size(), need, count));
    }
    ServiceEntries out;
    out.count = static_cast<std::uint8_t>(count);
    for (std::size_t i = 0; i < count; ++i) {
        auto entry = ServiceEntry::decode(bytes.subspan(i * ServiceEntry::kWireSize));
        if (!entry) {
            return Unexpected(entry.error());
        }
        out.entries[i] = *entry;
    }
    return out;
}

std::array<std::uint8_t, ServiceEntries::kWireSize> ServiceEntries::encode() const {
    std::array<std::uint8_t, kWireSize> out{};
    auto at = out.begin();
    for (const ServiceEntry& e : valid()) {
        const auto bytes = e.encode();
        at = std::copy(bytes.begin(), bytes.end(), at);
    }
    return out;
}

}  // namespace srpadm::wire
