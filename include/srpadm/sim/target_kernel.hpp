// A stand-in for the target side of the kernel: ib_srpt under SCST (sysfs kernel/scst_tgt) or
// under LIO (configfs target/), on fixture trees laid out under two roots, taking srpadm's
// changes through the same host::TreeWriter interface as the real trees (host/tree.hpp). Each
// call changes the fixture tree as the kernel would change its own, so that a test sees the
// result by reading the tree (as srpadm's reader will), and gets the errno the kernel returns.
//
// The fixture (lay_out_target_host()):
//   sysfs  class/infiniband/<dev>/{node_guid,node_type}
//          class/infiniband/<dev>/ports/<n>/{gids/0,link_layer,state,phys_state}
//          module/ib_srpt/parameters/srpt_service_guid (and more, per flavour)
//   SCST   sysfs kernel/scst_tgt/{version,last_sysfs_mgmt_res,devices/,
//              handlers/{vdisk_fileio,vdisk_blockio,vdisk_nullio}/{mgmt,type},
//              targets/ib_srpt/<port GID as %pI6>/{enabled,rel_tgt_id,luns/mgmt,ini_groups/mgmt,
//                  sessions/,device,link_layer,port_id,login_info}}
//          module/ib_srpt/parameters/rdma_cm_port
//   LIO    configfs target/{version,dbroot,core/alua/lu_gps/default_lu_gp/}; no target/srpt:
//          target_core_register_fabric() (drivers/target/target_core_configfs.c) makes it on
//          `mkdir target/srpt`.
// Formats: drivers/infiniband/core/sysfs.c (ports), srpt/src/ib_srpt.c and the kernel's
// drivers/infiniband/ulp/srpt/ib_srpt.c (srpt_get_u64_x(): SCST prints srpt_service_guid as
// "0x%016llx", the kernel's ib_srpt as "0x%016llx\n"), scst/src/scst_sysfs.c,
// scst/src/dev_handlers/scst_vdisk.c, drivers/target/target_core_*.c.
//
// What the stand-in models (the .cpp cites the function behind each errno):
// - SCST management files: handlers/<h>/mgmt (add_device, del_device), the LUN mgmt files of a
//   target and of its groups (add, replace, del, clear), ini_groups/mgmt (create, del), a
//   group's initiators/mgmt (add, del, move, clear; DOS patterns as scst_targ.c wildcmp()),
//   enabled. Every command completes at once: the write returns its errno and
//   last_sysfs_mgmt_res shows it ("0" or "-errno", as scst_process_sysfs_works() records it).
// - LIO configfs: mkdir/rmdir of the fabric, ports (named by a port's GUID or GID form only),
//   TPGs, LUNs, ACLs, mapped LUNs, HBAs and storage objects; symlinks LUN -> storage object
//   and mapped LUN -> LUN; writes to a storage object's control, enable and udev_path, a TPG's
//   enable, rtpi and attrib/*, discovery_auth/rdma_cm_port and a mapped LUN's write_protect.
//   rmdir follows configfs_rmdir(): EPERM for a default group, EBUSY while links point at the
//   directory, ENOTEMPTY while it holds user-made directories or links.
// - Logins, for tests: a session appears where the kernel shows one (SCST sessions/<name>;
//   LIO the mapped LUNs' statistics/scsi_att_intr_port/{indx,port_ident}).
// Writes the kernel accepts but the stand-in does not model (rel_tgt_id, port_id, filename,
// alias, dbroot, ...) return EOPNOTSUPP, so that a test never passes by accident.
//
// A new stand-in on trees another has changed (`srpadm-sim target` runs one command a process)
// takes up the kernel's state from them, so that calls split across stand-ins, each made on the
// trees the one before left, do what one stand-in would:
// - From the trees, which show all the stand-in writes: SCST's devices, groups, initiators (in
//   name order: their order within a group does not change where a session lands), LUNs and
//   sessions (sessions/<name>, in the group its luns link points into); LIO's HBAs (hba_info),
//   storage objects (info and enable; their exports from the LUN links to them), TPGs (enable,
//   rtpi) and the RTPIs in use.
// - From <sysfs root>/.standin-state, a file srpadm's reader never reads, what the kernel keeps
//   and does not show. SCST: the order groups were made in (scst_find_acg() takes the first that
//   matches), each device's next export number (dev_exported_lun_num, never reused), the next
//   relative target port ID (gen_relative_target_port_id()). LIO: the next HBA index and each
//   HBA's next device ID (never reused), fd_dev_size=0 given to a fileio device
//   (FBDF_HAS_SIZE), an iblock device's DF_READ_ONLY (readonly= as it was when configured),
//   which TPGs had rtpi written (rtpi_manual), each RDMA port's srpt_port (enabled, and the
//   attributes, which outlive its TPGs), the sessions (one shows only in mapped LUNs), and
//   rdma_cm_port (kept while target/srpt is gone). The file is written after any call that
//   leaves it out of date, so trees a stand-in has changed have one.
// - Without that file (trees just laid out, or made by hand), rules that give the same on trees
//   only lay_out_target_host() made: groups in name order, export numbers, IDs and the HBA
//   index one past the highest shown, DF_READ_ONLY as a configured iblock device's readonly
//   shows it, no rtpi written, a port's attributes as its first TPG (by name) shows them and
//   enabled while one of its TPGs is, sessions where mapped LUNs show them, rdma_cm_port as
//   discovery_auth shows it (0 without target/srpt).
// fail_next() and calls() belong to one stand-in.
//
// Single-threaded: no thread and no lock of its own; the tree changes inside each call.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <srpadm/host/tree.hpp>
#include <srpadm/result.hpp>
#include <srpadm/target/plan.hpp>
#include <srpadm/target/state.hpp>
#include <srpadm/types.hpp>

