// srpadm status: one view of the SRP initiator, from what sysfs shows and, when the daemon
// runs, what it says on its control socket. The document's schema is documented in
// docs/control-protocol.md ("srpadm status --format json"); the text form is rendered from the
// document alone, so both say the same.
//
// Paths are grouped by target (id_ext and ioc_guid, as the kernel tells targets apart): one
// entry per target with a path per local port, whether the daemon found it there, sysfs has
// a login there, or both. Without the daemon, what only it knows (why a target is not
// connected, the next attempt, scans, subscriptions, whether a target is reachable on more
// ports) is null, as iscsiadm shows fields it cannot know.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <srpadm/host/host_ports.hpp>
#include <srpadm/host/srp_hosts.hpp>

namespace srpadm::ops {

inline constexpr int kStatusVersion = 1;

struct StatusInputs {
    // The daemon's "status" result, or nullopt with the reason it is not there.
    std::optional<nlohmann::json> daemon;
    std::string no_daemon;
    std::vector<host::HostPort> ports;  // sysfs
    host::HostScan hosts;               // sysfs
};

nlohmann::json status_document(const StatusInputs& inputs);

// The targets of a status document that are reachable on more ports than they are connected
// through (what the daemon found, not counting paths the rules deny or the admin took down),
// as warnings in words; empty without the daemon.
std::vector<std::string> multipath_warnings(const nlohmann::json& document);

}  // namespace srpadm::ops
