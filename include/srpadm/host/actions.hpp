// What the host-side commands do to the kernel, through a SysfsWriter whose writes run on a
// runtime::BlockingPool (never on the event loop: an add_target write blocks through the path
// lookup, the login and the SCSI scan, about a minute for an unreachable target), every result
// handed back on the loop:
//   - log in: write a login string to class/infiniband_srp/srp-<dev>-<port>/add_target (one
//     pool lane per local port: the kernel serialises them anyway), then, after a settle
//     pause on the loop's clock, read sysfs again to confirm that a SCSI host for the login
//     exists: the write can succeed and the host still be removed at once ("SCSI scan failed -
//     removing SCSI host");
//   - set a remote port's timeouts (class/srp_remote_ports/port-<H>:1/...), in an order the
//     kernel accepts;
//   - log out: write the remote port's delete attribute and wait for the SCSI host to go.
// Every outcome carries a one-line message that names the target and, for an errno, what the
// kernel means by it (kernel drivers/infiniband/ulp/srp/ib_srp.c, add_target_store() and
// srp_cm_rej_handler()).
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
#include <srpadm/runtime/blocking_pool.hpp>
#include <srpadm/runtime/event_loop.hpp>

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
    // Taken on the worker thread around a login's last look at sysfs and its write, so that two
    // processes (the daemon and a connect-all by hand) never both write one login: the second
    // finds the first's SCSI host under the lock and writes nothing. Returns what holds the
    // lock (null: no lock). Unset: no lock and no second look.
    std::function<std::shared_ptr<void>(const std::string& device, unsigned port)> login_lock;
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

// What ib_srp means by an errno from add_target (see above); "" for EEXIST.
std::string add_target_error_meaning(int error);
// "id_ext=...,ioc_guid=... (dgid ..., pkey ...|dest ...) on mlx5_0:1": names a login.
std::string describe_login(const LoginRequest& request);

// The outcome of one write through the pool.
struct WriteOutcome {
    bool timed_out = false;
    std::error_code error;  // when not timed out: {} on success
    std::string existing;   // the SCSI host found under the login lock: nothing was written

    bool ok() const { return !timed_out && !error; }
};

class HostActions {
  public:
    // Callbacks run on `loop`; writes run on `pool`; both must outlive this object. Destroying
    // it abandons what it started: callbacks for writes still running are not run.
    HostActions(runtime::EventLoop& loop, runtime::BlockingPool& pool, Sysfs sysfs,
                std::shared_ptr<SysfsWriter> writer, ActionOptions options);

    const Sysfs& sysfs() const { return sysfs_; }
    const ActionOptions& options() const { return options_; }

    // The whole login: the write (and the fallback line on EINVAL), the settle pause, the
    // re-check. `done` runs once, on the loop.
    void connect(const LoginRequest& request, std::function<void(ConnectResult)> done);

    // Sets `wanted` on `host`'s remote port; `done` gets the writes made (none when nothing
    // changes), or Errc::invalid_input when the kernel's rules refuse the result (nothing is
    // written), Errc::io when a write fails (the ones before it stay: each is valid alone).
    void set_timeouts(const SrpHost& host, const model::RemotePortTimeouts& wanted,
                      std::function<void(Result<std::vector<model::TmoWrite>>)> done);

    // Writes "1" to the host's remote port's delete attribute, then waits up to
    // disconnect_wait for the SCSI host to go. `done` gets true when it is gone, false when it
    // is still there after the wait (the kernel removes it asynchronously); Errc::io when the
    // write fails, Errc::not_found without a remote port.
    void disconnect(const SrpHost& host, std::function<void(Result<bool>)> done);

    // Called on the loop when a write that had been reported as timed out returns at last:
    // what it was (the attribute and the login or value) and what the kernel said.
    void set_late_handler(std::function<void(const std::string& what, std::error_code)> handler) {
        late_ = std::move(handler);
    }

  private:
    struct Login;

    // What a login job does first under the login lock: the lock's holder and the SCSI host
    // that already has the login ("" to write).
    using Guard = std::function<std::pair<std::shared_ptr<void>, std::string>()>;
    // One write on `lane`; `done` on the loop.
    void write(const std::string& lane, const std::string& relative, std::string data,
               std::chrono::milliseconds timeout, std::function<void(WriteOutcome)> done,
               Guard guard = {});
    void write_login(const std::shared_ptr<Login>& login);
    void finish_login(const std::shared_ptr<Login>& login);
    void write_timeouts(const SrpHost& host, std::vector<model::TmoWrite> plan, std::size_t next,
                        std::function<void(Result<std::vector<model::TmoWrite>>)> done);
    void wait_gone(std::string dir, std::chrono::milliseconds waited,
                   std::function<void(Result<bool>)> done);
    std::set<std::string> host_names() const;
    ConnectResult confirm(const Login& pending, const HostScan& after) const;

    runtime::EventLoop& loop_;
    runtime::BlockingPool& pool_;
    Sysfs sysfs_;
    std::shared_ptr<SysfsWriter> writer_;
    ActionOptions options_;
    std::function<void(const std::string&, std::error_code)> late_;
    // The pool's callbacks hold it weakly: a write that returns after these actions are gone
    // is dropped.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace srpadm::host
