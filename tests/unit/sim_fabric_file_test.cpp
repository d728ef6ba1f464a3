#include <chrono>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include <srpadm/sim/fabric_file.hpp>
#include <srpadm/sim/generator.hpp>

namespace srpadm::sim {
namespace {

std::string example(const std::string& name) {
    return std::string(SRPADM_SOURCE_DIR) + "/examples/fabrics/" + name;
}

FabricFile load_ok(const std::string& name) {
    auto f = load_fabric(example(name));
    EXPECT_TRUE(f.has_value()) << (f ? "" : f.error().message);
    return f ? std::move(*f) : FabricFile{};
}

PortRef by_desc(const Fabric& f, std::string_view desc, std::uint8_t port = 1) {
    for (std::size_t n = 0; n < f.nodes.size(); ++n) {
        if (f.nodes[n].description == desc) {
            return PortRef{n, port};
        }
    }
    ADD_FAILURE() << "no node " << desc;
    return {};
}

TEST(SimFabricFile, TwoTargetsExample) {
    const auto file = load_ok("two-targets.fabric");
    const Fabric& f = file.fabric;
    const auto s = f.summary();
    EXPECT_EQ(s.nodes, 4U);
    EXPECT_EQ(s.switches, 1U);
    EXPECT_EQ(s.ca_ports, 3U);
    EXPECT_EQ(s.targets, 2U);
    EXPECT_EQ(s.iocs, 3U);
    EXPECT_EQ(s.services, 3U);
    EXPECT_EQ(s.partitions, 1U);
    EXPECT_EQ(f.sm_lid(), 1);
    EXPECT_EQ(f.sa_mode, SaMode::mask_match);
    ASSERT_EQ(f.local_ports.size(), 1U);
    EXPECT_EQ(f.local_ports[0].ca_name, "mlx5_0");
    const Port& host = f.port(f.local_ports[0].port);
    EXPECT_EQ(host.lid, 2);
    EXPECT_EQ(host.guid, 0x0002c90300a00011U);
    EXPECT_EQ(host.state, model::PortState::active);
    EXPECT_EQ(host.pkeys, std::vector<PKey>{0xffff});
    const Port& s1 = f.port(by_desc(f, "storage1 mlx5_0"));
    EXPECT_EQ(s1.lid, 3);
    EXPECT_NE(s1.capability_mask & kCapIsDm, 0U);
    EXPECT_EQ(host.capability_mask & kCapIsDm, 0U);
    EXPECT_NE(f.port(f.sm).capability_mask & kCapIsSm, 0U);
    const Port& s2 = f.port(by_desc(f, "storage2 mlx5_0"));
    ASSERT_TRUE(s2.dm.has_value());
    ASSERT_EQ(s2.dm->iocs.size(), 2U);
    EXPECT_EQ(s2.dm->iocs[1].slot, 2U);
    EXPECT_EQ(s2.dm->iocs[1].guid, 0x0002c90300c00130U);
    EXPECT_EQ(s2.dm->iocs[1].services[0].name, "SRP.T10:0002C90300C00130");
    EXPECT_EQ(s2.dm->max_controllers, 16);
    EXPECT_EQ(s2.dm->iocs[0].vendor_id, 0x2c9U);  // the node's vendid by default
    EXPECT_EQ(f.by_lid(4), by_desc(f, "storage2 mlx5_0"));
    EXPECT_EQ(f.by_port_guid(0x0002c90300b00021), by_desc(f, "storage1 mlx5_0"));
    EXPECT_EQ(f.latency.sa, std::chrono::microseconds(200));
}

TEST(SimFabricFile, ManyServicesExample) {
    const auto file = load_ok("many-services.fabric");
    const auto s = file.fabric.summary();
    EXPECT_EQ(s.targets, 1U);
    EXPECT_EQ(s.iocs, 1U);
    EXPECT_EQ(s.services, 9U);
    EXPECT_EQ(s.srp_services, 9U);
}

TEST(SimFabricFile, PartitionsExample) {
    const auto file = load_ok("partitions.fabric");
    const Fabric& f = file.fabric;
    const auto s = f.summary();
    EXPECT_EQ(s.targets, 4U);
    EXPECT_EQ(s.partitions, 5U);
    const Port& host = f.port(f.local_ports[0].port);
    EXPECT_EQ(host.pkeys, (std::vector<PKey>{0x7fff, 0x8001, 0x8002, 0x0004}));
    const Port& a = f.port(by_desc(f, "tgt-a mlx5_0"));
    const Port& b = f.port(by_desc(f, "tgt-b mlx5_0"));
    const Port& c = f.port(by_desc(f, "tgt-c mlx5_0"));
    const Port& d = f.port(by_desc(f, "tgt-d mlx5_0"));
    EXPECT_EQ(b.pkeys, (std::vector<PKey>{0x7fff, 0x8001, 0x8002}));
    EXPECT_EQ(c.pkeys, (std::vector<PKey>{0x7fff, 0x8003}));
    EXPECT_EQ(d.pkeys, (std::vector<PKey>{0x7fff, 0x0004}));
    EXPECT_EQ(f.port(f.sm).pkeys.front(), 0xffff);  // the SM stays a full member
    EXPECT_TRUE(ports_share_pkey(host, a));
    EXPECT_TRUE(ports_share_pkey(host, b));
    EXPECT_FALSE(ports_share_pkey(host, c));
    EXPECT_FALSE(ports_share_pkey(host, d));
    EXPECT_TRUE(ports_share_pkey(host, f.port(f.sm)));
    EXPECT_TRUE(ports_share_this_pkey(host, b, 0x8002));
    EXPECT_TRUE(ports_share_this_pkey(host, b, 0x0002));  // the base is what counts
    EXPECT_FALSE(ports_share_this_pkey(host, a, 0x8002));
    EXPECT_FALSE(ports_share_this_pkey(host, d, 0x8004));
    EXPECT_EQ(first_common_pkey(host, a), std::optional<PKey>(0x8001));
    EXPECT_EQ(first_common_pkey(host, c), std::nullopt);
}

TEST(SimFabricFile, MixedExampleAssignsLidsLikeAnSm) {
    const auto file = load_ok("mixed.fabric");
    const Fabric& f = file.fabric;
    EXPECT_EQ(f.sa_mode, SaMode::old_sm);
    // No LID comments: the SM's switch gets 1, then its neighbours in port order.
    EXPECT_EQ(f.sm_lid(), 1);
    EXPECT_EQ(f.port(by_desc(f, "host1 mlx5_0")).lid, 2);
    EXPECT_EQ(f.port(by_desc(f, "lio1 mlx5_0")).lid, 3);
    EXPECT_EQ(f.port(by_desc(f, "rev10 HCA-1")).lid, 4);
    EXPECT_EQ(f.port(by_desc(f, "gateway HCA-1")).lid, 5);
    const auto& lio = f.port(by_desc(f, "lio1 mlx5_0")).dm;
    ASSERT_TRUE(lio.has_value());
    EXPECT_EQ(lio->flavour, DmFlavour::lio);
    ASSERT_EQ(lio->iocs.size(), 1U);
    EXPECT_EQ(lio->iocs[0].guid, 0x0002c90300e30010U);  // the node GUID
    EXPECT_EQ(lio->iocs[0].id_string, "Linux SRP target");
    EXPECT_EQ(lio->iocs[0].services[0].name, "SRP.T10:0002c90300e30010");
    const auto& rev10 = f.port(by_desc(f, "rev10 HCA-1")).dm;
    EXPECT_EQ(rev10->iocs[0].io_class, 0xff00);
    const auto& gw = f.port(by_desc(f, "gateway HCA-1")).dm;
    EXPECT_EQ(gw->max_controllers, 4);
    EXPECT_EQ(gw->iocs[1].slot, 3U);
    EXPECT_EQ(gw->iocs[0].services[1].name, "VNIC.ETH:port1");
    EXPECT_EQ(f.summary().srp_services, 3U);
}

constexpr std::string_view kDumpWithLids = R"(#
# Topology file: generated on Tue Jun  5 14:15:10 2018
#
vendid=0x2c9
devid=0xc738
sysimgguid=0x2c903004d2df0
switchguid=0x2c903004d2df0(2c903004d2df0)
Switch	36 "S-0002c903004d2df0"		# "MF0;sw:SX6036/U1" enhanced port 0 lid 12 lmc 0
[1]	"H-0002c903000e0b72"[1](2c903000e0b73) 		# "host1 mlx4_0" lid 3 4xFDR
[2]	"H-0002c903000e0b80"[2](2c903000e0b82) 		# "host2 mlx4_0" lid 8 4xFDR

vendid=0x2c9
devid=0x1003
sysimgguid=0x2c903000e0b75
caguid=0x2c903000e0b72
Ca	2 "H-0002c903000e0b72"		# "host1 mlx4_0"
[1](2c903000e0b73) 	"S-0002c903004d2df0"[1]		# lid 3 lmc 0 "MF0;sw:SX6036/U1" lid 12 4xFDR

vendid=0x2c9
devid=0x1003
caguid=0x2c903000e0b80
Ca	2 "H-0002c903000e0b80"		# "host2 mlx4_0"
[2](2c903000e0b82) 	"S-0002c903004d2df0"[2]		# lid 8 lmc 1 "MF0;sw:SX6036/U1" lid 12 4xFDR
)";

TEST(SimFabricFile, IbnetdiscoverDumpWithLids) {
    auto topo = parse_ibnetdiscover(kDumpWithLids, "dump.txt");
    ASSERT_TRUE(topo) << topo.error().message;
    ASSERT_EQ(topo->nodes.size(), 3U);
    const Node& sw = topo->nodes[0];
    EXPECT_EQ(sw.type, NodeType::switch_node);
    EXPECT_EQ(sw.description, "MF0;sw:SX6036/U1");
    EXPECT_EQ(sw.vendor_id, 0x2c9U);
    EXPECT_EQ(sw.device_id, 0xc738U);
    EXPECT_EQ(sw.port(0)->lid, 12);
    EXPECT_EQ(sw.port(0)->guid, 0x2c903004d2df0U);
    EXPECT_EQ(sw.ports.size(), 37U);
    const Node& h2 = topo->nodes[2];
    EXPECT_EQ(h2.port(2)->lid, 8);
    EXPECT_EQ(h2.port(2)->lmc, 1);
    EXPECT_EQ(h2.port(2)->guid, 0x2c903000e0b82U);
    EXPECT_EQ(h2.port(2)->peer_node, 0U);
    EXPECT_EQ(h2.port(2)->peer_port, 2);
    EXPECT_EQ(h2.port(1)->peer_node, kNoNode);

    const std::string text = "begin topology\n" + std::string(kDumpWithLids) + "end topology\n";
    auto file = parse_fabric(text, "lids.fabric");
    ASSERT_TRUE(file) << file.error().message;
    const Fabric& f = file->fabric;
    EXPECT_EQ(f.sm_lid(), 12);
    EXPECT_EQ(f.by_lid(9), (PortRef{2, 2}));  // LMC 1: LIDs 8 and 9
    EXPECT_EQ(f.port(PortRef{2, 1}).state, model::PortState::down);
    // The default initiator: the first active CA port.
    ASSERT_EQ(f.local_ports.size(), 1U);
    EXPECT_EQ(f.local_ports[0].port, (PortRef{1, 1}));
}

TEST(SimFabricFile, IbnetdiscoverDumpWithoutLidsFromAFile) {
    std::string dump(kDumpWithLids);
    for (const auto* cut : {" lid 12 lmc 0", " lid 3 lmc 0", " lid 8 lmc 1"}) {
        dump.erase(dump.find(cut), std::string_view(cut).size());
    }
    ParseOptions options;
    std::string asked;
    options.read_file = [&](const std::string& path) -> Result<std::string> {
        asked = path;
        return dump;
    };
    auto file = parse_fabric("topology net/dump.txt\nsm \"host2 mlx4_0\"/2\n",
                             "/etc/fabrics/x.fabric", options);
    ASSERT_TRUE(file) << file.error().message;
    EXPECT_EQ(asked, "/etc/fabrics/net/dump.txt");
    const Fabric& f = file->fabric;
    // Breadth first from the SM's node: host2 port 2 first, then the switch, then host1.
    EXPECT_EQ(f.port(PortRef{2, 2}).lid, 1);
    EXPECT_EQ(f.sm_lid(), 1);
    EXPECT_EQ(f.port(PortRef{0, 0}).lid, 2);
    EXPECT_EQ(f.port(PortRef{1, 1}).lid, 3);
    EXPECT_EQ(f.port(PortRef{1, 2}).lid, 0);  // not linked: no LID
}

TEST(SimFabricFile, EveryErrorNamesFileAndLine) {
    const std::string topo =
        "begin topology\n"                                 // 1
        "switchguid=0x10\n"                                // 2
        "Switch 4 \"S-1\" # \"sw\" port 0 lid 1 lmc 0\n"   // 3
        "[1] \"H-1\"[1] # \"h1\" lid 2\n"                  // 4
        "[2] \"H-2\"[1] # \"h2\" lid 3\n"                  // 5
        "caguid=0x20\n"                                    // 6
        "Ca 1 \"H-1\" # \"h1\"\n"                          // 7
        "[1](21) \"S-1\"[1] # lid 2 lmc 0 \"sw\" lid 1\n"  // 8
        "caguid=0x30\n"                                    // 9
        "Ca 1 \"H-2\" # \"h2\"\n"                          // 10
        "[1](31) \"S-1\"[2] # lid 3 lmc 0 \"sw\" lid 1\n"  // 11
        "end topology\n";                                  // 12
    struct Case {
        std::string text;
        std::string where;
        std::string what;
    };
    const std::vector<Case> cases = {
        {"bogus 1\n", "e.fabric:1:", "unknown directive 'bogus'"},
        {"begin topology\nSwitch x \"S\"\nend topology\n", "e.fabric:2:", "port count"},
        {"begin topology\nCa 1 \"H\"\n[2] \"S\"[1]\nend topology\n",
         "e.fabric:3:", "port number 1..1"},
        {"begin topology\nCa 1 \"H\"\n[1] \"nope\"[1]\nend topology\n",
         "e.fabric:3:", "\"nope\" is not a node"},
        {"begin topology\n[1] \"S\"[1]\nend topology\n", "e.fabric:2:", "before any"},
        {"begin topology\ncaguid=zz\nend topology\n", "e.fabric:2:", "a number after"},
        {"begin topology\nfoo=1\nend topology\n", "e.fabric:2:", "unknown topology attribute"},
        {"begin topology\nCa 1 \"H\nend topology\n", "e.fabric:2:", "unterminated"},
        {"begin topology\nCa 1 \"H\"\n", "e.fabric:1:", "without 'end topology'"},
        {"begin topology\nCa 1 \"H\"\nCa 1 \"H\"\nend topology\n", "e.fabric:3:", "used twice"},
        {"begin topology\nCa 1 \"H\"\n[1](21) \"G\"[1] # lid 70000\nCa 1 \"G\"\nend topology\n",
         "e.fabric:3:", "LID 0..49151"},
        {topo + "sm \"nope\"\n", "e.fabric:13:", "no node has the id or description \"nope\""},
        {topo + "sm \"h1\"/5\n", "e.fabric:13:", "no end port 5"},
        {topo + "sa-mode fast\n", "e.fabric:13:", "sa-mode mask-match"},
        {topo + "sa-resp-time 32\n", "e.fabric:13:", "RespTimeValue"},
        {topo + "latency sa 5 parsecs\n", "e.fabric:13:", "expected 'latency"},
        {topo + "latency sa 5\n", "e.fabric:13:", "duration"},
        {topo + "initiator \"h1\" ibdev bad/name\n", "e.fabric:13:", "ibdev name"},
        {topo + "partition 0x8000 full \"h1\"\n", "e.fabric:13:", "invalid P_Key"},
        {topo + "partition 0x8001 half \"h1\"\n", "e.fabric:13:", "full or limited"},
        {topo + "target \"h2\" fancy\n", "e.fabric:13:", "generic or lio"},
        {topo + "target \"h2\"\n ioc 0\n", "e.fabric:14:", "slot"},
        {topo + "target \"h2\"\n ioc 256\n", "e.fabric:14:", "slot"},
        {topo + "target \"h2\"\n ioc 1\n id \"" + std::string(65, 'x') + "\"\n",
         "e.fabric:15:", "longer than 64"},
        {topo + "target \"h2\"\n ioc 1\n service \"" + std::string(41, 'x') + "\" 1\n",
         "e.fabric:15:", "longer than 40"},
        {topo + "target \"h2\"\n ioc 1\n service \"SRP.T10:x\" 0x1g\n",
         "e.fabric:15:", "64-bit service ID"},
        {topo + "target \"h2\"\n ioc 1\n send-size 0x100000000\n", "e.fabric:15:", "send-size"},
        {topo + "target \"h2\"\n ioc 1\n colour blue\n", "e.fabric:15:", "IOC field"},
        {topo + "target \"h2\"\n ioc 1\n end\n ioc 1\n", "e.fabric:16:", "already has"},
        {topo + "target \"h2\"\n max-controllers 2\n ioc 3\n end\nend\n",
         "e.fabric:13:", "lower than the highest"},
        {topo + "target \"h2\"\n ioc 1\n", "e.fabric:14:", "close this 'ioc'"},
        {topo + "target \"h2\" lio\n ioc 1\n", "e.fabric:14:", "exactly the one IOC"},
        {topo + "target \"h2\" lio\n change-id 4\n", "e.fabric:14:", "ChangeID 1"},
        {topo + "target \"h2\"\n acl\n", "e.fabric:14:", "expected 'any' or initiator port IDs"},
        {topo + "target \"h2\"\n acl 0x1234\n", "e.fabric:14:", "found '0x1234'"},
        {topo + "target \"h2\" lio\n acl 0002:c903:00a0\n", "e.fabric:14:", "an initiator port ID"},
        {topo + "target \"h2\"\n login-delay soon\n", "e.fabric:14:", "login-delay DURATION"},
        {topo + "target \"h2\"\n login-vanish 0x100000000\n",
         "e.fabric:14:", "number of logins that vanish"},
        {topo + "target \"h2\"\n login-vanish 1 2\n", "e.fabric:14:", "end of the line"},
        {topo + "target \"h2\"\n colour blue\n", "e.fabric:14:", "acl, login-delay"},
        {topo + "event 1s acl-allow \"h2\"\n", "e.fabric:13:", "found the end of the line"},
        {topo + "event 1s acl-deny \"h2\" everyone\n", "e.fabric:13:", "found 'everyone'"},
        {topo + "end\n", "e.fabric:13:", "without an open"},
        {topo + "fault explode\n", "e.fabric:13:", "unknown fault action"},
        {topo + "fault drop class xx\n", "e.fabric:13:", "management class"},
        {topo + "fault drop probability 1.5\n", "e.fabric:13:", "probability"},
        {topo + "fault delay\n", "e.fabric:13:", "duration"},
        {topo + "fault drop colour red\n", "e.fabric:13:", "expected class"},
        {topo + "event 5s explode \"h1\"\n", "e.fabric:13:", "event kind"},
        {topo + "event soon port-down \"h1\"\n", "e.fabric:13:", "event time"},
        {topo + "event 1s pkeys \"h1\" 0x1ffff\n", "e.fabric:13:", "P_Key"},
        {topo + "begin topology\nend topology\n", "e.fabric:13:", "second topology"},
        {"sm \"x\"\n", "e.fabric:1:", "expected the topology"},
        {"subnet-prefix 0xfe80\n", "e.fabric:1:", "expected a topology"},
        {"topology missing.txt\n", "e.fabric:1:", "cannot read the topology file"},
        {"begin topology\nCa 1 \"H\"\n[1](21) \"S\"[1] # lid 4\nSwitch 2 \"S\" # \"s\" port 0 "
         "lid 4 lmc 0\nend topology\n",
         "e.fabric:4:", "already used"},
    };
    ParseOptions options;
    options.read_file = [](const std::string& path) -> Result<std::string> {
        return fail(Errc::not_found, path + ": cannot open the file");
    };
    for (const auto& c : cases) {
        auto r = parse_fabric(c.text, "e.fabric", options);
        ASSERT_FALSE(r.has_value()) << c.text;
        EXPECT_EQ(r.error().code, Errc::invalid_input) << c.text;
        EXPECT_EQ(r.error().message.rfind(c.where, 0), 0U)
            << "message: " << r.error().message << "\ninput:\n"
            << c.text;
        EXPECT_NE(r.error().message.find(c.what), std::string::npos)
            << "message: " << r.error().message << "\nwanted: " << c.what;
    }
}

TEST(SimFabricFile, FaultAndEventLines) {
    const std::string text =
        "begin topology\nCa 1 \"H-1\" # \"h1\"\n[1](21) \"H-2\"[1]\nCa 1 \"H-2\" # \"h2\"\n"
        "[1](31) \"H-1\"[1]\nend topology\n"
        "fault drop class dm attr ioc-profile lid 2 nth 2\n"
        "fault busy class sa method gettable every count 3\n"
        "fault delay 10s probability 0.25 seed 7\n"
        "fault truncate-table 12\n"
        "event 5s port-down \"h2\"\n"
        "event 6s pkeys \"h1\" 0xffff 0x8001\n";
    auto r = parse_fabric(text, "f.fabric");
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->faults.size(), 4U);
    const auto& f0 = r->faults[0];
    EXPECT_EQ(f0.action, FaultAction::drop);
    EXPECT_EQ(f0.mgmt_class, std::optional<std::uint8_t>(0x06));
    EXPECT_EQ(f0.attr_id, std::optional<std::uint16_t>(0x0011));
    EXPECT_EQ(f0.dlid, std::optional<Lid>(2));
    EXPECT_EQ(f0.nth, 2U);
    EXPECT_EQ(f0.count, 1U);
    EXPECT_EQ(f0.origin, "f.fabric:7");
    EXPECT_EQ(r->faults[1].action, FaultAction::status);
    EXPECT_EQ(r->faults[1].value, 1U);
    EXPECT_EQ(r->faults[1].method, std::optional<std::uint8_t>(0x12));
    EXPECT_EQ(r->faults[1].count, 3U);
    EXPECT_EQ(r->faults[2].delay, std::chrono::seconds(10));
    EXPECT_DOUBLE_EQ(r->faults[2].probability, 0.25);
    EXPECT_EQ(r->faults[2].seed, 7U);
    EXPECT_EQ(r->faults[3].value, 12U);
    ASSERT_EQ(r->events.size(), 2U);
    EXPECT_EQ(r->events[0].at, std::chrono::seconds(5));
    EXPECT_TRUE(std::holds_alternative<PortDown>(r->events[0].event));
    const auto& pk = std::get<PKeyTableChange>(r->events[1].event);
    EXPECT_EQ(pk.pkeys, (std::vector<PKey>{0xffff, 0x8001}));
}

