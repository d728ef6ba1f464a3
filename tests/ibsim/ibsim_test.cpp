// The real UmadEndpoint against real third-party parts: ibsim, OpenSM and libumad2sim.so,
// with infiniband-diags (ibnetdiscover, smpquery, saquery) as the oracle for what OpenSM
// configured. Every test gets its own fabric (harness.hpp). Only what fits one 256-byte MAD
// is asserted (libumad2sim has no RMPP). libumad2sim 0.10 queues each received MAD in a
// 288-byte buffer after a 64-byte umad header, so bytes 224-255 would arrive as whatever
// follows that buffer in its heap; the endpoint sets them to zero (umad/delivered.hpp), and
// Umad2simBytesPastWhatItDeliversReadAsZero checks that.
#include <arpa/inet.h>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <srpadm/sim/fabric_file.hpp>
#include <srpadm/types.hpp>

#include "harness.hpp"

namespace srpadm::ibsim_test {
namespace {

using nlohmann::json;

// The nodes of tests/ibsim/harness.net.
constexpr Guid kSwitchGuid = 0x0002c90200400000;
struct Hca {
    const char* name;
    Guid node_guid;
    Guid port_guid() const { return node_guid + 1; }
};
constexpr Hca kSm{"Hca1", 0x0002c90300a00010};
constexpr Hca kInitiator{"Hca2", 0x0002c90300a00020};
constexpr Hca kTarget{"Hca3", 0x0002c90300b00030};
constexpr Hca kSubscriber{"Hca4", 0x0002c90300a00040};
constexpr Hca kVictim{"Hca5", 0x0002c90300a00050};
constexpr Hca kHcas[] = {kSm, kInitiator, kTarget, kSubscriber, kVictim};

// The test client: SRPADM_IBSIM_CLIENT in the environment (ctest's tsan label names the
// ThreadSanitizer build of it), else the one this build made.
std::string client_binary() {
    const char* path = std::getenv("SRPADM_IBSIM_CLIENT");
    return path != nullptr && *path != '\0' ? path : SRPADM_IBSIM_CLIENT;
}

std::string hex(std::uint64_t v) {
    return fmt::format("0x{:016x}", v);
}

std::string gid_hex(Guid port_guid) {
    return Gid::from_parts(sim::kDefaultSubnetPrefix, port_guid).hex();
}

// A GID as saquery prints it (inet_ntop's IPv6 form).
std::string gid_text(Guid port_guid) {
    const Gid g = Gid::from_parts(sim::kDefaultSubnetPrefix, port_guid);
    char buf[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET6, g.raw.data(), buf, sizeof(buf));
    return buf;
}

std::vector<json> json_lines(const std::vector<std::string>& lines) {
    std::vector<json> out;
    for (const auto& line : lines) {
        auto j = json::parse(line, nullptr, false);
        if (!j.is_discarded()) {
            out.push_back(std::move(j));
        }
    }
    return out;
}

std::vector<json> json_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return json_lines(lines);
}

// The value after "<field>....." in diags output ("Capability mask..........0x2602").
std::string diag_field(const std::string& text, const std::string& field) {
    const std::regex re("(^|\\n)\\s*" + field + "\\.+([^\\n]*)");
    std::smatch m;
    return std::regex_search(text, m, re) ? m[2].str() : std::string();
}

unsigned long number(const std::string& text) {
    return std::stoul(text, nullptr, 0);
}

class Ibsim : public ::testing::Test {
  protected:
    void SetUp() override {
        h = std::make_unique<Harness>();
        ASSERT_TRUE(h->ok()) << h->error();
        auto file = sim::load_fabric(h->fabric_file().string());
        ASSERT_TRUE(file) << file.error().message;
        model = std::move(file->fabric);
    }

    // The LID OpenSM gave the port (as ibnetdiscover read it with SMPs).
    Lid lid(const Hca& hca) const {
        const auto ref = model.by_port_guid(hca.port_guid());
        return ref ? model.port(*ref).lid : 0;
    }

    // The test client's JSON lines, after checking that it ran.
    std::vector<json> client(const Hca& host, const std::vector<std::string>& args,
                             ClientOptions options = {}) {
        std::vector<std::string> argv{client_binary()};
        argv.insert(argv.end(), args.begin(), args.end());
        const auto r = h->run(host.name, argv, options);
        EXPECT_TRUE(r.ok()) << r.describe();
        return json_lines(r.out);
    }

    std::unique_ptr<Background> background(const Hca& host, const std::vector<std::string>& args,
                                           bool issm) {
        std::vector<std::string> argv{client_binary()};
        argv.insert(argv.end(), args.begin(), args.end());
        return h->start(host.name, argv, issm);
    }

