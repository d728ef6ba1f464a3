// Scheduled fabric events: what changes in the fabric at a given (virtual) time.
#pragma once

#include <functional>
#include <string>
#include <variant>
#include <vector>

#include <srpadm/runtime/clock.hpp>
#include <srpadm/sim/fabric.hpp>

namespace srpadm::sim {

// The SM (and its SA) moves to another port: the SM LID changes, every subscription is
// forgotten, and local ports see an sm_change event.
struct SmMove {
    PortRef to;
};

// A port goes down or comes up. A local (initiator) port: the endpoint sees port events and
// its outstanding requests fail. A remote port: the SA reports trap 65 (down) or 64 (up).
struct PortDown {
    PortRef port;
};
struct PortUp {
    PortRef port;
};

// An SRP target starts or stops on a port that stays up: IsDM is set or cleared and the SA
// reports trap 144 with the new capability mask.
struct TargetChange {
    PortRef port;
    bool present = true;
    std::optional<DmAgent> agent;  // the agent to install when present (default: keep/LIO)
};

// The target's I/O unit changes: ChangeID is bumped, then `change` (if any) edits the IOCs.
struct IocChange {
    PortRef port;
    std::function<void(DmAgent&)> change;
};

// The P_Key table of a port changes (on a local port: a pkey_change port event).
struct PKeyTableChange {
    PortRef port;
    std::vector<PKey> pkeys;
};

// The access list of the SRP target on a port changes: `allow` adds the entries (and with
// `any` opens the target to every initiator), otherwise they are removed (and with `any` the
// target is closed to initiators not listed). Sessions the list no longer admits are closed.
struct AclChange {
    PortRef port;
    bool allow = true;
    bool any = false;
    std::vector<AclEntry> entries;
};

using FabricEvent =
    std::variant<SmMove, PortDown, PortUp, TargetChange, IocChange, PKeyTableChange, AclChange>;

struct TimedEvent {
    runtime::Duration at{};  // from the start of the simulation
    FabricEvent event;
    std::string origin;
};

std::string describe(const Fabric& fabric, const FabricEvent& event);

}  // namespace srpadm::sim
