// srpadm_ibsim_client: one role in the ibsim test tier, run under libumad2sim.so as a client
// of ibsim on the node SIM_HOST names. It drives the real UmadEndpoint and prints what it got
// as one JSON object per line on standard output, for ibsim_test.cpp to check.
//
//   cpi                          SA ClassPortInfo
//   node-record LID              SA NodeRecord Get by LID
//   port-info-record LID         SA PortInfoRecord Get by LID
//   path-record SLID DLID        SA PathRecord Get (SLID, DLID, P_Key 0xffff)
//   subscriber                   subscribes to traps 64 and 65 with discovery::TrapSubscriber
//                                (which answers every Report with a ReportResp) and prints
//                                each Report; unsubscribes when standard input says
//                                "unsubscribe" or ends, or on SIGTERM, then prints its counters
//   dm LID                       DM IOUnitInfo, each present slot's IOControllerProfile and
//                                its ServiceEntries in blocks of four; each line also gives
//                                how many received MADs the endpoint has cut so far
//                                (cut_mads: libumad2sim delivers 224 bytes of each); the
//                                IOUnitInfo line gives the endpoint's notes
//   dm-get LID DEADLINE_MS       one DM IOUnitInfo Get with that deadline; prints the outcome
//                                and the time it took
//   dm-responder FABRIC [--silent]   answers DM requests to this port from the target that
//                                FABRIC (a .fabric file) describes for it, with sim's DM agent;
//                                --silent receives them and never answers
//   sa-responder FABRIC          answers SA requests with sim's SA agent on FABRIC's model
//
// Both responders print one {"event":"request",...} line per request they receive (class,
// method, attribute: the benchmark counts MADs by them), and take --delay MS: each answer is
// sent MS milliseconds after its request came, on a timer of its own, so that answers to
// requests sent together leave together (a pipelined client sees one delay per round trip, a
// serial one a delay per MAD).
//   port-watch                   prints the endpoint's port events (its sysfs read every
//                                100 ms: libumad2sim has no verbs device) as
//                                {"event":"port","kind":...} until SIGTERM; its "ready" line
//                                gives the endpoint's notes
//
// --issm anywhere on the command line opens the port's issm device once the agents are
// registered (UmadOptions::issm); SIM_SET_ISSM=1 in the environment makes the client issm
// from the moment it connects instead.
//
// The responders print {"ready":...} once their agents are registered and run until SIGTERM.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <srpadm/discovery/traps.hpp>
#include <srpadm/runtime/clock.hpp>
#include <srpadm/runtime/event_loop.hpp>
#include <srpadm/sim/agents.hpp>
#include <srpadm/sim/fabric_file.hpp>
#include <srpadm/types.hpp>
#include <srpadm/umad/umad_endpoint.hpp>
#include <srpadm/wire/class_port_info.hpp>
#include <srpadm/wire/dm.hpp>
#include <srpadm/wire/message.hpp>
#include <srpadm/wire/notice.hpp>
#include <srpadm/wire/sa_records.hpp>

namespace {

using namespace srpadm;
using nlohmann::json;
using std::chrono::milliseconds;

constexpr auto kTimeout = milliseconds(2000);
constexpr auto kPoll = milliseconds(50);

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int /*signal*/) {
    g_stop = 1;
}

void emit(const json& j) {
    std::cout << j.dump() << std::endl;
}

int die(const std::string& message) {
    emit({{"fatal", message}});
    return 1;
}

json error_json(const mad::MadError& e) {
    return {{"ok", false},
            {"error", std::string(errc_name(e.code))},
            {"status", e.status},
            {"message", e.message}};
}

std::string hex(std::uint64_t v) {
    return fmt::format("0x{:016x}", v);
}

// One request, waited for on the loop.
mad::MadResult exchange(mad::MadEndpoint& ep, const mad::MadAddress& to, const mad::MadBuffer& m,
                        runtime::Duration timeout = kTimeout) {
    std::optional<mad::MadResult> got;
    ep.send(mad::MadRequest{to, m}, ep.loop().now() + timeout,
            [&got](mad::MadResult r) { got = std::move(r); });
    ep.loop().run_until([&got] { return got.has_value(); });
    return got ? std::move(*got) : tl::unexpected(mad::MadError{Errc::internal, 0, "loop ended"});
}

