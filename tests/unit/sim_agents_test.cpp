// The simulated fabric's SA and DM agents, faults and events, seen through a SimEndpoint the
// way discovery sees them.
#include <chrono>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include <srpadm/sim/fabric_file.hpp>
#include <srpadm/sim/generator.hpp>
#include <srpadm/sim/sim_endpoint.hpp>
#include <srpadm/sim/simulator.hpp>
#include <srpadm/wire/class_port_info.hpp>
#include <srpadm/wire/dm.hpp>
#include <srpadm/wire/message.hpp>
#include <srpadm/wire/notice.hpp>
#include <srpadm/wire/sa_records.hpp>

namespace srpadm::sim {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

FabricFile example(const std::string& name) {
    auto f = load_fabric(std::string(SRPADM_SOURCE_DIR) + "/examples/fabrics/" + name);
    EXPECT_TRUE(f) << (f ? "" : f.error().message);
    return std::move(*f);
}

PortRef by_desc(const Fabric& f, std::string_view desc) {
    for (std::size_t n = 0; n < f.nodes.size(); ++n) {
        if (f.nodes[n].description == desc) {
            return PortRef{n, 1};
        }
    }
    ADD_FAILURE() << "no node " << desc;
    return {};
}

struct Sim {
    explicit Sim(FabricFile file) : fabric(std::move(file), loop), ep(fabric.open().value()) {}

    mad::MadResult send(Lid dlid, const mad::MadBuffer& mad, std::uint16_t pkey_index = 0,
                        runtime::Duration timeout = seconds(1), SimEndpoint* from = nullptr) {
        std::optional<mad::MadResult> got;
        mad::MadRequest r;
        r.to.dlid = dlid;
        r.to.pkey_index = pkey_index;
        r.mad = mad;
        (from != nullptr ? from : ep.get())->send(r, loop.now() + timeout, [&](mad::MadResult res) {
            got = std::move(res);
        });
        loop.run_until([&] { return got.has_value(); });
        return std::move(*got);
    }
    mad::MadResult sa(const mad::MadBuffer& mad) { return send(fabric.fabric().sm_lid(), mad); }
    Lid lid(std::string_view desc) {
        return fabric.fabric().port(by_desc(fabric.fabric(), desc)).lid;
    }

    runtime::VirtualClock clock;
    runtime::EventLoop loop{clock};
    SimFabric fabric;
    std::unique_ptr<SimEndpoint> ep;
};

wire::SaRequest sa_req(std::uint8_t method, std::uint64_t comp_mask, std::uint32_t attr_mod = 0) {
    wire::SaRequest r;
    r.method = method;
    r.comp_mask = comp_mask;
    r.attr_mod = attr_mod;
    if (method == wire::method::get_table) {
        r.rmpp = wire::RmppHeader::single_request();
    }
    return r;
}

mad::MadBuffer is_dm_query(std::uint32_t attr_mod = wire::kPortInfoCapMaskMatchAttrMod) {
    wire::PortInfoRecord rec;
    rec.port_info.capability_mask = kCapIsDm;
    return wire::build_sa_request(
        sa_req(wire::method::get_table, wire::port_info_record_comp::capability_mask, attr_mod),
        rec);
}

template <class R>
std::vector<R> table(const mad::MadResult& r) {
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    auto mad = wire::decode_sa_mad(r->mad);
    EXPECT_TRUE(mad);
    auto records = wire::decode_sa_table<R>(*mad);
    EXPECT_TRUE(records) << (records ? "" : records.error().message);
    return records ? *records : std::vector<R>{};
}

std::uint16_t status_of(const mad::MadResult& r) {
    EXPECT_FALSE(r.has_value());
    return r ? 0 : r.error().status;
}

mad::MadBuffer path_query(Lid slid, Lid dlid, std::optional<PKey> pkey, std::uint8_t method) {
    wire::PathRecord pr;
    pr.slid = slid;
    pr.dlid = dlid;
    namespace c = wire::path_record_comp;
    std::uint64_t mask = c::slid | c::dlid;
    if (pkey) {
        pr.pkey = *pkey;
        mask |= c::pkey;
    }
    return wire::build_sa_request(sa_req(method, mask), pr);
}

// ---- SA -------------------------------------------------------------------------------------

TEST(SimSa, ClassPortInfoInBothModes) {
    Sim sim(example("two-targets.fabric"));
    const auto q = wire::build_sa_request(sa_req(wire::method::get, 0), wire::ClassPortInfo{});
    auto r = sim.sa(q);
    ASSERT_TRUE(r) << r.error().message;
    auto cpi = wire::decode_sa_record<wire::ClassPortInfo>(*wire::decode_sa_mad(r->mad));
    ASSERT_TRUE(cpi);
    EXPECT_EQ(cpi->capability_mask, 0x2602);
    EXPECT_TRUE(cpi->supports_port_info_cap_mask_match());
    EXPECT_EQ(cpi->resp_time_value, 18);
    EXPECT_EQ(r->mad[3], wire::method::get_resp);

    Sim old(example("mixed.fabric"));
    auto r2 = old.sa(q);
    ASSERT_TRUE(r2);
    auto cpi2 = wire::decode_sa_record<wire::ClassPortInfo>(*wire::decode_sa_mad(r2->mad));
    EXPECT_FALSE(cpi2->supports_port_info_cap_mask_match());
}

TEST(SimSa, PortInfoRecordCapabilityMatch) {
    Sim sim(example("two-targets.fabric"));
    const auto recs = table<wire::PortInfoRecord>(sim.sa(is_dm_query()));
    ASSERT_EQ(recs.size(), 2U);
    EXPECT_EQ(recs[0].endport_lid, sim.lid("storage1 mlx5_0"));
    EXPECT_EQ(recs[1].endport_lid, sim.lid("storage2 mlx5_0"));
    EXPECT_TRUE(recs[0].port_info.is_device_management_supported());
    EXPECT_EQ(recs[0].port_info.master_sm_lid, 1);
    EXPECT_EQ(recs[0].port_info.gid_prefix, kDefaultSubnetPrefix);
    // Without bit 31 the mask is compared exactly: no port has only IsDM.
    EXPECT_TRUE(table<wire::PortInfoRecord>(sim.sa(is_dm_query(0))).empty());

    // An old SM ignores bit 31 and compares exactly too.
    Sim old(example("mixed.fabric"));
    EXPECT_TRUE(table<wire::PortInfoRecord>(old.sa(is_dm_query())).empty());
    wire::PortInfoRecord exact;
    exact.port_info.capability_mask = kDefaultCaCapabilityMask | kCapIsDm;
    const auto q = wire::build_sa_request(
        sa_req(wire::method::get_table, wire::port_info_record_comp::capability_mask), exact);
    EXPECT_EQ(table<wire::PortInfoRecord>(old.sa(q)).size(), 3U);
}

TEST(SimSa, PortInfoRecordGetByLidAndErrors) {
    Sim sim(example("two-targets.fabric"));
    wire::PortInfoRecord rec;
    rec.endport_lid = sim.lid("storage2 mlx5_0");
    const auto q = wire::build_sa_request(
        sa_req(wire::method::get, wire::port_info_record_comp::endport_lid), rec);
    auto r = sim.sa(q);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->mad.size(), 256U);
    auto got = wire::decode_sa_record<wire::PortInfoRecord>(*wire::decode_sa_mad(r->mad));
    EXPECT_EQ(got->endport_lid, rec.endport_lid);
    EXPECT_NE(got->port_info.capability_mask & kCapIsDm, 0U);