    // A diags tool's output (it must succeed).
    std::string diag(const std::vector<std::string>& argv) {
        std::vector<std::string> full{Harness::tool(argv[0])};
        full.insert(full.end(), argv.begin() + 1, argv.end());
        const auto r = h->run(kInitiator.name, full);
        EXPECT_TRUE(r.ok()) << r.describe();
        return r.out;
    }

    std::unique_ptr<Harness> h;
    sim::Fabric model;
};

TEST_F(Ibsim, TopologyIsTheNetfileWithLidsFromOpenSm) {
    EXPECT_EQ(model.nodes.size(), 6U);
    std::vector<Lid> lids;
    for (const auto& hca : kHcas) {
        const Lid l = lid(hca);
        EXPECT_NE(l, 0) << hca.name;
        lids.push_back(l);
        // A second oracle per LID: the SMP NodeInfo that ibsim answers at that LID.
        const auto info = diag({"smpquery", "nodeinfo", std::to_string(l)});
        EXPECT_EQ(number(diag_field(info, "PortGuid:")), hca.port_guid()) << info;
    }
    std::sort(lids.begin(), lids.end());
    EXPECT_EQ(std::adjacent_find(lids.begin(), lids.end()), lids.end()) << "LIDs are unique";
    EXPECT_EQ(model.sm_lid(), lid(kSm));
    const auto sw = model.by_port_guid(kSwitchGuid);
    ASSERT_TRUE(sw);
    EXPECT_NE(model.port(*sw).lid, 0);
}

TEST_F(Ibsim, SaClassPortInfo) {
    const auto oracle = diag({"saquery", "CPI"});
    const auto mask = number(diag_field(oracle, "Capability mask"));
    const auto resp_time = number(diag_field(oracle, "Response time value"));
    const auto lines = client(kInitiator, {"cpi"});
    ASSERT_EQ(lines.size(), 1U);
    const auto& j = lines[0];
    ASSERT_TRUE(j["ok"].get<bool>()) << j.dump();
    EXPECT_EQ(j["status"], 0);
    EXPECT_EQ(j["base_version"], 1);
    EXPECT_EQ(j["class_version"], 2);
    EXPECT_EQ(j["capability_mask"], mask) << oracle;
    // IsPortInfoCapMaskMatchSupported: what discovery's DM port query relies on.
    EXPECT_NE(j["capability_mask"].get<unsigned>() & (1U << 13), 0U);
    EXPECT_EQ(j["resp_time_value"], resp_time);
    EXPECT_EQ(j["response_lid"], lid(kSm));
}

TEST_F(Ibsim, SaNodeRecordByLid) {
    for (const auto& hca : kHcas) {
        const auto lines = client(kInitiator, {"node-record", std::to_string(lid(hca))});
        ASSERT_EQ(lines.size(), 1U) << hca.name;
        const auto& j = lines[0];
        ASSERT_TRUE(j["ok"].get<bool>()) << j.dump();
        EXPECT_EQ(j["status"], 0);
        EXPECT_EQ(j["lid"], lid(hca));
        EXPECT_EQ(j["node_type"], 1);
        EXPECT_EQ(j["num_ports"], 1);
        EXPECT_EQ(j["node_guid"], hex(hca.node_guid));
        EXPECT_EQ(j["port_guid"], hex(hca.port_guid()));
        EXPECT_EQ(j["system_image_guid"], hex(hca.node_guid));
        EXPECT_EQ(j["local_port_num"], 1);
        EXPECT_EQ(j["node_description"], hca.name);
    }
}

TEST_F(Ibsim, SaPortInfoRecordByLid) {
    for (const auto& hca : {kTarget, kSm}) {
        const Lid l = lid(hca);
        const auto oracle = diag({"smpquery", "portinfo", std::to_string(l)});
        const auto lines = client(kInitiator, {"port-info-record", std::to_string(l)});
        ASSERT_EQ(lines.size(), 1U);
        const auto& j = lines[0];
        ASSERT_TRUE(j["ok"].get<bool>()) << j.dump();
        EXPECT_EQ(j["endport_lid"], l);
        EXPECT_EQ(j["port_num"], 1);
        EXPECT_EQ(j["lid"], l);
        EXPECT_EQ(j["sm_lid"], lid(kSm));
        EXPECT_EQ(j["sm_lid"], number(diag_field(oracle, "SMLid:")));
        EXPECT_EQ(j["capability_mask"], number(diag_field(oracle, "CapMask:"))) << oracle;
        EXPECT_EQ(j["gid_prefix"], hex(sim::kDefaultSubnetPrefix));
        EXPECT_EQ(j["port_state"], 4);  // Active
        EXPECT_EQ(j["local_port_num"], 1);
        EXPECT_EQ(j["lmc"], 0);
    }
}

TEST_F(Ibsim, SaPathRecord) {
    const Lid s = lid(kInitiator);
    const Lid d = lid(kTarget);
    const auto oracle = diag({"saquery", "--src-to-dst", fmt::format("{}:{}", s, d)});
    const auto lines = client(kInitiator, {"path-record", std::to_string(s), std::to_string(d)});
    ASSERT_EQ(lines.size(), 1U);
    const auto& j = lines[0];
    ASSERT_TRUE(j["ok"].get<bool>()) << j.dump();
    EXPECT_EQ(j["slid"], s);
    EXPECT_EQ(j["dlid"], d);
    EXPECT_EQ(j["sgid"], gid_hex(kInitiator.port_guid()));
    EXPECT_EQ(j["dgid"], gid_hex(kTarget.port_guid()));
    EXPECT_EQ(j["pkey"], 0xffff);
    EXPECT_EQ(j["reversible"], true);
    EXPECT_EQ(diag_field(oracle, "sgid"), gid_text(kInitiator.port_guid())) << oracle;
    EXPECT_EQ(diag_field(oracle, "dgid"), gid_text(kTarget.port_guid())) << oracle;
    EXPECT_EQ(number(diag_field(oracle, "slid")), s);
    EXPECT_EQ(number(diag_field(oracle, "dlid")), d);
    EXPECT_EQ(number(diag_field(oracle, "pkey")), j["pkey"]);
}

// Starts the subscriber on Hca4 and checks OpenSM's answers to its two InformInfo Sets.
std::unique_ptr<Background> subscribe(Harness& h, bool issm) {
    std::vector<std::string> argv{client_binary(), "subscriber"};
    auto sub = h.start(kSubscriber.name, argv, issm);
    if (!sub || !sub->wait_for("\"ready\"")) {
        ADD_FAILURE() << "the subscriber did not start: " << (sub ? sub->errors() : "");
        return nullptr;
    }
    const auto lines = json_lines(sub->lines());
    EXPECT_EQ(lines.size(), 3U);
    for (std::size_t i = 0; i < 2 && i < lines.size(); ++i) {
        const auto& j = lines[i];
        EXPECT_EQ(j["event"], "subscribed");
        EXPECT_EQ(j["trap"], i == 0 ? 64 : 65);
        EXPECT_TRUE(j["ok"].get<bool>()) << j.dump();
        EXPECT_EQ(j["status"], 0);  // GetResp status
        EXPECT_EQ(j["subscribe"], 1);
        EXPECT_EQ(j["is_generic"], 1);
        EXPECT_EQ(j["echoed_trap"], j["trap"]);
    }
    EXPECT_EQ(lines.back()["reports"], true);
    return sub;
}

// Asks the subscriber to unsubscribe and checks OpenSM's answers.
void unsubscribe(Background& sub) {
    ASSERT_TRUE(sub.write_line("unsubscribe"));
    ASSERT_EQ(sub.wait(10s), 0) << sub.errors();
    std::size_t unsubscribed = 0;
    for (const auto& j : json_lines(sub.lines())) {
        if (j.value("event", "") == "unsubscribed") {
            ++unsubscribed;
            EXPECT_TRUE(j["ok"].get<bool>()) << j.dump();
            EXPECT_EQ(j["status"], 0);
            EXPECT_EQ(j["subscribe"], 0);
        }
    }
    EXPECT_EQ(unsubscribed, 2U);
}

// The subscriber's Report line for `trap`, waiting for it.
json report(Background& sub, int trap) {
    const auto line = sub.wait_for(
        std::vector<std::string>{"\"event\":\"report\"", fmt::format("\"trap\":{}", trap)}, 20s);
    return line ? json::parse(*line) : json();
}

TEST_F(Ibsim, InformInfoSubscribeAndUnsubscribe) {
    auto sub = subscribe(*h, false);
    ASSERT_TRUE(sub);
    // OpenSM's own table of subscriptions (InformInfoRecords) names the subscriber.
    const auto records = diag({"saquery", "IIR"});
    EXPECT_NE(records.find(gid_text(kSubscriber.port_guid())), std::string::npos) << records;
    unsubscribe(*sub);
    const auto after = diag({"saquery", "IIR"});
    EXPECT_EQ(after.find(gid_text(kSubscriber.port_guid())), std::string::npos) << after;
}

TEST_F(Ibsim, ReportsForTraps64And65WhenAnHcaGoesAndComesBack) {
    // Reports reach a umad2sim client only when it is the port's issm client.
    auto sub = subscribe(*h, true);
    ASSERT_TRUE(sub);
    const std::string victim = gid_hex(kVictim.port_guid());

    ASSERT_TRUE(h->console(fmt::format("Unlink \"{}\"", kVictim.name)));
    const auto j65 = report(*sub, 65);
    ASSERT_FALSE(j65.is_null()) << sub->errors() << h->opensm_log();
    EXPECT_EQ(j65["gid"], victim);
    EXPECT_EQ(j65["type"], 3);           // subnet management
    EXPECT_EQ(j65["producer_type"], 4);  // class manager
    EXPECT_EQ(j65["issuer_lid"], lid(kSm));
    EXPECT_EQ(j65["slid"], lid(kSm));
    EXPECT_EQ(j65["report_resp"], "sent");

    ASSERT_TRUE(h->console(fmt::format("ReLink \"{}\"", kVictim.name)));
    const auto j64 = report(*sub, 64);
    ASSERT_FALSE(j64.is_null()) << sub->errors() << h->opensm_log();
    EXPECT_EQ(j64["gid"], victim);
    EXPECT_EQ(j64["type"], 3);
    EXPECT_EQ(j64["issuer_lid"], lid(kSm));
    EXPECT_EQ(j64["report_resp"], "sent");

    unsubscribe(*sub);
}

TEST_F(Ibsim, DeviceManagementRoundTrips) {
    auto responder = background(kTarget, {"dm-responder", h->fabric_file().string()}, true);
    ASSERT_TRUE(responder);
    ASSERT_TRUE(responder->wait_for("\"ready\"")) << responder->errors();
    const auto ref = model.by_port_guid(kTarget.port_guid());
    ASSERT_TRUE(ref && model.port(*ref).dm);
    const sim::DmAgent& agent = *model.port(*ref).dm;
    ASSERT_EQ(agent.iocs.size(), 1U);
    const sim::Ioc& ioc = agent.iocs[0];
    ASSERT_EQ(ioc.services.size(), 5U);

    const auto lines = client(kInitiator, {"dm", std::to_string(lid(kTarget))});
    ASSERT_EQ(lines.size(), 4U);
    const auto& iou = lines[0];
    EXPECT_EQ(iou["attr"], "IOUnitInfo");
    ASSERT_TRUE(iou["ok"].get<bool>()) << iou.dump();
    EXPECT_EQ(iou["change_id"], agent.change_id);
    EXPECT_EQ(iou["max_controllers"], agent.max_controllers);
    EXPECT_EQ(iou["present"], json::array({1}));
    EXPECT_EQ(iou["response_lid"], lid(kTarget));

    const auto& p = lines[1];
    EXPECT_EQ(p["attr"], "IOControllerProfile");
    ASSERT_TRUE(p["ok"].get<bool>()) << p.dump();
    EXPECT_EQ(p["guid"], hex(ioc.guid));
    EXPECT_EQ(p["vendor_id"], ioc.vendor_id);
    EXPECT_EQ(p["device_id"], ioc.device_id);
    EXPECT_EQ(p["io_class"], ioc.io_class);
    EXPECT_EQ(p["send_size"], ioc.send_size);
    EXPECT_EQ(p["service_entries"], ioc.services.size());
    EXPECT_EQ(p["id_string"], ioc.id_string);

    // Two blocks: entries 0-3 and 4. Only a block's first three entries are checked (the
    // fourth lies in bytes 208-255).
    const auto& b0 = lines[2];
    ASSERT_TRUE(b0["ok"].get<bool>()) << b0.dump();
    EXPECT_EQ(b0["first"], 0);
    EXPECT_EQ(b0["last"], 3);
    ASSERT_EQ(b0["entries"].size(), 4U);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(b0["entries"][i]["name"], ioc.services[i].name) << i;
        EXPECT_EQ(b0["entries"][i]["id"], hex(ioc.services[i].id)) << i;
    }
    const auto& b1 = lines[3];
    ASSERT_TRUE(b1["ok"].get<bool>()) << b1.dump();
    EXPECT_EQ(b1["first"], 4);
    ASSERT_EQ(b1["entries"].size(), 1U);
    EXPECT_EQ(b1["entries"][0]["name"], ioc.services[4].name);
    EXPECT_EQ(b1["entries"][0]["id"], hex(ioc.services[4].id));