// Wakes the loop every kPoll until *alive is false, so that run_until sees the flags.
void tick(runtime::EventLoop& loop, const std::shared_ptr<bool>& alive) {
    loop.after(kPoll, [&loop, alive] {
        if (*alive) {
            tick(loop, alive);
        }
    });
}

// Runs the loop until SIGTERM (or `done`).
void run_until_stopped(runtime::EventLoop& loop, const std::function<bool()>& done = {}) {
    auto alive = std::make_shared<bool>(true);
    tick(loop, alive);
    loop.run_until([&] { return g_stop != 0 || (done && done()); });
    *alive = false;
}

struct Client {
    runtime::SteadyClock clock;
    runtime::EventLoop loop{clock};
    std::unique_ptr<umad::UmadEndpoint> ep;
    model::PortAttributes attrs;

    Result<void> open(umad::UmadOptions options) {
        auto e = umad::UmadEndpoint::open(loop, options);
        if (!e) {
            return Unexpected(e.error());
        }
        ep = std::move(*e);
        auto a = ep->port_attributes();
        if (!a) {
            return Unexpected(a.error());
        }
        attrs = *a;
        return {};
    }
    mad::MadAddress sa() const { return discovery::sa_address(attrs); }
    static json result_json(const mad::MadResult& r) {
        if (!r) {
            return error_json(r.error());
        }
        return {{"ok", true}, {"status", r->mad.size() > 5 ? (r->mad[4] << 8) | r->mad[5] : 0}};
    }
};

template <class R>
Result<R> sa_record(const mad::MadResult& r) {
    return wire::decode_sa_response<R>(r->mad);
}

// Sends an SA Get carrying `want` with `comp_mask` and prints one line: the outcome, and the
// fields fill(j, record, response) adds from the answer.
template <class R, class Fill>
int sa_get(Client& c, const char* query, std::uint64_t comp_mask, const R& want, Fill fill) {
    wire::SaRequest req;
    req.comp_mask = comp_mask;
    const auto r = exchange(*c.ep, c.sa(), wire::build_sa_request(req, want));
    json j = Client::result_json(r);
    j["query"] = query;
    if (r) {
        auto record = sa_record<R>(r);
        if (!record) {
            return die(record.error().message);
        }
        fill(j, *record, *r);
    }
    emit(j);
    return 0;
}

int cmd_cpi(Client& c) {
    return sa_get(c, "cpi", 0, wire::ClassPortInfo{},
                  [](json& j, const wire::ClassPortInfo& cpi, const mad::MadResponse& r) {
                      j["base_version"] = cpi.base_version;
                      j["class_version"] = cpi.class_version;
                      j["capability_mask"] = cpi.capability_mask;
                      j["capability_mask2"] = cpi.capability_mask2;
                      j["resp_time_value"] = cpi.resp_time_value;
                      j["response_lid"] = r.slid;
                  });
}

int cmd_node_record(Client& c, Lid lid) {
    wire::NodeRecord want;
    want.lid = lid;
    return sa_get(c, "node-record", wire::node_record_comp::lid, want,
                  [](json& j, const wire::NodeRecord& nr, const mad::MadResponse& /*r*/) {
                      j["lid"] = nr.lid;
                      j["node_type"] = nr.node_type;
                      j["num_ports"] = nr.num_ports;
                      j["node_guid"] = hex(nr.node_guid);
                      j["port_guid"] = hex(nr.port_guid);
                      j["system_image_guid"] = hex(nr.system_image_guid);
                      j["local_port_num"] = nr.local_port_num;
                      j["node_description"] = nr.node_description.display();
                  });
}

int cmd_port_info_record(Client& c, Lid lid) {
    wire::PortInfoRecord want;
    want.endport_lid = lid;
    return sa_get(c, "port-info-record", wire::port_info_record_comp::endport_lid, want,
                  [](json& j, const wire::PortInfoRecord& pir, const mad::MadResponse& /*r*/) {
                      const auto& pi = pir.port_info;
                      j["endport_lid"] = pir.endport_lid;
                      j["port_num"] = pir.port_num;
                      j["lid"] = pi.lid;
                      j["sm_lid"] = pi.master_sm_lid;
                      j["capability_mask"] = pi.capability_mask;
                      j["gid_prefix"] = hex(pi.gid_prefix);
                      j["port_state"] = pi.port_state;
                      j["local_port_num"] = pi.local_port_num;
                      j["lmc"] = pi.lmc;
                  });
}

