// The SRP target side of this host as the kernel shows it: which ib_srpt runs (SCST's or
// LIO's), its target ports, the devices they export, LUNs, who may log in and who has.
//
// SCST (SCST's scst/README "SCST sysfs interface", srpt/README; sysfs kernel/scst_tgt):
//   devices/<dev>/{handler -> handlers/<h>, filename, size, read_only}
//   targets/ib_srpt/<port GID as %pI6>/{enabled, luns/<N>/{device, read_only},
//       ini_groups/<group>/{initiators/<name>, luns/<N>/...}, sessions/<name>/luns -> ...}
//   A session is named by the initiator port GID (IB/CM) or source address (RDMA/CM); it
//   lands in the first group one of whose initiator patterns matches, else it sees the
//   target's own LUNs.
// LIO (kernel drivers/infiniband/ulp/srpt/ib_srpt.c, drivers/target/target_core_*configfs.c;
// configfs target/):
//   core/{iblock,fileio,rd_mcp}_<N>/<name>/{control, udev_path, enable, info}
//   srpt/<port>/<tpg>/{enable, lun/lun_<N>/<link to the backstore>,
//       acls/<initiator>/lun_<N>/{write_protect, <link to lun/lun_<M>>,
//           statistics/scsi_att_intr_port/port_ident (readable while a session is there)}}
//   A port is named by its GUID (xxxx:xxxx:xxxx:xxxx) or GID (0x and 32 hex digits); ib_srpt
//   lists no names of its own: srpadm derives them from the RDMA ports' GID 0.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <srpadm/types.hpp>

namespace srpadm::target {

enum class Flavour : std::uint8_t { scst, lio };
std::string_view flavour_name(Flavour flavour);  // "SCST", "LIO"

// What backs a device: a block device, a file, RAM, or nothing (reads return zeros, writes
// are dropped: for measurements).
enum class Backing : std::uint8_t { block, file, ram, null, other };
std::string_view backing_name(Backing backing);  // "block", "file", "ram", "null", "other"

// The scst_vdisk handler for a backing (scst/README, "VDISK device handler"): vdisk_blockio,
// vdisk_nullio, and vdisk_fileio for files and RAM (a file on tmpfs: there is no RAM handler).
std::string_view scst_vdisk_handler(Backing backing);
// rtslib's plugin for a backing (rtslib/tcm.py), as targetcli's /backstores and saveconfig.json
// name it: "block", "fileio", "ramdisk" (RAM and null); "" for other.
std::string_view lio_plugin(Backing backing);

// SCST: a device (devices/<name>); LIO: a storage object (core/<hba>/<name>).
struct Device {
    std::string name;
    std::string handler;  // SCST: "vdisk_blockio", ...; LIO: the HBA directory, "rd_mcp_0"
    Backing backing = Backing::other;
    std::string path;        // the block device or file ("" for RAM and null)
    std::uint64_t size = 0;  // bytes, 0 when unknown
    bool read_only = false;  // the device as a whole (SCST read_only, LIO iblock readonly)
    bool enabled = true;     // LIO: the storage object's enable (a disabled one cannot be a LUN)
    // LIO: the T10 unit serial (wwn/vpd_unit_serial), "" when none is set. Without one LIO
    // reports no VPD pages, so initiators see the disk without a WWID (target_core_spc.c
    // spc_emulate_evpd_00(), spc_emulate_evpd_83()).
    std::string unit_serial;
};

struct Lun {
    std::uint32_t number = 0;
    std::string device;  // Device::name ("" when the link cannot be read)
    bool read_only = false;
    // LIO mapped LUNs: the TPG LUN it maps (lun/lun_<tpg_lun>); the number otherwise.
    std::uint32_t tpg_lun = 0;
};

// SCST: an initiator group; LIO: a node ACL, named after its one initiator.
struct Group {
    std::string name;
    std::vector<std::string> initiators;  // names or SCST patterns ("*"), as the kernel lists
    std::vector<Lun> luns;
};

struct Session {
    std::string initiator;  // the name the target gave the session
    std::string group;      // SCST: the group it landed in ("" = the target's LUNs); LIO: ACL
};

// How a LIO port is named (SCST names every port by its GID in %pI6 form).
enum class PortNaming : std::uint8_t { gid, guid };

struct TargetPort {
    std::string name;        // the directory name under targets/ib_srpt or target/srpt
    std::string device;      // the local RDMA device ("mlx5_0"), "" when not found
    unsigned port = 0;       // its port number, 0 when not found
    bool roce = false;       // the port's link layer is Ethernet (logins come through RDMA/CM)
    std::optional<Gid> gid;  // the port's GID 0
    PortNaming naming = PortNaming::gid;
    // LIO: the port's directory and TPG exist (SCST: always). A LIO port that is not
    // configured is one ib_srpt could serve once srpadm creates it.
    bool configured = true;
    std::string tpg;  // LIO: the TPG directory's name ("tpgt_1"); "" for SCST
    bool enabled = false;
    // SCST: a group admits every initiator (the pattern "*"). LIO's ib_srpt has no demo mode
    // (its TPG attributes are its own, without generate_node_acls): always false there.
    bool open = false;
    std::vector<Lun> luns;  // SCST: the target's own LUNs; LIO: the TPG's LUNs
    std::vector<Group> groups;
    std::vector<Session> sessions;

    std::string local_name() const;  // "mlx5_0:1", or "" when not found
};

struct TargetState {
    Flavour flavour = Flavour::lio;
    std::vector<TargetPort> ports;  // by name
    std::vector<Device> devices;    // by name
    // SCST: the device handlers loaded (handlers/<name>), "vdisk_blockio" and so on.
    std::vector<std::string> handlers;
    // ib_srpt's srpt_service_guid: the id_ext, ioc_guid and service_id initiators log in with.
    std::optional<Guid> service_guid;
    // The RDMA/CM port ib_srpt listens on; 0 when it does not (logins over RoCE need one).
    std::optional<std::uint16_t> rdma_cm_port;
    // SCST: the other target drivers that have targets (iscsi, qla2x00t, ...): scst.conf is one
    // file for all of them, and srpadm describes ib_srpt's part only.
    std::vector<std::string> other_drivers;
    // LIO: configfs target/srpt does not exist yet (ib_srpt does not create it: the first
    // command that writes makes it).
    bool srpt_dir_missing = false;

    const TargetPort* port(std::string_view name) const;
    const Device* device(std::string_view name) const;
};

}  // namespace srpadm::target
