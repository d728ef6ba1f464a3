// Field tables of every MAD structure srpadm reads or writes.
//
// Offsets are relative to the start of the structure; the *_offset constants in mad.hpp say
// where a structure sits in a MAD (SA data at 56, DM data at 64). Each table is checked at
// compile time: every field well formed, inside the structure, no two fields overlapping
// (reserved bits are simply not listed). Key offsets are asserted against the byte positions
// in IBA 1.3 chapters 13-16, libibmad's fields.c, OpenSM's ib_types.h and the kernel's
// ib_mad.h / ib_sa.h / ib_dm_mad.h (see the notes at each table).
#pragma once

#include <array>
#include <cstddef>

#include <srpadm/wire/bytes.hpp>

namespace srpadm::wire::layout {

// Common MAD header (24 bytes, MAD bytes 0-23).
namespace mad_header {
inline constexpr std::size_t size = 24;
inline constexpr Field base_version{"BaseVersion", 0, 0, 8};
inline constexpr Field mgmt_class{"MgmtClass", 1, 0, 8};
inline constexpr Field class_version{"ClassVersion", 2, 0, 8};
inline constexpr Field response{"R", 3, 0, 1};
inline constexpr Field method{"Method", 3, 1, 7};
inline constexpr Field status{"Status", 4, 0, 16};
inline constexpr Field class_specific{"ClassSpecific", 6, 0, 16};
inline constexpr Field tid{"TransactionID", 8, 0, 64};
inline constexpr Field attr_id{"AttributeID", 16, 0, 16};
inline constexpr Field attr_mod{"AttributeModifier", 20, 0, 32};
inline constexpr std::array all{base_version, mgmt_class,     class_version, response, method,
                                status,       class_specific, tid,           attr_id,  attr_mod};
static_assert(layout_is_valid(all, size));
static_assert(attr_id.byte == 16 && attr_mod.byte == 20 && tid.byte == 8);
}  // namespace mad_header

// RMPP header (12 bytes, MAD bytes 24-35).
namespace rmpp_header {
inline constexpr std::size_t size = 12;
inline constexpr Field version{"RMPPVersion", 0, 0, 8};
inline constexpr Field type{"RMPPType", 1, 0, 8};
inline constexpr Field resp_time{"RRespTime", 2, 0, 5};
inline constexpr Field flags{"RMPPFlags", 2, 5, 3};
inline constexpr Field status{"RMPPStatus", 3, 0, 8};
inline constexpr Field data1{"SegmentNumber", 4, 0, 32};
inline constexpr Field data2{"PayloadLength/NewWindowLast", 8, 0, 32};
inline constexpr std::array all{version, type, resp_time, flags, status, data1, data2};
static_assert(layout_is_valid(all, size));
}  // namespace rmpp_header

// SA header after the RMPP header (20 bytes, MAD bytes 36-55).
namespace sa_header {
inline constexpr std::size_t size = 20;
inline constexpr Field sm_key{"SM_Key", 0, 0, 64};
inline constexpr Field attr_offset{"AttributeOffset", 8, 0, 16};
inline constexpr Field comp_mask{"ComponentMask", 12, 0, 64};
inline constexpr std::array all{sm_key, attr_offset, comp_mask};
static_assert(layout_is_valid(all, size));
}  // namespace sa_header

// ClassPortInfo (attribute 0x0001, 72 bytes); the same layout for SA and DM.
namespace class_port_info {
inline constexpr std::size_t size = 72;
inline constexpr Field base_version{"BaseVersion", 0, 0, 8};
inline constexpr Field class_version{"ClassVersion", 1, 0, 8};
inline constexpr Field capability_mask{"CapabilityMask", 2, 0, 16};
inline constexpr Field capability_mask2{"CapabilityMask2", 4, 0, 27};
inline constexpr Field resp_time_value{"RespTimeValue", 7, 3, 5};
inline constexpr Field redirect_gid{"RedirectGID", 8, 0, 128};
inline constexpr Field redirect_tc{"RedirectTC", 24, 0, 8};
inline constexpr Field redirect_sl{"RedirectSL", 25, 0, 4};
inline constexpr Field redirect_flow_label{"RedirectFL", 25, 4, 20};
inline constexpr Field redirect_lid{"RedirectLID", 28, 0, 16};
inline constexpr Field redirect_pkey{"RedirectP_Key", 30, 0, 16};
inline constexpr Field redirect_qp{"RedirectQP", 33, 0, 24};
inline constexpr Field redirect_qkey{"RedirectQ_Key", 36, 0, 32};
inline constexpr Field trap_gid{"TrapGID", 40, 0, 128};
inline constexpr Field trap_tc{"TrapTC", 56, 0, 8};
inline constexpr Field trap_sl{"TrapSL", 57, 0, 4};
inline constexpr Field trap_flow_label{"TrapFL", 57, 4, 20};
inline constexpr Field trap_lid{"TrapLID", 60, 0, 16};
inline constexpr Field trap_pkey{"TrapP_Key", 62, 0, 16};
inline constexpr Field trap_hop_limit{"TrapHL", 64, 0, 8};
inline constexpr Field trap_qp{"TrapQP", 65, 0, 24};
inline constexpr Field trap_qkey{"TrapQ_Key", 68, 0, 32};
inline constexpr std::array all{base_version,     class_version,   capability_mask,
                                capability_mask2, resp_time_value, redirect_gid,
                                redirect_tc,      redirect_sl,     redirect_flow_label,
                                redirect_lid,     redirect_pkey,   redirect_qp,
                                redirect_qkey,    trap_gid,        trap_tc,
                                trap_sl,          trap_flow_label, trap_lid,
                                trap_pkey,        trap_hop_limit,  trap_qp,
                                trap_qkey};
static_assert(layout_is_valid(all, size));
static_assert(resp_time_value.end_bit() == 64 && capability_mask2.end_bit() == 59);
static_assert(trap_lid.byte == 60 && trap_gid.byte == 40 && trap_qkey.end_byte() == size);
}  // namespace class_port_info

// NodeRecord (SA attribute 0x0011, 108 bytes): LID, NodeInfo (40 bytes), NodeDescription.
namespace node_record {
inline constexpr std::size_t size = 108;
inline constexpr Field lid{"LID", 0, 0, 16};
inline constexpr Field base_version{"BaseVersion", 4, 0, 8};
inline constexpr Field class_version{"ClassVersion", 5, 0, 8};
inline constexpr Field node_type{"NodeType", 6, 0, 8};
inline constexpr Field num_ports{"NumPorts", 7, 0, 8};
inline constexpr Field system_image_guid{"SystemImageGUID", 8, 0, 64};
inline constexpr Field node_guid{"NodeGUID", 16, 0, 64};
inline constexpr Field port_guid{"PortGUID", 24, 0, 64};
inline constexpr Field partition_cap{"PartitionCap", 32, 0, 16};
inline constexpr Field device_id{"DeviceID", 34, 0, 16};
inline constexpr Field revision{"Revision", 36, 0, 32};
inline constexpr Field local_port_num{"LocalPortNum", 40, 0, 8};
inline constexpr Field vendor_id{"VendorID", 41, 0, 24};
inline constexpr Field node_description{"NodeDescription", 44, 0, 512};
inline constexpr std::array all{lid,           base_version,      class_version, node_type,
                                num_ports,     system_image_guid, node_guid,     port_guid,
                                partition_cap, device_id,         revision,      local_port_num,
                                vendor_id,     node_description};
static_assert(layout_is_valid(all, size));
static_assert(port_guid.byte == 24 && node_description.byte == 44 &&
              node_description.end_byte() == size);
}  // namespace node_record

// PortInfo (64 bytes), as carried inside PortInfoRecord. The table lists every field
// libibmad and OpenSM know (IBA 1.3 adds CapabilityMask2 and the extended speeds at 60-63).
namespace port_info {
inline constexpr std::size_t size = 64;
inline constexpr Field m_key{"M_Key", 0, 0, 64};
inline constexpr Field gid_prefix{"GIDPrefix", 8, 0, 64};
inline constexpr Field lid{"LID", 16, 0, 16};
inline constexpr Field master_sm_lid{"MasterSMLID", 18, 0, 16};
inline constexpr Field capability_mask{"CapabilityMask", 20, 0, 32};
inline constexpr Field diag_code{"DiagCode", 24, 0, 16};
inline constexpr Field m_key_lease_period{"M_KeyLeasePeriod", 26, 0, 16};
inline constexpr Field local_port_num{"LocalPortNum", 28, 0, 8};
inline constexpr Field link_width_enabled{"LinkWidthEnabled", 29, 0, 8};
inline constexpr Field link_width_supported{"LinkWidthSupported", 30, 0, 8};
inline constexpr Field link_width_active{"LinkWidthActive", 31, 0, 8};
inline constexpr Field link_speed_supported{"LinkSpeedSupported", 32, 0, 4};
inline constexpr Field port_state{"PortState", 32, 4, 4};
inline constexpr Field port_phys_state{"PortPhysicalState", 33, 0, 4};
inline constexpr Field link_down_default_state{"LinkDownDefaultState", 33, 4, 4};
inline constexpr Field m_key_protect_bits{"M_KeyProtectBits", 34, 0, 2};
inline constexpr Field lmc{"LMC", 34, 5, 3};
inline constexpr Field link_speed_active{"LinkSpeedActive", 35, 0, 4};
inline constexpr Field link_speed_enabled{"LinkSpeedEnabled", 35, 4, 4};
inline constexpr Field neighbor_mtu{"NeighborMTU", 36, 0, 4};
inline constexpr Field master_sm_sl{"MasterSMSL", 36, 4, 4};
inline constexpr Field vl_cap{"VLCap", 37, 0, 4};
inline constexpr Field init_type{"InitType", 37, 4, 4};
inline constexpr Field vl_high_limit{"VLHighLimit", 38, 0, 8};
inline constexpr Field vl_arbitration_high_cap{"VLArbitrationHighCap", 39, 0, 8};
inline constexpr Field vl_arbitration_low_cap{"VLArbitrationLowCap", 40, 0, 8};
inline constexpr Field init_type_reply{"InitTypeReply", 41, 0, 4};
inline constexpr Field mtu_cap{"MTUCap", 41, 4, 4};
inline constexpr Field vl_stall_count{"VLStallCount", 42, 0, 3};
inline constexpr Field hoq_life{"HOQLife", 42, 3, 5};
inline constexpr Field operational_vls{"OperationalVLs", 43, 0, 4};
inline constexpr Field partition_enforcement_inbound{"PartitionEnforcementInbound", 43, 4, 1};
inline constexpr Field partition_enforcement_outbound{"PartitionEnforcementOutbound", 43, 5, 1};
inline constexpr Field filter_raw_inbound{"FilterRawInbound", 43, 6, 1};
inline constexpr Field filter_raw_outbound{"FilterRawOutbound", 43, 7, 1};
inline constexpr Field m_key_violations{"M_KeyViolations", 44, 0, 16};
inline constexpr Field p_key_violations{"P_KeyViolations", 46, 0, 16};
inline constexpr Field q_key_violations{"Q_KeyViolations", 48, 0, 16};
inline constexpr Field guid_cap{"GUIDCap", 50, 0, 8};
inline constexpr Field client_reregister{"ClientReregister", 51, 0, 1};
inline constexpr Field multicast_pkey_trap_suppression{"MulticastPKeyTrapSuppressionEnabled", 51, 1,
                                                       2};
inline constexpr Field subnet_timeout{"SubnetTimeOut", 51, 3, 5};
inline constexpr Field resp_time_value{"RespTimeValue", 52, 3, 5};
inline constexpr Field local_phy_errors{"LocalPhyErrors", 53, 0, 4};
inline constexpr Field overrun_errors{"OverrunErrors", 53, 4, 4};
inline constexpr Field max_credit_hint{"MaxCreditHint", 54, 0, 16};
inline constexpr Field link_round_trip_latency{"LinkRoundTripLatency", 57, 0, 24};
inline constexpr Field capability_mask2{"CapabilityMask2", 60, 0, 16};
inline constexpr Field link_speed_ext_active{"LinkSpeedExtActive", 62, 0, 4};
inline constexpr Field link_speed_ext_supported{"LinkSpeedExtSupported", 62, 4, 4};
inline constexpr Field link_speed_ext_enabled{"LinkSpeedExtEnabled", 63, 3, 5};
inline constexpr std::array all{m_key,
                                gid_prefix,
                                lid,
                                master_sm_lid,
                                capability_mask,
                                diag_code,
                                m_key_lease_period,
                                local_port_num,
                                link_width_enabled,
                                link_width_supported,
                                link_width_active,
                                link_speed_supported,
                                port_state,
                                port_phys_state,
                                link_down_default_state,
                                m_key_protect_bits,
                                lmc,
                                link_speed_active,
                                link_speed_enabled,
                                neighbor_mtu,
                                master_sm_sl,
                                vl_cap,
                                init_type,
                                vl_high_limit,
                                vl_arbitration_high_cap,
                                vl_arbitration_low_cap,
                                init_type_reply,
                                mtu_cap,
                                vl_stall_count,
                                hoq_life,
                                operational_vls,
                                partition_enforcement_inbound,
                                partition_enforcement_outbound,
                                filter_raw_inbound,
                                filter_raw_outbound,
                                m_key_violations,
                                p_key_violations,
                                q_key_violations,
                                guid_cap,
                                client_reregister,
                                multicast_pkey_trap_suppression,
                                subnet_timeout,
                                resp_time_value,
                                local_phy_errors,
                                overrun_errors,
                                max_credit_hint,
                                link_round_trip_latency,
                                capability_mask2,
                                link_speed_ext_active,
                                link_speed_ext_supported,
                                link_speed_ext_enabled};
static_assert(layout_is_valid(all, size));
static_assert(capability_mask.byte == 20 && local_port_num.byte == 28 && lmc.end_byte() == 35);
}  // namespace port_info

// PortInfoRecord (SA attribute 0x0012): EndportLID, PortNum, Options, then PortInfo. 68
// defined bytes; OpenSM pads the record to 72 (AttributeOffset 9).
namespace port_info_record {
inline constexpr std::size_t port_info_offset = 4;
inline constexpr std::size_t size = port_info_offset + port_info::size;
inline constexpr Field endport_lid{"EndportLID", 0, 0, 16};
inline constexpr Field port_num{"PortNum", 2, 0, 8};
inline constexpr Field options{"Options", 3, 0, 8};
inline constexpr Field port_info{"PortInfo", port_info_offset, 0, port_info::size * 8};
inline constexpr std::array all{endport_lid, port_num, options, port_info};
static_assert(layout_is_valid(all, size));
// srp_daemon's mask-match query sets the CapabilityMask at record offset 24.
static_assert(port_info::capability_mask.at(port_info_offset).byte == 24);
static_assert(port_info::local_port_num.at(port_info_offset).byte == 32);
}  // namespace port_info_record

// PathRecord (SA attribute 0x0035, 64 bytes).
namespace path_record {
inline constexpr std::size_t size = 64;
inline constexpr Field service_id{"ServiceID", 0, 0, 64};
inline constexpr Field dgid{"DGID", 8, 0, 128};
inline constexpr Field sgid{"SGID", 24, 0, 128};
inline constexpr Field dlid{"DLID", 40, 0, 16};
inline constexpr Field slid{"SLID", 42, 0, 16};
inline constexpr Field raw_traffic{"RawTraffic", 44, 0, 1};
inline constexpr Field flow_label{"FlowLabel", 44, 4, 20};
inline constexpr Field hop_limit{"HopLimit", 47, 0, 8};
inline constexpr Field tclass{"TClass", 48, 0, 8};
inline constexpr Field reversible{"Reversible", 49, 0, 1};
inline constexpr Field numb_path{"NumbPath", 49, 1, 7};
inline constexpr Field pkey{"P_Key", 50, 0, 16};
inline constexpr Field qos_class{"QoSClass", 52, 0, 12};
inline constexpr Field sl{"SL", 53, 4, 4};
inline constexpr Field mtu_selector{"MTUSelector", 54, 0, 2};
inline constexpr Field mtu{"MTU", 54, 2, 6};
inline constexpr Field rate_selector{"RateSelector", 55, 0, 2};
inline constexpr Field rate{"Rate", 55, 2, 6};
inline constexpr Field packet_life_selector{"PacketLifeTimeSelector", 56, 0, 2};
inline constexpr Field packet_life{"PacketLifeTime", 56, 2, 6};
inline constexpr Field preference{"Preference", 57, 0, 8};
inline constexpr std::array all{service_id,
                                dgid,
                                sgid,
                                dlid,
                                slid,
                                raw_traffic,
                                flow_label,
                                hop_limit,
                                tclass,
                                reversible,
                                numb_path,
                                pkey,
                                qos_class,
                                sl,
                                mtu_selector,
                                mtu,
                                rate_selector,
                                rate,
                                packet_life_selector,
                                packet_life,
                                preference};
static_assert(layout_is_valid(all, size));
static_assert(dlid.byte == 40 && slid.byte == 42 && pkey.byte == 50);
static_assert(numb_path.first_bit() == 393 && sl.first_bit() == 428 && flow_label.end_bit() == 376);
}  // namespace path_record

// InformInfo (attribute 0x0003, 36 bytes). TrapNumber is DeviceID and ProducerType is VendorID
// when IsGeneric is 0.
namespace inform_info {
inline constexpr std::size_t size = 36;
inline constexpr Field gid{"GID", 0, 0, 128};
inline constexpr Field lid_range_begin{"LIDRangeBegin", 16, 0, 16};
inline constexpr Field lid_range_end{"LIDRangeEnd", 18, 0, 16};
inline constexpr Field is_generic{"IsGeneric", 22, 0, 8};
inline constexpr Field subscribe{"Subscribe", 23, 0, 8};
inline constexpr Field type{"Type", 24, 0, 16};
inline constexpr Field trap_number{"TrapNumber/DeviceID", 26, 0, 16};
inline constexpr Field qpn{"QPN", 28, 0, 24};
inline constexpr Field resp_time_value{"RespTimeValue", 31, 3, 5};
inline constexpr Field producer_type{"ProducerType/VendorID", 33, 0, 24};
inline constexpr std::array all{
    gid,  lid_range_begin, lid_range_end, is_generic,      subscribe,
    type, trap_number,     qpn,           resp_time_value, producer_type};
static_assert(layout_is_valid(all, size));
static_assert(qpn.first_bit() == 224 && resp_time_value.first_bit() == 251 &&
              producer_type.end_byte() == size);
}  // namespace inform_info

// Notice (attribute 0x0002, 80 bytes), delivered in an SA Report.
namespace notice {
inline constexpr std::size_t size = 80;
inline constexpr Field is_generic{"IsGeneric", 0, 0, 1};
inline constexpr Field type{"Type", 0, 1, 7};
inline constexpr Field producer_type{"ProducerType/VendorID", 1, 0, 24};
inline constexpr Field trap_number{"TrapNumber/DeviceID", 4, 0, 16};
inline constexpr Field issuer_lid{"IssuerLID", 6, 0, 16};
inline constexpr Field notice_toggle{"NoticeToggle", 8, 0, 1};
inline constexpr Field notice_count{"NoticeCount", 8, 1, 15};
inline constexpr Field data_details{"DataDetails", 10, 0, 54 * 8};
inline constexpr Field issuer_gid{"IssuerGID", 64, 0, 128};
inline constexpr std::array all{is_generic,    type,         producer_type, trap_number, issuer_lid,
                                notice_toggle, notice_count, data_details,  issuer_gid};
static_assert(layout_is_valid(all, size));

// DataDetails of the traps srpadm handles, as Notice offsets (kernel ib_mad.h ntc_*, OpenSM
// ib_types.h; OpenSM reads bytes 20-21 as a 16-bit ChangeFlags and adds CapabilityMask2 at
// 22-23, where the kernel has reserved(8) ChangeFlags(8) and nothing after).
namespace trap_64_65 {
inline constexpr Field gid{"GID", 16, 0, 128};
inline constexpr std::array all{gid};
}  // namespace trap_64_65
namespace trap_144 {
inline constexpr Field lid{"LID", 12, 0, 16};
inline constexpr Field other_local_changes{"OtherLocalChanges", 15, 7, 1};
inline constexpr Field capability_mask{"CapabilityMask", 16, 0, 32};
inline constexpr Field change_flags{"ChangeFlags", 20, 0, 16};
inline constexpr Field capability_mask2{"CapabilityMask2", 22, 0, 16};
inline constexpr std::array all{lid, other_local_changes, capability_mask, change_flags,
                                capability_mask2};
}  // namespace trap_144
namespace trap_145 {
inline constexpr Field lid{"LID", 12, 0, 16};
inline constexpr Field system_image_guid{"SystemImageGUID", 16, 0, 64};
inline constexpr std::array all{lid, system_image_guid};
}  // namespace trap_145
static_assert(layout_is_valid(trap_64_65::all, size) && layout_is_valid(trap_144::all, size) &&
              layout_is_valid(trap_145::all, size));
// Every trap field lies inside DataDetails.
static_assert(trap_64_65::gid.byte >= data_details.byte &&
              trap_64_65::gid.end_byte() <= data_details.end_byte() &&
              trap_144::capability_mask2.end_byte() <= data_details.end_byte() &&
              trap_145::system_image_guid.end_byte() <= data_details.end_byte());
}  // namespace notice

// Device Management IOUnitInfo (attribute 0x0010, 132 bytes). Byte 3 holds DiagDeviceID
// (bit 1) and OptionROM (bit 0); srpadm keeps the whole byte. ControllerList holds 4-bit slot
// codes, slot 1 in the high nibble of byte 4.
namespace io_unit_info {
inline constexpr std::size_t size = 132;
inline constexpr std::size_t max_slots = 256;
inline constexpr Field change_id{"ChangeID", 0, 0, 16};
inline constexpr Field max_controllers{"MaxControllers", 2, 0, 8};
inline constexpr Field diag_rom{"DiagDeviceID/OptionROM", 3, 0, 8};
inline constexpr Field controller_list{"ControllerList", 4, 0, 128 * 8};
inline constexpr std::array all{change_id, max_controllers, diag_rom, controller_list};
static_assert(layout_is_valid(all, size));
// Sub-fields of diag_rom.
inline constexpr Field diag_device_id{"DiagDeviceID", 3, 6, 1};
inline constexpr Field option_rom{"OptionROM", 3, 7, 1};
static_assert(diag_device_id.byte == diag_rom.byte && option_rom.end_bit() == diag_rom.end_bit());

// The 4-bit code of slot `slot` (1-based, 1..max_slots).
constexpr Field slot(std::size_t slot_number) {
    const std::size_t index = slot_number - 1;
    return Field{"Slot", controller_list.byte + index / 2, index % 2 == 0 ? 0U : 4U, 4};
}
static_assert(slot(1).byte == 4 && slot(1).bit == 0 && slot(2).byte == 4 && slot(2).bit == 4);
static_assert(slot(3).byte == 5 && slot(max_slots).byte == size - 1 && slot(max_slots).bit == 4);
}  // namespace io_unit_info

// Device Management IOControllerProfile (attribute 0x0011, 128 bytes), kernel
// ib_dm_ioc_profile / OpenSM ib_ioc_profile_t. IBA gives VendorID and SubsystemVendorID 24
// bits followed by a reserved byte; LIO ib_srpt writes a plain 32-bit value there, so srpadm
// keeps the 32-bit words (see IoControllerProfile::vendor_id_iba()).
namespace ioc_profile {
inline constexpr std::size_t size = 128;
inline constexpr Field guid{"GUID", 0, 0, 64};
inline constexpr Field vendor_id{"VendorID", 8, 0, 32};
inline constexpr Field device_id{"DeviceID", 12, 0, 32};
inline constexpr Field device_version{"DeviceVersion", 16, 0, 16};
inline constexpr Field subsystem_vendor_id{"SubsystemVendorID", 20, 0, 32};
inline constexpr Field subsystem_id{"SubsystemID", 24, 0, 32};
inline constexpr Field io_class{"IOClass", 28, 0, 16};
inline constexpr Field io_subclass{"IOSubclass", 30, 0, 16};
inline constexpr Field protocol{"Protocol", 32, 0, 16};
inline constexpr Field protocol_version{"ProtocolVersion", 34, 0, 16};
inline constexpr Field service_conn{"ServiceConnections", 36, 0, 16};
inline constexpr Field initiators_supported{"InitiatorsSupported", 38, 0, 16};
inline constexpr Field send_queue_depth{"SendMessageDepth", 40, 0, 16};
inline constexpr Field rdma_read_depth{"RDMAReadDepth", 43, 0, 8};
inline constexpr Field send_size{"SendMessageSize", 44, 0, 32};
inline constexpr Field rdma_size{"RDMATransferSize", 48, 0, 32};
inline constexpr Field controller_op_cap{"ControllerOperationsMask", 52, 0, 8};
inline constexpr Field service_cap{"ServiceCapabilityMask", 53, 0, 8};
inline constexpr Field service_entries{"ServiceEntries", 54, 0, 8};
inline constexpr Field id_string{"IDString", 64, 0, 64 * 8};
inline constexpr std::array all{guid,
                                vendor_id,
                                device_id,
                                device_version,
                                subsystem_vendor_id,
                                subsystem_id,
                                io_class,
                                io_subclass,
                                protocol,
                                protocol_version,
                                service_conn,
                                initiators_supported,
                                send_queue_depth,
                                rdma_read_depth,
                                send_size,
                                rdma_size,
                                controller_op_cap,
                                service_cap,
                                service_entries,
                                id_string};
static_assert(layout_is_valid(all, size));
static_assert(io_class.byte == 28 && protocol.byte == 32 && service_entries.byte == 54);
static_assert(id_string.byte == 64 && id_string.end_byte() == size);
}  // namespace ioc_profile

// Device Management ServiceEntry (48 bytes); the ServiceEntries attribute (0x0012) carries four.
namespace service_entry {
inline constexpr std::size_t size = 48;
inline constexpr std::size_t per_mad = 4;
inline constexpr Field name{"ServiceName", 0, 0, 40 * 8};
inline constexpr Field id{"ServiceID", 40, 0, 64};
inline constexpr std::array all{name, id};
static_assert(layout_is_valid(all, size));
static_assert(size * per_mad == 192);
}  // namespace service_entry

}  // namespace srpadm::wire::layout