TEST(SimFabricFile, TargetAclsLoginQuirksAndAclEvents) {
    const std::string text =
        "begin topology\nCa 1 \"H-1\" # \"h1\"\n[1](21) \"H-2\"[1]\nCa 1 \"H-2\" # \"h2\"\n"
        "[1](31) \"H-1\"[1]\nCa 1 \"H-3\" # \"h3\"\nend topology\n"
        "initiator \"h1\"\n"
        "target \"h2\" lio\n"
        "  acl 0x0000000000000000000000000000ABCD 0002:c903:00a0:0011\n"
        "  acl 0000000000000000000000000000abcd\n"  // the same entry again
        "  login-delay 60s\n"
        "  login-vanish 2\n"
        "end\n"
        "target \"h3\"\n"
        "  login-vanish\n"
        "end\n"
        "event 5s acl-allow \"h2\" any\n"
        "event 6s acl-deny \"h2\" 0002:c903:00a0:0011 any\n";
    auto r = parse_fabric(text, "a.fabric");
    ASSERT_TRUE(r) << r.error().message;
    const Fabric& f = r->fabric;
    const Port& h2 = f.port(PortRef{1, 1});
    EXPECT_FALSE(h2.acl.any);
    ASSERT_EQ(h2.acl.entries.size(), 2U);
    EXPECT_EQ(acl_entry_text(h2.acl.entries[0]), "0x0000000000000000000000000000abcd");
    EXPECT_EQ(h2.acl.entries[1].kind, AclEntry::Kind::port_guid);
    EXPECT_EQ(acl_entry_text(h2.acl.entries[1]), "0002:c903:00a0:0011");
    model::PortId id{};
    id[14] = 0xab;
    id[15] = 0xcd;
    EXPECT_TRUE(h2.acl.admits(id, 0x99));
    EXPECT_TRUE(h2.acl.admits(model::PortId{}, 0x0002c90300a00011ULL));
    EXPECT_FALSE(h2.acl.admits(model::PortId{}, 0x99));
    EXPECT_EQ(h2.login.delay, std::chrono::seconds(60));
    EXPECT_EQ(h2.login.vanish, 2U);
    const Port& h3 = f.port(PortRef{2, 1});
    EXPECT_TRUE(h3.acl.any);
    EXPECT_EQ(h3.login.vanish, kVanishAlways);
    const Port& h1 = f.port(PortRef{0, 1});
    EXPECT_EQ(h1.acl, SrpAcl{});
    EXPECT_EQ(h1.login, LoginQuirks{});
    ASSERT_EQ(r->events.size(), 2U);
    const auto& allow = std::get<AclChange>(r->events[0].event);
    EXPECT_TRUE(allow.allow);
    EXPECT_TRUE(allow.any);
    EXPECT_TRUE(allow.entries.empty());
    const auto& deny = std::get<AclChange>(r->events[1].event);
    EXPECT_FALSE(deny.allow);
    EXPECT_TRUE(deny.any);
    ASSERT_EQ(deny.entries.size(), 1U);
    EXPECT_EQ(describe(f, r->events[1].event),
              "ACL of \"H-2\"/1 (LID 2) denies any 0002:c903:00a0:0011");
}