int cmd_path_record(Client& c, Lid slid, Lid dlid) {
    namespace pc = wire::path_record_comp;
    wire::PathRecord want;
    want.slid = slid;
    want.dlid = dlid;
    want.pkey = sim::kDefaultPKey;
    return sa_get(c, "path-record", pc::slid | pc::dlid | pc::pkey, want,
                  [](json& j, const wire::PathRecord& pr, const mad::MadResponse& /*r*/) {
                      j["slid"] = pr.slid;
                      j["dlid"] = pr.dlid;
                      j["sgid"] = pr.sgid.hex();
                      j["dgid"] = pr.dgid.hex();
                      j["pkey"] = pr.pkey;
                      j["mtu"] = pr.mtu;
                      j["rate"] = pr.rate;
                      j["reversible"] = pr.reversible;
                  });
}

// One subscription result, with the keys ibsim_test.cpp reads: the outcome as result_json
// gives it, the trap, and what the SA echoed.
json inform_json(const discovery::SubscriptionResult& r, const char* what) {
    json j;
    if (r.ok() || r.outcome == discovery::SubscriptionOutcome::bad_answer) {
        j = {{"ok", r.ok()}, {"status", r.status}};
        if (!r.ok()) {
            j["message"] = r.message;
        }
    } else {
        const Errc code = r.outcome == discovery::SubscriptionOutcome::timeout ? Errc::timeout
                          : r.outcome == discovery::SubscriptionOutcome::refused
                              ? Errc::mad_status
                              : Errc::send_failed;
        j = error_json(mad::MadError{code, r.status, r.message});
    }
    j["event"] = what;
    j["trap"] = r.trap.trap_number;
    j["attempts"] = r.attempts;
    if (r.echoed) {
        j["subscribe"] = r.echoed->subscribe;
        j["is_generic"] = r.echoed->is_generic;
        j["echoed_trap"] = r.echoed->trap_number;
    }
    return j;
}

// Runs subscribe() or unsubscribe() to its end and prints one line per trap.
void inform(Client& c, discovery::TrapSubscriber& subscriber, bool subscribe,
            std::span<const wire::TrapSubscription> traps) {
    std::optional<std::vector<discovery::SubscriptionResult>> results;
    const auto done = [&results](std::vector<discovery::SubscriptionResult> r) {
        results = std::move(r);
    };
    if (subscribe) {
        subscriber.subscribe(traps, done);
    } else {
        subscriber.unsubscribe(done);
    }
    c.loop.run_until([&results] { return results.has_value(); });
    for (const auto& r : results.value_or(std::vector<discovery::SubscriptionResult>{})) {
        emit(inform_json(r, subscribe ? "subscribed" : "unsubscribed"));
    }
}

int cmd_subscriber(Client& c) {
    const wire::TrapSubscription subs[] = {wire::subscription::gid_in_service,
                                           wire::subscription::gid_out_of_service};
    discovery::RetryPolicy retry;
    retry.timeout = kTimeout;
    retry.retries = 0;
    discovery::TrapSubscriber subscriber(
        *c.ep,
        [](const discovery::TrapEvent& e) {
            json j = {{"event", "report"},
                      {"slid", e.from},
                      {"trap", e.notice.trap_number},
                      {"type", e.notice.type},
                      {"producer_type", e.notice.producer_type},
                      {"issuer_lid", e.notice.issuer_lid},
                      {"report_resp", e.acknowledged ? "sent" : "failed"},
                      {"text", discovery::describe(e)}};
            if (const auto* in = std::get_if<wire::GidInService>(&e.details)) {
                j["gid"] = in->gid.hex();
            } else if (const auto* out = std::get_if<wire::GidOutOfService>(&e.details)) {
                j["gid"] = out->gid.hex();
            }
            emit(j);
        },
        retry);
    inform(c, subscriber, true, subs);
    emit({{"ready", true}, {"lid", c.attrs.lid}, {"reports", c.ep->reports_available()}});
    std::atomic<bool> unsubscribe{false};
    std::thread input([&unsubscribe] {
        std::string line;
        while (std::getline(std::cin, line) && line != "unsubscribe") {
        }
        unsubscribe = true;
    });
    input.detach();  // it may still wait on a terminal when SIGTERM ends the wait below
    run_until_stopped(c.loop, [&unsubscribe] { return unsubscribe.load(); });
    inform(c, subscriber, false, {});
    const auto& s = subscriber.stats();
    emit({{"event", "stats"},
          {"subscribed", s.subscribed},
          {"unsubscribed", s.unsubscribed},
          {"reports", s.reports},
          {"report_resps_sent", s.report_resps_sent},
          {"report_resps_failed", s.report_resps_failed},
          {"bad_reports", s.bad_reports},
          {"dropped", s.dropped}});
    return 0;
}

