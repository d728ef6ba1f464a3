#include <algorithm>
#include <array>
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

using mad::MadAddress;
using mad::MadBuffer;
using mad::MadResult;

constexpr Lid kMaxUnicastLid = 0xbfff;
constexpr Guid kTopspinOui = 0x0005ad;
constexpr std::uint16_t kNoPathStatus = wire::sa_status::no_records << 8;

std::string lid_name(Lid lid) {
    return fmt::format("LID 0x{:04x}", lid);
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
};

}  // namespace scan_detail

using scan_detail::PortWork;

class Scan {
  public:
    Scan(mad::MadEndpoint& endpoint, DiscoveryOptions options, DiscoveryCache* cache,
         ScanOperation::Done done)
        : ep_(endpoint),
          options_(std::move(options)),
          cache_(cache != nullptr ? *cache : scratch_),
          queue_(endpoint, options_.limits, options_.retry),
          done_(std::move(done)) {}

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
    void problem(std::string message) { report_.problems.push_back(std::move(message)); }
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

    mad::MadEndpoint& ep_;
    DiscoveryOptions options_;
    DiscoveryCache scratch_;  // when the caller keeps no cache
    DiscoveryCache& cache_;
    MadQueue queue_;
    ScanOperation::Done done_;
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
    // Keep the shared P_Keys in local table order, whatever order the answers came in.
    std::vector<PKey> ordered;
    for (const PKey p : local_pkeys_) {
        if (std::find(port.shared.begin(), port.shared.end(), p) != port.shared.end()) {
            ordered.push_back(p);
        }
    }
    port.shared = std::move(ordered);
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

MadAddress Scan::dm_address(const PortWork& port) const {
    MadAddress to;
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
    if (options_.topspin_class_port_info && (port.port_guid >> 40) == kTopspinOui) {
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
        if (options_.use_cache) {
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
            problem(port, fmt::format("{} (GUID 0x{:016x}) slot {}: {}", lid_name(port.lid),
                                      port.port_guid, ioc.slot, ioc.error));
        }
    }
    if (!port.report.error.empty()) {
        problem(port, fmt::format("{} (GUID 0x{:016x}): {}", lid_name(port.lid), port.port_guid,
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
                                        lid_name(port.lid), ioc.slot, s, entry.name.display()));
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
                    report_.targets.push_back(std::move(t));
                }
            }
        }
        report_.ports.push_back(port.report);
    }
    for (auto& port : ports_) {
        std::move(port.problems.begin(), port.problems.end(), std::back_inserter(report_.problems));
    }
}

Result<DiscoveryReport> Scan::finish() {
    if (fatal_) {
        return Unexpected(*fatal_);
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

ScanOperation::~ScanOperation() = default;

std::unique_ptr<ScanOperation> ScanOperation::start(mad::MadEndpoint& endpoint,
                                                    DiscoveryOptions options, DiscoveryCache* cache,
                                                    Done done) {
    std::unique_ptr<ScanOperation> op(new ScanOperation());
    ScanOperation* self = op.get();
    op->scan_ =
        std::make_unique<Scan>(endpoint, std::move(options), cache,
                               [self, done = std::move(done)](Result<DiscoveryReport> result) {
                                   self->finished_ = true;
                                   done(std::move(result));
                               });
    op->scan_->start();
    return op;
}

void ScanOperation::cancel(const std::string& why) {
    if (!finished_) {
        scan_->cancel(why);
    }
}

Result<DiscoveryReport> discover(mad::MadEndpoint& endpoint, const DiscoveryOptions& options,
                                 DiscoveryCache* cache) {
    std::optional<Result<DiscoveryReport>> result;
    auto op = ScanOperation::start(endpoint, options, cache,
                                   [&result](Result<DiscoveryReport> r) { result = std::move(r); });
    endpoint.loop().run_until([&result] { return result.has_value(); });
    if (!result) {
        return fail(Errc::internal, "discovery stopped before its requests completed");
    }
    return std::move(*result);
}

}  // namespace srpadm::discovery