TEST(SimFabricFile, FaultInjectorTriggers) {
    FaultInjector inj;
    FaultRule nth;
    nth.nth = 2;
    nth.count = 2;
    nth.mgmt_class = 0x06;
    const auto a = inj.add(nth);
    FaultRule prob;
    prob.probability = 0.5;
    prob.seed = 42;
    const auto b = inj.add(prob);
    std::vector<int> fired_a;
    for (int i = 1; i <= 6; ++i) {
        const auto rules = inj.fire(RequestKey{0x06, 0x10, 0x01, 3});
        if (!rules.empty() && rules.front()->nth == 2) {
            fired_a.push_back(i);
        }
    }
    EXPECT_EQ(fired_a, (std::vector<int>{2, 3}));
    EXPECT_EQ(inj.matches(a), 6U);
    EXPECT_TRUE(inj.fire(RequestKey{0x03, 0x10, 0x01, 3}).size() <= 1);  // class 3 not rule a
    EXPECT_EQ(inj.matches(a), 6U);
    // The same seed fires the same way every run.
    FaultInjector again;
    again.add(prob);
    std::uint64_t hits = 0;
    for (int i = 0; i < 1000; ++i) {
        hits += again.fire(RequestKey{}).size();
    }
    EXPECT_GT(hits, 400U);
    EXPECT_LT(hits, 600U);
    EXPECT_GT(inj.fired(b), 0U);
}