mad::MadAddress dm_to(Lid lid) {
    mad::MadAddress to;
    to.dlid = lid;
    return to;
}

// A DM Get of `attr_id` to `lid`: the outcome (ok, status, attr) in `line`, and the attribute
// as decode(data) reads it when the answer came.
template <class Decode>
auto dm_get(Client& c, Lid lid, std::uint16_t attr_id, std::uint32_t attr_mod, const char* name,
            json& line, Decode decode) -> decltype(decode(std::span<const std::uint8_t>{})) {
    const auto r = exchange(*c.ep, dm_to(lid), wire::build_dm_get(attr_id, attr_mod, 0));
    line = Client::result_json(r);
    line["attr"] = name;
    line["cut_mads"] = c.ep->cut_mads();
    if (!r) {
        return fail(r.error().code, r.error().message);
    }
    line["response_lid"] = r->slid;
    auto m = wire::decode_dm_mad(r->mad);
    auto decoded = m ? decode(m->data) : Unexpected(m.error());
    if (!decoded) {
        line["decode_error"] = decoded.error().message;
    }
    return decoded;
}

int cmd_dm(Client& c, Lid lid) {
    json j;
    auto iou = dm_get(c, lid, wire::dm_attr::io_unit_info, 0, "IOUnitInfo", j,
                      [](auto data) { return wire::IoUnitInfo::decode(data); });
    j["notes"] = c.ep->notes();
    if (iou) {
        j["change_id"] = iou->change_id;
        j["max_controllers"] = iou->max_controllers;
        j["present"] = iou->present_slots();
    }
    emit(j);
    for (const std::uint16_t slot : iou ? iou->present_slots() : std::vector<std::uint16_t>{}) {
        json pj;
        auto profile =
            dm_get(c, lid, wire::dm_attr::io_controller_profile, slot, "IOControllerProfile", pj,
                   [](auto data) { return wire::IoControllerProfile::decode(data); });
        pj["slot"] = slot;
        if (profile) {
            pj["guid"] = hex(profile->guid);
            pj["vendor_id"] = profile->vendor_id_iba();
            pj["device_id"] = profile->device_id;
            pj["io_class"] = profile->io_class;
            pj["send_size"] = profile->send_size;
            pj["service_entries"] = profile->service_entries;
            pj["id_string"] = profile->id_string.display();
        }
        emit(pj);
        const unsigned count = profile ? profile->service_entries : 0U;
        for (unsigned first = 0; first < count; first += 4) {
            const auto modifier = wire::ServiceEntriesModifier::make(
                                      slot, static_cast<std::uint8_t>(first),
                                      static_cast<std::uint8_t>(std::min(first + 3, count - 1)))
                                      .value();
            json sj;
            auto entries = dm_get(
                c, lid, wire::dm_attr::service_entries, modifier.encode(), "ServiceEntries", sj,
                [&modifier](auto data) { return wire::ServiceEntries::decode(data, modifier); });
            sj["slot"] = slot;
            sj["first"] = modifier.first;
            sj["last"] = modifier.last;
            if (entries) {
                json list = json::array();
                for (const auto& e : entries->valid()) {
                    list.push_back({{"name", e.name.display()}, {"id", hex(e.id)}});
                }
                sj["entries"] = list;
            }
            emit(sj);
        }
    }
    return 0;
}