    // No record: 0x0300, the request echoed (as OpenSM's osm_sa_send_error does).
    rec.endport_lid = 77;
    auto q2 = wire::build_sa_request(
        sa_req(wire::method::get, wire::port_info_record_comp::endport_lid), rec);
    auto none = sim.sa(q2);
    EXPECT_EQ(status_of(none), 0x0300);
    // More than one: 0x0400.
    auto many = sim.sa(wire::build_sa_request(sa_req(wire::method::get, 0), rec));
    EXPECT_EQ(status_of(many), 0x0400);
    EXPECT_EQ(sim.ep->stats().status_errors, 2U);
}

TEST(SimSa, ErrorAnswersEchoTheRequest) {
    // The RequestTracker completes an error with the status only, so look at the bytes
    // through the agent directly.
    const auto file = example("partitions.fabric");
    SaAgent sa(file.fabric);
    const Fabric& f = file.fabric;
    const PortRef host = f.local_ports[0].port;
    // host and tgt-c share no P_Key: PathRecord Get with P_Key 0x8003 has no record.
    const auto q = path_query(f.port(host).lid, f.port(by_desc(f, "tgt-c mlx5_0")).lid,
                              PKey{0x8003}, wire::method::get);
    auto a = sa.handle(host, q);
    ASSERT_TRUE(a);
    ASSERT_EQ(a->size(), 256U);
    EXPECT_EQ((*a)[3], wire::method::get_resp);
    EXPECT_EQ((*a)[4], 0x03);
    EXPECT_EQ((*a)[5], 0x00);
    // Everything after the header is the request's: the PathRecord still says P_Key 0x8003
    // (what srp_daemon, not checking the status, takes for a shared P_Key).
    EXPECT_TRUE(std::equal(a->begin() + 24, a->end(), q.begin() + 24));
    auto pr = wire::decode_sa_record<wire::PathRecord>(*wire::decode_sa_mad(*a));
    EXPECT_EQ(pr->pkey, 0x8003);
    // A GetTable error gets AttributeOffset 0; an unknown attribute 0x000C; a bad method 0x0008.
    auto svc = q;
    svc[16] = 0x00;
    svc[17] = 0x31;  // ServiceRecord
    auto e = sa.handle(host, svc);
    EXPECT_EQ((*e)[5], 0x0c);
    auto bad = q;
    bad[3] = 0x05;  // Trap
    EXPECT_EQ((*sa.handle(host, bad))[5], 0x08);
}

TEST(SimSa, EmptyGetTableIsJustTheHeader) {
    Sim sim(example("two-targets.fabric"));
    auto r = sim.sa(is_dm_query(0));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->mad.size(), 56U);
    EXPECT_EQ(r->mad[3], wire::method::get_table_resp);
    auto mad = wire::decode_sa_mad(r->mad);
    EXPECT_EQ(mad->sa.attr_offset, 0);
}

