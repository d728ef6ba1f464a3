// What the host-side commands do to the kernel, through a SysfsWriter:
//   - log in: write a login string to class/infiniband_srp/srp-<dev>-<port>/add_target (off
//     the caller's thread, with a deadline), then read sysfs again to confirm that a SCSI host
//     for the login exists: the write can succeed and the host still be removed at once
//     ("SCSI scan failed - removing SCSI host");
//   - set a remote port's timeouts (class/srp_remote_ports/port-<H>:1/...), in an order the
//     kernel accepts;
//   - log out: write the remote port's delete attribute and wait for the SCSI host to go.
// Every outcome carries a one-line message that names the target and, for an errno, what the
// kernel means by it (kernel-abi §1.3).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <srpadm/host/srp_hosts.hpp>
#include <srpadm/host/sysfs.hpp>
#include <srpadm/host/writer.hpp>
#include <srpadm/model/login.hpp>
#include <srpadm/model/remote_port.hpp>
#include <srpadm/result.hpp>

namespace srpadm::host {

struct ActionOptions {
    // How long an add_target write may take (path lookup, login, SCSI scan).
    std::chrono::milliseconds write_timeout = std::chrono::seconds(60);
    // How long the other writes (timeouts, delete) may take; the kernel answers them at once.
    std::chrono::milliseconds quick_write_timeout = std::chrono::seconds(10);
    // The pause between a successful add_target write and the re-check of sysfs, so that a
    // host the kernel removes right after the scan is seen gone.
    std::chrono::milliseconds settle = std::chrono::milliseconds(500);
    // How long a logout waits for the SCSI host to go (0: do not wait), and how often it looks.
    std::chrono::milliseconds disconnect_wait = std::chrono::seconds(10);
    std::chrono::milliseconds poll_interval = std::chrono::milliseconds(100);
    // Injected for tests (default: std::this_thread::sleep_for).
    std::function<void(std::chrono::milliseconds)> sleep;
};

enum class ConnectState : std::uint8_t {
    connected,          // the write succeeded and the SCSI host is there
    already_connected,  // found before writing, or the kernel said EEXIST
    failed,             // the kernel refused (errno)
    timed_out,          // the write did not return in time; it may still complete
    vanished,           // the write succeeded but no SCSI host is left for the login
};
std::string_view connect_state_name(ConnectState state);  // "connected", "already-connected"...

// One login: where it goes and what is written.
struct LoginRequest {
    std::string device;
    unsigned port = 0;
    login::LoginSpec spec;
    std::string line;  // login::render(spec)
    // The same login without the max_it_iu_size that srpadm added because ib_srp's immediate
    // data is on (srp_daemon's rule), or "" when it added none. Kernels that have immediate
    // data but predate the option (about 5.0 to 5.4) refuse every line with it (EINVAL, while
    // parsing, before any connection attempt); submit() then writes this line instead.
    std::string fallback_line;
};

struct ConnectResult {
    ConnectState state = ConnectState::failed;
    int error = 0;        // errno, when failed
    std::string host;     // "host7", when known
    std::string message;  // one line, for the user
};

// A write that was made and awaits its re-check.
struct PendingLogin {
    LoginRequest request;
    std::set<std::string> hosts_before;  // SCSI host names before the write
    WriteOutcome outcome;
    // The kernel refused `line` with EINVAL and the outcome is that of `fallback_line`.
    bool used_fallback = false;
};

// What ib_srp means by an errno from add_target (kernel-abi §1.3); "" for EEXIST.
std::string add_target_error_meaning(int error);
// "id_ext=...,ioc_guid=... (dgid ..., pkey ...|dest ...) on mlx5_0:1": names a login.
std::string describe_login(const LoginRequest& request);

class HostActions {
  public:
    HostActions(Sysfs sysfs, std::shared_ptr<SysfsWriter> writer, ActionOptions options);

    const Sysfs& sysfs() const { return sysfs_; }

    // The whole login: write, settle, re-check.
    ConnectResult connect(const LoginRequest& request);

    // The two halves, for many logins with one settle pause between them.
    PendingLogin submit(const LoginRequest& request);
    ConnectResult confirm(const PendingLogin& pending, const HostScan& after) const;
    void settle() const;

    // Sets `wanted` on `host`'s remote port; returns the writes made (none when nothing
    // changes). Errors: Errc::invalid_input when the kernel's rules refuse the result,
    // Errc::io when a write fails.
    Result<std::vector<model::TmoWrite>> set_timeouts(const SrpHost& host,
                                                      const model::RemotePortTimeouts& wanted);

    // Writes "1" to the host's remote port's delete attribute, then waits up to
    // disconnect_wait for the SCSI host to go. Returns true when it is gone, false when it is
    // still there after the wait (the kernel removes it asynchronously); Errc::io when the
    // write fails, Errc::not_found without a remote port.
    Result<bool> disconnect(const SrpHost& host);

  private:
    std::set<std::string> host_names() const;
    ConnectResult confirm_write(const PendingLogin& pending, const HostScan& after) const;

    Sysfs sysfs_;
    std::shared_ptr<SysfsWriter> writer_;
    ActionOptions options_;
};

}  // namespace srpadm::host
