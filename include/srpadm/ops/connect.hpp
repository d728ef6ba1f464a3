// connect: log in to one target given whole (an add_target line or its parts), through one
// local port, then set its remote-port timeouts.
#pragma once

#include <optional>
#include <string>

#include <srpadm/host/actions.hpp>
#include <srpadm/model/login.hpp>
#include <srpadm/model/port.hpp>
#include <srpadm/model/remote_port.hpp>
#include <srpadm/ops/session.hpp>
#include <srpadm/result.hpp>

namespace srpadm::ops {

struct ConnectRequest {
    login::LoginSpec spec;
    std::optional<model::PortSelector> port;  // needed when the host has several SRP ports
    model::RemotePortTimeouts timeouts;
    bool dry_run = false;
};

struct ConnectOutcome {
    host::LoginRequest request;  // device, port, spec and line
    std::string add_target_file;
    std::string existing;  // the SCSI host that already had this login, or ""
    // The login (not made when `existing` or on a dry run).
    std::optional<host::ConnectResult> login;
    // The timeouts (set when asked and the login is there).
    std::optional<Result<std::vector<model::TmoWrite>>> timeouts;

    // The SCSI host the login is on, or "".
    std::string host() const;
};

// Errors before any write: the login string, the port, the timeouts against the kernel's rules
// (for the existing host, or a new remote port's defaults).
Result<ConnectOutcome> connect(Session& session, const ConnectRequest& request);

}  // namespace srpadm::ops
