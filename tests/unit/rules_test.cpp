// srp_daemon's rules file, read as srp_daemon reads it (rdma-core srp_daemon/srp_daemon.c), with
// its defects fixed; rule evaluation (first match wins, implicit final allow).
#include <string>

#include <gtest/gtest.h>

#include <srpadm/model/rules.hpp>

#include "error_text.hpp"

namespace srpadm::model {
namespace {

Result<std::vector<Rule>> parse(std::string_view text) {
    return parse_srp_daemon_rules(text, "rules.conf");
}

using testing::error_of;

// The example of rdma-core's srp_daemon.conf, uncommented.
constexpr std::string_view kShipped =
    "## This is an example rules configuration file for srp_daemon.\n"
    "#\n"
    "## disallow the following dgid\n"
    "d\tdgid=fe800000000000000002c90200402bd5\n"
    "## allow target with the following ioc_guid\n"
    "a\tioc_guid=00a0b80200402bd7\n"
    "## allow target with the following pkey\n"
    "a\tpkey=ffff\n"
    "## allow target with the following id_ext and ioc_guid\n"
    "a\tid_ext=200500A0B81146A1,ioc_guid=00a0b80200402bef\n"
    "## disallow all the rest\n"
    "d\n";

Target target(std::string id_ext, Guid ioc, Guid port_guid, PKey pkey = 0xffff,
              std::uint64_t service_id = 0x66) {
    Target t;
    t.id_ext = std::move(id_ext);
    t.ioc_guid = ioc;
    t.dgid = Gid::from_parts(0xfe80000000000000ULL, port_guid);
    t.pkey = pkey;
    t.service_id = service_id;
    return t;
}

TEST(RulesParse, ShippedExample) {
    const auto rules = parse(kShipped);
    ASSERT_TRUE(rules) << error_of(rules);
    ASSERT_EQ(rules->size(), 5U);
    EXPECT_EQ((*rules)[0].action, RuleAction::deny);
    EXPECT_EQ((*rules)[0].match.dgid,
              Gid::from_parts(0xfe80000000000000ULL, 0x0002c90200402bd5ULL));
    EXPECT_EQ((*rules)[0].origin, "rules.conf:4");
    EXPECT_EQ((*rules)[1].match.ioc_guid, 0x00a0b80200402bd7ULL);
    EXPECT_EQ((*rules)[2].match.pkey, 0xffff);
    EXPECT_EQ((*rules)[3].match.id_ext, 0x200500A0B81146A1ULL);
    EXPECT_EQ((*rules)[3].match.ioc_guid, 0x00a0b80200402befULL);
    EXPECT_EQ((*rules)[4].action, RuleAction::deny);
    EXPECT_EQ((*rules)[4].match, RuleMatch{});
    EXPECT_EQ((*rules)[4].origin, "rules.conf:12");
}

TEST(RulesParse, OptionsOnAllowRulesInOrder) {
    const auto rules = parse("a queue_size=128,max_cmd_per_lun=128\n");
    ASSERT_TRUE(rules) << error_of(rules);
    ASSERT_EQ((*rules)[0].options.size(), 2U);
    EXPECT_EQ((*rules)[0].options[0], (login::Option{login::Key::queue_size, "128"}));
    EXPECT_EQ((*rules)[0].options[1], (login::Option{login::Key::max_cmd_per_lun, "128"}));
    for (const char* opt : {"allow_ext_sg=1", "ch_count=4", "cmd_sg_entries=255", "comp_vector=0",
                            "max_cmd_per_lun=1", "max_sect=256", "queue_size=2",
                            "sg_tablesize=2048", "tl_retry_count=7"}) {
        EXPECT_TRUE(parse(std::string("a ") + opt + "\n")) << opt;
    }
}

TEST(RulesParse, VerbIsTheFirstCharacterOnly) {
    EXPECT_TRUE(parse("A id_ext=1\nD\n"));
    // "allow id_ext=1": "llow" is read as an item, as srp_daemon reads it.
    EXPECT_EQ(error_of(parse("allow id_ext=1\n")),
              "rules.conf:1: 'llow' is not KEY=VALUE: the rule is the single letter 'a' "
              "(allow) or 'd' (deny) followed by a blank, e.g. \"a id_ext=...\"");
    EXPECT_EQ(error_of(parse("x id_ext=1\n")),
              "rules.conf:1: a line must start with 'a' (allow) or 'd' (deny), or '#' for a "
              "comment, not 'x'");
}

// The inputs srp_daemon's get_rules_file() refuses, refused here too, each with
// file:line and what was expected instead of "Bad syntax" or "Buffer overflow".
struct Refusal {
    const char* row;  // what is checked
    const char* text;
    const char* message;
};

const Refusal kRefusals[] = {
    {"leading blank before the verb", " a id_ext=1\n",
     "rules.conf:1: a rule must start in the first column with 'a' (allow) or 'd' (deny); this "
     "line starts with a blank"},
    {"options on a deny rule", "d max_sect=5\n",
     "rules.conf:1: max_sect=5: login options are only allowed on allow ('a') rules, not on "
     "deny ('d')"},
    {"unknown key", "a foo=1\n",
     "rules.conf:1: unknown key 'foo' (srp_daemon's rules accept id_ext, ioc_guid, dgid, "
     "service_id and pkey, and on allow rules allow_ext_sg, ch_count, cmd_sg_entries, "
     "comp_vector, max_cmd_per_lun, max_sect, queue_size, sg_tablesize, tl_retry_count)"},
    {"kernel option srp_daemon's rules lack", "a target_can_queue=5\n",
     "rules.conf:1: target_can_queue is a kernel login option that srp_daemon's rules file does "
     "not accept (it takes allow_ext_sg, ch_count, cmd_sg_entries, comp_vector, "
     "max_cmd_per_lun, max_sect, queue_size, sg_tablesize, tl_retry_count); convert the file "
     "with 'srpadm config convert' and set it in srpadm's configuration"},
    {"';' is no separator", "a id_ext=1;ioc_guid=2\n",
     "rules.conf:1: id_ext=1;ioc_guid=2: must be at most 16 hex digits without 0x (or nothing, "
     "which matches any value)"},
    {"two separators in a row", "a id_ext=1,,ioc_guid=2\n",
     "rules.conf:1: empty item (two separators in a row); expected KEY=VALUE"},
    {"non-decimal option (srp_daemon: Buffer overflow)", "a queue_size=0x10\n",
     "rules.conf:1: queue_size=0x10: must be a decimal number 2..2147483647 (hex forms are "
     "refused)"},
    {"17-digit option (srp_daemon: Buffer overflow)", "a queue_size=12345678901234567\n",
     "rules.conf:1: queue_size=12345678901234567: must be 2..2147483647 (the kernel's parser "
     "takes 1, but its ABI document names 2 as the lowest supported value)"},
    {"option out of the kernel's range", "a tl_retry_count=9\n",
     "rules.conf:1: tl_retry_count=9: must be 2..7"},
    {"empty option value", "a queue_size=\n",
     "rules.conf:1: queue_size=: empty value; it must be a decimal number 2..2147483647"},
    {"leading zero (octal to the kernel)", "a max_sect=010\n",
     "rules.conf:1: max_sect=010: must be a decimal number 1..2147483647 without leading zeros "
     "(the kernel would read 010 as octal)"},
    {"id_ext with 17 hex digits", "a id_ext=12345678901234567\n",
     "rules.conf:1: id_ext=12345678901234567: must be at most 16 hex digits without 0x (or "
     "nothing, which matches any value)"},
    {"dgid with 34 hex digits", "a dgid=fe800000000000000002c90200402bd5ab\n",
     "rules.conf:1: dgid=fe800000000000000002c90200402bd5ab: must be at most 32 hex digits "
     "without 0x (or nothing, which matches any value)"},
    {"pkey with 10 hex digits", "a pkey=000000ffff\n",
     "rules.conf:1: pkey=000000ffff: must be at most 9 hex digits without 0x (or nothing, which "
     "matches any value)"},
    {"short dgid (srp_daemon compared uninitialised bytes)", "a dgid=fe80\n",
     "rules.conf:1: dgid=fe80: must be exactly 32 hex digits (subnet prefix and port GUID), got "
     "4"},
    {"wide pkey (srp_daemon kept the low 16 bits)", "a pkey=1ffff\n",
     "rules.conf:1: pkey=1ffff: must be at most ffff (srp_daemon would silently compare only "
     "the low 16 bits)"},
    {"line numbers count comments and empty lines", "# comment\n\na id_ext=1\n\n# x\nb\n",
     "rules.conf:6: a line must start with 'a' (allow) or 'd' (deny), or '#' for a comment, not "
     "'b'"},
    {"a line of blanks", "a\n  \n",
     "rules.conf:2: a line of only blanks; an empty line must be really empty"},
    {"DOS line ends", "a id_ext=1\r\n",
     "rules.conf:1: the line ends in a carriage return (DOS line ends); save the file with Unix "
     "line ends"},
    {"a match key twice (srp_daemon used the last)", "a id_ext=1 id_ext=2\n",
     "rules.conf:1: id_ext given twice on one line (srp_daemon would silently use the last); "
     "give it once"},
    {"every bad line, nothing returned", "a\n x\nd queue_size=1\na\n",
     "rules.conf:2: a rule must start in the first column with 'a' (allow) or 'd' (deny); this "
     "line starts with a blank\nrules.conf:3: queue_size=1: login options are only allowed on "
     "allow ('a') rules, not on deny ('d')"},
};

TEST(RulesEdgeCases, RefusedWithFileLineAndWhatWasExpected) {
    for (const Refusal& r : kRefusals) {
        EXPECT_EQ(error_of(parse(r.text)), r.message) << r.row;
    }
}

TEST(RulesEdgeCases, LastLineWithoutNewlineIsRead) {
    // srp_daemon: "Bad syntax" (its item loop runs until '\n'). Fixed.
    const auto rules = parse("a id_ext=1\nd");
    ASSERT_TRUE(rules) << error_of(rules);
    ASSERT_EQ(rules->size(), 2U);
    EXPECT_EQ((*rules)[1].action, RuleAction::deny);
    const auto one = parse("a queue_size=64");
    ASSERT_TRUE(one) << error_of(one);
    EXPECT_EQ((*one)[0].options.at(0).value, "64");
}

TEST(RulesEdgeCases, LongOptionListsAndLinesAreFine) {
    // srp_daemon: more than 127 bytes of options, or a line past 254 bytes, fails. Fixed.
    std::string line = "a";
    for (int i = 0; i < 20; ++i) {
        line += " queue_size=128,max_cmd_per_lun=128";
    }
    ASSERT_GT(line.size(), 254U);
    const auto rules = parse(line + "\n");
    ASSERT_TRUE(rules) << error_of(rules);
    EXPECT_EQ((*rules)[0].options.size(), 40U);
}

TEST(RulesEdgeCases, AcceptedSpellings) {
    for (const char* text :
         {"a id_ext=1, ioc_guid=2\n", "a id_ext=1 \n", "a id_ext=1,\n", "a\tid_ext=1\tioc_guid=2\n",
          "a id_ext=\n", "a\n", "d\n", "a pkey=0ffff\n"}) {
        EXPECT_TRUE(parse(text)) << text << ": " << error_of(parse(text));
    }
    const auto empty = parse("a id_ext=, ioc_guid=2\n");
    ASSERT_TRUE(empty);
    EXPECT_FALSE((*empty)[0].match.id_ext);  // empty = wildcard
    EXPECT_EQ((*empty)[0].match.ioc_guid, 2U);
    const auto twice = parse("a queue_size=64,queue_size=128\n");  // options: the kernel's last
    ASSERT_TRUE(twice);
    EXPECT_EQ((*twice)[0].options.size(), 2U);
}

TEST(RulesEvaluate, FirstMatchWinsAndImplicitFinalAllow) {
    RuleSet set{parse(kShipped).value(), RuleAction::allow};
    const Target denied_dgid = target("1", 0x00a0b80200402bd7ULL, 0x0002c90200402bd5ULL);
    Decision d = evaluate(set, denied_dgid, "mlx5_0", 1);
    EXPECT_EQ(d.action, RuleAction::deny);  // the dgid rule comes first
    ASSERT_NE(d.rule, nullptr);
    EXPECT_EQ(d.rule->origin, "rules.conf:4");

    EXPECT_EQ(evaluate(set, target("1", 0x00a0b80200402bd7ULL, 0x1), "mlx5_0", 1).action,
              RuleAction::allow);
    EXPECT_EQ(
        evaluate(set, target("200500a0b81146a1", 0x00a0b80200402befULL, 0x2, 0x8001), "mlx5_0", 1)
            .rule->origin,
        "rules.conf:10");  // id_ext compared as a number, case aside
    EXPECT_EQ(evaluate(set, target("5", 0x5, 0x5, 0x8001), "mlx5_0", 1).action, RuleAction::deny);

    RuleSet none;  // no rules: srp_daemon's implicit final allow
    const Decision implicit = evaluate(none, target("5", 5, 5), "mlx5_0", 1);
    EXPECT_EQ(implicit.action, RuleAction::allow);
    EXPECT_EQ(implicit.rule, nullptr);
    none.otherwise = RuleAction::deny;  // default-deny
    EXPECT_EQ(evaluate(none, target("5", 5, 5), "mlx5_0", 1).action, RuleAction::deny);
}

TEST(RulesEvaluate, PkeyIncludesTheMembershipBit) {
    RuleSet set{parse("a pkey=7fff\nd\n").value(), RuleAction::allow};
    EXPECT_EQ(evaluate(set, target("1", 1, 1, 0xffff), "mlx5_0", 1).action, RuleAction::deny);
    EXPECT_EQ(evaluate(set, target("1", 1, 1, 0x7fff), "mlx5_0", 1).action, RuleAction::allow);
}

TEST(RulesEvaluate, ServiceIdAndDgidHalves) {
    RuleSet set{parse("a service_id=66 dgid=fe800000000000000005ad00000013e9\nd\n").value(),
                RuleAction::allow};
    EXPECT_EQ(evaluate(set, target("1", 1, 0x0005ad00000013e9ULL), "mlx5_0", 1).action,
              RuleAction::allow);
    EXPECT_EQ(
        evaluate(set, target("1", 1, 0x0005ad00000013e9ULL, 0xffff, 0x67), "mlx5_0", 1).action,
        RuleAction::deny);
    Target other_prefix = target("1", 1, 0x0005ad00000013e9ULL);
    other_prefix.dgid = Gid::from_parts(0xfec0000000000000ULL, 0x0005ad00000013e9ULL);
    EXPECT_EQ(evaluate(set, other_prefix, "mlx5_0", 1).action, RuleAction::deny);
}

TEST(RulesEvaluate, PortScopeIsExact) {
    Rule scoped;
    scoped.action = RuleAction::deny;
    scoped.match.port = PortSelector{"mlx5_1", std::nullopt};
    RuleSet set{{scoped}, RuleAction::allow};
    const Target t = target("1", 1, 1);
    EXPECT_EQ(evaluate(set, t, "mlx5_1", 2).action, RuleAction::deny);
    EXPECT_EQ(evaluate(set, t, "mlx5_10", 1).action, RuleAction::allow);
    set.rules[0].match.port->port = 1;
    EXPECT_EQ(evaluate(set, t, "mlx5_1", 2).action, RuleAction::allow);
    EXPECT_EQ(evaluate(set, t, "mlx5_1", 1).action, RuleAction::deny);
}

TEST(RulesEvaluate, NonHexTargetIdExtMatchesOnlyWithoutIdExt) {
    RuleSet set{parse("d id_ext=0\n").value(), RuleAction::allow};
    EXPECT_EQ(evaluate(set, target("xyz", 1, 1), "mlx5_0", 1).action, RuleAction::allow);
}

}  // namespace
}  // namespace srpadm::model