TEST(SimSa, NodeRecords) {
    Sim sim(example("two-targets.fabric"));
    const auto all = table<wire::NodeRecord>(
        sim.sa(wire::build_sa_request(sa_req(wire::method::get_table, 0), wire::NodeRecord{})));
    ASSERT_EQ(all.size(), 4U);  // the switch and three CA ports, by node GUID
    EXPECT_EQ(all[0].node_type, wire::node_type::switch_);
    EXPECT_EQ(all[3].node_description.view(), "storage2 mlx5_0");
    wire::NodeRecord want;
    want.lid = sim.lid("storage1 mlx5_0");
    auto r = sim.sa(
        wire::build_sa_request(sa_req(wire::method::get, wire::node_record_comp::lid), want));
    ASSERT_TRUE(r) << r.error().message;
    auto nr = wire::decode_sa_record<wire::NodeRecord>(*wire::decode_sa_mad(r->mad));
    EXPECT_EQ(nr->port_guid, 0x0002c90300b00021U);
    EXPECT_EQ(nr->node_guid, 0x0002c90300b00020U);
    EXPECT_EQ(nr->vendor_id, 0x2c9U);
}

TEST(SimSa, PartitionFilteringAndPathRecordPKeys) {
    Sim sim(example("partitions.fabric"));
    const auto dm = table<wire::PortInfoRecord>(sim.sa(is_dm_query()));
    ASSERT_EQ(dm.size(), 2U);  // tgt-c and tgt-d share no partition with host1
    EXPECT_EQ(dm[0].endport_lid, sim.lid("tgt-a mlx5_0"));
    EXPECT_EQ(dm[1].endport_lid, sim.lid("tgt-b mlx5_0"));
    const auto nodes = table<wire::NodeRecord>(
        sim.sa(wire::build_sa_request(sa_req(wire::method::get_table, 0), wire::NodeRecord{})));
    EXPECT_EQ(nodes.size(), 4U);  // switch, host1, tgt-a, tgt-b

    const Lid me = sim.fabric.fabric().port(sim.fabric.fabric().local_ports[0].port).lid;
    const Lid b = sim.lid("tgt-b mlx5_0");
    // srp_daemon's shared-P_Key probe: one Get per local P_Key.
    std::vector<PKey> shared;
    for (const PKey k : {PKey{0x7fff}, PKey{0x8001}, PKey{0x8002}, PKey{0x0004}}) {
        auto r = sim.sa(path_query(me, b, k, wire::method::get));
        if (r) {
            shared.push_back(
                wire::decode_sa_record<wire::PathRecord>(*wire::decode_sa_mad(r->mad))->pkey);
        } else {
            EXPECT_EQ(r.error().status, 0x0300);
        }
    }
    EXPECT_EQ(shared, (std::vector<PKey>{0x8001, 0x8002}));
    // Asked with the limited form of a shared P_Key, the answer carries the value asked.
    auto limited = sim.sa(path_query(me, b, PKey{0x0001}, wire::method::get));
    ASSERT_TRUE(limited);
    EXPECT_EQ(wire::decode_sa_record<wire::PathRecord>(*wire::decode_sa_mad(limited->mad))->pkey,
              0x0001);
    // Without a P_Key: OpenSM's first common one.
    auto any = sim.sa(path_query(me, b, std::nullopt, wire::method::get));
    ASSERT_TRUE(any);
    const auto pr = wire::decode_sa_record<wire::PathRecord>(*wire::decode_sa_mad(any->mad));
    EXPECT_EQ(pr->pkey, 0x8001);
    EXPECT_EQ(pr->dgid, sim.fabric.fabric().gid(by_desc(sim.fabric.fabric(), "tgt-b mlx5_0")));
    EXPECT_EQ(pr->slid, me);
    // To a target with no shared partition: no path.
    EXPECT_EQ(
        status_of(sim.sa(path_query(me, sim.lid("tgt-c mlx5_0"), std::nullopt, wire::method::get))),
        0x0300);
}

TEST(SimSa, TenThousandRecordTable) {
    GeneratorOptions o;
    o.ca_ports = 10000;
    o.targets = 10;
    auto file = generate_fabric(o);
    ASSERT_TRUE(file);
    Sim sim(std::move(*file));
    auto r = sim.sa(wire::build_sa_request(sa_req(wire::method::get_table, 0), wire::NodeRecord{}));
    const auto recs = table<wire::NodeRecord>(r);
    const std::size_t expected = 10000 + sim.fabric.fabric().summary().switches;
    EXPECT_EQ(recs.size(), expected);
    EXPECT_EQ(r->mad.size(), 56 + expected * 112);
    EXPECT_EQ(sim.fabric.stats().sa.response_segments, mad::wire_segments(0x03, r->mad.size()));
    EXPECT_GT(sim.fabric.stats().sa.response_segments, 5000U);
}

