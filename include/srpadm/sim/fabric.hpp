// The simulated fabric's model: nodes, ports, links, partitions, the SM/SA port, the local
// initiator ports, and the SRP targets (DM agents) behind target ports.
//
// The model is plain data. fabric_file.hpp reads it from a .fabric file, generator.hpp builds
// large ones, and simulator.hpp runs SA and DM agents, latency, faults and events on it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <srpadm/mad/endpoint.hpp>
#include <srpadm/model/initiator_id.hpp>
#include <srpadm/types.hpp>

namespace srpadm::sim {

enum class NodeType : std::uint8_t { ca = 1, switch_node = 2, router = 3 };

std::string_view node_type_name(NodeType type);

// PortInfo CapabilityMask bits the simulator uses.
inline constexpr std::uint32_t kCapIsSm = 1U << 1;
inline constexpr std::uint32_t kCapIsTrapSupported = 1U << 3;
inline constexpr std::uint32_t kCapIsSlMapping = 1U << 6;
inline constexpr std::uint32_t kCapIsCmSupported = 1U << 16;
inline constexpr std::uint32_t kCapIsDm = 1U << 19;
inline constexpr std::uint32_t kCapIsCapMaskNotice = 1U << 22;
// What an HCA port shows before anything sets IsSM or IsDM (a typical mlx5 port).
inline constexpr std::uint32_t kDefaultCaCapabilityMask =
    kCapIsTrapSupported | kCapIsSlMapping | kCapIsCmSupported | kCapIsCapMaskNotice | (1U << 25);
inline constexpr std::uint32_t kDefaultSwitchCapabilityMask = kCapIsTrapSupported;

inline constexpr std::uint64_t kDefaultSubnetPrefix = 0xfe80000000000000ULL;
inline constexpr PKey kDefaultPKey = 0xffff;
inline constexpr Lid kMaxUnicastLid = 0xbfff;

// Limits on what a .fabric file or the generator may ask for.
inline constexpr std::size_t kMaxNodes = 100000;
inline constexpr unsigned kMaxPortsPerNode = 254;
inline constexpr unsigned kMaxSlot = 255;  // IOUnitInfo MaxControllers is one byte
inline constexpr std::size_t kMaxServicesPerIoc = 255;
inline constexpr std::size_t kMaxPKeysPerPort = 128;
inline constexpr std::size_t kServiceNameSize = 40;
inline constexpr std::size_t kIdStringSize = 64;
inline constexpr std::size_t kNodeDescriptionSize = 64;
inline constexpr std::size_t kMaxAclEntries = 1024;  // per target

struct ServiceEntry {
    std::string name;  // at most 40 bytes, e.g. "SRP.T10:0002c903000b0001"
    std::uint64_t id = 0;

    friend bool operator==(const ServiceEntry&, const ServiceEntry&) = default;
};

// One I/O controller: the IOControllerProfile fields and the service entries behind it.
struct Ioc {
    unsigned slot = 1;  // 1..255
    Guid guid = 0;
    std::uint32_t vendor_id = 0;  // 24 bits
    std::uint32_t device_id = 0;
    std::uint16_t device_version = 0;
    std::uint32_t subsystem_vendor_id = 0;  // 24 bits
    std::uint32_t subsystem_id = 0;
    std::uint16_t io_class = 0x0100;  // 0x0100 SRP rev16a, 0xff00 SRP rev10
    std::uint16_t io_subclass = 0x609e;
    std::uint16_t protocol = 0x0108;
    std::uint16_t protocol_version = 0x0001;
    std::uint16_t send_queue_depth = 128;
    std::uint8_t rdma_read_depth = 4;
    std::uint32_t send_size = 4096;
    std::uint32_t rdma_size = 65536;
    std::uint8_t op_cap_mask = 0x2b;
    std::string id_string;  // at most 64 bytes
    std::vector<ServiceEntry> services;