int cmd_dm_get(Client& c, Lid lid, unsigned deadline_ms) {
    const auto start = c.loop.now();
    const auto r =
        exchange(*c.ep, dm_to(lid), wire::build_dm_get(wire::dm_attr::io_unit_info, 0, 0),
                 milliseconds(deadline_ms));
    json j = Client::result_json(r);
    j["elapsed_ms"] = std::chrono::duration<double, std::milli>(c.loop.now() - start).count();
    j["deadline_ms"] = deadline_ms;
    j["timeouts"] = c.ep->stats().timeouts;
    emit(j);
    return 0;
}

// Sends `answer` to the requester of `m`, now or `delay` later.
bool answer_later(Client& c, const mad::MadResponse& m, std::span<const std::uint8_t> answer,
                  milliseconds delay, std::uint64_t& answered) {
    mad::MadAddress to;
    to.dlid = m.slid;
    to.qpn = m.sqpn;
    to.pkey_index = m.pkey_index;
    if (delay.count() == 0) {
        if (c.ep->send_unanswered(to, answer)) {
            ++answered;
        }
        return true;
    }
    c.loop.after(delay, [&c, to, bytes = std::vector<std::uint8_t>(answer.begin(), answer.end()),
                         &answered] {
        if (c.ep->send_unanswered(to, bytes)) {
            ++answered;
        }
    });
    return true;
}

json request_event(const mad::MadResponse& m) {
    return {{"event", "request"},
            {"class", m.mad[1]},
            {"method", m.mad[3]},
            {"attr", (m.mad[16] << 8) | m.mad[17]},
            {"slid", m.slid}};
}

int cmd_dm_responder(Client& c, const std::string& path, bool silent, milliseconds delay) {
    auto file = sim::load_fabric(path);
    if (!file) {
        return die(file.error().message);
    }
    const auto ref = file->fabric.by_port_guid(c.attrs.port_guid);
    if (!ref || !file->fabric.port(*ref).dm) {
        return die(
            fmt::format("{} describes no target on port GUID {}", path, hex(c.attrs.port_guid)));
    }
    const sim::DmAgent agent = *file->fabric.port(*ref).dm;
    std::uint64_t received = 0;
    std::uint64_t answered = 0;
    c.ep->set_unsolicited_handler([&](const mad::MadResponse& m) {
        if (m.mad.size() < 24 || m.mad[1] != wire::mgmt_class::device_mgmt) {
            return;
        }
        ++received;
        json event = request_event(m);
        event["silent"] = silent;
        emit(event);
        if (silent) {
            return;
        }
        const auto answer = sim::dm_answer(agent, m.mad);
        if (!answer) {
            return;
        }
        mad::MadBuffer out{};
        std::copy_n(answer->begin(), std::min(answer->size(), out.size()), out.begin());
        answer_later(c, m, out, delay, answered);
    });
    emit({{"ready", true}, {"lid", c.attrs.lid}, {"port_guid", hex(c.attrs.port_guid)}});
    run_until_stopped(c.loop);
    emit({{"received", received}, {"answered", answered}});
    return 0;
}

int cmd_sa_responder(Client& c, const std::string& path, milliseconds delay) {
    auto file = sim::load_fabric(path);
    if (!file) {
        return die(file.error().message);
    }
    sim::Fabric& fabric = file->fabric;
    sim::SaAgent sa(fabric);
    std::uint64_t answered = 0;
    std::uint64_t ignored = 0;
    c.ep->set_unsolicited_handler([&](const mad::MadResponse& m) {
        const auto from = fabric.by_lid(m.slid);
        if (m.mad.size() < 24 || m.mad[1] != wire::mgmt_class::subn_adm || !from) {
            ++ignored;  // traps to the SM (class 0x01) and requests from unknown LIDs
            return;
        }
        emit(request_event(m));
        const auto answer = sa.handle(*from, m.mad);
        if (!answer) {
            ++ignored;
            return;
        }
        // As long as its content, as OpenSM sends it (a one-MAD table carries no padding
        // that would read as an empty record); libumad2sim cuts anything longer than one MAD,
        // OpenSM's answers as well.
        const std::size_t length = std::min(answer->size(), mad::kMadSize);
        answer_later(c, m, std::span<const std::uint8_t>(answer->data(), length), delay, answered);
    });
    emit({{"ready", true}, {"lid", c.attrs.lid}});
    run_until_stopped(c.loop);
    emit({{"answered", answered}, {"ignored", ignored}});
    return 0;
}