TEST(SimSa, InformInfoSubscribeAndUnsubscribe) {
    Sim sim(example("two-targets.fabric"));
    const auto sub = wire::InformInfo::subscribe_to(wire::subscription::gid_in_service);
    wire::SaRequest req = sa_req(wire::method::set, sub.srp_daemon_comp_mask());
    auto r = sim.sa(wire::build_sa_request(req, sub));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->mad[3], wire::method::get_resp);
    EXPECT_EQ(wire::decode_sa_record<wire::InformInfo>(*wire::decode_sa_mad(r->mad)).value(), sub);
    ASSERT_EQ(sim.fabric.sa().subscriptions().size(), 1U);
    EXPECT_EQ(sim.fabric.sa().subscriptions()[0].trap_number, 64);
    const auto unsub = wire::InformInfo::unsubscribe_from(wire::subscription::gid_in_service, 1);
    EXPECT_TRUE(sim.sa(wire::build_sa_request(sa_req(wire::method::set, 0), unsub)));
    EXPECT_TRUE(sim.fabric.sa().subscriptions().empty());
    EXPECT_EQ(status_of(sim.sa(wire::build_sa_request(sa_req(wire::method::set, 0), unsub))),
              0x0200);
    EXPECT_EQ(status_of(sim.sa(wire::build_sa_request(sa_req(wire::method::get, 0), sub))), 0x000c);
}

// ---- DM -------------------------------------------------------------------------------------

struct DmReply {
    std::uint16_t status = 0;
    Bytes mad;
};

DmReply dm(const DmAgent& agent, const mad::MadBuffer& request) {
    auto a = dm_answer(agent, request);
    EXPECT_TRUE(a.has_value());
    if (!a) {
        return {};
    }
    return DmReply{static_cast<std::uint16_t>(((*a)[4] << 8) | (*a)[5]), *a};
}

TEST(SimDm, LioAnswersLikeIbSrpt) {
    const auto file = example("mixed.fabric");
    const DmAgent& lio = *file.fabric.port(by_desc(file.fabric, "lio1 mlx5_0")).dm;
    const Guid guid = 0x0002c90300e30010;
    // ClassPortInfo Get: base 1, class 1, RespTimeValue 20, the rest 0.
    auto cpi = dm(lio, wire::build_dm_get(wire::attr::class_port_info, 0, 1));
    EXPECT_EQ(cpi.status, 0);
    EXPECT_EQ(cpi.mad[3], wire::method::get_resp);
    wire::ClassPortInfo want;
    want.base_version = 1;
    want.class_version = 1;
    want.resp_time_value = 20;
    const auto want_bytes = want.encode();
    EXPECT_TRUE(std::equal(want_bytes.begin(), want_bytes.end(), cpi.mad.begin() + 64));
    // IOUnitInfo: ChangeID 1, MaxControllers 16, slot 1 present, slots 2-16 empty.
    auto iou = dm(lio, wire::build_dm_get(wire::dm_attr::io_unit_info, 0, 2));
    auto info = wire::IoUnitInfo::decode(std::span(iou.mad).subspan(64)).value();
    EXPECT_EQ(info.change_id, 1);
    EXPECT_EQ(info.max_controllers, 16);
    EXPECT_EQ(iou.mad[64 + 4], 0x10);
    EXPECT_EQ(info.present_slots(), std::vector<std::uint16_t>{1});
    // IOControllerProfile: slot 0 / 17 → 0x001C; 3..16 → 0x0100; 1 and 2 → the profile.
    for (const auto& [slot, status] : std::vector<std::pair<std::uint32_t, std::uint16_t>>{
             {0, 0x001c}, {17, 0x001c}, {3, 0x0100}, {16, 0x0100}, {1, 0}, {2, 0}}) {
        auto p = dm(lio, wire::build_dm_get(wire::dm_attr::io_controller_profile, slot, 3));
        EXPECT_EQ(p.status, status) << "slot " << slot;
        if (status == 0) {
            auto prof = wire::IoControllerProfile::decode(std::span(p.mad).subspan(64)).value();
            EXPECT_EQ(prof.guid, guid);
            EXPECT_EQ(prof.vendor_id, 0x2c9U);  // unshifted, as ib_srpt writes it
            EXPECT_EQ(prof.io_class, 0x0100);
            EXPECT_EQ(prof.io_subclass, 0x609e);
            EXPECT_EQ(prof.protocol, 0x0108);
            EXPECT_EQ(prof.protocol_version, 1);
            EXPECT_EQ(prof.send_queue_depth, 128);
            EXPECT_EQ(prof.rdma_read_depth, 4);
            EXPECT_EQ(prof.rdma_size, 65536U);
            EXPECT_EQ(prof.controller_op_cap, 0x2b);
            EXPECT_EQ(prof.service_entries, 1);
            EXPECT_EQ(prof.id_string.view(), "Linux SRP target");
        }
    }
    // ServiceEntries: slot 0/17 → 0x001C; slot 3, lo > hi, hi > 1 → 0x0100; else the entry.
    const auto se = [&](unsigned slot, unsigned hi, unsigned lo) {
        return dm(lio, wire::build_dm_get(wire::dm_attr::service_entries,
                                          (slot << 16) | (hi << 8) | lo, 4));
    };
    EXPECT_EQ(se(0, 0, 0).status, 0x001c);
    EXPECT_EQ(se(17, 0, 0).status, 0x001c);
    EXPECT_EQ(se(3, 0, 0).status, 0x0100);
    EXPECT_EQ(se(1, 0, 1).status, 0x0100);
    EXPECT_EQ(se(1, 2, 0).status, 0x0100);
    for (const auto slot : {1U, 2U}) {
        auto ok = se(slot, 1, 1);
        EXPECT_EQ(ok.status, 0);
        auto e = wire::ServiceEntry::decode(std::span(ok.mad).subspan(64)).value();
        EXPECT_EQ(e.name.view(), "SRP.T10:0002c90300e30010");
        EXPECT_EQ(e.id, guid);
    }
    // Any Set → 0x000C; an unknown attribute → 0x000C.
    auto set = wire::build_dm_get(wire::dm_attr::io_unit_info, 0, 5);
    set[3] = wire::method::set;
    EXPECT_EQ(dm(lio, set).status, 0x000c);
    auto cpi_set = wire::build_dm_get(wire::attr::class_port_info, 0, 5);
    cpi_set[3] = wire::method::set;
    EXPECT_EQ(dm(lio, cpi_set).status, 0x000c);
    EXPECT_EQ(dm(lio, wire::build_dm_get(0x0099, 0, 6)).status, 0x000c);
    // An unknown method: ib_srpt's handler would say 0x0008, but ib_srpt registers only Get
    // and Set, so the request never reaches it and the kernel's MAD layer, which answers
    // only Get and Set of unregistered methods, sends nothing.
    auto send = wire::build_dm_get(wire::dm_attr::io_unit_info, 0, 7);
    send[3] = wire::method::send;
    EXPECT_FALSE(dm_answer(lio, send).has_value());
    // Every answer keeps the request's TID and attribute.
    EXPECT_EQ(se(1, 0, 0).mad[15], 4);
}