TEST(SimFabricGenerator, TenThousandPortsWithAThousandTargets) {
    GeneratorOptions o;
    o.ca_ports = 10000;
    o.targets = 1000;
    o.pkeys = 3;
    o.services_per_ioc = 2;
    const auto start = std::chrono::steady_clock::now();
    auto text = generate_fabric_text(o);
    ASSERT_TRUE(text) << text.error().message;
    auto file = parse_fabric(*text, "big.fabric");
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    ASSERT_TRUE(file) << file.error().message;
    const auto s = file->fabric.summary();
    EXPECT_EQ(s.ca_ports, 10000U);
    EXPECT_EQ(s.targets, 1000U);
    EXPECT_EQ(s.iocs, 1000U);
    EXPECT_EQ(s.services, 2000U);
    EXPECT_EQ(s.partitions, 4U);
    EXPECT_EQ(file->fabric.sm_lid(), 1);
    // Every end port is up and has a LID of its own.
    std::map<Lid, int> lids;
    for (const auto& ref : file->fabric.end_ports()) {
        const Port& p = file->fabric.port(ref);
        EXPECT_EQ(p.state, model::PortState::active);
        ++lids[p.lid];
    }
    EXPECT_EQ(lids.size(), file->fabric.end_ports().size());
    EXPECT_EQ(lids.count(0), 0U);
    std::printf("generated and loaded %zu bytes (%zu nodes) in %lld ms\n", text->size(), s.nodes,
                static_cast<long long>(ms));
    // The same seed gives the same file.
    EXPECT_EQ(*generate_fabric_text(o), *text);
}

TEST(SimFabricGenerator, RejectsBadOptions) {
    GeneratorOptions o;
    o.ca_ports = 4;
    o.targets = 4;
    EXPECT_FALSE(generate_fabric_text(o));
    o.targets = 1;
    o.iocs_per_target = 0;
    EXPECT_FALSE(generate_fabric_text(o));
    o.iocs_per_target = 1;
    auto small = generate_fabric(o);
    ASSERT_TRUE(small) << small.error().message;
    EXPECT_EQ(small->fabric.summary().switches, 1U);  // one leaf, no spine
}

}  // namespace
}  // namespace srpadm::sim
