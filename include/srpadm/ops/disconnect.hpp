// disconnect: which SRP logins a selection names, and logging out of them.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <srpadm/host/srp_hosts.hpp>
#include <srpadm/model/port.hpp>
#include <srpadm/ops/session.hpp>
#include <srpadm/result.hpp>

namespace srpadm::ops {

// Everything given must match; `all` matches every login (narrowed by `port`).
struct DisconnectSelection {
    std::optional<std::uint64_t> id_ext;
    std::optional<std::uint64_t> ioc_guid;
    std::vector<unsigned> hosts;  // SCSI host numbers
    std::optional<model::PortSelector> port;

    bool matches(const host::SrpHost& host) const;
};

std::vector<host::SrpHost> select_hosts(const std::vector<host::SrpHost>& hosts,
                                        const DisconnectSelection& selection);

struct DisconnectOutcome {
    host::SrpHost host;
    Result<bool> gone = false;  // true: the SCSI host went; false: still there after the wait
};

// Logs out of every host (Session::check_writes first: Errc::usage before any write) (through its
// remote port's delete attribute, each on its own lane), waiting up to the session's
// disconnect_wait for each to go; runs the loop until all are done.
Result<std::vector<DisconnectOutcome>> disconnect(Session& session,
                                                  const std::vector<host::SrpHost>& hosts);

}  // namespace srpadm::ops