TEST(SimDm, GenericTargetWithNineServices) {
    const auto file = example("many-services.fabric");
    const DmAgent& agent = *file.fabric.port(by_desc(file.fabric, "array1 mlx5_0")).dm;
    auto iou = dm(agent, wire::build_dm_get(wire::dm_attr::io_unit_info, 0, 1));
    auto info = wire::IoUnitInfo::decode(std::span(iou.mad).subspan(64)).value();
    EXPECT_EQ(info.present_slots(), std::vector<std::uint16_t>{1});
    auto p = dm(agent, wire::build_dm_get(wire::dm_attr::io_controller_profile, 1, 2));
    auto prof = wire::IoControllerProfile::decode(std::span(p.mad).subspan(64)).value();
    EXPECT_EQ(prof.service_entries, 9);
    EXPECT_EQ(prof.vendor_id_iba(), 0x2c9U);
    std::vector<std::string> names;
    for (const auto& [first, last] :
         std::vector<std::pair<unsigned, unsigned>>{{0, 3}, {4, 7}, {8, 8}}) {
        const auto m = wire::ServiceEntriesModifier::make(1, static_cast<std::uint8_t>(first),
                                                          static_cast<std::uint8_t>(last))
                           .value();
        auto r = dm(agent, wire::build_dm_get(wire::dm_attr::service_entries, m.encode(), 3));
        ASSERT_EQ(r.status, 0);
        auto entries = wire::ServiceEntries::decode(std::span(r.mad).subspan(64), m).value();
        for (const auto& e : entries.valid()) {
            names.push_back(std::string(e.name.view()));
        }
    }
    ASSERT_EQ(names.size(), 9U);
    EXPECT_EQ(names[8], "SRP.T10:0002C90300B10028");
    // Past the last entry, an empty slot, slot 0.
    EXPECT_EQ(
        dm(agent, wire::build_dm_get(wire::dm_attr::service_entries, (1 << 16) | (9 << 8) | 9, 4))
            .status,
        0x001c);
    EXPECT_EQ(dm(agent, wire::build_dm_get(wire::dm_attr::io_controller_profile, 2, 5)).status,
              0x0100);
    EXPECT_EQ(dm(agent, wire::build_dm_get(wire::dm_attr::io_controller_profile, 0, 6)).status,
              0x001c);
}

TEST(SimDm, TwoIocsAndTheKernelAnswerForPortsWithoutAgent) {
    Sim sim(example("two-targets.fabric"));
    auto iou =
        sim.send(sim.lid("storage2 mlx5_0"), wire::build_dm_get(wire::dm_attr::io_unit_info, 0, 0));
    ASSERT_TRUE(iou) << iou.error().message;
    auto info = wire::IoUnitInfo::decode(std::span(iou->mad).subspan(64)).value();
    EXPECT_EQ(info.present_slots(), (std::vector<std::uint16_t>{1, 2}));
    // The host has no DM agent: the kernel answers status 0x000C.
    auto host = sim.send(sim.fabric.fabric().port(sim.fabric.fabric().local_ports[0].port).lid,
                         wire::build_dm_get(wire::dm_attr::io_unit_info, 0, 0));
    EXPECT_EQ(status_of(host), 0x000c);
    // A port that is down does not answer at all.
    ASSERT_TRUE(sim.fabric.apply(PortDown{by_desc(sim.fabric.fabric(), "storage1 mlx5_0")}));
    auto down =
        sim.send(sim.lid("storage1 mlx5_0"), wire::build_dm_get(wire::dm_attr::io_unit_info, 0, 0));
    ASSERT_FALSE(down);
    EXPECT_EQ(down.error().code, Errc::timeout);
}

