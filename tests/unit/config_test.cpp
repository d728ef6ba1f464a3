// srpadm's configuration: INI sections, keys spelled like the long options, drop-ins,
// errors with file:line, and conversion of srp_daemon's rules.
#include <map>
#include <string>

#include <gtest/gtest.h>

#include <srpadm/model/config.hpp>

#include "error_text.hpp"

namespace srpadm::model {
namespace {

Result<ConfigFile> parse(std::string_view text) {
    return parse_config(text, "srpadm.conf");
}

using testing::error_of;

constexpr std::string_view kExample =
    "# a comment\n"
    "; another\n"
    "[defaults]\n"
    "initiator-ext = port-guid\n"
    "default-deny = yes\n"
    "rules = \"/etc/srp_daemon.conf\"\n"
    "queue-size = 128\n"
    "tl-retry-count = 7\n"
    "fast-io-fail-tmo = 5\n"
    "dev-loss-tmo = 60\n"
    "\n"
    "[target]\n"
    "action = deny\n"
    "dgid = fe80:0000:0000:0000:0002:c903:00e0:0011\n"
    "\n"
    "[target]\n"
    "port = mlx5_1:1\n"
    "id-ext = 0002C90300D00010\n"
    "ioc-guid = 0x0002c90300d00010\n"
    "service-id = 0002c90300d00010\n"
    "pkey = ffff\n"
    "target-can-queue = 512\n"
    "ch-count = 4\n"
    "initiator-ext = 0x1\n"
    "reconnect-delay = off\n";

TEST(ConfigParse, Example) {
    const auto file = parse(kExample);
    ASSERT_TRUE(file) << error_of(file);
    const Defaults& d = file->defaults;
    EXPECT_EQ(d.initiator_ext, (InitiatorExt{InitiatorExtPolicy::target_port_guid, 0}));
    EXPECT_EQ(d.default_deny, true);
    EXPECT_EQ(d.rules, "/etc/srp_daemon.conf");
    EXPECT_EQ(d.options, (std::vector<login::Option>{{login::Key::queue_size, "128"},
                                                     {login::Key::tl_retry_count, "7"}}));
    EXPECT_EQ(d.timeouts.fast_io_fail_tmo, 5);
    EXPECT_EQ(d.timeouts.dev_loss_tmo, 60);
    EXPECT_FALSE(d.timeouts.reconnect_delay);
    ASSERT_EQ(file->targets.size(), 2U);
    const Rule& deny = file->targets[0];
    EXPECT_EQ(deny.action, RuleAction::deny);
    EXPECT_EQ(deny.match.dgid, Gid::from_parts(0xfe80000000000000ULL, 0x0002c90300e00011ULL));
    EXPECT_EQ(deny.origin, "srpadm.conf:12");
    const Rule& allow = file->targets[1];
    EXPECT_EQ(allow.action, RuleAction::allow);
    EXPECT_EQ(allow.match.port, (PortSelector{"mlx5_1", 1U}));
    EXPECT_EQ(allow.match.id_ext, 0x0002c90300d00010ULL);
    EXPECT_EQ(allow.match.ioc_guid, 0x0002c90300d00010ULL);
    EXPECT_EQ(allow.match.service_id, 0x0002c90300d00010ULL);
    EXPECT_EQ(allow.match.pkey, 0xffff);
    EXPECT_EQ(allow.options, (std::vector<login::Option>{{login::Key::target_can_queue, "512"},
                                                         {login::Key::ch_count, "4"}}));
    EXPECT_EQ(allow.initiator_ext, (InitiatorExt{InitiatorExtPolicy::fixed, 1}));
    EXPECT_EQ(allow.timeouts.reconnect_delay, kTmoOff);
}

TEST(ConfigParse, KeysBeforeAnySectionAreDefaults) {
    const auto file = parse("default-deny = no\nmax-sect=256\n");
    ASSERT_TRUE(file) << error_of(file);
    EXPECT_EQ(file->defaults.default_deny, false);
    EXPECT_EQ(file->defaults.options.at(0), (login::Option{login::Key::max_sect, "256"}));
}

TEST(ConfigParse, EveryTunableLoginOptionIsAKey) {
    for (const login::Key key : tunable_login_keys()) {
        const std::string value = key == login::Key::io_class         ? "ff00"
                                  : key == login::Key::tl_retry_count ? "3"
                                                                      : "2";
        const std::string text = "[target]\n" + option_spelling(key) + " = " + value + "\n";
        const auto file = parse(text);
        ASSERT_TRUE(file) << text << error_of(file);
        EXPECT_EQ(file->targets.at(0).options.at(0).key, key);
    }
    EXPECT_EQ(tunable_login_keys().size(), 12U);
}

// Every refusal: file:line, the key as written, what was expected.
const std::pair<const char*, const char*> kRefusals[] = {
    {"[default]\nqueue-size = 1\n",
     "srpadm.conf:1: unknown section [default]; expected [defaults] or [target]"},
    {"[defaults]\nqueue_size = 64\n",
     "srpadm.conf:2: unknown key 'queue_size'; keys are spelled like the command-line options: "
     "queue-size"},
    {"queue-size = 1\n",
     "srpadm.conf:1: queue-size = 1: must be 2..2147483647 (the kernel's parser takes 1, but its "
     "ABI document names 2 as the lowest supported value)"},
    {"[target]\ntl-retry-count = 9\n", "srpadm.conf:2: tl-retry-count = 9: must be 2..7"},
    {"[target]\ndefault-deny = yes\n",
     "srpadm.conf:2: default-deny belongs in a [defaults] section, not in [target]"},
    {"action = deny\n", "srpadm.conf:1: action belongs in a [target] section, not in [defaults]"},
    {"[target]\npkey = 1\npkey = 2\n",
     "srpadm.conf:3: pkey given twice in this [target] section (first on line 2); give it once"},
    {"queue-size\n",
     "srpadm.conf:1: 'queue-size': expected KEY = VALUE, or a section header [defaults] or "
     "[target]"},
    {"default-deny = maybe\n", "srpadm.conf:1: default-deny = maybe: must be yes or no"},
    {"[target]\naction = allow\nport = mlx5_0:0\n",
     "srpadm.conf:3: port = mlx5_0:0: the port must be a decimal number 1..255 (expected DEV or "
     "DEV:PORT, e.g. mlx5_0:1)"},
    {"[target]\nioc-guid = xyz\n",
     "srpadm.conf:2: ioc-guid = xyz: must be 1-16 hex digits, optionally with 0x"},
    {"[target]\ndgid = fe80\n",
     "srpadm.conf:2: dgid = fe80: must be a GID: 32 hex digits, or eight ':'-separated groups"},
    {"[target]\naction = deny\nqueue-size = 64\n",
     "srpadm.conf:1: a [target] section with action = deny takes only match keys (port, id-ext, "
     "ioc-guid, service-id, pkey, dgid, address): login options, initiator-ext and timeouts apply "
     "to "
     "allowed targets"},
    {"dev-loss-tmo = 10\nfast-io-fail-tmo = 20\n",
     "srpadm.conf:1: [defaults]: fast_io_fail_tmo=20 must be smaller than dev_loss_tmo=10"},
    {"[target]\nreconnect-delay = 0\n",
     "srpadm.conf:1: [target]: reconnect_delay must not be 0 (give a positive number of seconds or "
     "off)"},
    {"[target]\ndev-loss-tmo = 1m\n",
     "srpadm.conf:2: dev-loss-tmo = 1m: must be off or a number of seconds 0..2147483647 (decimal, "
     "without leading zeros)"},
    {"[target\n", "srpadm.conf:1: '[target': a section header must be [defaults] or [target]"},
    {"[target]\naddress = storage1:5555\n",
     "srpadm.conf:2: address = storage1:5555: 'storage1' is not an IPv4 address, an IPv6 address "
     "or a GID; expected IPv4[:PORT], IPv6, [IPv6[%DEV]][:PORT] or a GID"},
};

TEST(ConfigParse, Errors) {
    for (const auto& [text, message] : kRefusals) {
        EXPECT_EQ(error_of(parse(text)), message) << text;
    }
}

TEST(ConfigParse, AllProblemsReported) {
    EXPECT_EQ(error_of(parse("bogus = 1\n[target]\npkey = zz\n")),
              "srpadm.conf:1: unknown key 'bogus' in [defaults] (expected one of: "
              "initiator-ext, default-deny, rules, max-sect, max-cmd-per-lun, io-class, "
              "cmd-sg-entries, allow-ext-sg, sg-tablesize, comp-vector, tl-retry-count, "
              "queue-size, target-can-queue, max-it-iu-size, ch-count, fast-io-fail-tmo, "
              "dev-loss-tmo, reconnect-delay)\n"
              "srpadm.conf:3: pkey = zz: must be a hex P_Key 0..ffff (membership bit included, as "
              "the SA reports it: ffff, 8001)");
}

TEST(ConfigParse, CrLfAndBlanks) {
    const auto file = parse("[defaults]\r\n  queue-size   =   64  \r\n");
    ASSERT_TRUE(file) << error_of(file);
    EXPECT_EQ(file->defaults.options.at(0).value, "64");
}

TEST(ConfigMerge, LaterOverridesKeyByKey) {
    Defaults a = parse("queue-size = 64\nmax-sect = 256\ninitiator-ext = none\n").value().defaults;
    Defaults b = parse("queue-size = 128\nch-count = 2\ndev-loss-tmo = 30\n").value().defaults;
    const Defaults m = a.overridden_by(b);
    EXPECT_EQ(m.options, (std::vector<login::Option>{{login::Key::queue_size, "128"},
                                                     {login::Key::max_sect, "256"},
                                                     {login::Key::ch_count, "2"}}));
    EXPECT_EQ(m.initiator_ext, InitiatorExt{});
    EXPECT_EQ(m.timeouts.dev_loss_tmo, 30);
}

// In-memory files for load_config.
struct FakeFiles {
    std::map<std::string, std::string> files;
    ConfigSources sources() {
        return {[this](const std::string& path) -> Result<std::optional<std::string>> {
                    const auto it = files.find(path);
                    if (it == files.end()) {
                        return std::optional<std::string>();
                    }
                    return std::optional<std::string>(it->second);
                },
                [this](const std::string& dir) -> Result<std::vector<std::string>> {
                    std::vector<std::string> names;
                    for (const auto& [path, text] : files) {
                        if (path.rfind(dir + "/", 0) == 0) {
                            names.push_back(path.substr(dir.size() + 1));
                        }
                    }
                    std::reverse(names.begin(), names.end());  // any order: load sorts
                    return names;
                }};
    }
};

TEST(ConfigLoad, DropInsInNameOrder) {
    FakeFiles fs;
    fs.files["/etc/srpadm/srpadm.conf"] = "queue-size = 64\n[target]\npkey = 8001\n";
    fs.files["/etc/srpadm/srpadm.conf.d/20-b.conf"] = "queue-size = 256\n[target]\npkey = 8003\n";
    fs.files["/etc/srpadm/srpadm.conf.d/10-a.conf"] = "queue-size = 128\n[target]\npkey = 8002\n";
    fs.files["/etc/srpadm/srpadm.conf.d/30-c.conf~"] = "broken\n";
    fs.files["/etc/srpadm/srpadm.conf.d/.hidden.conf"] = "broken\n";
    const auto config = load_config("/etc/srpadm/srpadm.conf", false, fs.sources());
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_EQ(config->files, (std::vector<std::string>{"/etc/srpadm/srpadm.conf",
                                                       "/etc/srpadm/srpadm.conf.d/10-a.conf",
                                                       "/etc/srpadm/srpadm.conf.d/20-b.conf"}));
    EXPECT_EQ(config->defaults.options.at(0).value, "256");
    ASSERT_EQ(config->rules.size(), 3U);
    EXPECT_EQ(config->rules[0].match.pkey, 0x8001);
    EXPECT_EQ(config->rules[1].match.pkey, 0x8002);
    EXPECT_EQ(config->rules[2].origin, "/etc/srpadm/srpadm.conf.d/20-b.conf:2");
}

TEST(ConfigLoad, MissingMainFileAndErrorsFromEveryFile) {
    FakeFiles fs;
    EXPECT_TRUE(load_config("/etc/srpadm/srpadm.conf", false, fs.sources()));
    EXPECT_EQ(load_config("/x.conf", true, fs.sources()).error().message, "/x.conf: no such file");
    fs.files["/x.conf"] = "bad\n";
    fs.files["/x.conf.d/a.conf"] = "worse = 1\n";
    const auto broken = load_config("/x.conf", true, fs.sources());
    ASSERT_FALSE(broken);
    EXPECT_EQ(broken.error().code, Errc::invalid_input);
    EXPECT_EQ(broken.error().message.substr(0, 9), "/x.conf:1");
    EXPECT_NE(broken.error().message.find("\n/x.conf.d/a.conf:1: unknown key 'worse'"),
              std::string::npos);
}

TEST(ConfigLoad, RulesFileMustExist) {
    FakeFiles fs;
    EXPECT_EQ(load_srp_daemon_rules("/etc/srp_daemon.conf", fs.sources()).error().message,
              "/etc/srp_daemon.conf: no such rules file (srp_daemon would silently allow every "
              "target; srpadm refuses)");
    fs.files["/etc/srp_daemon.conf"] = "a pkey=ffff\nd";
    EXPECT_EQ(load_srp_daemon_rules("/etc/srp_daemon.conf", fs.sources()).value().size(), 2U);
}

TEST(ConfigParse, AddressMatchesRoceTargetsAndNamesPortsToScan) {
    const auto file = parse(
        "[target]\naddress = 192.0.2.15\nqueue-size = 64\n"
        "[target]\naction = deny\naddress = [fe80::1%eth0]:4000\n"
        "[target]\naddress = 192.0.2.16:4000\n"
        "[target]\naddress = 192.0.2.15\nid-ext = 1\n");
    ASSERT_TRUE(file) << error_of(file);
    ASSERT_EQ(file->targets.size(), 4U);
    const auto& first = file->targets[0].match;
    ASSERT_TRUE(first.address);
    EXPECT_EQ(first.address->host(), "192.0.2.15");
    // The allow rules' addresses, each once, in order; the deny rule's is not scanned.
    const auto scan = addresses_to_scan(file->targets);
    ASSERT_EQ(scan.size(), 2U);
    EXPECT_EQ(scan[0].with_port(5555), "192.0.2.15:5555");
    EXPECT_EQ(scan[1].with_port(5555), "192.0.2.16:4000");
    // Matching: a target found by address, with the port when the rule names one.
    Target roce;
    roce.id_ext = "1";
    roce.rdma = login::RdmaCmAddress{"192.0.2.15:5555", std::nullopt};
    EXPECT_TRUE(matches(first, roce, "rxe0", 1));
    roce.rdma->dest = "192.0.2.16:5555";
    EXPECT_FALSE(matches(first, roce, "rxe0", 1));
    EXPECT_FALSE(matches(file->targets[2].match, roce, "rxe0", 1));  // another port
    roce.rdma->dest = "192.0.2.16:4000";
    EXPECT_TRUE(matches(file->targets[2].match, roce, "rxe0", 1));
    roce.rdma->dest = "[fe80::1%rxe_eth]:4000";
    EXPECT_TRUE(matches(file->targets[1].match, roce, "rxe0", 1));  // the scope is not compared
    // A target found through the SA never matches an address.
    Target ib;
    ib.id_ext = "1";
    EXPECT_FALSE(matches(first, ib, "mlx5_0", 1));
    // The key survives a render and parse.
    const auto back = parse_config(render_config({}, file->targets, "x"), "y");
    ASSERT_TRUE(back) << error_of(back);
    for (std::size_t i = 0; i < 4; ++i) {
        EXPECT_EQ(back->targets[i].match, file->targets[i].match) << i;
    }
}

TEST(ConfigConvert, RulesRoundTrip) {
    const auto rules = parse_srp_daemon_rules(
        "d dgid=fe800000000000000002c90200402bd5\n"
        "a ioc_guid=00a0b80200402bd7 queue_size=128,max_cmd_per_lun=128\n"
        "a pkey=ffff service_id=66\n"
        "a id_ext=200500A0B81146A1,ioc_guid=00a0b80200402bef\n"
        "d\n",
        "/etc/srp_daemon.conf");
    ASSERT_TRUE(rules) << rules.error().message;
    const std::string text = render_config({}, *rules, "converted\nfrom srp_daemon");
    EXPECT_EQ(text.substr(0, 35), "# converted\n# from srp_daemon\n\n[tar");
    EXPECT_NE(text.find("[target]\n# from /etc/srp_daemon.conf:2\naction = allow\nioc-guid = "
                        "0x00a0b80200402bd7\nqueue-size = 128\nmax-cmd-per-lun = 128\n"),
              std::string::npos)
        << text;
    const auto back = parse_config(text, "converted.conf");
    ASSERT_TRUE(back) << back.error().message;
    ASSERT_EQ(back->targets.size(), rules->size());
    for (std::size_t i = 0; i < rules->size(); ++i) {
        Rule expected = (*rules)[i];
        expected.origin = back->targets[i].origin;
        EXPECT_EQ(back->targets[i], expected) << i;
    }
}

TEST(ConfigConvert, DefaultsAndSettingsRoundTrip) {
    const auto file = parse(kExample).value();
    const auto back = parse_config(render_config(file.defaults, file.targets, "x"), "y").value();
    EXPECT_EQ(back.defaults, file.defaults);
    ASSERT_EQ(back.targets.size(), 2U);
    EXPECT_EQ(back.targets[1].options, file.targets[1].options);
    EXPECT_EQ(back.targets[1].initiator_ext, file.targets[1].initiator_ext);
    EXPECT_EQ(back.targets[1].timeouts, file.targets[1].timeouts);
    EXPECT_EQ(back.targets[1].match, file.targets[1].match);
}

}  // namespace
}  // namespace srpadm::model