    responder->stop();
    const auto counts = json_lines(responder->lines()).back();
    EXPECT_EQ(counts["received"], 4);
    EXPECT_EQ(counts["answered"], 4);
}

TEST_F(Ibsim, Umad2simBytesPastWhatItDeliversReadAsZero) {
    // The first ServiceEntries block holds four entries; the fourth lies at MAD bytes 208-255
    // and has a 39-byte name and a non-zero service ID, of which libumad2sim delivers only the
    // name's first 16 bytes. Every run must see zeros after them, whatever its heap held.
    const auto ref = model.by_port_guid(kTarget.port_guid());
    ASSERT_TRUE(ref && model.port(*ref).dm);
    const auto& services = model.port(*ref).dm->iocs.at(0).services;
    ASSERT_GE(services.size(), 4U);
    ASSERT_EQ(services[3].name.size(), 39U);
    ASSERT_NE(services[3].id, 0U);
    auto responder = background(kTarget, {"dm-responder", h->fabric_file().string()}, true);
    ASSERT_TRUE(responder);
    ASSERT_TRUE(responder->wait_for("\"ready\"")) << responder->errors();
    constexpr int kRuns = 5;
    for (int run = 0; run < kRuns; ++run) {
        const auto lines = client(kInitiator, {"dm", std::to_string(lid(kTarget))});
        ASSERT_EQ(lines.size(), 4U) << "run " << run;
        const auto notes = lines[0]["notes"].get<std::vector<std::string>>();
        EXPECT_EQ(std::count_if(notes.begin(), notes.end(),
                                [](const std::string& n) {
                                    return n.find(
                                               "delivers only the first 224 bytes of each "
                                               "MAD") != std::string::npos;
                                }),
                  1)
            << lines[0].dump();
        const auto& b0 = lines[2];
        ASSERT_TRUE(b0["ok"].get<bool>()) << b0.dump();
        ASSERT_EQ(b0["entries"].size(), 4U) << b0.dump();
        for (std::size_t i = 0; i < 3; ++i) {
            EXPECT_EQ(b0["entries"][i]["name"], services[i].name) << "run " << run;
            EXPECT_EQ(b0["entries"][i]["id"], hex(services[i].id)) << "run " << run;
        }
        EXPECT_EQ(b0["entries"][3]["name"], services[3].name.substr(0, 16)) << "run " << run;
        EXPECT_EQ(b0["entries"][3]["id"], hex(0)) << "run " << run;
        // IOUnitInfo, IOControllerProfile and this block: three 256-byte answers, each cut.
        EXPECT_EQ(b0["cut_mads"], 3) << "run " << run;
        // The second block's one entry lies in bytes 64-111: whole.
        EXPECT_EQ(lines[3]["entries"][0]["id"], hex(services[4].id)) << "run " << run;
    }
    responder->stop();
    EXPECT_EQ(json_lines(responder->lines()).back()["answered"], 4 * kRuns);
}

