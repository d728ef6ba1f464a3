// The discovery engine: finds every SRP target the local port can reach.
//
// The reference algorithm (rdma-core srp_daemon), without its defects:
//   1. SA ClassPortInfo: does the SA match PortInfo capability masks?
//   2. yes: PortInfoRecord GetTable of the ports with IsDeviceManagementSupported;
//      no ("old SM"): NodeRecord GetTable of every port, then PortInfoRecord Get per port.
//   3. per DM port: one PathRecord Get per local P_Key (SLID, DLID, P_Key) gives the shared
//      P_Keys and the port's GID. (One query cannot list them: an SA answers a PathRecord
//      query without a P_Key with the first common P_Key only, and P_KeyTableRecord is
//      refused to requesters without the SM_Key.)
//   4. per DM port sharing a P_Key: Device Management IOUnitInfo, IOControllerProfile per
//      present slot, ServiceEntries in blocks of four; one target per "SRP.T10:" service and
//      shared P_Key.
// Every SA and DM status is checked, every request has its own deadline and is retried with
// backoff (MadQueue), every walk is bounded by what the bytes hold, and MADs are pipelined
// in a bounded window. Answers that rarely change are cached across scans (DiscoveryCache):
// the SA's capabilities, each DM port's GID and shared P_Keys, and each IOUnit's controllers
// and services keyed by its ChangeID, so a rescan of an unchanged fabric costs one SA query
// (the DM port table) and one IOUnitInfo per DM port.
//
// A targeted scan (PortSelection) looks at the ports an SA Report named and nothing else: a
// LID is checked with one PortInfoRecord Get (is it still a DM port?), a GID is first
// resolved with one PathRecord per local P_Key by DGID; then the port is walked as above. No
// ClassPortInfo and no DM port table: with the cache, a port that did not change costs one
// SA query and one IOUnitInfo. merge_targeted() puts its report into the last full one.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <srpadm/discovery/mad_queue.hpp>
#include <srpadm/mad/endpoint.hpp>
#include <srpadm/model/target.hpp>
#include <srpadm/result.hpp>
#include <srpadm/wire/dm.hpp>

namespace srpadm::discovery {

struct DiscoveryOptions {
    QueueLimits limits;
    RetryPolicy retry;
    bool use_cache = true;
    // Walk every IOC and its services again even when IOUnitInfo's ChangeID is the cached one
    // (the port identities still come from the cache: no extra SA query). LIO's ib_srpt always
    // answers ChangeID 1 (kernel drivers/infiniband/ulp/srpt/ib_srpt.c, srpt_get_iou()), so a
    // reconfigured LIO target is otherwise never seen by a cached scan.
    bool rewalk_iocs = false;
    // srp_daemon sends DM Set(ClassPortInfo) with our LID/GID as the trap address to target
    // ports with the Topspin OUI before walking them.
    bool topspin_class_port_info = true;
    // Progress lines (for -v); called on the loop thread.
    std::function<void(const std::string&)> progress;
};

// One I/O controller as its target described it.
struct IocReport {
    std::uint16_t slot = 0;
    wire::IoControllerProfile profile;
    std::vector<wire::ServiceEntry> services;  // every entry, SRP or not, in entry order
    std::string error;                         // why the profile or some entries are missing
};

// One port with IsDeviceManagementSupported, and what its DM agent said.
struct DmPortReport {
    Lid lid = 0;                     // 0 for a port named by address
    std::string address;             // a port named by address (AddressedPort::name), else empty
    Gid gid;                         // prefix from the SA, GUID from the PathRecord
    std::vector<PKey> shared_pkeys;  // in local P_Key table order
    std::optional<wire::IoUnitInfo> iou;
    std::vector<IocReport> iocs;  // present slots, ascending
    bool from_cache = false;      // controllers and services reused (same ChangeID)
    std::string error;            // why the walk stopped, empty when it completed
};

struct ScanStats {
    std::uint64_t sa_requests = 0;       // SA MADs sent (attempts, retries included)
    std::uint64_t sa_response_mads = 0;  // SA response MADs, RMPP segments counted
    std::uint64_t dm_requests = 0;
    std::uint64_t dm_responses = 0;
    std::uint64_t retries = 0;
    std::uint64_t timeouts = 0;
    std::uint64_t busy = 0;
    std::uint64_t unmatched = 0;  // responses dropped (late, duplicate, wrong TID)
    std::size_t peak_outstanding = 0;
    std::size_t dm_ports = 0;
    std::size_t dm_ports_cached = 0;  // IOUnit unchanged: controllers reused
    runtime::Duration elapsed{};
};

// The ports a targeted scan looks at, as SA Reports name them (ports_named_by() in
// traps.hpp): by LID (traps 144 and 145, or a LID from an earlier report) and by GID (traps
// 64 and 65). LID 0 is ignored; a port given twice (also by LID and by GID) is walked once.
struct PortSelection {
    std::vector<Lid> lids;
    std::vector<Gid> gids;