namespace srpadm::sim {

enum class LinkLayer : std::uint8_t { infiniband, ethernet };

// One RDMA port of the target host.
struct TargetRdmaPort {
    std::string device;  // "mlx5_0"
    unsigned port = 1;
    Gid gid;  // GID 0
    LinkLayer link_layer = LinkLayer::infiniband;
    Guid node_guid = 0;  // the device's; every port of one device must give the same
};

struct TargetHostOptions {
    target::Flavour flavour = target::Flavour::lio;
    std::vector<TargetRdmaPort> ports;
    // ib_srpt's srpt_service_guid; nullopt: what ib_srpt takes when it is not given, from the
    // first device's node GUID (default_service_guid()).
    std::optional<Guid> service_guid;
    // SCST: the module parameter rdma_cm_port. LIO keeps it in configfs
    // (discovery_auth/rdma_cm_port, 0 until written).
    std::uint16_t rdma_cm_port = 0;
};

// The target port names. SCST: the port GID as %pI6 prints it (eight groups of four lower-case
// digits, srpt_refresh_port() in srpt/src/ib_srpt.c). LIO: the GUID form "%04x:%04x:%04x:%04x"
// of the GID's interface ID and the GID form "0x%016llx%016llx" (srpt_refresh_port() in the
// kernel's ib_srpt.c).
std::string scst_target_name(const Gid& gid);
std::string lio_guid_name(const Gid& gid);
std::string lio_gid_name(const Gid& gid);

// srpt_service_guid when the module parameter is not given, from the first device's node GUID:
// SCST clears the top byte (srpt_add_one(), & ~IB_SERVICE_ID_AGN_MASK), LIO takes it as is.
Guid default_service_guid(target::Flavour flavour, Guid first_node_guid);

// Lays out the fixture above. Each root must be missing or an empty directory (Errc::exists
// otherwise, as host_tree.hpp's lay_out_host()); Errc::invalid_input for ports without a device
// name or port number, a device:port given twice, or one device with two node GUIDs;
// Errc::io when a file cannot be written.
Result<void> lay_out_target_host(const std::filesystem::path& sysfs_root,
                                 const std::filesystem::path& configfs_root,
                                 const TargetHostOptions& options);

// A changing call the stand-in took (read() is not recorded).
struct TreeCall {
    target::Op op = target::Op::write;
    host::Tree tree = host::Tree::sysfs;
    std::string path;
    std::string data;        // write: the data; symlink: the link's target
    std::uint64_t size = 0;  // create_file
    std::error_code result;
};

class TargetKernelStandIn final : public host::TreeWriter {
  public:
    // `roots` are a fixture's (lay_out_target_host()), as laid out or as stand-ins left them:
    // the kernel's state is taken up from them (above). The flavour is SCST when
    // kernel/scst_tgt exists below the sysfs root. host::Tree::files calls act on the real
    // files, as RealTreeWriter's do.
    explicit TargetKernelStandIn(host::TreeRoots roots);
    ~TargetKernelStandIn() override;

    const host::TreeRoots& roots() const override;
    std::error_code write(host::Tree tree, const std::string& relative,
                          const std::string& data) override;
    std::error_code mkdir(host::Tree tree, const std::string& relative) override;
    std::error_code rmdir(host::Tree tree, const std::string& relative) override;
    std::error_code symlink(host::Tree tree, const std::string& target,
                            const std::string& relative) override;
    std::error_code unlink(host::Tree tree, const std::string& relative) override;
    std::error_code create_file(host::Tree tree, const std::string& relative,
                                std::uint64_t size) override;
    Result<std::string> read(host::Tree tree, const std::string& relative) override;

    // The next changing call whose path contains `path_substring` fails with `error` and
    // changes nothing (an SCST management command also shows it in last_sysfs_mgmt_res).
    // Several may be queued; each matches once, in the order given.
    void fail_next(std::string path_substring, int error);

    // SCST: an initiator logs in to `target` as session `session` (the name ib_srpt gives it:
    // the initiator port GID as %pI6, or the source address for RDMA/CM). It lands in the
    // first group (in creation order) one of whose initiator patterns matches, else it sees the
    // target's own LUNs (scst_find_acg(), scst/src/scst_targ.c). ENOENT: no such target;
    // ECONNREFUSED: the target is not enabled; EEXIST: a session of that name is there.
    std::error_code scst_login(const std::string& target, const std::string& session);
    std::error_code scst_logout(const std::string& target, const std::string& session);
    // LIO: an initiator with the node ACL `acl` logs in to `wwn`/`tpg`. ENOENT: no such ACL
    // (ib_srpt has no demo mode: without an ACL the login is refused); ECONNREFUSED: the port
    // is not enabled; EEXIST: the ACL has a session.
    std::error_code lio_login(const std::string& wwn, const std::string& tpg,
                              const std::string& acl);
    std::error_code lio_logout(const std::string& wwn, const std::string& tpg,
                               const std::string& acl);

    const std::vector<TreeCall>& calls() const;

  private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace srpadm::sim