TEST_F(Ibsim, RequestWithoutResponderEndsByItsDeadline) {
    // A port whose node has no issm client: ibsim cannot deliver the DM request and sends it
    // back at once with status 110, which completes it as a timeout long before its deadline.
    const auto none = client(kInitiator, {"dm-get", std::to_string(lid(kSubscriber)), "3000"});
    ASSERT_EQ(none.size(), 1U);
    EXPECT_FALSE(none[0]["ok"].get<bool>());
    EXPECT_EQ(none[0]["error"], "timeout");
    EXPECT_NE(none[0]["message"].get<std::string>().find("status 110"), std::string::npos);
    EXPECT_LT(none[0]["elapsed_ms"].get<double>(), 1000.0);

    // A responder that takes the request and never answers: libumad2sim never times a MAD
    // out, so only the endpoint's own deadline ends it.
    auto silent =
        background(kTarget, {"dm-responder", h->fabric_file().string(), "--silent"}, true);
    ASSERT_TRUE(silent);
    ASSERT_TRUE(silent->wait_for("\"ready\"")) << silent->errors();
    const auto lines = client(kInitiator, {"dm-get", std::to_string(lid(kTarget)), "800"});
    ASSERT_EQ(lines.size(), 1U);
    const auto& j = lines[0];
    EXPECT_FALSE(j["ok"].get<bool>());
    EXPECT_EQ(j["error"], "timeout");
    EXPECT_EQ(j["message"], "no response before the deadline");
    EXPECT_EQ(j["timeouts"], 1);
    const double elapsed = j["elapsed_ms"].get<double>();
    EXPECT_GE(elapsed, 800.0);
    EXPECT_LT(elapsed, 800.0 + 1500.0);  // generous: the machine may be busy
    silent->stop();
    EXPECT_EQ(json_lines(silent->lines()).back()["received"], 1);
}

