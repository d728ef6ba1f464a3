// One run of an operation: the event loop everything runs on, the pool that makes the blocking
// sysfs writes, this host's sysfs and the actions on it, the MAD ports, and the stop request.
// A front end (the CLI, the daemon, the srp_daemon personality) builds one and hands it to the
// operations; nothing in here parses options or prints.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <srpadm/host/actions.hpp>
#include <srpadm/host/sysfs.hpp>
#include <srpadm/host/writer.hpp>
#include <srpadm/ops/mad_ports.hpp>
#include <srpadm/result.hpp>
#include <srpadm/runtime/blocking_pool.hpp>
#include <srpadm/runtime/clock.hpp>
#include <srpadm/runtime/event_loop.hpp>

namespace srpadm::ops {

struct HostOptions {
    std::string sysfs_root = "/sys";
    host::ActionOptions actions;
    // Writes to sysfs at once (logins through different ports, timeouts, deletes).
    std::size_t write_threads = 8;
    // Makes the writes; default: the real one under sysfs_root. Tests record them.
    std::shared_ptr<host::SysfsWriter> writer;
    // false: this front end never writes into the real /sys (srpadm-sim), whatever it does.
    bool real_sysfs_writes = true;
    // srpadm's run directory: the per-port login locks (ops/run_dir.hpp) and the logins the
    // admin disconnected. Empty: no locks (a dry run, a test). A lock that cannot be taken
    // (the directory is not writable) is skipped.
    std::string run_dir;
    // The clock the session's loop runs on; default (nullptr): the steady clock. A test or a
    // simulation gives a VirtualClock, which must outlive the session.
    runtime::Clock* clock = nullptr;
};

class Session {
  public:
    // Host actions run on the session's clock (HostOptions::clock, the steady one by default):
    // a settle pause and a logout wait are real time, whatever clock a one-shot simulated scan
    // uses.
    explicit Session(const HostOptions& host);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;
    Session(Session&&) = delete;
    Session& operator=(Session&&) = delete;

    runtime::EventLoop& loop() { return loop_; }
    const host::Sysfs& sysfs() const { return sysfs_; }
    host::HostActions& actions() { return actions_; }

    void set_ports(std::unique_ptr<MadPorts> ports) { ports_ = std::move(ports); }
    // Writes past their deadline that have not returned yet.
    std::size_t writes_overdue() const;
    // The run directory ("" when none).
    const std::string& run_dir() const { return run_dir_; }
    // Notes that the admin took these logins down (ops/run_dir.hpp Exclusions), or that they
    // are up again: what a running daemon leaves alone. Nothing without a run directory; a
    // file that cannot be written is reported in the result.
    Result<void> note_disconnected(const std::vector<host::SrpHost>& hosts) const;
    Result<void> note_connected(const host::LoginRequest& login) const;
    // Errc::internal when none was set (a front end that did not say where MADs go).
    Result<MadPorts*> ports();

    // Asks what runs now to stop, as a signal does: the operation that registered a stop
    // handler ends with Errc::cancelled and "interrupted by <SIGNAL>". Call on the loop.
    void interrupt(int signal);
    // The signal that stopped the session, 0 if none: a front end exits with 128 + it.
    int interrupting_signal() const { return signal_; }
    // "interrupted by SIGINT", ... ; "" when not interrupted.
    std::string interrupt_reason() const;
    // The current operation's way to stop (cleared with an empty function).
    void on_interrupt(std::function<void(const std::string& why)> handler);

    // Writes into the real /sys are refused when the targets come from a simulated fabric, or
    // when the front end never writes there (HostOptions::real_sysfs_writes): a simulated
    // target is never logged in to for real. A --sysfs-root stand-in or a dry run is fine.
    // Errc::usage names both ways out. Every operation that writes calls it first.
    Result<void> check_writes(bool dry_run) const;

  private:
    runtime::SteadyClock steady_;
    runtime::Clock& clock_;
    runtime::EventLoop loop_{clock_};
    runtime::BlockingPool pool_;  // joins its threads: a write past its deadline is waited for
    host::Sysfs sysfs_;
    host::HostActions actions_;
    std::unique_ptr<MadPorts> ports_;
    bool real_sysfs_writes_;
    std::string run_dir_;
    int signal_ = 0;
    std::function<void(const std::string&)> stop_;
};

}  // namespace srpadm::ops
