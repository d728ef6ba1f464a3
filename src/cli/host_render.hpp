// Renderers for the host-side commands: they format what the commands decided and did,
// as text or JSON, and decide nothing.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <srpadm/host/host_ports.hpp>
#include <srpadm/host/multipath.hpp>
#include <srpadm/host/srp_hosts.hpp>
#include <srpadm/model/initiator_id.hpp>
#include <srpadm/ops/connect_all.hpp>

namespace srpadm::cli {

// srpadm list: the SRP hosts grouped by target (id_ext, ioc_guid), a line per path;
// `verbose` adds each path's remote-port timeouts.
std::string render_list_text(const std::vector<host::SrpHost>& hosts, bool verbose);
nlohmann::json render_list_json(const std::vector<host::SrpHost>& hosts,
                                const std::vector<std::string>& problems);
// srpadm list --multipath-conf: the plan as a multipath.conf(5) snippet, its reasons as
// comments; a comment alone when there are no SRP disks.
std::string render_multipath_conf(const host::MultipathPlan& plan);

// srpadm initiator-id: the names a target's ACL needs, per local port.
struct InitiatorIdView {
    host::HostPort port;
    std::uint64_t initiator_ext = 0;
    std::uint16_t io_class = login::kIoClassRev16a;
    bool topspin_workarounds = true;
};
std::string render_initiator_id_text(const std::vector<InitiatorIdView>& ports);
nlohmann::json render_initiator_id_json(const std::vector<InitiatorIdView>& ports);

// srpadm connect-all: what happened to each discovered target. Text for standard output: with
// `dry_run` the add_target lines under a comment naming the file, other targets as comments;
// otherwise one line per target that was acted on (failures are left to standard error).
// `verbose` adds the denied targets.
std::string render_connect_all_text(const ops::ConnectAllResult& result, bool dry_run,
                                    bool verbose);
nlohmann::json render_connect_all_json(const ops::ConnectAllResult& result, bool dry_run);

}  // namespace srpadm::cli
