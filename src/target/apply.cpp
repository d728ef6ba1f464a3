#include <thread>

#include <fmt/format.h>

#include <srpadm/host/sysfs.hpp>
#include <srpadm/target/apply.hpp>

namespace srpadm::target {
namespace {

constexpr std::string_view kScstMgmtResult = "kernel/scst_tgt/last_sysfs_mgmt_res";

// SCST queues a management command it cannot run at once and answers EAGAIN; its outcome is
// then read from last_sysfs_mgmt_res, which answers EAGAIN itself while the command runs and
// then 0 or -errno (scst/README, "SCST sysfs interface").
std::error_code scst_outcome(host::TreeWriter& writer, const ApplyOptions& options) {
    const auto sleep = options.sleep ? options.sleep : [](std::chrono::milliseconds d) {
        std::this_thread::sleep_for(d);
    };
    std::chrono::milliseconds waited{0};
    while (true) {
        const auto result = writer.read(host::Tree::sysfs, std::string(kScstMgmtResult));
        if (result) {
            const std::string value = result->substr(0, result->find('\n'));
            if (value.empty() || value == "0") {
                return {};
            }
            if (value.front() == '-') {
                if (const auto err = host::parse_sysfs_number(value.substr(1))) {
                    return {static_cast<int>(*err), std::generic_category()};
                }
            }
            return std::make_error_code(std::errc::io_error);
        }
        if (result.error().message.find(std::generic_category().message(EAGAIN)) ==
            std::string::npos) {
            return std::make_error_code(std::errc::io_error);
        }
        if (waited >= options.scst_wait) {
            return std::make_error_code(std::errc::timed_out);
        }
        sleep(options.scst_poll);
        waited += options.scst_poll;
    }
}

std::error_code run(const Action& a, host::TreeWriter& writer, const ApplyOptions& options) {
    std::error_code ec;
    switch (a.op) {
        case Op::write:
            ec = writer.write(a.tree, a.path, a.data);
            if (a.scst_mgmt && ec == std::errc::resource_unavailable_try_again) {
                ec = scst_outcome(writer, options);
            }
            break;
        case Op::mkdir:
            ec = writer.mkdir(a.tree, a.path);
            break;
        case Op::rmdir:
            ec = writer.rmdir(a.tree, a.path);
            break;
        case Op::symlink:
            ec = writer.symlink(a.tree, a.data, a.path);
            break;
        case Op::unlink:
            ec = writer.unlink(a.tree, a.path);
            break;
        case Op::create_file:
            ec = writer.create_file(a.tree, a.path, a.size);
            break;
    }
    return ec;
}

}  // namespace

Result<std::size_t> apply_plan(const Plan& plan, host::TreeWriter& writer,
                               const ApplyOptions& options) {
    const host::TreeRoots& roots = writer.roots();
    for (std::size_t i = 0; i < plan.steps.size(); ++i) {
        const Step& step = plan.steps[i];
        const std::error_code ec = run(step.action, writer, options);
        if (!ec) {
            continue;
        }
        std::string message = fmt::format("step {} of {} failed: {}: {}", i + 1, plan.steps.size(),
                                          shell_command(step.action, roots), ec.message());
        if (i == 0) {
            return fail(Errc::io, message + "; nothing was changed");
        }
        std::vector<std::string> by_hand;
        std::size_t undone = 0;
        for (std::size_t j = i; j-- > 0;) {
            const Step& done = plan.steps[j];
            if (!done.undo) {
                continue;
            }
            if (!by_hand.empty() || run(*done.undo, writer, options)) {
                by_hand.push_back(shell_command(*done.undo, roots));
            } else {
                ++undone;
            }
        }
        if (by_hand.empty()) {
            message += fmt::format("; the {} step(s) applied before it were undone", i);
        } else {
            message += fmt::format(
                "; {} undo step(s) worked, then one failed: to finish undoing, "
                "run:",
                undone);
            for (const std::string& line : by_hand) {
                message += "\n  " + line;
            }
        }
        return fail(Errc::io, message);
    }
    return plan.steps.size();
}

}  // namespace srpadm::target
