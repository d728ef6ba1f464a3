// The host side of a simulated fabric's initiator ports as a sysfs tree under a root directory,
// in the kernel's formats, so that srpadm's own readers (host/local_port.hpp, host_ports.hpp,
// srp_hosts.hpp, sysfs.hpp) accept it and the stand-in kernel (kernel.hpp) can act on it:
//
//   class/infiniband/<ca>/{node_guid,sys_image_guid,node_type,node_desc}
//   class/infiniband/<ca>/ports/<n>/{lid,lid_mask_count,sm_lid,sm_sl,state,phys_state,
//                                    cap_mask,link_layer,gids/0,pkeys/<i>}
//   class/infiniband_mad/abi_version, class/infiniband_mad/umad<N>/{ibdev,port,dev}
//   class/infiniband_srp/srp-<ca>-<n>/{add_target,ibdev,port}
//   module/ib_srp/parameters/{dev_loss_tmo,fast_io_fail_tmo,reconnect_delay,use_imm_data,
//                             max_imm_data,topspin_workarounds,cmd_sg_entries,ch_count,
//                             allow_ext_sg}
//   class/scsi_host/, class/srp_remote_ports/ (empty)
//
// Formats: kernel drivers/infiniband/core/sysfs.c (ports, GIDs, P_Keys, node GUID),
// drivers/infiniband/core/user_mad.c (umad), drivers/infiniband/ulp/srp/ib_srp.c (the
// srp-<ca>-<n> device and the module parameters). <ca> is the initiator's ibdev name
// (.fabric `initiator PORT ibdev NAME`), <n> the port number of the CA in the fabric.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <srpadm/model/remote_port.hpp>
#include <srpadm/result.hpp>
#include <srpadm/sim/fabric.hpp>

namespace srpadm::sim {

// ib_srp's module parameters as the tree starts with them (ib_srp's defaults, immediate data
// on as since Linux 5.5).
struct HostTreeOptions {
    model::TmoValues timeouts;  // fast_io_fail_tmo 15, dev_loss_tmo 600, reconnect_delay 10
    bool use_imm_data = true;
    std::uint32_t max_imm_data = 8192;
    bool topspin_workarounds = true;
};

// "srp-<ca>-<n>": the name ib_srp gives the SRP initiator port of fabric.local_ports[index].
std::string srp_port_name(const Fabric& fabric, std::size_t local_index);

// Errc::invalid_input, naming the ports, unless every initiator port has a device name and
// port number of its own and one device name stands for one CA node (two `initiator` lines
// on different HCAs need different ibdev names).
Result<void> check_host_ports(const Fabric& fabric);

// Lays out the tree above for every initiator port of `fabric` under `root`, which must be
// missing or an empty directory (so nothing is ever written into a populated tree such as
// the real /sys): Errc::exists when it is not empty, Errc::io when a file cannot be written.
// umad<N> are numbered by device name, then port.
Result<void> lay_out_host(const Fabric& fabric, const std::filesystem::path& root,
                          const HostTreeOptions& options = {});

// Writes again what fabric events change in the files of fabric.local_ports[local_index]:
// lid, lid_mask_count, sm_lid, sm_sl, state, phys_state, cap_mask and the P_Key table.
Result<void> update_port_files(const Fabric& fabric, const std::filesystem::path& root,
                               std::size_t local_index);

}  // namespace srpadm::sim
