// What each `srpadm target` command changes, computed from the state alone: pure functions
// from a TargetState and a request to a Plan (plan.hpp), or an error naming the bad input
// before anything is written.
//
// One model for both flavours, so that the commands mean the same everywhere:
//   export    a device (block device, file, RAM, null) becomes a LUN on the chosen ports
//             (every srpt port by default) for the initiators allowed there, and the ports
//             are enabled. SCST: the LUN goes into an initiator group (default "srpadm");
//             LIO: into the TPG and every node ACL (as targetcli's auto_add_mapped_luns).
//   unexport  the LUNs of a device go, then the device when no port exports it any more.
//   allow     SCST: the initiator joins the group; LIO: a node ACL mapping every TPG LUN.
//   deny      the reverse. --any: every initiator (SCST: the pattern "*"; LIO's ib_srpt has
//             no demo mode, every initiator needs an ACL).
//   enable / disable  the ports.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <srpadm/result.hpp>
#include <srpadm/target/plan.hpp>
#include <srpadm/target/reader.hpp>
#include <srpadm/target/state.hpp>

namespace srpadm::target {

inline constexpr std::string_view kDefaultGroup = "srpadm";
// The RDMA/CM port srpadm sets on a LIO target that listens on none when a RoCE port is
// exported (blktests' tests/srp/rc uses the same).
inline constexpr std::uint16_t kDefaultRdmaCmPort = 5555;

// Which ports a command acts on: each entry is a target port name, a local port
// ("mlx5_0:1") or a device ("mlx5_0"); empty means every port.
using PortChoice = std::vector<std::string>;

struct ExportRequest {
    Backing backing = Backing::ram;
    std::string path;        // block, file
    PathFacts facts;         // of `path` (inspect_path), for block and file
    std::uint64_t size = 0;  // bytes: file (when created), ram, null
    std::string name;        // the device's name; "" = derived
    std::optional<std::uint32_t> lun;
    bool read_only = false;
    PortChoice ports;
    std::string group;  // SCST; "" = kDefaultGroup
    std::vector<std::string> allow;
    bool enable = true;
    std::optional<std::uint16_t> rdma_cm_port;
    std::string ram_dir = "/dev/shm";  // SCST backs a RAM disk with a file here
    // LIO: the T10 unit serial a new storage object gets (wwn/vpd_unit_serial, before its first
    // LUN: the kernel refuses it while the device is exported). LIO derives the disk's VPD
    // identifiers from it (its NAA WWID, which dm-multipath goes by) and reports no VPD pages
    // without one. "" sets none; the command line gives a new random_unit_serial(), as rtslib
    // does (rtslib/tcm.py StorageObject._configure(): generate_wwn('unit_serial')).
    std::string unit_serial;
};

// A random UUID (version 4) in its usual text form, as rtslib makes unit serials
// (rtslib/utils.py generate_wwn(): str(uuid.uuid4())).
std::string random_unit_serial();

struct UnexportRequest {
    std::string device;  // a device name
    PortChoice ports;
    bool keep_device = false;
};

struct AccessRequest {
    std::vector<std::string> initiators;
    bool any = false;
    PortChoice ports;
    std::string group;  // SCST; "" = kDefaultGroup (deny: every group)
};

struct EnableRequest {
    PortChoice ports;
    bool enable = true;
    std::optional<std::uint16_t> rdma_cm_port;
};

Result<Plan> plan_export(const TargetState& state, const ExportRequest& request);
Result<Plan> plan_unexport(const TargetState& state, const UnexportRequest& request);
Result<Plan> plan_allow(const TargetState& state, const AccessRequest& request);
Result<Plan> plan_deny(const TargetState& state, const AccessRequest& request);
Result<Plan> plan_enable(const TargetState& state, const EnableRequest& request);

// The ports `choice` names (every port when empty); Errc::not_found naming the ports there are.
Result<std::vector<const TargetPort*>> choose_ports(const TargetState& state,
                                                    const PortChoice& choice);

}  // namespace srpadm::target
