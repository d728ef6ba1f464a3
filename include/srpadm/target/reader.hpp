// Reads the target side's state (state.hpp) from sysfs and configfs under the given roots,
// and the facts about a backing path that a plan needs. Read-only.
#pragma once

#include <cstdint>
#include <string>

#include <srpadm/host/tree.hpp>
#include <srpadm/result.hpp>
#include <srpadm/target/state.hpp>

namespace srpadm::target {

// Which ib_srpt runs and everything it exports. Errc::not_found (exit status 4) when no SRP
// target driver is loaded, or one is but cannot be configured yet; the message says what to
// load or mount.
Result<TargetState> read_target_state(const host::TreeRoots& roots);

// A block device or file as export sees it, through the files tree.
struct PathFacts {
    bool exists = false;
    bool block_device = false;
    bool regular_file = false;
    bool directory = false;
    std::uint64_t size = 0;  // a regular file's size
};
PathFacts inspect_path(const std::string& path);

// The first line of an SCST attribute, without the "[key]" line SCST adds to the values a
// configuration must keep (scst/README, "SCST sysfs interface").
std::string scst_value(const std::string& content);

}  // namespace srpadm::target
