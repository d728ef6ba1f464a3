// DM agents of simulated SRP targets, and the kernel's answer for an unregistered class.
//
// Both flavours register, as ib_srpt does, only for Get and Set of class 0x06 version 1: the
// kernel's MAD layer answers any other method of the class itself (generate_unmatched_resp
// answers only Get and Set, so another method gets no answer at all).
//
// `lio` copies what ib_srpt (srpt_mad_recv_handler, srpt_mgmt_method_get) does: the answer
// starts as a copy of the request with method GetResp and status 0; each attribute then
// writes its fields over the copied data.
#include <algorithm>

#include <srpadm/sim/agents.hpp>
#include <srpadm/wire/class_port_info.hpp>
#include <srpadm/wire/dm.hpp>
#include <srpadm/wire/message.hpp>

namespace srpadm::sim {
namespace {

constexpr unsigned kLioSlots = 16;
constexpr std::uint8_t kLioRespTimeValue = 20;
constexpr std::uint8_t kGenericRespTimeValue = 20;
constexpr std::uint8_t kBinaryString[] = {0x1b, '[', '2', 'J', 0xff, 0x01, 0x7f,
                                          0x80, 'S', 'R', 'P', 0x00, 0x9b, 0xfe};

template <std::size_t N>
wire::WireString<N> wire_text(std::string_view text, const DmAnswerFaults& faults) {
    auto s = wire::WireString<N>::from_text(text);
    if (faults.binary_strings) {
        for (std::size_t i = 0; i < N; ++i) {
            s.raw[i] = kBinaryString[i % sizeof(kBinaryString)];
        }
        s.raw[N - 1] = 0xff;
    } else if (faults.unterminated_strings) {
        for (std::size_t i = s.length(); i < N; ++i) {
            s.raw[i] = 'X';
        }
    }
    return s;
}

// The answer: the request's header turned into a GetResp with `status`, and `data` at 64
// (`base` supplies the bytes `data` does not cover: the request for lio, zeros otherwise).
Bytes reply(const wire::DmMad& request, std::span<const std::uint8_t> request_bytes,
            std::uint16_t status, std::span<const std::uint8_t> data, bool copy_request) {
    Bytes out(wire::kMadSize, 0);
    if (copy_request) {
        std::copy_n(request_bytes.begin(), std::min(request_bytes.size(), out.size()), out.begin());
    }
    const auto header = request.header.reply(wire::method::get_resp, status).encode();
    std::copy(header.begin(), header.end(), out.begin());
    std::copy(data.begin(), data.end(),
              out.begin() + static_cast<std::ptrdiff_t>(wire::kDmDataOffset));
    return out;
}

wire::IoControllerProfile profile(const Ioc& ioc, bool lio, const DmAnswerFaults& faults) {
    wire::IoControllerProfile p;
    p.guid = ioc.guid;
    // IBA puts a 24-bit VendorID in the word's upper bytes; ib_srpt writes it unshifted.
    p.vendor_id = lio ? ioc.vendor_id : (ioc.vendor_id & 0xffffff) << 8;
    p.device_id = ioc.device_id;
    p.device_version = ioc.device_version;
    p.subsystem_vendor_id =
        lio ? ioc.subsystem_vendor_id : (ioc.subsystem_vendor_id & 0xffffff) << 8;
    p.subsystem_id = ioc.subsystem_id;
    p.io_class = ioc.io_class;
    p.io_subclass = ioc.io_subclass;
    p.protocol = ioc.protocol;
    p.protocol_version = ioc.protocol_version;
    p.send_queue_depth = ioc.send_queue_depth;
    p.rdma_read_depth = ioc.rdma_read_depth;
    p.send_size = ioc.send_size;
    p.rdma_size = ioc.rdma_size;
    p.controller_op_cap = ioc.op_cap_mask;
    p.service_entries = faults.service_entries.value_or(
        static_cast<std::uint8_t>(std::min<std::size_t>(ioc.services.size(), 255)));
    p.id_string = wire_text<64>(ioc.id_string, faults);
    return p;
}

wire::ServiceEntry service_entry(const ServiceEntry& s, const DmAnswerFaults& faults) {
    wire::ServiceEntry e;
    e.name = wire_text<40>(s.name, faults);
    e.id = s.id;
    return e;
}

std::optional<Bytes> lio_get(const DmAgent& agent, const wire::DmMad& req,
                             std::span<const std::uint8_t> bytes, const DmAnswerFaults& faults) {
    const Ioc& ioc = agent.iocs.front();
    const std::uint32_t mod = req.header.attr_mod;
    switch (req.header.attr_id) {
        case wire::attr::class_port_info: {
            wire::ClassPortInfo cpi;  // srpt zeroes it, then sets these three
            cpi.base_version = 1;
            cpi.class_version = 1;
            cpi.resp_time_value = kLioRespTimeValue;
            return reply(req, bytes, 0, cpi.encode(), true);
        }
        case wire::dm_attr::io_unit_info: {
            // Fields written over the copied request data: ChangeID, MaxControllers and the
            // nibbles of slots 1..16.
            auto iou = wire::IoUnitInfo::decode(req.data).value_or(wire::IoUnitInfo{});
            iou.change_id = 1;
            iou.max_controllers = faults.max_controllers.value_or(kLioSlots);
            iou.set_slot(1, wire::ioc_slot::present);
            for (unsigned slot = 2; slot <= kLioSlots; ++slot) {
                iou.set_slot(slot, wire::ioc_slot::not_installed);
            }
            return reply(req, bytes, 0, iou.encode(), true);
        }
        case wire::dm_attr::io_controller_profile: {
            if (mod == 0 || mod > kLioSlots) {
                return reply(req, bytes, wire::dm_status::invalid_field, {}, true);
            }
            if (mod > 2) {
                return reply(req, bytes, wire::dm_status::no_ioc, {}, true);
            }
            return reply(req, bytes, 0, profile(ioc, true, faults).encode(), true);
        }
        case wire::dm_attr::service_entries: {
            const unsigned slot = mod >> 16;
            const unsigned hi = (mod >> 8) & 0xff;
            const unsigned lo = mod & 0xff;
            if (slot == 0 || slot > kLioSlots) {
                return reply(req, bytes, wire::dm_status::invalid_field, {}, true);
            }
            if (slot > 2 || lo > hi || hi > 1) {
                return reply(req, bytes, wire::dm_status::no_ioc, {}, true);
            }
            // srpt writes its one entry first, whatever range was asked for.
            wire::ServiceEntries entries;
            entries.entries[0] = service_entry(ioc.services.front(), faults);
            entries.count = 1;
            return reply(req, bytes, 0, entries.encode(), true);
        }
        default:
            return reply(req, bytes, wire::dm_status::unsup_method_attr, {}, true);
    }
}

std::optional<Bytes> generic_get(const DmAgent& agent, const wire::DmMad& req,
                                 std::span<const std::uint8_t> bytes,
                                 const DmAnswerFaults& faults) {
    const std::uint32_t mod = req.header.attr_mod;
    const auto status_only = [&](std::uint16_t status) {
        return reply(req, bytes, status, {}, false);
    };
    switch (req.header.attr_id) {
        case wire::attr::class_port_info: {
            wire::ClassPortInfo cpi;
            cpi.base_version = 1;
            cpi.class_version = 1;
            cpi.resp_time_value = kGenericRespTimeValue;
            return reply(req, bytes, 0, cpi.encode(), false);
        }
        case wire::dm_attr::io_unit_info: {
            wire::IoUnitInfo iou;
            iou.change_id = agent.change_id;
            iou.max_controllers = faults.max_controllers.value_or(agent.max_controllers);
            for (const Ioc& ioc : agent.iocs) {
                iou.set_slot(ioc.slot, wire::ioc_slot::present);
            }
            return reply(req, bytes, 0, iou.encode(), false);
        }
        case wire::dm_attr::io_controller_profile: {
            if (mod == 0 || mod > agent.max_controllers) {
                return status_only(wire::dm_status::invalid_field);
            }
            const Ioc* ioc = agent.ioc_in_slot(mod);
            if (ioc == nullptr) {
                return status_only(wire::dm_status::no_ioc);
            }
            return reply(req, bytes, 0, profile(*ioc, false, faults).encode(), false);
        }
        case wire::dm_attr::service_entries: {
            const unsigned slot = mod >> 16;
            if (slot == 0 || slot > agent.max_controllers) {
                return status_only(wire::dm_status::invalid_field);
            }
            const Ioc* ioc = agent.ioc_in_slot(slot);
            if (ioc == nullptr) {
                return status_only(wire::dm_status::no_ioc);
            }
            const auto range = wire::ServiceEntriesModifier::decode(mod);
            if (!range || range->last >= ioc->services.size()) {
                return status_only(wire::dm_status::invalid_field);
            }
            wire::ServiceEntries entries;
            for (unsigned i = range->first; i <= range->last; ++i) {
                entries.entries[i - range->first] = service_entry(ioc->services[i], faults);
            }
            entries.count = static_cast<std::uint8_t>(range->count());
            return reply(req, bytes, 0, entries.encode(), false);
        }
        default:
            return status_only(wire::dm_status::unsup_method_attr);
    }
}

}  // namespace

std::optional<Bytes> dm_answer(const DmAgent& agent, std::span<const std::uint8_t> request,
                               const DmAnswerFaults& faults) {
    auto req = wire::decode_dm_mad(request);
    if (!req || req->header.response || req->header.class_version != wire::class_version::dm) {
        // Not for this agent (a response, or another class version): the kernel's default.
        return unregistered_class_answer(request);
    }
    const std::uint8_t method = req->header.method_byte();
    if (method != wire::method::get && method != wire::method::set) {
        return unregistered_class_answer(request);
    }
    const bool lio = agent.flavour == DmFlavour::lio;
    if (lio && agent.iocs.empty()) {
        return std::nullopt;
    }
    if (method == wire::method::set) {
        // srp_daemon's Set(ClassPortInfo) to Topspin targets (TrapLID/TrapGID): a generic
        // agent takes it and answers with what it was given; ib_srpt refuses every Set.
        if (!lio && req->header.attr_id == wire::attr::class_port_info) {
            const auto n = std::min(req->data.size(), wire::ClassPortInfo::kWireSize);
            return reply(*req, request, 0, req->data.first(n), false);
        }
        return reply(*req, request, wire::dm_status::unsup_method_attr, {}, lio);
    }
    return lio ? lio_get(agent, *req, request, faults) : generic_get(agent, *req, request, faults);
}

std::optional<Bytes> unregistered_class_answer(std::span<const std::uint8_t> request) {
    auto header = wire::MadHeader::decode(request);
    if (!header || header->response) {
        return std::nullopt;
    }
    const std::uint8_t method = header->method_byte();
    if (method != wire::method::get && method != wire::method::set) {
        return std::nullopt;
    }
    Bytes out(request.begin(), request.begin() + static_cast<std::ptrdiff_t>(
                                                     std::min(request.size(), wire::kMadSize)));
    const auto bytes =
        header->reply(wire::method::get_resp, wire::status::method_attr_unsupported).encode();
    std::copy(bytes.begin(), bytes.end(), out.begin());
    return out;
}

}  // namespace srpadm::sim
