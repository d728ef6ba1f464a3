// The command lines of rdma-core's srp_daemon and ibsrpdm, read as they read them (getopt_long
// with their option strings: srp_daemon/srp_daemon.c get_config() and ibsrpdm's branch of
// it), so that srpadm can stand in for both. The values are checked strictly where the
// originals took atoi()'s guess: a bad number is an error that names the option.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <srpadm/result.hpp>

namespace srpadm::compat {

enum class Personality : std::uint8_t { srp_daemon, ibsrpdm };

// The personality a program name selects: "srp_daemon" and "run_srp_daemon" (rdma-core's
// second name for it), and any name that ends in "ibsrpdm" (as srp_daemon decides). nullopt
// for every other name (srpadm itself).
std::optional<Personality> personality_of(std::string_view argv0);
std::string_view personality_name(Personality p);

// srp_daemon's rules file when -f is not given.
inline constexpr std::string_view kDefaultRulesFile = "/etc/srp_daemon.conf";

struct Options {
    Personality personality = Personality::srp_daemon;
    bool help = false;                                        // -h: print the usage and exit 0
    unsigned verbose = 0;                                     // -v
    unsigned debug = 0;                                       // -V
    bool print_commands = false;                              // -c
    bool all = false;                                         // -a
    bool execute = false;                                     // -e
    bool once = false;                                        // -o
    bool initiator_ext = false;                               // -n
    bool systemd = false;                                     // --systemd
    std::string umad_device;                                  // -d PATH
    std::string device;                                       // -i DEV, or -j's device
    std::optional<unsigned> port;                             // -p N, or -j's port
    unsigned timeout_ms = 5000;                               // -t
    unsigned retries = 3;                                     // -r
    unsigned rescan_s = 0;                                    // -R; 0: no periodic rescan
    unsigned retry_timeout_s = 20;                            // -T; 0: none
    std::optional<unsigned> tl_retry_count;                   // -l (written only with -e)
    std::string rules_file = std::string(kDefaultRulesFile);  // -f
    bool rules_named = false;

    // "DEV:PORT" of -i/-p or -j; empty when neither was given (then -d, or the first ACTIVE
    // InfiniBand port).
    std::string port_selector() const;
};

// Parses `args` (the arguments after the program name). Errc::usage with a message naming
// the option; the caller prints it and the usage.
Result<Options> parse(Personality personality, const std::vector<std::string>& args);

// The usage text of the personality, as the original prints it, with `program` as its name.
std::string usage(Personality personality, std::string_view program);

// srp_daemon -v's configuration report (srp_daemon.c print_config()), for the port it uses.
std::string configuration_report(const Options& options, unsigned pid, const std::string& device,
                                 unsigned port);

}  // namespace srpadm::compat
