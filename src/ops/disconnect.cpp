#include <algorithm>
#include <memory>

#include <srpadm/ops/disconnect.hpp>

namespace srpadm::ops {

bool DisconnectSelection::matches(const host::SrpHost& h) const {
    const bool host_ok =
        hosts.empty() || std::find(hosts.begin(), hosts.end(), h.host_no) != hosts.end();
    return host_ok && (!id_ext || *id_ext == h.id_ext) && (!ioc_guid || *ioc_guid == h.ioc_guid) &&
           (!port || (h.local_port && port->matches(h.local_device, *h.local_port)));
}

std::vector<host::SrpHost> select_hosts(const std::vector<host::SrpHost>& hosts,
                                        const DisconnectSelection& selection) {
    std::vector<host::SrpHost> chosen;
    std::copy_if(hosts.begin(), hosts.end(), std::back_inserter(chosen),
                 [&selection](const host::SrpHost& h) { return selection.matches(h); });
    return chosen;
}

Result<std::vector<DisconnectOutcome>> disconnect(Session& session,
                                                  const std::vector<host::SrpHost>& hosts) {
    if (auto ok = session.check_writes(false); !ok) {
        return Unexpected(ok.error());
    }
    std::vector<DisconnectOutcome> out;
    out.reserve(hosts.size());
    for (const host::SrpHost& h : hosts) {
        out.push_back(DisconnectOutcome{h, false});
    }
    std::size_t left = out.size();
    for (DisconnectOutcome& o : out) {
        session.actions().disconnect(o.host, [&o, &left](Result<bool> gone) {
            o.gone = std::move(gone);
            --left;
        });
    }
    session.loop().run_until([&left] { return left == 0; });
    // A running daemon must not log in again to what the admin took down.
    std::vector<host::SrpHost> taken_down;
    for (const DisconnectOutcome& o : out) {
        if (o.gone) {
            taken_down.push_back(o.host);
        }
    }
    if (auto noted = session.note_disconnected(taken_down); !noted) {
        return Unexpected(noted.error());
    }
    return out;
}

}  // namespace srpadm::ops