TEST(SimDm, PartitionNotSharedTimesOut) {
    Sim sim(example("partitions.fabric"));
    // Index 0 is the limited default P_Key: tgt-a, also limited there, drops the MAD.
    auto r =
        sim.send(sim.lid("tgt-a mlx5_0"), wire::build_dm_get(wire::dm_attr::io_unit_info, 0, 0), 0);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::timeout);
    // Index 1 is 0x8001, shared.
    EXPECT_TRUE(sim.send(sim.lid("tgt-a mlx5_0"),
                         wire::build_dm_get(wire::dm_attr::io_unit_info, 0, 0), 1));
}

// ---- faults ---------------------------------------------------------------------------------

struct FaultSim : Sim {
    FaultSim() : Sim(example("two-targets.fabric")) {}
    Lid target() { return lid("storage2 mlx5_0"); }
    mad::MadBuffer iou() { return wire::build_dm_get(wire::dm_attr::io_unit_info, 0, 0); }
    void rule(FaultAction action, std::uint32_t value = 0, runtime::Duration delay = {}) {
        FaultRule r;
        r.action = action;
        r.value = value;
        r.delay = delay;
        r.count = 1;
        fabric.faults().add(r);
    }
};

TEST(SimFaults, DropDelayDuplicateWrongTid) {
    {
        FaultSim s;
        s.rule(FaultAction::drop);
        const auto t0 = s.loop.now();
        auto r = s.send(s.target(), s.iou(), 0, milliseconds(500));
        EXPECT_EQ(r.error().code, Errc::timeout);
        EXPECT_EQ(s.loop.now() - t0, milliseconds(500));
        EXPECT_TRUE(s.send(s.target(), s.iou()));  // count 1: the next one passes
    }
    {
        FaultSim s;
        s.rule(FaultAction::delay, 0, seconds(2));
        EXPECT_EQ(s.send(s.target(), s.iou(), 0, seconds(1)).error().code, Errc::timeout);
        s.loop.run();
        EXPECT_EQ(s.ep->stats().unmatched, 1U);  // the late answer
    }
    {
        FaultSim s;
        s.rule(FaultAction::duplicate);
        EXPECT_TRUE(s.send(s.target(), s.iou()));
        s.loop.run();
        EXPECT_EQ(s.ep->stats().unmatched, 1U);
        EXPECT_EQ(s.fabric.stats().dm.responses, 2U);
    }
    {
        FaultSim s;
        s.rule(FaultAction::wrong_tid);
        EXPECT_EQ(s.send(s.target(), s.iou()).error().code, Errc::timeout);
        EXPECT_EQ(s.ep->stats().unmatched, 1U);
    }
}

TEST(SimFaults, ReorderHoldsAnAnswerUntilTheNextOne) {
    FaultSim s;
    s.rule(FaultAction::reorder);
    std::vector<int> order;
    for (int i = 0; i < 2; ++i) {
        mad::MadRequest r;
        r.to.dlid = s.target();
        r.mad = s.iou();
        s.ep->send(r, s.loop.now() + seconds(30), [&order, i](mad::MadResult res) {
            EXPECT_TRUE(res);
            order.push_back(i);
        });
        s.clock.advance(milliseconds(1));
    }
    s.loop.run();
    EXPECT_EQ(order, (std::vector<int>{1, 0}));
}

TEST(SimFaults, StatusesAndMalformedAnswers) {
    {
        FaultSim s;
        s.rule(FaultAction::status, 0x0001);
        auto r = s.send(s.target(), s.iou());
        EXPECT_EQ(r.error().code, Errc::busy);
    }
    {
        FaultSim s;
        s.rule(FaultAction::status, 0x0002);
        EXPECT_EQ(status_of(s.send(s.target(), s.iou())), 0x0002);
    }
    {
        FaultSim s;
        s.rule(FaultAction::short_dm, 80);
        EXPECT_EQ(s.send(s.target(), s.iou())->mad.size(), 80U);
    }
    {
        FaultSim s;
        s.rule(FaultAction::max_controllers_lie, 200);
        auto r = s.send(s.target(), s.iou());
        EXPECT_EQ(wire::IoUnitInfo::decode(std::span(r->mad).subspan(64))->max_controllers, 200);
    }
    {
        FaultSim s;
        s.rule(FaultAction::service_count_lie, 7);
        s.rule(FaultAction::unterminated_strings);
        auto r = s.send(s.target(), wire::build_dm_get(wire::dm_attr::io_controller_profile, 1, 0));
        auto p = wire::IoControllerProfile::decode(std::span(r->mad).subspan(64)).value();
        EXPECT_EQ(p.service_entries, 7);
        EXPECT_FALSE(p.id_string.terminated());
    }
    {
        FaultSim s;
        s.rule(FaultAction::binary_strings);
        auto r = s.send(s.target(), wire::build_dm_get(wire::dm_attr::io_controller_profile, 1, 0));
        auto p = wire::IoControllerProfile::decode(std::span(r->mad).subspan(64)).value();
        EXPECT_EQ(p.id_string.raw[0], 0x1b);
        EXPECT_EQ(p.id_string.display().find('\x1b'), std::string::npos);
    }
    {
        FaultSim s;
        s.rule(FaultAction::truncate_table);
        auto r = s.sa(is_dm_query());
        ASSERT_TRUE(r);
        const auto stride = wire::decode_sa_mad(r->mad)->sa.attr_offset * 8U;
        EXPECT_EQ(r->mad.size(), 56 + 2 * stride - stride / 2);
        EXPECT_EQ(table<wire::PortInfoRecord>(r).size(), 1U);
    }
    {
        FaultSim s;
        s.rule(FaultAction::oversize_table, 1000);
        EXPECT_EQ(table<wire::PortInfoRecord>(s.sa(is_dm_query())).size(), 1002U);
    }
    {
        FaultSim s;
        s.rule(FaultAction::bad_attr_offset, 3);
        auto r = s.sa(is_dm_query());
        auto mad = wire::decode_sa_mad(r->mad);
        EXPECT_EQ(mad->sa.attr_offset, 3);
        EXPECT_FALSE(wire::decode_sa_table<wire::PortInfoRecord>(*mad));
    }
}

