// The configuration each ib_srpt flavour brings back at boot, written from a TargetState.
//
// SCST: /etc/scst.conf as `scstadmin -write_config` writes it and `scstadmin -config` reads it
//   (SCST's scstadmin/scstadmin.sysfs/scstadmin, writeConfiguration; man5/scst.conf.5), applied
//   at boot by scst.service through /etc/init.d/scst (scstadmin/systemd/scst.service,
//   scstadmin/init.d/scst).
// LIO: /etc/target/saveconfig.json as rtslib-fb's RTSRoot.save_to_file writes it and
//   `targetctl restore` (target.service) reads it (rtslib-fb's doc/saveconfig.json.5,
//   rtslib/root.py, rtslib/tcm.py, rtslib/target.py, rtslib/fabric.py). The file holds every
//   LIO fabric's targets: srpadm rewrites only the srpt targets and the storage objects it
//   describes, and keeps the rest of an existing file.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <srpadm/result.hpp>
#include <srpadm/target/state.hpp>

namespace srpadm::target {

// "/etc/scst.conf" (scstadmin/init.d/scst, SCST_CFG), "/etc/target/saveconfig.json"
// (rtslib/root.py, default_save_file).
std::string default_save_path(Flavour flavour);
// Where this host restores it from: LIO's file where its rtslib-fb reads it (Debian 12's
// python3-rtslib-fb restores /etc/rtslib-fb-target/saveconfig.json), else default_save_path().
std::string save_path(Flavour flavour);

// The text of scst.conf: a comment made of header_comment's lines ("# " before each), then the
// HANDLER sections with their devices and the TARGET_DRIVER ib_srpt section with every port,
// its LUNs and initiator groups, each list in scstadmin's order (by name, LUNs by number).
// What cannot be written (a device without a handler or with a file name scstadmin cannot read
// back, a LUN whose device is not written: a LUN naming an unknown device would make
// `scstadmin -config` fail, and the init script then unloads SCST) is left out and said in
// warnings.
std::string scst_conf(const TargetState& state, std::string_view header_comment,
                      std::vector<std::string>& warnings);
std::string scst_conf(const TargetState& state, std::string_view header_comment);

// The text of saveconfig.json (keys sorted, two-space indent, as rtslib writes it), merged into
// `existing` (the file's current text, nullopt or blank when there is none): other fabrics'
// targets, storage objects srpadm does not describe and unknown top-level keys are kept; srpt
// targets are replaced by the state's configured ports and the state's storage objects replace
// the entries of the same plugin and name (keeping the keys srpadm does not write, such as the
// unit serial "wwn" and "attributes", when the entry describes the same backing). What rtslib's
// format cannot express (GUID-named ports, ACLs named by GUID or IP address) or srpadm cannot
// describe is left out and said in warnings. A malformed existing file is Errc::invalid_input,
// its message naming existing_name.
Result<std::string> lio_saveconfig(const TargetState& state,
                                   std::optional<std::string_view> existing,
                                   std::vector<std::string>& warnings,
                                   std::string_view existing_name = "/etc/target/saveconfig.json");

// What makes the saved configuration come back after a reboot, one note per line.
std::vector<std::string> persistence_notes(Flavour flavour);

}  // namespace srpadm::target
