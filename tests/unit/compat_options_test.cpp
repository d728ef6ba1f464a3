// srp_daemon's and ibsrpdm's command lines as the personality reads them (compat/options.hpp):
// the defaults of srp_daemon.c get_config(), getopt's grouping and attached arguments, the
// device precedence, the strict numbers, ibsrpdm's fixed settings, the -v report's layout.
#include <gtest/gtest.h>

#include <srpadm/compat/options.hpp>

namespace srpadm::compat {
namespace {

Options ok(Personality p, const std::vector<std::string>& args) {
    auto o = parse(p, args);
    EXPECT_TRUE(o.has_value()) << (o ? "" : o.error().message);
    return o ? *o : Options{};
}

std::string error_of(Personality p, const std::vector<std::string>& args) {
    auto o = parse(p, args);
    EXPECT_FALSE(o.has_value());
    if (o) {
        return {};
    }
    EXPECT_EQ(o.error().code, Errc::usage);
    return o.error().message;
}

TEST(CompatOptions, PersonalityFromTheProgramName) {
    EXPECT_EQ(personality_of("srp_daemon"), Personality::srp_daemon);
    EXPECT_EQ(personality_of("/usr/sbin/srp_daemon"), Personality::srp_daemon);
    EXPECT_EQ(personality_of("run_srp_daemon"), Personality::srp_daemon);
    EXPECT_EQ(personality_of("/usr/sbin/ibsrpdm"), Personality::ibsrpdm);
    EXPECT_EQ(personality_of("my-ibsrpdm"), Personality::ibsrpdm);  // srp_daemon's suffix test
    EXPECT_EQ(personality_of("srpadm"), std::nullopt);
    EXPECT_EQ(personality_of("/usr/sbin/srpadm"), std::nullopt);
    EXPECT_EQ(personality_of("srp_daemon.sh"), std::nullopt);
    EXPECT_EQ(personality_of(""), std::nullopt);
}

TEST(CompatOptions, SrpDaemonDefaults) {
    const Options o = ok(Personality::srp_daemon, {});
    EXPECT_EQ(o.timeout_ms, 5000U);
    EXPECT_EQ(o.retries, 3U);
    EXPECT_EQ(o.rescan_s, 0U);
    EXPECT_EQ(o.retry_timeout_s, 20U);
    EXPECT_EQ(o.rules_file, "/etc/srp_daemon.conf");
    EXPECT_FALSE(o.rules_named);
    EXPECT_FALSE(o.once || o.execute || o.print_commands || o.all || o.initiator_ext);
    EXPECT_EQ(o.port_selector(), "");
    EXPECT_FALSE(o.tl_retry_count.has_value());
}

TEST(CompatOptions, GroupedFlagsAndAttachedArguments) {
    const Options o =
        ok(Personality::srp_daemon, {"-oacn", "-vv", "-R60", "-t", "250", "-r2", "-T", "0", "-l3",
                                     "--systemd", "-f", "/tmp/r.conf", "-V"});
    EXPECT_TRUE(o.once && o.all && o.print_commands && o.initiator_ext && o.systemd);
    EXPECT_EQ(o.verbose, 2U);
    EXPECT_EQ(o.debug, 1U);
    EXPECT_EQ(o.rescan_s, 60U);
    EXPECT_EQ(o.timeout_ms, 250U);
    EXPECT_EQ(o.retries, 2U);
    EXPECT_EQ(o.retry_timeout_s, 0U);
    EXPECT_EQ(o.tl_retry_count, 3U);
    EXPECT_EQ(o.rules_file, "/tmp/r.conf");
    EXPECT_TRUE(o.rules_named);
}

TEST(CompatOptions, DeviceAndPortAsSrpDaemonTakesThem) {
    EXPECT_EQ(ok(Personality::srp_daemon, {"-i", "mlx5_0"}).port_selector(), "mlx5_0:1");
    EXPECT_EQ(ok(Personality::srp_daemon, {"-i", "mlx5_0", "-p", "2"}).port_selector(), "mlx5_0:2");
    EXPECT_EQ(ok(Personality::srp_daemon, {"-p", "2", "-i", "mlx5_0"}).port_selector(), "mlx5_0:2");
    EXPECT_EQ(ok(Personality::srp_daemon, {"-j", "mlx4_0:2"}).port_selector(), "mlx4_0:2");
    // The last of -p and -j sets the port; -p alone names no device.
    EXPECT_EQ(ok(Personality::srp_daemon, {"-j", "mlx4_0:2", "-p", "1"}).port_selector(),
              "mlx4_0:1");
    EXPECT_EQ(ok(Personality::srp_daemon, {"-p", "1", "-j", "mlx4_0:2"}).port_selector(),
              "mlx4_0:2");
    EXPECT_EQ(ok(Personality::srp_daemon, {"-p", "2"}).port_selector(), "");
    const Options d = ok(Personality::srp_daemon, {"-d", "/dev/infiniband/umad1"});
    EXPECT_EQ(d.umad_device, "/dev/infiniband/umad1");
    EXPECT_EQ(d.port_selector(), "");
}

TEST(CompatOptions, BadValuesNameTheOption) {
    const auto sd = Personality::srp_daemon;
    EXPECT_EQ(error_of(sd, {"-t", "5s"}),
              "option -t: '5s' is not a timeout in milliseconds (1..3600000)");
    EXPECT_EQ(error_of(sd, {"-t", "0"}),
              "option -t: '0' is not a timeout in milliseconds (1..3600000)");
    EXPECT_EQ(error_of(sd, {"-R", "-5"}),
              "option -R: '-5' is not a rescan period in seconds (1..604800)");
    EXPECT_EQ(error_of(sd, {"-r", "x"}), "option -r: 'x' is not a number of retries (1..100)");
    EXPECT_EQ(error_of(sd, {"-T", "x"}),
              "option -T: 'x' is not a retry timeout in seconds (0..86400)");
    EXPECT_EQ(error_of(sd, {"-l", "8"}), "option -l: '8' is not a tl_retry_count (2..7)");
    EXPECT_EQ(error_of(sd, {"-p", "0"}), "option -p: '0' is not a port number (1..255)");
    EXPECT_EQ(error_of(sd, {"-j", "mlx5_0"}), "option -j: 'mlx5_0' is not DEVICE:PORT");
    EXPECT_EQ(error_of(sd, {"-j", "mlx5_0:0"}), "option -j: '0' is not a port number (1..255)");
    EXPECT_EQ(error_of(sd, {"-Z"}), "unknown option -Z");
    EXPECT_EQ(error_of(sd, {"--bogus"}), "unknown option --bogus");
    EXPECT_EQ(error_of(sd, {"-t"}), "option -t needs an argument");
    EXPECT_EQ(error_of(sd, {"-o", "extra"}), "unexpected argument 'extra'");
    // ibsrpdm has no srp_daemon options.
    EXPECT_EQ(error_of(Personality::ibsrpdm, {"-o"}), "unknown option -o");
    EXPECT_EQ(error_of(Personality::ibsrpdm, {"--systemd"}), "unknown option --systemd");
}

TEST(CompatOptions, ParsingTwiceStartsAfresh) {
    // getopt keeps state between calls; each parse must begin at the first argument.
    static_cast<void>(parse(Personality::srp_daemon, {"-o", "-c"}));
    const Options o = ok(Personality::srp_daemon, {"-a"});
    EXPECT_TRUE(o.all);
    EXPECT_FALSE(o.once);
}

TEST(CompatOptions, IbsrpdmIsAFixedOneShotListing) {
    const Options o = ok(Personality::ibsrpdm, {"-c", "-v", "-d", "/dev/infiniband/umad0"});
    EXPECT_TRUE(o.print_commands && o.all && o.once);
    EXPECT_FALSE(o.execute);
    EXPECT_EQ(o.verbose, 0U);  // ibsrpdm's -v is debug output
    EXPECT_EQ(o.debug, 1U);
    EXPECT_EQ(o.rules_file, "");  // no rules: every target
    EXPECT_EQ(o.umad_device, "/dev/infiniband/umad0");
    EXPECT_TRUE(ok(Personality::ibsrpdm, {"-h"}).help);
}

TEST(CompatOptions, UsageTexts) {
    EXPECT_EQ(usage(Personality::ibsrpdm, "ibsrpdm"), "Usage: ibsrpdm [-vc] [-d <umad device>]\n");
    const std::string u = usage(Personality::srp_daemon, "/usr/sbin/srp_daemon");
    EXPECT_EQ(u.substr(0, u.find('\n')),
              "Usage: /usr/sbin/srp_daemon [-vVcaeon] [-d <umad device> | -i <infiniband device> "
              "[-p <port_num>]] [-t <timeout (ms)>] [-r <retries>] [-R <rescan time>] [-f <rules "
              "file>");
    EXPECT_NE(u.find("-n \t\t\tNew connection command format - use also initiator extension\n"),
              std::string::npos);
    EXPECT_NE(u.find("(default: /etc/srp_daemon.conf)"), std::string::npos);
}

TEST(CompatOptions, ConfigurationReportLayout) {
    const Options o = ok(Personality::srp_daemon, {"-e", "-c", "-n", "-R", "60", "-T", "0"});
    EXPECT_EQ(configuration_report(o, 4242, "mlx5_0", 1),
              " configuration report\n"
              " ------------------------------------------------\n"
              " Current pid                \t\t: 4242\n"
              " Device name                \t\t: \"mlx5_0\"\n"
              " IB port                    \t\t: 1\n"
              " Mad Retries                \t\t: 3\n"
              " Number of outstanding WR   \t\t: 10\n"
              " Mad timeout (msec)\t     \t\t: 5000\n"
              " Prints add target command  \t\t: 1\n"
              " Executes add target command\t\t: 1\n"
              " Print also connected targets \t\t: 0\n"
              " Report current targets and stop \t: 0\n"
              " Reads rules from \t\t\t: /etc/srp_daemon.conf\n"
              " Print initiator_ext\n"
              " Performs full target rescan every 60 seconds\n"
              " Do not retry to connect to existing targets\n"
              " ------------------------------------------------\n");
}

}  // namespace
}  // namespace srpadm::compat
