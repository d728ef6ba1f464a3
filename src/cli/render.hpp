// Renderers for discovery results: srp_daemon's human listing, add_target lines, JSON.
// They only format; what to print was decided by the discovery engine and the policy.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include <srpadm/discovery/discovery.hpp>
#include <srpadm/mad/endpoint.hpp>
#include <srpadm/model/target.hpp>

namespace srpadm::cli {

// srp_daemon's "IO Unit Info" listing (ibsrpdm, srp_daemon -o): one block per DM port and
// shared P_Key; `verbose` adds the per-slot controller lines (srp_daemon -v). Text from the
// wire is shown escaped.
std::string render_listing(const discovery::DiscoveryReport& report, bool verbose);

// One add_target line per target (srp_daemon -o -a -c). A target whose line fails the
// kernel's rules is left out and named in `problems`.
std::string render_add_target(const discovery::DiscoveryReport& report,
                              const model::LoginPolicy& policy, std::vector<std::string>& problems);

// The documented JSON document (man srpadm(8), "JSON OUTPUT"), schema "srpadm.discover/1".
nlohmann::json render_json(const discovery::DiscoveryReport& report,
                           const model::LoginPolicy& policy, const model::PortAttributes& port);

}  // namespace srpadm::cli