    bool empty() const { return lids.empty() && gids.empty(); }
};

// Where Device Management MADs to a port named by address go: its GID, from a local GID.
struct GidRoute {
    Gid dgid;
    std::uint8_t sgid_index = 0;

    friend bool operator==(const GidRoute&, const GidRoute&) = default;
};

// A target port named by address (RoCE: there is no subnet administrator to list ports). The
// Device Management MADs go to one of its GIDs with a GRH, LID 0: the routes are tried in
// order until one answers IOUnitInfo, and the walk goes on there. Its SRP services become
// RDMA/CM targets with `login` as their address. ops::resolve_addressed() makes these from
// what the admin wrote, the local port's GID table and the neighbour table.
struct AddressedPort {
    std::string name;              // the login's dest ("192.0.2.15:5555"): reports name the port so
    std::vector<GidRoute> routes;  // at least one
    login::RdmaCmAddress login;

    friend bool operator==(const AddressedPort&, const AddressedPort&) = default;
};

enum class PortOutcome : std::uint8_t {
    present,  // a DM port that shares a P_Key: its entry is in `ports`, its targets in `targets`
    gone,     // no DM port there now: no such LID or GID, the DM bit clear, no path, no
              // shared P_Key. Its earlier entry and targets are to be dropped.
    failed,   // the SA's answer about it could not be had (see the problems): nothing is known,
              // its earlier entry stands
};

// "present", "gone", "failed".
std::string_view port_outcome_name(PortOutcome outcome);

// One port a targeted scan was asked about, and what became of it.
struct ScannedPort {
    Lid lid = 0;             // as asked, or resolved from the GID; 0 when not known
    std::optional<Gid> gid;  // as asked, or learnt (a present port's GID); nullopt when unknown
    PortOutcome outcome = PortOutcome::failed;
    std::string why;  // gone or failed: in words (printable ASCII)
};

struct DiscoveryReport {
    std::vector<model::Target> targets;  // in srp_daemon's order (see discovery.cpp)
    std::vector<DmPortReport> ports;     // DM ports in the SA's table order
    std::vector<std::string> problems;   // per-port failures, skipped services, bad records
    // For each problem, the LID of the port it is about (0: about the whole scan), so that a
    // merge can drop what is known no longer to hold.
    std::vector<Lid> problem_lids;
    bool mask_match = true;  // the SA supported the capability-mask query (targeted: as cached)
    // A targeted scan: `scanned` lists every port asked about (in the order asked, LIDs first),
    // `ports` and `targets` hold the present ones only.
    bool targeted = false;
    std::vector<ScannedPort> scanned;
    ScanStats stats;

    bool complete() const { return problems.empty(); }
};

// The view a full scan would give after a targeted one: `previous` (a full report, or an
// earlier merge) with every port `targeted` scanned replaced by what it found.
//
// A scanned port matches the previous entries with its LID or its GID (a port that came back
// at another LID replaces its old entry). Present: its new entry takes the place of the first
// one it matches (the previous order is the SA's table order, the order a full scan lists the
// ports in); a port that matches none goes where the SA's table has it, judged by its port
// GUID when the previous ports are in GUID order (OpenSM's order, see discovery.cpp), and at
// the end when they are in no order that tells; gone: the entries it matches are
// dropped; failed: they stay as they were. Targets follow their ports (a port's targets are
// the ones with its LID, in its report's order), so the merged targets are in the order a
// full scan gives them. Problems: the previous ones about ports the targeted scan settled are
// dropped, its own are added. mask_match is the previous one; stats are the targeted scan's,
// with dm_ports and dm_ports_cached counted over the merged ports. A full `targeted` report
// replaces `previous` whole.
DiscoveryReport merge_targeted(const DiscoveryReport& previous, const DiscoveryReport& targeted);

// Answers kept between scans of one local port. Drop them on the events that change them
// (see the daemon): everything on an SM change or client reregistration; the port entries on
// a local LID or P_Key change; one LID's entry on traps 64/65/144/145 about it. A scan also
// drops everything itself when it finds the SM at another LID, and a port's entries when the
// port is no longer among the SA's DM ports.
class DiscoveryCache {
  public:
    struct PortIdentity {
        Guid port_guid = 0;
        std::uint64_t gid_prefix = 0;
        std::vector<PKey> shared_pkeys;
        std::vector<PKey> local_pkeys;  // the local table these were computed against
    };
    struct IouContents {
        std::uint16_t change_id = 0;
        std::vector<IocReport> iocs;
    };

