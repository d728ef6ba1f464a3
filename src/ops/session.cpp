#include <csignal>
#include <filesystem>

#include <fmt/format.h>

#include <srpadm/ops/session.hpp>

namespace srpadm::ops {
namespace {

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
    : pool_(loop_, host.write_threads),
      sysfs_(host.sysfs_root),
      actions_(loop_, pool_, sysfs_, writer_for(host), host.actions),
      real_sysfs_writes_(host.real_sysfs_writes) {}

Session::~Session() = default;

std::size_t Session::writes_overdue() const {
    const auto& s = pool_.stats();
    return static_cast<std::size_t>(s.overdue - s.late_returns);
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