TEST_F(Ibsim, DiscoverPrintsWhatTheDmResponderServes) {
    // OpenSM never reports IsDeviceManagementSupported for an ibsim port (the capability
    // masks are fixed), so the stand-in SA takes over the SM port once OpenSM has configured
    // the fabric: it answers from harness.fabric, where Hca3 is an SRP target.
    // OpenSM clears IsSM on its port when it stops, so the stand-in SA becomes the issm
    // client only after registering its agents (--issm): the trap 144 that its own IsSM
    // change sends to the SM's LID comes back to it.
    ASSERT_TRUE(h->stop_opensm()) << h->opensm_log();
    auto sa = background(kSm, {"sa-responder", h->fabric_file().string(), "--issm"}, false);
    ASSERT_TRUE(sa);
    ASSERT_TRUE(sa->wait_for("\"ready\"")) << sa->errors();
    auto dm = background(kTarget, {"dm-responder", h->fabric_file().string()}, true);
    ASSERT_TRUE(dm);
    ASSERT_TRUE(dm->wait_for("\"ready\"")) << dm->errors();

    const auto r = h->run(kInitiator.name, {SRPADM_BINARY, "discover", "-f", "add-target"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(r.out,
              "id_ext=0002C90300B00030,ioc_guid=0002c90300b00030,"
              "dgid=fe800000000000000002c90300b00031,pkey=ffff,service_id=0002c90300b00030\n")
        << r.describe();
    // The notes: libumad2sim's fake sysfs has no link_layer, and it delivers 224 MAD bytes.
    EXPECT_NE(r.err.find("assuming InfiniBand"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("delivers only the first 224 bytes of each MAD"), std::string::npos)
        << r.err;

    const auto listing = h->run(kInitiator.name, {SRPADM_BINARY, "discover", "--port", "ibsim0:1"});
    EXPECT_EQ(listing.exit_code, 0) << listing.describe();
    EXPECT_NE(listing.out.find("srpadm ibsim target"), std::string::npos) << listing.out;
    EXPECT_NE(listing.out.find("SRP.T10:0002C90300B00030"), std::string::npos) << listing.out;
}

}  // namespace
}  // namespace srpadm::ibsim_test

namespace srpadm::ibsim_test {
namespace {

TEST_F(Ibsim, DiscoverStopsCleanlyOnSigterm) {
    // A scan waiting on a DM port that never answers, with a 20 s deadline per MAD: SIGTERM
    // must end it at once and let it exit normally. (Under libumad2sim an exit() from the
    // signal handler would deadlock against the receive thread in umad_recv; a normal exit
    // runs libumad2sim's cleanup, which removes the process's sys-<pid> folder.)
    ASSERT_TRUE(h->stop_opensm()) << h->opensm_log();
    auto sa = background(kSm, {"sa-responder", h->fabric_file().string(), "--issm"}, false);
    ASSERT_TRUE(sa && sa->wait_for("\"ready\"")) << (sa ? sa->errors() : "");
    auto dm = background(kTarget, {"dm-responder", h->fabric_file().string(), "--silent"}, true);
    ASSERT_TRUE(dm && dm->wait_for("\"ready\"")) << (dm ? dm->errors() : "");

    auto scan = h->start(kInitiator.name, {SRPADM_BINARY, "discover", "-t", "20000", "-r", "0"});
    ASSERT_TRUE(scan);
    ASSERT_TRUE(dm->wait_for("\"event\":\"request\"", 10s)) << scan->errors();
    const auto asked = std::chrono::steady_clock::now();
    const int status = scan->stop(5s);
    const auto took = std::chrono::steady_clock::now() - asked;
    EXPECT_LT(took, 2s);
    EXPECT_EQ(status, 128 + SIGTERM) << scan->errors();  // as a shell reports the signal
    EXPECT_NE(scan->errors().find("scan stopped: interrupted by SIGTERM"), std::string::npos)
        << scan->errors();
    EXPECT_FALSE(fs::exists(h->dir() / "run" / fmt::format("sys-{}", scan->pid())));
}

}  // namespace
}  // namespace srpadm::ibsim_test

namespace srpadm::ibsim_test {
namespace {

// Port 1 of the one device in a libumad2sim client's fake sysfs (run/sys-<pid>/sys/...).
class FakePort {
  public:
    FakePort(const Harness& h, pid_t pid) {
        const fs::path sys = h.dir() / "run" / fmt::format("sys-{}", pid) / "sys";
        std::error_code ec;
        for (const auto& ca : fs::directory_iterator(sys / "class" / "infiniband", ec)) {
            dir_ = ca.path() / "ports" / "1";
        }
    }
    const fs::path& dir() const { return dir_; }
    bool exists() const { return !dir_.empty() && fs::exists(dir_ / "state"); }
    // Whole files at once (a rename), so that a reader never sees one half-written.
    void rewrite(const std::string& file, const std::string& text) const {
        const fs::path next = dir_ / (file + ".next");
        std::ofstream(next, std::ios::trunc) << text;
        fs::rename(next, dir_ / file);
    }

  private:
    fs::path dir_;
};

// libumad2sim's sysfs is a snapshot it writes when a client starts (ibsim's link changes never
// reach it), so the test changes the client's own copy, as a kernel changes its files.
TEST_F(Ibsim, PortEventsFromTheEndpointsSysfsReads) {
    auto watch = background(kInitiator, {"port-watch"}, false);
    ASSERT_TRUE(watch && watch->wait_for("\"ready\"")) << (watch ? watch->errors() : "");
    // Under libumad2sim the endpoint falls back to reading sysfs, and says so.
    EXPECT_TRUE(watch->wait_for(
        "port events: sysfs read every 100 ms because libumad2sim (ibsim) simulates umad "
        "devices only"))
        << watch->errors();
    const FakePort port(*h, watch->pid());
    ASSERT_TRUE(port.exists()) << port.dir();
    const auto rewrite = [&](const char* file, const std::string& text) {
        port.rewrite(file, text);
    };

    rewrite("sm_lid", "0x99\n");
    EXPECT_TRUE(watch->wait_for("\"kind\":\"sm-change\"", 5s)) << watch->errors();
    rewrite("state", "1: DOWN\n");
    EXPECT_TRUE(watch->wait_for("\"kind\":\"port-down\"", 5s)) << watch->errors();
    rewrite("lid", "0x77\n");
    rewrite("state", "4: ACTIVE\n");
    EXPECT_TRUE(watch->wait_for("\"kind\":\"port-active\"", 5s)) << watch->errors();
    EXPECT_EQ(watch->stop(5s), 0) << watch->errors();
    std::vector<std::string> kinds;
    for (const auto& j : json_lines(watch->lines())) {
        if (j.value("event", "") == "port") {
            kinds.push_back(j["kind"]);
        }
    }
    EXPECT_EQ(kinds,
              (std::vector<std::string>{"sm-change", "port-down", "lid-change", "port-active"}));
}

}  // namespace
}  // namespace srpadm::ibsim_test

namespace srpadm::ibsim_test {
namespace {

TEST_F(Ibsim, DiscoverWaitsForAnActivePortAndGivesUp) {
    // libumad2sim takes a client's port state from ibsim when the client starts: an unlinked
    // HCA's port is DOWN in its sysfs.
    ASSERT_TRUE(h->console(fmt::format("Unlink \"{}\"", kInitiator.name)));
    const auto started = std::chrono::steady_clock::now();
    const auto r = h->run(kInitiator.name, {SRPADM_BINARY, "-v", "discover", "--wait-active", "2"});
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(r.exit_code, 4) << r.describe();
    EXPECT_NE(r.err.find("waiting up to 2 s for the port to be ACTIVE"), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("did not become ACTIVE with an SM within 2000 ms"), std::string::npos)
        << r.err;
    EXPECT_GE(took, 2s);
    EXPECT_LT(took, 6s);
}

TEST_F(Ibsim, DiscoverWaitsForThePortToComeUpThenScans) {
    ASSERT_TRUE(h->console(fmt::format("Unlink \"{}\"", kInitiator.name)));
    auto scan = h->start(kInitiator.name,
                         {SRPADM_BINARY, "-v", "discover", "--wait-active", "30", "-f", "json"});
    ASSERT_TRUE(scan);
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (scan->errors().find("waiting up to 30 s") == std::string::npos &&
           std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(50ms);
    }
    ASSERT_NE(scan->errors().find("waiting up to 30 s"), std::string::npos) << scan->errors();
    const FakePort port(*h, scan->pid());
    ASSERT_TRUE(port.exists()) << port.dir();
    std::this_thread::sleep_for(600ms);  // a few reads of the DOWN port
    EXPECT_TRUE(scan->running());

    // The link comes back and OpenSM brings the port up again (ibsim's trap makes it sweep);
    // the client's sysfs snapshot is updated by hand, as a kernel would update its files.
    ASSERT_TRUE(h->console(fmt::format("ReLink \"{}\"", kInitiator.name)));
    port.rewrite("lid", fmt::format("0x{:x}\n", lid(kInitiator)));
    port.rewrite("sm_lid", fmt::format("0x{:x}\n", lid(kSm)));
    port.rewrite("phys_state", "5: LinkUp\n");
    port.rewrite("state", "4: ACTIVE\n");
    const auto status = scan->wait(30s);
    ASSERT_TRUE(status) << scan->errors();
    // OpenSM reports no port with IsDeviceManagementSupported (ibsim's masks are fixed): the
    // scan ran, and found nothing.
    EXPECT_EQ(*status, 0) << scan->errors();
    const auto out = json::parse(fmt::format("{}", fmt::join(scan->lines(), "\n")));
    EXPECT_EQ(out["local_port"]["lid"], lid(kInitiator)) << out.dump();
    EXPECT_TRUE(out["targets"].empty()) << out.dump();
}

}  // namespace
}  // namespace srpadm::ibsim_test

namespace srpadm::ibsim_test {
namespace {

// The daemon on the real endpoint, with OpenSM as the SA: it subscribes to the four traps
// (OpenSM answers with status 0 and lists the subscriptions in its InformInfoRecords),
// receives and acknowledges the Reports OpenSM sends when an HCA goes and comes back (a
// libumad2sim client receives unsolicited MADs only as its port's issm client), and on
// SIGTERM unsubscribes and exits 0.
TEST_F(Ibsim, DaemonSubscribesAnswersReportsAndUnsubscribesOnSigterm) {
    const fs::path run = h->dir() / "daemon-run";
    auto daemon = h->start(kInitiator.name,
                           {SRPADM_BINARY, "daemon", "--run-dir", run.string(), "--log-level",
                            "debug", "--rescan-interval", "3600"},
                           true);
    ASSERT_TRUE(daemon);
    ASSERT_TRUE(daemon->wait_for_error("subscribed to traps 64, 65, 144 and 145", 20s))
        << daemon->errors() << h->opensm_log();
    const std::string me = gid_text(kInitiator.port_guid());
    const auto records = diag({"saquery", "IIR"});
    EXPECT_NE(records.find(me), std::string::npos) << records;

    // srpadm status asks the daemon on its control socket: the port as OpenSM set it up (LID,
    // SM LID), subscribed, its first scan done.
    json port;
    for (int attempt = 0; attempt < 50; ++attempt) {
        const auto r = h->run(kInitiator.name,
                              {SRPADM_BINARY, "status", "--run-dir", run.string(), "-f", "json"});
        ASSERT_TRUE(r.ok()) << r.describe();
        const json doc = json::parse(r.out);
        ASSERT_TRUE(doc["daemon"]["running"].get<bool>()) << r.out;
        for (const json& p : doc["ports"]) {
            if (p["daemon"].is_object() && p["daemon"]["last_scan"].is_object()) {
                port = p["daemon"];
            }
        }
        if (!port.is_null()) {
            break;
        }
        std::this_thread::sleep_for(200ms);
    }
    ASSERT_TRUE(port.is_object()) << daemon->errors();
    EXPECT_EQ(port["state"], "up");
    EXPECT_EQ(port["lid"], lid(kInitiator));
    EXPECT_EQ(port["sm_lid"], lid(kSm));
    EXPECT_TRUE(port["subscribed"].get<bool>());
    EXPECT_TRUE(port["last_scan"]["ok"].get<bool>());
    EXPECT_GE(port["counters"]["sa_mads"].get<int>(), 1);

    const std::string victim = gid_hex(kVictim.port_guid());
    ASSERT_TRUE(h->console(fmt::format("Unlink \"{}\"", kVictim.name)));
    EXPECT_TRUE(daemon->wait_for_error("trap 65 (GID out of service)", 20s))
        << daemon->errors() << h->opensm_log();
    ASSERT_TRUE(h->console(fmt::format("ReLink \"{}\"", kVictim.name)));
    EXPECT_TRUE(daemon->wait_for_error("trap 64 (GID in service)", 20s))
        << daemon->errors() << h->opensm_log();
    const std::string log = daemon->errors();
    EXPECT_NE(log.find("GID " + victim), std::string::npos) << log;
    // Every Report was answered: the log says so of any that could not be.
    EXPECT_EQ(log.find("ReportResp could not be sent"), std::string::npos) << log;

    EXPECT_EQ(daemon->stop(10s), 0) << daemon->errors();
    EXPECT_NE(daemon->errors().find("unsubscribed from traps 64, 65, 144 and 145"),
              std::string::npos)
        << daemon->errors();
    const auto after = diag({"saquery", "IIR"});
    EXPECT_EQ(after.find(me), std::string::npos) << after;
}

}  // namespace
}  // namespace srpadm::ibsim_test