    friend bool operator==(const Ioc&, const Ioc&) = default;
};

// `generic` answers by the book from the IOC list. `lio` answers exactly as Linux LIO ib_srpt
// does, quirks included (kernel drivers/infiniband/ulp/srpt/ib_srpt.c, srpt_get_iou() and
// srpt_get_ioc()): ChangeID 1, MaxControllers 16, slot 1 present,
// slot 2 answering too, 0x001C / 0x0100 for bad slots and ranges, 0x000C for any Set.
enum class DmFlavour : std::uint8_t { generic, lio };

std::string_view dm_flavour_name(DmFlavour flavour);

// The Device Management agent of one target port (an I/O unit).
struct DmAgent {
    DmFlavour flavour = DmFlavour::generic;
    std::uint16_t change_id = 1;
    std::uint8_t max_controllers = 16;
    std::vector<Ioc> iocs;  // sorted by slot, slots unique

    const Ioc* ioc_in_slot(unsigned slot) const;
};

// One entry of an SRP target's access list: whom the target lets log in.
//   port_id:   the 16-byte initiator port ID of SRP_LOGIN_REQ (model/initiator_id.hpp), as
//              SCST's and LIO's GID-named ports name an initiator ("0x" and 32 hex digits);
//   port_guid: the initiator port GUID of the CM REQ, as LIO names an initiator on a
//              GUID-named port (xxxx:xxxx:xxxx:xxxx; initiator_ext does not change it).
// (kernel drivers/infiniband/ulp/srpt/ib_srpt.c, srpt_cm_req_recv() and srpt_format_guid())
struct AclEntry {
    enum class Kind : std::uint8_t { port_id, port_guid };
    Kind kind = Kind::port_id;
    model::PortId id{};  // port_id
    Guid guid = 0;       // port_guid

    bool matches(const model::PortId& sent, Guid initiator_port_guid) const;
    friend bool operator==(const AclEntry&, const AclEntry&) = default;
};

// "0x" and 32 hex digits, 32 hex digits, or xxxx:xxxx:xxxx:xxxx; nullopt for anything else.
std::optional<AclEntry> parse_acl_entry(std::string_view text);
// "0x" and 32 lower-case hex digits, or xxxx:xxxx:xxxx:xxxx.
std::string acl_entry_text(const AclEntry& entry);

// The access list of the SRP target on a port. Open to every initiator by default.
struct SrpAcl {
    bool any = true;
    std::vector<AclEntry> entries;  // admitted initiators while `any` is false

    bool admits(const model::PortId& sent, Guid initiator_port_guid) const;
    friend bool operator==(const SrpAcl&, const SrpAcl&) = default;
};

inline constexpr std::uint32_t kVanishAlways = UINT32_MAX;

// How logins to the SRP target on a port behave in the stand-in kernel (sim/kernel.hpp), for
// tests and demonstrations.
struct LoginQuirks {
    // An add_target write blocks this long (path lookup, CM, SCSI scan) before its outcome.
    runtime::Duration delay{};
    // The next `vanish` logins that succeed lose their SCSI host at once, as after ib_srp's
    // "SCSI scan failed - removing SCSI host"; kVanishAlways: every one.
    std::uint32_t vanish = 0;

    friend bool operator==(const LoginQuirks&, const LoginQuirks&) = default;
};

inline constexpr std::size_t kNoNode = static_cast<std::size_t>(-1);

struct Port {
    std::uint8_t num = 1;
    Guid guid = 0;
    Lid lid = 0;  // switch ports 1..N carry 0; port 0 has the switch's LID
    std::uint8_t lmc = 0;
    model::PortState state = model::PortState::down;
    std::uint32_t capability_mask = 0;
    std::vector<PKey> pkeys;  // the P_Key table by index; 0 marks an empty entry
    std::size_t peer_node = kNoNode;
    std::uint8_t peer_port = 0;
    std::optional<DmAgent> dm;  // set on SRP target ports
    // The SRP target's login side, for the stand-in kernel; kept while the target is removed.
    SrpAcl acl;
    LoginQuirks login;
};

struct Node {
    NodeType type = NodeType::ca;
    std::string name;         // ibnetdiscover node id, e.g. "H-0002c903000a1234"
    std::string description;  // NodeDescription, at most 64 bytes
    Guid node_guid = 0;
    Guid system_image_guid = 0;
    std::uint32_t vendor_id = 0;
    std::uint32_t device_id = 0;
    std::uint32_t revision = 0;
    std::uint8_t num_ports = 0;  // physical ports (a switch also has port 0)
    std::vector<Port> ports;     // ordered by number; a switch's port 0 comes first