int cmd_port_watch(Client& c) {
    c.ep->set_port_event_handler([](const mad::PortEvent& e) {
        emit({{"event", "port"}, {"kind", std::string(mad::port_event_name(e.kind))}});
    });
    emit({{"ready", true},
          {"lid", c.attrs.lid},
          {"sm_lid", c.attrs.sm_lid},
          {"notes", c.ep->notes()}});
    run_until_stopped(c.loop);
    c.ep->set_port_event_handler(nullptr);
    return 0;
}

std::optional<unsigned> number(const char* text) {
    try {
        std::size_t used = 0;
        const unsigned long v = std::stoul(text, &used, 0);
        if (text[used] != '\0' || v > 0xffffffffUL) {
            return std::nullopt;
        }
        return static_cast<unsigned>(v);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

int run(int argc, char** argv) {
    if (argc < 2) {
        return die("usage: srpadm_ibsim_client COMMAND [ARGS] (see client.cpp)");
    }
    const std::string cmd = argv[1];
    std::vector<unsigned> nums;
    milliseconds delay{0};
    for (int i = 2; i < argc; ++i) {
        if (std::string(argv[i]) == "--delay" && i + 1 < argc) {
            const auto d = number(argv[++i]);
            if (!d) {
                return die("--delay takes a number of milliseconds");
            }
            delay = milliseconds(*d);
        } else if (const auto n = number(argv[i])) {
            nums.push_back(*n);
        }
    }
    struct sigaction action = {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);

    umad::UmadOptions options;
    options.sa_reports = cmd == "subscriber";
    options.port_poll_interval = milliseconds(100);
    for (int i = 2; i < argc; ++i) {
        options.issm = options.issm || std::string(argv[i]) == "--issm";
    }
    if (cmd == "dm-responder") {
        options.serve.push_back({wire::mgmt_class::device_mgmt,
                                 wire::class_version::dm,
                                 {wire::method::get, wire::method::set}});
    } else if (cmd == "sa-responder") {
        options.serve.push_back({wire::mgmt_class::subn_adm,
                                 wire::class_version::sa,
                                 {wire::method::get, wire::method::set, wire::method::get_table,
                                  wire::method::get_multi, wire::method::delete_}});
        // ibsim forwards traps sent to the SM's LID (trap 144 when a port's IsSM bit
        // changes) to the issm client of that port; libumad2sim crashes on a MAD of a class
        // nobody registered, so the stand-in SA registers the SMI classes and drops them.
        options.serve.push_back({0x01, 1, {wire::method::trap}});
        options.serve.push_back({0x81, 1, {wire::method::trap}});
    }
    Client c;
    if (auto opened = c.open(options); !opened) {
        return die(opened.error().message);
    }
    const auto need = [&](std::size_t n) { return nums.size() >= n; };
    if (cmd == "cpi") {
        return cmd_cpi(c);
    }
    if (cmd == "node-record" && need(1)) {
        return cmd_node_record(c, static_cast<Lid>(nums[0]));
    }
    if (cmd == "port-info-record" && need(1)) {
        return cmd_port_info_record(c, static_cast<Lid>(nums[0]));
    }
    if (cmd == "path-record" && need(2)) {
        return cmd_path_record(c, static_cast<Lid>(nums[0]), static_cast<Lid>(nums[1]));
    }
    if (cmd == "subscriber") {
        return cmd_subscriber(c);
    }
    if (cmd == "dm" && need(1)) {
        return cmd_dm(c, static_cast<Lid>(nums[0]));
    }
    if (cmd == "dm-get" && need(2)) {
        return cmd_dm_get(c, static_cast<Lid>(nums[0]), nums[1]);
    }
    const auto flag = [&](const char* name) {
        return std::any_of(argv + 2, argv + argc,
                           [name](const char* a) { return a == std::string(name); });
    };
    if (cmd == "dm-responder" && argc >= 3) {
        return cmd_dm_responder(c, argv[2], flag("--silent"), delay);
    }
    if (cmd == "sa-responder" && argc >= 3) {
        return cmd_sa_responder(c, argv[2], delay);
    }
    if (cmd == "port-watch") {
        return cmd_port_watch(c);
    }
    return die(fmt::format("bad command line for '{}'", cmd));
}

}  // namespace

int main(int argc, char** argv) {
    return run(argc, argv);
}
