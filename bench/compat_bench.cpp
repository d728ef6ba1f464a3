// srpadm_compat_bench: srpadm and the real srp_daemon side by side, on the ibsim tier's fabric
// (tests/ibsim/harness.hpp), against the same stand-in SA and DM responders, with a latency
// injected per answer: each responder sends each answer --delay ms after its request came, on
// a timer of its own, so answers to requests sent together overlap. Both run the same command
// line, `srp_daemon -o -a -c` with an empty rules file: srpadm's personality
// (`srpadm compat srp_daemon -- ARGS`, what the srp_daemon symlink runs), and the real
// srp_daemon under libumad2sim with the libibverbs stand-in
// (tests/ibsim/fake_verbs.cpp).
//
// Prints the wall time of each (fork to exit), the MADs each sent as the responders counted
// them (by class, method and attribute), whether their add_target lines are the same, the
// ratio, and whether the goal (srpadm at least 20 times faster, with no more MADs) was met.
// It is a benchmark, not a test: it asserts nothing.
//
// The fabric: two target ports (Hca3 and Hca4 of tests/ibsim/harness.net), each with --iocs IOCs
// of --services SRP services (and a short non-SRP entry fourth in each block of four, where
// libumad2sim would hand srp_daemon heap bytes). Two is the most both programs see alike here:
// the SA's PortInfoRecord table comes in one MAD (libumad2sim has no RMPP), and of the 224
// bytes libumad2sim delivers two 64-byte records fit whole (srp_daemon also takes a third,
// partly from undelivered bytes; srpadm leaves it out). An IOUnitInfo lists at most 128 IOC
// slots, so the fabric grows by IOCs and services.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness.hpp"