    Port* port(unsigned num);
    const Port* port(unsigned num) const;
    // The port that carries a LID: port 0 of a switch; every port of a CA or router.
    bool is_end_port(const Port& p) const { return type != NodeType::switch_node || p.num == 0; }
};

struct PortRef {
    std::size_t node = kNoNode;
    std::uint8_t port = 0;

    bool valid() const { return node != kNoNode; }
    friend bool operator==(const PortRef&, const PortRef&) = default;
};

// SA behaviour: `mask_match` is an OpenSM-like SA that sets ClassPortInfo CapabilityMask
// bit 13 and honours AttributeModifier bit 31 on PortInfoRecord queries; `old_sm` has
// neither and compares a CapabilityMask component exactly.
enum class SaMode : std::uint8_t { mask_match, old_sm };

struct LatencyModel {
    runtime::Duration sa = std::chrono::microseconds(200);
    runtime::Duration dm = std::chrono::microseconds(50);
    runtime::Duration other = std::chrono::microseconds(50);
    runtime::Duration sa_per_segment =
        std::chrono::nanoseconds(0);  // per RMPP segment after the first
};

// A local port a SimEndpoint can open.
struct LocalPort {
    PortRef port;
    std::string ca_name = "sim0";
};

struct FabricSummary {
    std::size_t nodes = 0;
    std::size_t switches = 0;
    std::size_t cas = 0;
    std::size_t routers = 0;
    std::size_t ca_ports = 0;
    std::size_t targets = 0;
    std::size_t iocs = 0;
    std::size_t services = 0;
    std::size_t srp_services = 0;
    std::size_t partitions = 0;
};

// P_Key sharing as IBA 10.9.3 and OpenSM define it: same low 15 bits, not the invalid P_Key,
// and at least one of the two is a full member.
bool pkeys_match(PKey a, PKey b);
bool ports_share_pkey(const Port& a, const Port& b);
bool ports_share_this_pkey(const Port& a, const Port& b, PKey pkey);
// The P_Key OpenSM picks for a PathRecord without a P_Key component: both tables walked in
// the order of OpenSM's P_Key map (keyed by the base P_Key as stored in network byte order,
// so on little-endian hosts the low byte sorts first); the first match returns a's entry.
std::optional<PKey> first_common_pkey(const Port& a, const Port& b);

class Fabric {
  public:
    std::string source;  // the file it came from, for messages
    std::uint64_t subnet_prefix = kDefaultSubnetPrefix;
    std::vector<Node> nodes;
    PortRef sm;
    std::vector<LocalPort> local_ports;
    SaMode sa_mode = SaMode::mask_match;
    std::uint8_t sa_resp_time_value = 18;  // ClassPortInfo RespTimeValue (4.096 us * 2^18 ~ 1 s)
    LatencyModel latency;
    std::vector<PKey> partitions;  // every P_Key in use, in order of definition

    Node& node(PortRef r) { return nodes.at(r.node); }
    const Node& node(PortRef r) const { return nodes.at(r.node); }
    Port& port(PortRef r);
    const Port& port(PortRef r) const;
    const Port* find_port(PortRef r) const;

    // Rebuilds the LID and GUID indexes; call after changing LIDs, GUIDs or nodes.
    void reindex();
    // The end port whose LID range (base .. base + 2^LMC - 1) holds `lid`.
    std::optional<PortRef> by_lid(Lid lid) const;
    std::optional<PortRef> by_port_guid(Guid guid) const;
    std::optional<std::size_t> by_node_name(std::string_view name) const;

    Lid sm_lid() const;
    Gid gid(PortRef r) const { return Gid::from_parts(subnet_prefix, port(r).guid); }
    // The PortRef of every end port (switch port 0, CA and router ports), in node order.
    std::vector<PortRef> end_ports() const;
    FabricSummary summary() const;

  private:
    std::unordered_map<Lid, PortRef> lid_index_;  // base LID → port
    std::unordered_map<Guid, PortRef> guid_index_;
    std::unordered_map<std::string, std::size_t> name_index_;
};

// One paragraph: nodes, CA ports, targets, IOCs, services, partitions.
std::string describe(const FabricSummary& s);

}  // namespace srpadm::sim
