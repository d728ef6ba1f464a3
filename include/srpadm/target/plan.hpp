// A target-side change as data: the steps to apply in order, each with the step that undoes
// it, the commands an admin would type for the same with scstadmin or targetcli, and what to
// tell the admin. Plans are computed from a TargetState by planner.hpp (pure) and applied by
// apply.hpp through a host::TreeWriter.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <srpadm/host/tree.hpp>
#include <srpadm/target/state.hpp>

namespace srpadm::target {

enum class Op : std::uint8_t { write, mkdir, rmdir, symlink, unlink, create_file };

struct Action {
    Op op = Op::write;
    host::Tree tree = host::Tree::sysfs;
    std::string path;        // relative to the tree's root (absolute for host::Tree::files)
    std::string data;        // write: what is written; symlink: the link's target (same tree)
    std::uint64_t size = 0;  // create_file
    // SCST's management files may answer EAGAIN while the command runs on: the result is then
    // read from kernel/scst_tgt/last_sysfs_mgmt_res (scst/README, "SCST sysfs interface").
    bool scst_mgmt = false;

    friend bool operator==(const Action&, const Action&) = default;
};

struct Step {
    Action action;
    std::optional<Action> undo;  // nullopt: nothing to undo (or nothing that can be)
};

struct Plan {
    Flavour flavour = Flavour::lio;
    std::vector<Step> steps;
    // The same change with the flavour's own tool, one command per line.
    std::vector<std::string> equivalent;
    // Printed before anything is applied (and on a dry run).
    std::vector<std::string> warnings;
    // Printed after the change is applied: what to do next, what makes it survive a reboot.
    std::vector<std::string> notes;

    bool empty() const { return steps.empty(); }
};

// One step as a shell command against the real paths: "mkdir /sys/kernel/config/...",
// "echo -n 'add_device ...' > /sys/kernel/scst_tgt/...", "ln -s A B", "truncate -s N F".
std::string shell_command(const Action& action, const host::TreeRoots& roots);

// A word the shell takes literally (single quotes where needed).
std::string shell_quote(std::string_view word);

}  // namespace srpadm::target