namespace {

using namespace srpadm::ibsim_test;
using nlohmann::json;

constexpr const char* kSm = "Hca1";
constexpr const char* kInitiator = "Hca2";
constexpr const char* kTargetHosts[] = {"Hca3", "Hca4"};
constexpr std::uint64_t kTargetNodeGuids[] = {0x0002c90300b00030, 0x0002c90300a00040};

struct Options {
    unsigned iocs = 128;
    unsigned services = 6;
    unsigned ports = 2;
    unsigned delay_ms = 20;
    bool keep_output = false;
};

std::string fabric_text(const Options& o) {
    std::string text =
        fmt::format("topology ibnetdiscover.txt\nsm \"{}\"/1\ninitiator \"{}\"/1 ibdev ibsim0\n",
                    kSm, kInitiator);
    for (unsigned p = 0; p < o.ports; ++p) {
        const std::uint64_t node = kTargetNodeGuids[p];
        text += fmt::format("target \"{}\"/1\n    change-id {}\n", kTargetHosts[p], p + 1);
        for (unsigned i = 1; i <= o.iocs; ++i) {
            const std::uint64_t ioc_guid = (node & ~0xffffULL) | (p << 12) | i;
            text += fmt::format(
                "    ioc {}\n        guid 0x{:016x}\n        vendor-id 0x0002c9\n"
                "        device-id 0x001017\n        io-class 0x0100\n        send-size 8192\n"
                "        id \"bench IOC {}.{}\"\n",
                i, ioc_guid, p, i);
            // libumad2sim hands srp_daemon heap bytes where srpadm reads zeros (MAD bytes
            // 224-255): the fourth entry of each ServiceEntries block is a short non-SRP name.
            unsigned entries = 0;
            for (unsigned s = 0; s < o.services; ++s) {
                if (entries % 4 == 3) {
                    text += "        service \"filler\" 0x0\n";
                    ++entries;
                }
                const std::uint64_t id = (ioc_guid << 8) | s;
                text += fmt::format("        service \"SRP.T10:{:016X}\" 0x{:016x}\n", id, id);
                ++entries;
            }
            text += "    end\n";
        }
        text += "end\n";
    }
    return text;
}

// MADs the responders received: "class/method/attribute" -> count.
using Counts = std::map<std::string, unsigned>;

std::string class_name(unsigned c) {
    return c == 0x03 ? "SA" : c == 0x06 ? "DM" : fmt::format("class 0x{:02x}", c);
}

std::string attr_name(unsigned c, unsigned a) {
    static const std::map<std::pair<unsigned, unsigned>, const char*> names = {
        {{0x03, 0x0001}, "ClassPortInfo"},  {{0x03, 0x0011}, "NodeRecord"},
        {{0x03, 0x0012}, "PortInfoRecord"}, {{0x03, 0x0035}, "PathRecord"},
        {{0x03, 0x0003}, "InformInfo"},     {{0x06, 0x0001}, "ClassPortInfo"},
        {{0x06, 0x0010}, "IOUnitInfo"},     {{0x06, 0x0011}, "IOControllerProfile"},
        {{0x06, 0x0012}, "ServiceEntries"},
    };
    const auto it = names.find({c, a});
    return it != names.end() ? it->second : fmt::format("attr 0x{:04x}", a);
}

std::string method_name(unsigned m) {
    switch (m) {
        case 0x01:
            return "Get";
        case 0x02:
            return "Set";
        case 0x12:
            return "GetTable";
        default:
            return fmt::format("method 0x{:02x}", m);
    }
}

Counts count(const std::vector<const Background*>& responders) {
    Counts counts;
    for (const auto* r : responders) {
        for (const auto& line : r->lines()) {
            auto j = json::parse(line, nullptr, false);
            if (j.is_discarded() || !j.is_object() || j.value("event", "") != "request") {
                continue;
            }
            const unsigned c = j.value("class", 0U);
            const unsigned m = j.value("method", 0U);
            const unsigned a = j.value("attr", 0U);
            ++counts[fmt::format("{} {} {}", class_name(c), method_name(m), attr_name(c, a))];
        }
    }
    return counts;
}

Counts minus(const Counts& after, const Counts& before) {
    Counts d;
    for (const auto& [k, v] : after) {
        const auto it = before.find(k);
        const unsigned b = it != before.end() ? it->second : 0;
        if (v > b) {
            d[k] = v - b;
        }
    }
    return d;
}

unsigned total(const Counts& c) {
    unsigned n = 0;
    for (const auto& [k, v] : c) {
        n += v;
    }
    return n;
}

double seconds(std::chrono::nanoseconds d) {
    return std::chrono::duration<double>(d).count();
}

int run(const Options& o) {
    Harness h;
    if (!h.ok()) {
        fmt::print(stderr, "compat_bench: the fabric did not come up: {}\n", h.error());
        return 1;
    }
    const std::string srp_daemon = Harness::tool("srp_daemon");
    if (::access(srp_daemon.c_str(), X_OK) != 0) {
        fmt::print(stderr, "compat_bench: {} is missing: install srptools\n", srp_daemon);
        return 1;
    }
    // OpenSM never sets IsDeviceManagementSupported on an ibsim port: the stand-in SA takes
    // its port (see tests/ibsim/ibsim_test.cpp).
    h.stop_opensm();
    const fs::path fabric = h.dir() / "bench.fabric";
    std::ofstream(fabric) << fabric_text(o);
    std::ofstream(h.dir() / "empty.conf");
    fs::create_directories(h.dir() / "scsi_host");

    const std::string delay = std::to_string(o.delay_ms);
    auto sa = h.start(
        kSm, {SRPADM_IBSIM_CLIENT, "sa-responder", fabric.string(), "--issm", "--delay", delay});
    if (!sa || !sa->wait_for("\"ready\"", std::chrono::seconds(20))) {
        fmt::print(stderr, "compat_bench: the SA responder did not start: {}\n",
                   sa ? sa->errors() : "");
        return 1;
    }
    std::vector<std::unique_ptr<Background>> dms;
    for (unsigned p = 0; p < o.ports; ++p) {
        auto dm =
            h.start(kTargetHosts[p],
                    {SRPADM_IBSIM_CLIENT, "dm-responder", fabric.string(), "--delay", delay}, true);
        if (!dm || !dm->wait_for("\"ready\"", std::chrono::seconds(20))) {
            fmt::print(stderr, "compat_bench: a DM responder did not start: {}\n",
                       dm ? dm->errors() : "");
            return 1;
        }
        dms.push_back(std::move(dm));
    }
    std::vector<const Background*> responders{sa.get()};
    for (const auto& d : dms) {
        responders.push_back(d.get());
    }

    const unsigned targets = o.ports * o.iocs * o.services;
    ClientOptions ours_options;
    ours_options.timeout = std::chrono::minutes(10);
    const auto before_ours = count(responders);
    const std::string rules = (h.dir() / "empty.conf").string();
    const auto ours = h.run(
        kInitiator, {SRPADM_BINARY, "compat", "srp_daemon", "--", "-o", "-a", "-c", "-f", rules},
        ours_options);
    const auto ours_mads = minus(count(responders), before_ours);

    ClientOptions oracle_options;
    oracle_options.timeout = std::chrono::minutes(30);
    oracle_options.preload = {Harness::fake_verbs_library()};
    oracle_options.env = {"SRPADM_FAKE_SCSI_HOST=" + (h.dir() / "scsi_host").string()};
    const auto before_oracle = count(responders);
    const auto oracle =
        h.run(kInitiator, {srp_daemon, "-o", "-a", "-c", "-f", rules}, oracle_options);
    const auto oracle_mads = minus(count(responders), before_oracle);

    const auto lines = [](const std::string& out) {
        return static_cast<unsigned>(std::count(out.begin(), out.end(), '\n'));
    };
    fmt::print("srpadm vs srp_daemon (srptools {}) under ibsim + libumad2sim\n", "44.0, Debian 12");
    fmt::print(
        "fabric: {} target port(s) x {} IOC(s) x {} SRP service(s) = {} targets; answers "
        "delayed {} ms each\n\n",
        o.ports, o.iocs, o.services, targets, o.delay_ms);
    const auto report = [&](const char* name, const std::string& cmd, const RunResult& r,
                            const Counts& mads) {
        fmt::print("{}: {}\n", name, cmd);
        fmt::print("  exit {}{}, {} add_target line(s), wall {:.3f} s\n", r.exit_code,
                   r.timed_out ? " (timed out)" : "", lines(r.out), seconds(r.elapsed));
        fmt::print("  MADs received by the responders: {}\n", total(mads));
        for (const auto& [k, v] : mads) {
            fmt::print("    {:<34} {:>6}\n", k, v);
        }
    };
    report("srpadm", "srpadm compat srp_daemon -- -o -a -c -f EMPTY", ours, ours_mads);
    report("srp_daemon", "srp_daemon -o -a -c -f EMPTY", oracle, oracle_mads);
    const double ratio = seconds(oracle.elapsed) / std::max(seconds(ours.elapsed), 1e-9);
    const bool same = ours.out == oracle.out;
    const bool fewer = total(ours_mads) <= total(oracle_mads);
    // Where the time goes: a serial client waits one delay per MAD; a pipelined one one per
    // round of its window (srpadm: 64 MADs in flight, 32 of them to the SA).
    fmt::print("\nanswer delays a serial client waits for: {} MADs x {} ms = {:.2f} s\n",
               total(oracle_mads), o.delay_ms, total(oracle_mads) * o.delay_ms / 1000.0);
    fmt::print("same add_target lines: {}\n", same ? "yes" : "NO");
    fmt::print("wall time ratio srp_daemon/srpadm: {:.1f}x; MADs srpadm/srp_daemon: {}/{}\n", ratio,
               total(ours_mads), total(oracle_mads));
    fmt::print("goal (>= 20x faster, no more MADs): {}\n",
               ratio >= 20.0 && fewer ? "met" : "NOT met");
    if (!ours.ok() || !oracle.ok()) {
        fmt::print(stderr, "srpadm: {}\nsrp_daemon: {}\n", ours.describe(), oracle.describe());
    }
    if (!same && o.keep_output) {
        std::ofstream(h.dir() / "srpadm.out") << ours.out;
        std::ofstream(h.dir() / "srp_daemon.out") << oracle.out;
        fmt::print("outputs kept in {}\n", h.dir().string());
    }
    json summary = {{"ports", o.ports},
                    {"iocs", o.iocs},
                    {"services", o.services},
                    {"delay_ms", o.delay_ms},
                    {"srpadm_s", seconds(ours.elapsed)},
                    {"srp_daemon_s", seconds(oracle.elapsed)},
                    {"ratio", ratio},
                    {"srpadm_mads", total(ours_mads)},
                    {"srp_daemon_mads", total(oracle_mads)},
                    {"same_output", same}};
    fmt::print("{}\n", summary.dump());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    CLI::App app{
        "srpadm and the real srp_daemon side by side on an ibsim fabric, latency injected per "
        "answer"};
    app.add_option("--iocs", o.iocs, "IOCs per target port")
        ->check(CLI::Range(1U, 128U))
        ->capture_default_str();
    app.add_option("--services", o.services, "SRP services per IOC")
        ->check(CLI::Range(1U, 64U))
        ->capture_default_str();
    app.add_option("--ports", o.ports, "Target ports (at most 2: see the file's comment)")
        ->check(CLI::Range(1U, 2U))
        ->capture_default_str();
    app.add_option("--delay", o.delay_ms, "Milliseconds each answer is held")
        ->check(CLI::Range(0U, 10000U))
        ->capture_default_str();
    app.add_flag("--keep-output", o.keep_output,
                 "Keep both outputs in the harness directory when they differ (with "
                 "SRPADM_IBSIM_KEEP=1)");
    CLI11_PARSE(app, argc, argv);
    return run(o);
}