    Lid sm_lid = 0;  // the SM whose SA gave these answers
    std::optional<bool> mask_match;
    std::unordered_map<Lid, PortIdentity> ports;
    std::unordered_map<Guid, IouContents> iou;  // by target port GUID

    void clear() {
        sm_lid = 0;
        mask_match.reset();
        ports.clear();
        iou.clear();
    }
    void forget_lid(Lid lid);
    // Every port entry with this port GUID, and its IOUnit's.
    void forget_guid(Guid guid);
};

// The id_ext of an "SRP.T10:<id_ext>" service name, read as srp_daemon reads it (sscanf
// "SRP.T10:%16s": leading blanks skipped, then up to 16 non-blank bytes) so that add_target
// lines match; nullopt when the entry is not an SRP service. Not yet checked to be hex.
std::optional<std::string> srp_id_ext(const wire::ServiceEntry& entry);

class Scan;

// One scan in progress on the endpoint's loop, which the caller runs (a daemon runs scans of
// several ports, timers and file descriptors on one loop).
class ScanOperation {
  public:
    using Done = std::function<void(Result<DiscoveryReport>)>;

    // Starts a scan. `done` runs once, on the loop thread, never inside start() or cancel():
    // with the report, or the error that made the scan fail (only when nothing could be
    // learned: port unusable, SA unreachable; per-port problems are listed in the report).
    // `cache` (may be null) must outlive the operation.
    static std::unique_ptr<ScanOperation> start(mad::MadEndpoint& endpoint,
                                                DiscoveryOptions options, DiscoveryCache* cache,
                                                Done done);
    // Starts a targeted scan of `ports` only (see PortSelection), with the same rules for
    // `done`. It fails as a full scan does for the local port and when cancelled; an SA that
    // does not answer about a port makes that port `failed` (a problem in the report).
    static std::unique_ptr<ScanOperation> start(mad::MadEndpoint& endpoint,
                                                DiscoveryOptions options, DiscoveryCache* cache,
                                                PortSelection ports, Done done);
    // Starts a scan of ports named by address only (see AddressedPort): no SA query, the DM
    // walk of each port as in a full scan, each over RoCE or any port a GRH reaches. A port that
    // does not answer is a problem in the report; the port's own state fails the scan as above.
    static std::unique_ptr<ScanOperation> start(mad::MadEndpoint& endpoint,
                                                DiscoveryOptions options, DiscoveryCache* cache,
                                                std::vector<AddressedPort> ports, Done done);
    // Destroying an unfinished scan stops it without calling `done`; answers still in flight
    // are dropped when they come.
    ~ScanOperation();
    ScanOperation(const ScanOperation&) = delete;
    ScanOperation& operator=(const ScanOperation&) = delete;
    ScanOperation(ScanOperation&&) = delete;
    ScanOperation& operator=(ScanOperation&&) = delete;

    // Stops the scan: nothing more is sent, and `done` gets Errc::cancelled with "scan stopped:
    // <why>" without waiting for the answers in flight.
    void cancel(const std::string& why);
    bool finished() const { return finished_; }

  private:
    ScanOperation() = default;

    std::unique_ptr<Scan> scan_;
    bool finished_ = false;
};

// Runs one scan on `endpoint`, running its loop until the scan ends (the loop must not be
// running elsewhere): ScanOperation for a caller that has nothing else to do.
Result<DiscoveryReport> discover(mad::MadEndpoint& endpoint, const DiscoveryOptions& options,
                                 DiscoveryCache* cache = nullptr);
// The same for a targeted scan of `ports`.
Result<DiscoveryReport> discover(mad::MadEndpoint& endpoint, const DiscoveryOptions& options,
                                 const PortSelection& ports, DiscoveryCache* cache = nullptr);
// The same for ports named by address.
Result<DiscoveryReport> discover(mad::MadEndpoint& endpoint, const DiscoveryOptions& options,
                                 const std::vector<AddressedPort>& ports,
                                 DiscoveryCache* cache = nullptr);

}  // namespace srpadm::discovery
