// connect-all: discover from one port, decide for every target with the rules and the policy
// (host::plan_connections, the one decision function the daemon uses too), log in to those
// allowed and not connected yet, then set their remote-port timeouts. Typed outcomes; the
// front end renders them.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <srpadm/host/connect_plan.hpp>
#include <srpadm/model/remote_port.hpp>
#include <srpadm/ops/scan.hpp>
#include <srpadm/ops/session.hpp>
#include <srpadm/ops/settings.hpp>
#include <srpadm/result.hpp>

namespace srpadm::ops {

enum class TargetState : std::uint8_t {
    would_connect,      // dry run: the line would be written
    connected,          // written, and the SCSI host is there
    already_connected,  // found before writing, or the kernel said EEXIST
    denied,             // a deny rule, or default-deny
    invalid,            // allowed, but the target's data makes no valid login
    failed,             // the kernel refused the login (errno)
    timed_out,          // the write did not return in time
    vanished,           // written, but no SCSI host is left for it
};
// "would-connect", "connected", "already-connected", "denied", "invalid", "failed",
// "timed-out", "vanished" (the JSON and text spellings).
std::string_view target_state_name(TargetState state);

struct TargetOutcome {
    host::PlannedTarget plan;
    TargetState state = TargetState::would_connect;
    std::string host;     // the SCSI host, when known
    std::string message;  // one line, naming the target
    int error = 0;        // the kernel's errno when the login failed
    std::vector<model::TmoWrite> timeouts_set;
    std::string timeouts_error;

    // The login is there (made now or before), whatever happened to its timeouts.
    bool logged_in() const {
        return state == TargetState::connected || state == TargetState::already_connected;
    }
    // The login or its timeouts failed.
    bool failed() const;
    // What failed, one line naming the target: the timeouts' error, else the login's message.
    const std::string& failure() const { return timeouts_error.empty() ? message : timeouts_error; }
};

// What a plan says before anything is done (dry run).
TargetOutcome planned_outcome(const host::PlannedTarget& plan);

// Logs in to every outcome whose plan says connect (each through its port's lane), then sets
// the planned timeouts of every login that is there; `done` runs on the session's loop when
// all is finished. For connect-all and the daemon.
void carry_out(Session& session, std::vector<TargetOutcome> outcomes,
               std::function<void(std::vector<TargetOutcome>)> done);

struct ConnectAllRequest {
    SettingsRequest settings;
    ScanRequest scan;
    bool dry_run = false;
};

struct ConnectAllResult {
    std::string device;  // the local port scanned from
    unsigned port = 0;
    std::string add_target_file;  // its add_target attribute, full path
    std::vector<TargetOutcome> outcomes;
    std::vector<std::string> problems;  // discovery's (the invalid targets are outcomes)
};

// Fails before any write: a bad configuration or option (Errc::invalid_input), a simulated
// fabric over the real /sys (Errc::usage), the scan's errors, no SRP initiator port for the
// local port (Errc::not_found). Runs the session's loop until done.
Result<ConnectAllResult> connect_all(Session& session, const ConnectAllRequest& request,
                                     const model::ConfigSources& sources);

// 0 when every allowed target is connected and nothing went wrong; 6 (partial) when some did
// or discovery had problems; 7 (connect) when every login failed and nothing else is wrong.
ExitStatus connect_all_status(const ConnectAllResult& result);

}  // namespace srpadm::ops
