#include <csignal>
#include <filesystem>

#include <fmt/format.h>

#include <srpadm/ops/run_dir.hpp>
#include <srpadm/ops/session.hpp>

namespace srpadm::ops {
namespace {

host::ActionOptions action_options(const HostOptions& options) {
    host::ActionOptions actions = options.actions;
    if (!options.run_dir.empty() && !actions.login_lock) {
        actions.login_lock = [dir = std::filesystem::path(options.run_dir)](
                                 const std::string& device,
                                 unsigned port) -> std::shared_ptr<void> {
            auto lock = PortLock::acquire(dir, device, port);
            return lock ? std::make_shared<PortLock>(std::move(*lock)) : nullptr;
        };
    }
    return actions;
}

std::shared_ptr<host::SysfsWriter> writer_for(const HostOptions& options) {
    return options.writer
               ? options.writer
               : std::make_shared<host::RealSysfsWriter>(host::Sysfs(options.sysfs_root));
}

std::string_view signal_name(int signal) {
    switch (signal) {
        case SIGINT:
            return "SIGINT";
        case SIGTERM:
            return "SIGTERM";
        case SIGHUP:
            return "SIGHUP";
        default:
            return "a signal";
    }
}

}  // namespace

Session::Session(const HostOptions& host)
    : clock_(host.clock != nullptr ? *host.clock : steady_),
      pool_(loop_, host.write_threads),
      sysfs_(host.sysfs_root),
      actions_(loop_, pool_, sysfs_, writer_for(host), action_options(host)),
      real_sysfs_writes_(host.real_sysfs_writes),
      run_dir_(host.run_dir) {}

Session::~Session() = default;

std::size_t Session::writes_overdue() const {
    const auto& s = pool_.stats();
    return static_cast<std::size_t>(s.overdue - s.late_returns);
}

Result<void> Session::note_disconnected(const std::vector<host::SrpHost>& hosts) const {
    if (run_dir_.empty()) {
        return {};
    }
    std::vector<Exclusion> entries;
    for (const host::SrpHost& h : hosts) {
        if (!h.local_device.empty() && h.local_port) {
            entries.push_back(Exclusion{h.local_device, *h.local_port, h.id_ext, h.ioc_guid});
        }
    }
    return entries.empty() ? Result<void>{} : Exclusions(run_dir_).add(entries);
}

Result<void> Session::note_connected(const host::LoginRequest& login) const {
    const auto id_ext = host::id_ext_value(login.spec.id_ext);
    if (run_dir_.empty() || !id_ext) {
        return {};
    }
    return Exclusions(run_dir_).remove_target(login.device, login.port, *id_ext,
                                              login.spec.ioc_guid);
}

Result<MadPorts*> Session::ports() {
    if (!ports_) {
        return fail(Errc::internal, "no source of MADs was set up for this command");
    }
    return ports_.get();
}

void Session::interrupt(int signal) {
    if (signal_ == 0) {
        signal_ = signal;
    }
    if (stop_) {
        stop_(interrupt_reason());
    }
}

std::string Session::interrupt_reason() const {
    return signal_ == 0 ? std::string() : fmt::format("interrupted by {}", signal_name(signal_));
}

void Session::on_interrupt(std::function<void(const std::string&)> handler) {
    stop_ = std::move(handler);
}

Result<void> Session::check_writes(bool dry_run) const {
    const bool simulated = ports_ != nullptr && ports_->simulated();
    if (dry_run || (real_sysfs_writes_ && !simulated)) {
        return {};
    }
    // The same directory however it is spelled (/sys/, //sys, a symlink to it).
    std::error_code ec;
    const bool real = std::filesystem::equivalent(sysfs_.root(), "/sys", ec) && !ec;
    if (real) {
        return fail(Errc::usage,
                    simulated ? "the targets of a simulated fabric are never logged in to "
                                "through the real /sys: give --sysfs-root DIR (a stand-in host) "
                                "or --dry-run"
                              : "this tool never writes into the real /sys: give --sysfs-root "
                                "DIR (a stand-in host) or --dry-run");
    }
    return {};
}

}  // namespace srpadm::ops
