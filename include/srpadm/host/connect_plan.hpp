// What connect-all does with each discovered target, decided before anything is written:
// the rules' verdict, the login string (with the policy of the defaults and the matching
// rule), whether the login is already there, and the remote-port timeouts to set. Pure: the
// caller hands in the targets, the settings and the current SRP hosts.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <srpadm/host/actions.hpp>
#include <srpadm/host/srp_hosts.hpp>
#include <srpadm/model/config.hpp>
#include <srpadm/model/rules.hpp>
#include <srpadm/model/target.hpp>
#include <srpadm/result.hpp>

namespace srpadm::host {

struct ConnectSettings {
    model::RuleSet rules;
    model::Defaults defaults;  // the configuration's, with the command line's on top
    std::optional<std::uint32_t> max_imm_data;  // ib_srp's, when immediate data is on
    model::TmoValues new_port_timeouts;         // what a new remote port starts with
};

enum class PlanAction : std::uint8_t {
    connect,            // write the login
    already_connected,  // the exact login is there (a live SCSI host)
    denied,             // a deny rule, or default-deny
    invalid,            // allowed, but the login string is refused (bad target data)
};
std::string_view plan_action_name(PlanAction action);  // "connect", "already-connected", ...

struct PlannedTarget {
    model::Target target;
    PlanAction action = PlanAction::connect;
    std::string rule;      // origin of the deciding rule; "" for the implicit final rule
    LoginRequest request;  // device, port, spec and line (line empty when invalid)
    std::string host;      // the SCSI host, when already connected
    model::RemotePortTimeouts timeouts;  // to set after connecting (or on the existing host)
    std::string problem;                 // why it is invalid
};

// Whether `wanted` can be set on the remote port of a login: against `existing`'s current
// values when the login is there (and its values can be read), else against what a new
// remote port starts with. Errc::invalid_input with the kernel's rule that refuses it.
Result<void> check_timeouts(const model::RemotePortTimeouts& wanted, const SrpHost* existing,
                            const model::TmoValues& new_port);

// Plans every target found from local port device:port. Fails (Errc::invalid_input) when
// the timeouts an allowed target would get break the kernel's rules, against the values a new
// remote port starts with or the existing host's current ones: a configuration error, found
// before anything is written.
Result<std::vector<PlannedTarget>> plan_connections(const std::vector<model::Target>& targets,
                                                    const std::string& device, unsigned port,
                                                    const ConnectSettings& settings,
                                                    const std::vector<SrpHost>& hosts);

}  // namespace srpadm::host