TEST(SimFaults, RulesFromTheFileAndMatching) {
    auto file = example("two-targets.fabric");
    FaultRule r;
    r.action = FaultAction::drop;
    r.mgmt_class = 0x06;
    r.attr_id = 0x0011;
    r.nth = 2;
    r.count = 1;
    file.faults.push_back(r);
    Sim sim(std::move(file));
    const Lid t = sim.lid("storage1 mlx5_0");
    const auto prof = wire::build_dm_get(wire::dm_attr::io_controller_profile, 1, 0);
    EXPECT_TRUE(sim.send(t, wire::build_dm_get(wire::dm_attr::io_unit_info, 0, 0)));
    EXPECT_TRUE(sim.send(t, prof));
    EXPECT_EQ(sim.send(t, prof).error().code, Errc::timeout);
    EXPECT_TRUE(sim.send(t, prof));
    EXPECT_EQ(sim.fabric.stats().dm.unanswered, 1U);
}

// ---- events, reports, endpoints ----------------------------------------------------------

void subscribe(Sim& sim, const wire::TrapSubscription& trap) {
    const auto sub = wire::InformInfo::subscribe_to(trap);
    ASSERT_TRUE(
        sim.sa(wire::build_sa_request(sa_req(wire::method::set, sub.srp_daemon_comp_mask()), sub)));
}

TEST(SimEvents, ReportsGoToSubscribersAndReportRespIsRecorded) {
    Sim sim(example("two-targets.fabric"));
    std::vector<wire::Notice> notices;
    sim.ep->set_unsolicited_handler([&](const mad::MadResponse& m) {
        auto mad = wire::decode_sa_mad(m.mad);
        ASSERT_TRUE(mad);
        EXPECT_EQ(mad->header.method_byte(), wire::method::report);
        notices.push_back(wire::Notice::decode(mad->data).value());
        auto resp = wire::report_response(m.mad).value();
        mad::MadAddress to;
        to.dlid = m.slid;
        ASSERT_TRUE(sim.ep->send_unanswered(to, resp));
    });
    subscribe(sim, wire::subscription::gid_in_service);
    subscribe(sim, wire::subscription::gid_out_of_service);
    subscribe(sim, wire::subscription::local_changes);
    const PortRef s1 = by_desc(sim.fabric.fabric(), "storage1 mlx5_0");
    const Gid gid = sim.fabric.fabric().gid(s1);
    sim.fabric.schedule_after(seconds(1), PortDown{s1});
    sim.fabric.schedule_after(seconds(2), PortUp{s1});
    sim.fabric.schedule_after(seconds(3), TargetChange{s1, false, std::nullopt});
    sim.fabric.schedule_after(seconds(4), TargetChange{s1, true, std::nullopt});
    sim.loop.run();
    ASSERT_EQ(notices.size(), 4U);
    EXPECT_EQ(notices[0].trap_number, 65);
    EXPECT_EQ(std::get<wire::GidOutOfService>(notices[0].details()).gid, gid);
    EXPECT_EQ(notices[0].issuer_lid, 1);
    EXPECT_EQ(notices[1].trap_number, 64);
    EXPECT_EQ(std::get<wire::GidInService>(notices[1].details()).gid, gid);
    const auto lc = std::get<wire::LocalChanges>(notices[2].details());
    EXPECT_EQ(lc.lid, sim.lid("storage1 mlx5_0"));
    EXPECT_EQ(lc.capability_mask & kCapIsDm, 0U);
    EXPECT_NE(std::get<wire::LocalChanges>(notices[3].details()).capability_mask & kCapIsDm, 0U);
    EXPECT_EQ(sim.fabric.stats().reports_sent, 4U);
    EXPECT_EQ(sim.fabric.stats().report_resps, 4U);
    for (const auto& log : sim.fabric.report_log()) {
        EXPECT_TRUE(log.acknowledged);
    }
    // The target came back with its IOCs.
    EXPECT_TRUE(sim.send(sim.lid("storage1 mlx5_0"),
                         wire::build_dm_get(wire::dm_attr::io_controller_profile, 1, 0)));
}

