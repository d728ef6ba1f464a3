#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>

#include <srpadm/discovery/discovery.hpp>
#include <srpadm/discovery/traps.hpp>
#include <srpadm/model/login.hpp>
#include <srpadm/text.hpp>
#include <srpadm/wire/class_port_info.hpp>
#include <srpadm/wire/message.hpp>
#include <srpadm/wire/sa_records.hpp>

namespace srpadm::discovery {

void DiscoveryCache::forget_lid(Lid lid) {
    const auto it = ports.find(lid);
    if (it != ports.end()) {
        iou.erase(it->second.port_guid);
        ports.erase(it);
    }
}

void DiscoveryCache::forget_guid(Guid guid) {
    std::erase_if(ports, [guid](const auto& entry) { return entry.second.port_guid == guid; });
    iou.erase(guid);
}

std::string_view port_outcome_name(PortOutcome outcome) {
    switch (outcome) {
        case PortOutcome::present:
            return "present";
        case PortOutcome::gone:
            return "gone";
        case PortOutcome::failed:
            return "failed";
    }
    return "failed";
}

std::optional<std::string> srp_id_ext(const wire::ServiceEntry& entry) {
    if (!entry.name.starts_with(wire::srp_ioc::service_name_prefix)) {
        return std::nullopt;
    }
    const auto& raw = entry.name.raw;
    std::size_t i = wire::srp_ioc::service_name_prefix.size();
    const auto blank = [](std::uint8_t c) { return text::is_space(static_cast<char>(c)); };
    while (i < raw.size() && blank(raw[i])) {
        ++i;
    }
    std::string id;
    while (i < raw.size() && raw[i] != 0 && !blank(raw[i]) &&
           id.size() < wire::srp_ioc::id_ext_length) {
        id.push_back(static_cast<char>(raw[i]));
        ++i;
    }
    if (id.empty()) {
        return std::nullopt;
    }
    return id;
}

namespace {

// Puts the shared P_Keys in local table order, whatever order the PathRecord answers came in.
void in_local_order(const std::vector<PKey>& local, std::vector<PKey>& shared) {
    std::vector<PKey> ordered;
    for (const PKey p : local) {
        if (std::find(shared.begin(), shared.end(), p) != shared.end()) {
            ordered.push_back(p);
        }
    }
    shared = std::move(ordered);
}

using mad::MadAddress;
using mad::MadBuffer;
using mad::MadResult;

constexpr Lid kMaxUnicastLid = 0xbfff;
constexpr Guid kTopspinOui = 0x0005ad;
constexpr std::uint16_t kNoPathStatus = wire::sa_status::no_records << 8;
constexpr std::uint16_t kNoRecordsStatus = kNoPathStatus;
constexpr std::uint16_t kTooManyRecordsStatus = wire::sa_status::too_many_records << 8;
constexpr std::size_t kNone = static_cast<std::size_t>(-1);
// The default P_Key, full member: the only one a RoCE port has.
constexpr PKey kDefaultPKey = 0xffff;

std::string lid_name(Lid lid) {
    return fmt::format("LID 0x{:04x}", lid);
}

std::string gid_name(const Gid& gid) {
    return "GID " + gid.hex();
}

std::string describe(const mad::MadError& error, std::uint8_t mgmt_class, unsigned attempts) {
    switch (error.code) {
        case Errc::timeout:
            return fmt::format("no answer ({} attempt{})", attempts, attempts == 1 ? "" : "s");
        case Errc::busy:
        case Errc::mad_status:
            return fmt::format("status {}", wire::describe_status(error.status, mgmt_class));
        default:
            return error.message;
    }
}

}  // namespace

namespace scan_detail {

struct PortWork {
    std::size_t order = 0;  // position in the SA's table: the order of the output
    Lid lid = 0;
    std::uint64_t gid_prefix = 0;
    Guid port_guid = 0;  // known early on the old-SM path (NodeRecord)
    std::vector<PKey> shared;
    std::uint8_t sl = 0;
    std::size_t path_pending = 0;
    std::vector<std::string> path_failures;
    DmPortReport report;
    std::size_t dm_pending = 0;
    bool dm_failed = false;
    bool listed = false;  // has a DM port report
    std::vector<std::string> problems;
    // Targeted scans: how the port was named, and what was settled before any walk.
    bool asked_by_lid = false;
    std::optional<Gid> asked_gid;  // resolved with PathRecords by DGID
    std::optional<PortOutcome> outcome;
    std::string why;
    std::size_t alias_of = kNone;  // the same port as that entry (given by LID and by GID)
    // A port named by address: no LID, MADs to its GID (routes[route]).
    std::optional<AddressedPort> addressed;
    std::size_t route = 0;
};

// How reports name a port: its LID, or the address it was named by.
std::string port_label(const PortWork& port) {
    return port.addressed ? port.addressed->name : lid_name(port.lid);
}

}  // namespace scan_detail

using scan_detail::PortWork;

class Scan {
  public:
    Scan(mad::MadEndpoint& endpoint, DiscoveryOptions options, DiscoveryCache* cache,
         std::optional<PortSelection> selection, ScanOperation::Done done,
         std::optional<std::vector<AddressedPort>> addressed = std::nullopt)
        : ep_(endpoint),
          options_(std::move(options)),
          cache_(cache != nullptr ? *cache : scratch_),
          queue_(endpoint, options_.limits, options_.retry),
          done_(std::move(done)),
          selection_(std::move(selection)),
          addressed_(std::move(addressed)) {}

    void start();
    // Ends the scan now with Errc::cancelled; answers still in flight are ignored.
    void cancel(const std::string& why);

  private:
    void start_queries();
    bool done() const { return started_ && pending_ == 0; }
    // Hands the result to the caller once, from the loop, when nothing is pending any more
    // (or at once when the scan was stopped).
    void notify();
    Result<DiscoveryReport> finish();

  private:
    void progress(const std::string& line) const {
        if (options_.progress) {
            options_.progress(line);
        }
    }
    unsigned attempts() const { return options_.retry.retries + 1; }
    bool port_active() {
        const auto attrs = ep_.port_attributes();
        return attrs && attrs->state == model::PortState::active;
    }
    void submit(const MadAddress& to, const MadBuffer& mad, std::function<void(MadResult)> on);
    void fatal(Errc code, std::string message) {
        if (!fatal_) {
            fatal_ = Error{code, std::move(message)};
        }
    }
    void problem(std::string message) {
        report_.problems.push_back(std::move(message));
        report_.problem_lids.push_back(0);
    }
    // A problem with one port: listed after the scan-wide ones, in the ports' table order,
    // whatever order the answers came in.
    static void problem(PortWork& port, std::string message) {
        port.problems.push_back(std::move(message));
    }

    template <wire::SaRecord R>
    std::optional<std::vector<R>> table(const mad::MadResponse& response);

