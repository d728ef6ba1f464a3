// Applies a plan step by step through a host::TreeWriter. Nothing is half-done: when a step
// fails, the steps applied before it are undone in reverse order; what cannot be undone is
// reported as the exact commands to run by hand.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <srpadm/host/tree.hpp>
#include <srpadm/result.hpp>
#include <srpadm/target/plan.hpp>

namespace srpadm::target {

struct ApplyOptions {
    // How long an SCST management command may stay queued (EAGAIN) before it counts as
    // failed, and how to wait between polls of last_sysfs_mgmt_res (injected in tests).
    std::chrono::milliseconds scst_wait{30000};
    std::chrono::milliseconds scst_poll{100};
    std::function<void(std::chrono::milliseconds)> sleep;
};

// The number of steps applied (all of them), or Errc::io naming the failed step as a shell
// command with the kernel's error, what was undone, and the commands still to run by hand.
Result<std::size_t> apply_plan(const Plan& plan, host::TreeWriter& writer,
                               const ApplyOptions& options = {});

}  // namespace srpadm::target