TEST(SimEvents, LocalPortDownUpSmMoveAndPKeys) {
    Sim sim(example("two-targets.fabric"));
    std::vector<mad::PortEventKind> events;
    sim.ep->set_port_event_handler([&](const mad::PortEvent& e) { events.push_back(e.kind); });
    subscribe(sim, wire::subscription::gid_in_service);
    // A request in flight when the port goes down fails at once.
    std::optional<mad::MadResult> got;
    mad::MadRequest r;
    r.to.dlid = sim.lid("storage2 mlx5_0");
    r.mad = wire::build_dm_get(wire::dm_attr::io_unit_info, 0, 0);
    sim.ep->send(r, sim.loop.now() + seconds(5), [&](mad::MadResult res) { got = std::move(res); });
    const PortRef me = sim.ep->port();
    ASSERT_TRUE(sim.fabric.apply(PortDown{me}));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->error().code, Errc::port_state);
    EXPECT_EQ(sim.ep->port_attributes()->state, model::PortState::down);
    EXPECT_EQ(sim.send(r.to.dlid, r.mad).error().code, Errc::send_failed);
    ASSERT_TRUE(sim.fabric.apply(PortUp{me}));
    EXPECT_EQ(sim.ep->port_attributes()->state, model::PortState::active);
    EXPECT_TRUE(sim.send(r.to.dlid, r.mad));
    // The SM moves: new SM LID, subscriptions gone, the old SM LID no longer answers SA Gets.
    const PortRef new_sm = by_desc(sim.fabric.fabric(), "storage2 mlx5_0");
    ASSERT_TRUE(sim.fabric.apply(SmMove{new_sm}));
    EXPECT_EQ(sim.ep->port_attributes()->sm_lid, sim.lid("storage2 mlx5_0"));
    EXPECT_TRUE(sim.fabric.sa().subscriptions().empty());
    const auto cpi = wire::build_sa_request(sa_req(wire::method::get, 0), wire::ClassPortInfo{});
    EXPECT_EQ(status_of(sim.send(1, cpi)), 0x000c);  // the switch's kernel: no SA there
    EXPECT_TRUE(sim.sa(cpi));
    // P_Key table change.
    ASSERT_TRUE(sim.fabric.apply(PKeyTableChange{me, {0xffff, 0x8001}}));
    EXPECT_EQ(sim.ep->port_attributes()->pkeys, (std::vector<PKey>{0xffff, 0x8001}));
    // IOC change bumps the ChangeID.
    ASSERT_TRUE(sim.fabric.apply(IocChange{new_sm, nullptr}));
    auto iou = sim.send(sim.lid("storage2 mlx5_0"), r.mad);
    EXPECT_EQ(wire::IoUnitInfo::decode(std::span(iou->mad).subspan(64))->change_id, 2);
    EXPECT_EQ(events, (std::vector<mad::PortEventKind>{
                          mad::PortEventKind::port_down, mad::PortEventKind::port_active,
                          mad::PortEventKind::sm_change, mad::PortEventKind::pkey_change}));
}

TEST(SimEndpoints, DualPortStatsLatencyAndSteadyClock) {
    auto file = example("two-targets.fabric");
    file.fabric.latency.dm = milliseconds(3);
    Sim sim(std::move(file));
    auto second = sim.fabric.open_port(by_desc(sim.fabric.fabric(), "storage1 mlx5_0"), "mlx5_1");
    ASSERT_TRUE(second);
    const auto t0 = sim.loop.now();
    EXPECT_TRUE(sim.send(sim.lid("storage2 mlx5_0"),
                         wire::build_dm_get(wire::dm_attr::io_unit_info, 0, 0), 0, seconds(1),
                         second->get()));
    EXPECT_EQ(sim.loop.now() - t0, milliseconds(3));
    EXPECT_EQ((*second)->port_attributes()->ca_name, "mlx5_1");
    // Ten requests at once: all outstanding at the agent together.
    int done = 0;
    for (int i = 0; i < 10; ++i) {
        mad::MadRequest r;
        r.to.dlid = sim.lid("storage2 mlx5_0");
        r.mad = wire::build_dm_get(wire::dm_attr::io_unit_info, 0, 0);
        sim.ep->send(r, sim.loop.now() + seconds(1), [&](mad::MadResult res) {
            EXPECT_TRUE(res);
            ++done;
        });
    }
    sim.loop.run();
    EXPECT_EQ(done, 10);
    EXPECT_EQ(sim.fabric.stats().dm.requests, 11U);
    EXPECT_EQ(sim.fabric.stats().dm.peak_outstanding, 10U);
    EXPECT_EQ(sim.fabric.stats().dm.outstanding, 0U);
    EXPECT_EQ(sim.ep->stats().peak_outstanding, 10U);

    // The same code on real time.
    runtime::SteadyClock steady;
    runtime::EventLoop loop(steady);
    auto f2 = example("two-targets.fabric");
    f2.fabric.latency.sa = milliseconds(2);
    SimFabric real(std::move(f2), loop);
    auto ep = real.open().value();
    std::optional<mad::MadResult> got;
    mad::MadRequest r;
    r.to.dlid = 1;
    r.mad = wire::build_sa_request(sa_req(wire::method::get, 0), wire::ClassPortInfo{});
    const auto start = std::chrono::steady_clock::now();
    ep->send(r, loop.now() + seconds(2), [&](mad::MadResult res) { got = std::move(res); });
    loop.run_until([&] { return got.has_value(); });
    EXPECT_TRUE(got && *got);
    EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(2));
}

}  // namespace
}  // namespace srpadm::sim
