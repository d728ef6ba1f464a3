#include <charconv>
#include <getopt.h>

#include <fmt/format.h>

#include <srpadm/compat/options.hpp>

namespace srpadm::compat {
namespace {

// A decimal number in [min, max], the whole text; nullopt otherwise. srp_daemon used atoi(),
// which reads "5s" as 5 and "x" as 0.
std::optional<long> number(std::string_view text, long min, long max) {
    long v = 0;
    const char* end = text.data() + text.size();
    auto [p, ec] = std::from_chars(text.data(), end, v);
    if (text.empty() || ec != std::errc() || p != end || v < min || v > max) {
        return std::nullopt;
    }
    return v;
}

Result<unsigned> number_option(char opt, std::string_view text, long min, long max,
                               std::string_view what) {
    auto v = number(text, min, max);
    if (!v) {
        return fail(Errc::usage,
                    fmt::format("option -{}: '{}' is not {} ({}..{})", opt, text, what, min, max));
    }
    return static_cast<unsigned>(*v);
}

// The numeric options that set one field each, with their ranges.
struct NumberOption {
    char opt;
    unsigned Options::*field;
    long min;
    long max;
    std::string_view what;
};
constexpr NumberOption kNumberOptions[] = {
    {'t', &Options::timeout_ms, 1, 3600000, "a timeout in milliseconds"},
    {'r', &Options::retries, 1, 100, "a number of retries"},
    {'R', &Options::rescan_s, 1, 604800, "a rescan period in seconds"},
    {'T', &Options::retry_timeout_s, 0, 86400, "a retry timeout in seconds"},
};

// The option strings of srp_daemon.c: srp_daemon's short_opts with --systemd, and ibsrpdm's
// "cd:h:v", whose -h took an argument by mistake (here -h is help, as everywhere else). The
// leading ':' makes getopt report a missing argument as ':' and print nothing itself.
constexpr const char* kSrpDaemonOpts = ":caveod:i:j:p:t:r:R:T:l:Vhnf:";
constexpr const char* kIbsrpdmOpts = ":cd:hv";
constexpr int kSystemd = 0x100;

}  // namespace

std::optional<Personality> personality_of(std::string_view argv0) {
    const auto slash = argv0.rfind('/');
    const std::string_view name = slash == std::string_view::npos ? argv0 : argv0.substr(slash + 1);
    if (name.ends_with("ibsrpdm")) {
        return Personality::ibsrpdm;
    }
    if (name == "srp_daemon" || name == "run_srp_daemon") {
        return Personality::srp_daemon;
    }
    return std::nullopt;
}

std::string_view personality_name(Personality p) {
    return p == Personality::ibsrpdm ? "ibsrpdm" : "srp_daemon";
}

std::string Options::port_selector() const {
    if (device.empty()) {
        return {};
    }
    return fmt::format("{}:{}", device, port.value_or(1));
}

Result<Options> parse(Personality personality, const std::vector<std::string>& args) {
    Options o;
    o.personality = personality;
    std::vector<std::string> storage;
    storage.reserve(args.size() + 1);
    storage.emplace_back(personality_name(personality));
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    argv.reserve(storage.size() + 1);
    for (std::string& s : storage) {
        argv.push_back(s.data());
    }
    argv.push_back(nullptr);

    const bool ibsrpdm = personality == Personality::ibsrpdm;
    const option long_opts[] = {{"systemd", no_argument, nullptr, kSystemd}, {}};
    const option no_long_opts[] = {{}};  // ibsrpdm: a long option is an unknown one
    // optind = 0: glibc starts a new scan (getopt(3)); opterr = 0: no message of its own.
    optind = 0;
    opterr = 0;
    const int argc = static_cast<int>(storage.size());
    // srp_daemon.c's conf->port_num: -p and -j set it, the last one wins; it counts only when
    // a device is named (-i or -j).
    unsigned port_num = 1;
    for (;;) {
        const int c = ::getopt_long(argc, argv.data(), ibsrpdm ? kIbsrpdmOpts : kSrpDaemonOpts,
                                    ibsrpdm ? no_long_opts : long_opts, nullptr);
        if (c == -1) {
            break;
        }
        const std::string_view arg = optarg != nullptr ? optarg : "";
        Result<unsigned> value = 0U;
        switch (c) {
            case 'c':
                o.print_commands = true;
                break;
            case 'a':
                o.all = true;
                break;
            case 'e':
                o.execute = true;
                break;
            case 'o':
                o.once = true;
                break;
            case 'n':
                o.initiator_ext = true;
                break;
            case 'v':
                // ibsrpdm's -v is srp_daemon's -V (debug output).
                ++(ibsrpdm ? o.debug : o.verbose);
                break;
            case 'V':
                ++o.debug;
                break;
            case 'h':
                o.help = true;
                break;
            case kSystemd:
                o.systemd = true;
                break;
            case 'd':
                o.umad_device = arg;
                break;
            case 'i':
                if (arg.empty()) {
                    return fail(Errc::usage, "option -i: an InfiniBand device name is needed");
                }
                o.device = arg;
                break;
            case 'p':
                value = number_option('p', arg, 1, 255, "a port number");
                if (!value) {
                    return Unexpected(value.error());
                }
                port_num = *value;
                break;
            case 'j': {
                const auto colon = arg.rfind(':');
                if (colon == std::string_view::npos || colon == 0) {
                    return fail(Errc::usage,
                                fmt::format("option -j: '{}' is not DEVICE:PORT", arg));
                }
                value = number_option('j', arg.substr(colon + 1), 1, 255, "a port number");
                if (!value) {
                    return Unexpected(value.error());
                }
                o.device = std::string(arg.substr(0, colon));
                port_num = *value;
                break;
            }
            case 't':
            case 'r':
            case 'R':
            case 'T':
                for (const NumberOption& n : kNumberOptions) {
                    if (n.opt == c) {
                        value = number_option(n.opt, arg, n.min, n.max, n.what);
                        if (!value) {
                            return Unexpected(value.error());
                        }
                        o.*n.field = *value;
                    }
                }
                break;
            case 'l':
                value = number_option('l', arg, 2, 7, "a tl_retry_count");
                if (!value) {
                    return Unexpected(value.error());
                }
                o.tl_retry_count = *value;
                break;
            case 'f':
                o.rules_file = arg;
                o.rules_named = true;
                break;
            case ':':
                return fail(Errc::usage,
                            fmt::format("option -{} needs an argument", static_cast<char>(optopt)));
            default:
                if (optopt != 0) {
                    return fail(Errc::usage,
                                fmt::format("unknown option -{}", static_cast<char>(optopt)));
                }
                return fail(Errc::usage,
                            fmt::format("unknown option {}",
                                        storage[static_cast<std::size_t>(optind) - 1]));
        }
    }
    if (optind < argc) {
        return fail(Errc::usage, fmt::format("unexpected argument '{}'",
                                             storage[static_cast<std::size_t>(optind)]));
    }
    if (!o.device.empty()) {
        o.port = port_num;
    }
    if (ibsrpdm) {
        // ibsrpdm: every target, once, no rules, nothing written (srp_daemon.c main()).
        o.all = true;
        o.once = true;
        o.rules_file.clear();
    }
    return o;
}

std::string usage(Personality personality, std::string_view program) {
    if (personality == Personality::ibsrpdm) {
        return fmt::format("Usage: {} [-vc] [-d <umad device>]\n", program);
    }
    std::string out = fmt::format(
        "Usage: {} [-vVcaeon] [-d <umad device> | -i <infiniband device> [-p <port_num>]] [-t "
        "<timeout (ms)>] [-r <retries>] [-R <rescan time>] [-f <rules file>\n",
        program);
    out +=
        "-v \t\t\tVerbose\n"
        "-V \t\t\tdebug Verbose\n"
        "-c \t\t\tprints connection Commands\n"
        "-a \t\t\tshow All - prints also targets that are already connected\n"
        "-e \t\t\tExecutes connection commands\n"
        "-o \t\t\truns only Once and stop\n"
        "-d <umad device>\tuse umad Device \n"
        "-i <infiniband device>\tuse InfiniBand device \n"
        "-p <port_num>\t\tuse Port num \n"
        "-j <dev>:<port_num>\tuse the IB dev / port_num combination \n"
        "-R <rescan time>\tperform complete Rescan every <rescan time> seconds\n"
        "-T <retry timeout>\tRetries to connect to existing target after Timeout of <retry "
        "timeout> seconds\n"
        "-l <tl_retry timeout>\tTransport retry count before failing IO. should be in range "
        "[2..7], (default 2)\n";
    out += fmt::format(
        "-f <rules file>\tuse rules File to set to which target(s) to connect (default: {})\n",
        kDefaultRulesFile);
    out +=
        "-t <timeout>\t\tTimeout for mad response in milliseconds\n"
        "-r <retries>\t\tnumber of send Retries for each mad\n"
        "-n \t\t\tNew connection command format - use also initiator extension\n"
        "--systemd\t\tEnable systemd integration.\n"
        "\nExample: srp_daemon -e -n -i mthca0 -p 1 -R 60\n";
    return out;
}

std::string configuration_report(const Options& o, unsigned pid, const std::string& device,
                                 unsigned port) {
    std::string out;
    out += " configuration report\n";
    out += " ------------------------------------------------\n";
    out += fmt::format(" Current pid                \t\t: {}\n", pid);
    out += fmt::format(" Device name                \t\t: \"{}\"\n", device);
    out += fmt::format(" IB port                    \t\t: {}\n", port);
    out += fmt::format(" Mad Retries                \t\t: {}\n", o.retries);
    out += " Number of outstanding WR   \t\t: 10\n";
    out += fmt::format(" Mad timeout (msec)\t     \t\t: {}\n", o.timeout_ms);
    out += fmt::format(" Prints add target command  \t\t: {}\n", o.print_commands ? 1 : 0);
    out += fmt::format(" Executes add target command\t\t: {}\n", o.execute ? 1 : 0);
    out += fmt::format(" Print also connected targets \t\t: {}\n", o.all ? 1 : 0);
    out += fmt::format(" Report current targets and stop \t: {}\n", o.once ? 1 : 0);
    if (!o.rules_file.empty()) {
        out += fmt::format(" Reads rules from \t\t\t: {}\n", o.rules_file);
    }
    out += o.initiator_ext ? " Print initiator_ext\n" : " Do not print initiator_ext\n";
    out += o.rescan_s != 0
               ? fmt::format(" Performs full target rescan every {} seconds\n", o.rescan_s)
               : std::string(" No full target rescan\n");
    out += o.retry_timeout_s != 0
               ? fmt::format(" Retries to connect to existing target after {} seconds\n",
                             o.retry_timeout_s)
               : std::string(" Do not retry to connect to existing targets\n");
    out += " ------------------------------------------------\n";
    return out;
}

}  // namespace srpadm::compat