    void forget_missing(const std::unordered_set<Lid>& present);
    void query_class_port_info();
    void query_dm_ports();
    void query_all_nodes();
    void query_port_info(std::size_t index, std::uint8_t node_type);
    void resolve_port(std::size_t index);
    void on_path(std::size_t index, PKey pkey, const MadResult& result);
    void walk(std::size_t index);
    void query_io_unit(std::size_t index);
    void query_ioc(std::size_t index, std::size_t ioc);
    void query_services(std::size_t index, std::size_t ioc, std::uint8_t first, std::uint8_t last);
    void dm_done(std::size_t index);
    MadAddress dm_address(const PortWork& port) const;
    void build_targets();
    // Targeted scans.
    void start_targeted();
    void query_port_record(std::size_t index, bool port_zero);
    void on_port_record(std::size_t index, bool port_zero, const MadResult& result);
    void resolve_gid(std::size_t index);
    void on_gid_path(std::size_t index, PKey pkey, const MadResult& result);
    static void settle(PortWork& port, PortOutcome outcome, std::string why);
    void build_scanned();
    // Ports named by address.
    void start_addressed();

    mad::MadEndpoint& ep_;
    DiscoveryOptions options_;
    DiscoveryCache scratch_;  // when the caller keeps no cache
    DiscoveryCache& cache_;
    MadQueue queue_;
    ScanOperation::Done done_;
    std::optional<PortSelection> selection_;               // a targeted scan
    std::optional<std::vector<AddressedPort>> addressed_;  // a scan of ports named by address
    bool notified_ = false;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // for tasks posted to the loop
    model::PortAttributes attrs_;
    std::vector<PKey> local_pkeys_;  // non-zero, distinct, in table order
    MadAddress sa_;
    bool started_ = false;
    std::size_t pending_ = 0;
    std::optional<Error> fatal_;
    std::vector<PortWork> ports_;
    DiscoveryReport report_;
    mad::EndpointStats stats_before_;
    runtime::TimePoint started_at_{};
};

void Scan::submit(const MadAddress& to, const MadBuffer& mad, std::function<void(MadResult)> on) {
    if (fatal_) {
        return;  // the scan has failed: nothing more is asked
    }
    ++pending_;
    queue_.submit(mad::MadRequest{to, mad}, [this, on = std::move(on)](MadResult result) {
        if (!result && result.error().code == Errc::cancelled) {
            // Stopped on request (a signal): end the scan without waiting for anything more.
            fatal(Errc::cancelled, fmt::format("scan stopped: {}", result.error().message));
            queue_.cancel(mad::MadError{Errc::cancelled, 0, "not sent: the scan was stopped"});
        } else if (!result && (result.error().code == Errc::port_state ||
                               (result.error().code == Errc::send_failed && !port_active()))) {
            // The local port went down: every answer still awaited is lost, and what was
            // learnt so far is no scan of the fabric.
            fatal(Errc::port_state,
                  fmt::format("port {}:{} went down during the scan: {}", attrs_.ca_name,
                              attrs_.port_num, result.error().message));
            // What is still queued would only fail to be sent, with backoffs in between.
            queue_.cancel(mad::MadError{Errc::port_state, 0, "not sent: the local port is down"});
        }
        on(std::move(result));
        --pending_;
        if (done()) {
            notify();
        }
    });
}

void Scan::notify() {
    if (notified_) {
        return;
    }
    notified_ = true;
    ep_.loop().post([this, token = std::weak_ptr<int>(alive_)] {
        if (!token.expired()) {
            done_(finish());
        }
    });
}

void Scan::cancel(const std::string& why) {
    fatal(Errc::cancelled, fmt::format("scan stopped: {}", why));
    queue_.cancel(mad::MadError{Errc::cancelled, 0, "not sent: the scan was stopped"});
    notify();
}

void Scan::start() {
    start_queries();
    if (done()) {
        notify();  // failed before asking anything
    }
}

void Scan::start_queries() {
    started_ = true;
    started_at_ = ep_.loop().now();
    stats_before_ = ep_.stats();
    auto attrs = ep_.port_attributes();
    if (!attrs) {
        fatal(attrs.error().code, attrs.error().message);
        return;
    }
    attrs_ = std::move(*attrs);
    const std::string port = fmt::format("{}:{}", attrs_.ca_name, attrs_.port_num);
    if (addressed_) {
        if (attrs_.state != model::PortState::active) {
            fatal(
                Errc::port_state,
                fmt::format("port {} is {} (state {}), not ACTIVE: check its link", port,
                            model::port_state_name(attrs_.state), static_cast<int>(attrs_.state)));
            return;
        }
        start_addressed();
        return;
    }
    if (attrs_.link_layer == model::LinkLayer::ethernet) {
        fatal(Errc::unsupported,
              fmt::format("port {} is RoCE (link layer Ethernet): it has no subnet administrator "
                          "to query; give RoCE targets by address instead",
                          port));
        return;
    }
    if (attrs_.state != model::PortState::active) {
        fatal(Errc::port_state,
              fmt::format("port {} is {} (state {}), not ACTIVE: check its link and that a "
                          "subnet manager runs on the fabric",
                          port, model::port_state_name(attrs_.state),
                          static_cast<int>(attrs_.state)));
        return;
    }
    if (attrs_.lid == 0 || attrs_.sm_lid == 0) {
        fatal(Errc::port_state, fmt::format("port {} has {}; is a subnet manager running?", port,
                                            attrs_.lid == 0 ? "no LID" : "no SM LID"));
        return;
    }
    std::unordered_set<PKey> seen;
    for (const PKey p : attrs_.pkeys) {
        if (pkey_base(p) != 0 && seen.insert(p).second) {
            local_pkeys_.push_back(p);
        }
    }
    if (local_pkeys_.empty()) {
        fatal(Errc::port_state, fmt::format("port {} has an empty P_Key table", port));
        return;
    }
    sa_ = sa_address(attrs_);
    if (cache_.sm_lid != attrs_.sm_lid) {
        // Another SM (after a failover, or a new SA implementation): nothing its predecessor
        // said can be trusted, its capabilities least of all.
        cache_.clear();
        cache_.sm_lid = attrs_.sm_lid;
    }
    if (selection_) {
        report_.targeted = true;
        report_.mask_match = cache_.mask_match.value_or(true);
        start_targeted();
        return;
    }
    if (options_.use_cache && cache_.mask_match) {
        report_.mask_match = *cache_.mask_match;
        report_.mask_match ? query_dm_ports() : query_all_nodes();
        return;
    }
    query_class_port_info();
}

// The whole records of a GetTable answer. A table that does not decode fails the scan; one
// that ends in part of a record (the answer was cut short) is used, and the cut is reported:
// the ports after it are missing from this scan.
template <wire::SaRecord R>
std::optional<std::vector<R>> Scan::table(const mad::MadResponse& response) {
    auto sa = wire::decode_sa_mad(response.mad);
    auto walk = sa ? wire::walk_sa_table(*sa, R::kName, R::kWireSize)
                   : Result<wire::SaTable>(Unexpected(sa.error()));
    auto records =
        walk ? wire::decode_sa_table<R>(*sa) : Result<std::vector<R>>(Unexpected(walk.error()));
    if (!records) {
        fatal(Errc::malformed, fmt::format("subnet administrator at {}: {}", lid_name(sa_.dlid),
                                           records.error().message));
        return std::nullopt;
    }
    if (walk->trailing_bytes != 0) {
        problem(
            fmt::format("subnet administrator at {}: {} table of {} record(s) ends in {} "
                        "bytes of a cut-off record; the ports after it are missing",
                        lid_name(sa_.dlid), R::kName, records->size(), walk->trailing_bytes));
    }
    return std::move(*records);
}

// A port that left the SA's answers (its target stopped, its LID changed, the port went
// away) may come back with other controllers under the same ChangeID (a new agent starts at
// 1 again): what was cached about it is dropped.
void Scan::forget_missing(const std::unordered_set<Lid>& present) {
    std::vector<Lid> gone;
    for (const auto& [lid, identity] : cache_.ports) {
        if (present.count(lid) == 0) {
            gone.push_back(lid);
        }
    }
    for (const Lid lid : gone) {
        cache_.forget_lid(lid);
    }
}

void Scan::query_class_port_info() {
    wire::SaRequest req;
    req.method = wire::method::get;
    const MadBuffer mad = wire::build_sa_request(req, wire::ClassPortInfo{});
    submit(sa_, mad, [this](MadResult result) {
        if (!result) {
            fatal(result.error().code == Errc::timeout ? Errc::timeout : result.error().code,
                  fmt::format("subnet administrator at {}: ClassPortInfo: {}", lid_name(sa_.dlid),
                              describe(result.error(), wire::mgmt_class::subn_adm, attempts())));
            return;
        }
        auto cpi = wire::decode_sa_response<wire::ClassPortInfo>(result->mad);
        if (!cpi) {
            fatal(Errc::malformed, fmt::format("subnet administrator at {}: {}", lid_name(sa_.dlid),
                                               cpi.error().message));
            return;
        }
        report_.mask_match = cpi->supports_port_info_cap_mask_match();
        cache_.mask_match = report_.mask_match;
        progress(report_.mask_match
                     ? "SA supports capability-mask match: querying the DM port table"
                     : "old SA without capability-mask match: querying every node");
        report_.mask_match ? query_dm_ports() : query_all_nodes();
    });
}

void Scan::query_dm_ports() {
    wire::SaRequest req;
    req.method = wire::method::get_table;
    req.attr_mod = wire::kPortInfoCapMaskMatchAttrMod;
    req.comp_mask = wire::port_info_record_comp::capability_mask;
    req.rmpp = wire::RmppHeader::single_request();
    wire::PortInfoRecord record;
    record.port_info.capability_mask = wire::port_cap::is_device_management_supported;
    submit(sa_, wire::build_sa_request(req, record), [this](MadResult result) {
        if (!result) {
            fatal(result.error().code,
                  fmt::format("subnet administrator at {}: PortInfoRecord table: {}",
                              lid_name(sa_.dlid),
                              describe(result.error(), wire::mgmt_class::subn_adm, attempts())));
            return;
        }
        auto records = table<wire::PortInfoRecord>(*result);
        if (!records) {
            return;
        }
        std::unordered_set<Lid> seen;
        for (const auto& r : *records) {
            if (r.endport_lid == 0 || r.endport_lid > kMaxUnicastLid) {
                problem(fmt::format("SA PortInfoRecord with invalid {} ignored",
                                    lid_name(r.endport_lid)));
                continue;
            }
            // An SA that ignores the match bit compares masks for equality or returns every
            // port: keep only the ports that really have the DM capability.
            if (!r.port_info.is_device_management_supported() ||
                !seen.insert(r.endport_lid).second) {
                continue;
            }
            PortWork w;
            w.order = ports_.size();
            w.lid = r.endport_lid;
            w.gid_prefix = r.port_info.gid_prefix;
            ports_.push_back(std::move(w));
        }
        forget_missing(seen);
        progress(fmt::format("{} port(s) with Device Management", ports_.size()));
        for (std::size_t i = 0; i < ports_.size(); ++i) {
            resolve_port(i);
        }
    });
}

void Scan::query_all_nodes() {
    wire::SaRequest req;
    req.method = wire::method::get_table;
    req.rmpp = wire::RmppHeader::single_request();
    submit(sa_, wire::build_sa_request(req, wire::NodeRecord{}), [this](MadResult result) {
        if (!result) {
            fatal(
                result.error().code,
                fmt::format("subnet administrator at {}: NodeRecord table: {}", lid_name(sa_.dlid),
                            describe(result.error(), wire::mgmt_class::subn_adm, attempts())));
            return;
        }
        auto records = table<wire::NodeRecord>(*result);
        if (!records) {
            return;
        }
        std::unordered_set<Lid> seen;
        std::vector<std::uint8_t> node_types;
        for (const auto& r : *records) {
            if (r.lid == 0 || r.lid > kMaxUnicastLid || !seen.insert(r.lid).second) {
                continue;
            }
            PortWork w;
            w.order = ports_.size();
            w.lid = r.lid;
            w.port_guid = r.port_guid;
            ports_.push_back(std::move(w));
            node_types.push_back(r.node_type);
        }
        forget_missing(seen);
        progress(fmt::format("{} port(s) in the fabric", ports_.size()));
        for (std::size_t i = 0; i < ports_.size(); ++i) {
            query_port_info(i, node_types[i]);
        }
    });
}

// Old-SM path: is this port DM-capable? (A switch answers for its port 0.)
void Scan::query_port_info(std::size_t index, std::uint8_t node_type) {
    wire::SaRequest req;
    req.method = wire::method::get;
    req.comp_mask = wire::port_info_record_comp::endport_lid;
    wire::PortInfoRecord record;
    record.endport_lid = ports_[index].lid;
    if (node_type == wire::node_type::switch_) {
        req.comp_mask |= wire::port_info_record_comp::port_num;
    }
    submit(sa_, wire::build_sa_request(req, record), [this, index](MadResult result) {
        PortWork& port = ports_[index];
        if (!result) {
            problem(port,
                    fmt::format("{}: PortInfoRecord: {}", lid_name(port.lid),
                                describe(result.error(), wire::mgmt_class::subn_adm, attempts())));
            return;
        }
        auto pir = wire::decode_sa_response<wire::PortInfoRecord>(result->mad);
        if (!pir) {
            problem(port, fmt::format("{}: {}", lid_name(port.lid), pir.error().message));
            return;
        }
        if (!pir->port_info.is_device_management_supported()) {
            cache_.forget_lid(port.lid);
            return;
        }
        port.gid_prefix = pir->port_info.gid_prefix;
        resolve_port(index);
    });
}

void Scan::resolve_port(std::size_t index) {
    PortWork& port = ports_[index];
    port.listed = true;
    port.report.lid = port.lid;
    if (options_.use_cache) {
        const auto it = cache_.ports.find(port.lid);
        if (it != cache_.ports.end() && it->second.local_pkeys == local_pkeys_ &&
            it->second.gid_prefix == port.gid_prefix &&
            (port.port_guid == 0 || port.port_guid == it->second.port_guid)) {
            port.port_guid = it->second.port_guid;
            port.shared = it->second.shared_pkeys;
            walk(index);
            return;
        }
    }
    port.path_pending = local_pkeys_.size();
    for (const PKey pkey : local_pkeys_) {
        wire::SaRequest req;
        req.method = wire::method::get;
        req.comp_mask = wire::path_record_comp::dlid | wire::path_record_comp::slid |
                        wire::path_record_comp::pkey;
        wire::PathRecord record;
        record.dlid = port.lid;
        record.slid = attrs_.lid;
        record.pkey = pkey;
        submit(sa_, wire::build_sa_request(req, record),
               [this, index, pkey](const MadResult& result) { on_path(index, pkey, result); });
    }
}

void Scan::on_path(std::size_t index, PKey pkey, const MadResult& result) {
    PortWork& port = ports_[index];
    if (result) {
        auto path = wire::decode_sa_response<wire::PathRecord>(result->mad);
        if (!path) {
            port.path_failures.push_back(
                fmt::format("PathRecord for P_Key 0x{:04x}: {}", pkey, path.error().message));
        } else if (path->dlid != port.lid || pkey_base(path->pkey) != pkey_base(pkey)) {
            port.path_failures.push_back(
                fmt::format("PathRecord for P_Key 0x{:04x} answered for {} P_Key 0x{:04x}", pkey,
                            lid_name(path->dlid), path->pkey));
        } else {
            if (port.shared.empty()) {
                port.sl = path->sl;
            }
            if (std::find(port.shared.begin(), port.shared.end(), path->pkey) ==
                port.shared.end()) {
                port.shared.push_back(path->pkey);
            }
            if (port.port_guid == 0) {
                port.port_guid = path->dgid.guid();
            }
            if (port.gid_prefix == 0) {
                port.gid_prefix = path->dgid.prefix();
            }
        }
    } else if (result.error().code != Errc::mad_status || result.error().status != kNoPathStatus) {
        // ERR_NO_RECORDS means "no path on this partition" (OpenSM's answer when the two
        // ports do not share the P_Key); any other status, a redirect included, says nothing
        // about the partition and is a failure to report.
        port.path_failures.push_back(
            fmt::format("PathRecord for P_Key 0x{:04x}: {}", pkey,
                        describe(result.error(), wire::mgmt_class::subn_adm, attempts())));
    }
    if (--port.path_pending != 0) {
        return;
    }
    in_local_order(local_pkeys_, port.shared);
    for (auto& f : port.path_failures) {
        problem(port, fmt::format("{}: {}", lid_name(port.lid), f));
    }
    if (port.shared.empty()) {
        progress(fmt::format("{} shares no P_Key with this port: skipped", lid_name(port.lid)));
        port.listed = false;
        return;
    }
    if (port.path_failures.empty()) {
        cache_.ports[port.lid] = DiscoveryCache::PortIdentity{port.port_guid, port.gid_prefix,
                                                              port.shared, local_pkeys_};
    }
    walk(index);
}

// ---- targeted scans ---------------------------------------------------------------------------
//
// A daemon that gets an SA Report about one port asks about that port only, as rdma-core
// srp_daemon does for the GID or LID a trap names (srp_daemon/srp_handle_traps.c,
// get_trap_notices(), and the task list of srp_sync.c): no ClassPortInfo, no DM port table.
// A LID: one PortInfoRecord Get (is it still a DM port?), then the PathRecords per local P_Key
// (or the cached identity) and the walk, as in a full scan. A GID: one PathRecord per local
// P_Key by SGID and DGID gives its LID, GID and shared P_Keys at once; then the PortInfoRecord
// Get by that LID and the walk.

void Scan::settle(PortWork& port, PortOutcome outcome, std::string why) {
    port.outcome = outcome;
    port.why = std::move(why);
    port.listed = false;
}

void Scan::start_targeted() {
    std::unordered_set<Lid> lids;
    for (const Lid lid : selection_->lids) {
        if (lid == 0 || !lids.insert(lid).second) {
            continue;
        }
        PortWork w;
        w.order = ports_.size();
        w.lid = lid;
        w.asked_by_lid = true;
        if (lid > kMaxUnicastLid) {
            settle(w, PortOutcome::gone, fmt::format("{} is not a unicast LID", lid_name(lid)));
        }
        ports_.push_back(std::move(w));
    }
    std::vector<Gid> gids;
    for (const Gid& gid : selection_->gids) {
        if (std::find(gids.begin(), gids.end(), gid) != gids.end()) {
            continue;
        }
        gids.push_back(gid);
        PortWork w;
        w.order = ports_.size();
        w.asked_gid = gid;
        ports_.push_back(std::move(w));
    }
    progress(fmt::format("targeted scan of {} port(s)", ports_.size()));
    for (std::size_t i = 0; i < ports_.size(); ++i) {
        if (ports_[i].outcome) {
            continue;
        }
        if (ports_[i].asked_gid) {
            resolve_gid(i);
        } else {
            query_port_record(i, false);
        }
    }
}

// PortInfoRecord Get by EndportLID: is the port there, and does it still have the DM bit?
// OpenSM answers a switch's LID with one record per switch port (osm_sa_portinfo_record.c),
// so a Get of it is refused with ERR_REQ_TOO_MANY; then port 0, which carries the switch's
// capabilities, is asked (as the old-SM path does for a switch).
void Scan::query_port_record(std::size_t index, bool port_zero) {
    wire::SaRequest req;
    req.method = wire::method::get;
    req.comp_mask = wire::port_info_record_comp::endport_lid;
    wire::PortInfoRecord record;
    record.endport_lid = ports_[index].lid;
    if (port_zero) {
        req.comp_mask |= wire::port_info_record_comp::port_num;
        record.port_num = 0;
    }
    submit(sa_, wire::build_sa_request(req, record),
           [this, index, port_zero](const MadResult& result) {
               on_port_record(index, port_zero, result);
           });
}

void Scan::on_port_record(std::size_t index, bool port_zero, const MadResult& result) {
    PortWork& port = ports_[index];
    const auto failed = [&](const std::string& why) {
        problem(port, fmt::format("{}: PortInfoRecord: {}", lid_name(port.lid), why));
        settle(port, PortOutcome::failed, "PortInfoRecord: " + why);
    };
    if (!result) {
        const auto& error = result.error();
        if (error.code == Errc::mad_status && error.status == kNoRecordsStatus) {
            // The SA knows no port with this LID (it went away, or its LID changed).
            settle(port, PortOutcome::gone, "the subnet administrator has no port with this LID");
            cache_.forget_lid(port.lid);
            return;
        }
        if (error.code == Errc::mad_status && error.status == kTooManyRecordsStatus && !port_zero) {
            query_port_record(index, true);
            return;
        }
        failed(describe(error, wire::mgmt_class::subn_adm, attempts()));
        return;
    }
    auto pir = wire::decode_sa_response<wire::PortInfoRecord>(result->mad);
    if (!pir) {
        failed(pir.error().message);
        return;
    }
    if (pir->endport_lid != port.lid) {
        failed(fmt::format("answered for {}", lid_name(pir->endport_lid)));
        return;
    }
    if (!pir->port_info.is_device_management_supported()) {
        // Its target stopped (trap 144 with the DM bit clear): its targets go.
        progress(fmt::format("{} has no Device Management any more", lid_name(port.lid)));
        settle(port, PortOutcome::gone, "IsDeviceManagementSupported is clear");
        cache_.forget_lid(port.lid);
        return;
    }
    if (!port.asked_gid) {
        port.gid_prefix = pir->port_info.gid_prefix;
        resolve_port(index);
        return;
    }
    // Resolved by GID: the PathRecords gave the GUID and the shared P_Keys already.
    if (pir->port_info.gid_prefix != 0) {
        port.gid_prefix = pir->port_info.gid_prefix;
    }
    port.listed = true;
    port.report.lid = port.lid;
    if (port.path_failures.empty()) {
        cache_.ports[port.lid] = DiscoveryCache::PortIdentity{port.port_guid, port.gid_prefix,
                                                              port.shared, local_pkeys_};
    }
    walk(index);
}

void Scan::resolve_gid(std::size_t index) {
    PortWork& port = ports_[index];
    port.path_pending = local_pkeys_.size();
    const Gid local = Gid::from_parts(attrs_.gid_prefix, attrs_.port_guid);
    for (const PKey pkey : local_pkeys_) {
        wire::SaRequest req;
        req.method = wire::method::get;
        req.comp_mask = wire::path_record_comp::sgid | wire::path_record_comp::dgid |
                        wire::path_record_comp::pkey;
        wire::PathRecord record;
        record.sgid = local;
        record.dgid = *port.asked_gid;
        record.pkey = pkey;
        submit(sa_, wire::build_sa_request(req, record),
               [this, index, pkey](const MadResult& result) { on_gid_path(index, pkey, result); });
    }
}

void Scan::on_gid_path(std::size_t index, PKey pkey, const MadResult& result) {
    PortWork& port = ports_[index];
    const Gid gid = *port.asked_gid;
    if (result) {
        auto path = wire::decode_sa_response<wire::PathRecord>(result->mad);
        if (!path) {
            port.path_failures.push_back(
                fmt::format("PathRecord for P_Key 0x{:04x}: {}", pkey, path.error().message));
        } else if (path->dgid != gid || pkey_base(path->pkey) != pkey_base(pkey) ||
                   path->dlid == 0 || path->dlid > kMaxUnicastLid ||
                   (port.lid != 0 && path->dlid != port.lid)) {
            port.path_failures.push_back(
                fmt::format("PathRecord for P_Key 0x{:04x} answered for {} at {} P_Key 0x{:04x}",
                            pkey, gid_name(path->dgid), lid_name(path->dlid), path->pkey));
        } else {
            if (port.lid == 0) {
                port.lid = path->dlid;
                port.sl = path->sl;
                port.port_guid = gid.guid();
                port.gid_prefix = gid.prefix();
            }
            if (std::find(port.shared.begin(), port.shared.end(), path->pkey) ==
                port.shared.end()) {
                port.shared.push_back(path->pkey);
            }
        }
    } else if (result.error().code != Errc::mad_status) {
        // A status answer (no records, an unknown GID) means no path on this P_Key: the port
        // is unreachable from here on it. Anything else says nothing about the port.
        port.path_failures.push_back(
            fmt::format("PathRecord for P_Key 0x{:04x}: {}", pkey,
                        describe(result.error(), wire::mgmt_class::subn_adm, attempts())));
    }
    if (--port.path_pending != 0) {
        return;
    }
    in_local_order(local_pkeys_, port.shared);
    const std::string name =
        port.lid != 0 ? fmt::format("{} ({})", lid_name(port.lid), gid_name(gid)) : gid_name(gid);
    for (auto& f : port.path_failures) {
        problem(port, fmt::format("{}: {}", name, f));
    }
    if (port.shared.empty()) {
        if (!port.path_failures.empty()) {
            settle(port, PortOutcome::failed, "no PathRecord answer");
        } else {
            progress(fmt::format("{} is unreachable from this port", gid_name(gid)));
            settle(port, PortOutcome::gone, "no path to it on any local P_Key");
            cache_.forget_guid(gid.guid());
        }
        return;
    }
    for (std::size_t j = 0; j < ports_.size(); ++j) {
        if (j != index && ports_[j].lid == port.lid && ports_[j].alias_of == kNone) {
            port.alias_of = j;  // also given by LID: walked once, as that entry
            return;
        }
    }
    // A port that came back at another LID: what was cached under the old one goes.
    std::vector<Lid> moved;
    for (const auto& [lid, identity] : cache_.ports) {
        if (identity.port_guid == port.port_guid && lid != port.lid) {
            moved.push_back(lid);
        }
    }
    for (const Lid lid : moved) {
        cache_.forget_lid(lid);
    }
    query_port_record(index, false);
}

// What became of every port asked about, in the order asked (LIDs first).
void Scan::build_scanned() {
    std::vector<std::size_t> at(ports_.size(), kNone);
    for (std::size_t i = 0; i < ports_.size(); ++i) {
        const PortWork& port = ports_[i];
        if (port.alias_of != kNone) {
            continue;
        }
        ScannedPort s;
        s.lid = port.lid;
        s.gid = port.asked_gid;
        if (port.listed) {
            s.outcome = PortOutcome::present;
            s.gid = port.report.gid;
        } else if (port.outcome) {
            s.outcome = *port.outcome;
            s.why = port.why;
        } else if (!port.path_failures.empty()) {
            s.outcome = PortOutcome::failed;
            s.why = "no PathRecord answer";
        } else {
            s.outcome = PortOutcome::gone;
            s.why = "shares no P_Key with this port";
        }
        at[i] = report_.scanned.size();
        report_.scanned.push_back(std::move(s));
    }
    for (const PortWork& port : ports_) {
        if (port.alias_of != kNone && !report_.scanned[at[port.alias_of]].gid) {
            report_.scanned[at[port.alias_of]].gid = port.asked_gid;
        }
    }
}

// Ports named by address: each is walked at once, at the GID it was given (no SA to ask
// whether it is a DM port or which P_Keys it shares: RoCE ports have the default P_Key only).
void Scan::start_addressed() {
    std::vector<Gid> seen;
    for (const AddressedPort& a : *addressed_) {
        if (a.routes.empty() ||
            std::find(seen.begin(), seen.end(), a.routes.front().dgid) != seen.end()) {
            continue;  // the same port named twice
        }
        seen.push_back(a.routes.front().dgid);
        PortWork w;
        w.order = ports_.size();
        w.gid_prefix = a.routes.front().dgid.prefix();
        w.port_guid = a.routes.front().dgid.guid();
        w.shared = {kDefaultPKey};
        w.addressed = a;
        w.report.address = a.name;
        w.listed = true;
        ports_.push_back(std::move(w));
    }
    progress(fmt::format("scan of {} port(s) named by address", ports_.size()));
    for (std::size_t i = 0; i < ports_.size(); ++i) {
        walk(i);
    }
}

MadAddress Scan::dm_address(const PortWork& port) const {
    MadAddress to;
    if (port.addressed) {
        const GidRoute& route = port.addressed->routes[port.route];
        to.dgid = route.dgid;
        to.sgid_index = route.sgid_index;
        const auto it = std::find_if(attrs_.pkeys.begin(), attrs_.pkeys.end(), [](PKey k) {
            return pkey_base(k) == pkey_base(kDefaultPKey);
        });
        to.pkey_index =
            it == attrs_.pkeys.end() ? 0 : static_cast<std::uint16_t>(it - attrs_.pkeys.begin());
        return to;
    }
    to.dlid = port.lid;
    to.sl = port.sl;
    const auto it = std::find(attrs_.pkeys.begin(), attrs_.pkeys.end(), port.shared.front());
    to.pkey_index = static_cast<std::uint16_t>(it - attrs_.pkeys.begin());
    return to;
}

void Scan::walk(std::size_t index) {
    PortWork& port = ports_[index];
    port.report.gid = Gid::from_parts(port.gid_prefix, port.port_guid);
    port.report.shared_pkeys = port.shared;
    if (options_.topspin_class_port_info && !port.addressed &&
        (port.port_guid >> 40) == kTopspinOui) {
        // srp_daemon tells Topspin IOUs where to send traps before it walks them.
        wire::ClassPortInfo cpi;
        cpi.trap_lid = attrs_.lid;
        cpi.trap_gid = Gid::from_parts(attrs_.gid_prefix, attrs_.port_guid);
        const MadBuffer mad = wire::build_dm_request(wire::method::set, 0, 0, cpi);
        submit(dm_address(port), mad, [this, index](MadResult result) {
            if (!result) {
                progress(fmt::format(
                    "{}: setting the trap address (Topspin ClassPortInfo) "
                    "failed: {}",
                    lid_name(ports_[index].lid),
                    describe(result.error(), wire::mgmt_class::device_mgmt, attempts())));
            }
            query_io_unit(index);
        });
        return;
    }
    query_io_unit(index);
}

void Scan::query_io_unit(std::size_t index) {
    PortWork& port = ports_[index];
    const MadBuffer mad = wire::build_dm_get(wire::dm_attr::io_unit_info, 0, 0);
    port.dm_pending = 1;
    submit(dm_address(port), mad, [this, index](MadResult result) {
        PortWork& p = ports_[index];
        auto fail = [&](const std::string& why) {
            p.report.error = "IOUnitInfo: " + why;
            p.dm_failed = true;
            dm_done(index);
        };
        if (!result && result.error().code == Errc::timeout && p.addressed &&
            p.route + 1 < p.addressed->routes.size()) {
            // No answer at this GID: the port's next one.
            const Gid& next = p.addressed->routes[++p.route].dgid;
            progress(fmt::format("{}: no answer at GID {}; asking GID {}", port_label(p),
                                 p.addressed->routes[p.route - 1].dgid.colon_groups(),
                                 next.colon_groups()));
            p.gid_prefix = next.prefix();
            p.port_guid = next.guid();
            p.report.gid = next;
            query_io_unit(index);
            return;
        }
        if (!result) {
            fail(describe(result.error(), wire::mgmt_class::device_mgmt, attempts()));
            return;
        }
        auto iou = wire::decode_dm_response<wire::IoUnitInfo>(result->mad);
        if (!iou) {
            fail(iou.error().message);
            return;
        }
        p.report.iou = *iou;
        if (options_.use_cache && !options_.rewalk_iocs) {
            const auto it = cache_.iou.find(p.port_guid);
            if (it != cache_.iou.end() && it->second.change_id == iou->change_id) {
                p.report.iocs = it->second.iocs;
                p.report.from_cache = true;
                dm_done(index);
                return;
            }
        }
        for (const auto slot : iou->present_slots()) {
            IocReport ioc;
            ioc.slot = slot;
            p.report.iocs.push_back(std::move(ioc));
        }
        p.dm_pending += p.report.iocs.size();
        for (std::size_t i = 0; i < p.report.iocs.size(); ++i) {
            query_ioc(index, i);
        }
        dm_done(index);
    });
}

void Scan::query_ioc(std::size_t index, std::size_t ioc) {
    PortWork& port = ports_[index];
    const std::uint16_t slot = port.report.iocs[ioc].slot;
    const MadBuffer mad = wire::build_dm_get(wire::dm_attr::io_controller_profile, slot, 0);
    submit(dm_address(port), mad, [this, index, ioc](MadResult result) {
        PortWork& p = ports_[index];
        IocReport& r = p.report.iocs[ioc];
        if (!result) {
            r.error = "IOControllerProfile: " +
                      describe(result.error(), wire::mgmt_class::device_mgmt, attempts());
            p.dm_failed = true;
            dm_done(index);
            return;
        }
        auto profile = wire::decode_dm_response<wire::IoControllerProfile>(result->mad);
        if (!profile) {
            r.error = profile.error().message;
            p.dm_failed = true;
            dm_done(index);
            return;
        }
        r.profile = *profile;
        const std::size_t count = profile->service_entries;
        r.services.resize(count);
        for (std::size_t first = 0; first < count; first += wire::ServiceEntries::kMaxEntries) {
            const std::size_t last = std::min(first + wire::ServiceEntries::kMaxEntries, count) - 1;
            ++p.dm_pending;
            query_services(index, ioc, static_cast<std::uint8_t>(first),
                           static_cast<std::uint8_t>(last));
        }
        dm_done(index);
    });
}

void Scan::query_services(std::size_t index, std::size_t ioc, std::uint8_t first,
                          std::uint8_t last) {
    PortWork& port = ports_[index];
    const auto modifier =
        wire::ServiceEntriesModifier::make(port.report.iocs[ioc].slot, first, last);
    const MadBuffer mad =
        wire::build_dm_get(wire::dm_attr::service_entries, modifier.value().encode(), 0);
    submit(dm_address(port), mad, [this, index, ioc, modifier](MadResult result) {
        PortWork& p = ports_[index];
        IocReport& r = p.report.iocs[ioc];
        const auto fail = [&](const std::string& why) {
            // The first block that failed names the problem (a later one, such as the last
            // block of a lying entry count, would hide it).
            if (r.error.empty()) {
                r.error =
                    fmt::format("ServiceEntries {}-{}: {}", modifier->first, modifier->last, why);
            }
            p.dm_failed = true;
            dm_done(index);
        };
        if (!result) {
            fail(describe(result.error(), wire::mgmt_class::device_mgmt, attempts()));
            return;
        }
        auto entries = wire::decode_dm_response<wire::ServiceEntries>(result->mad, *modifier);
        if (!entries) {
            fail(entries.error().message);
            return;
        }
        const auto valid = entries->valid();
        for (std::size_t i = 0; i < valid.size(); ++i) {
            r.services[modifier->first + i] = valid[i];
        }
        dm_done(index);
    });
}

void Scan::dm_done(std::size_t index) {
    PortWork& port = ports_[index];
    if (--port.dm_pending != 0) {
        return;
    }
    if (!port.dm_failed && !port.report.from_cache && port.report.iou) {
        cache_.iou[port.port_guid] =
            DiscoveryCache::IouContents{port.report.iou->change_id, port.report.iocs};
    }
    if (!port.dm_failed) {
        return;
    }
    // Drop services never filled in (their block failed) so that nothing is invented.
    for (auto& ioc : port.report.iocs) {
        if (!ioc.error.empty()) {
            problem(port, fmt::format("{} (GUID 0x{:016x}) slot {}: {}", port_label(port),
                                      port.port_guid, ioc.slot, ioc.error));
        }
    }
    if (!port.report.error.empty()) {
        problem(port, fmt::format("{} (GUID 0x{:016x}): {}", port_label(port), port.port_guid,
                                  port.report.error));
    }
}

// Targets in the order srp_daemon prints them: DM ports in the SA's table order, then each
// shared P_Key in local P_Key table order, then controllers by slot, then services by entry.
void Scan::build_targets() {
    for (auto& port : ports_) {
        if (!port.listed) {
            continue;
        }
        for (const PKey pkey : port.shared) {
            for (const auto& ioc : port.report.iocs) {
                if (!ioc.error.empty() && ioc.profile.guid == 0) {
                    continue;
                }
                for (std::size_t s = 0; s < ioc.services.size(); ++s) {
                    const auto& entry = ioc.services[s];
                    const auto id_ext = srp_id_ext(entry);
                    if (!id_ext) {
                        continue;
                    }
                    if (!login::make_option(login::Key::id_ext, *id_ext)) {
                        if (pkey == port.shared.front()) {
                            problem(port,
                                    fmt::format(
                                        "{} slot {} service {} '{}': the id_ext is not 1-16 hex "
                                        "digits; skipped",
                                        port_label(port), ioc.slot, s, entry.name.display()));
                        }
                        continue;
                    }
                    model::Target t;
                    t.id_ext = *id_ext;
                    t.ioc_guid = ioc.profile.guid;
                    t.dgid = port.report.gid;
                    t.pkey = pkey;
                    t.service_id = entry.id;
                    t.io_class = ioc.profile.io_class;
                    t.lid = port.lid;
                    t.ioc_slot = ioc.slot;
                    t.service_index = static_cast<std::uint16_t>(s);
                    t.send_size = ioc.profile.send_size;
                    t.vendor_id = ioc.profile.vendor_id_iba();
                    t.device_id = ioc.profile.device_id;
                    t.ioc_id = ioc.profile.id_string.display();
                    t.service_name = entry.name.display();
                    if (port.addressed) {
                        t.rdma = port.addressed->login;
                    }
                    report_.targets.push_back(std::move(t));
                }
            }
        }
        report_.ports.push_back(port.report);
    }
    for (auto& port : ports_) {
        std::move(port.problems.begin(), port.problems.end(), std::back_inserter(report_.problems));
        report_.problem_lids.insert(report_.problem_lids.end(), port.problems.size(), port.lid);
    }
}

Result<DiscoveryReport> Scan::finish() {
    if (fatal_) {
        return Unexpected(*fatal_);
    }
    if (selection_) {
        build_scanned();
    }
    build_targets();
    const auto& after = ep_.stats();
    ScanStats& s = report_.stats;
    s.sa_requests = after.requests_sent[0] - stats_before_.requests_sent[0];
    s.dm_requests = after.requests_sent[1] - stats_before_.requests_sent[1];
    s.sa_response_mads = after.response_segments[0] - stats_before_.response_segments[0];
    s.dm_responses = after.response_segments[1] - stats_before_.response_segments[1];
    s.unmatched = after.unmatched - stats_before_.unmatched;
    s.retries = queue_.stats().retries;
    s.timeouts = queue_.stats().timeouts;
    s.busy = queue_.stats().busy;
    s.peak_outstanding = queue_.stats().peak_outstanding;
    s.dm_ports = report_.ports.size();
    s.dm_ports_cached =
        static_cast<std::size_t>(std::count_if(report_.ports.begin(), report_.ports.end(),
                                               [](const DmPortReport& p) { return p.from_cache; }));
    s.elapsed = ep_.loop().now() - started_at_;
    return std::move(report_);
}

namespace {

// The order of the SA's DM port table. OpenSM walks its node GUID map for a PortInfoRecord
// GetTable (opensm/osm_sa_portinfo_record.c, osm_pir_rcv_process() over node_guid_tbl), a
// cl_qmap keyed by the node GUID as received, in network byte order
// (opensm/osm_node_info_rcv.c, ni_rcv_process_new()): on a little-endian host the table is in
// byte-swapped GUID order; the simulator lists nodes in GUID order (src/sim/sa_agent.cpp,
// nodes_by_guid()). A port's GUID follows its node's on the usual HCAs (the node GUID plus the port
// number), so the key is told from the previous report: the port GUIDs ascending as they are, or
// byte-swapped.
enum class TableKey : std::uint8_t { none, guid, swapped_guid };

std::uint64_t swap_bytes(std::uint64_t v) {
    std::uint64_t out = 0;
    for (int i = 0; i < 8; ++i) {
        out = (out << 8) | (v & 0xff);
        v >>= 8;
    }
    return out;
}

std::uint64_t table_key_of(TableKey key, const DmPortReport& port) {
    return key == TableKey::swapped_guid ? swap_bytes(port.gid.guid()) : port.gid.guid();
}

TableKey table_key(const std::vector<DmPortReport>& ports) {
    for (const TableKey key : {TableKey::guid, TableKey::swapped_guid}) {
        const bool ascending =
            std::adjacent_find(ports.begin(), ports.end(),
                               [key](const DmPortReport& a, const DmPortReport& b) {
                                   return table_key_of(key, a) >= table_key_of(key, b);
                               }) == ports.end();
        if (ascending) {
            return key;
        }
    }
    return TableKey::none;
}

}  // namespace

DiscoveryReport merge_targeted(const DiscoveryReport& previous, const DiscoveryReport& targeted) {
    if (!targeted.targeted) {
        return targeted;  // a full scan says everything itself
    }
    const auto& scanned = targeted.scanned;
    const auto matches = [](const ScannedPort& s, const DmPortReport& p) {
        return (s.lid != 0 && p.lid == s.lid) || (s.gid && p.gid == *s.gid);
    };
    const auto settled_match = [&](const DmPortReport& p) {
        for (std::size_t i = 0; i < scanned.size(); ++i) {
            if (scanned[i].outcome != PortOutcome::failed && matches(scanned[i], p)) {
                return i;
            }
        }
        return kNone;
    };
    const auto entry_of = [&](const ScannedPort& s) -> const DmPortReport* {
        const auto it = std::find_if(targeted.ports.begin(), targeted.ports.end(),
                                     [&](const DmPortReport& p) { return p.lid == s.lid; });
        return it != targeted.ports.end() ? &*it : nullptr;
    };

    // Which report each merged port comes from, in the merged order.
    std::vector<std::pair<const DiscoveryReport*, const DmPortReport*>> order;
    std::vector<bool> placed(scanned.size(), false);
    std::unordered_set<Lid> settled;  // ports whose earlier problems no longer hold
    for (const auto& s : scanned) {
        if (s.outcome != PortOutcome::failed && s.lid != 0) {
            settled.insert(s.lid);
        }
    }
    for (const auto& port : previous.ports) {
        const std::size_t hit = settled_match(port);
        if (hit == kNone) {
            order.emplace_back(&previous, &port);
            continue;
        }
        settled.insert(port.lid);
        if (scanned[hit].outcome == PortOutcome::present && !placed[hit]) {
            placed[hit] = true;
            if (const DmPortReport* entry = entry_of(scanned[hit])) {
                order.emplace_back(&targeted, entry);
            }
        }
    }
    // A new port goes where the SA's table has it, when the previous ports show the table's
    // order; at the end otherwise.
    const TableKey key = table_key(previous.ports);
    for (std::size_t i = 0; i < scanned.size(); ++i) {
        if (scanned[i].outcome != PortOutcome::present || placed[i]) {
            continue;
        }
        const DmPortReport* entry = entry_of(scanned[i]);
        if (entry == nullptr) {
            continue;
        }
        auto at = order.end();
        if (key != TableKey::none) {
            const std::uint64_t k = table_key_of(key, *entry);
            at = std::find_if(order.begin(), order.end(), [&](const auto& placed_entry) {
                return table_key_of(key, *placed_entry.second) > k;
            });
        }
        order.insert(at, {&targeted, entry});
    }

    DiscoveryReport out;
    for (const auto& [from, port] : order) {
        out.ports.push_back(*port);
        for (const auto& t : from->targets) {
            if (t.lid == port->lid) {
                out.targets.push_back(t);
            }
        }
    }
    const auto add_problems = [&out](const DiscoveryReport& from, auto keep) {
        for (std::size_t i = 0; i < from.problems.size(); ++i) {
            const Lid lid = i < from.problem_lids.size() ? from.problem_lids[i] : 0;
            if (keep(lid, from.problems[i])) {
                out.problems.push_back(from.problems[i]);
                out.problem_lids.push_back(lid);
            }
        }
    };
    add_problems(previous,
                 [&](Lid lid, const std::string&) { return lid == 0 || settled.count(lid) == 0; });
    add_problems(targeted, [&](Lid, const std::string& text) {
        return std::find(out.problems.begin(), out.problems.end(), text) == out.problems.end();
    });
    out.mask_match = previous.mask_match;
    out.stats = targeted.stats;
    out.stats.dm_ports = out.ports.size();
    out.stats.dm_ports_cached = static_cast<std::size_t>(std::count_if(
        out.ports.begin(), out.ports.end(), [](const DmPortReport& p) { return p.from_cache; }));
    return out;
}

ScanOperation::~ScanOperation() = default;

std::unique_ptr<ScanOperation> ScanOperation::start(mad::MadEndpoint& endpoint,
                                                    DiscoveryOptions options, DiscoveryCache* cache,
                                                    Done done) {
    std::unique_ptr<ScanOperation> op(new ScanOperation());
    ScanOperation* self = op.get();
    op->scan_ =
        std::make_unique<Scan>(endpoint, std::move(options), cache, std::nullopt,
                               [self, done = std::move(done)](Result<DiscoveryReport> result) {
                                   self->finished_ = true;
                                   done(std::move(result));
                               });
    op->scan_->start();
    return op;
}

std::unique_ptr<ScanOperation> ScanOperation::start(mad::MadEndpoint& endpoint,
                                                    DiscoveryOptions options, DiscoveryCache* cache,
                                                    PortSelection ports, Done done) {
    std::unique_ptr<ScanOperation> op(new ScanOperation());
    ScanOperation* self = op.get();
    op->scan_ =
        std::make_unique<Scan>(endpoint, std::move(options), cache, std::move(ports),
                               [self, done = std::move(done)](Result<DiscoveryReport> result) {
                                   self->finished_ = true;
                                   done(std::move(result));
                               });
    op->scan_->start();
    return op;
}

std::unique_ptr<ScanOperation> ScanOperation::start(mad::MadEndpoint& endpoint,
                                                    DiscoveryOptions options, DiscoveryCache* cache,
                                                    std::vector<AddressedPort> ports, Done done) {
    std::unique_ptr<ScanOperation> op(new ScanOperation());
    ScanOperation* self = op.get();
    op->scan_ = std::make_unique<Scan>(
        endpoint, std::move(options), cache, std::nullopt,
        [self, done = std::move(done)](Result<DiscoveryReport> result) {
            self->finished_ = true;
            done(std::move(result));
        },
        std::move(ports));
    op->scan_->start();
    return op;
}

void ScanOperation::cancel(const std::string& why) {
    if (!finished_) {
        scan_->cancel(why);
    }
}

namespace {

template <class Start>
Result<DiscoveryReport> run_scan(mad::MadEndpoint& endpoint, Start start) {
    std::optional<Result<DiscoveryReport>> result;
    auto op = start([&result](Result<DiscoveryReport> r) { result = std::move(r); });
    endpoint.loop().run_until([&result] { return result.has_value(); });
    if (!result) {
        return fail(Errc::internal, "discovery stopped before its requests completed");
    }
    return std::move(*result);
}

}  // namespace

Result<DiscoveryReport> discover(mad::MadEndpoint& endpoint, const DiscoveryOptions& options,
                                 DiscoveryCache* cache) {
    return run_scan(endpoint, [&](ScanOperation::Done done) {
        return ScanOperation::start(endpoint, options, cache, std::move(done));
    });
}

Result<DiscoveryReport> discover(mad::MadEndpoint& endpoint, const DiscoveryOptions& options,
                                 const PortSelection& ports, DiscoveryCache* cache) {
    return run_scan(endpoint, [&](ScanOperation::Done done) {
        return ScanOperation::start(endpoint, options, cache, ports, std::move(done));
    });
}

Result<DiscoveryReport> discover(mad::MadEndpoint& endpoint, const DiscoveryOptions& options,
                                 const std::vector<AddressedPort>& ports, DiscoveryCache* cache) {
    return run_scan(endpoint, [&](ScanOperation::Done done) {
        return ScanOperation::start(endpoint, options, cache, ports, std::move(done));
    });
}

}  // namespace srpadm::discovery
