// connect-all's plan against the sysfs fixture's SRP hosts: the rules' verdict, the login
// with the defaults' and the rule's policy, already-connected logins, and timeouts refused
// before anything is written.
#include <gtest/gtest.h>

#include <srpadm/host/connect_plan.hpp>

#include "host_fixture.hpp"

namespace srpadm::host {
namespace {

model::Target target(std::string id_ext, Guid id, Guid port_guid, PKey pkey = 0xffff) {
    model::Target t;
    t.id_ext = std::move(id_ext);
    t.ioc_guid = id;
    t.service_id = id;
    t.dgid = Gid::from_parts(0xfe80000000000000ULL, port_guid);
    t.pkey = pkey;
    t.send_size = 8192;
    return t;
}

const std::vector<model::Target> kTargets = {
    target("0002C90300D00010", 0x0002c90300d00010ULL, 0x0002c90300d00011ULL),          // host7
    target("0002C90300E00010", 0x0002c90300e00010ULL, 0x0002c90300e00011ULL),          // not here
    target("0002C90300F00010", 0x0002c90300f00010ULL, 0x0002c90300f00011ULL, 0x8001),  // host9
    target("not-hex", 0x1ULL, 0x2ULL),
};

std::vector<SrpHost> fixture_hosts() {
    return srp_hosts(Sysfs(testing::fixture_root("host1"))).value().hosts;
}

TEST(ConnectPlan, DecisionsLoginsAndExistingHosts) {
    ConnectSettings s;
    s.defaults.initiator_ext = model::InitiatorExt{model::InitiatorExtPolicy::target_port_guid, 0};
    s.defaults.options = {{login::Key::queue_size, "64"}, {login::Key::max_sect, "256"}};
    model::Rule allow_b;
    allow_b.match.ioc_guid = 0x0002c90300e00010ULL;
    allow_b.options = {{login::Key::queue_size, "128"}};
    allow_b.initiator_ext = model::InitiatorExt{};
    allow_b.origin = "srpadm.conf:7";
    model::Rule deny_c;
    deny_c.action = model::RuleAction::deny;
    deny_c.match.pkey = 0x8001;
    deny_c.origin = "srpadm.conf:12";
    s.rules.rules = {allow_b, deny_c};
    const auto plan = plan_connections(kTargets, "mlx5_1", 1, s, fixture_hosts()).value();
    ASSERT_EQ(plan.size(), 4U);
    EXPECT_EQ(plan[0].action, PlanAction::already_connected);
    EXPECT_EQ(plan[0].host, "host7");
    EXPECT_EQ(plan[0].rule, "");  // the implicit final allow
    EXPECT_EQ(plan[1].action, PlanAction::connect);
    EXPECT_EQ(plan[1].rule, "srpadm.conf:7");
    // The rule's initiator-ext none and queue_size replace the defaults'; max_sect stays.
    EXPECT_EQ(plan[1].request.line,
              "id_ext=0002C90300E00010,ioc_guid=0002c90300e00010,dgid="
              "fe800000000000000002c90300e00011,pkey=ffff,service_id=0002c90300e00010,"
              "queue_size=128,max_sect=256");
    EXPECT_EQ(plan[1].request.device, "mlx5_1");
    EXPECT_EQ(plan_action_name(plan[2].action), "denied");
    EXPECT_EQ(plan[2].rule, "srpadm.conf:12");
    EXPECT_EQ(plan[3].action, PlanAction::invalid);
    EXPECT_EQ(plan[3].problem, "id_ext=not-hex: must be 1-16 hex digits (the target's id_ext)");
    EXPECT_TRUE(plan[3].request.line.empty());
}

TEST(ConnectPlan, ImmediateDataAddsMaxItIuSizeWithAFallbackLine) {
    const std::string base =
        "id_ext=0002C90300E00010,ioc_guid=0002c90300e00010,dgid="
        "fe800000000000000002c90300e00011,pkey=ffff,service_id=0002c90300e00010,queue_size=64";
    ConnectSettings s;
    s.defaults.options = {{login::Key::queue_size, "64"}};
    s.max_imm_data = 16384;  // larger than the targets' 8192-byte SendSize
    auto plan = plan_connections(kTargets, "mlx5_1", 1, s, fixture_hosts()).value();
    EXPECT_EQ(plan[1].request.line, base + ",max_it_iu_size=8192");
    EXPECT_EQ(plan[1].request.fallback_line, base);
    // Immediate data that fits the target's SendSize: no option, no fallback.
    s.max_imm_data = 8192;
    plan = plan_connections(kTargets, "mlx5_1", 1, s, fixture_hosts()).value();
    EXPECT_EQ(plan[1].request.line, base);
    EXPECT_EQ(plan[1].request.fallback_line, "");
    // The configuration asks for max_it_iu_size itself: it is never dropped.
    s.max_imm_data = 16384;
    s.defaults.options.push_back({login::Key::max_it_iu_size, "4096"});
    plan = plan_connections(kTargets, "mlx5_1", 1, s, fixture_hosts()).value();
    EXPECT_EQ(plan[1].request.line, base + ",max_it_iu_size=4096,max_it_iu_size=8192");
    EXPECT_EQ(plan[1].request.fallback_line, "");
}

TEST(ConnectPlan, DefaultDenyAndPortScope) {
    ConnectSettings s;
    s.rules.otherwise = model::RuleAction::deny;
    model::Rule scoped;
    scoped.match.port = model::PortSelector{"mlx5_10", std::nullopt};
    s.rules.rules = {scoped};
    auto plan = plan_connections(kTargets, "mlx5_1", 1, s, fixture_hosts()).value();
    for (const PlannedTarget& p : plan) {
        EXPECT_EQ(p.action, PlanAction::denied);
    }
    plan = plan_connections(kTargets, "mlx5_10", 1, s, fixture_hosts()).value();
    EXPECT_EQ(plan[1].action, PlanAction::already_connected);  // host8 is on mlx5_10:1
    EXPECT_EQ(plan[1].host, "host8");
    EXPECT_EQ(plan[0].action, PlanAction::connect);
}

TEST(ConnectPlan, TimeoutsCheckedAgainstNewAndExistingPorts) {
    ConnectSettings s;
    s.defaults.timeouts.dev_loss_tmo = 30;  // fine with 15 for new ports
    s.new_port_timeouts = model::TmoValues{15, 600, 10};
    s.rules.rules.resize(1);
    s.rules.rules[0].action = model::RuleAction::deny;
    s.rules.rules[0].match.pkey = 0x8001;  // host9 (fast_io_fail_tmo 5) is not planned
    auto plan = plan_connections(kTargets, "mlx5_1", 1, s, fixture_hosts());
    ASSERT_TRUE(plan) << plan.error().message;
    EXPECT_EQ(plan->at(0).timeouts.dev_loss_tmo, 30);
    s.defaults.timeouts.dev_loss_tmo = 10;  // 15 >= 10: refused, for host7 and new ports alike
    plan = plan_connections(kTargets, "mlx5_1", 1, s, fixture_hosts());
    ASSERT_FALSE(plan);
    EXPECT_EQ(plan.error().code, Errc::invalid_input);
    EXPECT_EQ(plan.error().message.substr(0, 64),
              "[defaults]: timeouts for id_ext=0002C90300D00010,ioc_guid=0002c9");
    EXPECT_NE(plan.error().message.find("\n[defaults]: timeouts for id_ext=0002C90300E00010"),
              std::string::npos);
}

}  // namespace
}  // namespace srpadm::host
